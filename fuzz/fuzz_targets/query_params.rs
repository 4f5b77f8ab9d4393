//! Query-parameter handling of every page and API route, through the real router over a real
//! store (the bundle, on disk in a temp dir): any query string, with or without an HTML Accept,
//! gets an answer below 500.
#![no_main]

#[path = "common.rs"]
mod common;

use axum::body::Body;
use axum::http::{Request, header};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tower::ServiceExt;

const ROUTES: [&str; 20] = [
    "/",
    "/queries",
    "/compare",
    "/search",
    "/practices",
    "/ontology",
    "/transfers",
    "/contribute",
    "/id/city/stockholm",
    "/id/practice/stockholm-stokab-dark-fibre",
    "/id/goal/stockholm-ecologically-sustainable",
    "/sdg/11",
    "/api/contributions/stockholm",
    "/api/contributions/stockholm/1",
    "/contribute/template.csv",
    "/contribute/stockholm.csv",
    "/sparql",
    "/healthz",
    "/.well-known/void",
    "/static/site.css",
];

const ACCEPTS: [&str; 4] = [
    "text/html,application/xhtml+xml,*/*;q=0.8",
    "application/json",
    "text/turtle",
    "*/*",
];

struct Server {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    _dir: tempfile::TempDir,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(e) => panic!("the fuzz set-up failed (not a finding): {e}"),
        };
        let mut config = citykg::web::ServeConfig::new(dir.path().join("store"));
        config.bundle_dir = common::repo_root();
        config.query_timeout = std::time::Duration::from_secs(5);
        config.cache_mb = 0;
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => panic!("the fuzz set-up failed (not a finding): {e}"),
        };
        let state = match runtime
            .block_on(async { tokio::task::block_in_place(|| citykg::web::prepare(&config)) })
        {
            Ok((state, _)) => state,
            Err(e) => panic!("the fuzz set-up failed (not a finding): {e}"),
        };
        Server {
            runtime,
            router: citykg::web::router(state),
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, query)) = data.split_first() else {
        return;
    };
    let route = ROUTES[usize::from(pick) % ROUTES.len()];
    let accept = ACCEPTS[usize::from(pick / 32) % ACCEPTS.len()];
    let mut uri = format!("{route}?").into_bytes();
    uri.extend_from_slice(query);
    // What is not a valid request target never reaches a handler (hyper refuses it first).
    let Ok(request) = Request::get(uri.as_slice())
        .header(header::ACCEPT, accept)
        .body(Body::empty())
    else {
        return;
    };
    let server = server();
    let status = server.runtime.block_on(async {
        match server.router.clone().oneshot(request).await {
            Ok(response) => {
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), 1 << 26)
                    .await
                    .unwrap_or_default();
                (status, body)
            }
            Err(never) => match never {},
        }
    });
    assert!(
        !status.0.is_server_error() || status.0.as_u16() == 503,
        "{route}?{} gave {}: {}",
        String::from_utf8_lossy(query),
        status.0,
        String::from_utf8_lossy(&status.1)
    );
});
