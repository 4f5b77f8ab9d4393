//! `/sparql`: the SPARQL 1.1 Protocol (query and update), with content negotiation, the dataset
//! parameters, the service description for RDF clients and the query page for browsers.

use super::SharedState;
use super::describe;
use super::pages;
use super::runner::{error_response, stream};
use crate::error::Error;
use crate::sparql::exec::{QueryRequest, write_results};
use crate::sparql::formats::{self, OutputFormat, ResultKind};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oxigraph::model::NamedNode;

/// The protocol parameters of one request, from the URL and (for forms) the body.
#[derive(Default, Debug)]
pub struct Params {
    pub query: Vec<String>,
    pub update: Vec<String>,
    pub default_graph_uri: Vec<String>,
    pub named_graph_uri: Vec<String>,
    pub format: Option<String>,
    pub page: Option<String>,
}

impl Params {
    fn add_pairs(&mut self, input: &[u8]) {
        for (key, value) in form_urlencoded::parse(input) {
            let value = value.into_owned();
            match key.as_ref() {
                "query" => self.query.push(value),
                "update" => self.update.push(value),
                "default-graph-uri" | "using-graph-uri" => self.default_graph_uri.push(value),
                "named-graph-uri" | "using-named-graph-uri" => self.named_graph_uri.push(value),
                "format" | "output" => self.format = Some(value),
                "page" => self.page = Some(value),
                _ => {}
            }
        }
    }

    pub fn from_query_string(raw: Option<&str>) -> Self {
        let mut params = Self::default();
        if let Some(raw) = raw {
            params.add_pairs(raw.as_bytes());
        }
        params
    }
}

fn plain(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.into() + "\n",
    )
        .into_response()
}

fn iris(values: &[String], parameter: &str) -> Result<Vec<NamedNode>, String> {
    values
        .iter()
        .map(|v| {
            NamedNode::new(v.as_str())
                .map_err(|e| format!("parameter {parameter}: {v:?} is not a valid IRI: {e}"))
        })
        .collect()
}

fn accept_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// True when a browser asks for HTML: Accept names text/html explicitly, at least as high as any
/// result format we offer.
pub fn wants_html(headers: &HeaderMap) -> bool {
    let Some(accept) = accept_of(headers) else {
        return false;
    };
    let items = formats::parse_accept(accept);
    let html = items
        .iter()
        .find(|i| i.media_type == "text/html")
        .map(|i| i.q);
    let Some(html) = html else { return false };
    let best_other = items
        .iter()
        .filter(|i| i.media_type != "text/html" && i.media_type != "*/*")
        .filter(|i| {
            formats::offered(ResultKind::Solutions)
                .iter()
                .chain(formats::rdf_offered().iter())
                .any(|(m, _)| formats::quality(std::slice::from_ref(*i), m).is_some())
        })
        .map(|i| i.q)
        .fold(0.0f32, f32::max);
    html > 0.0 && html >= best_other
}

/// GET /sparql
pub async fn get_sparql(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::from_query_string(raw.as_deref());
    if !params.update.is_empty() {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "SPARQL Update must be sent with POST (application/sparql-update or a form with update=), never with GET.",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if params.query.is_empty() {
        if wants_html(&headers) || params.format.as_deref() == Some("html") {
            let page = pages::PageCtx::new("/sparql", raw.as_deref(), &headers);
            return pages::query_page(&state, &params, None, &page).await;
        }
        return describe::service_description(&state, &headers, params.format.as_deref());
    }
    run_query(state, headers, params, None).await
}

/// POST /sparql
pub async fn post_sparql(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let mut params = Params::from_query_string(raw.as_deref());
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
        String::from_utf8(body.to_vec()).map_err(|e| format!("the request body is not UTF-8: {e}"))
    };
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => params.add_pairs(&body),
        "application/sparql-query" => match text() {
            Ok(t) => {
                if !params.query.is_empty() {
                    return plain(
                        StatusCode::BAD_REQUEST,
                        "a query was sent both in the body and in the query parameter",
                    );
                }
                params.query.push(t)
            }
            Err(m) => return plain(StatusCode::BAD_REQUEST, m),
        },
        "application/sparql-update" => match text() {
            Ok(t) => params.update.push(t),
            Err(m) => return plain(StatusCode::BAD_REQUEST, m),
        },
        "" => {
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "POST /sparql needs a Content-Type: application/sparql-query, application/sparql-update or application/x-www-form-urlencoded",
            );
        }
        other => {
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "unsupported Content-Type {other:?}: use application/sparql-query, application/sparql-update or application/x-www-form-urlencoded"
                ),
            );
        }
    }
    match (params.query.len(), params.update.len()) {
        (0, 0) => plain(
            StatusCode::BAD_REQUEST,
            "the request has neither a query nor an update parameter",
        ),
        (_, 0) => run_query(state, headers, params, None).await,
        (0, 1) => run_update(state, headers, params).await,
        (0, _) => plain(
            StatusCode::BAD_REQUEST,
            "the request has more than one update parameter",
        ),
        _ => plain(
            StatusCode::BAD_REQUEST,
            "the request has both a query and an update",
        ),
    }
}

