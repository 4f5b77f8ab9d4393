//! The flags that put the data in a remote SPARQL engine instead of the embedded store, shared by
//! `serve`, `load`, `dump` and `query`, and the Backend they open.

use crate::error::{Error, Result};
use crate::store::Backend;
use crate::store::remote::{Credentials, RemoteConfig};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the data lives: the embedded store in `--data-dir`, or an engine.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EngineArgs {
    /// A SPARQL 1.1 query endpoint that holds the data instead of the embedded store (e.g.
    /// http://127.0.0.1:8890/sparql for Virtuoso); --data-dir then keeps only the search
    /// index, the contribution history and the token file.
    #[arg(long)]
    pub sparql_endpoint: Option<String>,
    /// The engine's update endpoint (default: the query endpoint). Keep it off the internet.
    #[arg(long, requires = "sparql_endpoint")]
    pub update_endpoint: Option<String>,
    /// User for the update endpoint (HTTP Digest, as Virtuoso's /sparql-auth asks).
    #[arg(long, requires = "store_password_file")]
    pub store_user: Option<String>,
    /// File whose first line is that user's password.
    #[arg(long, requires = "store_user")]
    pub store_password_file: Option<PathBuf>,
    /// Milliseconds a node trusts the data version it read before reading it again: the delay
    /// within which it notices another node's commit.
    #[arg(long, default_value_t = 1000)]
    pub version_poll_ms: u64,
}

impl EngineArgs {
    /// The remote engine's settings, or None for the embedded store.
    pub fn remote_config(&self, data_dir: &Path) -> Result<Option<RemoteConfig>> {
        let Some(url) = &self.sparql_endpoint else {
            return Ok(None);
        };
        for (flag, value) in [
            ("--sparql-endpoint", Some(url)),
            ("--update-endpoint", self.update_endpoint.as_ref()),
        ] {
            if let Some(value) = value
                && !(value.starts_with("http://") || value.starts_with("https://"))
            {
                return Err(Error::Invalid(format!(
                    "{flag} {value:?}: give an http:// or https:// URL"
                )));
            }
        }
        let mut config = RemoteConfig::new(url);
        config.update_url = self.update_endpoint.clone();
        config.version_poll = Duration::from_millis(self.version_poll_ms);
        config.node = node_name(data_dir);
        if let (Some(user), Some(file)) = (&self.store_user, &self.store_password_file) {
            let text = std::fs::read_to_string(file).map_err(|e| Error::io(file.display(), e))?;
            let password = text.lines().next().unwrap_or("").to_owned();
            if password.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: the first line should hold the password",
                    file.display()
                )));
            }
            config.credentials = Some(Credentials {
                user: user.clone(),
                password,
            });
        }
        Ok(Some(config))
    }

    /// Opens the backend these flags name.
    pub fn open(&self, data_dir: &Path) -> Result<Backend> {
        match self.remote_config(data_dir)? {
            Some(config) => Backend::connect(config),
            None => Backend::open(data_dir),
        }
    }
}

/// A name for this node's staging graphs: a hash of the host name and the data dir, so two
/// nodes never share one and a restarted node finds its own.
pub fn node_name(data_dir: &Path) -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let mut hasher = Sha256::new();
    hasher.update(host.trim().as_bytes());
    hasher.update([0]);
    hasher.update(dir.to_string_lossy().as_bytes());
    hex::encode(&hasher.finalize()[..6])
}
