//! The CSV template mapped to triples for one city: practices, their goals, themes, partners,
//! sources and repeatable outcomes. Every error names the row and the column (`C3`, `name@sv`).
//! `to_triples` is one long pass over the columns in template order, so a reader can follow it
//! beside docs/contribute.md's table.

use super::{OUTCOME_FIELDS, PRACTICE_COLUMNS, iri, slugify, source_slug};
use crate::error::{Error, Result};
use crate::slug::is_slug;
use crate::vocab::CKG;
use crate::vocab::exchange::{ADAPTED_FROM, STAGE, STAGE_NS, STAGE_YEAR};
use crate::vocab::ns::{DCTERMS, ORG as W3ORG, PROV, QUDT, SCHEMA, SDG, SKOS, UNIT};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The concepts of the `ckg:stages` scheme (ontology/schemes.ttl).
const STAGES: [&str; 5] = ["idea", "pilot", "operational", "scaled", "ended"];

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

/// One data row of the file, with what an error message needs to name a cell.
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
        // Partners and the contact point: an organisation's identifier, or a name that becomes a
        // new organisation.
        let partners = lines(row.get("partners"))
            .iter()
            .flat_map(|l| list(l))
            .map(|p| ("partners", format!("{CKG}partner"), p))
            .collect::<Vec<_>>();
        let contacts = list(row.get("contact"))
            .into_iter()
            .map(|c| ("contact", format!("{SCHEMA}contactPoint"), c));
        for (column, predicate, partner) in partners.into_iter().chain(contacts) {
            let (slug, label) = if is_slug(&partner) {
                (partner.clone(), None)
            } else {
                (slugify(&partner, 60), Some(partner.clone()))
            };
            if slug.is_empty() {
                return Err(row.error(
                    column,
                    format!("{partner:?} is neither an organisation identifier nor a name"),
                ));
            }
            let org = iri(format!("{base}id/org/{slug}"))?;
            add(&practice, &predicate, org.clone().into())?;
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
        // Stage (a concept of the ckg:stages scheme), the year it was reached, and practices of
        // other cities this one was adapted from (a transfer must say so too; the shapes check it).
        let stage = row.get("stage").trim().to_ascii_lowercase();
        if !stage.is_empty() {
            if !STAGES.contains(&stage.as_str()) {
                return Err(row.error(
                    "stage",
                    format!("{stage:?} is not a stage; use one of {}", STAGES.join(", ")),
                ));
            }
            add(&practice, STAGE, iri(format!("{STAGE_NS}{stage}"))?.into())?;
        }
        let stage_year = row.get("stage_year").trim();
        if !stage_year.is_empty() {
            let year = date_literal(stage_year)
                .filter(|_| stage_year.len() == 4)
                .ok_or_else(|| {
                    row.error(
                        "stage_year",
                        format!("{stage_year:?} is not a year such as 2018"),
                    )
                })?;
            add(&practice, STAGE_YEAR, year.into())?;
        }
        for from in list(row.get("adapted_from")) {
            let prefix = format!("{base}id/practice/");
            let slug = from.strip_prefix(&prefix).unwrap_or(&from).to_owned();
            if !is_slug(&slug) || slug.starts_with(&format!("{city}-")) {
                return Err(row.error(
                    "adapted_from",
                    format!(
                        "{from:?} is not another city's practice identifier such as stockholm-congestion-tax"
                    ),
                ));
            }
            add(
                &practice,
                ADAPTED_FROM,
                iri(format!("{prefix}{slug}"))?.into(),
            )?;
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
