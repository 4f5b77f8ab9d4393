//! The reader's language from `?lang=` and Accept-Language: any header, any parameter.
#![no_main]

use axum::http::{HeaderMap, HeaderValue, header};
use citykg::web::i18n::Lang;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Up to the first NUL is the ?lang= parameter (if any), the rest the header.
    let (param, header_bytes) = match data.iter().position(|&b| b == 0) {
        Some(at) => (std::str::from_utf8(&data[..at]).ok(), &data[at + 1..]),
        None => (None, data),
    };
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(header_bytes) {
        headers.insert(header::ACCEPT_LANGUAGE, value);
    }
    let lang = Lang::from_request(param, &headers);
    let _ = citykg::web::i18n::strings(lang);
    let _ = lang.code();
});
