//! The contribution API over the ingest pipeline: `/api/contributions/{city}` (PUT replaces the
//! city's graph, POST `?dry_run=true` validates only, GET lists versions, DELETE withdraws),
//! `/api/contributions/{city}/{version}` (one version's data), and the CSV template and export.

use crate::ingest::contribution::{Contributor, InputFormat, Outcome, VersionInfo};
use crate::ingest::shacl::{Report, report_turtle};
use crate::sparql::formats;
use crate::web::SharedState;
use crate::web::error::{ApiError, WebError};
use crate::web::request::{Bearer, QueryPairs};
use crate::web::{auth, blocking, rdf};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

type ApiResult = Result<Response, ApiError>;

fn json_response(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string() + "\n",
    )
        .into_response()
}

fn wants_turtle(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let offers = [("application/json", false), ("text/turtle", true)];
    formats::choose(accept, &offers).is_some_and(|(_, turtle)| turtle)
}

/// The report as JSON (default) or as a `sh:ValidationReport` in Turtle.
fn report_response(
    status: StatusCode,
    report: &Report,
    extra: serde_json::Value,
    turtle: bool,
) -> ApiResult {
    if turtle {
        let text = report_turtle(report)?;
        return Ok((
            status,
            [(header::CONTENT_TYPE, "text/turtle; charset=utf-8")],
            text,
        )
            .into_response());
    }
    let mut body = json!({ "conforms": report.conforms, "results": report.results });
    if let (Some(body), serde_json::Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    Ok(json_response(status, body))
}

/// A version as JSON, with the local URL of its data.
fn version_json(city: &str, v: &VersionInfo) -> serde_json::Value {
    let mut value = serde_json::to_value(v).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "url".into(),
            json!(format!("/api/contributions/{city}/{}", v.version)),
        );
    }
    value
}

/// `PUT /api/contributions/{city}` and `POST …?dry_run=true`.
pub async fn submit(
    State(state): State<SharedState>,
    Path(city): Path<String>,
    pairs: QueryPairs,
    token: Bearer,
    request: Request,
) -> ApiResult {
    let method = request.method().clone();
    let headers = request.headers().clone();
    let record = auth::contributor(&state, &token, &city)?;
    let dry_run = method == axum::http::Method::POST
        && matches!(pairs.get("dry_run"), Some("true" | "1" | "yes"));
    let format = match pairs.get("format") {
        Some(name) => InputFormat::from_name(name).or_else(|| InputFormat::from_media_type(name)),
        None => headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(InputFormat::from_media_type),
    };
    let Some(format) = format else {
        return Err(WebError::unsupported_media_type(
            "Send the data as text/turtle, application/ld+json, application/n-triples, application/rdf+xml, application/trig (default graph only) or text/csv (the template at /contribute/template.csv), in the Content-Type header or ?format=.",
        )
        .into());
    };
    let body = axum::body::to_bytes(request.into_body(), state.max_upload_bytes)
        .await
        .map_err(|e| {
            if crate::web::listener::is_body_timeout(&e) {
                return WebError::new(StatusCode::REQUEST_TIMEOUT, format!("{e}."));
            }
            WebError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The body is larger than this server accepts ({} MB; --max-upload-mb).",
                    state.max_upload_bytes / (1024 * 1024)
                ),
            )
        })?;
    let who = Contributor {
        token_id: Some(record.id.clone()),
        channel: "api",
    };
    let turn = crate::web::admission::contribution_turn(&state.contribution_turns).await?;
    let outcome = {
        let state = state.clone();
        let city = city.clone();
        blocking::without_deadline(move || {
            let _turn = turn;
            state
                .contributions
                .submit(&city, "request body", &body, format, &who, dry_run)
        })
        .await
        .map_err(ApiError::library)?
    };
    respond(&city, outcome, wants_turtle(&headers))
}

