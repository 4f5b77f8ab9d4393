//! The exchange of practice as pages show it: transfers between cities (from which practice and
//! city, into which, of what kind, when, what changed, on what source), costs and fundings, and
//! lessons, barriers and prerequisites, read through lookups and shaped into rows for the
//! practice, city and `/transfers` pages.

use super::format::local_number;
use crate::error::Result;
use crate::store::Backend;
use crate::vocab::{self, CKG, exchange as x, ns};
use crate::web::i18n::{Lang, foreign, strings};
use crate::web::links::{Link, Linker};
use oxigraph::model::Term;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const PROV_DERIVED: &str = "http://www.w3.org/ns/prov#wasDerivedFrom";
const DESCRIPTION: &str = "http://purl.org/dc/terms/description";
const DATE: &str = "http://purl.org/dc/terms/date";
const TEMPORAL: &str = "http://purl.org/dc/terms/temporal";
const NUMERIC_VALUE: &str = "http://qudt.org/schema/qudt/numericValue";
const UNIT: &str = "http://qudt.org/schema/qudt/unit";

/// The statements of some resources, as read from rows of (resource, property, value).
#[derive(Default)]
pub struct Described {
    pub of: BTreeMap<String, BTreeMap<String, Vec<Term>>>,
}

impl Described {
    /// Reads rows whose first three columns are resource, property and value.
    pub fn from_rows(rows: Vec<Vec<Option<Term>>>) -> Self {
        let mut of: BTreeMap<String, BTreeMap<String, Vec<Term>>> = BTreeMap::new();
        for row in rows {
            if let (Some(Some(Term::NamedNode(s))), Some(Some(Term::NamedNode(p))), Some(Some(v))) =
                (row.first(), row.get(1), row.get(2))
            {
                let values = of
                    .entry(s.as_str().to_owned())
                    .or_default()
                    .entry(p.as_str().to_owned())
                    .or_default();
                if !values.contains(v) {
                    values.push(v.clone());
                }
            }
        }
        Self { of }
    }

    /// Every IRI any resource points to (to look their labels up at once).
    pub fn iris(&self) -> BTreeSet<String> {
        let mut iris = BTreeSet::new();
        for properties in self.of.values() {
            for values in properties.values() {
                for v in values {
                    if let Term::NamedNode(n) = v {
                        iris.insert(n.as_str().to_owned());
                    }
                }
            }
        }
        iris
    }
}

