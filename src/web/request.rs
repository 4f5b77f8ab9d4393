//! What handlers read from a request, as axum extractors: the page context (language and the
//! links to the same page in the other language), the query-string pairs, the SPARQL protocol
//! parameters, the bearer token and whether the client wants HTML.

use super::error::WebError;
use super::i18n::Lang;
use super::{AppState, SharedState};
use crate::sparql::formats::{self, ResultKind};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

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

/// A page's parameters: a value that is not UTF-8 once decoded is a 400 naming it (a lenient
/// decoder would search for, or compare, something other than what was sent).
impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        Ok(Self(strict_pairs(raw.as_bytes(), "the URL")?))
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
    /// Every `format` and `output` value, in order (clients send several; the first that fits
    /// the query wins).
    pub formats: Vec<String>,
    pub page: Option<String>,
}

impl SparqlParams {
    /// Adds the pairs of a query string or an `application/x-www-form-urlencoded` body. A value
    /// whose percent-decoded bytes are not UTF-8 is refused, naming the parameter and the byte.
    pub fn add_pairs(&mut self, input: &[u8], origin: &str) -> Result<(), WebError> {
        for (key, value) in strict_pairs(input, origin)? {
            match key.as_str() {
                "query" => self.query.push(value),
                "update" => self.update.push(value),
                "default-graph-uri" | "using-graph-uri" => self.default_graph_uri.push(value),
                "named-graph-uri" | "using-named-graph-uri" => self.named_graph_uri.push(value),
                "format" | "output" => self.formats.push(value),
                "page" => self.page = Some(value),
                _ => {}
            }
        }
        Ok(())
    }

    pub fn from_query_string(raw: Option<&str>) -> Result<Self, WebError> {
        let mut params = Self::default();
        if let Some(raw) = raw {
            params.add_pairs(raw.as_bytes(), "the URL")?;
        }
        Ok(params)
    }

    /// The first `format`/`output` value, for answers that have one format per name.
    pub fn format(&self) -> Option<&str> {
        self.formats.first().map(String::as_str)
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs, refusing what is not UTF-8 once decoded
/// (where a lenient decoder would put U+FFFD and answer a different query than was sent).
fn strict_pairs(input: &[u8], origin: &str) -> Result<Vec<(String, String)>, WebError> {
    let decode = |part: &[u8], what: &dyn Fn() -> String| -> Result<String, WebError> {
        let spaced: Vec<u8> = part
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let byte = e.as_bytes().get(at).copied().unwrap_or(0);
            WebError::bad_request(format!(
                "{} in {origin} is not UTF-8: byte 0x{byte:02X} at position {at} of the decoded value (percent-encode the UTF-8 bytes of the text)",
                what()
            ))
        })
    };
    let mut pairs = Vec::new();
    for piece in input.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (key, value) = match piece.iter().position(|b| *b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &[][..]),
        };
        let key = decode(key, &|| "a parameter name".to_owned())?;
        let value = decode(value, &|| format!("parameter {key}"))?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

impl<S: Send + Sync> FromRequestParts<S> for SparqlParams {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Self::from_query_string(parts.uri.query())
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

/// True when a browser asks for HTML. Browsers name `application/xhtml+xml`; a client that
/// names only `text/html` gets HTML when nothing else it names weighs as much (so
/// `application/sparql-results+json, text/html` and Java's default `text/html, image/gif, …`
/// get results). In both cases no result or RDF type we offer may weigh more than HTML.
pub fn wants_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let items = formats::parse_accept(accept);
    let q_of = |media: &str| {
        items
            .iter()
            .filter(|i| i.media_type == media)
            .map(|i| i.q)
            .fold(0.0f32, f32::max)
    };
    let (html, xhtml) = (q_of("text/html"), q_of("application/xhtml+xml"));
    let page = html.max(xhtml);
    if page <= 0.0 {
        return false;
    }
    let explicit = || {
        items.iter().filter(|i| {
            !i.media_type.ends_with("/*")
                && i.media_type != "*"
                && i.media_type != "text/html"
                && i.media_type != "application/xhtml+xml"
        })
    };
    let best_offered = explicit()
        .filter(|i| {
            formats::offered(ResultKind::Solutions)
                .iter()
                .chain(formats::rdf_offered().iter())
                .any(|(m, _)| formats::quality(std::slice::from_ref(*i), m).is_some())
        })
        .map(|i| i.q)
        .fold(0.0f32, f32::max);
    if best_offered > page {
        return false;
    }
    if xhtml > 0.0 {
        return true;
    }
    explicit().all(|i| i.q < html)
}

/// The address clients reach this server at (for the service description, VoID and dump links):
/// `--public-url` when given; else, for a request from a proxy named by `--trusted-proxy`, its
/// `X-Forwarded-Proto` and `X-Forwarded-Host`; else `http://` and the Host header.
#[derive(Debug, Clone)]
pub struct PublicOrigin(pub String);

/// A host\[:port\] as a Host or X-Forwarded-Host header may carry it, or None.
fn plain_host(value: Option<&HeaderValue>) -> Option<&str> {
    let host = value?.to_str().ok()?.split(',').next()?.trim();
    (!host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
    .then_some(host)
}

impl PublicOrigin {
    pub fn of(state: &AppState, headers: &HeaderMap, peer: Option<IpAddr>) -> Self {
        if let Some(origin) = &state.public_origin {
            return Self(origin.clone());
        }
        let host = plain_host(headers.get(header::HOST)).unwrap_or("127.0.0.1:7878");
        let trusted = peer.is_some_and(|p| state.trusted_proxies.contains(&p));
        if trusted {
            let proto = headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .map(|v| {
                    v.split(',')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase()
                })
                .filter(|p| p == "http" || p == "https")
                .unwrap_or_else(|| "http".to_owned());
            let host = plain_host(headers.get("x-forwarded-host")).unwrap_or(host);
            return Self(format!("{proto}://{host}"));
        }
        Self(format!("http://{host}"))
    }
}

impl FromRequestParts<SharedState> for PublicOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Self::of(state, &parts.headers, peer))
    }
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
        let cases = [
            ("text/html", true),
            (
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                true,
            ),
            (
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8",
                true,
            ),
            ("application/sparql-results+json, text/html", false),
            (
                "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2",
                false,
            ),
            ("*/*", false),
        ];
        for (accept, html) in cases {
            headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
            assert_eq!(wants_html(&headers), html, "{accept}");
        }
    }

    #[test]
    fn sparql_parameters_are_decoded_strictly() {
        let params = SparqlParams::from_query_string(Some(
            "query=SELECT+%3Fs&format=json-ld&output=application%2Fld%2Bjson",
        ))
        .expect("valid");
        assert_eq!(params.query, ["SELECT ?s"]);
        assert_eq!(params.formats, ["json-ld", "application/ld+json"]);
        let error =
            SparqlParams::from_query_string(Some("query=SELECT%20%F6")).expect_err("latin-1");
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(
            error.message.contains("parameter query"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("0xF6 at position 7"),
            "{}",
            error.message
        );
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
