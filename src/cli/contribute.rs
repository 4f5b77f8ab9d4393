//! `citykg contribute` (a city's dataset into the local store, through the same pipeline as the
//! API) and `citykg token` (issue, list and revoke contributor tokens).

use crate::error::{Error, Result};
use crate::ingest::contribution::{Contributions, Contributor, InputFormat, Outcome};
use crate::ingest::tokens::{TokenRecord, TokenStore};
use crate::store::Backend;
use crate::store::bundle::Bundle;
use std::path::Path;

/// Submits `file` as `city`'s data into the store in `data_dir` (loading the bundle first if the
/// store is new or the bundle changed, as `serve` would).
pub fn contribute(
    data_dir: &Path,
    bundle_dir: &Path,
    city: &str,
    file: &Path,
    format: Option<&str>,
    dry_run: bool,
) -> Result<Outcome> {
    let format = match format {
        Some(name) => InputFormat::from_name(name).ok_or_else(|| {
            Error::Invalid(format!(
                "--format {name:?}: use turtle, jsonld, ntriples, rdfxml, trig or csv"
            ))
        })?,
        None => InputFormat::from_path(file).ok_or_else(|| {
            Error::Invalid(format!(
                "{}: unknown format from the extension; give --format",
                file.display()
            ))
        })?,
    };
    let bytes = std::fs::read(file).map_err(|e| Error::io(file.display(), e))?;
    let backend = Backend::open(data_dir)?;
    Bundle::discover(bundle_dir)?.ensure_loaded(&backend)?;
    crate::store::derived::ensure_fresh(&backend)?;
    let pipeline = Contributions::new(
        backend.clone(),
        bundle_dir,
        data_dir,
        crate::vocab::DEFAULT_BASE_IRI,
    )?
    .with_search_index(std::sync::Arc::new(crate::search::SearchIndex::open(
        data_dir, &backend,
    )?));
    let who = Contributor {
        token_id: None,
        channel: "command line",
    };
    let outcome = pipeline.submit(
        city,
        &file.display().to_string(),
        &bytes,
        format,
        &who,
        dry_run,
    )?;
    backend.flush()?;
    Ok(outcome)
}

/// `citykg token add`: a new token for `city`; the caller prints the token once.
pub fn token_add(data_dir: &Path, city: &str) -> Result<(TokenRecord, String)> {
    TokenStore::new(data_dir).add(city)
}

/// `citykg token list`.
pub fn token_list(data_dir: &Path) -> Result<Vec<TokenRecord>> {
    TokenStore::new(data_dir).list()
}

/// `citykg token revoke`.
pub fn token_revoke(data_dir: &Path, id: &str) -> Result<TokenRecord> {
    TokenStore::new(data_dir).revoke(id)
}
