//! Reading an engine's answers: SPARQL results (JSON) and N-Triples/Turtle into Oxigraph's result
//! types, streamed; a status, header or broken body that signals a timeout, a row cap or an error
//! becomes an error, so a truncated answer is never passed on as a whole one.

use crate::error::{Error, Result};
use oxhttp::model::header::CONTENT_TYPE;
use oxhttp::model::{Body, Response};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Term, Triple};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput,
};
use oxigraph::sparql::{
    CancellationToken, QueryEvaluationError, QueryResults, QuerySolutionIter, QueryTripleIter,
};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Virtuoso's answer to ASK in SPARQL JSON is a one-row table with this variable.
const VIRTUOSO_ASK: &str = "__ASK_RETVAL";

/// Virtuoso turns every `geo:wktLiteral` into its own geometry type, with coordinates stored
/// in single precision (openlink/virtuoso-opensource issues 456, 803, 808; no switch turns it off).
const VIRTUOSO_GEOMETRY: &str = "http://www.openlinksw.com/schemas/virtrdf#Geometry";
const WKT_LITERAL: &str = "http://www.opengis.net/ont/geosparql#wktLiteral";

/// Gives back what was stored: a Virtuoso geometry becomes a `geo:wktLiteral` again, each
/// coordinate written as the shortest decimal of its single-precision value (18.05470085144
/// becomes 18.0547 again; a coordinate with more than seven significant digits stays rounded).
pub fn restore_term(term: Term) -> Term {
    match &term {
        Term::Literal(l) if l.datatype().as_str() == VIRTUOSO_GEOMETRY => {
            let mut text = String::with_capacity(l.value().len());
            let mut number = String::new();
            let flush = |number: &mut String, text: &mut String| {
                if !number.is_empty() {
                    match number.parse::<f64>() {
                        Ok(v) => text.push_str(&format!("{}", v as f32)),
                        Err(_) => text.push_str(number),
                    }
                    number.clear();
                }
            };
            for c in l.value().chars() {
                let starts = c.is_ascii_digit() || matches!(c, '.' | '-' | '+');
                let continues = !number.is_empty() && matches!(c, 'e' | 'E');
                if starts || continues {
                    number.push(c);
                } else {
                    flush(&mut number, &mut text);
                    text.push(c);
                }
            }
            flush(&mut number, &mut text);
            Term::Literal(oxigraph::model::Literal::new_typed_literal(
                text,
                oxigraph::model::NamedNode::new_unchecked(WKT_LITERAL),
            ))
        }
        // Virtuoso's SPARQL JSON writes booleans as 1 and 0; the canonical forms are these.
        Term::Literal(l)
            if l.datatype() == oxigraph::model::vocab::xsd::BOOLEAN
                && matches!(l.value(), "1" | "0") =>
        {
            Term::Literal(oxigraph::model::Literal::new_typed_literal(
                if l.value() == "1" { "true" } else { "false" },
                oxigraph::model::vocab::xsd::BOOLEAN,
            ))
        }
        _ => term,
    }
}

fn restore_solution(solution: oxigraph::sparql::QuerySolution) -> oxigraph::sparql::QuerySolution {
    let variables: Arc<[oxigraph::sparql::Variable]> = solution.variables().into();
    let values: Vec<Option<Term>> = solution
        .values()
        .iter()
        .map(|v| v.clone().map(restore_term))
        .collect();
    (variables, values).into()
}

/// The most of an error body kept for the message.
const ERROR_TEXT: u64 = 2_000;

/// Fails unless the engine answered 2xx without a sign of a cut answer. An engine's 400 is the
/// query's fault (an error the client can fix); anything else is the engine's.
pub fn check(url: &str, response: Response<Body>) -> Result<Response<Body>> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    // Virtuoso: an "anytime" query that ran out of time answers 200 with what it had so far.
    if header("x-sql-state").as_deref() == Some("S1TAT") {
        return Err(Error::Cancelled(format!(
            "{url} stopped the query at its time limit (X-SQL-State: S1TAT)"
        )));
    }
    // Virtuoso: a result cut at ResultSetMaxRows says so in this header.
    if let Some(rows) = header("x-sparql-maxrows") {
        return Err(Error::Engine(format!(
            "{url} cut the answer at {rows} rows (its ResultSetMaxRows); citykg does not pass on a truncated answer"
        )));
    }
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let mut text = String::new();
    let _ = response
        .into_body()
        .take(ERROR_TEXT)
        .read_to_string(&mut text);
    let text = text.trim();
    if status.as_u16() == 400 {
        Err(Error::Invalid(format!(
            "the SPARQL engine refused the request: {text}"
        )))
    } else {
        Err(Error::Engine(format!("{url} answered {status}: {text}")))
    }
}

