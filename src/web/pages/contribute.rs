//! `/contribute`: the upload page for partner cities' data stewards — a file or pasted text, its
//! format, a dry run — over the same pipeline as the contribution API, with the report shown.

use crate::error::Result;
use crate::ingest::contribution::{Contributor, InputFormat, Outcome};
use crate::store::Backend;
use crate::vocab::CKG;
use crate::web::SharedState;
use crate::web::html::{render, value};
use crate::web::i18n::Lang;
use crate::web::links::local_href;
use crate::web::request::{Bearer, PageCtx};
use crate::web::{auth, blocking};
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;

/// The cities that can be picked on the upload page: (slug, name, the name's language when it
/// is not the reader's); the name in the reader's language, else in English.
fn cities(backend: &Backend, base_iri: &str, lang: Lang) -> Result<Vec<(String, String, String)>> {
    let prefix = format!("{base_iri}id/city/");
    let code = lang.code();
    let rows = backend.select_strings(&format!(
        "SELECT ?c (SAMPLE(COALESCE(?own, ?en)) AS ?name) (SAMPLE(IF(BOUND(?own) || !BOUND(?en), \"\", \"en\")) AS ?lang) WHERE {{ ?c a <{CKG}City> . OPTIONAL {{ ?c <https://schema.org/name> ?own FILTER(lang(?own) = \"{code}\") }} OPTIONAL {{ ?c <https://schema.org/name> ?en FILTER(lang(?en) = \"en\") }} }} GROUP BY ?c ORDER BY ?c"
    ))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let slug = r.first()?.strip_prefix(&prefix)?.to_owned();
            let name = r
                .get(1)
                .filter(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| slug.clone());
            let name_lang = r.get(2).cloned().unwrap_or_default();
            Some((
                slug,
                name,
                if code == "en" {
                    String::new()
                } else {
                    name_lang
                },
            ))
        })
        .collect())
}

/// The city list for the form; an empty list when it cannot be read (the form still works).
async fn city_choices(state: &SharedState, lang: Lang) -> Vec<(String, String, String)> {
    let work_state = state.clone();
    blocking::run(state, move |_| {
        cities(&work_state.backend, &work_state.base_iri, lang)
    })
    .await
    .unwrap_or_default()
}

/// `GET /contribute`: the upload form.
pub async fn page(State(state): State<SharedState>, page: PageCtx) -> Response {
    let cities = city_choices(&state, page.lang).await;
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
    page: PageCtx,
    mut multipart: Multipart,
) -> Response {
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
    let cities_list = city_choices(&state, page.lang).await;
    let show = |status: StatusCode, result: minijinja::Value| {
        render(
            &state,
            "contribute.html",
            context! { cities => cities_list.clone(), form => form.clone(), result => result },
            status,
            &page,
        )
    };
    let token = Bearer(Some(get("token")));
    let record = match auth::contributor(&state, &token, &city) {
        Ok(r) => r,
        Err(refusal) => {
            let status = refusal.status;
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
    let turn = match crate::web::admission::contribution_turn(&state.contribution_turns).await {
        Ok(turn) => turn,
        Err(refused) => return refused.into_response(),
    };
    let outcome = {
        let state = state.clone();
        let city = city.clone();
        blocking::without_deadline(move || {
            let _turn = turn;
            state
                .contributions
                .submit(&city, &origin, &body, format, &who, dry_run)
        })
        .await
    };
    match outcome {
        Ok(Outcome::Rejected(report)) => show(
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { report => value(&report) },
        ),
        Ok(Outcome::Valid { report, triples }) => show(
            StatusCode::OK,
            context! { report => value(&report), dry_run_ok => true, triples => triples },
        ),
        Ok(Outcome::Accepted { report, version }) => {
            let practices = {
                let work_state = state.clone();
                let city = city.clone();
                blocking::run(&state, move |_| work_state.contributions.practices(&city))
                    .await
                    .unwrap_or_default()
            };
            let practices: Vec<_> = practices
                .into_iter()
                .map(|(iri, name)| context! { name => name, href => local_href(&iri, &state.base_iri, page.lang) })
                .collect();
            show(
                StatusCode::CREATED,
                context! {
                    report => value(&report),
                    accepted => value(&version),
                    city_href => format!("/id/city/{city}"),
                    practices => practices,
                },
            )
        }
        Err(e) => show(e.status, context! { error => e.message }),
    }
}
