//! The CSV template for data stewards who do not write RDF: one row per practice, repeatable
//! outcome columns; its mapping to the ontology (docs/contribute.md) and the export of a city's
//! practices in the same shape. Errors name the row and the column.

use crate::error::{Error, Result};
use crate::ingest::tokens::is_slug;
use crate::store::Backend;
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use std::collections::{BTreeMap, BTreeSet, HashSet};

const CKG: &str = "https://w3id.org/citykg/ontology#";
const SCHEMA: &str = "https://schema.org/";
const DCTERMS: &str = "http://purl.org/dc/terms/";
const PROV: &str = "http://www.w3.org/ns/prov#";
const QUDT: &str = "http://qudt.org/schema/qudt/";
const UNIT: &str = "http://qudt.org/vocab/unit/";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const W3ORG: &str = "http://www.w3.org/ns/org#";
const SDG: &str = "http://metadata.un.org/sdg/";

/// The practice columns, in template order; `name` and `description` may repeat with a language
/// tag (`name@sv`), and the outcome columns repeat as `outcome1_…`, `outcome2_…`.
pub const PRACTICE_COLUMNS: [&str; 14] = [
    "practice_id",
    "name@en",
    "description@en",
    "start",
    "end",
    "themes",
    "goals",
    "sdgs",
    "partners",
    "verification",
    "source_urls",
    "source_titles",
    "source_publishers",
    "note@en",
];
/// The columns of one outcome, after the `outcomeN_` prefix.
pub const OUTCOME_FIELDS: [&str; 12] = [
    "id",
    "indicator@en",
    "value",
    "unit",
    "year",
    "target",
    "qualifier",
    "baseline",
    "source_url",
    "source_title",
    "verification",
    "note@en",
];

/// The header of the empty template, with `outcomes` sets of outcome columns.
pub fn template_header(outcomes: usize) -> Vec<String> {
    let mut header: Vec<String> = PRACTICE_COLUMNS.iter().map(|c| c.to_string()).collect();
    for n in 1..=outcomes {
        header.extend(OUTCOME_FIELDS.iter().map(|f| format!("outcome{n}_{f}")));
    }
    header
}

