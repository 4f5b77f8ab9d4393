//! The SPARQL query page for browsers (a plain form that works without JavaScript, with a paged
//! results table and download links) and `/queries`, the research queries ready to run.

use crate::error::Result;
use crate::sparql::exec::QueryRequest;
use crate::web::SharedState;
use crate::web::blocking;
use crate::web::html::{self, render, value};
use crate::web::links::{Cell, cell, query_href};
use crate::web::request::{PageCtx, SparqlParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;
use serde::Serialize;

const PAGE_SIZE: usize = 100;

#[derive(Serialize)]
struct ExampleLink {
    title: String,
    description: String,
    href: String,
    id: String,
    text: String,
}

fn examples(state: &SharedState) -> Vec<ExampleLink> {
    state
        .queries
        .iter()
        .map(|q| ExampleLink {
            title: q.title.clone(),
            description: q.description.clone(),
            href: query_href(&q.text),
            id: q.id.clone(),
            text: q.text.clone(),
        })
        .collect()
}

#[derive(Serialize)]
struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<Option<Cell>>>,
    boolean: Option<bool>,
    first: usize,
    last: usize,
    more: bool,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
struct Download {
    label: &'static str,
    href: String,
}

/// One page of results: column names, rows, the ASK answer, and whether more rows follow.
type ResultPage = (Vec<String>, Vec<Vec<Option<Cell>>>, Option<bool>, bool);

/// Evaluates a query for the page: one page of rows (and whether more follow).
fn page_of(
    state: &SharedState,
    request: &QueryRequest,
    page: usize,
    token: oxigraph::sparql::CancellationToken,
) -> Result<ResultPage> {
    let skip = (page - 1) * PAGE_SIZE;
    let base = state.base_iri.as_str();
    match request.evaluate(&state.backend, &state.federation, token)? {
        QueryResults::Boolean(b) => Ok((Vec::new(), Vec::new(), Some(b), false)),
        QueryResults::Solutions(solutions) => {
            let columns: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect();
            let width = columns.len();
            let mut rows = Vec::new();
            let mut more = false;
            for (i, solution) in solutions.enumerate() {
                let solution = solution.map_err(crate::sparql::exec::evaluation_error)?;
                if i < skip {
                    continue;
                }
                if rows.len() == PAGE_SIZE {
                    more = true;
                    break;
                }
                rows.push(
                    (0..width)
                        .map(|c| solution.get(c).map(|t| cell(t, base)))
                        .collect(),
                );
            }
            Ok((columns, rows, None, more))
        }
        QueryResults::Graph(triples) => {
            let mut rows = Vec::new();
            let mut more = false;
            for (i, triple) in triples.enumerate() {
                let triple = triple.map_err(crate::sparql::exec::evaluation_error)?;
                if i < skip {
                    continue;
                }
                if rows.len() == PAGE_SIZE {
                    more = true;
                    break;
                }
                rows.push(vec![
                    Some(cell(&Term::from(triple.subject), base)),
                    Some(cell(&Term::from(triple.predicate), base)),
                    Some(cell(&triple.object, base)),
                ]);
            }
            Ok((
                vec!["subject".into(), "predicate".into(), "object".into()],
                rows,
                None,
                more,
            ))
        }
    }
}

fn page_link(query: &str, page: usize) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("query", query);
    s.append_pair("page", &page.to_string());
    format!("/sparql?{}", s.finish())
}

/// The query page: the form, and the results of `request` when there is one. Errors are shown
/// on the page, with the status they would have in the protocol.
pub async fn query_page(
    state: &SharedState,
    params: &SparqlParams,
    request: Option<QueryRequest>,
    page_ctx: &PageCtx,
) -> Response {
    let query = params.query.first().cloned().unwrap_or_else(|| {
        "SELECT ?practice ?name WHERE {\n  ?practice a <https://w3id.org/citykg/ontology#Practice> ;\n            <https://schema.org/name> ?name .\n}\nORDER BY ?name\nLIMIT 20".to_owned()
    });
    let page: usize = params
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1 && *p <= 100_000)
        .unwrap_or(1);
    let mut error = None;
    let mut result = None;
    let mut status = StatusCode::OK;
    let request = match request {
        Some(r) => Some(r),
        None if !params.query.is_empty() => match QueryRequest::parse(&query, None) {
            Ok(r) => Some(r),
            Err(e) => {
                error = Some(e.to_string());
                status = StatusCode::BAD_REQUEST;
                None
            }
        },
        None => None,
    };
    if let Some(request) = request {
        let work_state = state.clone();
        match blocking::run(state, move |token| {
            page_of(&work_state, &request, page, token)
        })
        .await
        {
            Ok((columns, rows, boolean, more)) => {
                let first = (page - 1) * PAGE_SIZE + 1;
                result = Some(Table {
                    last: first + rows.len().saturating_sub(1),
                    first,
                    columns,
                    rows,
                    boolean,
                    more,
                    prev: (page > 1).then(|| page_link(&query, page - 1)),
                    next: more.then(|| page_link(&query, page + 1)),
                });
            }
            Err(e) => {
                status = e.status;
                error = Some(if e.status == StatusCode::SERVICE_UNAVAILABLE {
                    format!(
                        "The query did not finish within {} seconds and was stopped.",
                        state.query_timeout.as_secs()
                    )
                } else {
                    e.message
                });
            }
        }
    }
    let downloads: Vec<Download> = [
        ("JSON", "json"),
        ("XML", "xml"),
        ("CSV", "csv"),
        ("TSV", "tsv"),
        ("Turtle", "turtle"),
        ("JSON-LD", "jsonld"),
    ]
    .into_iter()
    .filter(|(_, f)| {
        let graph = result.as_ref().is_some_and(|r: &Table| {
            r.boolean.is_none() && r.columns == ["subject", "predicate", "object"]
        });
        if graph {
            matches!(*f, "turtle" | "jsonld")
        } else {
            !matches!(*f, "turtle" | "jsonld")
        }
    })
    .map(|(label, f)| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("query", &query);
        s.append_pair("format", f);
        Download {
            label,
            href: format!("/sparql?{}", s.finish()),
        }
    })
    .collect();
    render(
        state,
        "sparql.html",
        context! {
            query => query.clone(),
            error => error,
            result => value(&result),
            permalink => query_href(&query),
            downloads => value(&downloads),
            examples => value(examples(state)),
            timeout => state.query_timeout.as_secs(),
        },
        status,
        page_ctx,
    )
}

/// GET /queries
pub async fn queries(State(state): State<SharedState>, page: PageCtx) -> Response {
    html::page(
        &state,
        "queries.html",
        context! { queries => value(examples(&state)) },
        &page,
    )
}
