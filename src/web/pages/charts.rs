//! Server-rendered SVG bar charts: the city page's timeline of start years (each bar a link into
//! the finder for that city and year), the compare page's practices per SDG goal (horizontal bars,
//! so that it reads on a phone too), and the colour of a city, which stays the same on every page
//! and in every selection because it comes from the city's slug alone.

use super::practices::finder_href;
use crate::web::i18n::Lang;
use serde::Serialize;
use std::collections::BTreeMap;

/// The timeline's drawing is 360 × 172 units (city.html), the plot between `LEFT` and `RIGHT`,
/// bars standing on `BASE` and at most `TALL` high. The page shows it at most 40rem wide, so its
/// 11-unit labels are between 11 and about 20 pixels high from a phone to a desktop.
const LEFT: u32 = 34;
const RIGHT: u32 = 350;
const BASE: u32 = 134;
const TALL: u32 = 104;

/// One bar of the timeline: a year's count, linked to the finder.
#[derive(Serialize, Debug, PartialEq)]
pub struct Bar {
    pub x: u32,
    pub width: u32,
    pub y: u32,
    pub height: u32,
    /// The year.
    pub label: String,
    pub value: usize,
    /// The middle of the bar, for the labels.
    pub mid: u32,
    pub href: String,
}

/// A tick of the timeline's count axis: its height and its value.
#[derive(Serialize, Debug, PartialEq)]
pub struct Tick {
    pub y: u32,
    pub value: usize,
}

/// The timeline of a city: bars, the count axis' ticks and the year axis' labels (x, year; every
/// year only for short spans), empty when no practice has a start year.
#[derive(Serialize, Debug, Default)]
pub struct Timeline {
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub years: Vec<(u32, String)>,
}

/// Bars for counts per year (`city` is the city's slug, for the finder links).
pub fn timeline(years: &BTreeMap<i32, usize>, city: &str, lang: Lang) -> Timeline {
    let (Some(first), Some(last)) = (years.keys().next(), years.keys().last()) else {
        return Timeline::default();
    };
    let span = (last - first + 1).max(1) as u32;
    let max = years.values().copied().max().unwrap_or(1).max(1);
    let slot = (RIGHT - LEFT) / span;
    let width = (slot * 7 / 10).clamp(2, 28);
    // Label every `step`th year so that the 4-digit labels (about 26 units) never touch.
    let step = [1, 2, 5, 10, 20]
        .into_iter()
        .find(|s| slot * s >= 32)
        .unwrap_or(50) as i32;
    let bars = years
        .iter()
        .map(|(year, count)| {
            let height = (*count as u32 * TALL / max as u32).max(3);
            let x = LEFT + (*year - first) as u32 * (RIGHT - LEFT) / span + (slot - width) / 2;
            Bar {
                x,
                width,
                y: BASE - height,
                height,
                label: year.to_string(),
                value: *count,
                mid: x + width / 2,
                href: finder_href(
                    &[
                        ("city", city.to_owned()),
                        ("from", year.to_string()),
                        ("to", year.to_string()),
                    ],
                    lang,
                ),
            }
        })
        .collect();
    let mut ticks = vec![Tick { y: BASE, value: 0 }];
    if max >= 4 {
        ticks.push(Tick {
            y: BASE - TALL / 2,
            value: max / 2,
        });
    }
    ticks.push(Tick {
        y: BASE - TALL,
        value: max,
    });
    let years = (*first..=*last)
        .filter(|y| step == 1 || y.rem_euclid(step) == 0)
        .map(|y| {
            let x = LEFT + (y - first) as u32 * (RIGHT - LEFT) / span + slot / 2;
            (x, y.to_string())
        })
        .collect();
    Timeline { bars, ticks, years }
}

/// The compare chart's drawing is 360 units wide (compare.html): goal labels left of `BAR_LEFT`,
/// bars up to `BAR_RIGHT`, the count axis on top.
const BAR_LEFT: u32 = 62;
const BAR_RIGHT: u32 = 320;
const BAR_HEIGHT: u32 = 10;
const GROUP_GAP: u32 = 10;
const TOP: u32 = 34;

/// One bar of the compare chart: a city's count for a goal.
#[derive(Serialize, Debug, PartialEq)]
pub struct HBar {
    pub y: u32,
    pub width: u32,
    pub colour: String,
    pub value: usize,
    /// Where its value is written (just after the bar).
    pub value_x: u32,
}

/// One goal of the compare chart: its label and one bar per city, in the legend's order.
#[derive(Serialize, Debug, PartialEq)]
pub struct HGroup {
    pub label: String,
    pub label_y: u32,
    pub bars: Vec<HBar>,
}

/// The compare chart: goals with their bars, the count axis' ticks (x, value) and the height.
#[derive(Serialize, Debug, Default)]
pub struct CompareChart {
    pub groups: Vec<HGroup>,
    pub ticks: Vec<(u32, usize)>,
    pub height: u32,
    pub axis_y: u32,
}

