//! `/sdg/{number}`: the page of a UN SDG goal or target (`http://metadata.un.org/sdg/{number}`):
//! the practices serving it (directly or through a target) grouped by city, a page of them at a
//! time (`?page=N`, ordered by city and practice, with the total), and the city goals mapped to it,
//! paged on their own (`?goals_page=N`, ordered by IRI, so by city, with the total).

use super::Group;
use super::facts::Facts;
use super::format::{sdg_number, sdg_sort_key};
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{CKG, SDG_NS, ns};
use crate::web::SharedState;
use crate::web::blocking;
use crate::web::error::WebError;
use crate::web::html::{self, value};
use crate::web::i18n::Lang;
use crate::web::links::{Link, Linker, query_href};
use crate::web::paging::{PAGE_SIZE, Paging};
use crate::web::request::{PageCtx, QueryPairs};
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use oxigraph::model::NamedNode;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const SKOS_BROADER: &str = "http://www.w3.org/2004/02/skos/core#broader";
/// The query parameter of the city-goal list's page.
pub const GOALS_PAGE: &str = "goals_page";

#[derive(Serialize, Debug)]
pub struct SdgView {
    pub name: String,
    pub name_lang: Option<String>,
    pub number: String,
    pub definition: Option<String>,
    pub definition_lang: Option<String>,
    pub iri: String,
    pub broader: Option<Link>,
    pub narrower: Vec<Link>,
    pub by_city: Vec<Group>,
    /// One page of the city goals mapped to the SDG (or to one of its targets), and their total.
    pub goals: Vec<Link>,
    pub goals_total: usize,
    /// The finder with this SDG goal chosen.
    pub finder_href: String,
    /// How many (practice, city) pairs serve the goal in all, and how many this page shows.
    pub total: usize,
    pub shown: usize,
}

/// The IRI of SDG goal or target `number` ("11", "11.2", "9.c"), if it is one in form.
fn sdg_iri(number: &str) -> Option<NamedNode> {
    let valid = !number.is_empty()
        && number.len() <= 6
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.');
    valid
        .then(|| NamedNode::new(format!("{SDG_NS}{number}")).ok())
        .flatten()
}

/// GET /sdg/{number}
pub async fn page(
    State(state): State<SharedState>,
    Path(number): Path<String>,
    page: PageCtx,
    pairs: QueryPairs,
) -> Result<Response, WebError> {
    let missing = || WebError::not_found(format!("There is no SDG goal or target {number:?}."));
    let iri = sdg_iri(&number).ok_or_else(missing)?;
    let paging = Paging::from_pairs(&pairs, state.page_size);
    let goals_paging = Paging::from_param(&pairs, GOALS_PAGE, state.page_size);
    let (work_state, subject, lang) = (state.clone(), iri.clone(), page.lang);
    let view = blocking::run(&state, move |_| {
        paged_view(
            &work_state.backend,
            &work_state.base_iri,
            &subject,
            lang,
            (paging, goals_paging),
        )
    })
    .await?
    .ok_or_else(missing)?;
    let noun = crate::web::i18n::strings(page.lang)
        .get("city_practices")
        .copied()
        .unwrap_or("practices");
    let pager = paging.pager(view.total, view.shown, &page.path, &pairs, page.lang, noun);
    let goals_noun = crate::web::i18n::strings(page.lang)
        .get("goals")
        .map_or_else(|| "goals".to_owned(), |s| s.to_lowercase());
    let goals_pager = (view.goals_total > 0).then(|| {
        goals_paging.pager_for(
            GOALS_PAGE,
            view.goals_total,
            view.goals.len(),
            &page.path,
            &pairs,
            page.lang,
            &goals_noun,
        )
    });
    Ok(html::page(
        &state,
        "sdg.html",
        context! {
            pager => value(pager),
            goals_pager => value(goals_pager),
            sdg => value(view),
            query_href => query_href(&format!("DESCRIBE {iri}")),
        },
        &page,
    ))
}

/// Everything the first page of the SDG page shows, or None when the store says nothing of `sdg`.
pub fn view(
    backend: &Backend,
    base_iri: &str,
    sdg: &NamedNode,
    lang: Lang,
) -> Result<Option<SdgView>> {
    let first = Paging {
        page: 1,
        size: PAGE_SIZE,
    };
    paged_view(backend, base_iri, sdg, lang, (first, first))
}

/// The practices serving `sdg` directly or through one of its targets, as (?p, ?city) pairs: what
/// the SDG page pages through and counts, said plainly (the page asks it as [`practices_lookup`];
/// the tests check the page against this form).
pub fn practices_selection(sdg: &NamedNode) -> String {
    format!(
        "SELECT DISTINCT ?p ?city WHERE {{ {{ ?p ckg:servesGoal {sdg} }} UNION {{ ?t skos:broader {sdg} . ?p ckg:servesGoal ?t }} ?p a ckg:Practice ; ckg:city ?city }}"
    )
}

/// The city goals mapped to `sdg` or to one of its targets, as ?g: what the goal list pages through
/// and counts, said plainly (the page asks it as [`goals_lookup`]).
pub fn goals_selection(sdg: &NamedNode) -> String {
    format!(
        "SELECT DISTINCT ?g WHERE {{ {{ ?g skos:relatedMatch {sdg} }} UNION {{ ?t skos:broader {sdg} . ?g skos:relatedMatch ?t }} ?g a ckg:StrategyGoal }}"
    )
}

