//! `/practices`: the practice finder. Facets (city, country, theme, SDG goal, start year range,
//! stage, has a measured outcome, has a transfer to or from another city, verification), each
//! value with its count under the current selection with the other facets' filters applied; the
//! reader's words `q` through the search index; sort by relevance, name or start year; paging; the
//! same rows as CSV and JSON (`format=csv|json` or Accept); and a link to a SPARQL query that gives
//! the same practices.
//!
//! Cost: four SELECTs read the facet fields of every practice once per data version (the table and
//! the codes of its values are kept in [`FacetTable`], `practice_facets.rs`, until the version
//! changes), one label lookup names the values, and the counting runs in Rust over that table:
//! per request one pass over the practices per facet, O(practices × values per practice).
//!
//! User input never reaches SPARQL: a facet value is kept only when it names a value the data has
//! (the others are ignored and listed on the page), years are parsed to integers, and free text
//! goes to the search index, whose hits (IRIs from the index) restrict the practices.

use super::format::sdg_sort_key;
use super::practice_facets::{Codes, Practice, code_of, sdg_goal};
pub use super::practice_facets::{Facet, FacetTable};
use crate::error::Result;
use crate::search::{Group, Kind};
use crate::store::Backend;
use crate::vocab::CKG;
use crate::web::SharedState;
use crate::web::blocking;
use crate::web::error::WebError;
use crate::web::html::{self, value};
use crate::web::i18n::{Lang, foreign, strings};
use crate::web::labels::{best_label, best_label_with_lang};
use crate::web::links::{Linker, query_href};
use crate::web::map::{MapView, Place, map, parse_point};
use crate::web::request::{PageCtx, QueryPairs};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use oxigraph::model::{Literal, NamedNode, Term};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Practices per page.
pub const PAGE_SIZE: usize = 20;
/// Search hits read for the `q` words (more than there are practices).
const MAX_HITS: usize = 10_000;

const SCHEMA: &str = "https://schema.org/";

/// The Nordic countries (the members of the Nordic Council: Denmark, Finland, Iceland, Norway,
/// Sweden; https://www.norden.org/en/information/facts-about-nordic-countries), as Wikidata items:
/// a shortcut that selects them all in the country facet.
const NORDIC: [&str; 5] = ["Q35", "Q33", "Q189", "Q20", "Q34"];

/// A filter of the selection, for "every filter but this one" when counting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Filter {
    Set(Facet),
    Years,
    Measured,
    Transfer,
}

/// How the rows are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    Name,
    Year,
}

impl Sort {
    fn code(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Name => "name",
            Sort::Year => "year",
        }
    }
}

/// The reader's selection, with every value checked against the data.
#[derive(Clone, Debug)]
struct Selection {
    /// Facet → the selected terms (IRIs, or verification texts).
    sets: BTreeMap<Facet, BTreeSet<String>>,
    from: Option<i32>,
    to: Option<i32>,
    measured: bool,
    transfer: bool,
    q: String,
    sort: Sort,
    page: usize,
    lang: Lang,
}

/// A year parameter: four digits, or ignored.
fn parse_year(raw: &str) -> Option<i32> {
    let raw = raw.trim();
    (raw.len() == 4 && raw.chars().all(|c| c.is_ascii_digit()))
        .then(|| raw.parse().ok())
        .flatten()
}

