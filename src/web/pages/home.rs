//! `/`: what citykg is, the cities with their practice counts, the themes, the SDGs covered and the
//! SDG × city coverage chart (with its legend and a list of the same counts, linked to the
//! finder, as its text alternative). Counts come from the derived graph (computed per data version).

use crate::store::term_text as text;
use crate::vocab::{CKG, SDG_NS, graph};
use crate::web::SharedState;
use crate::web::blocking;
use crate::web::error::WebError;
use crate::web::html::{self, value};
use crate::web::i18n::Lang;
use crate::web::links::{Link, Linker, iris_in};
use crate::web::pages::practices::finder_href;
use crate::web::request::PageCtx;
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

#[derive(Serialize)]
struct CityRow {
    name: String,
    href: String,
    lang: Option<String>,
    practices: String,
    #[serde(skip)]
    slug: String,
}

/// The chart's colour bins: practice counts from `low` up to `high` (None: and more). Each bin's
/// fill has text on it at a contrast of at least 4.5 : 1 (`site.css`, `svg.coverage .bN`).
const BINS: [(i64, Option<i64>); 4] = [(1, Some(1)), (2, Some(3)), (4, Some(7)), (8, None)];

fn bin_of(count: i64) -> usize {
    BINS.iter()
        .position(|(low, high)| count >= *low && high.is_none_or(|h| count <= h))
        .unwrap_or(0)
}

/// One cell of the coverage chart.
#[derive(Serialize, Debug, PartialEq)]
struct ChartCell {
    x: u32,
    y: u32,
    count: i64,
    bin: usize,
    title: String,
}

/// One legend entry: its bin and its range as text ("2–3", "8+").
#[derive(Serialize)]
struct LegendEntry {
    bin: usize,
    range: String,
}

/// One city's counts per SDG goal, as text: the chart's text alternative.
#[derive(Serialize)]
struct CityCoverage {
    city: Link,
    goals: Vec<(String, Link)>,
}

#[derive(Serialize)]
struct Axis {
    pos: u32,
    text: String,
    href: String,
}

/// Coverage counts as read: (city IRI, SDG goal number, practice count).
type Coverage = Vec<(String, u32, i64)>;

/// GET /
pub async fn page(State(state): State<SharedState>, page: PageCtx) -> Result<Response, WebError> {
    let (work_state, lang) = (state.clone(), page.lang);
    let (cities, themes, coverage, linker) = blocking::run(&state, move |_| {
        let backend = &work_state.backend;
        let derived = graph::DERIVED;
        let cities = backend.select(&format!(
            "SELECT ?city ?count WHERE {{ ?city a <{CKG}City> . OPTIONAL {{ GRAPH <{derived}> {{ ?city <{CKG}practiceCount> ?count }} }} }}"
        ))?;
        let themes = backend.select(&format!("SELECT ?t WHERE {{ ?t a <{CKG}Theme> }}"))?;
        let coverage = backend.select(&format!(
            "SELECT ?city ?sdg ?count WHERE {{ GRAPH <{derived}> {{ ?c a <{CKG}Coverage> ; <{CKG}coverageCity> ?city ; <{CKG}coverageSdg> ?sdg ; <{CKG}practiceCount> ?count }} }}"
        ))?;
        let mut iris = iris_in([&cities, &themes, &coverage]);
        iris.extend((1..=17).map(|n| format!("{SDG_NS}{n}")));
        let linker = Linker::new(backend, &work_state.base_iri, &iris, lang)?;
        Ok((cities, themes, coverage, linker))
    })
    .await?;
    let mut city_rows: Vec<CityRow> = cities
        .iter()
        .filter_map(|row| {
            let iri = text(&row[0])?;
            Some(CityRow {
                name: linker.label(&iri),
                href: linker.href(&iri),
                lang: linker.label_lang(&iri),
                slug: iri.rsplit('/').next().unwrap_or_default().to_owned(),
                practices: row
                    .get(1)
                    .and_then(text)
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| "0".into()),
            })
        })
        .collect();
    city_rows.sort_by(|a, b| {
        let count = |c: &CityRow| c.practices.parse::<u32>().unwrap_or(0);
        count(b).cmp(&count(a)).then_with(|| a.name.cmp(&b.name))
    });
    let mut theme_links: Vec<Link> = themes
        .iter()
        .filter_map(|r| text(&r[0]))
        .map(|t| linker.link(&t))
        .collect();
    theme_links.sort();
    // The chart: one row per city (in the order above), one column per SDG goal.
    let row_of: HashMap<String, usize> = cities
        .iter()
        .filter_map(|r| text(&r[0]))
        .map(|iri| {
            let name = linker.label(&iri);
            let pos = city_rows.iter().position(|c| c.name == name).unwrap_or(0);
            (iri, pos)
        })
        .collect();
    let coverage: Coverage = coverage
        .iter()
        .filter_map(|r| {
            let number = text(&r[1])?.strip_prefix(SDG_NS)?.parse().ok()?;
            Some((text(&r[0])?, number, text(&r[2])?.parse().ok()?))
        })
        .collect();
    let cells = chart_cells(&coverage, &row_of, |city| linker.label(city));
    let covered: BTreeSet<u32> = coverage.iter().map(|(_, n, _)| *n).collect();
    let columns: Vec<Axis> = (1..=17u32)
        .map(|n| Axis {
            pos: 130 + (n - 1) * 26 + 13,
            text: n.to_string(),
            href: linker.href(&format!("{SDG_NS}{n}")),
        })
        .collect();
    let rows_axis: Vec<Axis> = city_rows
        .iter()
        .enumerate()
        .map(|(i, c)| Axis {
            pos: 30 + i as u32 * 22 + 15,
            text: c.name.clone(),
            href: c.href.clone(),
        })
        .collect();
    let alternative = coverage_list(&coverage, &city_rows, &row_of, lang);
    let legend: Vec<LegendEntry> = BINS
        .iter()
        .enumerate()
        .map(|(bin, (low, high))| LegendEntry {
            bin,
            range: match high {
                Some(h) if h == low => low.to_string(),
                Some(h) => format!("{low}–{h}"),
                None => format!("{low}+"),
            },
        })
        .collect();
    let sdgs: Vec<Link> = covered
        .iter()
        .map(|n| linker.link(&format!("{SDG_NS}{n}")))
        .collect();
    let height = 40 + city_rows.len() as u32 * 22;
    Ok(html::page(
        &state,
        "home.html",
        context! {
            cities => value(&city_rows),
            themes => value(&theme_links),
            sdgs => value(&sdgs),
            cells => value(&cells),
            columns => value(&columns),
            rows => value(&rows_axis),
            chart_height => height,
            legend => value(&legend),
            coverage_list => value(&alternative),
        },
        &page,
    ))
}

