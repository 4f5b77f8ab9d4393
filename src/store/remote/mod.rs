//! A remote SPARQL 1.1 engine behind the Backend: queries go to its query endpoint, writes to its
//! update endpoint (with Digest credentials if given), all as form POSTs with an explicit Accept.
//! Reads see the union of the named graphs, as on the embedded store.

mod http;
mod results;
pub mod writes;

use super::change::{Change, NO_VERSION};
use crate::error::{Error, Result};
use crate::vocab;
pub use http::Credentials;
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, NamedNode, Quad, Term, Triple};
use oxigraph::sparql::{CancellationToken, QueryResults};
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use writes::Mode;

/// How to reach the engine.
#[derive(Debug, Clone)]
pub struct RemoteConfig {
    /// The query endpoint (`--sparql-endpoint`).
    pub query_url: String,
    /// The update endpoint (`--update-endpoint`); the query endpoint when not given.
    pub update_url: Option<String>,
    /// For the update endpoint (`--store-user`, `--store-password-file`).
    pub credentials: Option<Credentials>,
    /// How long a read of the data version is trusted before it is read again: the delay within
    /// which a node sees another node's commit.
    pub version_poll: Duration,
    /// The longest one request may take (a query's own limit is set by the caller).
    pub timeout: Duration,
    /// Names this node's staging graphs, so that it can drop what a crash of its own left.
    pub node: String,
}

impl RemoteConfig {
    pub fn new(query_url: &str) -> Self {
        Self {
            query_url: query_url.to_owned(),
            update_url: None,
            credentials: None,
            version_poll: Duration::from_secs(1),
            timeout: Duration::from_secs(300),
            node: "node".into(),
        }
    }
}

/// The kind of engine, from its `Server` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Oxigraph,
    Virtuoso,
    Other,
}

/// A connected engine.
pub struct Remote {
    config: RemoteConfig,
    http: http::Http,
    flavour: Flavour,
    mode: Mode,
    /// The SPARQL results format asked for (JSON, or XML from Virtuoso).
    results: &'static str,
    version: Mutex<Option<(Instant, String)>>,
}

const RESULTS_JSON: &str = "application/sparql-results+json";
/// Virtuoso 7 writes SPARQL XML two to three times as fast as SPARQL JSON (a 500 KB answer of
/// labels: 54 against 112 ms; bench/README.md), so citykg asks it for XML.
const RESULTS_XML: &str = "application/sparql-results+xml";
const TRIPLES: &str = "application/n-triples, text/turtle;q=0.9, text/plain;q=0.5";

impl Remote {
    /// Checks that the engine answers, finds out what it is, and drops staging graphs a crash
    /// of this node left.
    pub fn connect(config: RemoteConfig) -> Result<Self> {
        let http = http::Http::new(config.credentials.clone());
        let probe = http.post_form(
            &config.query_url,
            &[("query", "SELECT (1 AS ?one) WHERE {}")],
            RESULTS_JSON,
            Duration::from_secs(30),
            false,
        )?;
        let server = probe
            .headers()
            .get("server")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        results::finish(results::check(&config.query_url, probe)?);
        let flavour = if server.contains("virtuoso") {
            Flavour::Virtuoso
        } else if server.contains("oxigraph") {
            Flavour::Oxigraph
        } else {
            Flavour::Other
        };
        let mode = match flavour {
            Flavour::Oxigraph => Mode::Transactional,
            // Virtuoso refuses INSERT DATA of much more than a thousand triples.
            Flavour::Virtuoso | Flavour::Other => Mode::Staged {
                triples_per_request: 1000,
            },
        };
        tracing::info!(endpoint = %config.query_url, ?flavour, ?mode, "connected to the SPARQL engine");
        let http = match flavour {
            Flavour::Virtuoso => http.closing_connections(),
            Flavour::Oxigraph | Flavour::Other => http,
        };
        let results = match flavour {
            Flavour::Virtuoso => RESULTS_XML,
            Flavour::Oxigraph | Flavour::Other => RESULTS_JSON,
        };
        let remote = Self {
            config,
            http,
            flavour,
            mode,
            results,
            version: Mutex::new(None),
        };
        remote.drop_stale_staging(true)?;
        Ok(remote)
    }

