//! HTML pages for city staff and researchers, one module per page kind: its handler, its view
//! struct and its SPARQL. This module holds what every page shares: the 404 page and the layer
//! that renders a page handler's [`WebError`] as an HTML page.

mod charts;
pub mod city;
pub mod compare;
pub mod contribute;
pub mod dataset;
mod exchange;
mod facts;
mod format;
pub mod goal;
pub mod home;
pub mod ontology;
mod peer_filters;
mod peers;
pub mod practice;
mod practice_facets;
pub mod practices;
pub mod resource;
pub mod sdg;
pub mod search;
pub mod sparql;
pub mod transfers;

use super::SharedState;
use super::error::{ErrorMessage, WebError};
use super::html::{self, render, value};
use super::i18n::Lang;
use super::links::{Link, query_href, rdf_format_links};
use super::request::{PageCtx, wants_html};
use crate::store::Backend;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use minijinja::context;
use oxigraph::model::NamedNode;
use serde::Serialize;

/// A heading (a goal, theme or city) with the practices under it.
#[derive(Serialize, Debug)]
pub struct Group {
    pub heading: Link,
    pub practices: Vec<Link>,
}

/// The page of a resource whose kind has its own view (city, goal, practice): the view built off
/// the async threads, rendered with `template` under `key`, with links to its RDF and its
/// DESCRIBE query. None when the resource is not of that kind (the view says so).
async fn kind_page<V: Serialize + Send + 'static>(
    state: &SharedState,
    iri: &NamedNode,
    page: &PageCtx,
    (template, key): (&str, &str),
    view: impl FnOnce(&Backend, &str, &NamedNode, Lang) -> crate::error::Result<Option<V>>
    + Send
    + 'static,
) -> Result<Option<Response>, WebError> {
    let (work_state, subject, lang) = (state.clone(), iri.clone(), page.lang);
    let built = super::blocking::run(state, move |_| {
        view(&work_state.backend, &work_state.base_iri, &subject, lang)
    })
    .await?;
    Ok(built.map(|v| {
        let ctx = minijinja::Value::from_pairs([
            (key, value(v)),
            ("formats", value(rdf_format_links(&page.path))),
            (
                "query_href",
                minijinja::Value::from(query_href(&format!("DESCRIBE {iri}"))),
            ),
        ]);
        html::page(state, template, ctx, page)
    }))
}

/// The HTML 404, with search suggestions for the words of the path's last segment.
pub async fn not_found(state: &SharedState, path: &str, page: &PageCtx) -> Response {
    let hits = search::suggestions(state, path, page.lang).await;
    render(
        state,
        "not_found.html",
        context! {
            path => path,
            hits => value(&hits),
            words => search::slug_words(path),
        },
        StatusCode::NOT_FOUND,
        page,
    )
}

/// Any other path: an HTML 404 in the reader's language.
pub async fn fallback(State(state): State<SharedState>, page: PageCtx) -> Response {
    let path = page.path.clone();
    not_found(&state, &path, &page).await
}

/// The layer over every page route: a [`WebError`] a handler returned becomes the 404 page (with
/// suggestions) when it is a 404, and an HTML error page in the reader's language when the client
/// wants HTML; other clients keep the plain-text answer.
///
/// [`WebError`]: super::error::WebError
pub async fn html_errors(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let page = PageCtx::new(
        request.uri().path(),
        request.uri().query(),
        request.headers(),
    );
    let html = wants_html(request.headers());
    let response = next.run(request).await;
    let Some(ErrorMessage(message)) = response.extensions().get::<ErrorMessage>().cloned() else {
        return response;
    };
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        let path = page.path.clone();
        return not_found(&state, &path, &page).await;
    }
    if !html {
        return response;
    }
    let mut rendered = render(
        &state,
        "error.html",
        context! { status => status.as_u16(), message => message },
        status,
        &page,
    );
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}
