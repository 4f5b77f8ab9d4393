//! The contribution pipeline: parse (errors with line and column) → check ownership and SHACL
//! → keep the version in the history → in one transaction replace the city's graph and record
//! the contribution (DCAT dataset + PROV activity) in graph `meta` → refresh what derives from
//! the data (derived graph, search index). On any failure before the commit nothing changes.

use crate::error::{Error, Result};
use crate::ingest::history::{Canonical, History, canonicalise};
use crate::ingest::shacl::{Report, Validator};
use crate::ingest::{csv as csv_mapping, ownership};
use crate::search::SearchIndex;
use crate::store::{Backend, graph_iri};
use crate::vocab;
use crate::vocab::ns::{DCAT, DCTERMS, PROV, VOID};
use oxigraph::io::RdfFormat;
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Term, Triple};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The formats a contribution may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Rdf(RdfFormat),
    Csv,
}

impl InputFormat {
    /// From a Content-Type header value (parameters ignored).
    pub fn from_media_type(value: &str) -> Option<Self> {
        let media = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "text/csv" => Some(Self::Csv),
            "application/json" => Some(Self::Rdf(RdfFormat::JsonLd {
                profile: Default::default(),
            })),
            "application/xml" | "text/xml" => Some(Self::Rdf(RdfFormat::RdfXml)),
            other => RdfFormat::from_media_type(other)
                .filter(|f| !matches!(f, RdfFormat::NQuads))
                .map(Self::Rdf),
        }
    }

    /// From a short name (`turtle`, `csv`, …) or a file extension (`ttl`, `jsonld`, …).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "turtle" | "ttl" => Some(Self::Rdf(RdfFormat::Turtle)),
            "ntriples" | "n-triples" | "nt" => Some(Self::Rdf(RdfFormat::NTriples)),
            "jsonld" | "json-ld" | "json" => Some(Self::Rdf(RdfFormat::JsonLd {
                profile: Default::default(),
            })),
            "rdfxml" | "rdf/xml" | "rdf" | "xml" | "owl" => Some(Self::Rdf(RdfFormat::RdfXml)),
            "trig" => Some(Self::Rdf(RdfFormat::TriG)),
            _ => None,
        }
    }

    /// From a file name's extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(Self::from_name)
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::Rdf(f) => f.media_type(),
        }
    }
}

/// Who is contributing, for the record.
#[derive(Debug, Clone)]
pub struct Contributor {
    /// The public id of the token used, if any.
    pub token_id: Option<String>,
    /// How the data came in: "api", "upload page", "command line".
    pub channel: &'static str,
}

/// One recorded version of a city's data.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: u64,
    /// `seed` (the bundled data, kept when the first contribution replaced it), `replace` or `retract`.
    pub action: String,
    pub time: String,
    pub triples: u64,
    pub content_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The version's IRI; it dereferences to the version's data.
    pub iri: String,
}

/// What became of a submission.
#[derive(Debug)]
pub enum Outcome {
    /// Violations: nothing was stored.
    Rejected(Report),
    /// A dry run that conforms: nothing was stored.
    Valid { report: Report, triples: usize },
    /// Stored as a new version.
    Accepted {
        report: Report,
        version: VersionInfo,
    },
}

/// What one commit changed, for the search index: the data version it started from, and the
/// resources whose documents may differ.
struct SearchChange {
    from: String,
    subjects: Vec<NamedNode>,
}

/// The pipeline, shared by the API, the upload page and `citykg contribute`.
pub struct Contributions {
    validator: Validator,
    backend: Backend,
    history: History,
    base_iri: String,
    /// Serialises commits, so version numbers are allocated once each.
    lock: Mutex<()>,
    /// The search index to bring up to date after each commit, when there is one.
    search: Option<Arc<SearchIndex>>,
}