impl Selection {
    /// The selection of a query string; values the data does not have are returned as ignored.
    fn parse(pairs: &QueryPairs, codes: &Codes, lang: Lang) -> (Self, Vec<String>) {
        let mut ignored = Vec::new();
        let mut sets: BTreeMap<Facet, BTreeSet<String>> = BTreeMap::new();
        for facet in Facet::ALL {
            for raw in pairs.all(facet.key()) {
                let mut wanted = vec![raw];
                if facet == Facet::Country && raw == "nordic" {
                    wanted = NORDIC.to_vec();
                }
                for code in wanted {
                    match codes.get(&facet).and_then(|c| c.get(code)) {
                        Some(term) => {
                            sets.entry(facet).or_default().insert(term.clone());
                        }
                        None if raw == "nordic" => {}
                        None => ignored.push(format!("{}={}", facet.key(), raw)),
                    }
                }
            }
        }
        let mut year = |name: &str| {
            let raw = pairs.get(name)?;
            if raw.trim().is_empty() {
                return None;
            }
            let year = parse_year(raw);
            if year.is_none() {
                ignored.push(format!("{name}={raw}"));
            }
            year
        };
        let (from, to) = (year("from"), year("to"));
        let flag = |name: &str| pairs.get(name).is_some_and(|v| v == "1" || v == "true");
        let q: String = pairs
            .get("q")
            .unwrap_or("")
            .chars()
            .take(crate::search::MAX_QUERY_CHARS)
            .collect::<String>()
            .trim()
            .to_owned();
        let sort = match pairs.get("sort") {
            Some("name") => Sort::Name,
            Some("year") => Sort::Year,
            Some("relevance") if !q.is_empty() => Sort::Relevance,
            _ if !q.is_empty() => Sort::Relevance,
            _ => Sort::Name,
        };
        let page = pairs
            .get("page")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        (
            Self {
                sets,
                from,
                to,
                measured: flag("measured"),
                transfer: flag("transfer"),
                q,
                sort,
                page,
                lang,
            },
            ignored,
        )
    }

    /// Whether `p` passes every filter but `except`.
    fn admits(&self, p: &Practice, except: Option<Filter>) -> bool {
        for (facet, terms) in &self.sets {
            if except != Some(Filter::Set(*facet))
                && !terms.is_empty()
                && !terms.iter().any(|t| p.has(*facet, t))
            {
                return false;
            }
        }
        if except != Some(Filter::Years) && (self.from.is_some() || self.to.is_some()) {
            let Some(start) = p.start else { return false };
            if self.from.is_some_and(|f| start < f) || self.to.is_some_and(|t| start > t) {
                return false;
            }
        }
        if except != Some(Filter::Measured) && self.measured && !p.measured {
            return false;
        }
        if except != Some(Filter::Transfer) && self.transfer && !p.transfer {
            return false;
        }
        true
    }

    /// The permalink of this selection (canonical order; the first page has no `page`).
    fn href(&self) -> String {
        self.href_with(None)
    }

    fn href_with(&self, format: Option<&str>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        for (facet, terms) in &self.sets {
            let mut codes: Vec<String> = terms.iter().map(|t| code_of(t)).collect();
            codes.sort();
            for code in codes {
                s.append_pair(facet.key(), &code);
            }
        }
        if let Some(from) = self.from {
            s.append_pair("from", &from.to_string());
        }
        if let Some(to) = self.to {
            s.append_pair("to", &to.to_string());
        }
        if self.measured {
            s.append_pair("measured", "1");
        }
        if self.transfer {
            s.append_pair("transfer", "1");
        }
        let default_sort = if self.q.is_empty() {
            Sort::Name
        } else {
            Sort::Relevance
        };
        if self.sort != default_sort {
            s.append_pair("sort", self.sort.code());
        }
        if self.page > 1 && format.is_none() {
            s.append_pair("page", &self.page.to_string());
        }
        if let Some(format) = format {
            s.append_pair("format", format);
        }
        s.append_pair("lang", self.lang.code());
        format!("/practices?{}", s.finish())
    }

    /// A changed copy on its first page.
    fn with(&self, change: impl FnOnce(&mut Self)) -> Self {
        let mut next = self.clone();
        next.page = 1;
        change(&mut next);
        next
    }

    fn toggled(&self, facet: Facet, term: &str) -> Self {
        self.with(|s| {
            let set = s.sets.entry(facet).or_default();
            if !set.remove(term) {
                set.insert(term.to_owned());
            }
            if set.is_empty() {
                s.sets.remove(&facet);
            }
        })
    }

    fn is_empty(&self) -> bool {
        self.sets.is_empty()
            && self.from.is_none()
            && self.to.is_none()
            && !self.measured
            && !self.transfer
            && self.q.is_empty()
    }

