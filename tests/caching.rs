//! HTTP caching against the real server: ETags keyed by the data version and the variant, 304s
//! for pages, SPARQL results, a resource's Turtle, VoID, the dumps and a CSV export; the
//! in-process cache (hit and miss counters in /metrics) and its invalidation by a contribution.

mod common;

use citykg::ingest::tokens::TokenStore;
use common::{TestServer, client, repo_root, start, start_with};
use reqwest::blocking::Response;

fn get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = client().get(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().expect("request")
}

fn etag_of(response: &Response) -> String {
    response
        .headers()
        .get("etag")
        .unwrap_or_else(|| panic!("no ETag on {}", response.url()))
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// One counter of /metrics.
fn counter(server: &TestServer, name: &str) -> u64 {
    let text = get(server, "/metrics", &[]).text().expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}"))
}

const SPARQL_GET: &str = "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20%3Chttps%3A%2F%2Fw3id.org%2Fcitykg%2Fontology%23City%3E%20%7D";

#[test]
fn etags_are_stable_per_version_and_variant_and_answer_304() {
    let server = start();
    let html = [("Accept", "text/html")];
    let first = get(&server, "/sdg/11", &html);
    assert_eq!(first.status(), 200);
    let tag = etag_of(&first);
    assert!(
        tag.starts_with('"') && !tag.starts_with("W/"),
        "strong: {tag}"
    );
    assert_eq!(
        first.headers()["cache-control"],
        "public, max-age=60, must-revalidate"
    );
    assert_eq!(first.headers()["vary"], "Accept, Accept-Language");
    let again = get(&server, "/sdg/11", &html);
    assert_eq!(etag_of(&again), tag, "same version, same variant");
    let body = first.text().expect("html");
    assert_eq!(again.text().expect("html"), body);

    // Another language, by parameter or by Accept-Language, is another variant.
    let sv = get(&server, "/sdg/11?lang=sv", &html);
    assert_ne!(etag_of(&sv), tag);
    let sv_header = get(
        &server,
        "/sdg/11",
        &[("Accept", "text/html"), ("Accept-Language", "sv")],
    );
    assert_ne!(etag_of(&sv_header), tag);
    // Another format is another variant.
    let turtle = get(&server, "/id/theme/mobility", &[("Accept", "text/turtle")]);
    let page = get(&server, "/id/theme/mobility", &html);
    assert_ne!(etag_of(&turtle), etag_of(&page));
    assert_eq!(turtle.headers()["vary"], "Accept");

    let cases: [(&str, &[(&str, &str)]); 7] = [
        ("/sdg/11", &html),
        ("/id/theme/mobility", &html),
        (SPARQL_GET, &[("Accept", "application/sparql-results+json")]),
        (
            "/id/practice/stockholm-congestion-tax",
            &[("Accept", "text/turtle")],
        ),
        ("/.well-known/void", &[("Accept", "text/turtle")]),
        ("/dump.nq", &[]),
        ("/contribute/stockholm.csv", &[]),
    ];
    for (path, headers) in cases {
        let full = get(&server, path, headers);
        assert_eq!(full.status(), 200, "{path}");
        let tag = etag_of(&full);
        assert!(full.headers().contains_key("cache-control"), "{path}");
        let mut conditional = headers.to_vec();
        conditional.push(("If-None-Match", &tag));
        let revalidated = get(&server, path, &conditional);
        assert_eq!(revalidated.status(), 304, "{path}");
        assert_eq!(etag_of(&revalidated), tag, "{path}");
        assert!(revalidated.bytes().expect("body").is_empty(), "{path}");
        // A list of tags, one of them weak, still matches.
        let listed = format!("\"other\", W/{tag}");
        let mut conditional = headers.to_vec();
        conditional.push(("If-None-Match", &listed));
        assert_eq!(get(&server, path, &conditional).status(), 304, "{path}");
        // An old tag gets the full answer.
        let mut stale = headers.to_vec();
        stale.push(("If-None-Match", "\"not-this-one\""));
        assert_eq!(get(&server, path, &stale).status(), 200, "{path}");
    }
    assert_eq!(
        get(&server, "/dump.trig", &[]).headers()["cache-control"],
        "public, max-age=300, must-revalidate"
    );
}

#[test]
fn errors_health_and_metrics_are_not_cached() {
    let server = start();
    let missing = get(
        &server,
        "/id/theme/no-such-theme",
        &[("Accept", "text/html")],
    );
    assert_eq!(missing.status(), 404);
    assert!(!missing.headers().contains_key("etag"));
    for path in ["/healthz", "/metrics", "/api/contributions/stockholm"] {
        let response = get(&server, path, &[]);
        assert_eq!(response.status(), 200, "{path}");
        assert!(!response.headers().contains_key("etag"), "{path}");
    }
}