/// The most statements one contribution may hold: the largest city holds a few thousand, and
/// SHACL validation and canonicalisation grow with the count (a million took minutes).
pub const MAX_TRIPLES: usize = 200_000;
/// The most distinct blank nodes one contribution may hold: canonicalisation (RDFC-1.0) grows
/// fastest with them.
pub const MAX_BLANK_NODES: usize = 20_000;

/// Refuses a contribution past [`MAX_TRIPLES`] or [`MAX_BLANK_NODES`], before any costly check.
fn check_size(origin: &str, triples: &[Triple]) -> Result<()> {
    if triples.len() > MAX_TRIPLES {
        return Err(Error::Parse {
            path: origin.to_owned(),
            message: format!(
                "too many statements: {} (a contribution may hold at most {MAX_TRIPLES}); split the data or ask the operator",
                triples.len()
            ),
        });
    }
    let mut blank = HashSet::new();
    for triple in triples {
        if let oxigraph::model::NamedOrBlankNode::BlankNode(b) = &triple.subject {
            blank.insert(b.as_str().to_owned());
        }
        if let oxigraph::model::Term::BlankNode(b) = &triple.object {
            blank.insert(b.as_str().to_owned());
        }
        if blank.len() > MAX_BLANK_NODES {
            return Err(Error::Parse {
                path: origin.to_owned(),
                message: format!(
                    "too many blank nodes: more than {MAX_BLANK_NODES} in one contribution; give the resources IRIs"
                ),
            });
        }
    }
    Ok(())
}

impl Contributions {
    /// `data_dir` is where the versions are kept (beside the store); `bundle_dir` holds the shapes.
    pub fn new(
        backend: Backend,
        bundle_dir: &Path,
        data_dir: &Path,
        base_iri: &str,
    ) -> Result<Self> {
        Ok(Self {
            validator: Validator::from_bundle(bundle_dir)?,
            backend,
            history: History::new(data_dir),
            base_iri: base_iri.to_owned(),
            lock: Mutex::new(()),
            search: None,
        })
    }

    /// Keeps `search` up to date after every commit (see [`Contributions::after_commit`]).
    pub fn with_search_index(mut self, search: Arc<SearchIndex>) -> Self {
        self.search = Some(search);
        self
    }

    /// Brings everything that derives from the data to the new data version: the derived graph
    /// (rankings and counts for what `city`'s data touches; an error here fails the call, as pages
    /// would show stale rankings) and
    /// the search index (a failure is logged: the contribution has landed, and the next search
    /// retries the rebuild). Every commit runs it, whoever called the pipeline.
    fn after_commit(
        &self,
        city: &str,
        to: &str,
        search_change: Option<SearchChange>,
    ) -> Result<()> {
        crate::store::derived::refresh_for_city(&self.backend, city)?;
        if let (Some(search), Some(change)) = (&self.search, search_change)
            && let Err(e) =
                search.update_after_commit(&self.backend, &change.from, to, &change.subjects)
        {
            tracing::warn!("the search index was not refreshed after a contribution: {e}");
        }
        Ok(())
    }

    /// The IRIs that are subjects in `graph` now: with the new data's subjects, the resources whose
    /// search documents a replacement of the graph can change.
    fn graph_subjects(&self, graph: &NamedNode) -> Result<BTreeSet<NamedNode>> {
        let rows = self.backend.select(&format!(
            "SELECT DISTINCT ?s WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}"
        ))?;
        Ok(rows
            .into_iter()
            .filter_map(|r| match r.into_iter().next().flatten() {
                Some(Term::NamedNode(n)) => Some(n),
                _ => None,
            })
            .collect())
    }

    pub fn base_iri(&self) -> &str {
        &self.base_iri
    }

    fn city_graph(&self, city: &str) -> Result<NamedNode> {
        if !crate::slug::is_slug(city) {
            return Err(Error::Invalid(format!(
                "{city:?} is not a city identifier (lowercase letters, digits and hyphens)"
            )));
        }
        graph_iri(city)
    }