/// Horizontal bars: for each (label, counts per city) one group, each city's bar in `colours`.
pub fn compare_chart(rows: &[(String, Vec<usize>)], colours: &[String]) -> CompareChart {
    let max = rows
        .iter()
        .flat_map(|(_, counts)| counts.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let span = BAR_RIGHT - BAR_LEFT;
    let mut y = TOP;
    let mut groups = Vec::new();
    for (label, counts) in rows {
        let top = y;
        let bars: Vec<HBar> = counts
            .iter()
            .zip(colours)
            .map(|(count, colour)| {
                let width = *count as u32 * span / max as u32;
                let bar = HBar {
                    y,
                    width,
                    colour: colour.clone(),
                    value: *count,
                    value_x: BAR_LEFT + width + 3,
                };
                y += BAR_HEIGHT;
                bar
            })
            .collect();
        groups.push(HGroup {
            label: label.clone(),
            label_y: top + (y - top) / 2 + 4,
            bars,
        });
        y += GROUP_GAP;
    }
    let mut ticks = vec![(BAR_LEFT, 0)];
    if max >= 4 {
        ticks.push((BAR_LEFT + span / 2, max / 2));
    }
    ticks.push((BAR_RIGHT, max));
    CompareChart {
        groups,
        ticks,
        height: y + 4,
        axis_y: TOP - 4,
    }
}

/// The colour of a city on the charts, from its slug: a hue from a hash of the slug, at a
/// saturation and lightness that keep a contrast of at least 3 : 1 against white (WCAG 1.4.11).
/// Two cities may get close hues; the charts name each city beside its colour and give values.
pub fn city_colour(slug: &str) -> String {
    // FNV-1a, 32 bits: the same slug gives the same colour on every page and in every selection.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in slug.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let hue = (hash % 360) as f64;
    hsl_hex(hue, 0.70, 0.32)
}

/// `#rrggbb` from a hue in degrees and saturation and lightness in 0..1.
fn hsl_hex(hue: f64, saturation: f64, lightness: f64) -> String {
    let c = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let h = hue / 60.0;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = lightness - c / 2.0;
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The WCAG contrast ratio of `#rrggbb` against white.
    fn contrast_with_white(hex: &str) -> f64 {
        let channel = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
        1.05 / (l + 0.05)
    }

    #[test]
    fn a_city_keeps_its_colour_and_every_colour_stands_out_on_white() {
        assert_eq!(city_colour("stockholm"), city_colour("stockholm"));
        assert_ne!(city_colour("stockholm"), city_colour("helsinki"));
        for hue in (0..360).step_by(5) {
            let colour = hsl_hex(f64::from(hue), 0.70, 0.32);
            assert!(
                contrast_with_white(&colour) >= 3.0,
                "{colour} at hue {hue}: {:.2}",
                contrast_with_white(&colour)
            );
        }
    }

    #[test]
    fn compare_bars_scale_to_the_largest_count_in_legend_order() {
        let colours = vec!["#111111".to_owned(), "#222222".to_owned()];
        let chart = compare_chart(
            &[("SDG 9".into(), vec![4, 0]), ("SDG 11".into(), vec![2, 8])],
            &colours,
        );
        assert_eq!(chart.groups.len(), 2);
        assert_eq!(chart.groups[1].bars[1].width, BAR_RIGHT - BAR_LEFT);
        assert_eq!(chart.groups[0].bars[0].width, (BAR_RIGHT - BAR_LEFT) / 2);
        assert_eq!(chart.groups[0].bars[1].width, 0);
        assert_eq!(chart.groups[1].bars[0].colour, "#111111");
        assert_eq!(
            chart.ticks,
            vec![(BAR_LEFT, 0), (BAR_LEFT + 129, 4), (BAR_RIGHT, 8)]
        );
        assert!(chart.groups[1].bars[0].y > chart.groups[0].bars[1].y);
    }

    #[test]
    fn timeline_bars_link_to_their_year_and_labels_never_crowd() {
        assert!(timeline(&BTreeMap::new(), "x", Lang::En).bars.is_empty());
        let t = timeline(&BTreeMap::from([(2006, 1), (2016, 3)]), "oslo", Lang::En);
        assert_eq!(t.bars.len(), 2);
        assert_eq!(t.bars[1].height, TALL);
        assert_eq!(t.bars[0].y + t.bars[0].height, BASE);
        assert_eq!(
            t.bars[0].href,
            "/practices?city=oslo&from=2006&to=2006&lang=en"
        );
        assert_eq!(t.ticks.last().map(|t| t.value), Some(3));
        // Thirty years with two bars: every fifth year is labelled, at least 32 units apart.
        let long = BTreeMap::from([(1995, 1), (2024, 2)]);
        let t = timeline(&long, "oslo", Lang::Sv);
        let labelled: Vec<u32> = t.years.iter().map(|(x, _)| *x).collect();
        assert_eq!(t.years.first().map(|y| y.1.as_str()), Some("1995"));
        assert_eq!(labelled.len(), 6);
        assert!(
            labelled.windows(2).all(|w| w[1] - w[0] >= 32),
            "{labelled:?}"
        );
    }
}