/// The API's answer to a submission: status, report and, when stored, the new version.
fn respond(city: &str, outcome: Outcome, turtle: bool) -> ApiResult {
    match outcome {
        Outcome::Rejected(report) => report_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &report,
            json!({ "accepted": false }),
            turtle,
        ),
        Outcome::Valid { report, triples } => report_response(
            StatusCode::OK,
            &report,
            json!({ "accepted": false, "dry_run": true, "triples": triples }),
            turtle,
        ),
        Outcome::Accepted { report, version } => {
            let location = format!("/api/contributions/{city}/{}", version.version);
            let mut response = report_response(
                StatusCode::CREATED,
                &report,
                json!({
                    "accepted": true,
                    "version": version_json(city, &version),
                    "city_page": format!("/id/city/{city}"),
                }),
                turtle,
            )?;
            if let Ok(value) = header::HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            Ok(response)
        }
    }
}

/// `DELETE /api/contributions/{city}`: withdraws the city's data; the history keeps it.
pub async fn retract(
    State(state): State<SharedState>,
    Path(city): Path<String>,
    token: Bearer,
) -> ApiResult {
    let record = auth::contributor(&state, &token, &city)?;
    let who = Contributor {
        token_id: Some(record.id),
        channel: "api",
    };
    let version = {
        let state = state.clone();
        let city = city.clone();
        blocking::without_deadline(move || state.contributions.retract(&city, &who))
            .await
            .map_err(ApiError::library)?
    };
    Ok(json_response(
        StatusCode::OK,
        json!({ "retracted": true, "version": version_json(&city, &version) }),
    ))
}

/// `GET /api/contributions/{city}`: the versions, oldest first.
pub async fn versions(State(state): State<SharedState>, Path(city): Path<String>) -> ApiResult {
    let versions = {
        let state = state.clone();
        let city = city.clone();
        blocking::run(&state.clone(), move |_| state.contributions.versions(&city))
            .await
            .map_err(ApiError::library)?
    };
    let list: Vec<_> = versions.iter().map(|v| version_json(&city, v)).collect();
    Ok(json_response(
        StatusCode::OK,
        json!({
            "city": city,
            "graph": format!("{}{city}", crate::vocab::GRAPH_NS),
            "current": versions.last().map(|v| v.version),
            "versions": list,
        }),
    ))
}

/// `GET /api/contributions/{city}/{version}`: that version's data, in the RDF format asked for.
pub async fn version(
    State(state): State<SharedState>,
    Path((city, version)): Path<(String, String)>,
    pairs: QueryPairs,
    headers: HeaderMap,
) -> ApiResult {
    let Ok(number) = version.parse::<u64>() else {
        return Err(WebError::not_found(format!("{version:?} is not a version number")).into());
    };
    let format = rdf::choose(pairs.get("format"), &headers)?;
    let found = {
        let state = state.clone();
        let city = city.clone();
        blocking::run(&state.clone(), move |_| {
            state.contributions.version(&city, number)
        })
        .await
        .map_err(ApiError::library)?
    };
    let Some((_, triples)) = found else {
        return Err(WebError::not_found(format!("{city} has no version {number}")).into());
    };
    Ok(rdf::triples_response(&triples, format, &[], false)?)
}

/// `GET /contribute/template.csv`: the empty CSV template (header row).
pub async fn template() -> Response {
    let header = crate::ingest::csv::template_header(2).join(",") + "\n";
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"citykg-template.csv\"",
            ),
        ],
        header,
    )
        .into_response()
}

/// `GET /contribute/{city}.csv`: a city's practices as the CSV template, to start from.
pub async fn export(State(state): State<SharedState>, Path(file): Path<String>) -> ApiResult {
    let Some(city) = file.strip_suffix(".csv").map(str::to_owned) else {
        return Err(WebError::not_found("use /contribute/{city}.csv").into());
    };
    if !crate::slug::is_slug(&city) {
        return Err(WebError::not_found(format!("{city:?} is not a city identifier")).into());
    }
    let text = {
        let state = state.clone();
        let city = city.clone();
        blocking::run(&state.clone(), move |_| {
            crate::ingest::csv::export(&state.backend, &city, &state.base_iri)
        })
        .await
        .map_err(ApiError::library)?
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{city}.csv\""),
            ),
        ],
        text,
    )
        .into_response())
}
