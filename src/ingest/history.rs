//! Every accepted version of a city's data, kept as a canonical N-Quads file in the data dir
//! (`contributions/{city}/{version}.nq`), written before the store commits the version.

use crate::error::{Error, Result};
use oxigraph::io::RdfFormat;
use oxigraph::model::Triple;
use sha2::{Digest, Sha256};
use sophia::api::prelude::*;
use sophia::api::quad::Spog;
use sophia::api::term::SimpleTerm;
use sophia::c14n::rdfc10;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder, inside the data dir, that holds the versions.
pub const HISTORY_DIR: &str = "contributions";

/// Creates `dir` and any missing parent readable by the owner only (0700 on Unix).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| Error::io(dir.display(), e))
}

/// Makes an existing `dir` readable by the owner only (0700 on Unix): for folders made before
/// citykg restricted them.
pub fn restrict_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(dir.display(), e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one: a
/// temporary file beside it, flushed to disk, renamed over the target, then the folder synced.
/// The file is readable by the owner only (0600 on Unix): it holds token hashes or the history.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&temp)
        .map_err(|e| Error::io(temp.display(), e))?;
    #[cfg(unix)]
    {
        // A temporary file left by an older citykg keeps its mode through `open`.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(temp.display(), e))?;
    }
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io(temp.display(), e))?;
    drop(file);
    std::fs::rename(&temp, path).map_err(|e| Error::io(path.display(), e))?;
    if let Ok(dir_handle) = std::fs::File::open(dir) {
        // Makes the rename itself durable; not every platform can sync a folder.
        let _ = dir_handle.sync_all();
    }
    Ok(())
}

/// A dataset in canonical form (RDFC-1.0 N-Quads) with its SHA-256.
pub struct Canonical {
    pub nquads: Vec<u8>,
    pub sha256: String,
}

/// Canonicalises `triples` with RDFC-1.0 (sophia), so equal graphs get equal hashes whatever
/// their blank-node labels and order.
pub fn canonicalise(triples: &[Triple]) -> Result<Canonical> {
    let mut text = String::new();
    for triple in triples {
        text.push_str(&triple.to_string());
        text.push_str(" .\n");
    }
    let dataset: std::collections::HashSet<Spog<SimpleTerm<'static>>> =
        sophia::turtle::parser::nq::parse_str(&text)
            .collect_quads()
            .map_err(|e| Error::Invalid(format!("cannot canonicalise the data: {e}")))?;
    let mut nquads = Vec::new();
    rdfc10::normalize(&dataset, &mut nquads).map_err(|e| {
        Error::Invalid(format!(
            "cannot canonicalise the data (too many indistinguishable blank nodes?): {e}"
        ))
    })?;
    let sha256 = hex::encode(Sha256::digest(&nquads));
    Ok(Canonical { nquads, sha256 })
}

/// The version files of one data dir.
#[derive(Clone, Debug)]
pub struct History {
    root: PathBuf,
}

impl History {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join(HISTORY_DIR),
        }
    }

    /// The folder that holds every city's versions.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes the commit lock of this history (an exclusive lock on `commit.lock` in its folder,
    /// waiting for it): nodes that share the folder (`serve --shared-dir`) commit one at a time,
    /// so two of them never give the same version number to two contributions. Released when the
    /// returned file is dropped, or by the system when the process dies.
    pub fn commit_lock(&self) -> Result<std::fs::File> {
        create_private_dir(&self.root)?;
        let path = self.root.join("commit.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(path.display(), e))?;
        file.lock().map_err(|e| Error::io(path.display(), e))?;
        Ok(file)
    }

    fn path(&self, city: &str, version: u64) -> PathBuf {
        self.root.join(city).join(format!("{version:06}.nq"))
    }

    /// Stores one version; an earlier file with the same number (left by a commit that never
    /// happened) is replaced.
    /// The folders are readable by the owner only (0700).
    pub fn write(&self, city: &str, version: u64, canonical: &Canonical) -> Result<()> {
        create_private_dir(&self.root.join(city))?;
        restrict_dir(&self.root)?;
        restrict_dir(&self.root.join(city))?;
        write_atomically(&self.path(city, version), &canonical.nquads)
    }

    /// One version's triples, checked against the hash recorded for it.
    pub fn read(&self, city: &str, version: u64, expected_sha256: &str) -> Result<Vec<Triple>> {
        let path = self.path(city, version);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(path.display(), e))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != expected_sha256 {
            return Err(Error::Invalid(format!(
                "{}: the file does not match the recorded content hash (expected {expected_sha256}, found {actual})",
                path.display()
            )));
        }
        let quads = crate::store::load::parse_all(
            &path.display().to_string(),
            bytes.as_slice(),
            RdfFormat::NQuads,
            None,
            None,
        )?;
        Ok(quads.into_iter().map(Triple::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::load::parse_all;

    fn triples(text: &str) -> Result<Vec<Triple>> {
        Ok(
            parse_all("test", text.as_bytes(), RdfFormat::Turtle, None, None)?
                .into_iter()
                .map(Triple::from)
                .collect(),
        )
    }

    #[test]
    fn equal_graphs_hash_equal() -> Result<()> {
        let a = triples("<http://a> <http://p> [ <http://q> 1 ], \"x\" .")?;
        let b = triples("_:zz <http://q> 1 . <http://a> <http://p> \"x\", _:zz .")?;
        let c = triples("<http://a> <http://p> [ <http://q> 2 ], \"x\" .")?;
        assert_eq!(canonicalise(&a)?.sha256, canonicalise(&b)?.sha256);
        assert_ne!(canonicalise(&a)?.sha256, canonicalise(&c)?.sha256);
        Ok(())
    }

    #[test]
    fn write_then_read() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let history = History::new(dir.path());
        let data = triples("<http://a> <http://p> [ <http://q> 1 ] .")?;
        let canonical = canonicalise(&data)?;
        history.write("helsinki", 1, &canonical)?;
        let back = history.read("helsinki", 1, &canonical.sha256)?;
        assert_eq!(back.len(), 2);
        assert!(history.read("helsinki", 1, "0000").is_err());
        Ok(())
    }
}
