//! Parsing and evaluating SPARQL over the Backend with a cancellation token, and writing results
//! to any `Write` in a chosen format, row by row, so large results never sit whole in memory.

use super::federation::Federation;
use super::formats::{OutputFormat, ResultKind};
use crate::error::{Error, Result};
use crate::store::Backend;
use oxigraph::io::RdfSerializer;
use oxigraph::model::{GraphName, NamedNode};
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use spargebra::SparqlParser;
use std::io::Write;

/// A parsed query with the dataset the protocol asked for.
#[derive(Clone, Debug)]
pub struct QueryRequest {
    pub query: spargebra::Query,
    /// `default-graph-uri` values: when non-empty, the default graph is their merge.
    pub default_graphs: Vec<NamedNode>,
    /// `named-graph-uri` values: when non-empty, only these graphs are visible to GRAPH.
    pub named_graphs: Vec<NamedNode>,
}

impl QueryRequest {
    /// Parses query text; the error names the position of the problem.
    pub fn parse(text: &str, base_iri: Option<&str>) -> Result<Self> {
        let mut parser = SparqlParser::new();
        if let Some(base) = base_iri {
            parser = parser
                .with_base_iri(base)
                .map_err(|e| Error::Invalid(format!("invalid base IRI: {e}")))?;
        }
        let query = parser
            .parse_query(text)
            .map_err(|e| Error::Syntax(format!("invalid SPARQL query: {e}")))?;
        Ok(Self {
            query,
            default_graphs: Vec::new(),
            named_graphs: Vec::new(),
        })
    }

    /// SELECT, ASK, or CONSTRUCT/DESCRIBE.
    pub fn kind(&self) -> ResultKind {
        match self.query {
            spargebra::Query::Select { .. } => ResultKind::Solutions,
            spargebra::Query::Ask { .. } => ResultKind::Boolean,
            spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => {
                ResultKind::Graph
            }
        }
    }

    /// True for a lookup: a SELECT (optionally DISTINCT, LIMIT/OFFSET) over one basic graph
    /// pattern of at most four triple patterns that all start from a given subject IRI, without
    /// a dataset. Its work is bounded by what the store says about those subjects.
    pub fn is_lookup(&self) -> bool {
        use spargebra::algebra::GraphPattern;
        use spargebra::term::TermPattern;
        if !self.default_graphs.is_empty() || !self.named_graphs.is_empty() {
            return false;
        }
        let spargebra::Query::Select {
            pattern, dataset, ..
        } = &self.query
        else {
            return false;
        };
        if dataset.is_some() {
            return false;
        }
        let mut pattern = pattern;
        loop {
            pattern = match pattern {
                GraphPattern::Project { inner, .. }
                | GraphPattern::Distinct { inner }
                | GraphPattern::Reduced { inner }
                | GraphPattern::Slice { inner, .. } => inner,
                GraphPattern::Bgp { patterns } => {
                    return !patterns.is_empty()
                        && patterns.len() <= 4
                        && patterns
                            .iter()
                            .all(|t| matches!(t.subject, TermPattern::NamedNode(_)));
                }
                _ => return false,
            }
        }
    }

    /// Evaluates the query. Without a dataset in the query or the request, the default graph is
    /// the union of all named graphs. `token` stops the evaluation when cancelled.
    pub fn evaluate(
        &self,
        backend: &Backend,
        federation: &Federation,
        token: CancellationToken,
    ) -> Result<QueryResults<'static>> {
        if let Some(remote) = backend.remote() {
            federation.check_services(&self.query)?;
            return remote.evaluate(&self.query, &self.default_graphs, &self.named_graphs, token);
        }
        let evaluator = federation.configure(SparqlEvaluator::new().with_cancellation_token(token));
        let mut prepared = evaluator.for_query(self.query.clone());
        let dataset = prepared.dataset_mut();
        if !self.default_graphs.is_empty() || !self.named_graphs.is_empty() {
            dataset.set_default_graph(
                self.default_graphs
                    .iter()
                    .cloned()
                    .map(GraphName::NamedNode)
                    .collect(),
            );
            // The protocol's dataset replaces the query's: graphs not named are not visible.
            dataset.set_available_named_graphs(
                self.named_graphs.iter().cloned().map(Into::into).collect(),
            );
        } else if dataset.is_default_dataset() {
            dataset.set_default_graph_as_union();
        }
        let Some(store) = backend.embedded() else {
            return Err(Error::Invalid("no store to evaluate on".into()));
        };
        prepared.on_store(store).execute().map_err(evaluation_error)
    }
}

