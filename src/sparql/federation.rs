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

impl Federation {
    /// For a query another engine evaluates: refuses a SERVICE to an endpoint not allowed, as
    /// the embedded evaluator does (the engine would otherwise call it for anyone).
    pub fn check_services(&self, query: &spargebra::Query) -> crate::error::Result<()> {
        let pattern = match query {
            spargebra::Query::Select { pattern, .. }
            | spargebra::Query::Ask { pattern, .. }
            | spargebra::Query::Construct { pattern, .. }
            | spargebra::Query::Describe { pattern, .. } => pattern,
        };
        let mut names = Vec::new();
        services_in(pattern, &mut names);
        for name in names {
            let allowed = matches!(&name, Some(iri) if self.allowed.iter().any(|a| a == iri));
            if !allowed {
                let shown = name.map_or_else(|| "with a variable".to_owned(), |n| n.to_string());
                return Err(crate::error::Error::Invalid(format!(
                    "SERVICE {shown} is not allowed: this endpoint only federates with the endpoints it was started with (--federate-allow)"
                )));
            }
        }
        Ok(())
    }
}

/// Collects the endpoint of every SERVICE in `pattern` (None for a variable endpoint).
fn services_in(pattern: &GraphPattern, names: &mut Vec<Option<NamedNode>>) {
    use spargebra::term::NamedNodePattern;
    match pattern {
        GraphPattern::Service { name, inner, .. } => {
            names.push(match name {
                NamedNodePattern::NamedNode(n) => Some(n.clone()),
                NamedNodePattern::Variable(_) => None,
            });
            services_in(inner, names);
        }
        GraphPattern::Join { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => {
            services_in(left, names);
            services_in(right, names);
        }
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => {
            services_in(left, names);
            services_in(right, names);
            if let Some(e) = expression {
                services_in_expression(e, names);
            }
        }
        GraphPattern::Filter { expr, inner }
        | GraphPattern::Extend {
            inner,
            expression: expr,
            ..
        } => {
            services_in_expression(expr, names);
            services_in(inner, names);
        }
        GraphPattern::OrderBy { inner, expression } => {
            for e in expression {
                let (spargebra::algebra::OrderExpression::Asc(e)
                | spargebra::algebra::OrderExpression::Desc(e)) = e;
                services_in_expression(e, names);
            }
            services_in(inner, names);
        }
        GraphPattern::Group {
            inner, aggregates, ..
        } => {
            for (_, aggregate) in aggregates {
                if let spargebra::algebra::AggregateExpression::FunctionCall { expr, .. } =
                    aggregate
                {
                    services_in_expression(expr, names);
                }
            }
            services_in(inner, names);
        }
        GraphPattern::Graph { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. } => services_in(inner, names),
        GraphPattern::Bgp { .. } | GraphPattern::Path { .. } | GraphPattern::Values { .. } => {}
        #[allow(unreachable_patterns)]
        other => {
            // A form this walk does not know (LATERAL): refuse if it holds any SERVICE at all.
            if other.to_string().contains("(service") {
                names.push(None);
            }
        }
    }
}

fn services_in_expression(
    expression: &spargebra::algebra::Expression,
    names: &mut Vec<Option<NamedNode>>,
) {
    use spargebra::algebra::Expression as E;
    match expression {
        E::Exists(pattern) => services_in(pattern, names),
        E::Or(a, b)
        | E::And(a, b)
        | E::Equal(a, b)
        | E::SameTerm(a, b)
        | E::Greater(a, b)
        | E::GreaterOrEqual(a, b)
        | E::Less(a, b)
        | E::LessOrEqual(a, b)
        | E::Add(a, b)
        | E::Subtract(a, b)
        | E::Multiply(a, b)
        | E::Divide(a, b) => {
            services_in_expression(a, names);
            services_in_expression(b, names);
        }
        E::UnaryPlus(a) | E::UnaryMinus(a) | E::Not(a) => services_in_expression(a, names),
        E::If(a, b, c) => {
            for e in [a, b, c] {
                services_in_expression(e, names);
            }
        }
        E::In(a, list) => {
            services_in_expression(a, names);
            for e in list {
                services_in_expression(e, names);
            }
        }
        E::Coalesce(list) | E::FunctionCall(_, list) => {
            for e in list {
                services_in_expression(e, names);
            }
        }
        _ => {}
    }
}
