//! The Backend seam: every page, API answer and CLI verb reaches the data through this type.
//! It is either the embedded on-disk Oxigraph store or a remote SPARQL 1.1 engine (`remote`).

pub mod bundle;
pub mod change;
pub mod derived;
mod embedded;
pub mod load;
pub mod remote;
mod side_by_side;

use crate::error::{Error, Result};
use crate::vocab;
pub use change::Change;
use oxigraph::io::RdfFormat;
use oxigraph::model::{NamedNode, Quad, Term};
use oxigraph::store::Store;
pub use side_by_side::Pending;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The store behind citykg. Cheap to clone: clones share the same database or engine.
#[derive(Clone)]
pub struct Backend {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Embedded(Store),
    Remote(Arc<remote::Remote>),
}

impl Backend {
    /// Opens (or creates) the on-disk store in `dir`.
    /// Refuses a store another process holds (a running `citykg serve`) with its process id:
    /// RocksDB's own refusal crashes the process when its error is dropped (oxigraph 0.5.13).
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
        if let Some(pid) = lock_holder(&dir.join("LOCK")) {
            return Err(Error::Invalid(format!(
                "{}: the store is in use by process {pid} (a running `citykg serve`?); stop it first",
                dir.display()
            )));
        }
        let store = Store::open(dir).map_err(|source| Error::OpenStore {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Self {
            kind: Kind::Embedded(store),
        })
    }

    /// An in-memory backend, for tests and offline validation.
    pub fn in_memory() -> Result<Self> {
        Ok(Self {
            kind: Kind::Embedded(Store::new()?),
        })
    }

    /// A remote SPARQL 1.1 engine; checks that it answers, and finishes or rolls back any write
    /// a crashed citykg left half done.
    pub fn connect(config: remote::RemoteConfig) -> Result<Self> {
        let remote = remote::Remote::connect(config)?;
        Ok(Self {
            kind: Kind::Remote(Arc::new(remote)),
        })
    }

    /// The embedded store, for the query executor and the loaders in this crate only.
    pub(crate) fn embedded(&self) -> Option<&Store> {
        match &self.kind {
            Kind::Embedded(store) => Some(store),
            Kind::Remote(_) => None,
        }
    }

    /// The remote engine, when the data lives in one.
    pub(crate) fn remote(&self) -> Option<&remote::Remote> {
        match &self.kind {
            Kind::Embedded(_) => None,
            Kind::Remote(remote) => Some(remote),
        }
    }

