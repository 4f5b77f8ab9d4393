//! Dereferenceable IRIs: `/id/{kind}/{slug}` answers for `{base}id/{kind}/{slug}` with its
//! description, as HTML for browsers or as RDF (Turtle, JSON-LD, N-Triples, RDF/XML) by Accept or `?format=`.

use super::SharedState;
use super::pages::{Cell, PageCtx, cell, compact, query_href, render};
use super::protocol::{Params, run_query, wants_html};
use super::runner::run_blocking;
use super::views;
use crate::sparql::formats;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use oxigraph::model::{NamedNode, Term};
use serde::Serialize;

const KINDS: [&str; 8] = [
    "city", "strategy", "goal", "practice", "org", "outcome", "source", "theme",
];

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 200
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The HTML 404, with search suggestions for the words of the path's last segment.
pub async fn not_found(state: &SharedState, path: &str, page: &PageCtx) -> Response {
    let hits = super::search::suggestions(state, path, page.lang).await;
    render(
        state,
        "not_found.html",
        context! {
            path => path,
            hits => minijinja::Value::from(minijinja::value::Serde(&hits)),
            words => super::search::slug_words(path),
        },
        StatusCode::NOT_FOUND,
        page,
    )
}

/// Links to the RDF of a page.
fn format_links(path: &str) -> Vec<FormatLink> {
    [
        ("Turtle", "turtle"),
        ("JSON-LD", "jsonld"),
        ("N-Triples", "ntriples"),
        ("RDF/XML", "rdfxml"),
    ]
    .into_iter()
    .map(|(label, f)| FormatLink {
        label,
        href: format!("{path}?format={f}"),
    })
    .collect()
}

/// The page of a city, goal or practice; None for kinds that have the generic page.
async fn specific_page(
    state: &SharedState,
    kind: &str,
    iri: &NamedNode,
    path: &str,
    page: &PageCtx,
) -> Option<Response> {
    let lang = page.lang;
    let work_state = state.clone();
    let subject = iri.clone();
    let kind_owned = kind.to_owned();
    let view = run_blocking(state, move |_| {
        let backend = &work_state.backend;
        let base = work_state.base_iri.as_str();
        Ok(match kind_owned.as_str() {
            "city" => views::city(backend, base, &subject, lang)?.map(|v| {
                (
                    "city.html",
                    "city",
                    minijinja::Value::from(minijinja::value::Serde(v)),
                )
            }),
            "goal" => views::goal(backend, base, &subject, lang)?.map(|v| {
                (
                    "goal.html",
                    "goal",
                    minijinja::Value::from(minijinja::value::Serde(v)),
                )
            }),
            "practice" => views::practice(backend, base, &subject, lang)?.map(|v| {
                (
                    "practice.html",
                    "p",
                    minijinja::Value::from(minijinja::value::Serde(v)),
                )
            }),
            _ => None,
        })
    })
    .await;
    let (template, name, value) = match view {
        Ok(Some(v)) => v,
        Ok(None) => return None,
        Err(e) => {
            return Some(super::runner::error_response(
                &e,
                state.query_timeout.as_secs(),
            ));
        }
    };
    let ctx = minijinja::Value::from_pairs([
        (name, value),
        (
            "formats",
            minijinja::Value::from(minijinja::value::Serde(format_links(path))),
        ),
        (
            "query_href",
            minijinja::Value::from(query_href(&format!("DESCRIBE {iri}"))),
        ),
    ]);
    Some(render(state, template, ctx, StatusCode::OK, page))
}

/// GET /sdg/{number}: the page of an SDG goal or target (IRIs under http://metadata.un.org/sdg/).
pub async fn sdg_page(
    State(state): State<SharedState>,
    Path(number): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let path = format!("/sdg/{number}");
    let page = PageCtx::new(&path, raw.as_deref(), &headers);
    let valid = !number.is_empty()
        && number.len() <= 6
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.');
    let Some(iri) = valid
        .then(|| NamedNode::new(format!("http://metadata.un.org/sdg/{number}")).ok())
        .flatten()
    else {
        return not_found(&state, &path, &page).await;
    };
    let lang = page.lang;
    let work_state = state.clone();
    let subject = iri.clone();
    let view = run_blocking(&state, move |_| {
        views::sdg(&work_state.backend, &work_state.base_iri, &subject, lang)
    })
    .await;
    match view {
        Ok(Some(v)) => render(
            &state,
            "sdg.html",
            context! {
                sdg => minijinja::Value::from(minijinja::value::Serde(v)),
                query_href => query_href(&format!("DESCRIBE {iri}")),
            },
            StatusCode::OK,
            &page,
        ),
        Ok(None) => not_found(&state, &path, &page).await,
        Err(e) => super::runner::error_response(&e, state.query_timeout.as_secs()),
    }
}

