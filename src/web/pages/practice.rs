//! The practice page: what it is, its city, goals, SDGs, themes and partners, its outcomes with
//! their sources, every source cited, and similar practices of other cities (derived graph);
//! where it came from and where it went (transfers), its stage, cost and funding, lessons and
//! contact point.

use super::exchange::{self, ContactRow, LessonGroup, MoneyRow, TransferRow};
use super::facts::Facts;
use super::format::sdg_sort_key;
use super::peers::{Match, matches};
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{CKG, SDG_NS, ns};
use crate::web::SharedState;
use crate::web::error::WebError;
use crate::web::figures::{format_number, unit_label};
use crate::web::i18n::{Lang, foreign, strings};
use crate::web::links::{Link, Linker, compact, local_href};
use crate::web::request::PageCtx;
use axum::response::Response;
use oxigraph::model::{NamedNode, Term};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const DCTERMS_SUBJECT: &str = "http://purl.org/dc/terms/subject";
const DCTERMS_TITLE: &str = "http://purl.org/dc/terms/title";
const SCHEMA_URL: &str = "https://schema.org/url";
const PROV_DERIVED: &str = "http://www.w3.org/ns/prov#wasDerivedFrom";

#[derive(Serialize, Debug)]
pub struct OutcomeRow {
    pub indicator: String,
    pub indicator_lang: Option<String>,
    pub value: String,
    pub unit: String,
    pub year: Option<String>,
    pub is_target: Option<bool>,
    pub sources: Vec<Link>,
}

