//! Every SPARQL client works unmodified: one test per defect real clients found (format
//! parameters, Accept weights, media types, the service description, forwarded headers, counted
//! cancellations, bad percent-encoding, CORS), then SPARQLWrapper, rdflib and Comunica themselves
//! against the real server (installed by `scripts/setup-deps.sh --clients`; required in CI).

mod common;

use common::*;
use std::process::Command;
use std::time::Duration;

const CONSTRUCT: &str = "CONSTRUCT { <https://w3id.org/citykg/id/city/stockholm> ?p ?o } WHERE { <https://w3id.org/citykg/id/city/stockholm> ?p ?o }";
const SELECT: &str =
    "SELECT ?city WHERE { ?city a <https://w3id.org/citykg/ontology#City> } ORDER BY ?city";

fn get(server: &TestServer, pairs: &[(&str, &str)], accept: &str) -> reqwest::blocking::Response {
    client()
        .get(server.url("/sparql"))
        .query(pairs)
        .header("Accept", accept)
        .send()
        .expect("request")
}

fn content_type(response: &reqwest::blocking::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[test]
fn a_format_parameter_that_fits_wins_and_one_that_does_not_falls_back_to_accept() {
    let server = start();
    // SPARQLWrapper's default mode for JSON-LD: two format values, the second a list.
    let response = get(
        &server,
        &[
            ("query", CONSTRUCT),
            ("format", "json-ld"),
            ("format", "application/ld+json,application/x-json+ld"),
            ("output", "json-ld"),
            ("results", "json-ld"),
        ],
        "application/ld+json,application/x-json+ld",
    );
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("application/ld+json"));
    let body = response.text().expect("body");
    assert!(body.contains("Stockholm"), "{body}");
    // N3 by name: Turtle, labelled N3.
    let response = get(&server, &[("query", CONSTRUCT), ("format", "n3")], "*/*");
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("text/n3"));
    let triples = parse_rdf(
        &response.bytes().expect("body"),
        oxigraph::io::RdfFormat::Turtle,
    );
    assert!(triples.iter().any(|t| t.contains("\"Stockholm\"@en")));
    // Unknown, empty or unfitting values fall back to Accept.
    for value in ["bogus", "", "turtle"] {
        let response = get(&server, &[("query", SELECT), ("format", value)], "text/csv");
        assert_eq!(response.status(), 200, "format={value:?}");
        assert!(
            content_type(&response).starts_with("text/csv"),
            "format={value:?}"
        );
        assert!(response.text().expect("body").starts_with("city"));
    }
    // `output` is a synonym.
    let response = get(&server, &[("query", SELECT), ("output", "tsv")], "*/*");
    assert!(content_type(&response).starts_with("text/tab-separated-values"));
}

#[test]
fn equal_weights_and_javas_default_accept_get_results_not_the_page() {
    let server = start();
    for accept in [
        "application/sparql-results+json, text/html",
        "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2",
    ] {
        let response = get(&server, &[("query", SELECT)], accept);
        assert_eq!(response.status(), 200, "{accept}");
        assert!(
            content_type(&response).starts_with("application/sparql-results+json"),
            "{accept}: {}",
            content_type(&response)
        );
    }
    // A browser still gets the query page.
    let response = get(
        &server,
        &[("query", SELECT)],
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    );
    assert!(content_type(&response).starts_with("text/html"));
}

#[test]
fn n_quads_trig_n3_and_the_tsv_alias_are_served() {
    let server = start();
    for (accept, expected, format) in [
        (
            "application/n-quads",
            "application/n-quads",
            oxigraph::io::RdfFormat::NQuads,
        ),
        (
            "application/trig",
            "application/trig",
            oxigraph::io::RdfFormat::TriG,
        ),
        ("text/n3", "text/n3", oxigraph::io::RdfFormat::Turtle),
    ] {
        let response = get(&server, &[("query", CONSTRUCT)], accept);
        assert_eq!(response.status(), 200, "{accept}");
        assert!(content_type(&response).starts_with(expected), "{accept}");
        let triples = parse_rdf(&response.bytes().expect("body"), format);
        assert!(
            triples.iter().any(|t| t.contains("\"Stockholm\"@en")),
            "{accept}"
        );
    }
    let response = get(&server, &[("query", SELECT)], "text/tsv");
    assert_eq!(response.status(), 200);
    assert!(response.text().expect("body").starts_with("?city"));
}

