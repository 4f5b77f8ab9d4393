//! `/healthz` (store open, quad count, data version) and `/metrics` (Prometheus text).

use super::SharedState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// GET /healthz. The quad count needs a scan, so it is cached per data version.
pub async fn healthz(State(state): State<SharedState>) -> Response {
    let work_state = state.clone();
    let result = tokio::task::spawn_blocking(move || {
        let version = work_state.backend.data_version()?;
        if let Ok(cache) = work_state.quad_count_cache.lock()
            && let Some((cached_version, count)) = cache.as_ref()
            && *cached_version == version
        {
            return Ok::<_, crate::error::Error>((version, *count));
        }
        let count = work_state.backend.quad_count()?;
        if let Ok(mut cache) = work_state.quad_count_cache.lock() {
            *cache = Some((version.clone(), count));
        }
        Ok((version, count))
    })
    .await;
    match result {
        Ok(Ok((version, quads))) => Json(json!({
            "status": "ok",
            "store": "open",
            "quads": quads,
            "data_version": version,
        }))
        .into_response(),
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "error", "error": e.to_string()})),
        )
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "error", "error": e.to_string()})),
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