/// The IRI values of `property` on one described resource, sorted.
fn iris_of(props: &BTreeMap<String, Vec<Term>>, property: &str) -> Vec<String> {
    let mut out: Vec<String> = props
        .get(property)
        .map(|vs| {
            vs.iter()
                .filter_map(|v| match v {
                    Term::NamedNode(n) => Some(n.as_str().to_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The literal of `property` in the reader's language, else English, else any.
fn text_of(props: &BTreeMap<String, Vec<Term>>, property: &str, lang: Lang) -> Option<String> {
    text_lang_of(props, property, lang).map(|(text, _)| text)
}

/// Like `text_of`, with the literal's language when it is not the reader's (for `lang`).
fn text_lang_of(
    props: &BTreeMap<String, Vec<Term>>,
    property: &str,
    lang: Lang,
) -> Option<(String, Option<String>)> {
    let literals: Vec<&oxigraph::model::Literal> = props
        .get(property)?
        .iter()
        .filter_map(|v| match v {
            Term::Literal(l) => Some(l),
            _ => None,
        })
        .collect();
    literals
        .iter()
        .find(|l| l.language() == Some(lang.code()))
        .or_else(|| literals.iter().find(|l| l.language() == Some("en")))
        .or_else(|| literals.first())
        .map(|l| {
            (
                l.value().to_owned(),
                l.language().and_then(|tag| foreign(tag, lang)),
            )
        })
}

/// The text and its language, split for a view's two fields.
fn split(t: Option<(String, Option<String>)>) -> (Option<String>, Option<String>) {
    match t {
        Some((text, lang)) => (Some(text), lang),
        None => (None, None),
    }
}

/// Links to the sources a resource cites, by title.
fn sources_of(props: &BTreeMap<String, Vec<Term>>, linker: &Linker) -> Vec<Link> {
    linker.sorted_links(&iris_of(props, PROV_DERIVED))
}

/// One transfer of a practice from one city to another.
#[derive(Serialize, Debug, Clone)]
pub struct TransferRow {
    /// The transfer's own page.
    pub link: Link,
    pub from_city: Option<Link>,
    pub to_city: Option<Link>,
    pub from_practice: Option<Link>,
    pub to_practice: Option<Link>,
    /// The transfer kind's label in the reader's language.
    pub kind: Option<String>,
    pub year: Option<String>,
    pub changes: Option<String>,
    pub changes_lang: Option<String>,
    pub description: Option<String>,
    pub description_lang: Option<String>,
    pub sources: Vec<Link>,
    /// IRIs, to split rows by direction and group them.
    #[serde(skip)]
    pub from_city_iri: Option<String>,
    #[serde(skip)]
    pub to_city_iri: Option<String>,
    #[serde(skip)]
    pub from_practice_iri: Option<String>,
    #[serde(skip)]
    pub to_practice_iri: Option<String>,
}

/// The transfers that `pattern` binds to `?t` (a lookup such as `{ ?t ckg:toPractice <p> }`),
/// with every statement on them; sorted by year, then giving and receiving city.
pub fn transfers(
    backend: &Backend,
    base_iri: &str,
    pattern: &str,
    lang: Lang,
) -> Result<Vec<TransferRow>> {
    let rows = backend.select(&format!(
        "PREFIX ckg: <{CKG}>\nSELECT ?t ?k ?v WHERE {{ {pattern} ?t a ckg:Transfer ; ?k ?v }}"
    ))?;
    let described = Described::from_rows(rows);
    let mut iris = described.iris();
    iris.extend(described.of.keys().cloned());
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let mut out: Vec<TransferRow> = described
        .of
        .iter()
        .map(|(t, props)| {
            let first = |p: &str| iris_of(props, p).into_iter().next();
            let (fc, tc, fp, tp) = (
                first(x::FROM_CITY),
                first(x::TO_CITY),
                first(x::FROM_PRACTICE),
                first(x::TO_PRACTICE),
            );
            let (changes, changes_lang) = split(text_lang_of(props, x::CHANGES, lang));
            let (description, description_lang) = split(text_lang_of(props, DESCRIPTION, lang));
            TransferRow {
                link: linker.link(t),
                from_city: fc.as_deref().map(|i| linker.link(i)),
                to_city: tc.as_deref().map(|i| linker.link(i)),
                from_practice: fp.as_deref().map(|i| linker.link(i)),
                to_practice: tp.as_deref().map(|i| linker.link(i)),
                kind: first(x::TRANSFER_KIND).map(|k| linker.label(&k)),
                year: text_of(props, DATE, lang).map(|d| d.chars().take(4).collect()),
                changes,
                changes_lang,
                description,
                description_lang,
                sources: sources_of(props, &linker),
                from_city_iri: fc,
                to_city_iri: tc,
                from_practice_iri: fp,
                to_practice_iri: tp,
            }
        })
        .collect();
    let key = |r: &TransferRow| {
        (
            r.year.clone().unwrap_or_else(|| "9999".into()),
            r.from_city.as_ref().map(|l| l.text.clone()),
            r.to_city.as_ref().map(|l| l.text.clone()),
        )
    };
    out.sort_by_key(key);
    Ok(out)
}

/// Transfers grouped under a city (the giving city of incoming ones, the receiving city of
/// outgoing ones).
#[derive(Serialize, Debug)]
pub struct CityTransfers {
    pub city: Link,
    pub transfers: Vec<TransferRow>,
}

/// Groups `rows` by the city `city_of` names, groups by city name.
pub fn by_city(
    rows: Vec<TransferRow>,
    city_of: impl Fn(&TransferRow) -> Option<Link>,
) -> Vec<CityTransfers> {
    let mut groups: BTreeMap<Link, Vec<TransferRow>> = BTreeMap::new();
    for row in rows {
        if let Some(city) = city_of(&row) {
            groups.entry(city).or_default().push(row);
        }
    }
    groups
        .into_iter()
        .map(|(city, transfers)| CityTransfers { city, transfers })
        .collect()
}

/// A cost or a funding of a practice.
#[derive(Serialize, Debug)]
pub struct MoneyRow {
    pub link: Link,
    pub is_cost: bool,
    pub description: Option<String>,
    pub description_lang: Option<String>,
    /// "1,000,000" or "about 25,000,000"; None when the source gives no amount.
    pub amount: Option<String>,
    /// "EUR", "SEK" …
    pub currency: Option<String>,
    pub year: Option<String>,
    pub funders: Vec<Link>,
    pub programmes: Vec<Link>,
    /// "10 %"
    pub share: Option<String>,
    pub sources: Vec<Link>,
}

/// "CCY_EUR" or "EUR" from a QUDT unit IRI.
pub fn currency(unit: &str) -> String {
    let local = unit.rsplit('/').next().unwrap_or(unit);
    local.strip_prefix("CCY_").unwrap_or(local).to_owned()
}

/// "0.1" → "10 %"; "0.125" → "12.5 %" ("12,5 %" in Swedish).
pub fn share_percent(share: &str, lang: Lang) -> Option<String> {
    let value: f64 = share.trim().parse().ok()?;
    let percent = format!("{:.2}", value * 100.0);
    Some(format!("{} %", local_number(&percent, lang)))
}

/// The costs and fundings of `practice` (one lookup), costs first, then by year.
pub fn money(
    backend: &Backend,
    base_iri: &str,
    practice: &oxigraph::model::NamedNode,
    lang: Lang,
) -> Result<Vec<MoneyRow>> {
    let rows = backend.select(&format!(
        "PREFIX ckg: <{CKG}>\nSELECT ?f ?k ?v ?rel WHERE {{ {{ {practice} ckg:cost ?f BIND(true AS ?rel) }} UNION {{ {practice} ckg:funding ?f BIND(false AS ?rel) }} ?f ?k ?v }}"
    ))?;
    let costs: BTreeSet<String> = rows
        .iter()
        .filter(|r| matches!(r.get(3), Some(Some(Term::Literal(l))) if l.value() == "true"))
        .filter_map(|r| match r.first() {
            Some(Some(Term::NamedNode(n))) => Some(n.as_str().to_owned()),
            _ => None,
        })
        .collect();
    let described = Described::from_rows(rows);
    let mut iris = described.iris();
    iris.extend(described.of.keys().cloned());
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let mut out: Vec<MoneyRow> = described
        .of
        .iter()
        .map(|(f, props)| {
            let literal = |p: &str| text_of(props, p, lang);
            let qualifier = literal(&format!("{CKG}valueQualifier"));
            let amount = literal(NUMERIC_VALUE).map(|v| match &qualifier {
                Some(q) => format!("{q} {}", local_number(&v, lang)),
                None => local_number(&v, lang),
            });
            let (description, description_lang) = split(text_lang_of(props, DESCRIPTION, lang));
            MoneyRow {
                link: linker.link(f),
                is_cost: costs.contains(f),
                description,
                description_lang,
                amount,
                currency: iris_of(props, UNIT).first().map(|u| currency(u)),
                year: literal(TEMPORAL),
                funders: linker.sorted_links(&iris_of(props, x::FUNDER)),
                programmes: linker.sorted_links(&iris_of(props, x::FUNDING_PROGRAMME)),
                share: literal(x::SHARE_OF_TOTAL).and_then(|s| share_percent(&s, lang)),
                sources: sources_of(props, &linker),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.is_cost
            .cmp(&a.is_cost)
            .then_with(|| a.year.cmp(&b.year))
            .then_with(|| a.link.cmp(&b.link))
    });
    Ok(out)
}

/// One lesson, barrier or prerequisite, with its sources.
#[derive(Serialize, Debug)]
pub struct LessonRow {
    pub link: Link,
    pub text: String,
    pub text_lang: Option<String>,
    pub sources: Vec<Link>,
}

/// The lessons of one kind, under the kind's heading.
#[derive(Serialize, Debug)]
pub struct LessonGroup {
    pub heading: String,
    pub lessons: Vec<LessonRow>,
}

/// The lessons learned, barriers and prerequisites for transfer of `practice` (one lookup),
/// grouped in that order; empty groups are left out.
pub fn lessons(
    backend: &Backend,
    base_iri: &str,
    practice: &oxigraph::model::NamedNode,
    lang: Lang,
) -> Result<Vec<LessonGroup>> {
    let rows = backend.select(&format!(
        "PREFIX ckg: <{CKG}>\nSELECT ?l ?k ?v WHERE {{ {practice} ckg:lesson ?l . ?l ?k ?v }}"
    ))?;
    let described = Described::from_rows(rows);
    let mut iris = described.iris();
    iris.extend(described.of.keys().cloned());
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let t = strings(lang);
    let kinds = [
        (x::LESSON_LEARNED, t["lessons_learned"]),
        (x::BARRIER, t["barriers"]),
        (x::TRANSFER_PREREQUISITE, t["prerequisites"]),
    ];
    let mut groups = Vec::new();
    for (class, heading) in kinds {
        let mut lessons: Vec<LessonRow> = described
            .of
            .iter()
            .filter(|(_, props)| iris_of(props, vocab::RDF_TYPE).iter().any(|c| c == class))
            .map(|(l, props)| {
                let (text, text_lang) = text_lang_of(props, DESCRIPTION, lang)
                    .unwrap_or_else(|| (linker.label(l), linker.label_lang(l)));
                LessonRow {
                    link: linker.link(l),
                    text,
                    text_lang,
                    sources: sources_of(props, &linker),
                }
            })
            .collect();
        lessons.sort_by(|a, b| a.text.cmp(&b.text));
        if !lessons.is_empty() {
            groups.push(LessonGroup {
                heading: heading.to_owned(),
                lessons,
            });
        }
    }
    Ok(groups)
}

/// A contact point: the organisation or unit (its page here) and its public page.
#[derive(Serialize, Debug)]
pub struct ContactRow {
    pub link: Link,
    pub url: Option<String>,
}

/// The contact points of `practice` (one lookup).
pub fn contacts(
    backend: &Backend,
    base_iri: &str,
    practice: &oxigraph::model::NamedNode,
    lang: Lang,
) -> Result<Vec<ContactRow>> {
    let rows = backend.select(&format!(
        "PREFIX schema: <{}>\nSELECT ?c ?url WHERE {{ {practice} schema:contactPoint ?c . OPTIONAL {{ ?c schema:url ?url }} }}",
        ns::SCHEMA
    ))?;
    let mut urls: BTreeMap<String, Option<String>> = BTreeMap::new();
    for row in &rows {
        if let Some(Some(Term::NamedNode(c))) = row.first() {
            let url = match row.get(1) {
                Some(Some(Term::NamedNode(u))) => Some(u.as_str().to_owned()),
                Some(Some(Term::Literal(u))) => Some(u.value().to_owned()),
                _ => None,
            }
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
            let entry = urls.entry(c.as_str().to_owned()).or_default();
            if entry.is_none() {
                *entry = url;
            }
        }
    }
    let iris: BTreeSet<String> = urls.keys().cloned().collect();
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let mut out: Vec<ContactRow> = urls
        .into_iter()
        .map(|(c, url)| ContactRow {
            link: linker.link(&c),
            url,
        })
        .collect();
    out.sort_by(|a, b| a.link.cmp(&b.link));
    Ok(out)
}

/// Longitude and latitude of a WKT point: "POINT(18.067 59.350)" → (18.067, 59.35).
pub fn wkt_point(wkt: &str) -> Option<(f64, f64)> {
    // A CRS IRI may come first: "<http://…/CRS84> POINT(…)".
    let rest = wkt.trim();
    let rest = match rest.strip_prefix('<') {
        Some(r) => r.split_once('>')?.1.trim(),
        None => rest,
    };
    let inner = rest
        .strip_prefix("POINT")
        .or_else(|| rest.strip_prefix("Point"))?
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let mut numbers = inner.split_whitespace().map(str::parse::<f64>);
    let lon = numbers.next()?.ok()?;
    let lat = numbers.next()?.ok()?;
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
}

/// "59.35° N, 18.07° E"; in Swedish "59,35° N, 18,07° Ö" (norr, söder, öster, väster).
pub fn lat_lon_text(lon: f64, lat: f64, lang: Lang) -> String {
    let sv = lang == Lang::Sv;
    let ns = if lat < 0.0 { "S" } else { "N" };
    let ew = match (lon < 0.0, sv) {
        (true, true) => "V",
        (true, false) => "W",
        (false, true) => "Ö",
        (false, false) => "E",
    };
    let degrees = |v: f64| {
        let text = format!("{:.2}", v.abs());
        if sv { text.replace('.', ",") } else { text }
    };
    format!("{}° {ns}, {}° {ew}", degrees(lat), degrees(lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_points_read_longitude_first() {
        assert_eq!(wkt_point("POINT(18.067 59.350)"), Some((18.067, 59.35)));
        assert_eq!(
            wkt_point("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT (-58.38 -34.6)"),
            Some((-58.38, -34.6))
        );
        assert_eq!(wkt_point("POINT(200 10)"), None);
        assert_eq!(wkt_point("LINESTRING(1 2, 3 4)"), None);
        assert_eq!(wkt_point("POINT(x y)"), None);
        assert_eq!(lat_lon_text(-58.38, -34.6, Lang::En), "34.60° S, 58.38° W");
        assert_eq!(lat_lon_text(18.067, 59.35, Lang::Sv), "59,35° N, 18,07° Ö");
    }

    #[test]
    fn amounts_read_as_currency_and_share() {
        assert_eq!(currency("http://qudt.org/vocab/unit/CCY_EUR"), "EUR");
        assert_eq!(currency("http://qudt.org/vocab/unit/EUR"), "EUR");
        assert_eq!(share_percent("0.1", Lang::En).as_deref(), Some("10 %"));
        assert_eq!(share_percent("0.125", Lang::En).as_deref(), Some("12.5 %"));
        assert_eq!(share_percent("0.125", Lang::Sv).as_deref(), Some("12,5 %"));
        assert_eq!(share_percent("n/a", Lang::En), None);
    }
}
