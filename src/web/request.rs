//! What handlers read from a request, as axum extractors: the page context (language and the
//! links to the same page in the other language), the query-string pairs, the SPARQL protocol
//! parameters, the bearer token and whether the client wants HTML.

use super::i18n::Lang;
use crate::sparql::formats::{self, ResultKind};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use std::convert::Infallible;

/// The pairs of a query string, decoded, in order.
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl QueryPairs {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::parse(parts.uri.query()))
    }
}

/// What every page needs to know about its request: the reader's language and how to link to
/// the same page in the other language.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub lang: Lang,
    pub path: String,
    pub switch_en: String,
    pub switch_sv: String,
}

impl PageCtx {
    /// From the request path, its raw query string and headers.
    pub fn new(path: &str, raw_query: Option<&str>, headers: &HeaderMap) -> Self {
        let pairs = QueryPairs::parse(raw_query);
        let lang = Lang::from_request(pairs.get("lang"), headers);
        let switch = |code: &str| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs.0.iter().filter(|(k, _)| k != "lang") {
                s.append_pair(k, v);
            }
            s.append_pair("lang", code);
            format!("{path}?{}", s.finish())
        };
        Self {
            lang,
            path: path.to_owned(),
            switch_en: switch("en"),
            switch_sv: switch("sv"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::new(
            parts.uri.path(),
            parts.uri.query(),
            &parts.headers,
        ))
    }
}

/// The protocol parameters of one SPARQL request, from the URL and (for forms) the body.
#[derive(Default, Debug)]
pub struct SparqlParams {
    pub query: Vec<String>,
    pub update: Vec<String>,
    pub default_graph_uri: Vec<String>,
    pub named_graph_uri: Vec<String>,
    pub format: Option<String>,
    pub page: Option<String>,
}

impl SparqlParams {
    /// Adds the pairs of a query string or an `application/x-www-form-urlencoded` body.
    pub fn add_pairs(&mut self, input: &[u8]) {
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

impl<S: Send + Sync> FromRequestParts<S> for SparqlParams {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_query_string(parts.uri.query()))
    }
}

/// The token of an `Authorization: Bearer …` header, if any.
#[derive(Debug, Clone, Default)]
pub struct Bearer(pub Option<String>);

impl Bearer {
    pub fn of(headers: &HeaderMap) -> Self {
        Self(
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::to_owned),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.headers))
    }
}

/// True when a browser asks for HTML: Accept names text/html explicitly, at least as high as any
/// result or RDF format we offer.
pub fn wants_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
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

/// Whether the client wants HTML (see [`wants_html`]).
#[derive(Debug, Clone, Copy)]
pub struct WantsHtml(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for WantsHtml {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(wants_html(&parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn switch_links_keep_other_parameters() {
        let page = PageCtx::new("/search", Some("q=fibre&lang=sv&page=2"), &HeaderMap::new());
        assert_eq!(page.lang, Lang::Sv);
        assert_eq!(page.switch_en, "/search?q=fibre&page=2&lang=en");
        assert_eq!(page.switch_sv, "/search?q=fibre&page=2&lang=sv");
    }

    #[test]
    fn html_only_when_it_is_asked_for_at_least_as_high() {
        let mut headers = HeaderMap::new();
        assert!(!wants_html(&headers));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,*/*;q=0.8"),
        );
        assert!(wants_html(&headers));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/sparql-results+json, text/html;q=0.5"),
        );
        assert!(!wants_html(&headers));
    }

    #[test]
    fn bearer_and_pairs() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(Bearer::of(&headers).0.as_deref(), Some("abc"));
        let pairs = QueryPairs::parse(Some("city=a&city=b&x=%3C"));
        assert_eq!(pairs.all("city").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(pairs.get("x"), Some("<"));
    }
}
