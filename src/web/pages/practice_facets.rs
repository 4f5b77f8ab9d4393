//! The practice finder's model: every practice's facet fields (city, country, theme, SDG goal,
//! start year, stage, verification, measured outcome, transfer), read once per data version into
//! a [`FacetTable`], and the codes by which URLs name the facets' values.

use super::format::year_of;
use crate::error::Result;
use crate::store::Backend;
use crate::vocab::{CKG, SDG_NS};
use oxigraph::model::Term;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const SCHEMA: &str = "https://schema.org/";
const DCTERMS_SUBJECT: &str = "http://purl.org/dc/terms/subject";

/// A facet whose values are terms (IRIs, or the verification text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Facet {
    City,
    Country,
    Theme,
    Sdg,
    Stage,
    Verification,
}

impl Facet {
    pub const ALL: [Facet; 6] = [
        Facet::City,
        Facet::Country,
        Facet::Theme,
        Facet::Sdg,
        Facet::Stage,
        Facet::Verification,
    ];

    /// The query-string parameter (and key of its interface string `facet_…`).
    pub fn key(self) -> &'static str {
        match self {
            Facet::City => "city",
            Facet::Country => "country",
            Facet::Theme => "theme",
            Facet::Sdg => "sdg",
            Facet::Stage => "stage",
            Facet::Verification => "verification",
        }
    }
}

/// What the finder knows of one practice.
#[derive(Default, Debug, Clone)]
pub(super) struct Practice {
    pub(super) iri: String,
    pub(super) names: Vec<(String, String, String)>,
    pub(super) values: BTreeMap<Facet, BTreeSet<String>>,
    pub(super) start: Option<i32>,
    pub(super) measured: bool,
    pub(super) transfer: bool,
}

impl Practice {
    pub(super) fn has(&self, facet: Facet, term: &str) -> bool {
        self.values.get(&facet).is_some_and(|v| v.contains(term))
    }
}

/// The code of a term in a URL: its last path segment (`…/city/stockholm` → `stockholm`,
/// `wd:Q34` → `Q34`, `sdg/11` → `11`) or the literal's text.
pub(super) fn code_of(term: &str) -> String {
    term.rsplit(['/', '#']).next().unwrap_or(term).to_owned()
}