    pub fn describe(&self) -> String {
        self.config.query_url.clone()
    }

    fn update_url(&self) -> &str {
        self.config
            .update_url
            .as_deref()
            .unwrap_or(&self.config.query_url)
    }

    /// Runs a query and returns the checked response.
    fn post_query(
        &self,
        query: &str,
        datasets: &[(&str, &str)],
        accept: &str,
        timeout: Duration,
    ) -> Result<oxhttp::model::Response<oxhttp::model::Body>> {
        let mut form = vec![("query", query)];
        form.extend_from_slice(datasets);
        let millis;
        if self.flavour == Flavour::Virtuoso {
            // Virtuoso's own limit, so that it stops working when citykg stops waiting.
            millis = timeout.as_millis().to_string();
            form.push(("timeout", &millis));
        }
        let response =
            self.http
                .post_form(&self.config.query_url, &form, accept, timeout, false)?;
        results::check(&self.config.query_url, response)
    }

    /// A SELECT, collected.
    pub fn select(&self, query: &str) -> Result<Vec<Vec<Option<Term>>>> {
        let response = self.post_query(query, &[], self.results, self.config.timeout)?;
        results::rows(results::solutions(
            &self.config.query_url,
            response,
            CancellationToken::new(),
        )?)
    }

    /// A query from the public endpoint, streamed, with the protocol's dataset if any.
    pub fn evaluate(
        &self,
        query: &spargebra::Query,
        default_graphs: &[NamedNode],
        named_graphs: &[NamedNode],
        token: CancellationToken,
    ) -> Result<QueryResults<'static>> {
        let described;
        let query = match query {
            spargebra::Query::Describe { .. } => {
                described = self.describe_as_construct(query)?;
                &described
            }
            other => other,
        };
        let text = query.to_string();
        let mut datasets = Vec::new();
        for g in default_graphs {
            datasets.push(("default-graph-uri", g.as_str()));
        }
        for g in named_graphs {
            datasets.push(("named-graph-uri", g.as_str()));
        }
        let graph = matches!(
            query,
            spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. }
        );
        let accept = if graph { TRIPLES } else { self.results };
        let response = self.post_query(&text, &datasets, accept, self.config.timeout)?;
        if graph {
            results::triples(&self.config.query_url, response, token)
        } else {
            results::solutions(&self.config.query_url, response, token)
        }
    }

    /// Engines describe differently (Virtuoso adds the triples that point at the resource): a
    /// DESCRIBE becomes the CONSTRUCT of what the embedded store gives, the triples of each
    /// described resource and of the blank (or skolemised) nodes they lead to.
    fn describe_as_construct(&self, query: &spargebra::Query) -> Result<spargebra::Query> {
        let spargebra::Query::Describe {
            dataset,
            pattern,
            base_iri,
        } = query
        else {
            return Ok(query.clone());
        };
        let select = spargebra::Query::Select {
            dataset: dataset.clone(),
            pattern: pattern.clone(),
            base_iri: base_iri.clone(),
        };
        let mut resources: Vec<String> = Vec::new();
        for row in self.select(&select.to_string())? {
            for term in row.into_iter().flatten() {
                if let Term::NamedNode(n) = term {
                    let text = n.to_string();
                    if !resources.contains(&text) {
                        resources.push(text);
                    }
                }
            }
        }
        let text = format!(
            "CONSTRUCT {{ ?d ?p ?o . ?o ?p2 ?o2 }} WHERE {{ VALUES ?d {{ {} }} ?d ?p ?o \
             OPTIONAL {{ ?o ?p2 ?o2 FILTER(isBlank(?o) || STRSTARTS(STR(?o), \"{}\")) }} }}",
            if resources.is_empty() {
                "UNDEF".to_owned()
            } else {
                resources.join(" ")
            },
            writes::GENID
        );
        spargebra::SparqlParser::new()
            .parse_query(&text)
            .map_err(|e| Error::Invalid(format!("internal DESCRIBE rewrite: {e}")))
    }

    /// Sends an update as it is.
    pub fn update(&self, update: &str) -> Result<()> {
        let url = self.update_url().to_owned();
        let response = self.http.post_form(
            &url,
            &[("update", update)],
            "*/*",
            self.config.timeout,
            true,
        )?;
        results::check(&url, response).map(results::finish)
    }

    pub fn data_version(&self) -> Result<String> {
        if let Ok(cached) = self.version.lock()
            && let Some((read, version)) = cached.as_ref()
            && read.elapsed() < self.config.version_poll
        {
            return Ok(version.clone());
        }
        let (record, predicate) = Change::version_statement();
        let rows = self.select(&format!(
            "SELECT ?v WHERE {{ GRAPH {} {{ {record} {predicate} ?v }} }}",
            Change::meta()
        ))?;
        let version = rows
            .into_iter()
            .find_map(|row| match row.into_iter().next().flatten() {
                Some(Term::Literal(l)) => Some(l.value().to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| NO_VERSION.to_owned());
        self.remember_version(&version);
        Ok(version)
    }

    /// The data version read from the engine now.
    pub fn current_data_version(&self) -> Result<String> {
        self.forget_version();
        self.data_version()
    }

    fn remember_version(&self, version: &str) {
        if let Ok(mut cached) = self.version.lock() {
            *cached = Some((Instant::now(), version.to_owned()));
        }
    }

    fn forget_version(&self) {
        if let Ok(mut cached) = self.version.lock() {
            *cached = None;
        }
    }

    pub fn quad_count(&self) -> Result<usize> {
        let rows = self.select(&format!(
            "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), \"{}\")) }}",
            vocab::GRAPH_NS
        ))?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(|t| match t {
                Some(Term::Literal(l)) => l.value().parse().ok(),
                _ => None,
            })
            .unwrap_or(0))
    }

    /// The triples of `graph`, with skolemised blank nodes as blank nodes again (what was
    /// written), for the pipeline and the history.
    pub fn graph_triples(&self, graph: &NamedNode) -> Result<Vec<Triple>> {
        let response = self.post_query(
            &format!("CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"),
            &[],
            TRIPLES,
            self.config.timeout,
        )?;
        match results::triples(&self.config.query_url, response, CancellationToken::new())? {
            QueryResults::Graph(triples) => triples
                .map(|t| {
                    t.map(writes::unskolemise)
                        .map_err(|e| Error::Engine(e.to_string()))
                })
                .collect(),
            _ => Err(Error::Engine("CONSTRUCT gave no triples".into())),
        }
    }

    /// Every quad of citykg's graphs (named `https://w3id.org/citykg/graph/…`), graph by graph.
    pub fn dump(&self, format: RdfFormat, writer: impl Write) -> Result<()> {
        let graphs: Vec<NamedNode> = self
            .select(&format!(
                "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), \"{}\")) }} ORDER BY ?g",
                vocab::GRAPH_NS
            ))?
            .into_iter()
            .filter_map(|row| match row.into_iter().next().flatten() {
                Some(Term::NamedNode(n)) => Some(n),
                _ => None,
            })
            .collect();
        let mut serializer = RdfSerializer::from_format(format).for_writer(writer);
        for graph in graphs {
            for triple in self.graph_triples(&graph)? {
                serializer
                    .serialize_quad(&triple.in_graph(graph.clone()))
                    .map_err(|e| Error::io("dump", e))?;
            }
        }
        serializer.finish().map_err(|e| Error::io("dump", e))?;
        Ok(())
    }

    /// Sends quads in requests the engine accepts; blank nodes are skolemised when they would
    /// be split across requests.
    pub fn insert_bulk(&self, quads: Vec<Quad>) -> Result<()> {
        let per_request = match self.mode {
            Mode::Transactional => 50_000,
            Mode::Staged {
                triples_per_request,
            } => triples_per_request,
        };
        let quads = if quads.len() > per_request {
            writes::skolemise(quads, &salt())
        } else {
            quads
        };
        for chunk in quads.chunks(per_request) {
            self.update(&writes::insert_data(chunk))?;
        }
        self.forget_version();
        Ok(())
    }

    /// Empties `graph`, then loads `turtle` into it (for computed data: not atomic).
    pub fn replace_graph_bulk(&self, graph: &NamedNode, turtle: &str) -> Result<()> {
        let quads = RdfParser::from_format(RdfFormat::Turtle)
            .with_default_graph(GraphName::NamedNode(graph.clone()))
            .for_slice(turtle.as_bytes())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Invalid(format!("{graph}: {e}")))?;
        self.update(&format!("CLEAR SILENT GRAPH {graph}"))?;
        self.insert_bulk(quads)
    }

    /// Applies `change` so that a reader sees all of it or none of it (see `writes`).
    pub fn apply(&self, change: &Change) -> Result<()> {
        if change
            .insert
            .iter()
            .any(|q| !matches!(q.graph_name, GraphName::NamedNode(_)))
        {
            return Err(Error::Invalid("a commit writes named graphs only".into()));
        }
        if change.expect.is_some() && change.version.is_none() {
            return Err(Error::Invalid(
                "a guarded commit needs a new data version".into(),
            ));
        }
        let result = match self.mode {
            Mode::Transactional => self
                .update(&writes::transactional(change))
                .and_then(|()| self.check_landed(change)),
            Mode::Staged {
                triples_per_request,
            } => self.apply_staged(change, triples_per_request),
        };
        self.forget_version();
        result?;
        if let Some(version) = &change.version {
            self.remember_version(version);
        }
        Ok(())
    }

    fn apply_staged(&self, change: &Change, triples_per_request: usize) -> Result<()> {
        let salt = salt();
        let graph = NamedNode::new(format!("{}{}:{salt}", writes::STAGING, self.config.node))
            .map_err(|e| Error::Invalid(format!("bad node name {:?}: {e}", self.config.node)))?;
        let staged = writes::staged(change, graph.clone(), &salt, triples_per_request);
        let drop = format!("DROP SILENT GRAPH {graph}");
        for request in &staged.fill {
            if let Err(e) = self.update(request) {
                let _ = self.update(&drop);
                return Err(e);
            }
        }
        let switched = self.update(&staged.switch);
        if switched.is_ok()
            && let Err(conflict) = self.check_landed(change)
        {
            let _ = self.update(&drop);
            return Err(conflict);
        }
        if let Err(e) = switched {
            // The switch may have run although its answer was lost: the new version tells.
            let landed = match &change.version {
                Some(version) => self.version_is(version).unwrap_or(false),
                None => false,
            };
            if !landed {
                let _ = self.update(&drop);
                return Err(e);
            }
        }
        if let Err(e) = self.update(&drop) {
            tracing::warn!("the staging graph {graph} was not dropped: {e}");
        }
        Ok(())
    }

    /// For a guarded change (`expect`): whether its guard held, read from the data version it
    /// sets; a [`Change::conflict`] if another version is there.
    fn check_landed(&self, change: &Change) -> Result<()> {
        let (Some(expected), Some(version)) = (&change.expect, &change.version) else {
            return Ok(());
        };
        self.forget_version();
        let found = self.data_version()?;
        if &found == version {
            Ok(())
        } else {
            Err(Change::conflict(expected, &found))
        }
    }

    fn version_is(&self, version: &str) -> Result<bool> {
        self.forget_version();
        Ok(self.data_version()? == version)
    }

    /// Drops staging graphs: this node's own (`own`, at start-up: no write of ours is running)
    /// and any other node's older than an hour (that node died mid-write).
    fn drop_stale_staging(&self, own: bool) -> Result<()> {
        let rows = self.select(&format!(
            "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?x <urn:citykg:p> ?p }} FILTER(STRSTARTS(STR(?g), \"{}\")) }}",
            writes::STAGING
        ))?;
        let now = now_nanos();
        let own_prefix = format!("{}{}:", writes::STAGING, self.config.node);
        for row in rows {
            let Some(Term::NamedNode(graph)) = row.into_iter().next().flatten() else {
                continue;
            };
            let age = graph
                .as_str()
                .rsplit(':')
                .next()
                .and_then(|t| u128::from_str_radix(t, 16).ok())
                .map(|t| now.saturating_sub(t));
            let stale = age.is_none_or(|a| a > 3_600 * 1_000_000_000);
            if (own && graph.as_str().starts_with(&own_prefix)) || stale {
                tracing::info!("dropping {graph}, left by a write that did not finish");
                if self.update(&format!("DROP SILENT GRAPH {graph}")).is_err() {
                    tracing::warn!("could not drop {graph}");
                }
            }
        }
        Ok(())
    }
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A name unique to one write: the time in nanoseconds, hex.
fn salt() -> String {
    format!("{:x}", now_nanos())
}