    /// A short name of the backend, for logs and `/healthz`: `embedded` or the engine's URL.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Embedded(_) => "embedded".into(),
            Kind::Remote(remote) => remote.describe(),
        }
    }

    /// Number of quads in citykg's graphs.
    pub fn quad_count(&self) -> Result<usize> {
        match &self.kind {
            Kind::Embedded(store) => Ok(store.len()?),
            Kind::Remote(remote) => remote.quad_count(),
        }
    }

    /// Runs a SPARQL query over the union of all named graphs and collects a SELECT result
    /// into rows of optional terms. For small internal queries; the endpoint streams instead.
    pub fn select(&self, query: &str) -> Result<Vec<Vec<Option<Term>>>> {
        let started = std::time::Instant::now();
        let rows = match &self.kind {
            Kind::Embedded(store) => embedded::select_rows(store, query),
            Kind::Remote(remote) => remote.select(query),
        };
        // RUST_LOG=citykg::store=debug shows every page query with its time (bench/README.md).
        tracing::debug!(elapsed = ?started.elapsed(), query, "select");
        rows
    }

    /// Several SELECTs whose answers do not depend on each other, answered in their order; over
    /// a remote engine sent at once (see [`Backend::start`]).
    pub fn select_all<const N: usize>(
        &self,
        queries: [String; N],
    ) -> Result<[Vec<Vec<Option<Term>>>; N]> {
        let answers: Vec<Vec<Vec<Option<Term>>>> = std::thread::scope(|scope| {
            let pending: Vec<_> = queries
                .iter()
                .map(|q| self.start(scope, move || self.select(q)))
                .collect();
            pending
                .into_iter()
                .map(Pending::wait)
                .collect::<Result<_>>()
        })?;
        answers
            .try_into()
            .map_err(|_| Error::Engine("an answer went missing".into()))
    }

    /// Like [`Backend::select`], with each term as plain text: an IRI as itself, a literal as its
    /// lexical value (no language or datatype), a blank node as `_:id`, an unbound variable as "".
    pub fn select_strings(&self, query: &str) -> Result<Vec<Vec<String>>> {
        Ok(self
            .select(query)?
            .into_iter()
            .map(|row| {
                row.iter()
                    .map(|t| term_text(t).unwrap_or_default())
                    .collect()
            })
            .collect())
    }

    /// The data version: changes whenever the data changes (bundle reload, update, contribution).
    /// On a remote engine it is read again at most once per poll interval, so a change made
    /// through another node shows within that interval.
    pub fn data_version(&self) -> Result<String> {
        match &self.kind {
            Kind::Embedded(store) => embedded::data_version(store),
            Kind::Remote(remote) => remote.data_version(),
        }
    }

    /// The data version as the store has it now, never a remembered one: what a commit builds on.
    pub fn current_data_version(&self) -> Result<String> {
        match &self.kind {
            Kind::Embedded(store) => embedded::data_version(store),
            Kind::Remote(remote) => remote.current_data_version(),
        }
    }

    /// Applies `change` all or nothing (see [`Change`]).
    pub(crate) fn apply(&self, change: &Change) -> Result<()> {
        match &self.kind {
            Kind::Embedded(store) => embedded::apply(store, change),
            Kind::Remote(remote) => remote.apply(change),
        }
    }

    /// Sets a new data version; called after every change of the data.
    pub fn bump_data_version(&self) -> Result<String> {
        let version = new_version();
        self.apply(&Change {
            version: Some(version.clone()),
            ..Change::default()
        })?;
        Ok(version)
    }

    /// Every triple of one named graph.
    pub fn graph_triples(&self, graph: &NamedNode) -> Result<Vec<oxigraph::model::Triple>> {
        match &self.kind {
            Kind::Embedded(store) => store
                .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
                .map(|q| q.map(oxigraph::model::Triple::from).map_err(Error::from))
                .collect(),
            Kind::Remote(remote) => remote.graph_triples(graph),
        }
    }

    /// All at once: replaces the content of `graph` with `triples`, adds `record` to the
    /// `meta` graph and moves the data version on. Either all of it happens or none of it, and
    /// only while the data version is still `from` (the one the commit was built on): otherwise
    /// [`Error::Conflict`](crate::error::Error::Conflict) and nothing changes.
    pub fn replace_graph(
        &self,
        graph: &NamedNode,
        triples: &[oxigraph::model::Triple],
        record: &[oxigraph::model::Triple],
        from: &str,
    ) -> Result<String> {
        let version = new_version();
        let meta = Change::meta();
        let insert = triples
            .iter()
            .map(|t| t.clone().in_graph(graph.clone()))
            .chain(record.iter().map(|t| t.clone().in_graph(meta.clone())))
            .collect();
        self.apply(&Change {
            clear: vec![graph.clone()],
            drop_meta: Vec::new(),
            insert,
            version: Some(version.clone()),
            expect: Some(from.to_owned()),
        })?;
        Ok(version)
    }

    /// Writes every quad of citykg's graphs as N-Quads or TriG.
    pub fn dump(&self, format: RdfFormat, writer: impl Write) -> Result<()> {
        match &self.kind {
            Kind::Embedded(store) => store
                .dump_to_writer(format, writer)
                .map(|_| ())
                .map_err(|e| Error::Evaluation(e.to_string())),
            Kind::Remote(remote) => remote.dump(format, writer),
        }
    }

    /// Names of citykg's named graphs with their triple counts, sorted by name.
    pub fn graph_sizes(&self) -> Result<Vec<(String, u64)>> {
        let rows = self.select(&format!(
            "SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), \"{}\")) }} GROUP BY ?g ORDER BY ?g",
            vocab::GRAPH_NS
        ))?;
        Ok(rows
            .into_iter()
            .filter_map(|row| match (row.first(), row.get(1)) {
                (Some(Some(Term::NamedNode(g))), Some(Some(Term::Literal(n)))) => {
                    Some((g.as_str().to_owned(), n.value().parse().unwrap_or(0)))
                }
                _ => None,
            })
            .collect())
    }

    /// Applies a SPARQL update without moving the data version on (unit tests only).
    #[cfg(test)]
    pub(crate) fn update_without_new_version(&self, update: &str) -> Result<()> {
        self.update_keep_version(update)
    }

    /// Applies a SPARQL update (on the embedded store all its operations in one transaction)
    /// without moving the data version on: for data computed from the data, such as the
    /// derived graph.
    pub(crate) fn update_keep_version(&self, update: &str) -> Result<()> {
        match &self.kind {
            Kind::Embedded(store) => embedded::update(store, update),
            Kind::Remote(remote) => remote.update(update),
        }
    }

    /// Replaces the content of `graph` with `turtle` without moving the data version on, for data
    /// computed from the data (the derived graph): the old content is cleared, the new one
    /// loaded. Between the two the graph is empty, which for computed data only means it is
    /// computed again.
    pub(crate) fn replace_graph_bulk_keep_version(
        &self,
        graph: &NamedNode,
        turtle: &str,
    ) -> Result<()> {
        match &self.kind {
            Kind::Embedded(store) => embedded::replace_graph_bulk(store, graph, turtle),
            Kind::Remote(remote) => remote.replace_graph_bulk(graph, turtle),
        }
    }

    /// Adds quads in bulk (a load, not a commit: on a remote engine that commits each request on
    /// its own, a failure part way leaves the part sent; `citykg load` says so).
    pub(crate) fn insert_bulk(&self, quads: Vec<Quad>) -> Result<()> {
        match &self.kind {
            Kind::Embedded(store) => {
                let mut loader = store.bulk_loader();
                loader.load_quads(quads)?;
                loader.commit()?;
                Ok(())
            }
            Kind::Remote(remote) => remote.insert_bulk(quads),
        }
    }

    /// Flushes and checks the store; used before backups and at shutdown.
    pub fn flush(&self) -> Result<()> {
        match &self.kind {
            Kind::Embedded(store) => Ok(store.flush()?),
            Kind::Remote(_) => Ok(()),
        }
    }
}

