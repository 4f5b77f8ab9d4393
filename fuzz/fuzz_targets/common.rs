//! What the fuzz targets share: the repository's bundle, and a contribution pipeline over an
//! in-memory store holding the bundled ontology and data, built once per fuzzing process.
#![allow(dead_code)]

use citykg::ingest::contribution::{Contributions, InputFormat};
use citykg::store::Backend;
use citykg::store::bundle::Bundle;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The citykg repository (ontology/, data/, queries/).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The contribution pipeline (parse, ownership, SHACL) over the bundle, in memory.
pub fn contributions() -> &'static Contributions {
    static PIPELINE: OnceLock<Contributions> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let setup = || -> citykg::error::Result<Contributions> {
            let backend = Backend::in_memory()?;
            Bundle::discover(&repo_root())?.ensure_loaded(&backend)?;
            // The history folder is never written: the targets only parse and check.
            let history = Box::leak(Box::new(
                tempfile::tempdir().map_err(|e| citykg::error::Error::io("temp dir", e))?,
            ));
            Contributions::new(
                backend,
                &repo_root(),
                history.path(),
                citykg::vocab::DEFAULT_BASE_IRI,
            )
        };
        match setup() {
            Ok(pipeline) => pipeline,
            Err(e) => panic!("the fuzz set-up failed (not a finding): {e}"),
        }
    })
}

/// Parses and checks `body` as a contribution of Helsinki in `format`, and renders the report
/// as a steward gets it. Errors are answers; only a panic (or a sanitizer) is a finding.
pub fn contribute(body: &[u8], format: &str) {
    let Some(format) = InputFormat::from_name(format) else {
        panic!("unknown format name {format}");
    };
    let pipeline = contributions();
    let Ok(triples) = pipeline.parse("helsinki", "fuzz input", body, format) else {
        return;
    };
    if let Ok(report) = pipeline.check("helsinki", &triples) {
        let _ = citykg::ingest::shacl::report_turtle(&report);
        let _ = serde_json::to_string(&report);
    }
}