/// Reads a checked answer whose body is not wanted (an update's) to its end, so that its
/// connection serves the next request.
pub fn finish(response: Response<Body>) {
    let _ = std::io::copy(
        &mut response.into_body().take(TRAILER),
        &mut std::io::sink(),
    );
}

fn content_type(response: &Response<Body>) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// How Virtuoso writes a blank node in SPARQL JSON results: `nodeID://b10091`, which is not a
/// blank node label (the `:` and `/`), so the results parser would refuse the whole answer.
/// A JSON string cannot hold an unescaped `"`, so the pattern only ever matches a blank node's value.
const VIRTUOSO_BNODE_JSON: &[u8] = b"\"bnode\", \"value\": \"nodeID://";
/// What it becomes, with as many bytes: the label `virtuoso-b10091` (one label for one node).
const BNODE_LABEL_JSON: &[u8] = b"\"bnode\", \"value\": \"virtuoso-";
/// The same in SPARQL XML results (a text cannot hold an unescaped `<`).
const VIRTUOSO_BNODE_XML: &[u8] = b"<bnode>nodeID://";
const BNODE_LABEL_XML: &[u8] = b"<bnode>virtuoso-";

const _: () = assert!(VIRTUOSO_BNODE_JSON.len() == BNODE_LABEL_JSON.len());
const _: () = assert!(VIRTUOSO_BNODE_XML.len() == BNODE_LABEL_XML.len());

/// A reader that rewrites Virtuoso's blank node values to labels (`VIRTUOSO_BNODE_*` to
/// `BNODE_LABEL_*`, of the same length, checked at compile time) as the bytes stream through; a
/// match split across two reads is kept back until it is whole.
struct BnodeLabels<R> {
    inner: R,
    pattern: &'static [u8],
    label: &'static [u8],
    /// Bytes read and not handed on yet start at `start`.
    pending: Vec<u8>,
    start: usize,
    /// The bytes of `pending` before this index are final.
    ready: usize,
    done: bool,
}

impl<R: Read> BnodeLabels<R> {
    /// For SPARQL XML results when `xml`, else SPARQL JSON.
    fn new(inner: R, xml: bool) -> Self {
        let (pattern, label) = if xml {
            (VIRTUOSO_BNODE_XML, BNODE_LABEL_XML)
        } else {
            (VIRTUOSO_BNODE_JSON, BNODE_LABEL_JSON)
        };
        Self {
            inner,
            pattern,
            label,
            pending: Vec::new(),
            start: 0,
            ready: 0,
            done: false,
        }
    }

    /// Rewrites the matches in `pending` and marks final every byte that cannot start a match
    /// still to be completed by the next read.
    fn settle(&mut self) {
        let n = self.pattern.len();
        let mut i = self.ready;
        while i < self.pending.len() {
            let rest = &self.pending[i..];
            if rest.len() >= n {
                if rest.starts_with(self.pattern) {
                    self.pending[i..i + n].copy_from_slice(self.label);
                    i += n;
                } else {
                    i += 1;
                }
            } else if !self.done && self.pattern.starts_with(rest) {
                break; // maybe the start of a match: wait for more bytes
            } else {
                i += 1;
            }
        }
        self.ready = i;
    }
}

impl<R: Read> Read for BnodeLabels<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.start == self.ready && !(self.done && self.start == self.pending.len()) {
            // Everything final was handed on: drop it (once per chunk read, not per call).
            self.pending.drain(..self.start);
            self.ready -= self.start;
            self.start = 0;
            let mut chunk = [0u8; 8192];
            let read = self.inner.read(&mut chunk)?;
            if read == 0 {
                self.done = true;
            }
            self.pending.extend_from_slice(&chunk[..read]);
            self.settle();
        }
        let count = (self.ready - self.start).min(out.len());
        out[..count].copy_from_slice(&self.pending[self.start..self.start + count]);
        self.start += count;
        Ok(count)
    }
}

/// The most read after the last result to reach the end of an answer (the closing brackets, the
/// chunked encoding's last chunk): a connection goes back to the pool only when its answer was
/// read to the end.
const TRAILER: u64 = 64 * 1024;

