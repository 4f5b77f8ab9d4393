//! The CLI verbs beside `serve`: `query`, `load`, `dump`, `backup`, `validate`, `contribute`,
//! `token` and `generate`. `main.rs` parses the arguments and calls these.

mod contribute;
mod generate;
mod load;
mod query;
mod validate;

pub use contribute::{contribute, token_add, token_list, token_revoke};
pub use generate::generate;
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
    backend.backup(target)?;
    // The contribution history and the token hashes live beside the store.
    let history = data_dir.join(crate::ingest::history::HISTORY_DIR);
    if history.is_dir() {
        copy_tree(&history, &target.join(crate::ingest::history::HISTORY_DIR))?;
    }
    let tokens = data_dir.join(crate::ingest::tokens::TOKEN_FILE);
    if tokens.is_file() {
        let to = target.join(crate::ingest::tokens::TOKEN_FILE);
        std::fs::copy(&tokens, &to).map_err(|e| Error::io(to.display(), e))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to.display(), e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from.display(), e))? {
        let entry = entry.map_err(|e| Error::io(from.display(), e))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| Error::io(target.display(), e))?;
        }
    }
    Ok(())
}
