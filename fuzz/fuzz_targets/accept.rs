//! Content negotiation: the Accept header against every offer list the server chooses from
//! (SPARQL results, RDF), and the HTML-or-data decision of the pages.
#![no_main]

use axum::http::{HeaderMap, HeaderValue, header};
use citykg::sparql::formats::{self, ResultKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(accept) = std::str::from_utf8(data) else {
        return;
    };
    let items = formats::parse_accept(accept);
    for kind in [
        ResultKind::Solutions,
        ResultKind::Boolean,
        ResultKind::Graph,
    ] {
        let offers = formats::offered(kind);
        if let Some((media, _)) = formats::choose(Some(accept), &offers) {
            assert!(
                offers.iter().any(|(m, _)| *m == media),
                "chose {media}, which is not offered"
            );
        }
        for (media, _) in &offers {
            if let Some(q) = formats::quality(&items, media) {
                assert!((0.0..=1.0).contains(&q), "quality {q} for {media}");
            }
        }
    }
    let _ = formats::choose(Some(accept), &formats::rdf_offered());
    if let Ok(value) = HeaderValue::from_bytes(data) {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, value);
        let _ = citykg::web::request::wants_html(&headers);
    }
});
