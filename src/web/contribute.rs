//! The contribution API (`/api/contributions/{city}`: PUT/POST/GET/DELETE, bearer tokens) and the
//! upload page `/contribute`, both over the ingest pipeline.

use super::SharedState;
use super::pages::{PageCtx, render};
use crate::error::Error;
use crate::ingest::contribution::{Contributor, InputFormat, Outcome, VersionInfo};
use crate::ingest::shacl::{Report, report_turtle};
use crate::ingest::tokens::{Check, TokenRecord};
use crate::sparql::formats::{self, OutputFormat};
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use oxigraph::io::RdfSerializer;
use oxigraph::model::TripleRef;
use serde_json::json;

fn json_response(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string() + "\n",
    )
        .into_response()
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(status, json!({ "error": message.into() }))
}

fn unauthorized(message: &str) -> Response {
    let mut response = problem(StatusCode::UNAUTHORIZED, message);
    if let Ok(value) = header::HeaderValue::from_str("Bearer realm=\"citykg contributions\"") {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The status and body for a failed pipeline step.
fn error_response(error: &Error) -> Response {
    match error {
        Error::Parse { .. } | Error::Syntax(_) | Error::Invalid(_) => json_response(
            StatusCode::BAD_REQUEST,
            json!({ "conforms": false, "error": error.to_string() }),
        ),
        other => problem(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

/// Checks a presented token for `city`: the record, or the 401/403 answer.
fn authorize(
    state: &SharedState,
    token: Option<&str>,
    city: &str,
) -> Result<TokenRecord, Box<Response>> {
    let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
        return Err(Box::new(unauthorized(
            "A contributor token is required: send it as Authorization: Bearer <token>. A citykg operator issues one per city with `citykg token add --city <city>`.",
        )));
    };
    match state.tokens.check(token) {
        Ok(Check::Valid(record)) if record.city == city => Ok(record),
        Ok(Check::Valid(record)) => Err(Box::new(problem(
            StatusCode::FORBIDDEN,
            format!(
                "This token writes the data of {}, not of {city}.",
                record.city
            ),
        ))),
        Ok(Check::Invalid) => Err(Box::new(unauthorized(
            "The token is not valid (unknown, mistyped or revoked).",
        ))),
        Err(e) => Err(Box::new(problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            e.to_string(),
        ))),
    }
}

/// The token of an `Authorization: Bearer …` header.
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
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
) -> Response {
    if turtle {
        return match report_turtle(report) {
            Ok(text) => (
                status,
                [(header::CONTENT_TYPE, "text/turtle; charset=utf-8")],
                text,
            )
                .into_response(),
            Err(e) => error_response(&e),
        };
    }
    let mut body = json!({ "conforms": report.conforms, "results": report.results });
    if let (Some(body), serde_json::Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    json_response(status, body)
}

/// Brings the search index to the new data version, so search shows a contribution at once. The
/// contribution itself has landed either way; a failure here is logged and retried by the next search.
fn refresh_search(state: &SharedState) {
    if let Err(e) = state.search.ensure_fresh(&state.backend) {
        tracing::warn!("the search index was not refreshed after a contribution: {e}");
    }
}

async fn run<T: Send + 'static>(
    work: impl FnOnce() -> crate::error::Result<T> + Send + 'static,
) -> crate::error::Result<T> {
    // No deadline here: a submission that has started committing must finish, or the client
    // would be told it failed while it landed.
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Invalid(format!("the contribution task failed: {e}")))?
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
    RawQuery(raw): RawQuery,
    request: Request,
) -> Response {
    let method = request.method().clone();
    let headers = request.headers().clone();
    let record = match authorize(&state, bearer(&headers), &city) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let pairs = query_pairs(raw.as_deref());
    let dry_run = method == axum::http::Method::POST
        && matches!(param(&pairs, "dry_run"), Some("true" | "1" | "yes"));
    let format = match param(&pairs, "format") {
        Some(name) => InputFormat::from_name(name).or_else(|| InputFormat::from_media_type(name)),
        None => headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(InputFormat::from_media_type),
    };
    let Some(format) = format else {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the data as text/turtle, application/ld+json, application/n-triples, application/rdf+xml, application/trig (default graph only) or text/csv (the template at /contribute/template.csv), in the Content-Type header or ?format=.",
        );
    };
    let body = match axum::body::to_bytes(request.into_body(), state.max_upload_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The body is larger than this server accepts ({} MB; --max-upload-mb).",
                    state.max_upload_bytes / (1024 * 1024)
                ),
            );
        }
    };
    let turtle = wants_turtle(&headers);
    let who = Contributor {
        token_id: Some(record.id.clone()),
        channel: "api",
    };
    let outcome = {
        let state = state.clone();
        let city = city.clone();
        run(move || {
            let outcome =
                state
                    .contributions
                    .submit(&city, "request body", &body, format, &who, dry_run)?;
            if matches!(outcome, Outcome::Accepted { .. }) {
                refresh_search(&state);
            }
            Ok(outcome)
        })
        .await
    };
    respond(&city, outcome, turtle)
}