/// The process that holds a write lock on RocksDB's `LOCK` file, if another one does.
#[cfg(unix)]
fn lock_holder(lock_file: &Path) -> Option<i32> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(lock_file)
        .ok()?;
    // SAFETY: `flock` is a plain C struct for which all-zero bytes are a valid value.
    let mut query: libc::flock = unsafe { std::mem::zeroed() };
    query.l_type = libc::F_WRLCK as libc::c_short;
    query.l_whence = libc::SEEK_SET as libc::c_short;
    // SAFETY: the descriptor is open for the call, and `query` is a valid `flock` it may write.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut query) };
    (rc == 0 && query.l_type != libc::F_UNLCK as libc::c_short).then_some(query.l_pid)
}

#[cfg(not(unix))]
fn lock_holder(_lock_file: &Path) -> Option<i32> {
    None
}

/// A fresh data version: the current time in nanoseconds, hex encoded.
fn new_version() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}")
}

/// The IRI of a named graph with a short name (`stockholm` → `https://w3id.org/citykg/graph/stockholm`).
pub fn graph_iri(name: &str) -> Result<NamedNode> {
    NamedNode::new(format!("{}{name}", vocab::GRAPH_NS))
        .map_err(|e| Error::Invalid(format!("invalid graph name {name:?}: {e}")))
}

impl Backend {
    /// Writes a consistent copy of the store to a new directory.
    pub fn backup(&self, target: &Path) -> Result<()> {
        match &self.kind {
            Kind::Embedded(store) => store
                .backup(target)
                .map_err(|e| Error::Invalid(format!("{}: backup failed: {e}", target.display()))),
            Kind::Remote(remote) => Err(Error::Invalid(format!(
                "the data lives in {}: back it up with the engine's own tools (citykg backup copies an embedded store)",
                remote.describe()
            ))),
        }
    }
}

/// The plain text of an optional term: an IRI as itself, a literal's lexical value (no language
/// or datatype), a blank node as `_:id`; None for an unbound variable.
pub fn term_text(term: &Option<Term>) -> Option<String> {
    match term {
        Some(Term::NamedNode(n)) => Some(n.as_str().to_owned()),
        Some(Term::Literal(l)) => Some(l.value().to_owned()),
        Some(other) => Some(other.to_string()),
        None => None,
    }
}
