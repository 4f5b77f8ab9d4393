//! `citykg validate`: checks a dataset file offline against the bundled SHACL shapes and prints a
//! report; the caller exits with status 1 when the data does not conform.

use crate::error::{Error, Result};
use crate::ingest::contribution::{Contributions, InputFormat};
use crate::ingest::shacl::{Report, Validator};
use crate::store::Backend;
use crate::store::load::parse_all;
use std::io::Write;
use std::path::Path;

/// Validates `file` (any RDF format or the CSV template, by extension) with the shapes of the
/// bundle in `bundle_dir`, offline. With `city`, the ownership rules of a contribution for that city
/// apply too (its practices and strategies belong to it, nobody else's resources are described);
/// the CSV template needs `city`.
pub fn validate(file: &Path, city: Option<&str>, bundle_dir: &Path) -> Result<Report> {
    let format = InputFormat::from_path(file).ok_or_else(|| {
        Error::Invalid(format!(
            "{}: unknown format (use .ttl, .jsonld, .nt, .rdf, .trig or .csv)",
            file.display()
        ))
    })?;
    let bytes = std::fs::read(file).map_err(|e| Error::io(file.display(), e))?;
    let origin = file.display().to_string();
    let scratch = std::env::temp_dir();
    let pipeline = Contributions::new(
        Backend::in_memory()?,
        bundle_dir,
        &scratch,
        crate::vocab::DEFAULT_BASE_IRI,
    )?;
    match city {
        Some(city) => {
            let triples = pipeline.parse(city, &origin, &bytes, format)?;
            pipeline.check(city, &triples)
        }
        None => {
            let InputFormat::Rdf(rdf) = format else {
                return Err(Error::Invalid(
                    "a CSV file describes one city's practices: give --city".into(),
                ));
            };
            let quads = parse_all(&origin, bytes.as_slice(), rdf, None, None)?;
            Validator::from_bundle(bundle_dir)?.validate(&quads)
        }
    }
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
