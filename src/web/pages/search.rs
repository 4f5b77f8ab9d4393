//! `/search?q=`: full-text search over names, labels and descriptions, as a page (a plain GET form,
//! ranked hits with their kind, city and a snippet) or as JSON; and the suggestions of the 404 page.

use crate::error::Result;
use crate::search::{Group, Kind, Results};
use crate::sparql::formats;
use crate::web::SharedState;
use crate::web::blocking;
use crate::web::error::WebError;
use crate::web::html::{self, value};
use crate::web::i18n::{Lang, strings};
use crate::web::links::Linker;
use crate::web::request::{PageCtx, QueryPairs};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use std::collections::BTreeSet;

/// Hits per page.
const PAGE_SIZE: usize = 20;
/// Pages one can step to.
const MAX_PAGE: usize = 50;
/// Suggestions on the 404 page.
const SUGGESTIONS: usize = 5;

/// One hit as shown: links, the kind in the reader's language, and HTML built by
/// `crate::search` (every text piece escaped, only our `<mark>` tags left unescaped).
#[derive(Serialize, Clone, Debug)]
pub struct HitView {
    pub iri: String,
    pub href: String,
    pub kind: Kind,
    pub kind_text: String,
    pub label: String,
    /// The label as HTML with the matching words in `<mark>`.
    pub label_html: String,
    /// Title of the link (the full text of an SDG target).
    pub title: Option<String>,
    pub cities: Vec<CityLink>,
    pub score: f32,
    /// Snippet as HTML with the matching words in `<mark>`.
    pub snippet: String,
    /// The label's and the snippet's language when it is not the reader's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet_lang: Option<String>,
}

/// A city of a hit.
#[derive(Serialize, Clone, Debug)]
pub struct CityLink {
    pub iri: String,
    pub label: String,
    pub href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// The group of the reader's language.
fn group_of(lang: Lang) -> Group {
    match lang {
        Lang::En => Group::En,
        Lang::Sv => Group::Sv,
    }
}

/// The language of a group's text when it is not the reader's (None for the other languages,
/// whose texts the index does not tell apart).
fn group_lang(group: Group, lang: Lang) -> Option<String> {
    let code = match group {
        Group::En => "en",
        Group::Sv => "sv",
        Group::Other => return None,
    };
    crate::web::i18n::foreign(code, lang)
}

/// Labels, links and kinds for the hits (one label lookup through SPARQL).
fn views(state: &SharedState, results: &Results, lang: Lang) -> Result<Vec<HitView>> {
    let mut iris: BTreeSet<String> = BTreeSet::new();
    for hit in &results.hits {
        iris.insert(hit.iri.clone());
        iris.extend(hit.cities.iter().cloned());
    }
    let linker = Linker::new(&state.backend, &state.base_iri, &iris, lang)?;
    let t = strings(lang);
    Ok(results
        .hits
        .iter()
        .map(|hit| {
            let link = linker.link(&hit.iri);
            HitView {
                iri: hit.iri.clone(),
                href: link.href,
                kind: hit.kind,
                kind_text: t
                    .get(format!("kind_{}", hit.kind.code()).as_str())
                    .copied()
                    .unwrap_or(hit.kind.code())
                    .to_owned(),
                label_html: results.highlighter.highlight(&link.text),
                lang: link.lang,
                snippet_lang: hit.snippet_group.and_then(|g| group_lang(g, lang)),
                label: link.text,
                title: link.title,
                cities: hit
                    .cities
                    .iter()
                    .map(|c| CityLink {
                        iri: c.clone(),
                        label: linker.label(c),
                        href: linker.href(c),
                        lang: linker.label_lang(c),
                    })
                    .collect(),
                score: hit.score,
                snippet: hit.snippet.clone(),
            }
        })
        .collect())
}

/// The query string's parameters that the page reads.
#[derive(Default)]
struct SearchParams {
    q: String,
    page: usize,
    format: Option<String>,
}

impl SearchParams {
    fn from_pairs(pairs: &QueryPairs) -> Self {
        Self {
            q: pairs
                .get("q")
                .unwrap_or("")
                .chars()
                .take(crate::search::MAX_QUERY_CHARS)
                .collect(),
            page: pairs
                .get("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| (1..=MAX_PAGE).contains(p))
                .unwrap_or(1),
            format: pairs.get("format").map(str::to_owned),
        }
    }
}

/// JSON when `format=json`, or when Accept prefers application/json to text/html.
fn wants_json(format: Option<&str>, headers: &HeaderMap) -> bool {
    match format {
        Some(f) => f.eq_ignore_ascii_case("json"),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let items = formats::parse_accept(accept);
            let q = |media: &str| {
                items
                    .iter()
                    .filter(|i| i.media_type == media)
                    .map(|i| i.q)
                    .fold(0.0f32, f32::max)
            };
            q("application/json") > 0.0 && q("application/json") > q("text/html")
        }
    }
}

fn page_href(q: &str, page: usize, lang: Lang) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    s.append_pair("lang", lang.code());
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    format!("/search?{}", s.finish())
}