/// An error that names the row and the column.
fn cell_error(origin: &str, row: u64, column: usize, name: &str, message: String) -> Error {
    Error::Parse {
        path: format!(
            "{origin}: row {row}, column {} ({name})",
            column_letter(column)
        ),
        message,
    }
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Splits a list cell: items on separate lines or separated by `;`.
fn list(cell: &str) -> Vec<String> {
    cell.split(['\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Splits a cell whose items may themselves contain `;` (titles, publishers): one per line.
fn lines(cell: &str) -> Vec<String> {
    cell.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A slug from free text, as the data conventions make them: lowercase ASCII runs joined by `-`.
pub fn slugify(text: &str, max: usize) -> String {
    let mut slug = String::new();
    for c in text.to_lowercase().chars() {
        let c = match c {
            'å' | 'ä' | 'á' | 'à' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            'í' => 'i',
            c => c,
        };
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug: String = slug.chars().take(max).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// The source identifier the data conventions derive from a document URL.
pub fn source_slug(url: &str) -> String {
    let without_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    slugify(without_scheme, 80)
}

struct Row<'a> {
    origin: &'a str,
    line: u64,
    header: &'a [String],
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn index(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
    fn get(&self, name: &str) -> &str {
        self.index(name)
            .and_then(|i| self.record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }
    fn error(&self, name: &str, message: String) -> Error {
        let column = self.index(name).unwrap_or(0);
        cell_error(self.origin, self.line, column, name, message)
    }
    /// `(language, text)` for every non-empty `{field}` / `{field}@lang` column.
    fn texts(&self, field: &str) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for (i, name) in self.header.iter().enumerate() {
            let lang = if name == field {
                "en"
            } else if let Some(lang) = name.strip_prefix(field).and_then(|r| r.strip_prefix('@')) {
                lang
            } else {
                continue;
            };
            let text = self.record.get(i).map(str::trim).unwrap_or("");
            if !text.is_empty() {
                Literal::new_language_tagged_literal("", lang.to_ascii_lowercase()).map_err(
                    |e| {
                        cell_error(
                            self.origin,
                            self.line,
                            i,
                            name,
                            format!("{lang:?} is not a language tag: {e}"),
                        )
                    },
                )?;
                out.push((lang.to_ascii_lowercase(), text.to_owned()));
            }
        }
        Ok(out)
    }
}

fn iri(s: String) -> Result<NamedNode> {
    NamedNode::new(s.clone()).map_err(|e| Error::Invalid(format!("{s:?} is not a valid IRI: {e}")))
}

fn lang_literal(text: &str, lang: &str) -> Result<Literal> {
    Literal::new_language_tagged_literal(text, lang)
        .map_err(|e| Error::Invalid(format!("{lang:?} is not a language tag: {e}")))
}

/// Maps a CSV file (the template's columns) to triples for `city`. `known_orgs` are the slugs of
/// organisations already described in the store; a partner given by name gets a new organisation.
pub fn to_triples(
    origin: &str,
    bytes: &[u8],
    city: &str,
    base: &str,
    known_orgs: &HashSet<String>,
) -> Result<Vec<Triple>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(origin, e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    for required in ["practice_id", "source_urls"] {
        if !header.iter().any(|h| h == required) {
            return Err(Error::Parse {
                path: format!("{origin}: row 1"),
                message: format!(
                    "the header has no {required:?} column; start from the template (/contribute/template.csv)"
                ),
            });
        }
    }
    let mut outcome_numbers = BTreeSet::new();
    for (i, name) in header.iter().enumerate() {
        let known = PRACTICE_COLUMNS.contains(&name.as_str())
            || name.starts_with("name@")
            || name.starts_with("description@")
            || name.starts_with("note@")
            || name == "name"
            || name == "note"
            || name == "description";
        if known {
            continue;
        }
        let parsed = name.strip_prefix("outcome").and_then(|rest| {
            let (n, field) = rest.split_once('_')?;
            let n: usize = n.parse().ok()?;
            let ok = OUTCOME_FIELDS.contains(&field)
                || field == "indicator"
                || field.starts_with("indicator@")
                || field == "note"
                || field.starts_with("note@");
            ok.then_some(n)
        });
        match parsed {
            Some(n) => {
                outcome_numbers.insert(n);
            }
            None => {
                return Err(cell_error(
                    origin,
                    1,
                    i,
                    name,
                    format!(
                        "unknown column {name:?}; the template's columns are described in docs/contribute.md"
                    ),
                ));
            }
        }
    }

    let city_iri = iri(format!("{base}id/city/{city}"))?;
    let mut out = Vec::new();
    let mut seen_practices = HashSet::new();
    let mut add = |s: &NamedNode, p: &str, o: Term| -> Result<()> {
        out.push(Triple::new(
            NamedOrBlankNode::from(s.clone()),
            iri(p.to_owned())?,
            o,
        ));
        Ok(())
    };
    let mut described_sources = HashSet::new();
    let mut described_orgs = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(origin, e))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = Row {
            origin,
            line,
            header: &header,
            record: &record,
        };

        // practice identifier
        let names = row.texts("name")?;
        let id = row.get("practice_id");
        let slug = if id.is_empty() {
            let from_name = names
                .first()
                .map(|(_, n)| slugify(n, 60))
                .unwrap_or_default();
            if from_name.is_empty() {
                return Err(row.error(
                    "practice_id",
                    "give the practice an identifier or a name".into(),
                ));
            }
            format!("{city}-{from_name}")
        } else if id.starts_with(&format!("{city}-")) {
            id.to_owned()
        } else {
            format!("{city}-{id}")
        };
        if !is_slug(&slug) {
            return Err(row.error("practice_id", format!(
                "{id:?} is not a valid identifier: use lowercase letters, digits and single hyphens, e.g. {city}-smart-parking"
            )));
        }
        if !seen_practices.insert(slug.clone()) {
            return Err(row.error(
                "practice_id",
                format!("the practice {slug} appears twice in the file"),
            ));
        }
        let practice = iri(format!("{base}id/practice/{slug}"))?;
        add(
            &practice,
            rdf::TYPE.as_str(),
            iri(format!("{CKG}Practice"))?.into(),
        )?;
        add(&practice, &format!("{CKG}city"), city_iri.clone().into())?;
        for (lang, text) in names {
            add(
                &practice,
                &format!("{SCHEMA}name"),
                lang_literal(&text, &lang)?.into(),
            )?;
        }
        for (lang, text) in row.texts("description")? {
            add(
                &practice,
                &format!("{DCTERMS}description"),
                lang_literal(&text, &lang)?.into(),
            )?;
        }
        for (column, predicate) in [("start", "startDate"), ("end", "endDate")] {
            let value = row.get(column);
            if value.is_empty() {
                continue;
            }
            let literal = date_literal(value).ok_or_else(|| {
                row.error(
                    column,
                    format!("{value:?} is not a year (2016) or a date (2016-05-31)"),
                )
            })?;
            add(&practice, &format!("{SCHEMA}{predicate}"), literal.into())?;
        }
        for theme in list(row.get("themes")) {
            if !is_slug(&theme) {
                return Err(row.error(
                    "themes",
                    format!("{theme:?} is not a theme identifier such as mobility (see /ontology)"),
                ));
            }
            add(
                &practice,
                &format!("{DCTERMS}subject"),
                iri(format!("{base}id/theme/{theme}"))?.into(),
            )?;
        }
        for goal in list(row.get("goals")) {
            let goal_slug = if goal.starts_with(&format!("{city}-")) {
                goal.clone()
            } else {
                format!("{city}-{goal}")
            };
            if !is_slug(&goal_slug) {
                return Err(row.error(
                    "goals",
                    format!("{goal:?} is not a goal identifier such as {city}-climate-neutral"),
                ));
            }
            add(
                &practice,
                &format!("{CKG}servesGoal"),
                iri(format!("{base}id/goal/{goal_slug}"))?.into(),
            )?;
        }
        for sdg in list(row.get("sdgs")) {
            let sdg = sdg.trim_start_matches("SDG").trim().to_ascii_lowercase();
            if !is_sdg(&sdg) {
                return Err(row.error(
                    "sdgs",
                    format!("{sdg:?} is not an SDG goal or target such as 11 or 11.2"),
                ));
            }
            add(
                &practice,
                &format!("{CKG}servesGoal"),
                iri(format!("{SDG}{sdg}"))?.into(),
            )?;
        }
        for partner in lines(row.get("partners")).iter().flat_map(|l| list(l)) {
            let (slug, label) = if is_slug(&partner) {
                (partner.clone(), None)
            } else {
                (slugify(&partner, 60), Some(partner.clone()))
            };
            if slug.is_empty() {
                return Err(row.error(
                    "partners",
                    format!("{partner:?} is neither an organisation identifier nor a name"),
                ));
            }
            let org = iri(format!("{base}id/org/{slug}"))?;
            add(&practice, &format!("{CKG}partner"), org.clone().into())?;
            if let Some(label) = label
                && !known_orgs.contains(&slug)
                && described_orgs.insert(slug.clone())
            {
                add(
                    &org,
                    rdf::TYPE.as_str(),
                    iri(format!("{W3ORG}Organization"))?.into(),
                )?;
                add(
                    &org,
                    &format!("{SKOS}prefLabel"),
                    lang_literal(&label, "en")?.into(),
                )?;
            }
        }
        for (lang, text) in row.texts("note")? {
            add(
                &practice,
                &format!("{SKOS}note"),
                lang_literal(&text, &lang)?.into(),
            )?;
        }
        let verification = row.get("verification");
        if !verification.is_empty() {
            add(
                &practice,
                &format!("{CKG}verification"),
                Literal::new_simple_literal(verification).into(),
            )?;
        }
        let urls = list(
            row.get("source_urls")
                .replace(char::is_whitespace, "\n")
                .as_str(),
        );
        let titles = lines(row.get("source_titles"));
        let publishers = lines(row.get("source_publishers"));
        if urls.is_empty() {
            return Err(row.error("source_urls", "every practice needs at least one source: the URL of the document its facts come from".into()));
        }
        let mut sources = BTreeMap::new();
        for (i, url) in urls.iter().enumerate() {
            let document = NamedNode::new(url.clone()).map_err(|e| {
                row.error("source_urls", format!("{url:?} is not a valid URL: {e}"))
            })?;
            let source = iri(format!("{base}id/source/{}", source_slug(url)))?;
            add(
                &practice,
                &format!("{PROV}wasDerivedFrom"),
                source.clone().into(),
            )?;
            if described_sources.insert(source.clone()) {
                add(
                    &source,
                    rdf::TYPE.as_str(),
                    iri(format!("{CKG}Source"))?.into(),
                )?;
                add(&source, &format!("{SCHEMA}url"), document.into())?;
                match titles.get(i) {
                    Some(title) => add(&source, &format!("{DCTERMS}title"), lang_literal(title, "en")?.into())?,
                    None => return Err(row.error("source_titles", format!("no title for the source {url} (one title per line, in the order of source_urls)"))),
                }
                if let Some(publisher) = publishers.get(i).filter(|p| !p.is_empty() && *p != "-") {
                    add(
                        &source,
                        &format!("{DCTERMS}publisher"),
                        Literal::new_simple_literal(publisher).into(),
                    )?;
                }
            }
            sources.insert(url.clone(), source);
        }
        let first_source = sources.get(&urls[0]).cloned();

        for n in &outcome_numbers {
            let field = |f: &str| format!("outcome{n}_{f}");
            let indicators = row.texts(&field("indicator"))?;
            let value = row.get(&field("value"));
            if indicators.is_empty() && value.is_empty() {
                continue;
            }
            let Some((_, first_indicator)) = indicators.first() else {
                return Err(row.error(
                    &field("indicator@en"),
                    "an outcome with a value needs an indicator: what the figure measures".into(),
                ));
            };
            let id = row.get(&field("id"));
            let outcome_slug = if id.is_empty() {
                format!("{slug}-{}", slugify(first_indicator, 40))
            } else {
                id.to_owned()
            };
            if !is_slug(&outcome_slug) || !outcome_slug.starts_with(&format!("{city}-")) {
                return Err(row.error(&field("id"), format!("{outcome_slug:?} is not a valid outcome identifier (it must start with {city}-)")));
            }
            let outcome = iri(format!("{base}id/outcome/{outcome_slug}"))?;
            add(&practice, &format!("{CKG}outcome"), outcome.clone().into())?;
            add(
                &outcome,
                rdf::TYPE.as_str(),
                iri(format!("{CKG}Outcome"))?.into(),
            )?;
            for (lang, text) in &indicators {
                add(
                    &outcome,
                    &format!("{CKG}indicator"),
                    lang_literal(text, lang)?.into(),
                )?;
            }
            if value.parse::<f64>().is_err() {
                return Err(row.error(&field("value"), format!("{value:?} is not a number (use a dot for decimals, no thousands separators)")));
            }
            // Values are decimals, as in the bundled data (an exponent makes a double).
            let datatype = if value.contains(['e', 'E']) {
                xsd::DOUBLE
            } else {
                xsd::DECIMAL
            };
            add(
                &outcome,
                &format!("{QUDT}numericValue"),
                Literal::new_typed_literal(value, datatype).into(),
            )?;
            let unit = row.get(&field("unit"));
            if unit.is_empty() {
                return Err(row.error(
                    &field("unit"),
                    "give the unit as a QUDT unit code such as PERCENT, KiloM or CCY_EUR".into(),
                ));
            }
            let unit_iri = if unit.contains(':') {
                unit.to_owned()
            } else {
                format!("{UNIT}{unit}")
            };
            let unit_iri = NamedNode::new(unit_iri).map_err(|e| {
                row.error(&field("unit"), format!("{unit:?} is not a unit code: {e}"))
            })?;
            add(&outcome, &format!("{QUDT}unit"), unit_iri.into())?;
            let year = row.get(&field("year"));
            if year.is_empty() {
                add(
                    &outcome,
                    &format!("{CKG}yearNotStated"),
                    Literal::from(true).into(),
                )?;
            } else if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) {
                add(
                    &outcome,
                    &format!("{DCTERMS}temporal"),
                    Literal::new_typed_literal(year, xsd::G_YEAR).into(),
                )?;
            } else {
                return Err(row.error(&field("year"), format!("{year:?} is not a year such as 2020 (leave it empty when the source gives none)")));
            }
            let target = match row.get(&field("target")).to_ascii_lowercase().as_str() {
                "target" | "yes" | "true" => true,
                "achieved" | "no" | "false" => false,
                other => return Err(row.error(&field("target"), format!("{other:?}: write \"target\" for a goal to reach or \"achieved\" for a measured result"))),
            };
            add(
                &outcome,
                &format!("{CKG}isTarget"),
                Literal::from(target).into(),
            )?;
            for (f, predicate) in [
                ("qualifier", "valueQualifier"),
                ("verification", "verification"),
            ] {
                let v = row.get(&field(f));
                if !v.is_empty() {
                    add(
                        &outcome,
                        &format!("{CKG}{predicate}"),
                        Literal::new_simple_literal(v).into(),
                    )?;
                }
            }
            for (lang, text) in row.texts(&field("note"))? {
                add(
                    &outcome,
                    &format!("{SKOS}note"),
                    lang_literal(&text, &lang)?.into(),
                )?;
            }
            let baseline = row.get(&field("baseline"));
            if !baseline.is_empty() {
                add(
                    &outcome,
                    &format!("{CKG}baseline"),
                    Literal::new_simple_literal(baseline).into(),
                )?;
            }
            let outcome_urls = list(
                row.get(&field("source_url"))
                    .replace(char::is_whitespace, "\n")
                    .as_str(),
            );
            let outcome_titles = lines(row.get(&field("source_title")));
            let mut extra_titles = outcome_titles.iter();
            let mut outcome_sources = Vec::new();
            for url in &outcome_urls {
                if let Some(source) = sources.get(url) {
                    outcome_sources.push(source.clone());
                    continue;
                }
                let document = NamedNode::new(url.clone()).map_err(|e| {
                    row.error(
                        &field("source_url"),
                        format!("{url:?} is not a valid URL: {e}"),
                    )
                })?;
                let source = iri(format!("{base}id/source/{}", source_slug(url)))?;
                let title = extra_titles.next();
                if described_sources.insert(source.clone()) {
                    let Some(title) = title else {
                        return Err(row.error(&field("source_title"), format!("the outcome cites {url}, which is not among the practice's source_urls: give its title here (one line per such source)")));
                    };
                    add(
                        &source,
                        rdf::TYPE.as_str(),
                        iri(format!("{CKG}Source"))?.into(),
                    )?;
                    add(&source, &format!("{SCHEMA}url"), document.into())?;
                    add(
                        &source,
                        &format!("{DCTERMS}title"),
                        lang_literal(title, "en")?.into(),
                    )?;
                }
                outcome_sources.push(source);
            }
            if outcome_sources.is_empty() {
                outcome_sources.extend(first_source.clone());
            }
            for source in outcome_sources {
                add(&outcome, &format!("{PROV}wasDerivedFrom"), source.into())?;
            }
        }
    }
    Ok(out)
}

fn csv_error(origin: &str, e: csv::Error) -> Error {
    let position = e
        .position()
        .map(|p| format!(": row {}", p.line()))
        .unwrap_or_default();
    Error::Parse {
        path: format!("{origin}{position}"),
        message: match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("the row has {len} cells but the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => {
                "the file is not UTF-8 text; save the CSV as UTF-8".into()
            }
            _ => e.to_string(),
        },
    }
}

fn is_sdg(s: &str) -> bool {
    let (goal, target) = match s.split_once('.') {
        Some((g, t)) => (g, Some(t)),
        None => (s, None),
    };
    let goal_ok = goal.parse::<u8>().is_ok_and(|g| (1..=17).contains(&g)) && !goal.starts_with('0');
    let target_ok = target.is_none_or(|t| {
        !t.is_empty()
            && t.len() <= 2
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    });
    goal_ok && target_ok
}

fn date_literal(value: &str) -> Option<Literal> {
    let bytes = value.as_bytes();
    if value.len() == 4 && bytes.iter().all(u8::is_ascii_digit) {
        return Some(Literal::new_typed_literal(value, xsd::G_YEAR));
    }
    if value.len() == 10 && value.parse::<oxsdatatypes::Date>().is_ok() {
        return Some(Literal::new_typed_literal(value, xsd::DATE));
    }
    None
}

/// Exports `city`'s practices from the store as CSV in the template's shape, so a steward can
/// start from what is already there. Values the template has no column for are left out.
pub fn export(backend: &Backend, city: &str, base: &str) -> Result<String> {
    let city_iri = iri(format!("{base}id/city/{city}"))?;
    let practice_rows = backend.select(&format!(
        "SELECT ?p ?pred ?o WHERE {{ ?p a <{CKG}Practice> ; <{CKG}city> {city_iri} ; ?pred ?o }} ORDER BY ?p"
    ))?;
    let outcome_rows = backend.select(&format!(
        "SELECT ?p ?out ?pred ?o WHERE {{ ?p a <{CKG}Practice> ; <{CKG}city> {city_iri} ; <{CKG}outcome> ?out . ?out ?pred ?o }} ORDER BY ?p ?out"
    ))?;
    let source_rows = backend.select(&format!(
        "SELECT DISTINCT ?src ?url ?title ?publisher WHERE {{ ?p <{CKG}city> {city_iri} . {{ ?p <{PROV}wasDerivedFrom> ?src }} UNION {{ ?p <{CKG}outcome>/<{PROV}wasDerivedFrom> ?src }} ?src <{SCHEMA}url> ?url . OPTIONAL {{ ?src <{DCTERMS}title> ?title }} OPTIONAL {{ ?src <{DCTERMS}publisher> ?publisher }} }}"
    ))?;
    let text = |t: &Option<Term>| match t {
        Some(Term::Literal(l)) => l.value().to_owned(),
        Some(Term::NamedNode(n)) => n.as_str().to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let local = |t: &Option<Term>, prefix: &str| text(t).strip_prefix(prefix).map(str::to_owned);
    let mut source_info: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for row in &source_rows {
        source_info
            .entry(text(&row[0]))
            .or_insert_with(|| (text(&row[1]), text(&row[2]), text(&row[3])));
    }

    #[derive(Default)]
    struct P {
        cells: BTreeMap<String, Vec<String>>,
        sources: Vec<String>,
        outcomes: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    }
    let mut practices: BTreeMap<String, P> = BTreeMap::new();
    let mut name_langs = BTreeSet::new();
    for row in &practice_rows {
        let Some(slug) = local(&row[0], &format!("{base}id/practice/")) else {
            continue;
        };
        let p = practices.entry(slug).or_default();
        let pred = text(&row[1]);
        let lang = match &row[2] {
            Some(Term::Literal(l)) => l.language().unwrap_or("en").to_owned(),
            _ => "en".into(),
        };
        let (column, value) = match pred.as_str() {
            p if p == format!("{SCHEMA}name") => {
                name_langs.insert(lang.clone());
                (format!("name@{lang}"), text(&row[2]))
            }
            p if p == format!("{DCTERMS}description") => {
                name_langs.insert(lang.clone());
                (format!("description@{lang}"), text(&row[2]))
            }
            p if p == format!("{SKOS}note") => (format!("note@{lang}"), text(&row[2])),
            p if p == format!("{SCHEMA}startDate") => ("start".into(), text(&row[2])),
            p if p == format!("{SCHEMA}endDate") => ("end".into(), text(&row[2])),
            p if p == format!("{DCTERMS}subject") => (
                "themes".into(),
                local(&row[2], &format!("{base}id/theme/")).unwrap_or_default(),
            ),
            p if p == format!("{CKG}servesGoal") => {
                match local(&row[2], &format!("{base}id/goal/")) {
                    Some(goal) => ("goals".into(), goal),
                    None => ("sdgs".into(), local(&row[2], SDG).unwrap_or_default()),
                }
            }
            p if p == format!("{CKG}partner") => (
                "partners".into(),
                local(&row[2], &format!("{base}id/org/")).unwrap_or_default(),
            ),
            p if p == format!("{CKG}verification") => ("verification".into(), text(&row[2])),
            _ => continue,
        };
        if !value.is_empty() {
            p.cells.entry(column).or_default().push(value);
        }
    }
    // sources of each practice, in a stable order
    for row in &practice_rows {
        if text(&row[1]) != format!("{PROV}wasDerivedFrom") {
            continue;
        }
        let Some(slug) = local(&row[0], &format!("{base}id/practice/")) else {
            continue;
        };
        if let Some(p) = practices.get_mut(&slug) {
            let src = text(&row[2]);
            if !p.sources.contains(&src) {
                p.sources.push(src);
            }
        }
    }
    for row in &outcome_rows {
        let Some(slug) = local(&row[0], &format!("{base}id/practice/")) else {
            continue;
        };
        let Some(out) = local(&row[1], &format!("{base}id/outcome/")) else {
            continue;
        };
        let pred = text(&row[2]);
        let lang = match &row[3] {
            Some(Term::Literal(l)) => l.language().unwrap_or("en").to_owned(),
            _ => "en".into(),
        };
        let (field, value) = match pred.as_str() {
            p if p == format!("{CKG}indicator") => (format!("indicator@{lang}"), text(&row[3])),
            p if p == format!("{SKOS}note") => (format!("note@{lang}"), text(&row[3])),
            p if p == format!("{QUDT}numericValue") => ("value".into(), text(&row[3])),
            p if p == format!("{QUDT}unit") => (
                "unit".into(),
                local(&row[3], UNIT).unwrap_or_else(|| text(&row[3])),
            ),
            p if p == format!("{DCTERMS}temporal") => ("year".into(), text(&row[3])),
            p if p == format!("{CKG}isTarget") => (
                "target".into(),
                if text(&row[3]) == "true" {
                    "target".into()
                } else {
                    "achieved".into()
                },
            ),
            p if p == format!("{CKG}valueQualifier") => ("qualifier".into(), text(&row[3])),
            p if p == format!("{CKG}baseline") => ("baseline".into(), text(&row[3])),
            p if p == format!("{CKG}verification") => ("verification".into(), text(&row[3])),
            p if p == format!("{PROV}wasDerivedFrom") => {
                let source = text(&row[3]);
                let info = source_info.get(&source).cloned().unwrap_or_default();
                if let Some(p) = practices.get_mut(&slug) {
                    let fields = p.outcomes.entry(out.clone()).or_default();
                    fields.entry("source_url".into()).or_default().push(info.0);
                    if !p.sources.contains(&source) {
                        fields
                            .entry("source_title".into())
                            .or_default()
                            .push(info.1);
                    }
                }
                continue;
            }
            _ => continue,
        };
        if let Some(p) = practices.get_mut(&slug) {
            p.outcomes
                .entry(out)
                .or_default()
                .entry(field)
                .or_default()
                .push(value);
        }
    }
    let max_outcomes = practices
        .values()
        .map(|p| p.outcomes.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut header: Vec<String> = vec!["practice_id".into()];
    for lang in &name_langs {
        header.push(format!("name@{lang}"));
        header.push(format!("description@{lang}"));
    }
    header.extend(PRACTICE_COLUMNS[3..].iter().map(|c| c.to_string()));
    for n in 1..=max_outcomes {
        header.extend(OUTCOME_FIELDS.iter().map(|f| format!("outcome{n}_{f}")));
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(&header)
        .map_err(|e| Error::Invalid(format!("CSV: {e}")))?;
    for (slug, p) in &practices {
        let mut cells = Vec::with_capacity(header.len());
        for column in &header {
            let value = if column == "practice_id" {
                slug.clone()
            } else if column == "source_urls"
                || column == "source_titles"
                || column == "source_publishers"
            {
                let pick = |s: &(String, String, String)| match column.as_str() {
                    "source_urls" => s.0.clone(),
                    "source_titles" => s.1.clone(),
                    _ => {
                        if s.2.is_empty() {
                            "-".into()
                        } else {
                            s.2.clone()
                        }
                    }
                };
                p.sources
                    .iter()
                    .filter_map(|s| source_info.get(s))
                    .map(pick)
                    .collect::<Vec<_>>()
                    .join("\n")
            } else if let Some(rest) = column.strip_prefix("outcome") {
                let (n, field) = rest.split_once('_').unwrap_or(("0", ""));
                let n: usize = n.parse().unwrap_or(0);
                match p.outcomes.iter().nth(n.saturating_sub(1)) {
                    Some((id, _)) if field == "id" => id.clone(),
                    Some((_, fields)) => {
                        fields.get(field).map(|v| v.join("\n")).unwrap_or_default()
                    }
                    None => String::new(),
                }
            } else {
                let mut values = p.cells.get(column).cloned().unwrap_or_default();
                values.sort();
                values.join(
                    if column == "partners"
                        || column == "themes"
                        || column == "goals"
                        || column == "sdgs"
                    {
                        "; "
                    } else {
                        "\n"
                    },
                )
            };
            cells.push(value);
        }
        writer
            .write_record(&cells)
            .map_err(|e| Error::Invalid(format!("CSV: {e}")))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Invalid(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Invalid(format!("CSV: {e}")))
}