/// A response body that, once its parser has seen the last result (`ended`), reads the little
/// that follows when it is dropped, so that its connection can serve the next query. A body
/// dropped before its end (a cancelled query) is not read on: its connection is closed.
struct DrainAtEnd<R: Read> {
    inner: R,
    ended: Arc<AtomicBool>,
}

impl<R: Read> Read for DrainAtEnd<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(out)
    }
}

impl<R: Read> Drop for DrainAtEnd<R> {
    fn drop(&mut self) {
        if self.ended.load(Ordering::Relaxed) {
            let _ = std::io::copy(&mut (&mut self.inner).take(TRAILER), &mut std::io::sink());
        }
    }
}

/// Wraps `body` for a parser; the flag says when the parser has come to the last result.
fn drained_at_end<R: Read>(body: R) -> (DrainAtEnd<R>, Arc<AtomicBool>) {
    let ended = Arc::new(AtomicBool::new(false));
    (
        DrainAtEnd {
            inner: body,
            ended: ended.clone(),
        },
        ended,
    )
}

fn engine_error(url: &str, e: impl std::fmt::Display) -> QueryEvaluationError {
    QueryEvaluationError::Service(format!("{url}: the answer broke off: {e}").into())
}

/// SPARQL results (solutions or a boolean) from a checked response, stopping when `token` is
/// cancelled. Virtuoso's table-shaped ASK answer becomes a boolean.
pub fn solutions(
    url: &str,
    response: Response<Body>,
    token: CancellationToken,
) -> Result<QueryResults<'static>> {
    let media = content_type(&response);
    let format = QueryResultsFormat::from_media_type(&media).ok_or_else(|| {
        Error::Engine(format!("{url} answered with {media:?}, not SPARQL results"))
    })?;
    let url = url.to_owned();
    let (body, ended) = drained_at_end(response.into_body());
    match QueryResultsParser::from_format(format)
        .for_reader(BnodeLabels::new(body, format == QueryResultsFormat::Xml))
        .map_err(|e| Error::Engine(format!("{url}: unreadable SPARQL results: {e}")))?
    {
        ReaderQueryResultsParserOutput::Boolean(value) => Ok(QueryResults::Boolean(value)),
        ReaderQueryResultsParserOutput::Solutions(reader) => {
            let variables: Arc<[oxigraph::sparql::Variable]> = reader.variables().into();
            if variables.len() == 1 && variables[0].as_str() == VIRTUOSO_ASK {
                let mut value = false;
                for solution in reader {
                    let solution = solution
                        .map_err(|e| Error::Engine(format!("{url}: unreadable ASK answer: {e}")))?;
                    value = match solution.get(0) {
                        Some(Term::Literal(l)) => matches!(l.value(), "1" | "true"),
                        _ => false,
                    };
                }
                ended.store(true, Ordering::Relaxed);
                return Ok(QueryResults::Boolean(value));
            }
            let mut reader = reader;
            let rows = std::iter::from_fn(move || {
                if token.is_cancelled() {
                    return Some(Err(QueryEvaluationError::Cancelled));
                }
                let Some(solution) = reader.next() else {
                    ended.store(true, Ordering::Relaxed);
                    return None;
                };
                Some(
                    solution
                        .map(restore_solution)
                        .map_err(|e| engine_error(&url, e)),
                )
            });
            Ok(QueryResults::Solutions(QuerySolutionIter::new(
                variables, rows,
            )))
        }
    }
}

/// Triples (CONSTRUCT, DESCRIBE) from a checked response in N-Triples or Turtle.
pub fn triples(
    url: &str,
    response: Response<Body>,
    token: CancellationToken,
) -> Result<QueryResults<'static>> {
    let format = rdf_format(url, &response)?;
    let url = url.to_owned();
    let (body, ended) = drained_at_end(response.into_body());
    let mut parser = RdfParser::from_format(format).for_reader(body);
    let triples = std::iter::from_fn(move || {
        if token.is_cancelled() {
            return Some(Err(QueryEvaluationError::Cancelled));
        }
        let Some(quad) = parser.next() else {
            ended.store(true, Ordering::Relaxed);
            return None;
        };
        Some(
            quad.map(|q| {
                let t = Triple::from(q);
                Triple::new(t.subject, t.predicate, restore_term(t.object))
            })
            .map_err(|e| engine_error(&url, e)),
        )
    });
    Ok(QueryResults::Graph(QueryTripleIter::new(triples)))
}

