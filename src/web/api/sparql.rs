//! `/sparql`: the SPARQL 1.1 Protocol (query and update), with content negotiation and the dataset
//! parameters; without a query it answers the service description, or the query page to browsers.

use crate::sparql::exec::QueryRequest;
use crate::sparql::formats::{self, OutputFormat};
use crate::web::SharedState;
use crate::web::error::WebError;
use crate::web::request::{Bearer, PageCtx, PublicOrigin, SparqlParams, wants_html};
use crate::web::{auth, blocking, pages};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oxigraph::model::NamedNode;

fn iris(values: &[String], parameter: &str) -> Result<Vec<NamedNode>, WebError> {
    values
        .iter()
        .map(|v| {
            NamedNode::new(v.as_str()).map_err(|e| {
                WebError::bad_request(format!(
                    "parameter {parameter}: {v:?} is not a valid IRI: {e}"
                ))
            })
        })
        .collect()
}

fn accept_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// GET /sparql
pub async fn get(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    origin: PublicOrigin,
    params: SparqlParams,
) -> Result<Response, WebError> {
    if !params.update.is_empty() {
        return Err(WebError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "SPARQL Update must be sent with POST (application/sparql-update or a form with update=), never with GET.",
        )
        .with_header(header::ALLOW, "POST"));
    }
    if params.query.is_empty() {
        if wants_html(&headers) || params.format() == Some("html") {
            let page = PageCtx::new("/sparql", raw.as_deref(), &headers);
            return Ok(pages::sparql::query_page(&state, &params, None, &page).await);
        }
        return super::service::service_description(&state, &headers, &origin, params.format())
            .await;
    }
    run_query(state, headers, params).await
}

/// POST /sparql
pub async fn post(
    State(state): State<SharedState>,
    headers: HeaderMap,
    mut params: SparqlParams,
    body: Bytes,
) -> Result<Response, WebError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = || {
        String::from_utf8(body.to_vec())
            .map_err(|e| WebError::bad_request(format!("the request body is not UTF-8: {e}")))
    };
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => params.add_pairs(&body, "the request body")?,
        "application/sparql-query" => {
            let query = text()?;
            if !params.query.is_empty() {
                return Err(WebError::bad_request(
                    "a query was sent both in the body and in the query parameter",
                ));
            }
            params.query.push(query)
        }
        "application/sparql-update" => params.update.push(text()?),
        "" => {
            return Err(WebError::unsupported_media_type(
                "POST /sparql needs a Content-Type: application/sparql-query, application/sparql-update or application/x-www-form-urlencoded",
            ));
        }
        other => {
            return Err(WebError::unsupported_media_type(format!(
                "unsupported Content-Type {other:?}: use application/sparql-query, application/sparql-update or application/x-www-form-urlencoded"
            )));
        }
    }
    match (params.query.len(), params.update.len()) {
        (0, 0) => Err(WebError::bad_request(
            "the request has neither a query nor an update parameter",
        )),
        (_, 0) => run_query(state, headers, params).await,
        (0, 1) => run_update(state, &headers, params).await,
        (0, _) => Err(WebError::bad_request(
            "the request has more than one update parameter",
        )),
        _ => Err(WebError::bad_request(
            "the request has both a query and an update",
        )),
    }
}

/// The format of a query's answer: the first `format`/`output` value that fits the kind of
/// query; else (none given, or none that fits) HTML for browsers, else Accept.
fn negotiate(
    kind: formats::ResultKind,
    params: &SparqlParams,
    headers: &HeaderMap,
) -> Result<OutputFormat, WebError> {
    if let Some(format) = formats::from_format_params(&params.formats, kind) {
        return Ok(format);
    }
    if wants_html(headers) {
        return Ok(OutputFormat::Html);
    }
    formats::choose(accept_of(headers), &formats::offered(kind))
        .map(|(_, f)| f)
        .ok_or_else(|| {
            WebError::not_acceptable(format!(
                "none of the types in Accept fit this query; available: {}",
                formats::offered(kind)
                    .iter()
                    .map(|(m, _)| *m)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// Evaluates a query and streams its results in the negotiated format.
async fn run_query(
    state: SharedState,
    headers: HeaderMap,
    params: SparqlParams,
) -> Result<Response, WebError> {
    if params.query.len() > 1 {
        return Err(WebError::bad_request(
            "the request has more than one query parameter; send exactly one",
        ));
    }
    let Some(text) = params.query.first() else {
        return Err(WebError::bad_request("missing query parameter"));
    };
    let mut request = QueryRequest::parse(text, None)?;
    request.default_graphs = iris(&params.default_graph_uri, "default-graph-uri")?;
    request.named_graphs = iris(&params.named_graph_uri, "named-graph-uri")?;
    let format = negotiate(request.kind(), &params, &headers)?;
    if format == OutputFormat::Html {
        let query_string = {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("query", text);
            if let Some(page) = &params.page {
                s.append_pair("page", page);
            }
            s.finish()
        };
        let page = PageCtx::new("/sparql", Some(&query_string), &headers);
        return Ok(pages::sparql::query_page(&state, &params, Some(request), &page).await);
    }
    Ok(blocking::answer_query(&state, request, format).await)
}

/// Applies an update when the request carries a bearer token from `--update-token-file`.
async fn run_update(
    state: SharedState,
    headers: &HeaderMap,
    params: SparqlParams,
) -> Result<Response, WebError> {
    auth::updater(&state, &Bearer::of(headers))?;
    let Some(text) = params.update.into_iter().next() else {
        return Err(WebError::bad_request("missing update parameter"));
    };
    let backend = state.backend.clone();
    let federation = state.federation.clone();
    blocking::run(&state, move |token| {
        crate::sparql::exec::apply_update(&backend, &federation, &text, token)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
