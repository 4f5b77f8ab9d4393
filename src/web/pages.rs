//! Server-rendered HTML: the home page, the example-query list and the SPARQL query page
//! (a plain form that works without JavaScript, with a paged results table).

use super::SharedState;
use super::protocol::Params;
use super::runner::run_blocking;
use crate::error::{Error, Result};
use crate::sparql::exec::QueryRequest;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, context};
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;
use serde::Serialize;

const PAGE_SIZE: usize = 100;

/// The templates, compiled into the binary; `.html` templates autoescape.
pub fn templates() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("home.html", include_str!("templates/home.html")),
        ("queries.html", include_str!("templates/queries.html")),
        ("sparql.html", include_str!("templates/sparql.html")),
        ("resource.html", include_str!("templates/resource.html")),
        ("not_found.html", include_str!("templates/not_found.html")),
    ] {
        env.add_template(name, source)
            .map_err(|e| Error::Invalid(format!("template {name}: {e}")))?;
    }
    Ok(env)
}

/// Renders a template into an HTML response.
pub fn render(
    state: &SharedState,
    name: &str,
    ctx: minijinja::Value,
    status: StatusCode,
) -> Response {
    let rendered = state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx));
    match rendered {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::VARY, "Accept"),
            ],
            html,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("template {name} failed: {e}\n"),
        )
            .into_response(),
    }
}

/// One rendered RDF term.
#[derive(Serialize, Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub meta: Option<String>,
}

/// Where a link to an IRI should go: our own resources to their local page, other http(s) IRIs
/// to themselves; anything else (javascript:, data:, …) gets no link.
pub fn href_for(iri: &str, base_iri: &str) -> Option<String> {
    if let Some(rest) = iri.strip_prefix(base_iri)
        && rest.starts_with("id/")
    {
        return Some(format!("/{rest}"));
    }
    if iri.starts_with("http://") || iri.starts_with("https://") {
        Some(iri.to_owned())
    } else {
        None
    }
}

/// Shortens well-known namespaces for display.
pub fn compact(iri: &str) -> String {
    const PREFIXES: [(&str, &str); 12] = [
        ("ckg:", "https://w3id.org/citykg/ontology#"),
        ("rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
        ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
        ("xsd:", "http://www.w3.org/2001/XMLSchema#"),
        ("skos:", "http://www.w3.org/2004/02/skos/core#"),
        ("dcterms:", "http://purl.org/dc/terms/"),
        ("prov:", "http://www.w3.org/ns/prov#"),
        ("schema:", "https://schema.org/"),
        ("owl:", "http://www.w3.org/2002/07/owl#"),
        ("qudt:", "http://qudt.org/schema/qudt/"),
        ("unit:", "http://qudt.org/vocab/unit/"),
        ("sdg:", "http://metadata.un.org/sdg/"),
    ];
    for (prefix, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns)
            && !local.is_empty()
        {
            return format!("{prefix}{local}");
        }
    }
    iri.to_owned()
}

/// Renders a term as text, link and annotation.
pub fn cell(term: &Term, base_iri: &str) -> Cell {
    match term {
        Term::NamedNode(n) => Cell {
            text: compact(n.as_str()),
            href: href_for(n.as_str(), base_iri),
            meta: None,
        },
        Term::BlankNode(b) => Cell {
            text: format!("_:{}", b.as_str()),
            href: None,
            meta: None,
        },
        Term::Literal(l) => {
            let meta = if let Some(lang) = l.language() {
                Some(format!("@{lang}"))
            } else if l.datatype().as_str() == "http://www.w3.org/2001/XMLSchema#string" {
                None
            } else {
                Some(compact(l.datatype().as_str()))
            };
            Cell {
                text: l.value().to_owned(),
                href: None,
                meta,
            }
        }
        #[allow(unreachable_patterns)]
        other => Cell {
            text: other.to_string(),
            href: None,
            meta: None,
        },
    }
}

/// A link that runs `query` on the query page.
pub fn query_href(query: &str) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("query", query);
    format!("/sparql?{}", s.finish())
}

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

/// Evaluates a query for the page: one page of rows (and whether more follow).
fn page_of(
    state: &SharedState,
    request: &QueryRequest,
    page: usize,
    token: oxigraph::sparql::CancellationToken,
) -> Result<(Vec<String>, Vec<Vec<Option<Cell>>>, Option<bool>, bool)> {
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

/// The query page: the form, and the results of `request` when there is one.
pub async fn query_page(
    state: &SharedState,
    params: &Params,
    request: Option<QueryRequest>,
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
        match run_blocking(state, move |token| {
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
                status = match e {
                    Error::Cancelled(_) => StatusCode::SERVICE_UNAVAILABLE,
                    Error::Syntax(_) | Error::Invalid(_) => StatusCode::BAD_REQUEST,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                error = Some(match e {
                    Error::Cancelled(_) => format!(
                        "The query did not finish within {} seconds and was stopped.",
                        state.query_timeout.as_secs()
                    ),
                    other => other.to_string(),
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
            result => minijinja::Value::from(minijinja::value::Serde(&result)),
            permalink => query_href(&query),
            downloads => minijinja::Value::from(minijinja::value::Serde(&downloads)),
            examples => minijinja::Value::from(minijinja::value::Serde(&examples(state))),
            timeout => state.query_timeout.as_secs(),
        },
        status,
    )
}

/// GET /queries
pub async fn queries(State(state): State<SharedState>) -> Response {
    render(
        &state,
        "queries.html",
        context! { queries => minijinja::Value::from(minijinja::value::Serde(&examples(&state))) },
        StatusCode::OK,
    )
}

#[derive(Serialize)]
struct CityRow {
    name: String,
    href: String,
    practices: String,
}

/// GET / — the cities with their practice counts (the full home page comes with the pages issue).
pub async fn home(State(state): State<SharedState>) -> Response {
    let work_state = state.clone();
    let rows = run_blocking(&state, move |_| {
        work_state.backend.select(
            "PREFIX ckg: <https://w3id.org/citykg/ontology#>
             PREFIX schema: <https://schema.org/>
             SELECT ?city (SAMPLE(?n) AS ?name) (COUNT(DISTINCT ?p) AS ?practices) WHERE {
               ?city a ckg:City .
               OPTIONAL { ?city schema:name ?n FILTER(LANG(?n) = \"en\") }
               OPTIONAL { ?p a ckg:Practice ; ckg:city ?city }
             } GROUP BY ?city ORDER BY DESC(?practices) ?name",
        )
    })
    .await;
    let cities: Vec<CityRow> = match rows {
        Ok(rows) => rows
            .into_iter()
            .filter_map(|row| {
                let Some(Some(Term::NamedNode(city))) = row.first() else {
                    return None;
                };
                let name = match row.get(1) {
                    Some(Some(Term::Literal(l))) => l.value().to_owned(),
                    _ => compact(city.as_str()),
                };
                let practices = match row.get(2) {
                    Some(Some(Term::Literal(l))) => l.value().to_owned(),
                    _ => "0".into(),
                };
                Some(CityRow {
                    name,
                    href: href_for(city.as_str(), &state.base_iri)
                        .unwrap_or_else(|| city.as_str().to_owned()),
                    practices,
                })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    render(
        &state,
        "home.html",
        context! { cities => minijinja::Value::from(minijinja::value::Serde(&cities)) },
        StatusCode::OK,
    )
}
