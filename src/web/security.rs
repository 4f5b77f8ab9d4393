//! The security headers every answer carries: `X-Content-Type-Options: nosniff`,
//! `Referrer-Policy` and a Content-Security-Policy that allows no inline script or style (the pages
//! take their styling from `/static/site.css` and need no script) and no framing.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every page: only this origin's files, no inline code, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// The referrer policy: the full URL within this site, the origin only to others over HTTPS.
pub const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";

/// The layer: adds the headers to every answer that does not already carry them. The policy is
/// sent with every answer, not only HTML: it costs nothing elsewhere, and it also covers answers a
/// browser may render as a document (SVG, XML).
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, REFERRER_POLICY),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ] {
        let name: HeaderName = name;
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
