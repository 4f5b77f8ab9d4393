//! `citykg validate`: checks a dataset file offline against the bundled SHACL shapes and prints a
//! report; the caller exits with status 1 when the data does not conform.

use crate::error::Result;
use crate::ingest::shacl::{Report, Validator, Violation};
use crate::store::load::{format_for_path, parse_all};
use std::io::Write;
use std::path::Path;

/// Validates `file` (any RDF format, by extension) with the shapes of the bundle in `bundle_dir`.
/// With `city`, every practice and strategy in the file must also belong to that city.
pub fn validate(file: &Path, city: Option<&str>, bundle_dir: &Path) -> Result<Report> {
    let format = format_for_path(file)?;
    let reader =
        std::fs::File::open(file).map_err(|e| crate::error::Error::io(file.display(), e))?;
    let quads = parse_all(
        &file.display().to_string(),
        std::io::BufReader::new(reader),
        format,
        None,
        None,
    )?;
    let validator = Validator::from_bundle(bundle_dir)?;
    let mut report = validator.validate(&quads)?;
    if let Some(city) = city {
        let expected = format!("https://w3id.org/citykg/id/city/{city}");
        let owned = [
            "https://w3id.org/citykg/ontology#Practice",
            "https://w3id.org/citykg/ontology#Strategy",
        ];
        for quad in &quads {
            if quad.predicate.as_str() == crate::vocab::RDF_TYPE
                && owned
                    .iter()
                    .any(|c| quad.object.to_string() == format!("<{c}>"))
            {
                let subject = quad.subject.to_string();
                let belongs = quads.iter().any(|q| {
                    q.subject == quad.subject
                        && q.predicate.as_str() == "https://w3id.org/citykg/ontology#city"
                        && q.object.to_string() == format!("<{expected}>")
                });
                if !belongs {
                    report.conforms = false;
                    report.results.push(Violation {
                        focus_node: subject.trim_matches(|c| c == '<' || c == '>').to_owned(),
                        path: Some("https://w3id.org/citykg/ontology#city".into()),
                        constraint: "citykg: contribution belongs to the city".into(),
                        value: None,
                        source_shape: None,
                        message: format!(
                            "This resource is not linked to {expected} with ckg:city; a contribution for {city} may only describe {city}'s own practices and strategies."
                        ),
                    });
                }
            }
        }
    }
    Ok(report)
}

/// Prints a report for people: one block per result.
pub fn print_report(report: &Report, mut out: impl Write) -> std::io::Result<()> {
    if report.conforms {
        return writeln!(out, "The data conforms to the citykg shapes.");
    }
    writeln!(out, "{} problem(s) found:", report.results.len())?;
    for r in &report.results {
        writeln!(out)?;
        writeln!(out, "- {}", r.focus_node)?;
        if let Some(path) = &r.path {
            writeln!(out, "  property: {path}")?;
        }
        if let Some(value) = &r.value {
            writeln!(out, "  value: {value}")?;
        }
        writeln!(
            out,
            "  rule: {}",
            r.source_shape.as_deref().unwrap_or(&r.constraint)
        )?;
        writeln!(out, "  {}", r.message)?;
    }
    Ok(())
}
