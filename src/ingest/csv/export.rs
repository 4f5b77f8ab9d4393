//! A city's practices exported from the store as CSV in the template's shape, so a data steward
//! can start from what is already there.

use super::{OUTCOME_FIELDS, PRACTICE_COLUMNS, iri};
use crate::error::{Error, Result};
use crate::store::Backend;
use crate::vocab::ns::{DCTERMS, PROV, QUDT, SCHEMA, SDG, SKOS, UNIT};
use crate::vocab::{CKG, exchange};
use oxigraph::model::Term;
use std::collections::{BTreeMap, BTreeSet};

/// Exports `city`'s practices from the store as CSV in the template's shape, so a steward can
/// start from what is already there. Values the template has no column for are left out.
/// start from what is already there. Values the template has no column for are left out.
pub fn export(backend: &Backend, city: &str, base: &str) -> Result<String> {
    let city_iri = iri(format!("{base}id/city/{city}"))?;
    let practice_rows = backend.select(&format!(
        "SELECT ?p ?pred ?o WHERE {{ ?p a <{CKG}Practice> ; <{CKG}city> {city_iri} ; ?pred ?o }} ORDER BY ?p ?pred ?o"
    ))?;
    let outcome_rows = backend.select(&format!(
        "SELECT ?p ?out ?pred ?o WHERE {{ ?p a <{CKG}Practice> ; <{CKG}city> {city_iri} ; <{CKG}outcome> ?out . ?out ?pred ?o }} ORDER BY ?p ?out ?pred ?o"
    ))?;
    let source_rows = backend.select(&format!(
        "SELECT DISTINCT ?src ?url ?title ?publisher WHERE {{ ?p <{CKG}city> {city_iri} . {{ ?p <{PROV}wasDerivedFrom> ?src }} UNION {{ ?p <{CKG}outcome>/<{PROV}wasDerivedFrom> ?src }} ?src <{SCHEMA}url> ?url . OPTIONAL {{ ?src <{DCTERMS}title> ?title }} OPTIONAL {{ ?src <{DCTERMS}publisher> ?publisher }} }} ORDER BY ?src ?url ?title ?publisher"
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
            p if p == exchange::STAGE => (
                "stage".into(),
                local(&row[2], exchange::STAGE_NS).unwrap_or_else(|| text(&row[2])),
            ),
            p if p == exchange::STAGE_YEAR => ("stage_year".into(), text(&row[2])),
            p if p == exchange::ADAPTED_FROM => (
                "adapted_from".into(),
                local(&row[2], &format!("{base}id/practice/")).unwrap_or_else(|| text(&row[2])),
            ),
            p if p == exchange::CONTACT_POINT => (
                "contact".into(),
                local(&row[2], &format!("{base}id/org/")).unwrap_or_default(),
            ),
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
                        || column == "contact"
                        || column == "adapted_from"
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