/// The SDG goal of a goal or target IRI (`…/sdg/11.2` → `…/sdg/11`), None for other IRIs.
pub(super) fn sdg_goal(iri: &str) -> Option<String> {
    let number = iri.strip_prefix(SDG_NS)?;
    let goal = number.split('.').next()?;
    (!goal.is_empty() && goal.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{SDG_NS}{goal}"))
}

/// The facet fields of every practice for one data version, read on the first request after the
/// version changed and shared by the requests that follow.
#[derive(Default)]
pub struct FacetTable {
    current: std::sync::Mutex<Option<(String, Arc<Facets>)>>,
}

/// Every practice's facet fields, and the codes of their values (what URLs may name).
pub(super) struct Facets {
    pub(super) practices: Vec<Practice>,
    pub(super) codes: Codes,
}

impl FacetTable {
    /// The table for the backend's data version (read now if it is not the one kept).
    pub(super) fn get(&self, backend: &Backend) -> Result<Arc<Facets>> {
        let version = backend.data_version()?;
        if let Ok(current) = self.current.lock()
            && let Some((kept, table)) = current.as_ref()
            && *kept == version
        {
            return Ok(table.clone());
        }
        // Read without holding the lock: requests for the table being replaced wait for nothing.
        let practices = load(backend)?;
        let table = Arc::new(Facets {
            codes: codes(&practices),
            practices,
        });
        if let Ok(mut current) = self.current.lock() {
            *current = Some((version, table.clone()));
        }
        Ok(table)
    }
}

/// Reads every practice's facet fields: four SELECTs of (practice, field, value) rows, each a
/// plain join. (As one query with a `UNION` per field, Oxigraph's planner ran the union once per
/// practice and, in the outcome branch, read every outcome of the network each time: 23 s at 500
/// practices.)
fn load(backend: &Backend) -> Result<Vec<Practice>> {
    let prefixes = format!(
        "PREFIX ckg: <{CKG}> PREFIX schema: <{SCHEMA}> PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    );
    let queries = [
        "SELECT DISTINCT ?p ?k ?v WHERE {
           VALUES ?k { schema:name ckg:city dcterms:subject ckg:servesGoal schema:startDate ckg:stage ckg:verification }
           ?p ?k ?v . ?p a ckg:Practice }",
        "SELECT DISTINCT ?p (schema:containedInPlace AS ?k) ?v WHERE {
           ?p a ckg:Practice ; ckg:city ?c . ?c schema:containedInPlace ?v }",
        "SELECT DISTINCT ?p (ckg:isTarget AS ?k) (false AS ?v) WHERE {
           ?p a ckg:Practice ; ckg:outcome ?o . ?o ckg:isTarget false }",
        "SELECT DISTINCT ?p (ckg:Transfer AS ?k) (true AS ?v) WHERE {
           ?p a ckg:Practice . { ?t ckg:fromPractice ?p } UNION { ?t ckg:toPractice ?p } }",
    ];
    let mut rows = Vec::new();
    for query in queries {
        rows.extend(backend.select(&format!("{prefixes}{query}"))?);
    }
    let mut by_iri: BTreeMap<String, Practice> = BTreeMap::new();
    for row in rows {
        let (Some(Some(Term::NamedNode(p))), Some(Some(Term::NamedNode(k))), Some(Some(v))) =
            (row.first(), row.get(1), row.get(2))
        else {
            continue;
        };
        let practice = by_iri
            .entry(p.as_str().to_owned())
            .or_insert_with(|| Practice {
                iri: p.as_str().to_owned(),
                ..Practice::default()
            });
        let k = k.as_str();
        let text = match v {
            Term::NamedNode(n) => n.as_str().to_owned(),
            Term::Literal(l) => l.value().to_owned(),
            _ => continue,
        };
        let mut add = |facet: Facet, t: String| {
            practice.values.entry(facet).or_default().insert(t);
        };
        match k {
            _ if k == format!("{SCHEMA}name") => {
                if let Term::Literal(l) = v {
                    practice.names.push((
                        format!("{SCHEMA}name"),
                        l.language().unwrap_or("").to_owned(),
                        text,
                    ));
                }
            }
            _ if k == format!("{CKG}city") => add(Facet::City, text),
            _ if k == format!("{SCHEMA}containedInPlace") => add(Facet::Country, text),
            DCTERMS_SUBJECT => add(Facet::Theme, text),
            _ if k == format!("{CKG}servesGoal") => {
                if let Some(goal) = sdg_goal(&text) {
                    add(Facet::Sdg, goal);
                }
            }
            _ if k == format!("{CKG}stage") => add(Facet::Stage, text),
            _ if k == format!("{CKG}verification") => add(Facet::Verification, text),
            _ if k == format!("{SCHEMA}startDate") => {
                let year = year_of(&text);
                practice.start = match (practice.start, year) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            _ if k == format!("{CKG}isTarget") => practice.measured = true,
            _ if k == format!("{CKG}Transfer") => practice.transfer = true,
            _ => {}
        }
    }
    Ok(by_iri.into_values().collect())
}

/// Every term of each facet, by its code in URLs.
pub(super) type Codes = BTreeMap<Facet, BTreeMap<String, String>>;

pub(super) fn codes(practices: &[Practice]) -> Codes {
    let mut codes: Codes = BTreeMap::new();
    for p in practices {
        for (facet, terms) in &p.values {
            for term in terms {
                codes
                    .entry(*facet)
                    .or_default()
                    .entry(code_of(term))
                    .or_insert_with(|| term.clone());
            }
        }
    }
    codes
}