/// The API's answer to a submission: status, report and, when stored, the new version.
fn respond(city: &str, outcome: crate::error::Result<Outcome>, turtle: bool) -> Response {
    match outcome {
        Ok(Outcome::Rejected(report)) => report_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &report,
            json!({ "accepted": false }),
            turtle,
        ),
        Ok(Outcome::Valid { report, triples }) => report_response(
            StatusCode::OK,
            &report,
            json!({ "accepted": false, "dry_run": true, "triples": triples }),
            turtle,
        ),
        Ok(Outcome::Accepted { report, version }) => {
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
            );
            if let Ok(value) = header::HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Err(e) => error_response(&e),
    }
}

/// `DELETE /api/contributions/{city}`: withdraws the city's data; the history keeps it.
pub async fn retract(
    State(state): State<SharedState>,
    Path(city): Path<String>,
    headers: HeaderMap,
) -> Response {
    let record = match authorize(&state, bearer(&headers), &city) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let who = Contributor {
        token_id: Some(record.id),
        channel: "api",
    };
    let result = {
        let state = state.clone();
        let city = city.clone();
        run(move || {
            let version = state.contributions.retract(&city, &who)?;
            refresh_search(&state);
            Ok(version)
        })
        .await
    };
    match result {
        Ok(version) => json_response(
            StatusCode::OK,
            json!({ "retracted": true, "version": version_json(&city, &version) }),
        ),
        Err(e) => error_response(&e),
    }
}

/// `GET /api/contributions/{city}`: the versions, oldest first.
pub async fn versions(State(state): State<SharedState>, Path(city): Path<String>) -> Response {
    let result = {
        let state = state.clone();
        let city = city.clone();
        run(move || state.contributions.versions(&city)).await
    };
    match result {
        Ok(versions) => {
            let list: Vec<_> = versions.iter().map(|v| version_json(&city, v)).collect();
            json_response(
                StatusCode::OK,
                json!({
                    "city": city,
                    "graph": format!("{}{city}", crate::vocab::GRAPH_NS),
                    "current": versions.last().map(|v| v.version),
                    "versions": list,
                }),
            )
        }
        Err(e) => error_response(&e),
    }
}