#[derive(Serialize)]
struct PropertyRow {
    property: Cell,
    value: Cell,
}

#[derive(Serialize)]
struct FormatLink {
    label: &'static str,
    href: String,
}

/// GET /id/{kind}/{slug}
pub async fn resource(
    State(state): State<SharedState>,
    Path((kind, slug)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let path = format!("/id/{kind}/{slug}");
    let page = PageCtx::new(&path, raw.as_deref(), &headers);
    if !KINDS.contains(&kind.as_str()) || !valid_slug(&slug) {
        return not_found(&state, &path, &page).await;
    }
    let Ok(iri) = NamedNode::new(format!("{}id/{kind}/{slug}", state.base_iri)) else {
        return not_found(&state, &path, &page).await;
    };
    let params = Params::from_query_string(raw.as_deref());
    let html = match params.format.as_deref() {
        Some("html") => true,
        Some(_) => false,
        None => wants_html(&headers),
    };
    // `iri` is a validated NamedNode; its Display writes `<…>` with nothing left to escape.
    let describe = format!("DESCRIBE {iri}");
    let work_state = state.clone();
    let subject = iri.clone();
    let facts = run_blocking(&state, move |_| {
        let outgoing = work_state.backend.select(&format!(
            "SELECT ?p ?o WHERE {{ {subject} ?p ?o }} ORDER BY ?p ?o"
        ))?;
        Ok(outgoing)
    })
    .await;
    let outgoing = match facts {
        Ok(f) => f,
        Err(e) => return super::runner::error_response(&e, state.query_timeout.as_secs()),
    };
    if outgoing.is_empty() {
        return not_found(&state, &path, &page).await;
    }
    if !html {
        let forced = match params.format.as_deref() {
            Some(name) => match formats::from_format_param(name, formats::ResultKind::Graph) {
                Some(f) => Some(f),
                None => {
                    return super::runner::error_response(
                        &crate::error::Error::Invalid(format!(
                            "parameter format: {name:?} is not an RDF format (turtle, jsonld, ntriples, rdfxml)"
                        )),
                        state.query_timeout.as_secs(),
                    );
                }
            },
            None => None,
        };
        let query_params = Params {
            query: vec![describe],
            ..Params::default()
        };
        return run_query(state, headers, query_params, forced).await;
    }
    if let Some(response) = specific_page(&state, &kind, &iri, &path, &page).await {
        return response;
    }
    let linked = {
        let work_state = state.clone();
        let subject = iri.clone();
        let lang = page.lang;
        run_blocking(&state, move |_| {
            views::linked(&work_state.backend, &work_state.base_iri, &subject, lang)
        })
        .await
    };
    let linked = match linked {
        Ok(v) => v,
        Err(e) => return super::runner::error_response(&e, state.query_timeout.as_secs()),
    };
    let base = state.base_iri.clone();
    let mut label = compact(iri.as_str());
    let mut properties = Vec::new();
    for row in &outgoing {
        if let (Some(Some(p)), Some(Some(o))) = (row.first(), row.get(1)) {
            if let (Term::NamedNode(p), Term::Literal(l)) = (p, o)
                && (p.as_str().ends_with("#prefLabel") || p.as_str() == "https://schema.org/name")
                && l.language().is_none_or(|lang| lang == "en")
            {
                label = l.value().to_owned();
            }
            properties.push(PropertyRow {
                property: cell(p, &base),
                value: cell(o, &base),
            });
        }
    }
    let formats = format_links(&path);
    render(
        &state,
        "resource.html",
        context! {
            label => if linked.label == compact(iri.as_str()) { label } else { linked.label.clone() },
            iri => iri.as_str(),
            properties => minijinja::Value::from(minijinja::value::Serde(&properties)),
            groups => minijinja::Value::from(minijinja::value::Serde(&linked.groups)),
            formats => minijinja::Value::from(minijinja::value::Serde(&formats)),
            query_href => query_href(&format!("SELECT ?p ?o WHERE {{ {iri} ?p ?o }}")),
        },
        StatusCode::OK,
        &page,
    )
}

/// Any other path: an HTML 404 in the reader's language.
pub async fn fallback(
    State(state): State<SharedState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let page = PageCtx::new(uri.path(), uri.query(), &headers);
    not_found(&state, uri.path(), &page).await
}
