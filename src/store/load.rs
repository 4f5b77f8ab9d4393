//! Parsing RDF files into quads (errors name file, line and column) and bulk loading them into the store.

use super::Backend;
use crate::error::{Error, Result};
use oxigraph::io::{RdfFormat, RdfParseError, RdfParser};
use oxigraph::model::{GraphName, NamedNode, Quad};
use std::io::Read;
use std::path::Path;

/// Guesses the RDF format of a file from its extension.
pub fn format_for_path(path: &Path) -> Result<RdfFormat> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let format = match extension.as_str() {
        "json" => RdfFormat::from_extension("jsonld"),
        "xml" | "owl" => Some(RdfFormat::RdfXml),
        other => RdfFormat::from_extension(other),
    };
    format.ok_or_else(|| {
        Error::Invalid(format!(
            "{}: unknown RDF format for extension {extension:?} (use .ttl, .trig, .nt, .nq, .rdf or .jsonld)",
            path.display()
        ))
    })
}

/// Turns a parser error into an error that says where: `file:line:column: message` (1-based).
pub fn describe_parse_error(origin: &str, error: RdfParseError) -> Error {
    match error {
        RdfParseError::Syntax(e) => {
            let message = e.to_string();
            match e.location() {
                Some(range) => Error::Parse {
                    path: format!(
                        "{origin}:{}:{}",
                        range.start.line + 1,
                        range.start.column + 1
                    ),
                    message,
                },
                None => Error::Parse {
                    path: origin.to_owned(),
                    message,
                },
            }
        }
        // The parsers' own limits (a token larger than their buffer) surface as I/O errors of
        // these kinds: the input is at fault, so they are parse errors (a 400, not a 500).
        RdfParseError::Io(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::OutOfMemory | std::io::ErrorKind::InvalidData
            ) =>
        {
            Error::Parse {
                path: origin.to_owned(),
                message: format!(
                    "{e} (one literal, IRI or other token is larger than the parser accepts)"
                ),
            }
        }
        RdfParseError::Io(e) => Error::io(origin, e),
    }
}

/// Parses all of `reader` into quads; triples go to `graph` (or the default graph).
/// Nothing is returned unless the whole input parses.
pub fn parse_all(
    origin: &str,
    reader: impl Read,
    format: RdfFormat,
    graph: Option<&NamedNode>,
    base_iri: Option<&str>,
) -> Result<Vec<Quad>> {
    let mut parser = RdfParser::from_format(format);
    if let Some(graph) = graph {
        parser = parser.with_default_graph(GraphName::NamedNode(graph.clone()));
    }
    if let Some(base) = base_iri {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| Error::Invalid(format!("invalid base IRI {base:?}: {e}")))?;
    }
    parser
        .for_reader(reader)
        .map(|q| q.map_err(|e| describe_parse_error(origin, e)))
        .collect()
}

/// Bulk-loads one file into the store (into `graph` when the format has no graphs of its own),
/// calling `progress` with the number of quads loaded so far. Returns the number of quads loaded.
/// The whole file is loaded, or on error nothing of it.
pub fn bulk_load_file(
    backend: &Backend,
    path: &Path,
    graph: Option<&NamedNode>,
    progress: impl Fn(u64) + Send + Sync + 'static,
) -> Result<u64> {
    let format = format_for_path(path)?;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let origin = path.display().to_string();
    let Some(store) = backend.embedded() else {
        // A remote engine: the whole file is parsed first, so a syntax error sends nothing.
        let quads = parse_all(&origin, std::io::BufReader::new(file), format, graph, None)?;
        let count = quads.len() as u64;
        backend.insert_bulk(quads)?;
        progress(count);
        backend.bump_data_version()?;
        return Ok(count);
    };
    let mut parser = RdfParser::from_format(format);
    if let Some(graph) = graph {
        parser = parser.with_default_graph(GraphName::NamedNode(graph.clone()));
    }
    let loaded = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = loaded.clone();
    let mut loader = store.bulk_loader().on_progress(move |n| {
        seen.store(n, std::sync::atomic::Ordering::Relaxed);
        progress(n)
    });
    // The bulk loader is atomic: nothing reaches the store before `commit`, so a syntax error
    // half way through the file leaves the store exactly as it was.
    let mut count = 0u64;
    let quads = parser.for_reader(std::io::BufReader::new(file)).map(|q| {
        count += 1;
        q.map_err(|e| describe_parse_error(&origin, e))
    });
    loader.load_ok_quads::<Error, Error>(quads)?;
    loader.commit()?;
    backend.bump_data_version()?;
    Ok(count.max(loaded.load(std::sync::atomic::Ordering::Relaxed)))
}