/// `GET /api/contributions/{city}/{version}`: that version's data, in the RDF format asked for.
pub async fn version(
    State(state): State<SharedState>,
    Path((city, version)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Ok(number) = version.parse::<u64>() else {
        return problem(
            StatusCode::NOT_FOUND,
            format!("{version:?} is not a version number"),
        );
    };
    let pairs = query_pairs(raw.as_deref());
    let offers = formats::rdf_offered();
    let chosen = match param(&pairs, "format") {
        Some(name) => formats::from_format_param(name, formats::ResultKind::Graph)
            .map(|f| (f.content_type(), f)),
        None => formats::choose(
            headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()),
            &offers,
        ),
    };
    let Some((_, OutputFormat::Rdf(format))) = chosen else {
        return problem(
            StatusCode::NOT_ACCEPTABLE,
            "Offered: text/turtle, application/n-triples, application/rdf+xml, application/ld+json.",
        );
    };
    let result = {
        let state = state.clone();
        let city = city.clone();
        run(move || state.contributions.version(&city, number)).await
    };
    let triples = match result {
        Ok(Some((_, triples))) => triples,
        Ok(None) => {
            return problem(
                StatusCode::NOT_FOUND,
                format!("{city} has no version {number}"),
            );
        }
        Err(e) => return error_response(&e),
    };
    let mut serializer = RdfSerializer::from_format(format).for_writer(Vec::new());
    for t in &triples {
        if let Err(e) = serializer.serialize_triple(TripleRef::from(t)) {
            return problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
    }
    match serializer.finish() {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    OutputFormat::Rdf(format).content_type(),
                ),
                (header::VARY, "Accept"),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
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
pub async fn export(State(state): State<SharedState>, Path(file): Path<String>) -> Response {
    let Some(city) = file.strip_suffix(".csv").map(str::to_owned) else {
        return problem(StatusCode::NOT_FOUND, "use /contribute/{city}.csv");
    };
    if !crate::ingest::tokens::is_slug(&city) {
        return problem(
            StatusCode::NOT_FOUND,
            format!("{city:?} is not a city identifier"),
        );
    }
    let result = {
        let state = state.clone();
        let city = city.clone();
        run(move || crate::ingest::csv::export(&state.backend, &city, &state.base_iri)).await
    };
    match result {
        Ok(text) => (
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
            .into_response(),
        Err(e) => error_response(&e),
    }
}

/// The cities that can be picked on the upload page: (slug, name).
fn cities(state: &SharedState) -> Vec<(String, String)> {
    let prefix = format!("{}id/city/", state.base_iri);
    let rows = state
        .backend
        .select(&format!(
            "SELECT ?c (SAMPLE(?n) AS ?name) WHERE {{ ?c a <{}> . OPTIONAL {{ ?c <https://schema.org/name> ?n FILTER(lang(?n) = \"en\") }} }} GROUP BY ?c ORDER BY ?c",
            crate::vocab::ckg::CITY
        ))
        .unwrap_or_default();
    rows.into_iter()
        .filter_map(|r| {
            let iri = match r.first().cloned().flatten() {
                Some(oxigraph::model::Term::NamedNode(n)) => n.into_string(),
                _ => return None,
            };
            let slug = iri.strip_prefix(&prefix)?.to_owned();
            let name = match r.get(1).cloned().flatten() {
                Some(oxigraph::model::Term::Literal(l)) => l.value().to_owned(),
                _ => slug.clone(),
            };
            Some((slug, name))
        })
        .collect()
}

/// `GET /contribute`: the upload form.
pub async fn page(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = PageCtx::new("/contribute", raw.as_deref(), &headers);
    let cities = {
        let state = state.clone();
        run(move || Ok(cities(&state))).await.unwrap_or_default()
    };
    render(
        &state,
        "contribute.html",
        context! { cities => cities, form => context! { format => "auto", dry_run => true } },
        StatusCode::OK,
        &page,
    )
}

/// `POST /contribute` (multipart form): checks or stores an upload and shows the report.
pub async fn upload(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    mut multipart: Multipart,
) -> Response {
    let page = PageCtx::new("/contribute", raw.as_deref(), &headers);
    let mut fields: std::collections::HashMap<String, String> = Default::default();
    let mut file: Option<(String, Bytes)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::BAD_REQUEST
                };
                return (status, format!("The form could not be read: {e}\n")).into_response();
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            match field.bytes().await {
                Ok(bytes) if !bytes.is_empty() => file = Some((file_name, bytes)),
                Ok(_) => {}
                Err(e) => {
                    return (e.status(), format!("The file could not be read: {e}\n"))
                        .into_response();
                }
            }
        } else {
            match field.text().await {
                Ok(text) => {
                    fields.insert(name, text);
                }
                Err(e) => {
                    return (e.status(), format!("The form could not be read: {e}\n"))
                        .into_response();
                }
            }
        }
    }
    let get = |k: &str| {
        fields
            .get(k)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let city = get("city");
    let dry_run = !get("dry_run").is_empty();
    let format_name = get("format");
    let (origin, body) = match (&file, fields.get("paste").filter(|p| !p.trim().is_empty())) {
        (Some((name, bytes)), _) => (
            if name.is_empty() {
                "upload".to_owned()
            } else {
                name.clone()
            },
            bytes.clone(),
        ),
        (None, Some(text)) => (
            "pasted text".to_owned(),
            Bytes::from(text.clone().into_bytes()),
        ),
        (None, None) => (String::new(), Bytes::new()),
    };
    let format = if format_name.is_empty() || format_name == "auto" {
        InputFormat::from_path(std::path::Path::new(&origin))
    } else {
        InputFormat::from_name(&format_name)
    };
    let form = context! { city => city.clone(), format => format_name.clone(), dry_run => dry_run };
    let cities_list = {
        let state = state.clone();
        run(move || Ok(cities(&state))).await.unwrap_or_default()
    };
    let show = |status: StatusCode, result: minijinja::Value| {
        render(
            &state,
            "contribute.html",
            context! { cities => cities_list.clone(), form => form.clone(), result => result },
            status,
            &page,
        )
    };
    let token = get("token");
    let record = match authorize(&state, Some(token.as_str()), &city) {
        Ok(r) => r,
        Err(response) => {
            let status = response.status();
            let message = if status == StatusCode::FORBIDDEN {
                format!("This token does not write the data of {city}.")
            } else {
                "The token is missing or not valid. Paste the contributor token you were given for your city.".to_owned()
            };
            return show(status, context! { error => message });
        }
    };
    if body.is_empty() {
        return show(
            StatusCode::BAD_REQUEST,
            context! { error => "Choose a file or paste the data." },
        );
    }
    let Some(format) = format else {
        return show(
            StatusCode::BAD_REQUEST,
            context! { error => "Pick the format of the data (the file name did not tell)." },
        );
    };
    let who = Contributor {
        token_id: Some(record.id),
        channel: "upload page",
    };
    let outcome = {
        let state = state.clone();
        let city = city.clone();
        run(move || {
            let outcome = state
                .contributions
                .submit(&city, &origin, &body, format, &who, dry_run)?;
            if matches!(outcome, Outcome::Accepted { .. }) {
                refresh_search(&state);
            }
            Ok(outcome)
        })
        .await
    };
    match outcome {
        Ok(Outcome::Rejected(report)) => show(
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { report => minijinja::Value::from(minijinja::value::Serde(&report)) },
        ),
        Ok(Outcome::Valid { report, triples }) => show(
            StatusCode::OK,
            context! { report => minijinja::Value::from(minijinja::value::Serde(&report)), dry_run_ok => true, triples => triples },
        ),
        Ok(Outcome::Accepted { report, version }) => {
            let practices = {
                let state = state.clone();
                let city = city.clone();
                run(move || state.contributions.practices(&city))
                    .await
                    .unwrap_or_default()
            };
            let practices: Vec<_> = practices
                .into_iter()
                .map(|(iri, name)| context! { name => name, href => super::views::local_href(&iri, &state.base_iri, page.lang) })
                .collect();
            show(
                StatusCode::CREATED,
                context! {
                    report => minijinja::Value::from(minijinja::value::Serde(&report)),
                    accepted => minijinja::Value::from(minijinja::value::Serde(&version)),
                    city_href => format!("/id/city/{city}"),
                    practices => practices,
                },
            )
        }
        Err(e) => show(StatusCode::BAD_REQUEST, context! { error => e.to_string() }),
    }
}
