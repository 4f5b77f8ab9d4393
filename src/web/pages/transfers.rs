//! `/transfers`: the network of transfers of practice between cities, drawn on the server as SVG
//! maps (the world, and Europe where most cities are) with the cities placed by the longitude and
//! latitude of their WKT points in an equirectangular projection, an arrow from each giving city
//! to each receiving one, and every city a link to its page; the table of every transfer is the
//! maps' text alternative.

use super::exchange::{self, TransferRow};
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{CKG, exchange as x};
use crate::web::SharedState;
use crate::web::blocking;
use crate::web::error::WebError;
use crate::web::html::{self, value};
use crate::web::i18n::{Lang, strings};
use crate::web::links::{Link, Linker};
use crate::web::request::PageCtx;
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The width of every map, in SVG units; the height follows the area shown.
const MAP_WIDTH: f64 = 960.0;
/// Space around the area shown, for labels.
const PAD: f64 = 36.0;

/// The area a map shows, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
}

impl Bounds {
    /// Europe with Iceland: where most cities of the network are.
    pub const EUROPE: Self = Self {
        west: -23.0,
        east: 30.0,
        south: 36.0,
        north: 66.0,
    };

    /// The smallest area holding every point (lon, lat), with a margin of `margin` degrees.
    pub fn around(points: impl IntoIterator<Item = (f64, f64)>, margin: f64) -> Option<Self> {
        let mut b: Option<Self> = None;
        for (lon, lat) in points {
            let n = b.get_or_insert(Self {
                west: lon,
                east: lon,
                south: lat,
                north: lat,
            });
            n.west = n.west.min(lon);
            n.east = n.east.max(lon);
            n.south = n.south.min(lat);
            n.north = n.north.max(lat);
        }
        b.map(|b| Self {
            west: (b.west - margin).max(-180.0),
            east: (b.east + margin).min(180.0),
            south: (b.south - margin).max(-90.0),
            north: (b.north + margin).min(90.0),
        })
    }

    pub fn contains(&self, (lon, lat): (f64, f64)) -> bool {
        (self.west..=self.east).contains(&lon) && (self.south..=self.north).contains(&lat)
    }

    /// SVG units per degree, the same across and down (equirectangular).
    fn scale(&self) -> f64 {
        (MAP_WIDTH - 2.0 * PAD) / (self.east - self.west).max(1e-6)
    }

    /// The drawing's height for [`MAP_WIDTH`].
    pub fn height(&self) -> f64 {
        (self.north - self.south) * self.scale() + 2.0 * PAD
    }

    /// Where (lon, lat) falls in the drawing: x grows east, y grows south.
    pub fn project(&self, (lon, lat): (f64, f64)) -> (f64, f64) {
        let k = self.scale();
        (PAD + (lon - self.west) * k, PAD + (self.north - lat) * k)
    }
}

