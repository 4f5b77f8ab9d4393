//! Security headers and the promises behind them (issue 15): every HTML page carries a
//! Content-Security-Policy that allows no inline script or style, and holds none; every answer
//! carries `X-Content-Type-Options: nosniff` and a `Referrer-Policy`; the stylesheet is a served file.

mod common;

use common::*;

const PAGES: &[&str] = &[
    "/?lang=en",
    "/?lang=sv",
    "/id/city/stockholm?lang=en",
    "/id/goal/stockholm-ecologically-sustainable?lang=en",
    "/id/practice/stockholm-congestion-tax?lang=en",
    "/id/theme/mobility?lang=sv",
    "/sdg/11?lang=en",
    "/compare?city=stockholm&city=helsinki&city=copenhagen&lang=en",
    "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%2010",
    "/queries",
    "/search?q=fibre&lang=en",
    "/ontology?lang=en",
    "/contribute?lang=sv",
    "/id/practice/nothing-here",
];

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[test]
fn every_page_carries_the_security_headers_and_no_inline_code() {
    let app = TestApp::new();
    for path in PAGES {
        let (status, headers, body) = app.get(path, &[("accept", "text/html")]);
        assert!(status == 200 || status == 404, "{path}: {status}");
        assert!(
            header(&headers, "content-type").starts_with("text/html"),
            "{path} is not HTML"
        );
        let csp = header(&headers, "content-security-policy");
        for directive in [
            "default-src 'self'",
            "style-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: CSP {csp:?} lacks {directive}"
            );
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            header(&headers, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            header(&headers, "referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        for inline in [
            "<style",
            "<script",
            " style=",
            " onload=",
            " onclick=",
            "javascript:",
        ] {
            assert!(!body.contains(inline), "{path} holds inline code: {inline}");
        }
        assert!(
            body.contains("<link rel=\"stylesheet\" href=\"/static/site.css?v="),
            "{path} does not link the stylesheet"
        );
    }
}

#[test]
fn the_stylesheet_is_served_cacheable_as_css() {
    let app = TestApp::new();
    let (_, _, home) = app.get("/?lang=en", &[("accept", "text/html")]);
    let start = home.find("/static/site.css?v=").expect("stylesheet link");
    let href: String = home[start..].chars().take_while(|c| *c != '"').collect();
    let (status, headers, css) = app.get(&href, &[]);
    assert_eq!(status, 200, "{href}");
    assert_eq!(header(&headers, "content-type"), "text/css; charset=utf-8");
    assert!(header(&headers, "cache-control").contains("max-age=31536000"));
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(
        css.contains("header.site"),
        "the page styles are in the file"
    );
}

#[test]
fn machine_answers_carry_nosniff_too() {
    let app = TestApp::new();
    for (path, accept) in [
        ("/healthz", "application/json"),
        (
            "/sparql?query=ASK%20%7B%7D",
            "application/sparql-results+json",
        ),
        ("/.well-known/void", "text/turtle"),
        ("/api/contributions/stockholm", "application/json"),
        ("/no/such/path", "text/plain"),
    ] {
        let (_, headers, _) = app.get(path, &[("accept", accept)]);
        assert_eq!(
            header(&headers, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            header(&headers, "referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
    }
}
