//! The files the pages link to, compiled into the binary: the stylesheet `/static/site.css` and
//! the icon (`/favicon.svg`, and `/favicon.ico` for clients that ask for it unprompted).
//! Pages carry no inline style or script (the Content-Security-Policy forbids both), so all their
//! styling is here. The link carries a hash of the file (`?v=…`), so it may be cached for a year.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The stylesheet of every page.
const SITE_CSS: &str = include_str!("static/site.css");

/// The path pages link the stylesheet at, with the first 12 hex digits of its SHA-256.
static STYLESHEET_HREF: LazyLock<String> = LazyLock::new(|| {
    let digest = hex::encode(Sha256::digest(SITE_CSS.as_bytes()));
    format!("/static/site.css?v={}", &digest[..12])
});

/// The stylesheet's link, for the `<link rel="stylesheet">` of base.html.
pub fn stylesheet_href() -> &'static str {
    &STYLESHEET_HREF
}

/// GET /static/site.css.
pub async fn site_css() -> Response {
    let mut response = SITE_CSS.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

/// The site's icon: a city grid, as SVG and as a 16 × 16 ICO.
const FAVICON_SVG: &str = include_str!("static/favicon.svg");
const FAVICON_ICO: &[u8] = include_bytes!("static/favicon.ico");

/// An icon answer, cacheable for a day (its path carries no hash).
fn icon(body: Response, content_type: &'static str) -> Response {
    let mut response = body;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

/// GET /favicon.svg.
pub async fn favicon_svg() -> Response {
    icon(FAVICON_SVG.into_response(), "image/svg+xml")
}

/// GET /favicon.ico.
pub async fn favicon_ico() -> Response {
    icon(FAVICON_ICO.into_response(), "image/x-icon")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_names_the_content() {
        let href = stylesheet_href();
        assert!(href.starts_with("/static/site.css?v="));
        assert_eq!(href.len(), "/static/site.css?v=".len() + 12);
    }
}
