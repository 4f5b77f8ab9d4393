//! Full dumps of the store, streamed: `/dump.nq` (N-Quads) and `/dump.trig` (TriG).

use crate::sparql::formats::OutputFormat;
use crate::web::SharedState;
use crate::web::blocking::stream;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use oxigraph::io::RdfFormat;

async fn dump(state: SharedState, format: RdfFormat, file: &'static str) -> Response {
    let backend = state.backend.clone();
    let disposition = HeaderValue::from_static(file);
    stream(
        &state,
        OutputFormat::Rdf(format).content_type(),
        vec![(header::CONTENT_DISPOSITION, disposition)],
        move |_token, writer| backend.dump(format, writer),
    )
    .await
}

/// GET /dump.nq
pub async fn nquads(State(state): State<SharedState>) -> Response {
    dump(
        state,
        RdfFormat::NQuads,
        "attachment; filename=\"citykg.nq\"",
    )
    .await
}

/// GET /dump.trig
pub async fn trig(State(state): State<SharedState>) -> Response {
    dump(
        state,
        RdfFormat::TriG,
        "attachment; filename=\"citykg.trig\"",
    )
    .await
}