    fn known_orgs(&self) -> Result<HashSet<String>> {
        let prefix = format!("{}id/org/", self.base_iri);
        let rows = self
            .backend
            .select("SELECT DISTINCT ?o WHERE { ?o a <http://www.w3.org/ns/org#Organization> }")?;
        Ok(rows
            .into_iter()
            .filter_map(|r| match r.into_iter().next().flatten() {
                Some(Term::NamedNode(n)) => n.as_str().strip_prefix(&prefix).map(str::to_owned),
                _ => None,
            })
            .collect())
    }

    /// Parses a body into triples. Errors name the line and column (row and column for CSV).
    pub fn parse(
        &self,
        city: &str,
        origin: &str,
        body: &[u8],
        format: InputFormat,
    ) -> Result<Vec<Triple>> {
        self.city_graph(city)?;
        let triples = match format {
            InputFormat::Csv => {
                csv_mapping::to_triples(origin, body, city, &self.base_iri, &self.known_orgs()?)?
            }
            InputFormat::Rdf(format) => {
                if format == RdfFormat::RdfXml && body.windows(8).any(|w| w == b"<!ENTITY") {
                    // Nested or repeated entities expand a small upload into gigabytes (the
                    // "billion laughs"); the XML parser has no limit on the expansion.
                    return Err(Error::Parse {
                        path: origin.to_owned(),
                        message: "the RDF/XML declares entities (<!ENTITY …>), which contributions do not accept; write the full IRIs instead of &name;".into(),
                    });
                }
                let quads = crate::store::load::parse_all(origin, body, format, None, None)?;
                let mut triples = Vec::with_capacity(quads.len());
                for quad in quads {
                    if let GraphName::NamedNode(g) = &quad.graph_name {
                        return Err(Error::Parse {
                            path: origin.to_owned(),
                            message: format!(
                                "the data puts statements in the named graph {g}; a contribution is stored in its city's graph, so send only the default graph"
                            ),
                        });
                    }
                    triples.push(Triple::from(quad));
                }
                triples
            }
        };
        if triples.is_empty() {
            return Err(Error::Parse {
                path: origin.to_owned(),
                message: "the data is empty; to withdraw a city's data, use DELETE".into(),
            });
        }
        check_size(origin, &triples)?;
        Ok(triples)
    }

    /// Ownership rules and the SHACL shapes, in one report.
    pub fn check(&self, city: &str, triples: &[Triple]) -> Result<Report> {
        let quads: Vec<_> = triples
            .iter()
            .cloned()
            .map(|t| t.in_graph(GraphName::DefaultGraph))
            .collect();
        let mut report = self.validator.validate(&quads)?;
        let refused = ownership::check(triples, city, &self.base_iri);
        if !refused.is_empty() {
            report.conforms = false;
            report.results.extend(refused);
        }
        Ok(report)
    }

    /// Parses, checks and, unless `dry_run` or the data does not conform, stores a new version.
    pub fn submit(
        &self,
        city: &str,
        origin: &str,
        body: &[u8],
        format: InputFormat,
        who: &Contributor,
        dry_run: bool,
    ) -> Result<Outcome> {
        let started = std::time::Instant::now();
        let mut triples = self.parse(city, origin, body, format)?;
        let parsed = started.elapsed();
        if format == InputFormat::Csv {
            let carried = csv_mapping::covered_predicates(body);
            triples = self.keep_all_but_practices(city, triples, &carried)?;
        }
        let report = self.check(city, &triples)?;
        let checked = started.elapsed();
        tracing::info!(
            city,
            triples = triples.len(),
            ?parsed,
            ?checked,
            "contribution parsed and checked"
        );
        if !report.conforms {
            return Ok(Outcome::Rejected(report));
        }
        if dry_run {
            return Ok(Outcome::Valid {
                report,
                triples: triples.len(),
            });
        }
        let canonical = canonicalise(&triples)?;
        let version = self.commit(city, &triples, &canonical, "replace", who, Some(format))?;
        Ok(Outcome::Accepted { report, version })
    }