#[derive(Serialize)]
struct JsonHit {
    iri: String,
    href: String,
    kind: Kind,
    label: String,
    /// The first city (most hits have one); `cities` has them all.
    city: Option<CityLink>,
    cities: Vec<CityLink>,
    score: f32,
    snippet: String,
}

/// GET /search?q=…[&page=…][&lang=…][&format=json]
pub async fn page(
    State(state): State<SharedState>,
    headers: HeaderMap,
    pairs: QueryPairs,
    page_ctx: PageCtx,
) -> Result<Response, WebError> {
    let lang = page_ctx.lang;
    let params = SearchParams::from_pairs(&pairs);
    let json = wants_json(params.format.as_deref(), &headers);
    let q = params.q.trim().to_owned();
    let page = params.page;
    let work_state = state.clone();
    let work_q = q.clone();
    let found = blocking::run(&state, move |_| {
        if work_q.is_empty() {
            return Ok(None);
        }
        let index = &work_state.search;
        // A rebuild another request runs already is not waited for: the current build answers.
        index.refresh_unless_busy(&work_state.backend)?;
        let results = index.search(&work_q, (page - 1) * PAGE_SIZE, PAGE_SIZE, group_of(lang))?;
        let hits = views(&work_state, &results, lang)?;
        Ok(Some((results.total, results.approximate, hits)))
    })
    .await?;
    let (total, approximate, hits) = found.unwrap_or((0, false, Vec::new()));
    if json {
        let body = serde_json::json!({
            "query": q,
            "page": page,
            "total": total,
            "approximate": approximate,
            "data_version": state.search.version(),
            "hits": hits.iter().map(|h| JsonHit {
                iri: h.iri.clone(),
                href: h.href.clone(),
                kind: h.kind,
                label: h.label.clone(),
                city: h.cities.first().cloned(),
                cities: h.cities.clone(),
                score: h.score,
                snippet: h.snippet.clone(),
            }).collect::<Vec<_>>(),
        });
        return Ok((StatusCode::OK, [(header::VARY, "Accept")], Json(body)).into_response());
    }
    let shown_to = ((page - 1) * PAGE_SIZE + hits.len()).min(total);
    Ok(html::page(
        &state,
        "search.html",
        context! {
            q => q.clone(),
            searched => !q.is_empty(),
            hits => value(&hits),
            total => total,
            approximate => approximate,
            first => (page - 1) * PAGE_SIZE + 1,
            last => shown_to,
            prev => (page > 1).then(|| page_href(&q, page - 1, lang)),
            next => (shown_to < total && page < MAX_PAGE).then(|| page_href(&q, page + 1, lang)),
        },
        &page_ctx,
    ))
}

/// The words of a path's last segment (`/id/practice/stokholm-fibre` → "stokholm fibre").
pub fn slug_words(path: &str) -> String {
    let slug = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(slug).decode_utf8_lossy();
    let words: String = decoded
        .chars()
        .take(crate::search::MAX_QUERY_CHARS)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    words.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Near matches for the words of a missing path's last segment (`/id/practice/stokholm-fibre`
/// → "stokholm fibre"), resources of the path's kind first. Empty when the path has no words or
/// the search fails (a 404 page must not fail for its suggestions).
pub async fn suggestions(state: &SharedState, path: &str, lang: Lang) -> Vec<HitView> {
    let mut segments = path.trim_matches('/').split('/');
    let kind = match (segments.next(), segments.next()) {
        (Some("id"), Some(kind)) => Kind::from_path_kind(kind),
        _ => None,
    };
    let words = slug_words(path);
    if words.is_empty() {
        return Vec::new();
    }
    let work_state = state.clone();
    let found = blocking::run(state, move |_| {
        let index = &work_state.search;
        index.refresh_unless_busy(&work_state.backend)?;
        let results = index.suggest(&words, kind, SUGGESTIONS, group_of(lang))?;
        views(&work_state, &results, lang)
    })
    .await;
    match found {
        Ok(hits) => hits,
        Err(e) => {
            tracing::warn!("no search suggestions for {path}: {}", e.message);
            Vec::new()
        }
    }
}
