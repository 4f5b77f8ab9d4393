//! Result formats of the SPARQL protocol and HTTP content negotiation with q-values.

use oxigraph::io::{JsonLdProfileSet, RdfFormat};
use oxigraph::sparql::results::QueryResultsFormat;

/// What a query produces, which decides the formats it can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    /// SELECT
    Solutions,
    /// ASK
    Boolean,
    /// CONSTRUCT and DESCRIBE
    Graph,
}

/// A concrete output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Results(QueryResultsFormat),
    Rdf(RdfFormat),
    /// N3 asked for by name (`text/n3`): Turtle, which is N3, labelled as N3.
    N3,
    /// The server-rendered HTML page (for browsers only).
    Html,
}

impl OutputFormat {
    /// The Content-Type header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Results(QueryResultsFormat::Json) => "application/sparql-results+json",
            Self::Results(QueryResultsFormat::Xml) => "application/sparql-results+xml",
            Self::Results(QueryResultsFormat::Csv) => "text/csv; charset=utf-8",
            Self::Results(QueryResultsFormat::Tsv) => "text/tab-separated-values; charset=utf-8",
            Self::Results(_) => "application/octet-stream",
            Self::Rdf(RdfFormat::Turtle) => "text/turtle; charset=utf-8",
            Self::Rdf(RdfFormat::NTriples) => "application/n-triples",
            Self::Rdf(RdfFormat::NQuads) => "application/n-quads",
            Self::Rdf(RdfFormat::TriG) => "application/trig",
            Self::Rdf(RdfFormat::RdfXml) => "application/rdf+xml",
            Self::Rdf(RdfFormat::JsonLd { .. }) => "application/ld+json",
            Self::Rdf(_) => "application/octet-stream",
            Self::N3 => "text/n3; charset=utf-8",
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

/// The media types offered for a kind of result, in the server's order of preference.
pub fn offered(kind: ResultKind) -> Vec<(&'static str, OutputFormat)> {
    match kind {
        ResultKind::Solutions | ResultKind::Boolean => vec![
            (
                "application/sparql-results+json",
                OutputFormat::Results(QueryResultsFormat::Json),
            ),
            (
                "application/sparql-results+xml",
                OutputFormat::Results(QueryResultsFormat::Xml),
            ),
            ("text/csv", OutputFormat::Results(QueryResultsFormat::Csv)),
            (
                "text/tab-separated-values",
                OutputFormat::Results(QueryResultsFormat::Tsv),
            ),
            ("text/tsv", OutputFormat::Results(QueryResultsFormat::Tsv)),
            (
                "application/json",
                OutputFormat::Results(QueryResultsFormat::Json),
            ),
            (
                "application/xml",
                OutputFormat::Results(QueryResultsFormat::Xml),
            ),
        ],
        ResultKind::Graph => rdf_offered(),
    }
}

/// The RDF serialisations offered for graphs, in order of preference.
pub fn rdf_offered() -> Vec<(&'static str, OutputFormat)> {
    vec![
        ("text/turtle", OutputFormat::Rdf(RdfFormat::Turtle)),
        (
            "application/n-triples",
            OutputFormat::Rdf(RdfFormat::NTriples),
        ),
        ("application/rdf+xml", OutputFormat::Rdf(RdfFormat::RdfXml)),
        ("application/ld+json", jsonld()),
        ("application/n-quads", OutputFormat::Rdf(RdfFormat::NQuads)),
        ("application/trig", OutputFormat::Rdf(RdfFormat::TriG)),
        ("text/n3", OutputFormat::N3),
        ("application/x-turtle", OutputFormat::Rdf(RdfFormat::Turtle)),
        ("application/turtle", OutputFormat::Rdf(RdfFormat::Turtle)),
        ("text/rdf+n3", OutputFormat::N3),
        ("application/n3", OutputFormat::N3),
        ("application/x-json+ld", jsonld()),
        ("text/plain", OutputFormat::Rdf(RdfFormat::NTriples)),
        ("application/xml", OutputFormat::Rdf(RdfFormat::RdfXml)),
        ("application/json", jsonld()),
    ]
}

fn jsonld() -> OutputFormat {
    OutputFormat::Rdf(RdfFormat::JsonLd {
        profile: JsonLdProfileSet::empty(),
    })
}

/// A `format` parameter value (short name or media type) for a kind of result.
pub fn from_format_param(value: &str, kind: ResultKind) -> Option<OutputFormat> {
    let value = value.trim().to_ascii_lowercase();
    let media = match value.as_str() {
        "json" | "srj" => "application/sparql-results+json",
        "xml" | "srx" => "application/sparql-results+xml",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "turtle" | "ttl" => "text/turtle",
        "ntriples" | "n-triples" | "nt" => "application/n-triples",
        "rdfxml" | "rdf-xml" | "rdf" => "application/rdf+xml",
        "jsonld" | "json-ld" => "application/ld+json",
        "nquads" | "n-quads" | "nq" => "application/n-quads",
        "trig" => "application/trig",
        "n3" => "text/n3",
        "html" => return Some(OutputFormat::Html),
        other => other,
    };
    // "json" and "xml" mean the RDF flavour for graphs.
    let media = match (kind, media) {
        (ResultKind::Graph, "application/sparql-results+json") => "application/ld+json",
        (ResultKind::Graph, "application/sparql-results+xml") => "application/rdf+xml",
        (_, m) => m,
    };
    offered(kind)
        .into_iter()
        .find(|(m, _)| *m == media)
        .map(|(_, f)| f)
}

/// The first of several `format`/`output` values that fits `kind`. Each value may be a short
/// name, a media type or a comma-separated list of them (SPARQLWrapper sends
/// `format=json-ld&format=application/ld+json,application/x-json+ld`); parameters after `;` are
/// ignored. None when no value fits, and the caller falls back to Accept.
pub fn from_format_params(values: &[String], kind: ResultKind) -> Option<OutputFormat> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|v| v.split(';').next().unwrap_or("").trim())
        .filter(|v| !v.is_empty())
        .find_map(|v| from_format_param(v, kind))
}

