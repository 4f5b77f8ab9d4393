//! The Backend seam: every page, API answer and CLI verb reaches the data through this type.
//! Today it wraps the embedded on-disk Oxigraph store; a remote SPARQL endpoint can sit behind it later.

pub mod bundle;
pub mod derived;
pub mod load;

use crate::error::{Error, Result};
use crate::vocab;
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedNodeRef, Quad, Term};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::io::Write;
use std::path::Path;

/// The store behind citykg. Cheap to clone: clones share the same database.
#[derive(Clone)]
pub struct Backend {
    store: Store,
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
        Ok(Self { store })
    }

    /// An in-memory backend, for tests and offline validation.
    pub fn in_memory() -> Result<Self> {
        Ok(Self {
            store: Store::new()?,
        })
    }

    /// The underlying store, for the query executor and the loaders in this crate only.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Number of quads in the store.
    pub fn quad_count(&self) -> Result<usize> {
        Ok(self.store.len()?)
    }

    /// Runs a SPARQL query over the union of all named graphs and collects a SELECT result
    /// into rows of optional terms. For small internal queries; the endpoint streams instead.
    pub fn select(&self, query: &str) -> Result<Vec<Vec<Option<Term>>>> {
        let started = std::time::Instant::now();
        let rows = self.select_rows(query);
        // RUST_LOG=citykg::store=debug shows every page query with its time (bench/README.md).
        tracing::debug!(elapsed = ?started.elapsed(), query, "select");
        rows
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

    fn select_rows(&self, query: &str) -> Result<Vec<Vec<Option<Term>>>> {
        let mut prepared = SparqlEvaluator::new()
            .without_default_http_service_handler()
            .parse_query(query)
            .map_err(|e| Error::Syntax(e.to_string()))?;
        prepared.dataset_mut().set_default_graph_as_union();
        match prepared
            .on_store(&self.store)
            .execute()
            .map_err(|e| Error::Evaluation(e.to_string()))?
        {
            QueryResults::Solutions(solutions) => {
                let width = solutions.variables().len();
                let mut rows = Vec::new();
                for solution in solutions {
                    let solution = solution.map_err(|e| Error::Evaluation(e.to_string()))?;
                    rows.push((0..width).map(|i| solution.get(i).cloned()).collect());
                }
                Ok(rows)
            }
            _ => Err(Error::Invalid("expected a SELECT query".into())),
        }
    }

    /// The data version: changes whenever the data changes (bundle reload, update, contribution).
    pub fn data_version(&self) -> Result<String> {
        let record = NamedNodeRef::new_unchecked(vocab::BUNDLE_RECORD);
        let predicate = NamedNodeRef::new_unchecked(vocab::DATA_VERSION);
        let meta = NamedNodeRef::new_unchecked(vocab::graph::META);
        for quad in self.store.quads_for_pattern(
            Some(record.into()),
            Some(predicate),
            None,
            Some(meta.into()),
        ) {
            if let Term::Literal(l) = quad?.object {
                return Ok(l.value().to_owned());
            }
        }
        Ok(String::from("empty"))
    }

    /// Sets a new data version; called after every change of the data.
    pub fn bump_data_version(&self) -> Result<String> {
        let version = new_version();
        let mut transaction = self.store.start_transaction()?;
        set_data_version(&mut transaction, &version)?;
        transaction.commit()?;
        Ok(version)
    }

    /// Every triple of one named graph.
    pub fn graph_triples(&self, graph: &NamedNode) -> Result<Vec<oxigraph::model::Triple>> {
        self.store
            .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
            .map(|q| q.map(oxigraph::model::Triple::from).map_err(Error::from))
            .collect()
    }

    /// In one transaction: replaces the content of `graph` with `triples`, adds `record` to the
    /// `meta` graph and moves the data version on. Either all of it happens or none of it.
    pub fn replace_graph(
        &self,
        graph: &NamedNode,
        triples: &[oxigraph::model::Triple],
        record: &[oxigraph::model::Triple],
    ) -> Result<String> {
        let version = new_version();
        let meta = NamedNodeRef::new_unchecked(vocab::graph::META);
        let mut transaction = self.store.start_transaction()?;
        transaction.clear_graph(graph)?;
        for triple in triples {
            transaction.insert(triple.as_ref().in_graph(graph.as_ref()));
        }
        for triple in record {
            transaction.insert(triple.as_ref().in_graph(meta));
        }
        set_data_version(&mut transaction, &version)?;
        transaction.commit()?;
        Ok(version)
    }

    /// Writes every quad as N-Quads or TriG.
    pub fn dump(&self, format: RdfFormat, writer: impl Write) -> Result<()> {
        self.store
            .dump_to_writer(format, writer)
            .map_err(|e| Error::Evaluation(e.to_string()))?;
        Ok(())
    }

    /// Names of the named graphs with their triple counts, sorted by name.
    pub fn graph_sizes(&self) -> Result<Vec<(String, u64)>> {
        let rows = self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        )?;
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

    /// Applies a SPARQL update (all its operations in one transaction) without moving the data
    /// version on: for data computed from the data, such as the derived graph.
    pub(crate) fn update_keep_version(&self, update: &str) -> Result<()> {
        SparqlEvaluator::new()
            .without_default_http_service_handler()
            .parse_update(update)
            .map_err(|e| Error::Syntax(format!("invalid SPARQL update: {e}")))?
            .on_store(&self.store)
            .execute()
            .map_err(|e| Error::Evaluation(format!("the update failed: {e}")))
    }

    /// Replaces the content of `graph` with `turtle` without moving the data version on, for data
    /// computed from the data (the derived graph): the old content is cleared in one transaction,
    /// the new one streamed through the bulk loader and committed at once. Between the two the
    /// graph is empty, which for computed data only means it is computed again.
    pub(crate) fn replace_graph_bulk_keep_version(
        &self,
        graph: &NamedNode,
        turtle: &str,
    ) -> Result<()> {
        let mut transaction = self.store.start_transaction()?;
        transaction.clear_graph(graph)?;
        transaction.commit()?;
        let origin = graph.as_str().to_owned();
        let quads = oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
            .with_default_graph(oxigraph::model::GraphName::NamedNode(graph.clone()))
            .for_slice(turtle.as_bytes())
            .map(|q| q.map_err(|e| load::describe_parse_error(&origin, e.into())));
        let mut loader = self.store.bulk_loader();
        loader.load_ok_quads::<Error, Error>(quads)?;
        loader.commit()?;
        Ok(())
    }

    /// Flushes and checks the store; used before backups and at shutdown.
    pub fn flush(&self) -> Result<()> {
        Ok(self.store.flush()?)
    }
}

/// Replaces the data version inside an open transaction.
pub(crate) fn set_data_version(
    transaction: &mut oxigraph::store::Transaction<'_>,
    version: &str,
) -> Result<()> {
    let record = NamedNodeRef::new_unchecked(vocab::BUNDLE_RECORD);
    let predicate = NamedNodeRef::new_unchecked(vocab::DATA_VERSION);
    let meta = NamedNodeRef::new_unchecked(vocab::graph::META);
    let old: Vec<Quad> = transaction
        .quads_for_pattern(
            Some(record.into()),
            Some(predicate),
            None,
            Some(meta.into()),
        )
        .collect::<std::result::Result<_, _>>()?;
    for quad in &old {
        transaction.remove(quad);
    }
    transaction.insert(oxigraph::model::QuadRef::new(
        record,
        predicate,
        &Literal::new_simple_literal(version),
        GraphNameRef::NamedNode(meta),
    ));
    Ok(())
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
        self.store
            .backup(target)
            .map_err(|e| Error::Invalid(format!("{}: backup failed: {e}", target.display())))
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
