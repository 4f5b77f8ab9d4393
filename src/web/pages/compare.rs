//! `/compare?city=stockholm&city=helsinki`: cities side by side, by theme and by SDG goal, with the
//! practices in each cell and a chart of the counts. A plain GET form picks the cities.

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
const COLOURS: [&str; 6] = [
    "#0b5cad", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#7f8c8d",
];

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
struct ChartBar {
    x: u32,
    y: u32,
    height: u32,
    colour: &'static str,
    title: String,
}

#[derive(Serialize)]
struct Column {
    link: Link,
    colour: &'static str,
    practices: usize,
}

#[derive(Serialize, Default)]
struct Comparison {
    choices: Vec<Choice>,
    columns: Vec<Column>,
    by_theme: Vec<Row>,
    by_sdg: Vec<Row>,
    bars: Vec<ChartBar>,
    labels: Vec<(u32, String)>,
}

fn compare(backend: &Backend, base_iri: &str, slugs: &[String], lang: Lang) -> Result<Comparison> {
    let all = backend.select(&format!("SELECT ?c WHERE {{ ?c a <{CKG}City> }}"))?;
    let city_iris: Vec<String> = all.iter().filter_map(|r| text(&r[0])).collect();
    let prefix = format!("{base_iri}id/city/");
    let chosen: Vec<NamedNode> = slugs
        .iter()
        .filter_map(|s| NamedNode::new(format!("{prefix}{s}")).ok())
        .filter(|n| city_iris.iter().any(|c| c == n.as_str()))
        .take(COLOURS.len())
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
    // Chart: practices per SDG goal, one bar per city in each group.
    let max = by_sdg
        .iter()
        .flat_map(|r| r.cells.iter().map(Vec::len))
        .max()
        .unwrap_or(1)
        .max(1) as u32;
    let group = 12 * chosen.len() as u32 + 10;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, row) in by_sdg.iter().enumerate() {
        let x0 = 20 + i as u32 * group;
        labels.push((
            x0 + group / 2 - 5,
            row.heading
                .href
                .rsplit('/')
                .next()
                .unwrap_or("")
                .split('?')
                .next()
                .unwrap_or("")
                .to_owned(),
        ));
        for (j, cell) in row.cells.iter().enumerate() {
            let height = cell.len() as u32 * 100 / max;
            bars.push(ChartBar {
                x: x0 + j as u32 * 12,
                y: 110 - height,
                height,
                colour: COLOURS[j % COLOURS.len()],
                title: format!(
                    "{} · {}: {}",
                    linker.label(chosen[j].as_str()),
                    row.heading.text,
                    cell.len()
                ),
            });
        }
    }
    let columns = chosen
        .iter()
        .enumerate()
        .map(|(i, c)| Column {
            link: linker.link(c.as_str()),
            colour: COLOURS[i % COLOURS.len()],
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
        bars,
        labels,
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
    let width = (20 + comparison.by_sdg.len() as u32 * (12 * comparison.columns.len() as u32 + 10))
        .max(200);
    Ok(html::page(
        &state,
        "compare.html",
        context! { c => value(comparison), chart_width => width },
        &page,
    ))
}