/// Evaluates a query and streams its results in the negotiated format.
pub async fn run_query(
    state: SharedState,
    headers: HeaderMap,
    params: Params,
    forced: Option<OutputFormat>,
) -> Response {
    if params.query.len() > 1 {
        return plain(
            StatusCode::BAD_REQUEST,
            "the request has more than one query parameter; send exactly one",
        );
    }
    let Some(text) = params.query.first() else {
        return plain(StatusCode::BAD_REQUEST, "missing query parameter");
    };
    let mut request = match QueryRequest::parse(text, None) {
        Ok(r) => r,
        Err(e) => return error_response(&e, state.query_timeout.as_secs()),
    };
    request.default_graphs = match iris(&params.default_graph_uri, "default-graph-uri") {
        Ok(v) => v,
        Err(m) => return plain(StatusCode::BAD_REQUEST, m),
    };
    request.named_graphs = match iris(&params.named_graph_uri, "named-graph-uri") {
        Ok(v) => v,
        Err(m) => return plain(StatusCode::BAD_REQUEST, m),
    };
    let kind = request.kind();
    let format = match forced {
        Some(f) => f,
        None => match params.format.as_deref() {
            Some(name) => match formats::from_format_param(name, kind) {
                Some(f) => f,
                None => {
                    return plain(
                        StatusCode::BAD_REQUEST,
                        format!(
                            "parameter format: {name:?} is not a format for this kind of query; use {}",
                            formats::offered(kind)
                                .iter()
                                .map(|(m, _)| *m)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            },
            None if wants_html(&headers) => OutputFormat::Html,
            None => {
                let offers = formats::offered(kind);
                match formats::choose(accept_of(&headers), &offers) {
                    Some((_, f)) => f,
                    None => {
                        return plain(
                            StatusCode::NOT_ACCEPTABLE,
                            format!(
                                "none of the types in Accept fit this query; available: {}",
                                offers
                                    .iter()
                                    .map(|(m, _)| *m)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                    }
                }
            }
        },
    };
    if format == OutputFormat::Html {
        let query_string = {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("query", text);
            if let Some(page) = &params.page {
                s.append_pair("page", page);
            }
            s.finish()
        };
        let page = pages::PageCtx::new("/sparql", Some(&query_string), &headers);
        return pages::query_page(&state, &params, Some(request), &page).await;
    }
    if request.is_lookup()
        && let Some(response) = super::runner::answer_inline(&state, &request, format)
    {
        return response;
    }
    let backend = state.backend.clone();
    let federation = state.federation.clone();
    stream(
        &state,
        format.content_type(),
        vec![(header::VARY, HeaderValue::from_static("Accept"))],
        move |token, writer| {
            let results = request.evaluate(&backend, &federation, token)?;
            write_results(results, format, writer).map(drop)
        },
    )
    .await
}

/// Applies an update when the request carries a bearer token from `--update-token-file`.
async fn run_update(state: SharedState, headers: HeaderMap, params: Params) -> Response {
    let Some(tokens) = &state.update_tokens else {
        return plain(
            StatusCode::FORBIDDEN,
            "SPARQL Update is disabled on this server (start it with --update-token-file to enable it)",
        );
    };
    // Constant-time comparison, so a token cannot be guessed byte by byte from timings.
    let authorised = super::contribute::bearer(&headers)
        .map(str::trim)
        .is_some_and(|p| {
            tokens
                .iter()
                .any(|t| crate::ingest::tokens::constant_time_eq(t.as_bytes(), p.as_bytes()))
        });
    if !authorised {
        let mut response = plain(
            StatusCode::UNAUTHORIZED,
            "SPARQL Update needs a valid bearer token (Authorization: Bearer …)",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"citykg\""),
        );
        return response;
    }
    let Some(text) = params.update.into_iter().next() else {
        return plain(StatusCode::BAD_REQUEST, "missing update parameter");
    };
    let backend = state.backend.clone();
    let federation = state.federation.clone();
    let outcome = super::runner::run_blocking(&state, move |token| {
        crate::sparql::exec::apply_update(&backend, &federation, &text, token)
    })
    .await;
    match outcome {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e @ Error::Syntax(_)) => error_response(&e, state.query_timeout.as_secs()),
        Err(e) => error_response(&e, state.query_timeout.as_secs()),
    }
}
