//! The city map: cities placed on a server-rendered SVG by an equirectangular projection of each
//! city's WKT point (`geo:hasGeometry/geo:asWKT "POINT(lon lat)"`), sized by their practice count,
//! over a 10° graticule and the coasts and borders of Natural Earth's 1:110m countries (public
//! domain; vendor/world-atlas/, compiled into the binary). No tiles, nothing fetched at run time.

use serde::Serialize;
use std::sync::OnceLock;

/// The world-atlas TopoJSON (see vendor/world-atlas/README.md).
const COUNTRIES: &str = include_str!("../../vendor/world-atlas/countries-110m.json");

/// The arcs of the country outlines in degrees (longitude, latitude), decoded once; empty if the
/// bundled file could not be read (the map then has only its graticule).
fn arcs() -> &'static [Vec<(f64, f64)>] {
    static ARCS: OnceLock<Vec<Vec<(f64, f64)>>> = OnceLock::new();
    ARCS.get_or_init(|| decode(COUNTRIES).unwrap_or_default())
}

/// Decodes TopoJSON arcs: quantized positions, delta-encoded, with the topology's transform.
fn decode(topojson: &str) -> Option<Vec<Vec<(f64, f64)>>> {
    let value: serde_json::Value = serde_json::from_str(topojson).ok()?;
    let number = |v: &serde_json::Value, i: usize| v.get(i).and_then(serde_json::Value::as_f64);
    let transform = value.get("transform")?;
    let (scale, translate) = (transform.get("scale")?, transform.get("translate")?);
    let (sx, sy, tx, ty) = (
        number(scale, 0)?,
        number(scale, 1)?,
        number(translate, 0)?,
        number(translate, 1)?,
    );
    let mut arcs = Vec::new();
    for arc in value.get("arcs")?.as_array()? {
        let (mut x, mut y) = (0.0, 0.0);
        let mut points = Vec::new();
        for position in arc.as_array()? {
            x += number(position, 0)?;
            y += number(position, 1)?;
            points.push((x * sx + tx, y * sy + ty));
        }
        arcs.push(points);
    }
    Some(arcs)
}

/// The SVG's width in user units; the height follows the latitude span.
const WIDTH: f64 = 960.0;
/// Degrees added around the cities' extent.
const PAD: f64 = 6.0;

/// "POINT(18.067 59.350)" → (18.067, 59.35): longitude first; None for anything else.
pub fn parse_point(wkt: &str) -> Option<(f64, f64)> {
    let inner = wkt
        .trim()
        .strip_prefix("POINT")?
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let mut parts = inner.split_whitespace();
    let lon: f64 = parts.next()?.parse().ok()?;
    let lat: f64 = parts.next()?.parse().ok()?;
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) && parts.next().is_none())
        .then_some((lon, lat))
}

/// A city to place.
pub struct Place {
    pub label: String,
    pub city_href: String,
    pub finder_href: String,
    pub lon: f64,
    pub lat: f64,
    pub practices: usize,
    pub highlighted: bool,
}

#[derive(Serialize, Debug, Clone)]
pub struct Dot {
    pub label: String,
    pub city_href: String,
    pub finder_href: String,
    pub x: String,
    pub y: String,
    pub r: String,
    pub practices: usize,
    pub highlighted: bool,
}

#[derive(Serialize, Debug, Clone)]
pub struct Line {
    pub x1: String,
    pub y1: String,
    pub x2: String,
    pub y2: String,
}

