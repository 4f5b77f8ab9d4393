//! The strategy-goal page: its place in the city's goal tree, the SDGs it maps to, the city's own
//! practices for it and the ranked peer practices of other cities (from the derived graph), which
//! the reader can narrow by country, theme and stage (`peer_filters`).

use super::facts::Facts;
use super::format::sdg_sort_key;
use super::peer_filters::{Chosen, NarrowedPeers, narrow};
use super::peers::{Match, matches};
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{CKG, ns};
use crate::web::SharedState;
use crate::web::error::WebError;
use crate::web::i18n::Lang;
use crate::web::links::{Link, Linker, compact};
use crate::web::request::{PageCtx, QueryPairs};
use axum::response::Response;
use oxigraph::model::NamedNode;
use serde::Serialize;
use std::collections::BTreeSet;

const SKOS_IN_SCHEME: &str = "http://www.w3.org/2004/02/skos/core#inScheme";
const SKOS_BROADER: &str = "http://www.w3.org/2004/02/skos/core#broader";
const SKOS_RELATED_MATCH: &str = "http://www.w3.org/2004/02/skos/core#relatedMatch";
const SKOS_PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";

#[derive(Serialize, Debug)]
pub struct GoalView {
    pub name: String,
    pub name_lang: Option<String>,
    pub iri: String,
    pub labels: Vec<(String, String)>,
    pub notation: Option<String>,
    pub strategy: Option<Link>,
    pub city: Option<Link>,
    pub broader: Vec<Link>,
    pub narrower: Vec<Link>,
    pub sdgs: Vec<Link>,
    pub practices: Vec<Link>,
    pub peers: Vec<Match>,
    /// How the peers can be narrowed, and how many there are in all.
    pub narrowed: NarrowedPeers,
    /// The finder with this goal's SDG goals chosen.
    pub finder_href: String,
}

/// The goal page, or None when the resource is not a strategy goal.
pub async fn page(
    state: &SharedState,
    goal: &NamedNode,
    page: &PageCtx,
    pairs: &QueryPairs,
) -> Result<Option<Response>, WebError> {
    let chosen = Chosen::from_pairs(pairs);
    let path = page.path.clone();
    super::kind_page(
        state,
        goal,
        page,
        ("goal.html", "goal"),
        move |backend, base_iri, goal, lang| view(backend, base_iri, goal, lang, &chosen, &path),
    )
    .await
}

/// Everything the goal page shows, or None when `goal` is not a strategy goal.
pub fn view(
    backend: &Backend,
    base_iri: &str,
    goal: &NamedNode,
    lang: Lang,
    chosen: &Chosen,
    page_path: &str,
) -> Result<Option<GoalView>> {
    let facts = Facts::of(backend, goal)?;
    if !facts.has_type(&format!("{CKG}StrategyGoal")) {
        return Ok(None);
    }
    let prefixes = format!("PREFIX ckg: <{CKG}> PREFIX skos: <{}>\n", ns::SKOS);
    let column = |query: String| -> Result<Vec<String>> {
        Ok(backend
            .select(&format!("{prefixes}{query}"))?
            .iter()
            .filter_map(|r| text(&r[0]))
            .collect())
    };
    // The lists, the peers and the narrowed peers depend on the facts alone: read side by side
    // (over an engine); the labels need the lists.
    let (narrower, city, practices, peers_narrowed) = std::thread::scope(|scope| -> Result<_> {
        let narrower = backend.start(scope, || {
            column(format!("SELECT ?n WHERE {{ ?n skos:broader {goal} }}"))
        });
        let city = backend.start(scope, || {
            column(format!(
                "SELECT ?city WHERE {{ {goal} skos:inScheme ?s . ?s ckg:city ?city }}"
            ))
        });
        let practices = backend.start(scope, || {
            column(format!(
                "SELECT DISTINCT ?p WHERE {{ ?p ckg:servesGoal {goal} ; a ckg:Practice }}"
            ))
        });
        let peers = backend.start(scope, || {
            let mut peers = matches(backend, base_iri, goal, lang)?;
            let narrowed = narrow(backend, base_iri, &mut peers, chosen, page_path, lang)?;
            Ok((peers, narrowed))
        });
        Ok((
            narrower.wait()?,
            city.wait()?,
            practices.wait()?,
            peers.wait()?,
        ))
    })?;
    let mut iris: BTreeSet<String> = BTreeSet::new();
    for property in [SKOS_IN_SCHEME, SKOS_BROADER, SKOS_RELATED_MATCH] {
        iris.extend(facts.iris(property));
    }
    for list in [&narrower, &city, &practices] {
        iris.extend(list.iter().cloned());
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let mut sdgs = facts.iris(SKOS_RELATED_MATCH);
    sdgs.sort_by_key(|s| sdg_sort_key(s));
    let (peers, narrowed) = peers_narrowed;
    let (name, name_lang) = facts
        .text_with_lang(SKOS_PREF_LABEL, lang)
        .unwrap_or_else(|| (compact(goal.as_str()), None));
    Ok(Some(GoalView {
        name,
        name_lang,
        iri: goal.as_str().to_owned(),
        labels: facts.all_texts(SKOS_PREF_LABEL),
        notation: facts.text("http://www.w3.org/2004/02/skos/core#notation", lang),
        strategy: facts.iris(SKOS_IN_SCHEME).first().map(|s| linker.link(s)),
        city: city.first().map(|c| linker.link(c)),
        broader: linker.sorted_links(&facts.iris(SKOS_BROADER)),
        narrower: linker.sorted_links(&narrower),
        sdgs: sdgs.iter().map(|s| linker.link(s)).collect(),
        practices: linker.sorted_links(&practices),
        peers,
        narrowed,
        finder_href: super::practices::finder_href_for_sdgs(&sdgs, lang),
    }))
}
