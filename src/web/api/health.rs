//! `/healthz` (store open, quad count, data version) and `/metrics` (Prometheus text).

use crate::web::SharedState;
use crate::web::blocking;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// GET /healthz. The quad count needs a scan, so it is cached per data version. It runs without
/// a query slot, so a server busy with queries still says how it is.
pub async fn healthz(State(state): State<SharedState>) -> Response {
    let work_state = state.clone();
    let result = blocking::without_deadline(move || {
        let version = work_state.backend.data_version()?;
        if let Ok(cache) = work_state.quad_count_cache.lock()
            && let Some((cached_version, count)) = cache.as_ref()
            && *cached_version == version
        {
            return Ok((version, *count));
        }
        let count = work_state.backend.quad_count()?;
        if let Ok(mut cache) = work_state.quad_count_cache.lock() {
            *cache = Some((version.clone(), count));
        }
        Ok((version, count))
    })
    .await;
    match result {
        Ok((version, quads)) => Json(json!({
            "status": "ok",
            "store": "open",
            // Which kind only: the engine's address is not for the public.
            "backend": if state.backend.remote().is_some() { "remote" } else { "embedded" },
            "quads": quads,
            "data_version": version,
        }))
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "error", "error": e.message})),
        )
            .into_response(),
    }
}

/// GET /metrics
pub async fn metrics(State(state): State<SharedState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
