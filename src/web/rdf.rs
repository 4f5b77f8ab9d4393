//! RDF answers: choosing an RDF serialisation from a `format` parameter or Accept, and writing a
//! set of triples in it (the service description, VoID, contribution versions).

use super::error::WebError;
use super::request::wants_html;
use crate::sparql::formats::{self, OutputFormat, ResultKind};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Triple;

/// The formats a graph answer is offered in, for error messages.
pub const OFFERED: &str =
    "text/turtle, application/n-triples, application/rdf+xml and application/ld+json";

/// The RDF format a client asked for: a `format` parameter (short name or media type) wins, else
/// Accept (Turtle when Accept is missing). A parameter that names no RDF format is a 400; an
/// Accept that fits none is a 406.
pub fn choose(format_param: Option<&str>, headers: &HeaderMap) -> Result<RdfFormat, WebError> {
    if let Some(name) = format_param {
        return match formats::from_format_param(name, ResultKind::Graph) {
            Some(OutputFormat::Rdf(format)) => Ok(format),
            Some(OutputFormat::N3) => Ok(RdfFormat::Turtle),
            _ => Err(WebError::bad_request(format!(
                "parameter format: {name:?} is not an RDF format (turtle, jsonld, ntriples, rdfxml)"
            ))),
        };
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    match formats::choose(accept, &formats::rdf_offered()) {
        Some((_, OutputFormat::Rdf(format))) => Ok(format),
        Some((_, OutputFormat::N3)) => Ok(RdfFormat::Turtle),
        _ => Err(WebError::not_acceptable(format!(
            "this resource is available as {OFFERED}"
        ))),
    }
}

/// Like [`choose`], but a browser following a link (Accept prefers HTML, no `format`) gets Turtle
/// shown as plain text instead of a download or a 406. Returns the format and whether to label
/// it `text/plain`.
pub fn choose_for_reading(
    format_param: Option<&str>,
    headers: &HeaderMap,
) -> Result<(RdfFormat, bool), WebError> {
    if format_param.is_none() && wants_html(headers) {
        return Ok((RdfFormat::Turtle, true));
    }
    choose(format_param, headers).map(|f| (f, false))
}

/// Serialises `triples` (with `prefixes` where the format has them) into a 200 answer with the
/// format's Content-Type (or `text/plain` when `as_text`) and `Vary: Accept`.
pub fn triples_response<'a>(
    triples: impl IntoIterator<Item = &'a Triple>,
    format: RdfFormat,
    prefixes: &[(&str, &str)],
    as_text: bool,
) -> Result<Response, WebError> {
    let mut serializer = RdfSerializer::from_format(format);
    for (prefix, iri) in prefixes {
        serializer = serializer
            .with_prefix(*prefix, *iri)
            .map_err(|e| WebError::internal(e.to_string()))?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    for triple in triples {
        writer
            .serialize_triple(triple)
            .map_err(|e| WebError::internal(e.to_string()))?;
    }
    let bytes = writer
        .finish()
        .map_err(|e| WebError::internal(e.to_string()))?;
    let content_type = if as_text {
        "text/plain; charset=utf-8"
    } else {
        OutputFormat::Rdf(format).content_type()
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn parameter_wins_then_accept() {
        assert_eq!(
            choose(Some("ntriples"), &accept("text/turtle")).ok(),
            Some(RdfFormat::NTriples)
        );
        assert_eq!(
            choose(None, &accept("application/rdf+xml")).ok(),
            Some(RdfFormat::RdfXml)
        );
        assert_eq!(
            choose(None, &HeaderMap::new()).ok(),
            Some(RdfFormat::Turtle)
        );
        assert_eq!(
            choose(Some("csv"), &HeaderMap::new())
                .err()
                .map(|e| e.status),
            Some(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            choose(None, &accept("image/png")).err().map(|e| e.status),
            Some(StatusCode::NOT_ACCEPTABLE)
        );
        assert_eq!(
            choose_for_reading(None, &accept("text/html")).ok(),
            Some((RdfFormat::Turtle, true))
        );
    }
}
