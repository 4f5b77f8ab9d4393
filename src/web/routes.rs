//! Every path and the handler that answers it, and the layers around them: the page routes get
//! the HTML error layer; everything gets metrics, request logging, HTTP caching (`caching.rs`),
//! the rate limit, CORS, the body limits, the security headers, and gzip for pages and the
//! stylesheet (`compressible`).

use super::{SharedState, admission, api, metrics, pages, security, static_files};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, header};
use axum::routing::get;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

/// Pages and the stylesheet over 1 KiB are gzipped for clients that accept it (the finder is
/// about 90 KB); SPARQL results, RDF and dumps are left as they are, so that streamed answers
/// reach the client as they are written.
fn compressible(
    _: axum::http::StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let large = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_none_or(|n| n > 1024);
    large && (kind.starts_with("text/html") || kind.starts_with("text/css"))
}

/// The router with every route and layer.
pub fn router(state: SharedState) -> Router {
    // The request headers are listed: the wildcard `*` does not cover Authorization (Fetch
    // standard), and browser clients send tokens for updates and contributions.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers([
            header::AUTHORIZATION,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::CONTENT_TYPE,
            header::CACHE_CONTROL,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            HeaderName::from_static("x-requested-with"),
        ])
        .expose_headers(Any)
        .max_age(Duration::from_secs(3600));
    let upload_limit = DefaultBodyLimit::max(state.max_upload_bytes.saturating_add(64 * 1024));
    let pages = Router::new()
        .route("/", get(pages::home::page))
        .route("/queries", get(pages::sparql::queries))
        .route("/compare", get(pages::compare::page))
        .route("/search", get(pages::search::page))
        .route("/practices", get(pages::practices::page))
        .route("/ontology", get(pages::ontology::page))
        .route("/transfers", get(pages::transfers::page))
        .route(
            "/contribute",
            get(pages::contribute::page)
                .post(pages::contribute::upload)
                .layer(upload_limit),
        )
        .route("/id/{kind}/{slug}", get(pages::resource::dereference))
        .route("/sdg/{number}", get(pages::sdg::page))
        .fallback(pages::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::html_errors,
        ));
    let api = Router::new()
        .route(
            "/api/contributions/{city}",
            get(api::contributions::versions)
                .put(api::contributions::submit)
                .post(api::contributions::submit)
                .delete(api::contributions::retract),
        )
        .route(
            "/api/contributions/{city}/{version}",
            get(api::contributions::version),
        )
        .route(
            "/contribute/template.csv",
            get(api::contributions::template),
        )
        .route("/contribute/{file}", get(api::contributions::export))
        .route("/sparql", get(api::sparql::get).post(api::sparql::post))
        .route("/healthz", get(api::health::healthz))
        .route("/metrics", get(api::health::metrics))
        .route("/.well-known/void", get(api::service::void))
        .route("/dump.nq", get(api::dump::nquads))
        .route("/dump.trig", get(api::dump::trig))
        .route("/static/site.css", get(static_files::site_css))
        .route("/favicon.svg", get(static_files::favicon_svg))
        .route("/favicon.ico", get(static_files::favicon_ico));
    Router::new()
        .merge(api)
        .merge(pages)
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::caching::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admission::rate_limit,
        ))
        .layer(cors)
        .layer(axum::middleware::from_fn(security::headers))
        .layer(CompressionLayer::new().compress_when(compressible))
        .with_state(state)
}