#[test]
fn the_service_description_claims_no_dereferencing_and_follows_trusted_proxies_only() {
    let describe = |server: &TestServer, headers: &[(&str, &str)]| {
        let mut request = client()
            .get(server.url("/sparql"))
            .header("Accept", "text/turtle");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.send().expect("request").text().expect("body")
    };
    let forwarded = [
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "citykg.example.org"),
    ];
    let server = start();
    let plain = describe(&server, &forwarded);
    assert!(!plain.contains("DereferencesURIs"), "{plain}");
    assert!(
        plain.contains(&format!("<{}/sparql>", server.base)),
        "{plain}"
    );
    assert!(
        !plain.contains("citykg.example.org"),
        "an untrusted client's forwarded headers are believed"
    );
    let proxied = start_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")]);
    let text = describe(&proxied, &forwarded);
    assert!(
        text.contains("<https://citykg.example.org/sparql>"),
        "{text}"
    );
    let void = client()
        .get(proxied.url("/.well-known/void"))
        .headers(
            forwarded
                .iter()
                .map(|(k, v)| (k.parse().expect("name"), v.parse().expect("value")))
                .collect(),
        )
        .send()
        .expect("void")
        .text()
        .expect("body");
    assert!(
        void.contains("<https://citykg.example.org/dump.nq>"),
        "{void}"
    );
    let public = start_with(|c| c.public_url = Some("https://data.example.net".into()));
    assert!(describe(&public, &[]).contains("<https://data.example.net/sparql>"));
}

#[test]
fn a_query_abandoned_by_its_client_is_counted_and_logged() {
    let server = start_with(|c| c.query_timeout = Duration::from_secs(20));
    let runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let impatient = reqwest::blocking::Client::builder()
        .timeout(Duration::from_millis(800))
        .build()
        .expect("client");
    let sent = impatient
        .get(server.url("/sparql"))
        .query(&[("query", runaway)])
        .header("Accept", "application/sparql-results+json")
        .send();
    assert!(sent.is_err(), "the runaway query answered within 0.8 s");
    let mut metrics = String::new();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        metrics = client()
            .get(server.url("/metrics"))
            .send()
            .expect("metrics")
            .text()
            .expect("body");
        if metrics.contains("citykg_queries_cancelled_total 1") {
            break;
        }
    }
    assert!(
        metrics.contains("citykg_queries_cancelled_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("citykg_http_requests_total{route=\"/sparql\",status=\"499\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_query_that_is_not_utf8_is_refused_naming_the_byte() {
    let server = start();
    for (method, url) in [
        ("GET", server.url("/sparql?query=SELECT%20%3Fs%20%F6")),
        ("POST", server.url("/sparql")),
    ] {
        let request = if method == "GET" {
            client().get(url)
        } else {
            client()
                .post(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("query=SELECT%20%3Fs%20%F6")
        };
        let response = request.send().expect("request");
        assert_eq!(response.status(), 400, "{method}");
        let text = response.text().expect("body");
        assert!(text.contains("parameter query"), "{method}: {text}");
        assert!(text.contains("0xF6 at position 10"), "{method}: {text}");
    }
}

#[test]
fn the_cors_preflight_lets_browsers_send_authorization() {
    let server = start();
    let response = client()
        .request(reqwest::Method::OPTIONS, server.url("/sparql"))
        .header("Origin", "https://yasgui.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .expect("preflight");
    assert!(response.status().is_success());
    let allowed = response
        .headers()
        .get("access-control-allow-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(allowed.contains("content-type"), "{allowed}");
    assert!(!allowed.contains('*'), "{allowed}");
}

/// Runs a client script; None (with a notice) when its runtime is not installed outside CI.
fn run_client(
    program: &std::path::Path,
    args: &[&str],
    what: &str,
) -> Option<std::process::Output> {
    if !program.exists() {
        assert!(
            std::env::var("CI").is_err(),
            "{what} is missing in CI: run scripts/setup-deps.sh --clients"
        );
        eprintln!("skipped: {what} is not installed (scripts/setup-deps.sh --clients)");
        return None;
    }
    Some(
        Command::new(program)
            .args(args)
            .output()
            .expect("run the client"),
    )
}

#[test]
fn sparqlwrapper_and_rdflib_work_unmodified() {
    let server = start();
    let python = repo_root().join("target/clients-venv/bin/python");
    let script = repo_root().join("tests/clients/python_clients.py");
    let endpoint = server.url("/sparql");
    let Some(output) = run_client(
        &python,
        &[script.to_str().expect("path"), &endpoint],
        "SPARQLWrapper and rdflib",
    ) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("all client checks passed"), "{stdout}");
    // Both modes × (4 SELECT + 2 ASK + 10 CONSTRUCT/DESCRIBE) and 4 SPARQLStore checks.
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        36,
        "{stdout}"
    );
}

#[test]
fn comunica_works_unmodified() {
    let server = start();
    let comunica = repo_root().join("target/comunica");
    if !comunica
        .join("node_modules/@comunica/query-sparql")
        .exists()
    {
        assert!(
            std::env::var("CI").is_err(),
            "Comunica is missing in CI: run scripts/setup-deps.sh --clients"
        );
        eprintln!("skipped: Comunica is not installed (scripts/setup-deps.sh --clients)");
        return;
    }
    let script = repo_root().join("tests/clients/comunica.mjs");
    let endpoint = server.url("/sparql");
    let output = Command::new("node")
        .args([
            script.to_str().expect("path"),
            &endpoint,
            comunica.to_str().expect("path"),
        ])
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("all comunica checks passed"), "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        4,
        "{stdout}"
    );
}