#[derive(Serialize, Debug)]
pub struct SourceRow {
    pub title: String,
    pub title_lang: Option<String>,
    pub publisher_lang: Option<String>,
    pub url: Option<String>,
    pub page: String,
    pub publisher: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct PracticeView {
    pub name: String,
    pub name_lang: Option<String>,
    pub description_lang: Option<String>,
    pub iri: String,
    pub description: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub cities: Vec<Link>,
    pub themes: Vec<Link>,
    pub city_goals: Vec<Link>,
    pub sdgs: Vec<Link>,
    pub partners: Vec<Link>,
    pub outcomes: Vec<OutcomeRow>,
    pub sources: Vec<SourceRow>,
    pub verification: Option<String>,
    pub similar: Vec<Match>,
    /// Transfers into this practice: where it came from.
    pub came_from: Vec<TransferRow>,
    /// Transfers from this practice into other cities or practices: where it went.
    pub went_to: Vec<TransferRow>,
    /// The stage reached (its label in the reader's language) and the year.
    pub stage: Option<Link>,
    pub stage_year: Option<String>,
    pub money: Vec<MoneyRow>,
    pub lessons: Vec<LessonGroup>,
    pub contacts: Vec<ContactRow>,
}

/// The practice page, or None when the resource is not a practice.
pub async fn page(
    state: &SharedState,
    practice: &NamedNode,
    page: &PageCtx,
) -> Result<Option<Response>, WebError> {
    super::kind_page(state, practice, page, ("practice.html", "p"), view).await
}

/// The facts of each source the practice or its outcomes cite: source → property → first value
/// (and, under `property#lang`, that value's language tag).
type SourceFacts = BTreeMap<String, BTreeMap<String, String>>;

/// Everything the practice page shows, or None when `practice` is not a practice.
pub fn view(
    backend: &Backend,
    base_iri: &str,
    practice: &NamedNode,
    lang: Lang,
) -> Result<Option<PracticeView>> {
    let facts = Facts::of(backend, practice)?;
    if !facts.has_type(&format!("{CKG}Practice")) {
        return Ok(None);
    }
    let prefixes = format!("PREFIX ckg: <{CKG}> PREFIX prov: <{}>\n", ns::PROV);
    let mut iris: BTreeSet<String> = BTreeSet::new();
    for property in [
        format!("{CKG}city"),
        format!("{CKG}servesGoal"),
        format!("{CKG}partner"),
        DCTERMS_SUBJECT.to_owned(),
        crate::vocab::exchange::STAGE.to_owned(),
    ] {
        iris.extend(facts.iris(&property));
    }
    // Everything below depends on the facts alone: read side by side (over an engine).
    let (outcomes, sources, linker, transfers, similar, money, lessons, contacts) =
        std::thread::scope(|scope| -> Result<_> {
            let outcomes = backend.start(scope, || {
                backend.select(&format!(
                    "{prefixes}SELECT ?o ?k ?v WHERE {{ {practice} ckg:outcome ?o . ?o ?k ?v }}"
                ))
            });
            let sources = backend.start(scope, || {
                backend.select(&format!(
                    "{prefixes}SELECT DISTINCT ?s ?k ?v WHERE {{ {{ {practice} prov:wasDerivedFrom ?s }} UNION {{ {practice} ckg:outcome/prov:wasDerivedFrom ?s }} ?s ?k ?v }}"
                ))
            });
            let linker = backend.start(scope, || Linker::new(backend, base_iri, &iris, lang));
            let transfers =
                backend.start(scope, || transfers_of(backend, base_iri, practice, lang));
            let similar = backend.start(scope, || matches(backend, base_iri, practice, lang));
            let money = backend.start(scope, || exchange::money(backend, base_iri, practice, lang));
            let lessons = backend.start(scope, || {
                exchange::lessons(backend, base_iri, practice, lang)
            });
            let contacts = backend.start(scope, || {
                exchange::contacts(backend, base_iri, practice, lang)
            });
            Ok((
                outcomes.wait()?,
                sources.wait()?,
                linker.wait()?,
                transfers.wait()?,
                similar.wait()?,
                money.wait()?,
                lessons.wait()?,
                contacts.wait()?,
            ))
        })?;
    let links = |property: &str| -> Vec<Link> {
        let mut l: Vec<Link> = facts
            .iris(property)
            .iter()
            .map(|i| linker.link(i))
            .collect();
        l.sort();
        l
    };
    let mut source_facts: SourceFacts = BTreeMap::new();
    for row in &sources {
        if let (Some(s), Some(k), Some(v)) = (text(&row[0]), text(&row[1]), text(&row[2])) {
            let facts = source_facts.entry(s).or_default();
            if !facts.contains_key(&k) {
                if let Some(Term::Literal(l)) = &row[2]
                    && let Some(tag) = l.language()
                {
                    facts.insert(format!("{k}#lang"), tag.to_owned());
                }
                facts.insert(k, v);
            }
        }
    }
    let served = facts.iris(&format!("{CKG}servesGoal"));
    let mut sdgs: Vec<&String> = served.iter().filter(|g| g.starts_with(SDG_NS)).collect();
    sdgs.sort_by_key(|s| sdg_sort_key(s));
    let mut city_goals: Vec<Link> = served
        .iter()
        .filter(|g| !g.starts_with(SDG_NS))
        .map(|g| linker.link(g))
        .collect();
    city_goals.sort();
    let (came_from, went_to) = transfers;
    let (name, name_lang) = facts
        .text_with_lang("https://schema.org/name", lang)
        .unwrap_or_else(|| (compact(practice.as_str()), None));
    let (description, description_lang) =
        match facts.text_with_lang("http://purl.org/dc/terms/description", lang) {
            Some((d, l)) => (Some(d), l),
            None => (None, None),
        };
    Ok(Some(PracticeView {
        name,
        name_lang,
        description_lang,
        iri: practice.as_str().to_owned(),
        description,
        start: facts.text("https://schema.org/startDate", lang),
        end: facts.text("https://schema.org/endDate", lang),
        cities: links(&format!("{CKG}city")),
        themes: links(DCTERMS_SUBJECT),
        city_goals,
        sdgs: sdgs.iter().map(|s| linker.link(s)).collect(),
        partners: links(&format!("{CKG}partner")),
        outcomes: outcome_rows(outcomes, &source_facts, base_iri, lang),
        sources: source_rows(&facts.iris(PROV_DERIVED), &source_facts, base_iri, lang),
        verification: facts.text(&format!("{CKG}verification"), lang),
        similar,
        came_from,
        went_to,
        stage: facts
            .iris(crate::vocab::exchange::STAGE)
            .first()
            .map(|s| linker.link(s)),
        stage_year: facts.text(crate::vocab::exchange::STAGE_YEAR, lang),
        money,
        lessons,
        contacts,
    }))
}

/// A link to a cited source: its title, its page here, its URL as the title.
fn source_link(s: &str, sources: &SourceFacts, base_iri: &str, lang: Lang) -> Link {
    let f = sources.get(s);
    Link {
        text: f
            .and_then(|f| f.get(DCTERMS_TITLE))
            .cloned()
            .unwrap_or_else(|| compact(s)),
        href: local_href(s, base_iri, lang),
        title: f.and_then(|f| f.get(SCHEMA_URL)).cloned(),
        lang: source_lang(f, DCTERMS_TITLE, lang),
    }
}

/// The language of a source's `property` value when it is not the reader's.
fn source_lang(f: Option<&BTreeMap<String, String>>, property: &str, lang: Lang) -> Option<String> {
    f.and_then(|f| f.get(&format!("{property}#lang")))
        .and_then(|tag| foreign(tag, lang))
}

/// The outcome table: one row per outcome (rows of outcome, property, value), by indicator and year.
fn outcome_rows(
    rows: Vec<Vec<Option<Term>>>,
    sources: &SourceFacts,
    base_iri: &str,
    lang: Lang,
) -> Vec<OutcomeRow> {
    let mut by_outcome: BTreeMap<String, Vec<(String, Option<Term>)>> = BTreeMap::new();
    for row in rows {
        if let (Some(o), Some(k)) = (text(&row[0]), text(&row[1])) {
            by_outcome.entry(o).or_default().push((k, row[2].clone()));
        }
    }
    let t = strings(lang);
    let mut out: Vec<OutcomeRow> = by_outcome
        .values()
        .map(|f| {
            let get = |p: &str| f.iter().find(|(k, _)| k == p).and_then(|(_, v)| text(v));
            let qualifier = get(&format!("{CKG}valueQualifier"));
            let value = get("http://qudt.org/schema/qudt/numericValue").unwrap_or_default();
            let unit = get("http://qudt.org/schema/qudt/unit").unwrap_or_default();
            let mut cited: Vec<Link> = f
                .iter()
                .filter(|(k, _)| k == PROV_DERIVED)
                .filter_map(|(_, v)| text(v))
                .map(|s| source_link(&s, sources, base_iri, lang))
                .collect();
            cited.sort();
            let indicator_lang = f
                .iter()
                .find(|(k, _)| *k == format!("{CKG}indicator"))
                .and_then(|(_, v)| match v {
                    Some(Term::Literal(l)) => l.language().and_then(|tag| foreign(tag, lang)),
                    _ => None,
                });
            OutcomeRow {
                indicator: get(&format!("{CKG}indicator")).unwrap_or_default(),
                indicator_lang,
                value: match qualifier {
                    Some(q) => format!("{q} {}", format_number(&value, lang)),
                    None => format_number(&value, lang),
                },
                unit: unit_label(&unit, lang),
                year: get("http://purl.org/dc/terms/temporal")
                    .or_else(|| Some(t["not_stated"].to_owned())),
                is_target: get(&format!("{CKG}isTarget")).map(|v| v == "true"),
                sources: cited,
            }
        })
        .collect();
    out.sort_by(|a, b| a.indicator.cmp(&b.indicator).then(a.year.cmp(&b.year)));
    out
}

/// The sources the practice itself cites, by title.
fn source_rows(
    cited: &[String],
    sources: &SourceFacts,
    base_iri: &str,
    lang: Lang,
) -> Vec<SourceRow> {
    let mut rows: Vec<SourceRow> = cited
        .iter()
        .map(|s| {
            let f = sources.get(s);
            SourceRow {
                title: f
                    .and_then(|f| f.get(DCTERMS_TITLE))
                    .cloned()
                    .unwrap_or_else(|| s.clone()),
                title_lang: source_lang(f, DCTERMS_TITLE, lang),
                publisher_lang: source_lang(f, "http://purl.org/dc/terms/publisher", lang),
                url: f.and_then(|f| f.get(SCHEMA_URL)).cloned(),
                page: local_href(s, base_iri, lang),
                publisher: f
                    .and_then(|f| f.get("http://purl.org/dc/terms/publisher"))
                    .cloned(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.title.cmp(&b.title));
    rows
}

/// The transfers into `practice` and those out of it (two lookups in one query).
fn transfers_of(
    backend: &Backend,
    base_iri: &str,
    practice: &NamedNode,
    lang: Lang,
) -> Result<(Vec<TransferRow>, Vec<TransferRow>)> {
    let rows = exchange::transfers(
        backend,
        base_iri,
        &format!("{{ ?t ckg:toPractice {practice} }} UNION {{ ?t ckg:fromPractice {practice} }}"),
        lang,
    )?;
    let (came_from, went_to) = rows
        .into_iter()
        .partition(|r| r.to_practice_iri.as_deref() == Some(practice.as_str()));
    Ok((came_from, went_to))
}