/// A city on a map: a link with a dot and (where it fits) a label.
#[derive(Serialize, Debug)]
pub struct Node {
    pub link: Link,
    pub x: f64,
    pub y: f64,
    pub r: f64,
    /// Where the label goes, or None when it would cover another (the dot keeps its title).
    pub label: Option<(f64, f64, &'static str)>,
    /// "Madrid: 5 transfers"
    pub title: String,
}

/// An arrow from a giving city to a receiving one, for one or more transfers.
#[derive(Serialize, Debug)]
pub struct Edge {
    /// An SVG path: a slight curve, so that transfers both ways do not overlap.
    pub d: String,
    pub width: f64,
    pub title: String,
}

/// A line of the graticule.
#[derive(Serialize, Debug)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

/// One map of the network.
#[derive(Serialize, Debug)]
pub struct MapView {
    pub id: &'static str,
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub graticule: Vec<Line>,
}

#[derive(Serialize, Debug)]
pub struct TransfersView {
    pub maps: Vec<MapView>,
    pub transfers: Vec<TransferRow>,
    pub cities: usize,
}

/// GET /transfers
pub async fn page(State(state): State<SharedState>, page: PageCtx) -> Result<Response, WebError> {
    let (work_state, lang) = (state.clone(), page.lang);
    let view = blocking::run(&state, move |_| {
        view(&work_state.backend, &work_state.base_iri, lang)
    })
    .await?;
    Ok(html::page(
        &state,
        "transfers.html",
        context! { tv => value(&view) },
        &page,
    ))
}

/// Every transfer, and the cities they join with their points.
pub fn view(backend: &Backend, base_iri: &str, lang: Lang) -> Result<TransfersView> {
    let transfers = exchange::transfers(backend, base_iri, "", lang)?;
    let points = backend.select(&format!(
        "PREFIX ckg: <{CKG}>
         SELECT DISTINCT ?c ?wkt WHERE {{ ?t a ckg:Transfer . {{ ?t ckg:fromCity ?c }} UNION {{ ?t ckg:toCity ?c }} ?c <{}> ?g . ?g <{}> ?wkt }}",
        x::GEO_HAS_GEOMETRY,
        x::GEO_AS_WKT
    ))?;
    let mut located: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for row in &points {
        if let (Some(c), Some(p)) = (
            text(&row[0]),
            text(&row[1]).and_then(|w| exchange::wkt_point(&w)),
        ) {
            located.entry(c).or_insert(p);
        }
    }
    let linker = Linker::new(backend, base_iri, &located.keys().cloned().collect(), lang)?;
    let pairs: Vec<(String, String)> = transfers
        .iter()
        .filter_map(|t| Some((t.from_city_iri.clone()?, t.to_city_iri.clone()?)))
        .collect();
    let t = strings(lang);
    let mut maps = Vec::new();
    if let Some(world) = Bounds::around(located.values().copied(), 6.0) {
        maps.push(map(
            ("map-world", t["transfer_map_world"]),
            world,
            &located,
            &pairs,
            &linker,
            lang,
        ));
    }
    if located.values().any(|p| Bounds::EUROPE.contains(*p)) {
        maps.push(map(
            ("map-europe", t["transfer_map_europe"]),
            Bounds::EUROPE,
            &located,
            &pairs,
            &linker,
            lang,
        ));
    }
    let cities: BTreeSet<&String> = pairs.iter().flat_map(|(a, b)| [a, b]).collect();
    Ok(TransfersView {
        maps,
        cities: cities.len(),
        transfers,
    })
}

/// One map: the cities inside `bounds` and the arrows between two of them.
fn map(
    (id, title): (&'static str, &str),
    bounds: Bounds,
    located: &BTreeMap<String, (f64, f64)>,
    pairs: &[(String, String)],
    linker: &Linker,
    lang: Lang,
) -> MapView {
    let t = strings(lang);
    let inside: BTreeMap<&String, (f64, f64)> = located
        .iter()
        .filter(|(_, p)| bounds.contains(**p))
        .map(|(c, p)| (c, bounds.project(*p)))
        .collect();
    // Transfers per city and per (giving, receiving) pair, a city's own scaling-up left out.
    let mut per_city: BTreeMap<&String, usize> = BTreeMap::new();
    let mut per_pair: BTreeMap<(&String, &String), usize> = BTreeMap::new();
    for (from, to) in pairs {
        *per_city.entry(from).or_default() += 1;
        if from != to {
            *per_city.entry(to).or_default() += 1;
            *per_pair.entry((from, to)).or_default() += 1;
        }
    }
    let radius = |c: &String| 3.0 + (per_city.get(c).copied().unwrap_or(1) as f64).sqrt() * 1.4;
    let edges = per_pair
        .iter()
        .filter_map(|((from, to), count)| {
            let (a, b) = (inside.get(*from)?, inside.get(*to)?);
            Some(Edge {
                d: arrow_path(*a, *b, radius(from), radius(to) + 2.5),
                width: (1.0 + 0.7 * (*count as f64 - 1.0)).min(5.0),
                title: format!(
                    "{} → {}: {count} {}",
                    linker.label(from),
                    linker.label(to),
                    t["transfer_count"]
                ),
            })
        })
        .collect();
    // Cities with more transfers get their label placed first.
    let mut order: Vec<(&String, (f64, f64))> = inside.iter().map(|(c, p)| (*c, *p)).collect();
    order.sort_by_key(|(c, _)| {
        (
            std::cmp::Reverse(per_city.get(*c).copied().unwrap_or(0)),
            *c,
        )
    });
    let width = MAP_WIDTH;
    let height = bounds.height();
    let dots: Vec<(f64, f64, f64)> = order
        .iter()
        .map(|(c, (x, y))| (*x, *y, radius(c)))
        .collect();
    let mut placed: Vec<Rect> = Vec::new();
    let nodes = order
        .iter()
        .map(|(c, (x, y))| {
            let label = linker.label(c);
            let r = radius(c);
            let spot = place_label((*x, *y, r), &label, &dots, &placed, (width, height));
            if let Some((rect, _)) = &spot {
                placed.push(*rect);
            }
            Node {
                link: linker.link(c),
                x: round(*x),
                y: round(*y),
                r: round(r),
                label: spot.map(|(_, (lx, ly, anchor))| (round(lx), round(ly), anchor)),
                title: format!(
                    "{label}: {} {}",
                    per_city.get(*c).copied().unwrap_or(0),
                    t["transfer_count"]
                ),
            }
        })
        .collect();
    MapView {
        id,
        title: title.to_owned(),
        width,
        height: round(height),
        nodes,
        edges,
        graticule: graticule(bounds),
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A curved path from `a` to `b`, bending to the left of the direction of travel (so the arrows
/// of two cities that took from each other do not overlap), starting `ra` from `a`'s centre and
/// ending `rb` from `b`'s.
pub fn arrow_path(a: (f64, f64), b: (f64, f64), ra: f64, rb: f64) -> String {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let bend = 0.18 * len;
    let control = (
        (a.0 + b.0) / 2.0 + dy / len * bend,
        (a.1 + b.1) / 2.0 - dx / len * bend,
    );
    let towards = |from: (f64, f64), to: (f64, f64), by: f64| {
        let (ux, uy) = (to.0 - from.0, to.1 - from.1);
        let l = (ux * ux + uy * uy).sqrt().max(1e-6);
        (from.0 + ux / l * by, from.1 + uy / l * by)
    };
    let start = towards(a, control, ra);
    let end = towards(b, control, rb);
    format!(
        "M{} {} Q{} {} {} {}",
        round(start.0),
        round(start.1),
        round(control.0),
        round(control.1),
        round(end.0),
        round(end.1)
    )
}

/// A box in the drawing: left, top, right, bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect(f64, f64, f64, f64);

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.0 < o.2 && o.0 < self.2 && self.1 < o.3 && o.1 < self.3
    }
}

/// Where a city's label fits: right of its dot, left, above or below, clear of the labels placed
/// so far, of the other dots and of the drawing's edge. None when no spot is free.
fn place_label(
    (x, y, r): (f64, f64, f64),
    label: &str,
    dots: &[(f64, f64, f64)],
    placed: &[Rect],
    (width, height): (f64, f64),
) -> Option<(Rect, (f64, f64, &'static str))> {
    // About 6.2 units per character at the maps' 11-unit font.
    let w = label.chars().count() as f64 * 6.2;
    let h = 11.0;
    let candidates = [
        (x + r + 3.0, y + 4.0, "start"),
        (x - r - 3.0, y + 4.0, "end"),
        (x, y - r - 3.0, "middle"),
        (x, y + r + h, "middle"),
        (x + r + 2.0, y - r - 1.0, "start"),
        (x + r + 2.0, y + r + h - 1.0, "start"),
        (x - r - 2.0, y - r - 1.0, "end"),
        (x - r - 2.0, y + r + h - 1.0, "end"),
    ];
    candidates.into_iter().find_map(|(lx, ly, anchor)| {
        let left = match anchor {
            "start" => lx,
            "end" => lx - w,
            _ => lx - w / 2.0,
        };
        let rect = Rect(left, ly - h + 2.0, left + w, ly + 2.0);
        let inside = rect.0 >= 0.0 && rect.1 >= 0.0 && rect.2 <= width && rect.3 <= height;
        let clear = !placed.iter().any(|p| p.overlaps(&rect))
            && !dots.iter().any(|(dx, dy, dr)| {
                (*dx != x || *dy != y) && rect.overlaps(&Rect(dx - dr, dy - dr, dx + dr, dy + dr))
            });
        (inside && clear).then_some((rect, (lx, ly, anchor)))
    })
}

/// Meridians and parallels every 30° (10° on a map less than 90° wide).
fn graticule(bounds: Bounds) -> Vec<Line> {
    let step = if bounds.east - bounds.west < 90.0 {
        10.0
    } else {
        30.0
    };
    let mut lines = Vec::new();
    let mut lon = (bounds.west / step).ceil() * step;
    while lon <= bounds.east {
        let (x1, y1) = bounds.project((lon, bounds.north));
        let (x2, y2) = bounds.project((lon, bounds.south));
        lines.push(Line {
            x1: round(x1),
            y1: round(y1),
            x2: round(x2),
            y2: round(y2),
        });
        lon += step;
    }
    let mut lat = (bounds.south / step).ceil() * step;
    while lat <= bounds.north {
        let (x1, y1) = bounds.project((bounds.west, lat));
        let (x2, y2) = bounds.project((bounds.east, lat));
        lines.push(Line {
            x1: round(x1),
            y1: round(y1),
            x2: round(x2),
            y2: round(y2),
        });
        lat += step;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projection_keeps_degrees_square_and_north_up() {
        let b = Bounds {
            west: 0.0,
            east: 10.0,
            south: 50.0,
            north: 60.0,
        };
        assert_eq!(b.project((0.0, 60.0)), (PAD, PAD));
        let (x, y) = b.project((10.0, 50.0));
        assert!((x - (MAP_WIDTH - PAD)).abs() < 1e-9);
        assert!(
            (y - (MAP_WIDTH - PAD)).abs() < 1e-9,
            "square area, square drawing"
        );
        assert!((b.height() - MAP_WIDTH).abs() < 1e-9);
        // Stockholm is east and south of Reykjavík: right and below.
        let e = Bounds::EUROPE;
        let (sx, sy) = e.project((18.07, 59.33));
        let (rx, ry) = e.project((-21.9, 64.1));
        assert!(sx > rx && sy > ry);
        assert!(e.contains((18.07, 59.33)) && !e.contains((-74.0, 40.7)));
    }

    #[test]
    fn bounds_hold_every_point_with_a_margin() {
        let b = Bounds::around([(18.0, 59.3), (-74.0, 40.7), (127.0, 37.5)], 5.0).expect("bounds");
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(near(b.west, -79.0) && near(b.east, 132.0), "{b:?}");
        assert!(near(b.south, 32.5) && near(b.north, 64.3), "{b:?}");
        assert_eq!(Bounds::around([], 5.0), None);
    }

    #[test]
    fn arrows_bend_left_and_stop_short_of_the_dots() {
        // West to east: the curve bends north (up, smaller y); east to west it bends south.
        let d = arrow_path((0.0, 100.0), (100.0, 100.0), 5.0, 8.0);
        assert!(d.starts_with("M") && d.contains(" Q50 82 "), "{d}");
        let back = arrow_path((100.0, 100.0), (0.0, 100.0), 5.0, 8.0);
        assert!(back.contains(" Q50 118 "), "{back}");
    }

    #[test]
    fn labels_avoid_each_other_and_the_dots() {
        let dots = [(100.0, 100.0, 4.0), (104.0, 100.0, 4.0)];
        let first = place_label(dots[0], "Barcelona", &dots, &[], (960.0, 500.0));
        // Right of the first dot is the second dot, so the first label goes left.
        let (rect, (_, _, anchor)) = first.expect("a spot");
        assert_eq!(anchor, "end");
        let second = place_label(dots[1], "Sabadell", &dots, &[rect], (960.0, 500.0));
        assert_eq!(second.expect("a spot").1.2, "start");
        // At the drawing's edge a label does not go outside it.
        let edge = place_label((2.0, 100.0, 3.0), "Seattle", &[], &[], (960.0, 500.0));
        assert_ne!(edge.expect("a spot").1.2, "end");
    }
}