/// Maps an evaluation error to the library error, keeping cancellation distinct.
pub fn evaluation_error(error: QueryEvaluationError) -> Error {
    match error {
        QueryEvaluationError::Cancelled => Error::Cancelled("the query was stopped".into()),
        QueryEvaluationError::UnsupportedService(service) => Error::Invalid(format!(
            "SERVICE {service} is not allowed: this endpoint only federates with the endpoints it was started with (--federate-allow)"
        )),
        other => Error::Evaluation(other.to_string()),
    }
}

fn io_error(error: std::io::Error) -> Error {
    // A serialiser fails with the evaluation error wrapped in an I/O error; unwrap it again.
    if let Some(inner) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<QueryEvaluationError>())
        && matches!(inner, QueryEvaluationError::Cancelled)
    {
        return Error::Cancelled("the query was stopped".into());
    }
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return Error::Cancelled("the client went away".into());
    }
    Error::Evaluation(error.to_string())
}

/// Writes query results in `format`, one solution or triple at a time, and gives the writer back.
/// Pass the writer by value where speed matters: serializers write strings one character at a
/// time, and a writer they own is inlined into that loop.
pub fn write_results<W: Write>(
    results: QueryResults<'static>,
    format: OutputFormat,
    writer: W,
) -> Result<W> {
    let writer = match (results, format) {
        (QueryResults::Solutions(solutions), OutputFormat::Results(f)) => {
            let mut out = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(writer, solutions.variables().to_vec())
                .map_err(io_error)?;
            for solution in solutions {
                let solution = solution.map_err(evaluation_error)?;
                out.serialize(&solution).map_err(io_error)?;
            }
            out.finish().map_err(io_error)?
        }
        (QueryResults::Boolean(value), OutputFormat::Results(f)) => {
            QueryResultsSerializer::from_format(f)
                .serialize_boolean_to_writer(writer, value)
                .map_err(io_error)?
        }
        (QueryResults::Graph(triples), OutputFormat::Rdf(_) | OutputFormat::N3) => {
            let f = match format {
                OutputFormat::Rdf(f) => f,
                _ => oxigraph::io::RdfFormat::Turtle,
            };
            let mut out = RdfSerializer::from_format(f)
                .with_prefix("ckg", crate::vocab::CKG)
                .map_err(|e| Error::Invalid(e.to_string()))?
                .for_writer(writer);
            for triple in triples {
                let triple = triple.map_err(evaluation_error)?;
                out.serialize_triple(&triple).map_err(io_error)?;
            }
            out.finish().map_err(io_error)?
        }
        _ => {
            return Err(Error::Invalid(
                "this result format does not fit the kind of query".into(),
            ));
        }
    };
    Ok(writer)
}

/// Parses and applies a SPARQL update in one transaction, then moves the data version on.
pub fn apply_update(
    backend: &Backend,
    federation: &Federation,
    text: &str,
    token: CancellationToken,
) -> Result<()> {
    if let Some(remote) = backend.remote() {
        let update = spargebra::SparqlParser::new()
            .parse_update(text)
            .map_err(|e| Error::Syntax(format!("invalid SPARQL update: {e}")))?;
        remote.update(&update.to_string())?;
    } else if let Some(store) = backend.embedded() {
        federation
            .configure(SparqlEvaluator::new().with_cancellation_token(token))
            .parse_update(text)
            .map_err(|e| Error::Syntax(format!("invalid SPARQL update: {e}")))?
            .on_store(store)
            .execute()
            .map_err(|e| Error::Evaluation(format!("the update failed: {e}")))?;
    }
    backend.bump_data_version()?;
    crate::store::derived::ensure_fresh(backend)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_told_apart() {
        let lookup = |q: &str| {
            QueryRequest::parse(q, None)
                .map(|r| r.is_lookup())
                .unwrap_or(false)
        };
        assert!(lookup("SELECT ?p ?o WHERE { <http://a> ?p ?o }"));
        assert!(lookup(
            "SELECT DISTINCT ?o WHERE { <http://a> <http://p> ?o . <http://b> ?q ?o } LIMIT 3"
        ));
        assert!(!lookup("SELECT * WHERE { ?s ?p ?o }"));
        assert!(!lookup("SELECT ?o WHERE { <http://a> ?p ?o . ?o ?q ?r }"));
        assert!(!lookup("SELECT ?o WHERE { <http://a> ?p ?o } ORDER BY ?o"));
        assert!(!lookup(
            "SELECT (COUNT(*) AS ?n) WHERE { <http://a> ?p ?o }"
        ));
        assert!(!lookup(
            "SELECT ?o FROM <http://g> WHERE { <http://a> ?p ?o }"
        ));
        assert!(!lookup("ASK { <http://a> ?p ?o }"));
    }
}