/// The RDF format of a response: N-Triples, Turtle or N-Quads (plain text is N-Triples).
pub fn rdf_format(url: &str, response: &Response<Body>) -> Result<RdfFormat> {
    let media = content_type(response);
    match media.as_str() {
        "text/plain" | "text/ntriples" => Ok(RdfFormat::NTriples),
        other => RdfFormat::from_media_type(other)
            .filter(|f| {
                matches!(
                    f,
                    RdfFormat::NTriples | RdfFormat::Turtle | RdfFormat::NQuads
                )
            })
            .ok_or_else(|| {
                Error::Engine(format!(
                    "{url} answered with {media:?}, not N-Triples or Turtle"
                ))
            }),
    }
}

/// Collects solutions into rows, for internal queries.
pub fn rows(results: QueryResults<'static>) -> Result<Vec<Vec<Option<Term>>>> {
    match results {
        QueryResults::Solutions(solutions) => {
            let width = solutions.variables().len();
            let mut rows = Vec::new();
            for solution in solutions {
                let solution = solution.map_err(|e| Error::Engine(e.to_string()))?;
                rows.push((0..width).map(|i| solution.get(i).cloned()).collect());
            }
            Ok(rows)
        }
        _ => Err(Error::Invalid("expected a SELECT query".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNode};

    #[test]
    fn virtuoso_blank_nodes_become_labels_wherever_the_reads_split() {
        let json = br#"{"head":{"vars":["s","o"]},"results":{"bindings":[
            {"s": { "type": "bnode", "value": "nodeID://b10091" }, "o": { "type": "literal", "value": "nodeID://not a node" }},
            {"s": { "type": "bnode", "value": "nodeID://b10092" }, "o": { "type": "bnode", "value": "nodeID://b10091" }}]}}"#;
        let xml = br#"<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="s"/><variable name="o"/></head><results>
            <result><binding name="s"><bnode>nodeID://b10091</bnode></binding><binding name="o"><literal>nodeID://not a node</literal></binding></result>
            <result><binding name="s"><bnode>nodeID://b10092</bnode></binding><binding name="o"><bnode>nodeID://b10091</bnode></binding></result>
            </results></sparql>"#;
        /// Hands out at most `step` bytes a read.
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.1.min(out.len()).min(self.0.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        for (format, answer) in [
            (QueryResultsFormat::Json, &json[..]),
            (QueryResultsFormat::Xml, &xml[..]),
        ] {
            for step in [1, 2, 7, 29, 8192] {
                let mut text = String::new();
                BnodeLabels::new(Trickle(answer, step), format == QueryResultsFormat::Xml)
                    .read_to_string(&mut text)
                    .expect("read");
                assert_eq!(
                    text.matches("virtuoso-b1009").count(),
                    3,
                    "{format:?}, step {step}: {text}"
                );
                assert!(
                    text.contains("nodeID://not a node"),
                    "a literal is left alone"
                );
                let parsed = QueryResultsParser::from_format(format)
                    .for_reader(text.as_bytes())
                    .expect("results");
                let ReaderQueryResultsParserOutput::Solutions(rows) = parsed else {
                    panic!("solutions expected");
                };
                let rows: Vec<_> = rows.collect::<std::result::Result<_, _>>().expect("rows");
                assert_eq!(rows.len(), 2);
                assert_eq!(rows[1].get("o"), rows[0].get("s"), "one node, one label");
            }
        }
    }

    #[test]
    fn virtuoso_geometries_read_back_as_stored() {
        let stored = Term::Literal(Literal::new_typed_literal(
            "POINT(18.05470085144 59.327499389648)",
            NamedNode::new_unchecked(VIRTUOSO_GEOMETRY),
        ));
        let Term::Literal(back) = restore_term(stored) else {
            panic!("a literal")
        };
        assert_eq!(back.value(), "POINT(18.0547 59.3275)");
        assert_eq!(back.datatype().as_str(), WKT_LITERAL);
        let west = Term::Literal(Literal::new_typed_literal(
            "POINT(-8.411399841309 43.362300872803)",
            NamedNode::new_unchecked(VIRTUOSO_GEOMETRY),
        ));
        let Term::Literal(back) = restore_term(west) else {
            panic!("a literal")
        };
        assert_eq!(back.value(), "POINT(-8.4114 43.3623)");
        let yes = Term::Literal(Literal::new_typed_literal(
            "1",
            oxigraph::model::vocab::xsd::BOOLEAN,
        ));
        assert_eq!(
            restore_term(yes),
            Term::Literal(Literal::new_typed_literal(
                "true",
                oxigraph::model::vocab::xsd::BOOLEAN
            ))
        );
    }
}