/// What the template draws: the view box, graticule lines and the dots (largest first, so the
/// small ones stay on top and clickable).
#[derive(Serialize, Debug, Clone)]
pub struct MapView {
    pub width: u32,
    pub height: u32,
    pub lines: Vec<Line>,
    /// The coasts and borders in view as one SVG path (whole units, repeated points dropped).
    pub outline: String,
    pub dots: Vec<Dot>,
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// Projects the places onto a map fitted to their extent (rounded out to the 10° graticule).
pub fn map(places: Vec<Place>) -> Option<MapView> {
    if places.is_empty() {
        return None;
    }
    let fold = |f: fn(&Place) -> f64, min: bool| {
        places
            .iter()
            .map(f)
            .fold(if min { f64::MAX } else { f64::MIN }, |a, b| {
                if min { a.min(b) } else { a.max(b) }
            })
    };
    let west = ((fold(|p| p.lon, true) - PAD) / 10.0).floor() * 10.0;
    let east = ((fold(|p| p.lon, false) + PAD) / 10.0).ceil() * 10.0;
    let south = ((fold(|p| p.lat, true) - PAD) / 10.0).floor() * 10.0;
    let north = ((fold(|p| p.lat, false) + PAD) / 10.0).ceil() * 10.0;
    let (west, east) = (west.max(-180.0), east.min(180.0));
    let (south, north) = (south.max(-90.0), north.min(90.0));
    let scale = WIDTH / (east - west).max(10.0);
    let height = ((north - south).max(10.0) * scale).round();
    let x = |lon: f64| (lon - west) * scale;
    let y = |lat: f64| (north - lat) * scale;
    let mut lines = Vec::new();
    let mut lon = west;
    while lon <= east {
        lines.push(Line {
            x1: fmt(x(lon)),
            y1: fmt(0.0),
            x2: fmt(x(lon)),
            y2: fmt(height),
        });
        lon += 10.0;
    }
    let mut lat = south;
    while lat <= north {
        lines.push(Line {
            x1: fmt(0.0),
            y1: fmt(y(lat)),
            x2: fmt(WIDTH),
            y2: fmt(y(lat)),
        });
        lat += 10.0;
    }
    let mut outline = String::new();
    for arc in arcs() {
        if !arc
            .iter()
            .any(|(lon, lat)| (west..=east).contains(lon) && (south..=north).contains(lat))
        {
            continue;
        }
        let mut last: Option<(i64, i64)> = None;
        let mut last_lon: Option<f64> = None;
        let mut piece = String::new();
        let mut count = 0;
        for (lon, lat) in arc {
            // A step across the antimeridian starts a new line instead of crossing the map.
            if last_lon.is_some_and(|l| (l - lon).abs() > 180.0) {
                last = None;
            }
            last_lon = Some(*lon);
            let point = (x(*lon).round() as i64, y(*lat).round() as i64);
            if last == Some(point) {
                continue;
            }
            piece.push_str(&format!(
                "{}{} {}",
                if last.is_none() { "M" } else { "L" },
                point.0,
                point.1
            ));
            last = Some(point);
            count += 1;
        }
        if count > 1 {
            outline.push_str(&piece);
        }
    }
    let mut dots: Vec<Dot> = places
        .into_iter()
        .map(|p| Dot {
            x: fmt(x(p.lon)),
            y: fmt(y(p.lat)),
            r: fmt(3.0 + 2.0 * (p.practices as f64).sqrt()),
            label: p.label,
            city_href: p.city_href,
            finder_href: p.finder_href,
            practices: p.practices,
            highlighted: p.highlighted,
        })
        .collect();
    dots.sort_by(|a, b| b.practices.cmp(&a.practices).then(a.label.cmp(&b.label)));
    Some(MapView {
        width: WIDTH as u32,
        height: height as u32,
        lines,
        outline,
        dots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_parse_longitude_first() {
        assert_eq!(parse_point("POINT(18.067 59.350)"), Some((18.067, 59.35)));
        assert_eq!(parse_point(" POINT (-3.7 40.4) "), Some((-3.7, 40.4)));
        assert_eq!(parse_point("POINT(200 10)"), None);
        assert_eq!(parse_point("LINESTRING(1 2, 3 4)"), None);
    }

    #[test]
    fn the_map_fits_the_cities() {
        let place = |lon, lat, n| Place {
            label: "x".into(),
            city_href: "/c".into(),
            finder_href: "/f".into(),
            lon,
            lat,
            practices: n,
            highlighted: false,
        };
        let view = map(vec![place(18.0, 59.0, 4), place(-3.7, 40.4, 1)]).expect("a map");
        assert_eq!(view.width, 960);
        assert!(view.height > 0);
        assert_eq!(view.dots[0].practices, 4, "largest first");
        assert!(arcs().len() > 500, "the bundled outlines decode");
        assert!(view.outline.starts_with('M'), "Europe's coasts are drawn");
        for dot in &view.dots {
            let (x, y): (f64, f64) = (dot.x.parse().expect("x"), dot.y.parse().expect("y"));
            assert!((0.0..=960.0).contains(&x) && (0.0..=f64::from(view.height)).contains(&y));
        }
    }
}
