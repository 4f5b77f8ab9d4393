//! The one error type of the web layer and its three renderings: plain text (the SPARQL protocol
//! and the other machine endpoints), a JSON problem (the contribution API, through [`ApiError`])
//! and an HTML page (pages: `pages::html_errors` renders any [`WebError`] a page handler returns).

use crate::error::Error;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// What went wrong in a request: the status, a message that says what and where, and any header
/// the answer needs (`WWW-Authenticate`, `Allow`).
#[derive(Debug, Clone)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// Extra members of the JSON problem (the contribution API's `"conforms": false`).
    json_extra: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Marks a response made from a [`WebError`], so the page layer can render it as HTML.
#[derive(Debug, Clone)]
pub struct ErrorMessage(pub String);

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            headers: Vec::new(),
            json_extra: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// A 401 with the `WWW-Authenticate: Bearer realm="…"` challenge.
    pub fn unauthorized(message: impl Into<String>, realm: &str) -> Self {
        let challenge = format!("Bearer realm=\"{realm}\"");
        Self::new(StatusCode::UNAUTHORIZED, message)
            .with_header(header::WWW_AUTHENTICATE, &challenge)
    }

    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_ACCEPTABLE, message)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// A query or page that did not finish within the server's time limit.
    pub fn cancelled(timeout_secs: u64) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "The query was cancelled: it did not finish within the {timeout_secs} s limit of this endpoint. Narrow it down (fewer patterns, LIMIT) and try again."
            ),
        )
    }

    /// A library error, with the server's time limit for the message of a cancelled query.
    pub fn from_library(error: Error, timeout_secs: u64) -> Self {
        match error {
            Error::Cancelled(_) => Self::cancelled(timeout_secs),
            other => Self::from(other),
        }
    }

    /// Adds a header to the answer (a value that is not a valid header value is left out).
    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((name, value));
        }
        self
    }

    /// Adds a member to the JSON problem.
    pub fn with_json(mut self, key: &str, value: serde_json::Value) -> Self {
        self.json_extra
            .get_or_insert_with(Default::default)
            .insert(key.to_owned(), value);
        self
    }

    fn finish(&self, mut response: Response) -> Response {
        for (name, value) in &self.headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response
            .extensions_mut()
            .insert(ErrorMessage(self.message.clone()));
        response
    }

    /// The JSON problem: `{"error": message, …extra}`.
    pub fn json(&self) -> Response {
        let mut body = serde_json::Map::new();
        if let Some(extra) = &self.json_extra {
            body.extend(extra.clone());
        }
        body.insert("error".into(), json!(self.message));
        let response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::Value::Object(body).to_string() + "\n",
        )
            .into_response();
        self.finish(response)
    }
}

impl From<Error> for WebError {
    fn from(error: Error) -> Self {
        match error {
            Error::Syntax(m) | Error::Invalid(m) => Self::bad_request(m),
            parse @ Error::Parse { .. } => Self::bad_request(parse.to_string()),
            Error::Cancelled(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The query was cancelled: it did not finish within the time limit of this endpoint.",
            ),
            engine @ Error::Engine(_) => Self::new(StatusCode::BAD_GATEWAY, engine.to_string()),
            Error::Conflict(m) => Self::new(StatusCode::CONFLICT, m),
            other => Self::internal(other.to_string()),
        }
    }
}

/// The plain-text rendering.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let response = (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", self.message),
        )
            .into_response();
        self.finish(response)
    }
}

/// A [`WebError`] rendered as a JSON problem, for the contribution API: handlers return
/// `Result<Response, ApiError>` and use `?` on library and web errors alike. A library error
/// about the submitted data (parse, syntax, invalid) is a 400 with `"conforms": false`.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(error: WebError) -> Self {
        Self(error)
    }
}

impl ApiError {
    /// A library error that blocking work already made a [`WebError`]: a 400 there means the
    /// submitted data was at fault, which the API says with `"conforms": false`.
    pub fn library(web: WebError) -> Self {
        if web.status == StatusCode::BAD_REQUEST {
            Self(web.with_json("conforms", json!(false)))
        } else {
            Self(web)
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        Self::library(WebError::from(error))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_map_to_statuses() {
        assert_eq!(
            WebError::from(Error::Syntax("x".into())).status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            WebError::from_library(Error::Cancelled("deadline".into()), 7).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(
            WebError::from_library(Error::Cancelled("d".into()), 7)
                .message
                .contains("7 s limit")
        );
        assert_eq!(
            WebError::from(Error::Evaluation("x".into())).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn renderings_carry_status_headers_and_message() {
        let error = WebError::unauthorized("no token", "citykg");
        let plain = error.clone().into_response();
        assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            plain.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"citykg\""
        );
        assert!(plain.extensions().get::<ErrorMessage>().is_some());
        let api = ApiError::from(Error::Invalid("bad row".into())).into_response();
        assert_eq!(api.status(), StatusCode::BAD_REQUEST);
        assert_eq!(api.headers()[header::CONTENT_TYPE], "application/json");
    }
}
