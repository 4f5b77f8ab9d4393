//! Who may write: a contributor token checked for the city it writes (contributions), and the
//! operator's tokens for SPARQL Update. Tokens are compared in constant time.

use super::SharedState;
use super::error::WebError;
use super::request::Bearer;
use crate::ingest::tokens::{Check, TokenRecord, constant_time_eq};

const CONTRIBUTIONS_REALM: &str = "citykg contributions";

/// The token record that allows writing `city`'s data, or the 401/403 that says why not.
pub fn contributor(
    state: &SharedState,
    token: &Bearer,
    city: &str,
) -> Result<TokenRecord, WebError> {
    let Some(token) = token.0.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Err(WebError::unauthorized(
            "A contributor token is required: send it as Authorization: Bearer <token>. A citykg operator issues one per city with `citykg token add --city <city>`.",
            CONTRIBUTIONS_REALM,
        ));
    };
    match state.tokens.check(token)? {
        Check::Valid(record) if record.city == city => Ok(record),
        Check::Valid(record) => Err(WebError::forbidden(format!(
            "This token writes the data of {}, not of {city}.",
            record.city
        ))),
        Check::Invalid => Err(WebError::unauthorized(
            "The token is not valid (unknown, mistyped or revoked).",
            CONTRIBUTIONS_REALM,
        )),
    }
}

/// Allows SPARQL Update for a bearer token listed in `--update-token-file`; 403 when updates
/// are off, 401 without a valid token.
pub fn updater(state: &SharedState, token: &Bearer) -> Result<(), WebError> {
    let Some(tokens) = &state.update_tokens else {
        return Err(WebError::forbidden(
            "SPARQL Update is disabled on this server (start it with --update-token-file to enable it)",
        ));
    };
    let authorised = token.0.as_deref().map(str::trim).is_some_and(|presented| {
        tokens
            .iter()
            .any(|t| constant_time_eq(t.as_bytes(), presented.as_bytes()))
    });
    if authorised {
        Ok(())
    } else {
        Err(WebError::unauthorized(
            "SPARQL Update needs a valid bearer token (Authorization: Bearer …)",
            "citykg",
        ))
    }
}