/// `sdg` and its targets (`narrower`) as the terms of a `VALUES` block; a target that is not an
/// IRI is left out.
fn concepts(sdg: &NamedNode, narrower: &[String]) -> String {
    std::iter::once(sdg.to_string())
        .chain(
            narrower
                .iter()
                .filter_map(|n| NamedNode::new(n.as_str()).ok())
                .map(|n| n.to_string()),
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`practices_selection`] as the page asks it: with the SDG and its targets given as constants,
/// the practices are looked up by the concept they serve. (Asked as the union, Oxigraph's planner
/// started from every practice of the network: 620 ms a page at 300 thousand quads.)
fn practices_lookup(sdg: &NamedNode, narrower: &[String]) -> String {
    format!(
        "SELECT DISTINCT ?p ?city WHERE {{ VALUES ?s {{ {} }} ?p ckg:servesGoal ?s . ?p a ckg:Practice ; ckg:city ?city }}",
        concepts(sdg, narrower)
    )
}

/// [`goals_selection`] as the page asks it (see [`practices_lookup`]).
fn goals_lookup(sdg: &NamedNode, narrower: &[String]) -> String {
    format!(
        "SELECT DISTINCT ?g WHERE {{ VALUES ?s {{ {} }} ?g skos:relatedMatch ?s . ?g a ckg:StrategyGoal }}",
        concepts(sdg, narrower)
    )
}

fn count(backend: &Backend, prefixes: &str, selection: &str) -> Result<usize> {
    Ok(backend
        .select_strings(&format!(
            "{prefixes}SELECT (COUNT(*) AS ?n) WHERE {{ {selection} }}"
        ))?
        .first()
        .and_then(|row| row.first())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0))
}

/// One page of the SDG page (a page of practices, a page of city goals), or None when the store
/// says nothing of `sdg`.
pub fn paged_view(
    backend: &Backend,
    base_iri: &str,
    sdg: &NamedNode,
    lang: Lang,
    (paging, goals_paging): (Paging, Paging),
) -> Result<Option<SdgView>> {
    let facts = Facts::of(backend, sdg)?;
    if facts.is_empty() {
        return Ok(None);
    }
    let prefixes = format!("PREFIX ckg: <{CKG}> PREFIX skos: <{}>\n", ns::SKOS);
    let narrower = backend.select(&format!(
        "{prefixes}SELECT DISTINCT ?n WHERE {{ ?n skos:broader {sdg} }}"
    ))?;
    let mut narrower: Vec<String> = narrower.iter().filter_map(|r| text(&r[0])).collect();
    narrower.sort_by_key(|s| sdg_sort_key(s));
    let selection = practices_lookup(sdg, &narrower);
    let practices = backend.select_strings(&format!(
        "{prefixes}{selection} ORDER BY ?city ?p {}",
        paging.limit_offset()
    ))?;
    let total = count(backend, &prefixes, &selection)?;
    let goals_selection = goals_lookup(sdg, &narrower);
    let goals = backend.select_strings(&format!(
        "{prefixes}{goals_selection} ORDER BY ?g {}",
        goals_paging.limit_offset()
    ))?;
    let goals_total = count(backend, &prefixes, &goals_selection)?;
    let goals: Vec<String> = goals.into_iter().flatten().collect();
    let broader = facts.iris(SKOS_BROADER);
    let mut iris: BTreeSet<String> = practices.iter().flatten().cloned().collect();
    iris.extend(goals.iter().cloned());
    iris.extend(narrower.iter().cloned());
    iris.extend(broader.iter().cloned());
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let mut per_city: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &practices {
        if let [p, c] = &row[..] {
            per_city.entry(c.clone()).or_default().insert(p.clone());
        }
    }
    let mut by_city: Vec<Group> = per_city
        .iter()
        .map(|(c, ps)| Group {
            heading: linker.link(c),
            practices: linker.sorted_links(ps),
        })
        .collect();
    by_city.sort_by(|a, b| a.heading.text.cmp(&b.heading.text));
    let (name, name_lang) = facts
        .text_with_lang("http://www.w3.org/2004/02/skos/core#prefLabel", lang)
        .unwrap_or_default();
    let (definition, definition_lang) =
        match facts.text_with_lang("http://www.w3.org/2004/02/skos/core#definition", lang) {
            Some((d, l)) => (Some(d), l),
            None => (None, None),
        };
    Ok(Some(SdgView {
        name,
        name_lang,
        number: sdg_number(sdg.as_str()).to_owned(),
        definition,
        definition_lang,
        iri: sdg.as_str().to_owned(),
        broader: broader.first().map(|b| linker.link(b)),
        narrower: narrower.iter().map(|n| linker.link(n)).collect(),
        by_city,
        goals: linker.sorted_links(&goals),
        goals_total,
        finder_href: super::practices::finder_href_for_sdgs([&sdg.as_str().to_owned()], lang),
        total,
        shown: practices.len(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_goal_and_target_numbers_make_an_iri() {
        assert!(sdg_iri("11").is_some());
        assert!(sdg_iri("9.c").is_some());
        for bad in ["", "11/x", "\"><", "1234567"] {
            assert!(sdg_iri(bad).is_none(), "{bad:?}");
        }
    }
}