/// One entry of an Accept header.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptItem {
    pub media_type: String,
    pub q: f32,
}

/// Parses an Accept header; malformed parts are skipped, a missing q is 1.
pub fn parse_accept(header: &str) -> Vec<AcceptItem> {
    header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let media_type = pieces.next()?.trim().to_ascii_lowercase();
            if media_type.is_empty() || !media_type.contains('/') {
                return None;
            }
            let mut q = 1.0f32;
            for param in pieces {
                if let Some((k, v)) = param.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            Some(AcceptItem {
                media_type,
                q: q.clamp(0.0, 1.0),
            })
        })
        .collect()
}

/// How well `accept` takes the media type `offer`: the q of the most specific matching range
/// (exact beats `type/*` beats `*/*`), or None when no range matches.
pub fn quality(accept: &[AcceptItem], offer: &str) -> Option<f32> {
    let (offer_type, _) = offer.split_once('/').unwrap_or((offer, ""));
    let mut best: Option<(u8, f32)> = None;
    for item in accept {
        let specificity = if item.media_type == offer {
            3
        } else if item.media_type.ends_with("/*")
            && item.media_type.trim_end_matches("/*") == offer_type
        {
            2
        } else if item.media_type == "*/*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, item.q));
        }
    }
    best.map(|(_, q)| q)
}

/// Picks the offered format the client prefers: highest q, ties to the server's order.
/// No (or an empty) Accept header means the first offer. None means nothing fits (406).
pub fn choose<T: Copy>(
    accept: Option<&str>,
    offers: &[(&'static str, T)],
) -> Option<(&'static str, T)> {
    let accept = match accept.map(str::trim) {
        None | Some("") => return offers.first().copied(),
        Some(a) => parse_accept(a),
    };
    let mut best: Option<(f32, &'static str, T)> = None;
    for (media, value) in offers {
        if let Some(q) = quality(&accept, media)
            && q > 0.0
            && best.is_none_or(|(bq, _, _)| q > bq)
        {
            best = Some((q, media, *value));
        }
    }
    best.map(|(_, m, v)| (m, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values_pick_the_preferred_offer() {
        let offers = offered(ResultKind::Solutions);
        let chosen = choose(
            Some("application/sparql-results+xml;q=0.9, text/csv"),
            &offers,
        );
        assert_eq!(chosen.map(|c| c.0), Some("text/csv"));
        let chosen = choose(
            Some("text/*;q=0.5, application/sparql-results+xml;q=0.4"),
            &offers,
        );
        assert_eq!(chosen.map(|c| c.0), Some("text/csv"));
        assert!(choose(Some("image/png"), &offers).is_none());
        assert!(choose(Some("text/csv;q=0"), &offers).is_none());
        assert_eq!(
            choose(None, &offers).map(|c| c.0),
            Some("application/sparql-results+json")
        );
        assert_eq!(
            choose(Some("*/*"), &offers).map(|c| c.0),
            Some("application/sparql-results+json")
        );
    }

    #[test]
    fn specific_ranges_override_wildcards() {
        let accept = parse_accept("*/*;q=0.8, text/csv;q=0");
        assert_eq!(quality(&accept, "text/csv"), Some(0.0));
        assert_eq!(quality(&accept, "text/turtle"), Some(0.8));
    }

    #[test]
    fn format_parameter_maps_short_names() {
        assert_eq!(from_format_param("json", ResultKind::Graph), Some(jsonld()));
        assert_eq!(
            from_format_param("csv", ResultKind::Solutions),
            Some(OutputFormat::Results(QueryResultsFormat::Csv))
        );
        assert_eq!(from_format_param("csv", ResultKind::Graph), None);
        assert_eq!(
            from_format_param("n3", ResultKind::Graph),
            Some(OutputFormat::N3)
        );
    }

    #[test]
    fn the_first_fitting_format_value_wins() {
        let values = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            from_format_params(
                &values(&["json-ld", "application/ld+json,application/x-json+ld"]),
                ResultKind::Graph
            ),
            Some(jsonld())
        );
        assert_eq!(
            from_format_params(&values(&["bogus", "", "text/tsv"]), ResultKind::Solutions),
            Some(OutputFormat::Results(QueryResultsFormat::Tsv))
        );
        assert_eq!(
            from_format_params(&values(&["turtle"]), ResultKind::Solutions),
            None
        );
        assert_eq!(from_format_params(&[], ResultKind::Solutions), None);
    }
}
