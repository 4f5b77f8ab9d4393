//! SPARQL `SERVICE`: off by default (an open endpoint must not fetch arbitrary URLs for anyone);
//! each endpoint named with `--federate-allow` gets a handler that queries it over HTTP.

use oxhttp::model::header::{ACCEPT, CONTENT_TYPE};
use oxhttp::model::{Method, Request};
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput,
};
use oxigraph::sparql::{QueryEvaluationError, QuerySolutionIter, ServiceHandler, SparqlEvaluator};
use spargebra::algebra::GraphPattern;
use std::sync::Arc;
use std::time::Duration;

/// The endpoints SERVICE may call, and the timeout for each call.
#[derive(Clone, Default)]
pub struct Federation {
    allowed: Vec<NamedNode>,
    timeout: Duration,
}

impl Federation {
    /// No SERVICE calls at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// SERVICE calls only to `allowed`, each bounded by `timeout`.
    pub fn allow(allowed: Vec<NamedNode>, timeout: Duration) -> Self {
        Self { allowed, timeout }
    }

    pub fn allowed(&self) -> &[NamedNode] {
        &self.allowed
    }

    /// Sets up an evaluator: no default HTTP handler, one handler per allowed endpoint.
    pub fn configure(&self, evaluator: SparqlEvaluator) -> SparqlEvaluator {
        let mut evaluator = evaluator.without_default_http_service_handler();
        for endpoint in &self.allowed {
            evaluator = evaluator.with_service_handler(
                endpoint.clone(),
                RemoteEndpoint::new(endpoint.clone(), self.timeout),
            );
        }
        evaluator
    }
}

/// Sends the SERVICE pattern to one remote SPARQL endpoint as a SELECT query.
struct RemoteEndpoint {
    endpoint: NamedNode,
    client: Arc<oxhttp::Client>,
}

impl RemoteEndpoint {
    fn new(endpoint: NamedNode, timeout: Duration) -> Self {
        let client = oxhttp::Client::new()
            .with_global_timeout(timeout)
            .with_redirection_limit(0);
        Self {
            endpoint,
            client: Arc::new(client),
        }
    }
}

fn service_error(message: impl Into<String>) -> QueryEvaluationError {
    let message: String = message.into();
    QueryEvaluationError::Service(message.into())
}

impl ServiceHandler for RemoteEndpoint {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        pattern: &GraphPattern,
        base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, Self::Error> {
        let query = spargebra::Query::Select {
            dataset: None,
            pattern: pattern.clone(),
            base_iri: base_iri.cloned(),
        }
        .to_string();
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.endpoint.as_str())
            .header(
                ACCEPT,
                "application/sparql-results+json, application/sparql-results+xml",
            )
            .header(CONTENT_TYPE, "application/sparql-query")
            .body(query.into_bytes())
            .map_err(|e| service_error(format!("bad request to {}: {e}", self.endpoint)))?;
        let response = self
            .client
            .request(request)
            .map_err(|e| service_error(format!("{} did not answer: {e}", self.endpoint)))?;
        if !response.status().is_success() {
            return Err(service_error(format!(
                "{} answered {}",
                self.endpoint,
                response.status()
            )));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let format = QueryResultsFormat::from_media_type(&content_type).ok_or_else(|| {
            service_error(format!(
                "{} answered with an unsupported type {content_type:?}",
                self.endpoint
            ))
        })?;
        let ReaderQueryResultsParserOutput::Solutions(reader) =
            QueryResultsParser::from_format(format)
                .for_reader(response.into_body())
                .map_err(|e| service_error(format!("{}: {e}", self.endpoint)))?
        else {
            return Err(service_error(format!(
                "{} returned a boolean, not solutions",
                self.endpoint
            )));
        };
        Ok(QuerySolutionIter::new(
            reader.variables().into(),
            Box::new(reader.map(|t| t.map_err(|e| QueryEvaluationError::Service(Box::new(e))))),
        ))
    }
}
