//! The city page: its strategies with their goal trees, its practices by goal and by theme (a
//! page of practices at a time, `?page=N`), its partners and a timeline of start years; what it
//! learned from other cities and what they took from it (transfers), its population and location.
//! Every query starts from the city.

use super::Group;
use super::exchange::{self, CityTransfers};
use super::facts::Facts;
use super::format::year_of;
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{CKG, ns};
use crate::web::SharedState;
use crate::web::error::WebError;
use crate::web::i18n::{Lang, foreign};
use crate::web::labels::best_label_with_lang;
use crate::web::links::{Link, Linker, compact, iris_in};
use crate::web::paging::{PAGE_SIZE, Pager, Paging};
use crate::web::request::{PageCtx, QueryPairs};
use axum::response::Response;
use oxigraph::model::{NamedNode, Term};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A goal in the tree, with its depth for indentation.
#[derive(Serialize, Debug)]
pub struct TreeGoal {
    pub link: Link,
    pub notation: Option<String>,
    pub depth: usize,
    pub practices: usize,
}

#[derive(Serialize, Debug)]
pub struct StrategyView {
    pub link: Link,
    pub issued: Option<String>,
    pub goals: Vec<TreeGoal>,
}

#[derive(Serialize, Debug)]
pub struct CityView {
    pub name: String,
    pub name_lang: Option<String>,
    pub iri: String,
    pub slug: String,
    pub wikidata: Option<String>,
    pub strategies: Vec<StrategyView>,
    pub by_goal: Vec<Group>,
    pub unlinked: Vec<Link>,
    pub by_theme: Vec<Group>,
    pub partners: Vec<Link>,
    pub timeline: super::charts::Timeline,
    pub practice_count: usize,
    /// Incoming transfers, grouped by the giving city.
    pub learned_from: Vec<CityTransfers>,
    /// Outgoing transfers into other cities, grouped by the receiving city.
    pub others_took: Vec<CityTransfers>,
    pub profile: Profile,
    /// Shown when the practices take more than one page.
    pub pager: Option<Pager>,
}

/// The city's profile: population with its year and source, country and location.
#[derive(Serialize, Debug, Default)]
pub struct Profile {
    pub population: Option<String>,
    pub population_year: Option<String>,
    pub population_source: Option<Link>,
    pub country: Option<Link>,
    /// "59.35° N, 18.07° E"
    pub location: Option<String>,
    /// The point on OpenStreetMap.
    pub map: Option<String>,
    /// The geometry's own page.
    pub geometry: Option<Link>,
}

/// The city page, or None when the resource is not a city.
pub async fn page(
    state: &SharedState,
    city: &NamedNode,
    page: &PageCtx,
) -> Result<Option<Response>, WebError> {
    super::kind_page(state, city, page, ("city.html", "city"), view).await
}

/// The city page at the page of practices `pairs` ask for (`?page=N`, `page_size` a page).
pub async fn paged(
    state: &SharedState,
    city: &NamedNode,
    page: &PageCtx,
    pairs: &QueryPairs,
    page_size: usize,
) -> Result<Option<Response>, WebError> {
    let paging = Paging::from_pairs(pairs, page_size);
    let (path, pairs, lang) = (page.path.clone(), pairs.clone(), page.lang);
    let view = move |backend: &Backend, base: &str, city: &NamedNode, lang_of: Lang| {
        let Some(mut view) = paged_view(backend, base, city, lang_of, paging)? else {
            return Ok(None);
        };
        if view.practice_count > paging.size {
            let noun = crate::web::i18n::strings(lang)
                .get("city_practices")
                .copied()
                .unwrap_or("practices");
            let shown = view
                .practice_count
                .saturating_sub(paging.offset())
                .min(paging.size);
            view.pager = Some(paging.pager(view.practice_count, shown, &path, &pairs, lang, noun));
        }
        Ok(Some(view))
    };
    super::kind_page(state, city, page, ("city.html", "city"), view).await
}

/// The rows the city page is built from, each query starting from the city.
struct Rows {
    strategies: Vec<Vec<Option<Term>>>,
    goals: Vec<Vec<Option<Term>>>,
    practices: Vec<Vec<Option<Term>>>,
    served: Vec<Vec<Option<Term>>>,
    themes: Vec<Vec<Option<Term>>>,
    partners: Vec<Vec<Option<Term>>>,
}

