//! The CLI verbs beside `serve`: `query`, `load`, `dump`, `backup`, `restore`, `validate`,
//! `contribute`, `token`, `export-csv` and `generate`. `main.rs` parses the arguments and calls these.

mod contribute;
pub mod engine;
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
pub fn dump(
    data_dir: &Path,
    engine: &engine::EngineArgs,
    trig: bool,
    writer: impl std::io::Write,
) -> Result<()> {
    let backend = engine.open(data_dir)?;
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
    restrict_private_files(target)
}

/// `citykg restore`: puts the backup in `backup` (made by `citykg backup`: the store, the
/// contribution history and the token file) in place as the data dir `data_dir`. An existing
/// store is replaced only with `force`, and never while a server has it open. The backup is
/// copied beside `data_dir` and opened there first, so a bad backup leaves `data_dir` untouched;
/// the swap is two renames. The backup itself is left as it was.
pub fn restore(backup: &Path, data_dir: &Path, force: bool) -> Result<()> {
    if !backup.join("CURRENT").is_file() {
        return Err(Error::Invalid(format!(
            "{}: not a citykg backup (no store in it); give a directory made by `citykg backup`",
            backup.display()
        )));
    }
    let exists = data_dir.exists()
        && std::fs::read_dir(data_dir)
            .map_err(|e| Error::io(data_dir.display(), e))?
            .next()
            .is_some();
    if exists {
        if !force {
            return Err(Error::Invalid(format!(
                "{}: a store is already there; `citykg restore` replaces it only with --force",
                data_dir.display()
            )));
        }
        match Backend::open(data_dir) {
            Ok(backend) => drop(backend),
            Err(Error::Invalid(in_use)) => {
                return Err(Error::Invalid(format!("{in_use}; nothing was restored")));
            }
            // Any other failure is a damaged store: what a restore is for.
            Err(_) => {}
        }
    }
    let name = data_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "citykg-data".to_owned());
    let parent = match data_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let staging = parent.join(format!(".{name}.restoring-{stamp}"));
    copy_tree(backup, &staging)?;
    restrict_private_files(&staging)?;
    // The copy must open as a store before anything is replaced.
    if let Err(error) = Backend::open(&staging).and_then(|b| b.flush()) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::Invalid(format!(
            "{}: the backup does not open as a store, nothing was changed: {error}",
            backup.display()
        )));
    }
    let aside = parent.join(format!(".{name}.replaced-{stamp}"));
    if exists {
        std::fs::rename(data_dir, &aside).map_err(|e| Error::io(data_dir.display(), e))?;
    } else if data_dir.exists() {
        std::fs::remove_dir(data_dir).map_err(|e| Error::io(data_dir.display(), e))?;
    }
    if let Err(e) = std::fs::rename(&staging, data_dir) {
        if exists {
            let _ = std::fs::rename(&aside, data_dir);
        }
        return Err(Error::io(data_dir.display(), e));
    }
    if exists {
        std::fs::remove_dir_all(&aside).map_err(|e| Error::io(aside.display(), e))?;
    }
    Ok(())
}

/// Makes the token file and the history folders of a data dir readable by the owner only.
fn restrict_private_files(data_dir: &Path) -> Result<()> {
    let history = data_dir.join(crate::ingest::history::HISTORY_DIR);
    if history.is_dir() {
        crate::ingest::history::restrict_dir(&history)?;
        for entry in std::fs::read_dir(&history).map_err(|e| Error::io(history.display(), e))? {
            let path = entry.map_err(|e| Error::io(history.display(), e))?.path();
            if path.is_dir() {
                crate::ingest::history::restrict_dir(&path)?;
            }
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let tokens = data_dir.join(crate::ingest::tokens::TOKEN_FILE);
        if tokens.is_file() {
            std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::io(tokens.display(), e))?;
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    crate::ingest::history::create_private_dir(to)?;
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
