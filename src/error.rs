//! The error type of the citykg library: each variant says what went wrong and where.

use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open the store in {path}: {source}")]
    OpenStore {
        path: PathBuf,
        source: oxigraph::store::StorageError,
    },
    #[error("storage error: {0}")]
    Storage(#[from] oxigraph::store::StorageError),
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{0}")]
    Syntax(String),
    #[error("query evaluation failed: {0}")]
    Evaluation(String),
    #[error("the query was cancelled: {0}")]
    Cancelled(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    /// The remote SPARQL engine failed, refused, or gave an answer that cannot be trusted.
    #[error("the SPARQL engine: {0}")]
    Engine(String),
    /// A commit found the data changed since it read it (another node's commit, or one sent by
    /// a node that died, still landing); nothing was written.
    #[error("{0}")]
    Conflict(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_string(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