impl Rows {
    fn read(backend: &Backend, city: &NamedNode) -> Result<Self> {
        let q = |body: String| {
            format!(
                "PREFIX ckg: <{CKG}> PREFIX skos: <{}> PREFIX dcterms: <{}> PREFIX schema: <{}>\n{body}",
                ns::SKOS,
                ns::DCTERMS,
                ns::SCHEMA
            )
        };
        let queries = [
            q(format!(
                "SELECT ?s ?issued WHERE {{ ?s ckg:city {city} ; a ckg:Strategy . OPTIONAL {{ ?s dcterms:issued ?issued }} }} ORDER BY ?s"
            )),
            q(format!(
                "SELECT ?g ?s ?broader ?notation WHERE {{ ?s ckg:city {city} ; a ckg:Strategy . ?g skos:inScheme ?s . OPTIONAL {{ ?g skos:broader ?broader }} OPTIONAL {{ ?g skos:notation ?notation }} }}"
            )),
            q(format!(
                "SELECT ?p ?start WHERE {{ ?p ckg:city {city} ; a ckg:Practice . OPTIONAL {{ ?p schema:startDate ?start }} }}"
            )),
            q(format!(
                "SELECT DISTINCT ?p ?g WHERE {{ ?p ckg:city {city} ; a ckg:Practice ; ckg:servesGoal ?g }}"
            )),
            q(format!(
                "SELECT DISTINCT ?p ?t WHERE {{ ?p ckg:city {city} ; a ckg:Practice ; dcterms:subject ?t }}"
            )),
            q(format!(
                "SELECT DISTINCT ?o WHERE {{ ?p ckg:city {city} ; a ckg:Practice ; ckg:partner ?o }}"
            )),
        ];
        let [strategies, goals, practices, served, themes, partners] =
            backend.select_all(queries)?;
        Ok(Self {
            strategies,
            goals,
            practices,
            served,
            themes,
            partners,
        })
    }
}

/// Pairs (a, b) of two-column rows.
fn pairs(rows: &[Vec<Option<Term>>]) -> impl Iterator<Item = (String, String)> + '_ {
    rows.iter()
        .filter_map(|row| Some((text(row.first()?)?, text(row.get(1)?)?)))
}

/// Everything the city page shows, or None when `city` is not a city.
pub fn view(
    backend: &Backend,
    base_iri: &str,
    city: &NamedNode,
    lang: Lang,
) -> Result<Option<CityView>> {
    let paging = Paging {
        page: 1,
        size: PAGE_SIZE,
    };
    paged_view(backend, base_iri, city, lang, paging)
}

