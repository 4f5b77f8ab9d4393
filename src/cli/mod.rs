//! The CLI verbs beside `serve`: `query`, `load`, `dump`, `backup` and `validate`. `main.rs` parses the
//! arguments and calls these.

mod load;
mod query;
mod validate;

pub use load::load;
pub use query::{QueryOutput, query};
pub use validate::{print_report, validate};

use crate::error::{Error, Result};
use crate::store::Backend;
use oxigraph::io::RdfFormat;
use std::path::Path;

/// `citykg dump`: every quad as N-Quads or TriG on `writer`.
pub fn dump(data_dir: &Path, trig: bool, writer: impl std::io::Write) -> Result<()> {
    let backend = Backend::open(data_dir)?;
    let format = if trig {
        RdfFormat::TriG
    } else {
        RdfFormat::NQuads
    };
    backend.dump(format, writer)
}

/// `citykg backup`: a consistent copy of the store in `target` (a new directory).
pub fn backup(data_dir: &Path, target: &Path) -> Result<()> {
    if target.exists() {
        return Err(Error::Invalid(format!(
            "{}: the backup target already exists; give a new directory",
            target.display()
        )));
    }
    let backend = Backend::open(data_dir)?;
    backend.backup(target)
}
