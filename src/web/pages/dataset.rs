//! The dataset description (`/.well-known/void`) as a page for browsers: what the data is, its
//! licence, where to query and download it, and its named graphs with their sizes and current
//! versions. RDF clients get the same description as VoID + DCAT from `api::service`, which
//! builds this view and hands it here when the client wants HTML.

use crate::web::SharedState;
use crate::web::html::{self, value};
use crate::web::links::{FormatLink, compact, href_for, rdf_format_links};
use crate::web::request::PageCtx;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

/// One named graph: its name, its link (a city's page for a city graph), its size and, for a
/// contributed graph, when its current version was made.
#[derive(Serialize, Debug)]
pub struct GraphRow {
    pub name: String,
    pub href: Option<String>,
    pub triples: u64,
    pub modified: Option<String>,
}

/// Everything the dataset page shows.
#[derive(Serialize, Debug)]
pub struct DatasetView {
    pub endpoint: String,
    pub dumps: Vec<(String, String)>,
    pub licence: String,
    pub uri_space: String,
    pub total: u64,
    pub graphs: Vec<GraphRow>,
    pub vocabularies: Vec<String>,
}

impl DatasetView {
    /// Shortens the graph names and links each city's graph to its city's page (`cities`: rows
    /// of city IRIs).
    pub fn graph(
        name: &str,
        base_iri: &str,
        triples: u64,
        modified: Option<String>,
        cities: &[Vec<String>],
    ) -> GraphRow {
        let local = name
            .strip_prefix(&format!("{base_iri}graph/"))
            .map(str::to_owned);
        let href = local
            .as_ref()
            .map(|g| format!("{base_iri}id/city/{g}"))
            .filter(|city| cities.iter().any(|row| row.first() == Some(city)))
            .and_then(|city| href_for(&city, base_iri));
        GraphRow {
            name: local.unwrap_or_else(|| compact(name)),
            href,
            triples,
            modified,
        }
    }
}

/// The page; `view` comes from `api::service::void`.
pub fn page(state: &SharedState, view: DatasetView, page: &PageCtx) -> Response {
    let formats: Vec<FormatLink> = rdf_format_links(&page.path);
    html::page(
        state,
        "dataset.html",
        context! { d => value(view), formats => value(formats) },
        page,
    )
}