/// The city page with one page of its practices (by IRI) under its goals and themes; the goal
/// tree's counts, the timeline and the practice count stay the whole city's. The city's rows are
/// read whole (they start from the city); paging bounds the labels looked up and the page.
pub fn paged_view(
    backend: &Backend,
    base_iri: &str,
    city: &NamedNode,
    lang: Lang,
    paging: Paging,
) -> Result<Option<CityView>> {
    let facts = Facts::of(backend, city)?;
    if !facts.has_type(&format!("{CKG}City")) {
        return Ok(None);
    }
    let rows = Rows::read(backend, city)?;
    let all_practices: BTreeSet<String> =
        rows.practices.iter().filter_map(|r| text(&r[0])).collect();
    let on_page: BTreeSet<String> = all_practices
        .iter()
        .skip(paging.offset())
        .take(paging.size)
        .cloned()
        .collect();
    let of_page = |rows: &[Vec<Option<Term>>]| -> Vec<Vec<Option<Term>>> {
        rows.iter()
            .filter(|r| text(&r[0]).is_some_and(|p| on_page.contains(&p)))
            .cloned()
            .collect()
    };
    let (served_here, themes_here) = (of_page(&rows.served), of_page(&rows.themes));
    let linker = Linker::new(
        backend,
        base_iri,
        &iris_in([
            &rows.strategies,
            &rows.goals,
            &of_page(&rows.practices),
            &served_here,
            &themes_here,
            &rows.partners,
        ]),
        lang,
    )?;
    // The tree counts every practice of the city; the groups show this page's.
    let mut per_goal: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (p, g) in pairs(&rows.served) {
        per_goal.entry(g).or_default().insert(p);
    }
    let mut page_per_goal: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (p, g) in pairs(&served_here) {
        page_per_goal.entry(g).or_default().insert(p);
    }
    let tree = GoalTree::from_rows(&rows.goals);
    let strategies = rows
        .strategies
        .iter()
        .filter_map(|row| {
            let s = text(&row[0])?;
            Some(StrategyView {
                link: linker.link(&s),
                issued: text(&row[1]),
                goals: tree
                    .walk(&s, |g| linker.label(g))
                    .into_iter()
                    .map(|(g, depth)| TreeGoal {
                        link: linker.link(&g),
                        notation: tree.notation.get(&g).cloned(),
                        depth,
                        practices: per_goal.get(&g).map_or(0, BTreeSet::len),
                    })
                    .collect(),
            })
        })
        .collect();
    let all = all_practices;
    let mut by_goal = Vec::new();
    let mut linked = BTreeSet::new();
    for (goal, set) in &page_per_goal {
        if tree.scheme.contains_key(goal) {
            linked.extend(set.iter().cloned());
            by_goal.push(Group {
                heading: linker.link(goal),
                practices: linker.sorted_links(set),
            });
        }
    }
    by_goal.sort_by(|a, b| a.heading.text.cmp(&b.heading.text));
    let mut per_theme: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (p, t) in pairs(&themes_here) {
        per_theme.entry(t).or_default().insert(p);
    }
    let mut by_theme: Vec<Group> = per_theme
        .iter()
        .map(|(t, set)| Group {
            heading: linker.link(t),
            practices: linker.sorted_links(set),
        })
        .collect();
    by_theme.sort_by(|a, b| a.heading.text.cmp(&b.heading.text));
    let partners: Vec<String> = rows.partners.iter().filter_map(|r| text(&r[0])).collect();
    let names: Vec<(String, String, String)> = facts
        .all_texts("https://schema.org/name")
        .into_iter()
        .map(|(v, l)| ("https://schema.org/name".to_owned(), l, v))
        .collect();
    let (learned_from, others_took) = transfers_of(backend, base_iri, city, lang)?;
    let slug = city.as_str().rsplit('/').next().unwrap_or("").to_owned();
    let (name, name_lang) = match best_label_with_lang(&names, lang) {
        Some(l) => (l.text, foreign(&l.lang, lang)),
        None => (compact(city.as_str()), None),
    };
    Ok(Some(CityView {
        name,
        name_lang,
        iri: city.as_str().to_owned(),
        timeline: super::charts::timeline(&start_years(&rows.practices), &slug, lang),
        slug,
        wikidata: facts
            .iris("http://www.w3.org/2002/07/owl#sameAs")
            .into_iter()
            .find(|i| i.contains("wikidata.org")),
        strategies,
        by_goal,
        unlinked: linker.sorted_links(on_page.difference(&linked)),
        by_theme,
        partners: linker.sorted_links(&partners),
        practice_count: all.len(),
        learned_from,
        others_took,
        profile: profile(backend, base_iri, city, &facts, lang)?,
        pager: None,
    }))
}

/// Transfers into `city`, by giving city, and out of it into other cities, by receiving city.
fn transfers_of(
    backend: &Backend,
    base_iri: &str,
    city: &NamedNode,
    lang: Lang,
) -> Result<(Vec<CityTransfers>, Vec<CityTransfers>)> {
    let rows = exchange::transfers(
        backend,
        base_iri,
        &format!("{{ ?t ckg:toCity {city} }} UNION {{ ?t ckg:fromCity {city} }}"),
        lang,
    )?;
    let (incoming, outgoing): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| r.to_city_iri.as_deref() == Some(city.as_str()));
    Ok((
        exchange::by_city(incoming, |r| r.from_city.clone()),
        exchange::by_city(outgoing, |r| r.to_city.clone()),
    ))
}

/// Population (with its year and source), country and location of `city`: its facts and one
/// lookup of its geometry.
fn profile(
    backend: &Backend,
    base_iri: &str,
    city: &NamedNode,
    facts: &Facts,
    lang: Lang,
) -> Result<Profile> {
    use crate::vocab::exchange as x;
    let geometry = backend.select(&format!(
        "SELECT ?g ?wkt WHERE {{ {city} <{}> ?g . OPTIONAL {{ ?g <{}> ?wkt }} }}",
        x::GEO_HAS_GEOMETRY,
        x::GEO_AS_WKT
    ))?;
    let geometry_iri = geometry.first().and_then(|r| text(&r[0]));
    let point = geometry
        .iter()
        .find_map(|r| text(&r[1]).and_then(|w| exchange::wkt_point(&w)));
    let source = facts.iris(x::POPULATION_SOURCE).into_iter().next();
    let country = facts
        .iris("https://schema.org/containedInPlace")
        .into_iter()
        .next();
    let iris: BTreeSet<String> = [&source, &country, &geometry_iri]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    Ok(Profile {
        population: facts
            .text(x::POPULATION, lang)
            .map(|p| super::format::local_number(&p, lang)),
        population_year: facts.text(x::POPULATION_YEAR, lang),
        population_source: source.map(|s| linker.link(&s)),
        country: country.map(|c| linker.link(&c)),
        location: point.map(|(lon, lat)| exchange::lat_lon_text(lon, lat, lang)),
        map: point.map(|(lon, lat)| {
            format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=11/{lat}/{lon}")
        }),
        geometry: geometry_iri.map(|g| linker.link(&g)),
    })
}

