//! `citykg generate`: writes a deterministic synthetic network (N-Quads, one graph per city), or
//! one city of it as N-Triples for `citykg contribute`.

use crate::error::{Error, Result};
use crate::generate::{self, Params, Summary, Vocabulary};
use std::io::Write;
use std::path::Path;

/// Generates the network described by `params` with the SDGs and themes of the bundle in
/// `bundle_dir`, into `out` (stdout when `None`). With `only_city`, writes that city alone,
/// without a graph name.
pub fn generate(
    bundle_dir: &Path,
    params: &Params,
    only_city: Option<usize>,
    out: Option<&Path>,
) -> Result<Summary> {
    let vocab = Vocabulary::from_bundle(bundle_dir)?;
    let writer: Box<dyn Write> = match out {
        Some(path) => {
            Box::new(std::fs::File::create(path).map_err(|e| Error::io(path.display(), e))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let origin = out.map_or("stdout".to_owned(), |p| p.display().to_string());
    match only_city {
        None => generate::generate(&vocab, params, writer),
        Some(index) => {
            let mut buffer = String::new();
            let quads = generate::write_city(&vocab, params, index, false, &mut buffer);
            let mut writer = writer;
            writer
                .write_all(buffer.as_bytes())
                .and_then(|_| writer.flush())
                .map_err(|e| Error::io(&origin, e))?;
            Ok(Summary {
                cities: 1,
                practices: params.practices,
                quads,
            })
        }
    }
}