#[test]
fn the_cache_counts_hits_and_misses() {
    let server = start();
    let html = [("Accept", "text/html")];
    let (hits, misses) = (
        counter(&server, "citykg_cache_hits_total"),
        counter(&server, "citykg_cache_misses_total"),
    );
    let first = get(&server, "/id/theme/mobility?lang=sv", &html);
    assert_eq!(first.status(), 200);
    let body = first.text().expect("html");
    assert_eq!(counter(&server, "citykg_cache_misses_total"), misses + 1);
    assert_eq!(counter(&server, "citykg_cache_hits_total"), hits);
    let second = get(&server, "/id/theme/mobility?lang=sv", &html);
    assert_eq!(second.headers()["vary"], "Accept, Accept-Language");
    assert_eq!(
        second.text().expect("html"),
        body,
        "the hit is the same page"
    );
    assert_eq!(counter(&server, "citykg_cache_hits_total"), hits + 1);
    // SPARQL results are kept too.
    let json = [("Accept", "application/sparql-results+json")];
    let results = get(&server, SPARQL_GET, &json).text().expect("json");
    assert_eq!(
        get(&server, SPARQL_GET, &json).text().expect("json"),
        results
    );
    assert_eq!(counter(&server, "citykg_cache_hits_total"), hits + 2);
    assert_eq!(counter(&server, "citykg_cache_misses_total"), misses + 2);
    // A 304 is counted on its own.
    let tag = etag_of(&get(&server, SPARQL_GET, &json));
    let before = counter(&server, "citykg_http_not_modified_total");
    let mut conditional = json.to_vec();
    conditional.push(("If-None-Match", &tag));
    assert_eq!(get(&server, SPARQL_GET, &conditional).status(), 304);
    assert_eq!(
        counter(&server, "citykg_http_not_modified_total"),
        before + 1
    );
}

#[test]
fn without_a_cache_answers_still_carry_etags() {
    let server = start_with(|config| config.cache_mb = 0);
    let html = [("Accept", "text/html")];
    let tag = etag_of(&get(&server, "/sdg/11", &html));
    assert_eq!(etag_of(&get(&server, "/sdg/11", &html)), tag);
    assert_eq!(counter(&server, "citykg_cache_hits_total"), 0);
}

#[test]
fn a_contribution_changes_the_etag_and_empties_the_cache() {
    let server = start();
    let html = [("Accept", "text/html")];
    let city = "/id/city/helsinki?lang=en";
    let before = get(&server, city, &html);
    let old_tag = etag_of(&before);
    let old_page = before.text().expect("html");
    assert!(!old_page.contains("(contribution test)"));
    // Kept in the cache, and its SPARQL answer too.
    let query = "/sparql?query=SELECT%20%3Fp%20WHERE%20%7B%20%3Fp%20%3Chttps%3A%2F%2Fw3id.org%2Fcitykg%2Fontology%23city%3E%20%3Chttps%3A%2F%2Fw3id.org%2Fcitykg%2Fid%2Fcity%2Fhelsinki%3E%20%7D";
    let json = [("Accept", "application/sparql-results+json")];
    let old_results = get(&server, query, &json);
    let old_results_tag = etag_of(&old_results);
    let old_results = old_results.text().expect("json");
    assert_eq!(get(&server, city, &html).text().expect("html"), old_page);

    let token = TokenStore::new(&server.data_dir.path().join("store"))
        .add("helsinki")
        .expect("token")
        .1;
    let fixture = std::fs::read(repo_root().join("tests/fixtures/contrib/helsinki-small.ttl"))
        .expect("fixture");
    let put = client()
        .put(server.url("/api/contributions/helsinki"))
        .header("Content-Type", "text/turtle")
        .bearer_auth(&token)
        .body(fixture)
        .send()
        .expect("put");
    assert_eq!(put.status(), 201, "{}", put.text().unwrap_or_default());
    assert!(!put.headers().contains_key("etag"), "writes are not cached");

    // The old tag no longer matches: the full, new page comes back.
    let after = get(
        &server,
        city,
        &[("Accept", "text/html"), ("If-None-Match", &old_tag)],
    );
    assert_eq!(after.status(), 200);
    let new_tag = etag_of(&after);
    assert_ne!(new_tag, old_tag);
    let new_page = after.text().expect("html");
    assert!(new_page.contains("(contribution test)"), "{new_page}");
    assert_eq!(get(&server, city, &html).text().expect("html"), new_page);
    let new_results = get(&server, query, &json);
    assert_ne!(etag_of(&new_results), old_results_tag);
    let new_results = new_results.text().expect("json");
    assert_ne!(new_results, old_results);
    assert!(
        new_results.contains("helsinki-region-infoshare-test"),
        "{new_results}"
    );
}
