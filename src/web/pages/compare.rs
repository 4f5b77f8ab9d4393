//! `/compare?city=stockholm&city=helsinki`: cities side by side, by theme and by SDG goal, with the
//! practices in each cell and a chart of the counts. A plain GET form picks the cities.

use super::charts::{CompareChart, city_colour, compare_chart};
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{CKG, SDG_NS, ns};
use crate::web::SharedState;
use crate::web::blocking;
use crate::web::error::WebError;
use crate::web::html::{self, value};
use crate::web::i18n::Lang;
use crate::web::links::{Link, Linker};
use crate::web::request::{PageCtx, QueryPairs};
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use oxigraph::model::NamedNode;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
/// At most this many cities side by side.
const MAX_CITIES: usize = 6;

#[derive(Serialize)]
struct Choice {
    slug: String,
    name: String,
    checked: bool,
}

#[derive(Serialize)]
struct Row {
    heading: Link,
    cells: Vec<Vec<Link>>,
}

#[derive(Serialize)]
struct Column {
    link: Link,
    colour: String,
    practices: usize,
}

#[derive(Serialize, Default)]
struct Comparison {
    choices: Vec<Choice>,
    columns: Vec<Column>,
    by_theme: Vec<Row>,
    by_sdg: Vec<Row>,
    chart: CompareChart,
}

fn compare(backend: &Backend, base_iri: &str, slugs: &[String], lang: Lang) -> Result<Comparison> {
    let all = backend.select(&format!("SELECT ?c WHERE {{ ?c a <{CKG}City> }}"))?;
    let city_iris: Vec<String> = all.iter().filter_map(|r| text(&r[0])).collect();
    let prefix = format!("{base_iri}id/city/");
    let chosen: Vec<NamedNode> = slugs
        .iter()
        .filter_map(|s| NamedNode::new(format!("{prefix}{s}")).ok())
        .filter(|n| city_iris.iter().any(|c| c == n.as_str()))
        .take(MAX_CITIES)
        .collect();
    // Per chosen city: practice → themes and SDG goals (a target counts for its goal).
    let mut themes_of: Vec<BTreeMap<String, BTreeSet<String>>> = Vec::new();
    let mut sdgs_of: Vec<BTreeMap<String, BTreeSet<String>>> = Vec::new();
    let mut iris: BTreeSet<String> = city_iris.iter().cloned().collect();
    for city in &chosen {
        let mut themes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in backend.select(&format!(
            "SELECT DISTINCT ?p ?t WHERE {{ ?p <{CKG}city> {city} ; a <{CKG}Practice> ; <{}subject> ?t }}",
            ns::DCTERMS
        ))? {
            if let (Some(p), Some(t)) = (text(&row[0]), text(&row[1])) {
                iris.insert(p.clone());
                iris.insert(t.clone());
                themes.entry(t).or_default().insert(p);
            }
        }
        let mut sdgs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in backend.select(&format!(
            "SELECT DISTINCT ?p ?g WHERE {{ ?p <{CKG}city> {city} ; a <{CKG}Practice> ; <{CKG}servesGoal> ?s . OPTIONAL {{ ?s <{}broader> ?b }} BIND(COALESCE(?b, ?s) AS ?g) FILTER(STRSTARTS(STR(?g), \"{SDG_NS}\")) }}",
            ns::SKOS
        ))? {
            if let (Some(p), Some(g)) = (text(&row[0]), text(&row[1])) {
                iris.insert(p.clone());
                iris.insert(g.clone());
                sdgs.entry(g).or_default().insert(p);
            }
        }
        themes_of.push(themes);
        sdgs_of.push(sdgs);
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let mut choices: Vec<Choice> = city_iris
        .iter()
        .map(|c| Choice {
            slug: c.strip_prefix(&prefix).unwrap_or(c).to_owned(),
            name: linker.label(c),
            checked: chosen.iter().any(|n| n.as_str() == c),
        })
        .collect();
    choices.sort_by(|a, b| a.name.cmp(&b.name));
    let rows_for = |per_city: &[BTreeMap<String, BTreeSet<String>>], sort_sdg: bool| -> Vec<Row> {
        let mut keys: Vec<String> = per_city
            .iter()
            .flat_map(|m| m.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if sort_sdg {
            keys.sort_by_key(|k| {
                k.strip_prefix(SDG_NS)
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(99)
            });
        } else {
            keys.sort_by_key(|k| linker.label(k));
        }
        keys.iter()
            .map(|k| Row {
                heading: linker.link(k),
                cells: per_city
                    .iter()
                    .map(|m| {
                        let mut links: Vec<Link> = m
                            .get(k)
                            .into_iter()
                            .flatten()
                            .map(|p| linker.link(p))
                            .collect();
                        links.sort();
                        links
                    })
                    .collect(),
            })
            .collect()
    };
    let by_theme = rows_for(&themes_of, false);
    let by_sdg = rows_for(&sdgs_of, true);
    // Chart: practices per SDG goal, one bar per city in each group, each city in its own colour.
    let colours: Vec<String> = chosen
        .iter()
        .map(|c| city_colour(c.as_str().strip_prefix(&prefix).unwrap_or(c.as_str())))
        .collect();
    let chart_rows: Vec<(String, Vec<usize>)> = by_sdg
        .iter()
        .map(|row| {
            let number = row.heading.text.split(' ').nth(1).unwrap_or("").to_owned();
            (
                format!("SDG {number}"),
                row.cells.iter().map(Vec::len).collect(),
            )
        })
        .collect();
    let chart = compare_chart(&chart_rows, &colours);
    let columns = chosen
        .iter()
        .enumerate()
        .map(|(i, c)| Column {
            link: linker.link(c.as_str()),
            colour: colours[i].clone(),
            practices: themes_of[i]
                .values()
                .chain(sdgs_of[i].values())
                .flatten()
                .collect::<BTreeSet<_>>()
                .len(),
        })
        .collect();
    Ok(Comparison {
        choices,
        columns,
        by_theme,
        by_sdg,
        chart,
    })
}

/// GET /compare
pub async fn page(
    State(state): State<SharedState>,
    pairs: QueryPairs,
    page: PageCtx,
) -> Result<Response, WebError> {
    let slugs: Vec<String> = pairs
        .all("city")
        .filter(|s| crate::slug::is_slug(s))
        .map(str::to_owned)
        .collect();
    let (work_state, lang) = (state.clone(), page.lang);
    let comparison = blocking::run(&state, move |_| {
        compare(&work_state.backend, &work_state.base_iri, &slugs, lang)
    })
    .await?;
    Ok(html::page(
        &state,
        "compare.html",
        context! { c => value(comparison) },
        &page,
    ))
}