/// The goals of a city's strategies: which scheme each is in, its notation and its narrower goals.
#[derive(Default)]
struct GoalTree {
    scheme: BTreeMap<String, String>,
    children: BTreeMap<String, Vec<String>>,
    notation: BTreeMap<String, String>,
    has_parent: BTreeSet<String>,
}

impl GoalTree {
    /// From rows of (goal, scheme, broader goal?, notation?).
    fn from_rows(rows: &[Vec<Option<Term>>]) -> Self {
        let mut tree = Self::default();
        for row in rows {
            let (Some(g), Some(s)) = (text(&row[0]), text(&row[1])) else {
                continue;
            };
            tree.scheme.insert(g.clone(), s);
            if let Some(b) = text(&row[2]) {
                tree.children.entry(b).or_default().push(g.clone());
                tree.has_parent.insert(g.clone());
            }
            if let Some(n) = text(&row[3]) {
                tree.notation.insert(g, n);
            }
        }
        tree
    }

    /// The goals of `scheme` depth-first from the goals without a broader goal, with their depth;
    /// siblings by notation, then label. A goal reached twice (a cycle) is shown once.
    fn walk(&self, scheme: &str, label: impl Fn(&str) -> String) -> Vec<(String, usize)> {
        let sorted = |mut list: Vec<String>| {
            list.sort_by_key(|g| (self.notation.get(g).cloned().unwrap_or_default(), label(g)));
            list.dedup();
            list
        };
        let roots = sorted(
            self.scheme
                .iter()
                .filter(|(g, s)| s.as_str() == scheme && !self.has_parent.contains(*g))
                .map(|(g, _)| g.clone())
                .collect(),
        );
        let mut out = Vec::new();
        let mut stack: Vec<(String, usize)> = roots.into_iter().rev().map(|g| (g, 0)).collect();
        let mut seen = BTreeSet::new();
        while let Some((g, depth)) = stack.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            let kids = sorted(self.children.get(&g).cloned().unwrap_or_default());
            for kid in kids.into_iter().rev() {
                stack.push((kid, depth + 1));
            }
            out.push((g, depth));
        }
        out
    }
}

/// Practices per start year, each practice counted once.
fn start_years(practices: &[Vec<Option<Term>>]) -> BTreeMap<i32, usize> {
    let mut years: BTreeMap<i32, usize> = BTreeMap::new();
    let mut counted = BTreeSet::new();
    for row in practices {
        if let (Some(p), Some(start)) = (text(&row[0]), text(&row[1]))
            && counted.insert(p)
            && let Some(y) = year_of(&start)
        {
            *years.entry(y).or_default() += 1;
        }
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iri(s: &str) -> Option<Term> {
        Some(Term::NamedNode(NamedNode::new_unchecked(format!(
            "https://x/{s}"
        ))))
    }

    #[test]
    fn goal_tree_walks_depth_first_and_survives_cycles() {
        let rows = vec![
            vec![iri("top"), iri("s"), None, None],
            vec![iri("b"), iri("s"), iri("top"), None],
            vec![iri("a"), iri("s"), iri("top"), None],
            vec![iri("a1"), iri("s"), iri("a"), None],
            vec![iri("other"), iri("t"), None, None],
            // a cycle: x and y are each other's broader goal, so neither is a root
            vec![iri("x"), iri("s"), iri("y"), None],
            vec![iri("y"), iri("s"), iri("x"), None],
        ];
        let tree = GoalTree::from_rows(&rows);
        let walked: Vec<(String, usize)> = tree
            .walk("https://x/s", |g| g.to_owned())
            .into_iter()
            .map(|(g, d)| (g.trim_start_matches("https://x/").to_owned(), d))
            .collect();
        assert_eq!(
            walked,
            [
                ("top".into(), 0),
                ("a".into(), 1),
                ("a1".into(), 2),
                ("b".into(), 1)
            ]
        );
    }

    #[test]
    fn a_practice_counts_once_per_start_year() {
        let start = |y: &str| {
            Some(Term::Literal(oxigraph::model::Literal::new_simple_literal(
                y,
            )))
        };
        let years = start_years(&[
            vec![iri("p"), start("2006")],
            vec![iri("p"), start("2006-01-03")],
            vec![iri("q"), start("2016")],
            vec![iri("r"), None],
        ]);
        assert_eq!(years, BTreeMap::from([(2006, 1), (2016, 1)]));
    }
}