/// The coverage chart's cells: column by SDG goal, row by the city's place in the list, opacity
/// by the count relative to the largest.
fn chart_cells(
    coverage: &Coverage,
    row_of: &HashMap<String, usize>,
    label: impl Fn(&str) -> String,
) -> Vec<ChartCell> {
    coverage
        .iter()
        .filter_map(|(city, number, count)| {
            let row = *row_of.get(city)? as u32;
            Some(ChartCell {
                x: 130 + (number - 1) * 26,
                y: 30 + row * 22,
                count: *count,
                bin: bin_of(*count),
                title: format!("{} · SDG {number}: {count}", label(city)),
            })
        })
        .collect()
}

/// The chart's counts as text, city by city (in the chart's order), each count linked to the
/// finder filtered to that city and goal.
fn coverage_list(
    coverage: &Coverage,
    cities: &[CityRow],
    row_of: &HashMap<String, usize>,
    lang: Lang,
) -> Vec<CityCoverage> {
    let mut by_row: Vec<Vec<(u32, i64)>> = vec![Vec::new(); cities.len()];
    for (city, number, count) in coverage {
        if let Some(row) = row_of.get(city).and_then(|r| by_row.get_mut(*r)) {
            row.push((*number, *count));
        }
    }
    cities
        .iter()
        .zip(by_row)
        .filter(|(_, goals)| !goals.is_empty())
        .map(|(c, mut goals)| {
            goals.sort();
            CityCoverage {
                city: Link {
                    text: c.name.clone(),
                    href: c.href.clone(),
                    title: None,
                    lang: c.lang.clone(),
                },
                goals: goals
                    .into_iter()
                    .map(|(n, count)| {
                        let href =
                            finder_href(&[("city", c.slug.clone()), ("sdg", n.to_string())], lang);
                        (format!("SDG {n}"), Link::new(count.to_string(), href))
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_cells_sit_in_their_row_and_column() {
        let coverage: Coverage = vec![("a".into(), 1, 4), ("b".into(), 11, 2), ("x".into(), 3, 1)];
        let rows = HashMap::from([("a".to_owned(), 0), ("b".to_owned(), 1)]);
        let cells = chart_cells(&coverage, &rows, |c| c.to_uppercase());
        assert_eq!(cells.len(), 2, "a city without a row is left out");
        assert_eq!((cells[0].x, cells[0].y), (130, 30));
        assert_eq!((cells[1].x, cells[1].y), (130 + 10 * 26, 52));
        assert_eq!((cells[0].bin, cells[1].bin, cells[2 - 1].count), (2, 1, 2));
        assert_eq!((bin_of(1), bin_of(3), bin_of(7), bin_of(40)), (0, 1, 2, 3));
        assert_eq!(cells[1].title, "B · SDG 11: 2");
    }
}