    /// A CSV upload carries practices only: the rest of the city's current graph (the city, its
    /// strategy and goals, organisations, sources, transfers, costs and lessons) stays, and the
    /// practices and outcomes are replaced. Statements the upload's columns do not carry (a
    /// practice's cost, funding, lessons and location; its stage, stage year, `ckg:adaptedFrom`
    /// and contact point when the file has no column for them, as older templates do not) are kept
    /// for every practice the upload still describes; `carried` are the properties it does carry.
    fn keep_all_but_practices(
        &self,
        city: &str,
        uploaded: Vec<Triple>,
        carried: &[&str],
    ) -> Result<Vec<Triple>> {
        let current = self.backend.graph_triples(&self.city_graph(city)?)?;
        let replaced: HashSet<oxigraph::model::NamedOrBlankNode> = current
            .iter()
            .filter(|t| {
                t.predicate == rdf::TYPE
                    && matches!(&t.object, Term::NamedNode(c)
                        if c.as_str() == vocab::ckg::PRACTICE || c.as_str() == vocab::ckg::OUTCOME)
            })
            .map(|t| t.subject.clone())
            .collect();
        let still_described: HashSet<oxigraph::model::NamedOrBlankNode> =
            uploaded.iter().map(|t| t.subject.clone()).collect();
        let not_in_template = |t: &Triple| {
            still_described.contains(&t.subject)
                && vocab::exchange::KEPT_ON_CSV_UPLOAD.contains(&t.predicate.as_str())
                && !carried.contains(&t.predicate.as_str())
        };
        let mut seen: HashSet<Triple> = HashSet::new();
        let mut out = Vec::with_capacity(current.len() + uploaded.len());
        for t in current
            .into_iter()
            .filter(|t| !replaced.contains(&t.subject) || not_in_template(t))
            .chain(uploaded)
        {
            if seen.insert(t.clone()) {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Withdraws a city's data: its graph becomes empty; every earlier version stays in the history.
    pub fn retract(&self, city: &str, who: &Contributor) -> Result<VersionInfo> {
        let canonical = canonicalise(&[])?;
        self.commit(city, &[], &canonical, "retract", who, None)
    }

    fn commit(
        &self,
        city: &str,
        triples: &[Triple],
        canonical: &Canonical,
        action: &str,
        who: &Contributor,
        format: Option<InputFormat>,
    ) -> Result<VersionInfo> {
        let graph = self.city_graph(city)?;
        let _guard = self.lock.lock().map_err(|_| {
            Error::Invalid("an earlier contribution failed midway; restart the server".into())
        })?;
        let _shared = self.history.commit_lock()?;
        // Read before the versions: a commit that lands after this read (one a node that died
        // had already sent) makes this one a conflict instead of a second record of a number.
        let from = self.backend.current_data_version()?;
        let versions = self.versions(city)?;
        let mut record = Vec::new();
        let mut previous = versions.last().map(|v| v.version);
        if versions.is_empty() {
            // The first contribution replaces the bundled data: keep that as version 0.
            let current = self.backend.graph_triples(&graph)?;
            if !current.is_empty() {
                let seed = canonicalise(&current)?;
                self.history.write(city, 0, &seed)?;
                let seed_contributor = Contributor {
                    token_id: None,
                    channel: "bundle",
                };
                record.extend(self.record(
                    city,
                    &graph,
                    0,
                    "seed",
                    &seed,
                    current.len(),
                    None,
                    &seed_contributor,
                    None,
                )?);
                previous = Some(0);
            }
        }
        let number = previous.map_or(1, |p| p + 1);
        self.history.write(city, number, canonical)?;
        record.extend(self.record(
            city,
            &graph,
            number,
            action,
            canonical,
            triples.len(),
            previous,
            who,
            format,
        )?);
        // What the search index needs to update only the touched documents (read before the
        // graph is replaced).
        let search_change = match &self.search {
            None => None,
            Some(_) => {
                let mut subjects = self.graph_subjects(&graph)?;
                subjects.extend(triples.iter().filter_map(|t| match &t.subject {
                    oxigraph::model::NamedOrBlankNode::NamedNode(n) => Some(n.clone()),
                    _ => None,
                }));
                Some(SearchChange {
                    from: from.clone(),
                    subjects: subjects.into_iter().collect(),
                })
            }
        };
        let started = std::time::Instant::now();
        let to = self
            .backend
            .replace_graph(&graph, triples, &record, &from)?;
        let committed = started.elapsed();
        self.after_commit(city, &to, search_change)?;
        tracing::info!(city, version = number, ?committed, derived = ?started.elapsed(), "contribution committed");
        self.versions(city)?
            .into_iter()
            .find(|v| v.version == number)
            .ok_or_else(|| Error::Invalid(format!("version {number} of {city} was not recorded")))
    }

    fn version_iri(&self, city: &str, version: u64) -> Result<NamedNode> {
        NamedNode::new(format!(
            "{}api/contributions/{city}/{version}",
            self.base_iri
        ))
        .map_err(|e| Error::Invalid(format!("cannot mint a version IRI: {e}")))
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        city: &str,
        graph: &NamedNode,
        version: u64,
        action: &str,
        canonical: &Canonical,
        triples: usize,
        previous: Option<u64>,
        who: &Contributor,
        format: Option<InputFormat>,
    ) -> Result<Vec<Triple>> {
        let subject = self.version_iri(city, version)?;
        let p = |s: String| NamedNode::new(s).map_err(|e| Error::Invalid(e.to_string()));
        let now =
            Literal::new_typed_literal(oxsdatatypes::DateTime::now().to_string(), xsd::DATE_TIME);
        let city_iri = p(format!("{}id/city/{city}", self.base_iri))?;
        let mut out = vec![
            Triple::new(subject.clone(), rdf::TYPE, p(format!("{DCAT}Dataset"))?),
            Triple::new(subject.clone(), rdf::TYPE, p(format!("{PROV}Activity"))?),
            Triple::new(subject.clone(), p(format!("{DCTERMS}publisher"))?, city_iri),
            Triple::new(subject.clone(), p(vocab::ckg::GRAPH.into())?, graph.clone()),
            Triple::new(
                subject.clone(),
                p(format!("{DCAT}version"))?,
                Literal::from(version as i64),
            ),
            Triple::new(
                subject.clone(),
                p(vocab::ckg::ACTION.into())?,
                Literal::new_simple_literal(action),
            ),
            Triple::new(
                subject.clone(),
                p(format!("{PROV}startedAtTime"))?,
                now.clone(),
            ),
            Triple::new(subject.clone(), p(format!("{PROV}endedAtTime"))?, now),
            Triple::new(
                subject.clone(),
                p(format!("{VOID}triples"))?,
                Literal::from(triples as i64),
            ),
            Triple::new(
                subject.clone(),
                p(vocab::ckg::CONTENT_HASH.into())?,
                Literal::new_simple_literal(&canonical.sha256),
            ),
            Triple::new(
                subject.clone(),
                p(format!("{DCTERMS}description"))?,
                Literal::new_language_tagged_literal_unchecked(
                    format!(
                        "{action} of the data of {city}, version {version}, via {}",
                        who.channel
                    ),
                    "en",
                ),
            ),
        ];
        if let Some(token) = &who.token_id {
            out.push(Triple::new(
                subject.clone(),
                p(vocab::ckg::TOKEN_ID.into())?,
                Literal::new_simple_literal(token),
            ));
        }
        if let Some(previous) = previous {
            out.push(Triple::new(
                subject.clone(),
                p(format!("{PROV}wasRevisionOf"))?,
                self.version_iri(city, previous)?,
            ));
        }
        if let Some(format) = format {
            out.push(Triple::new(
                subject,
                p(format!("{DCTERMS}format"))?,
                Literal::new_simple_literal(format.media_type()),
            ));
        }
        Ok(out)
    }

    /// The recorded versions of a city's data, oldest first.
    pub fn versions(&self, city: &str) -> Result<Vec<VersionInfo>> {
        let graph = self.city_graph(city)?;
        let query = format!(
            "SELECT ?rec ?version ?action ?time ?triples ?hash ?token ?prev ?format WHERE {{ GRAPH <{meta}> {{
                ?rec a <{PROV}Activity> ; <{ckg_graph}> {graph} ; <{DCAT}version> ?version ;
                     <{action}> ?action ; <{PROV}startedAtTime> ?time ; <{VOID}triples> ?triples ;
                     <{hash}> ?hash .
                OPTIONAL {{ ?rec <{token}> ?token }}
                OPTIONAL {{ ?rec <{PROV}wasRevisionOf> ?prev }}
                OPTIONAL {{ ?rec <{DCTERMS}format> ?format }} }} }} ORDER BY ?version",
            meta = vocab::graph::META,
            ckg_graph = vocab::ckg::GRAPH,
            action = vocab::ckg::ACTION,
            hash = vocab::ckg::CONTENT_HASH,
            token = vocab::ckg::TOKEN_ID,
        );
        let value = |t: &Option<Term>| match t {
            Some(Term::Literal(l)) => Some(l.value().to_owned()),
            Some(Term::NamedNode(n)) => Some(n.as_str().to_owned()),
            _ => None,
        };
        let mut out = Vec::new();
        for row in self.backend.select(&query)? {
            let number = |t: &Option<Term>| {
                value(t).and_then(|v| v.rsplit('/').next().and_then(|n| n.parse::<u64>().ok()))
            };
            let (Some(version), Some(triples)) =
                (number(&row[1]), value(&row[4]).and_then(|v| v.parse().ok()))
            else {
                continue;
            };
            out.push(VersionInfo {
                version,
                action: value(&row[2]).unwrap_or_default(),
                time: value(&row[3]).unwrap_or_default(),
                triples,
                content_hash: value(&row[5]).unwrap_or_default(),
                token_id: value(&row[6]),
                previous: number(&row[7]),
                format: value(&row[8]),
                iri: value(&row[0]).unwrap_or_default(),
            });
        }
        out.sort_by_key(|v| v.version);
        Ok(out)
    }

    /// One version's record and data, if it exists.
    pub fn version(&self, city: &str, version: u64) -> Result<Option<(VersionInfo, Vec<Triple>)>> {
        let Some(info) = self
            .versions(city)?
            .into_iter()
            .find(|v| v.version == version)
        else {
            return Ok(None);
        };
        let triples = self.history.read(city, version, &info.content_hash)?;
        Ok(Some((info, triples)))
    }

    /// The practices a version holds, for links after an upload: (IRI, name).
    pub fn practices(&self, city: &str) -> Result<Vec<(String, String)>> {
        let graph = self.city_graph(city)?;
        let rows = self.backend.select(&format!(
            "SELECT ?p (SAMPLE(?n) AS ?name) WHERE {{ GRAPH {graph} {{ ?p a <{}> . OPTIONAL {{ ?p <https://schema.org/name> ?n }} }} }} GROUP BY ?p ORDER BY ?p",
            vocab::ckg::PRACTICE
        ))?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let iri = match r.first().cloned().flatten() {
                    Some(Term::NamedNode(n)) => n.into_string(),
                    _ => return None,
                };
                let name = match r.get(1).cloned().flatten() {
                    Some(Term::Literal(l)) => l.value().to_owned(),
                    _ => iri.clone(),
                };
                Some((iri, name))
            })
            .collect())
    }
}