    /// A SPARQL query that selects the same practices: every term in it comes from the data
    /// (checked again by `NamedNode::new` / `Literal`, written with their escaping `Display`).
    fn sparql(&self, hits: Option<&[String]>) -> String {
        let mut body = String::from("  ?practice a ckg:Practice .\n");
        for (facet, terms) in &self.sets {
            let list = |path: &str| -> String {
                let terms: Vec<String> = terms
                    .iter()
                    .filter_map(|t| NamedNode::new(t.as_str()).ok())
                    .map(|n| n.to_string())
                    .collect();
                format!(
                    "  FILTER EXISTS {{ ?practice {path} ?x FILTER(?x IN ({})) }}\n",
                    terms.join(", ")
                )
            };
            body.push_str(&match facet {
                Facet::City => list("ckg:city"),
                Facet::Country => list("ckg:city/schema:containedInPlace"),
                Facet::Theme => list("dcterms:subject"),
                Facet::Stage => list("ckg:stage"),
                Facet::Verification => {
                    let texts: Vec<String> = terms
                        .iter()
                        .map(|t| Literal::new_simple_literal(t.as_str()).to_string())
                        .collect();
                    format!(
                        "  FILTER EXISTS {{ ?practice ckg:verification ?x FILTER(STR(?x) IN ({})) }}\n",
                        texts.join(", ")
                    )
                }
                Facet::Sdg => {
                    let tests: Vec<String> = terms
                        .iter()
                        .filter_map(|t| NamedNode::new(t.as_str()).ok())
                        .map(|n| {
                            let prefix =
                                Literal::new_simple_literal(format!("{}.", n.as_str()));
                            format!("?x = {n} || STRSTARTS(STR(?x), {prefix})")
                        })
                        .collect();
                    format!(
                        "  FILTER EXISTS {{ ?practice ckg:servesGoal ?x FILTER({}) }}\n",
                        tests.join(" || ")
                    )
                }
            });
        }
        if self.from.is_some() || self.to.is_some() {
            let mut tests = Vec::new();
            if let Some(from) = self.from {
                tests.push(format!("?y >= {from}"));
            }
            if let Some(to) = self.to {
                tests.push(format!("?y <= {to}"));
            }
            body.push_str(&format!(
                "  FILTER EXISTS {{ ?practice schema:startDate ?d BIND(xsd:integer(SUBSTR(STR(?d), 1, 4)) AS ?y) FILTER({}) }}\n",
                tests.join(" && ")
            ));
        }
        if self.measured {
            body.push_str("  FILTER EXISTS { ?practice ckg:outcome/ckg:isTarget false }\n");
        }
        if self.transfer {
            body.push_str("  FILTER EXISTS { { ?t ckg:fromPractice ?practice } UNION { ?t ckg:toPractice ?practice } }\n");
        }
        if let Some(hits) = hits {
            let values: Vec<String> = hits
                .iter()
                .filter_map(|h| NamedNode::new(h.as_str()).ok())
                .map(|n| n.to_string())
                .collect();
            body.push_str(&format!(
                "  VALUES ?practice {{ {} }}  # the practices the search for the words finds\n",
                values.join(" ")
            ));
        }
        let lang = Literal::new_simple_literal(self.lang.code());
        let order = match self.sort {
            Sort::Year => "ORDER BY (!BOUND(?startYear)) ?startYear LCASE(STR(?name))",
            _ => "ORDER BY LCASE(STR(?name))",
        };
        format!(
            "PREFIX ckg: <{CKG}>
PREFIX schema: <{SCHEMA}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?practice (SAMPLE(?n) AS ?name) (MIN(?year) AS ?startYear) WHERE {{
{body}  OPTIONAL {{ ?practice schema:name ?n FILTER(LANGMATCHES(LANG(?n), {lang}) || LANGMATCHES(LANG(?n), \"en\")) }}
  OPTIONAL {{ ?practice schema:startDate ?date BIND(xsd:integer(SUBSTR(STR(?date), 1, 4)) AS ?year) }}
}}
GROUP BY ?practice
{order}"
        )
    }
}

/// One value of a facet as shown: its label, its count under the selection, the link that adds
/// or removes it.
#[derive(Serialize, Debug, Clone)]
pub struct FacetValue {
    pub code: String,
    pub label: String,
    pub count: usize,
    pub selected: bool,
    pub href: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct FacetView {
    pub key: &'static str,
    pub title: String,
    pub values: Vec<FacetValue>,
}

/// One start year with its count, the link to that year and the link to it and later years.
#[derive(Serialize, Debug, Clone)]
pub struct YearValue {
    pub year: i32,
    pub count: usize,
    pub href: String,
    pub onwards: usize,
    pub onwards_href: String,
    pub selected: bool,
}

/// A named link (a city, theme, …) of a result row.
#[derive(Serialize, Debug, Clone)]
pub struct Named {
    pub iri: String,
    pub label: String,
    pub href: String,
    /// The label's language when it is not the reader's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// One practice of the result: the same fields in HTML, CSV and JSON.
#[derive(Serialize, Debug, Clone)]
pub struct Row {
    pub iri: String,
    pub href: String,
    pub name: String,
    /// The name's language when it is not the reader's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    pub cities: Vec<Named>,
    pub countries: Vec<Named>,
    pub start_year: Option<i32>,
    pub stage: Option<Named>,
    pub themes: Vec<Named>,
    pub verification: Option<String>,
    pub measured_outcome: bool,
    pub transfer: bool,
}

/// The finder's answer to one request.
#[derive(Serialize, Debug)]
pub struct FinderView {
    pub q: String,
    pub total: usize,
    pub all: usize,
    pub page: usize,
    pub pages: usize,
    pub first: usize,
    pub last: usize,
    pub rows: Vec<Row>,
    pub facets: Vec<FacetView>,
    pub years: Vec<YearValue>,
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub measured: FacetValue,
    pub transfer: FacetValue,
    pub nordic_href: String,
    pub ignored: Vec<String>,
    pub approximate: bool,
    pub permalink: String,
    pub csv_href: String,
    pub json_href: String,
    pub sparql: String,
    pub sparql_href: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub sorts: Vec<FacetValue>,
    pub clear_href: Option<String>,
    /// Hidden fields of the words-and-years form: the rest of the selection.
    pub hidden: Vec<(String, String)>,
    /// The cities of the selection's practices.
    pub selected_cities: Vec<String>,
    /// Every city with practices on a map, the selection's cities highlighted.
    pub map: Option<MapView>,
}

/// The WKT point of every city that has one (a lookup per city).
fn city_points(backend: &Backend) -> Result<HashMap<String, (f64, f64)>> {
    let rows = backend.select(&format!(
        "PREFIX ckg: <{CKG}> PREFIX geo: <http://www.opengis.net/ont/geosparql#>
SELECT ?c ?wkt WHERE {{ ?c a ckg:City ; geo:hasGeometry/geo:asWKT ?wkt }}"
    ))?;
    Ok(rows
        .iter()
        .filter_map(|row| match (row.first(), row.get(1)) {
            (Some(Some(Term::NamedNode(c))), Some(Some(Term::Literal(w)))) => {
                parse_point(w.value()).map(|p| (c.as_str().to_owned(), p))
            }
            _ => None,
        })
        .collect())
}

/// Builds the finder's view (store work: call it off the async threads).
fn build(
    state: &SharedState,
    pairs: &QueryPairs,
    lang: Lang,
    all_rows: bool,
) -> Result<FinderView> {
    let backend = &state.backend;
    let facets = state.finder_facets.get(backend)?;
    let (practices, codes) = (&facets.practices, &facets.codes);
    let (sel, ignored) = Selection::parse(pairs, codes, lang);
    // The words: the practices the search index finds, in its order.
    let (hits, approximate) = if sel.q.is_empty() {
        (None, false)
    } else {
        state.search.refresh_unless_busy(backend)?;
        let group = match lang {
            Lang::En => Group::En,
            Lang::Sv => Group::Sv,
        };
        let results = state.search.search(&sel.q, 0, MAX_HITS, group)?;
        let hits: Vec<String> = results
            .hits
            .iter()
            .filter(|h| h.kind == Kind::Practice)
            .map(|h| h.iri.clone())
            .collect();
        (Some(hits), results.approximate)
    };
    let rank: Option<HashMap<&str, usize>> = hits
        .as_ref()
        .map(|h| h.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect());
    let pool: Vec<&Practice> = practices
        .iter()
        .filter(|p| rank.as_ref().is_none_or(|r| r.contains_key(p.iri.as_str())))
        .collect();

    // Labels for every term a page may show.
    let mut iris: BTreeSet<String> = BTreeSet::new();
    for p in practices.iter() {
        for (facet, terms) in &p.values {
            if *facet != Facet::Verification {
                iris.extend(terms.iter().cloned());
            }
        }
    }
    let linker = Linker::new(backend, &state.base_iri, &iris, lang)?;
    let named = |iri: &str| {
        let link = linker.link(iri);
        Named {
            iri: iri.to_owned(),
            label: link.text,
            href: linker.href(iri),
            lang: link.lang,
        }
    };
    let name_of = |p: &Practice| {
        best_label(&p.names, lang).unwrap_or_else(|| crate::web::links::compact(&p.iri))
    };

    let mut matching: Vec<&Practice> = pool
        .iter()
        .copied()
        .filter(|p| sel.admits(p, None))
        .collect();
    let key_name = |p: &Practice| name_of(p).to_lowercase();
    match sel.sort {
        Sort::Name => matching.sort_by_cached_key(|p| (key_name(p), p.iri.clone())),
        Sort::Year => matching.sort_by_cached_key(|p| (p.start.is_none(), p.start, key_name(p))),
        Sort::Relevance => matching.sort_by_key(|p| {
            rank.as_ref()
                .and_then(|r| r.get(p.iri.as_str()).copied())
                .unwrap_or(usize::MAX)
        }),
    }
    let total = matching.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = sel.page.min(pages);
    let shown: Vec<&Practice> = if all_rows {
        matching.clone()
    } else {
        matching
            .iter()
            .skip((page - 1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .copied()
            .collect()
    };
    let sorted_named = |p: &Practice, facet: Facet| -> Vec<Named> {
        let mut v: Vec<Named> = p
            .values
            .get(&facet)
            .map(|t| t.iter().map(|i| named(i)).collect())
            .unwrap_or_default();
        v.sort_by(|a, b| a.label.cmp(&b.label));
        v
    };
    let t = strings(lang);
    let rows: Vec<Row> = shown
        .iter()
        .map(|p| Row {
            iri: p.iri.clone(),
            href: linker.href(&p.iri),
            name: name_of(p),
            lang: best_label_with_lang(&p.names, lang).and_then(|l| foreign(&l.lang, lang)),
            cities: sorted_named(p, Facet::City),
            countries: sorted_named(p, Facet::Country),
            start_year: p.start,
            stage: p
                .values
                .get(&Facet::Stage)
                .and_then(|s| s.iter().next())
                .map(|s| named(s)),
            themes: sorted_named(p, Facet::Theme),
            verification: p
                .values
                .get(&Facet::Verification)
                .and_then(|v| v.iter().next())
                .map(|v| verification_text(v, lang)),
            measured_outcome: p.measured,
            transfer: p.transfer,
        })
        .collect();

    // Facet counts: each under every filter but its own.
    let mut facets = Vec::new();
    for facet in Facet::ALL {
        let others: Vec<&Practice> = pool
            .iter()
            .copied()
            .filter(|p| sel.admits(p, Some(Filter::Set(facet))))
            .collect();
        let selected = sel.sets.get(&facet);
        // One pass over the practices: each adds one to the count of each of its values.
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for p in &others {
            for term in p.values.get(&facet).into_iter().flatten() {
                *counts.entry(term.as_str()).or_default() += 1;
            }
        }
        let mut values: Vec<(String, FacetValue)> = Vec::new();
        for (code, term) in codes.get(&facet).into_iter().flatten() {
            let count = counts.get(term.as_str()).copied().unwrap_or(0);
            let is_selected = selected.is_some_and(|s| s.contains(term));
            if count == 0 && !is_selected {
                continue;
            }
            let label = match facet {
                Facet::Verification => verification_text(term, lang),
                _ => linker.link(term).text,
            };
            let sort_key = match facet {
                Facet::Sdg => format!("{:03}", sdg_sort_key(term).0),
                Facet::Stage => stage_order(term).to_string(),
                _ => label.to_lowercase(),
            };
            values.push((
                sort_key,
                FacetValue {
                    code: code.clone(),
                    label,
                    count,
                    selected: is_selected,
                    href: sel.toggled(facet, term).href(),
                },
            ));
        }
        values.sort_by(|a, b| a.0.cmp(&b.0));
        facets.push(FacetView {
            key: facet.key(),
            title: t
                .get(format!("facet_{}", facet.key()).as_str())
                .copied()
                .unwrap_or(facet.key())
                .to_owned(),
            values: values.into_iter().map(|(_, v)| v).collect(),
        });
    }
    let year_pool: Vec<&Practice> = pool
        .iter()
        .copied()
        .filter(|p| sel.admits(p, Some(Filter::Years)))
        .collect();
    let mut by_year: BTreeMap<i32, usize> = BTreeMap::new();
    for p in &year_pool {
        if let Some(y) = p.start {
            *by_year.entry(y).or_default() += 1;
        }
    }
    let years: Vec<YearValue> = by_year
        .iter()
        .map(|(year, count)| YearValue {
            year: *year,
            count: *count,
            href: sel
                .with(|s| {
                    s.from = Some(*year);
                    s.to = Some(*year);
                })
                .href(),
            onwards: by_year.range(*year..).map(|(_, c)| c).sum(),
            onwards_href: sel
                .with(|s| {
                    s.from = Some(*year);
                    s.to = None;
                })
                .href(),
            selected: sel.from.is_none_or(|f| *year >= f) && sel.to.is_none_or(|t| *year <= t),
        })
        .collect();
    let flag = |filter: Filter, on: bool, test: fn(&Practice) -> bool, label: &str| {
        let count = pool
            .iter()
            .filter(|p| sel.admits(p, Some(filter)) && test(p))
            .count();
        FacetValue {
            code: "1".into(),
            label: label.to_owned(),
            count,
            selected: on,
            href: sel
                .with(|s| match filter {
                    Filter::Measured => s.measured = !on,
                    _ => s.transfer = !on,
                })
                .href(),
        }
    };
    let measured = flag(
        Filter::Measured,
        sel.measured,
        |p| p.measured,
        t["facet_measured"],
    );
    let transfer = flag(
        Filter::Transfer,
        sel.transfer,
        |p| p.transfer,
        t["facet_transfer"],
    );
    let nordic_href = sel
        .with(|s| {
            let set = s.sets.entry(Facet::Country).or_default();
            for code in NORDIC {
                if let Some(term) = codes.get(&Facet::Country).and_then(|c| c.get(code)) {
                    set.insert(term.clone());
                }
            }
        })
        .href();
    let mut sorts = Vec::new();
    let mut sort_options = vec![(Sort::Name, t["sort_name"]), (Sort::Year, t["sort_year"])];
    if !sel.q.is_empty() {
        sort_options.insert(0, (Sort::Relevance, t["sort_relevance"]));
    }
    for (sort, label) in sort_options {
        sorts.push(FacetValue {
            code: sort.code().into(),
            label: label.to_owned(),
            count: 0,
            selected: sel.sort == sort,
            href: sel.with(|s| s.sort = sort).href(),
        });
    }
    let current = Selection {
        page,
        ..sel.clone()
    };
    let mut hidden: Vec<(String, String)> = Vec::new();
    for (facet, terms) in &sel.sets {
        for term in terms {
            hidden.push((facet.key().to_owned(), code_of(term)));
        }
    }
    if sel.measured {
        hidden.push(("measured".into(), "1".into()));
    }
    if sel.transfer {
        hidden.push(("transfer".into(), "1".into()));
    }
    let mut selected_cities: BTreeSet<String> = BTreeSet::new();
    for p in &matching {
        if let Some(c) = p.values.get(&Facet::City) {
            selected_cities.extend(c.iter().cloned());
        }
    }
    let points = city_points(backend)?;
    let mut per_city: BTreeMap<&str, usize> = BTreeMap::new();
    for p in practices.iter() {
        for c in p.values.get(&Facet::City).into_iter().flatten() {
            *per_city.entry(c.as_str()).or_default() += 1;
        }
    }
    let places: Vec<Place> = per_city
        .iter()
        .filter_map(|(city, n)| {
            let (lon, lat) = *points.get(*city)?;
            Some(Place {
                label: linker.label(city),
                city_href: linker.href(city),
                finder_href: sel.toggled(Facet::City, city).href(),
                lon,
                lat,
                practices: *n,
                highlighted: !sel.is_empty() && selected_cities.contains(*city),
            })
        })
        .collect();
    let sparql = sel.sparql(hits.as_deref());
    let first = if total == 0 {
        0
    } else {
        (page - 1) * PAGE_SIZE + 1
    };
    Ok(FinderView {
        q: sel.q.clone(),
        total,
        all: practices.len(),
        page,
        pages,
        first,
        last: ((page - 1) * PAGE_SIZE + PAGE_SIZE).min(total),
        rows,
        facets,
        years,
        from: sel.from,
        to: sel.to,
        measured,
        transfer,
        nordic_href,
        ignored,
        approximate,
        permalink: current.href(),
        csv_href: sel.href_with(Some("csv")),
        json_href: sel.href_with(Some("json")),
        sparql_href: query_href(&sparql),
        sparql,
        prev: (page > 1).then(|| {
            Selection {
                page: page - 1,
                ..sel.clone()
            }
            .href()
        }),
        next: (page < pages).then(|| {
            Selection {
                page: page + 1,
                ..sel.clone()
            }
            .href()
        }),
        sorts,
        clear_href: (!sel.is_empty()).then(|| {
            Selection {
                sets: BTreeMap::new(),
                from: None,
                to: None,
                measured: false,
                transfer: false,
                q: String::new(),
                sort: Sort::Name,
                page: 1,
                lang,
            }
            .href()
        }),
        hidden,
        selected_cities: selected_cities.into_iter().collect(),
        map: map(places),
    })
}

/// A link into the finder with some facet values chosen (`[("theme", "open-data")]`): for the
/// "find similar practices" links of the theme, SDG, city and goal pages.
pub fn finder_href(chosen: &[(&str, String)], lang: Lang) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (key, code) in chosen {
        s.append_pair(key, code);
    }
    s.append_pair("lang", lang.code());
    format!("/practices?{}", s.finish())
}

/// The finder link for the SDG goals of some SDG goal or target IRIs.
pub fn finder_href_for_sdgs<'a>(sdgs: impl IntoIterator<Item = &'a String>, lang: Lang) -> String {
    let goals: BTreeSet<String> = sdgs
        .into_iter()
        .filter_map(|s| sdg_goal(s))
        .map(|g| code_of(&g))
        .collect();
    let chosen: Vec<(&str, String)> = goals.into_iter().map(|g| ("sdg", g)).collect();
    finder_href(&chosen, lang)
}

/// The order of the stages (idea … ended), from their IRIs.
fn stage_order(iri: &str) -> usize {
    ["idea", "pilot", "operational", "scaled", "ended"]
        .iter()
        .position(|s| iri.ends_with(&format!("/{s}")))
        .unwrap_or(9)
}

/// The verification value in the reader's language.
fn verification_text(v: &str, lang: Lang) -> String {
    let t = strings(lang);
    match v {
        "verified" => t["verified"].to_owned(),
        "partly verified" => t["partly_verified"].to_owned(),
        other => other.to_owned(),
    }
}

/// The answer format: `format=csv|json|html` wins, then Accept (CSV or JSON preferred to HTML).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Html,
    Csv,
    Json,
}

fn format_of(pairs: &QueryPairs, headers: &HeaderMap) -> Result<Format, WebError> {
    if let Some(f) = pairs.get("format") {
        return match f.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "html" | "" => Ok(Format::Html),
            _ => Err(WebError::bad_request(
                "format must be csv, json or html".to_owned(),
            )),
        };
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let items = crate::sparql::formats::parse_accept(accept);
    let q = |media: &str| {
        items
            .iter()
            .filter(|i| i.media_type == media)
            .map(|i| i.q)
            .fold(0.0f32, f32::max)
    };
    let html = q("text/html").max(q("application/xhtml+xml"));
    if q("text/csv") > html {
        Ok(Format::Csv)
    } else if q("application/json") > html {
        Ok(Format::Json)
    } else {
        Ok(Format::Html)
    }
}

/// The rows as CSV: one practice a line, lists joined with " | ".
fn csv_body(rows: &[Row]) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| crate::error::Error::Invalid(format!("CSV: {e}"));
    writer
        .write_record([
            "iri",
            "name",
            "cities",
            "countries",
            "start_year",
            "stage",
            "themes",
            "verification",
            "measured_outcome",
            "transfer",
        ])
        .map_err(failed)?;
    let join = |v: &[Named]| {
        v.iter()
            .map(|n| n.label.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    for r in rows {
        writer
            .write_record([
                r.iri.clone(),
                r.name.clone(),
                join(&r.cities),
                join(&r.countries),
                r.start_year.map(|y| y.to_string()).unwrap_or_default(),
                r.stage
                    .as_ref()
                    .map(|s| s.label.clone())
                    .unwrap_or_default(),
                join(&r.themes),
                r.verification.clone().unwrap_or_default(),
                r.measured_outcome.to_string(),
                r.transfer.to_string(),
            ])
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| crate::error::Error::Invalid(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| crate::error::Error::Invalid(format!("CSV: {e}")))
}

/// GET /practices?[q=…][&city=…][&country=…|nordic][&theme=…][&sdg=…][&stage=…]
/// [&verification=…][&from=YYYY][&to=YYYY][&measured=1][&transfer=1][&sort=relevance|name|year]
/// [&page=N][&format=csv|json][&lang=…]
pub async fn page(
    State(state): State<SharedState>,
    headers: HeaderMap,
    pairs: QueryPairs,
    page_ctx: PageCtx,
) -> Result<Response, WebError> {
    let format = format_of(&pairs, &headers)?;
    let lang = page_ctx.lang;
    let work_state = state.clone();
    let work_pairs = pairs.clone();
    let view = blocking::run(&state, move |_| {
        build(&work_state, &work_pairs, lang, format != Format::Html)
    })
    .await?;
    match format {
        Format::Csv => {
            let body = csv_body(&view.rows).map_err(WebError::from)?;
            Ok((
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (header::VARY, "Accept"),
                ],
                body,
            )
                .into_response())
        }
        Format::Json => {
            let body = serde_json::json!({
                "q": view.q,
                "total": view.total,
                "permalink": view.permalink,
                "sparql": view.sparql,
                "ignored": view.ignored,
                "facets": view.facets,
                "years": view.years,
                "measured": view.measured,
                "transfer": view.transfer,
                "rows": view.rows,
            });
            Ok((StatusCode::OK, [(header::VARY, "Accept")], axum::Json(body)).into_response())
        }
        Format::Html => Ok(html::page(
            &state,
            "practices.html",
            context! { f => value(&view) },
            &page_ctx,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::pages::practice_facets::codes;

    #[test]
    fn codes_and_sdg_goals() {
        assert_eq!(
            code_of("https://w3id.org/citykg/id/city/stockholm"),
            "stockholm"
        );
        assert_eq!(code_of("http://www.wikidata.org/entity/Q34"), "Q34");
        assert_eq!(code_of("verified"), "verified");
        assert_eq!(
            sdg_goal("http://metadata.un.org/sdg/11.2").as_deref(),
            Some("http://metadata.un.org/sdg/11")
        );
        assert_eq!(sdg_goal("https://example.org/x"), None);
        assert_eq!(parse_year("2016"), Some(2016));
        assert_eq!(parse_year("20x6"), None);
        assert_eq!(parse_year("99999"), None);
    }

    #[test]
    fn unknown_values_are_ignored_and_never_reach_sparql() {
        let mut p = Practice {
            iri: "https://w3id.org/citykg/id/practice/a".into(),
            ..Practice::default()
        };
        p.values
            .entry(Facet::Theme)
            .or_default()
            .insert("https://w3id.org/citykg/id/theme/open-data".into());
        let codes = codes(&[p]);
        let pairs = QueryPairs::parse(Some(
            "theme=open-data&theme=x%3E%20%7D%20%3B%20DROP%20ALL&from=2016",
        ));
        let (sel, ignored) = Selection::parse(&pairs, &codes, Lang::En);
        assert_eq!(ignored, ["theme=x> } ; DROP ALL"]);
        let query = sel.sparql(None);
        assert!(query.contains("<https://w3id.org/citykg/id/theme/open-data>"));
        assert!(!query.contains("DROP"));
        assert!(query.contains("?y >= 2016"));
        assert_eq!(sel.href(), "/practices?theme=open-data&from=2016&lang=en");
    }
}
