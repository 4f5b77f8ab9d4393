//! The SPARQL 1.1 Protocol at /sparql, against the real server on an ephemeral port.

mod common;

use common::*;
use oxigraph::io::RdfFormat;

const CITY_QUERY: &str = "SELECT ?name WHERE { <https://w3id.org/citykg/id/city/stockholm> <https://schema.org/name> ?name FILTER(LANG(?name) = \"en\") }";

#[test]
fn get_post_form_and_direct_post_answer_the_same() {
    let server = start();
    let http = client();
    let get = http
        .get(server.url("/sparql"))
        .query(&[("query", CITY_QUERY)])
        .header("Accept", "application/sparql-results+json")
        .send()
        .expect("GET");
    assert_eq!(get.status(), 200);
    assert_eq!(
        get.headers()["content-type"],
        "application/sparql-results+json"
    );
    let get: serde_json::Value = get.json().expect("json");
    assert_eq!(column(&get, "name"), vec!["Stockholm"]);

    let form = http
        .post(server.url("/sparql"))
        .form(&[("query", CITY_QUERY)])
        .header("Accept", "application/sparql-results+json")
        .send()
        .expect("POST form");
    assert_eq!(form.status(), 200);
    let form: serde_json::Value = form.json().expect("json");
    assert_eq!(form, get);

    let direct = http
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-query")
        .header("Accept", "application/sparql-results+json")
        .body(CITY_QUERY)
        .send()
        .expect("POST direct");
    assert_eq!(direct.status(), 200);
    let direct: serde_json::Value = direct.json().expect("json");
    assert_eq!(direct, get);
}

#[test]
fn select_and_ask_in_every_results_format() {
    let server = start();
    let http = client();
    let fetch = |query: &str, accept: &str| {
        let r = http
            .get(server.url("/sparql"))
            .query(&[("query", query)])
            .header("Accept", accept)
            .send()
            .expect("request");
        assert_eq!(r.status(), 200, "{accept}");
        let content_type = r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        (content_type, r.text().expect("body"))
    };
    let (ct, xml) = fetch(CITY_QUERY, "application/sparql-results+xml");
    assert_eq!(ct, "application/sparql-results+xml");
    assert!(
        xml.contains("<literal xml:lang=\"en\">Stockholm</literal>"),
        "{xml}"
    );
    let (ct, csv) = fetch(CITY_QUERY, "text/csv");
    assert!(ct.starts_with("text/csv"));
    assert_eq!(csv.lines().collect::<Vec<_>>(), vec!["name", "Stockholm"]);
    let (ct, tsv) = fetch(CITY_QUERY, "text/tab-separated-values");
    assert!(ct.starts_with("text/tab-separated-values"));
    assert_eq!(
        tsv.lines().collect::<Vec<_>>(),
        vec!["?name", "\"Stockholm\"@en"]
    );

    let ask = "ASK { <https://w3id.org/citykg/id/city/stockholm> a <https://w3id.org/citykg/ontology#City> }";
    let (_, json) = fetch(ask, "application/sparql-results+json");
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["boolean"], true);
    let (_, xml) = fetch(ask, "application/sparql-results+xml");
    assert!(xml.contains("<boolean>true</boolean>"), "{xml}");
    let ask_false = "ASK { <https://w3id.org/citykg/id/city/atlantis> ?p ?o }";
    let (_, json) = fetch(ask_false, "application/json");
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["boolean"], false);
}

#[test]
fn construct_and_describe_in_every_rdf_format() {
    let server = start();
    let http = client();
    let construct = "CONSTRUCT { ?c <https://schema.org/name> ?n } WHERE { ?c a <https://w3id.org/citykg/ontology#City> ; <https://schema.org/name> ?n }";
    let expected =
        "<https://w3id.org/citykg/id/city/stockholm> <https://schema.org/name> \"Stockholm\"@en";
    for (accept, format) in [
        ("text/turtle", RdfFormat::Turtle),
        ("application/n-triples", RdfFormat::NTriples),
        ("application/rdf+xml", RdfFormat::RdfXml),
        (
            "application/ld+json",
            RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            },
        ),
    ] {
        let r = http
            .get(server.url("/sparql"))
            .query(&[("query", construct)])
            .header("Accept", accept)
            .send()
            .expect("request");
        assert_eq!(r.status(), 200, "{accept}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with(accept)
        );
        let triples = parse_rdf(&r.bytes().expect("body"), format);
        assert!(
            triples.iter().any(|t| t.starts_with(expected)),
            "{accept}: {triples:?}"
        );
    }
    let describe = http
        .get(server.url("/sparql"))
        .query(&[("query", format!("DESCRIBE <{STOCKHOLM}>"))])
        .header("Accept", "text/turtle")
        .send()
        .expect("describe");
    assert_eq!(describe.status(), 200);
    let triples = parse_rdf(&describe.bytes().expect("body"), RdfFormat::Turtle);
    assert!(
        triples
            .iter()
            .any(|t| t.contains("http://www.wikidata.org/entity/Q1754"))
    );
}

#[test]
fn q_values_and_format_parameter_choose_the_format() {
    let server = start();
    let http = client();
    let get = |accept: &str, format: Option<&str>| {
        let mut request = http
            .get(server.url("/sparql"))
            .query(&[("query", CITY_QUERY)])
            .header("Accept", accept);
        if let Some(f) = format {
            request = request.query(&[("format", f)]);
        }
        request.send().expect("request")
    };
    let r = get(
        "application/sparql-results+json;q=0.5, application/sparql-results+xml;q=0.9, text/csv;q=0.1",
        None,
    );
    assert_eq!(
        r.headers()["content-type"],
        "application/sparql-results+xml"
    );
    let r = get("text/*;q=0.9, */*;q=0.1", None);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    let r = get("*/*", None);
    assert_eq!(
        r.headers()["content-type"],
        "application/sparql-results+json"
    );
    let r = get(
        "application/sparql-results+json;q=0, text/tab-separated-values;q=0.2",
        None,
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/tab-separated-values")
    );
    // An explicit format parameter wins over Accept (for links).
    let r = get("application/sparql-results+xml", Some("csv"));
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    assert_eq!(r.headers()["vary"], "Accept");
}

#[test]
fn protocol_errors_have_the_right_status_and_say_what_is_wrong() {
    let server = start();
    let http = client();
    // Malformed query: 400 with the position of the problem.
    let r = http
        .get(server.url("/sparql"))
        .query(&[("query", "SELECT ?x WHERE { ?x ?y }")])
        .send()
        .expect("request");
    assert_eq!(r.status(), 400);
    let message = r.text().expect("body");
    assert!(message.contains("invalid SPARQL query"), "{message}");
    assert!(
        message.contains("1:"),
        "the message names a position: {message}"
    );

    // Two query parameters: 400.
    let r = http
        .get(server.url("/sparql"))
        .query(&[("query", CITY_QUERY), ("query", CITY_QUERY)])
        .send()
        .expect("request");
    assert_eq!(r.status(), 400);
    assert!(r.text().expect("body").contains("more than one query"));

    // No acceptable type: 406.
    let r = http
        .get(server.url("/sparql"))
        .query(&[("query", CITY_QUERY)])
        .header("Accept", "image/png")
        .send()
        .expect("request");
    assert_eq!(r.status(), 406);
    // A graph query cannot be CSV: 406.
    let r = http
        .get(server.url("/sparql"))
        .query(&[("query", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1")])
        .header("Accept", "text/csv")
        .send()
        .expect("request");
    assert_eq!(r.status(), 406);

    // An update by GET: 405 with Allow: POST.
    let r = http
        .get(server.url("/sparql"))
        .query(&[("update", "CLEAR ALL")])
        .send()
        .expect("request");
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");

    // Unknown body type: 415. A bad dataset IRI: 400 naming the parameter.
    let r = http
        .post(server.url("/sparql"))
        .header("Content-Type", "text/plain")
        .body(CITY_QUERY)
        .send()
        .expect("request");
    assert_eq!(r.status(), 415);
    let r = http
        .get(server.url("/sparql"))
        .query(&[("query", CITY_QUERY), ("default-graph-uri", "not an iri")])
        .send()
        .expect("request");
    assert_eq!(r.status(), 400);
    assert!(r.text().expect("body").contains("default-graph-uri"));
}

#[test]
fn default_graph_is_the_union_and_dataset_parameters_narrow_it() {
    let server = start();
    // Without a dataset, the default graph is the union of the named graphs.
    let all = select_json(
        &server,
        "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/citykg/ontology#Practice> }",
    );
    let all: u64 = column(&all, "n")[0].parse().expect("count");
    assert!(all >= 10, "practices from every city file: {all}");
    // GRAPH ?g tells who said what.
    let graphs = select_json(
        &server,
        &format!("SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{STOCKHOLM}> a ?t }} }}"),
    );
    assert_eq!(
        column(&graphs, "g"),
        vec!["https://w3id.org/citykg/graph/stockholm"]
    );
    // default-graph-uri narrows the default graph to that graph.
    let http = client();
    let narrowed: serde_json::Value = http
        .get(server.url("/sparql"))
        .query(&[
            (
                "query",
                "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/citykg/ontology#Practice> }",
            ),
            ("default-graph-uri", "https://w3id.org/citykg/graph/stockholm"),
        ])
        .header("Accept", "application/json")
        .send()
        .expect("request")
        .json()
        .expect("json");
    let narrowed: u64 = column(&narrowed, "n")[0].parse().expect("count");
    assert!(narrowed > 0 && narrowed < all, "{narrowed} of {all}");
    // named-graph-uri limits what GRAPH ?g sees; the default graph is then empty.
    let named: serde_json::Value = http
        .get(server.url("/sparql"))
        .query(&[
            (
                "query",
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            ),
            ("named-graph-uri", "https://w3id.org/citykg/graph/themes"),
        ])
        .header("Accept", "application/json")
        .send()
        .expect("request")
        .json()
        .expect("json");
    assert_eq!(
        column(&named, "g"),
        vec!["https://w3id.org/citykg/graph/themes"]
    );
    let empty_default: serde_json::Value = http
        .get(server.url("/sparql"))
        .query(&[
            ("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
            ("named-graph-uri", "https://w3id.org/citykg/graph/themes"),
        ])
        .header("Accept", "application/json")
        .send()
        .expect("request")
        .json()
        .expect("json");
    assert_eq!(column(&empty_default, "n"), vec!["0"]);
}

#[test]
fn cors_preflight_and_simple_requests_allow_other_origins() {
    let server = start();
    let http = client();
    let r = http
        .request(reqwest::Method::OPTIONS, server.url("/sparql"))
        .header("Origin", "https://yasgui.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type, accept")
        .send()
        .expect("preflight");
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let methods = r.headers()["access-control-allow-methods"]
        .to_str()
        .expect("ascii")
        .to_ascii_uppercase();
    assert!(methods.contains("POST") || methods == "*", "{methods}");
    let r = http
        .get(server.url("/sparql"))
        .query(&[("query", CITY_QUERY)])
        .header("Origin", "https://yasgui.example")
        .send()
        .expect("request");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

#[test]
fn service_description_parses_as_rdf() {
    let server = start();
    let http = client();
    for (accept, format) in [
        ("text/turtle", RdfFormat::Turtle),
        (
            "application/ld+json",
            RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            },
        ),
    ] {
        let r = http
            .get(server.url("/sparql"))
            .header("Accept", accept)
            .send()
            .expect("request");
        assert_eq!(r.status(), 200);
        let triples = parse_rdf(&r.bytes().expect("body"), format);
        let endpoint = format!(
            "<http://www.w3.org/ns/sparql-service-description#endpoint> <{}/sparql>",
            server.base
        );
        assert!(triples.iter().any(|t| t.contains(&endpoint)), "{triples:?}");
        assert!(triples.iter().any(|t| t.contains("#UnionDefaultGraph")));
        // Updates are off on this server, so the description must not claim them.
        assert!(!triples.iter().any(|t| t.contains("SPARQL11Update")));
    }
}

#[test]
fn updates_need_a_listed_bearer_token() {
    let tokens = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(tokens.path(), "# update tokens\ns3cret-token\n").expect("write");
    let token_path = tokens.path().to_path_buf();
    let server = start_with(move |c| c.update_token_file = Some(token_path));
    let http = client();
    let insert = "INSERT DATA { GRAPH <https://w3id.org/citykg/graph/test> { <https://w3id.org/citykg/id/city/testville> <https://schema.org/name> \"Testville\" } }";
    let check = "ASK { <https://w3id.org/citykg/id/city/testville> ?p ?o }";
    let asked = |server: &TestServer| -> bool {
        select_json(server, check)["boolean"]
            .as_bool()
            .expect("boolean")
    };
    let r = http
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .body(insert)
        .send()
        .expect("request");
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = http
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .bearer_auth("wrong-token")
        .body(insert)
        .send()
        .expect("request");
    assert_eq!(r.status(), 401);
    assert!(!asked(&server), "a refused update changed nothing");
    let version_before = client()
        .get(server.url("/healthz"))
        .send()
        .expect("healthz")
        .json::<serde_json::Value>()
        .expect("json")["data_version"]
        .clone();
    let r = http
        .post(server.url("/sparql"))
        .form(&[("update", insert)])
        .bearer_auth("s3cret-token")
        .send()
        .expect("request");
    assert_eq!(r.status(), 204);
    assert!(asked(&server));
    let version_after = client()
        .get(server.url("/healthz"))
        .send()
        .expect("healthz")
        .json::<serde_json::Value>()
        .expect("json")["data_version"]
        .clone();
    assert_ne!(
        version_before, version_after,
        "an update moves the data version on"
    );
    // A malformed update with a valid token: 400 and nothing changes.
    let r = http
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .bearer_auth("s3cret-token")
        .body("INSERT DATA { <a> }")
        .send()
        .expect("request");
    assert_eq!(r.status(), 400);
}

#[test]
fn updates_are_off_without_a_token_file() {
    let server = start();
    let r = client()
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .bearer_auth("anything")
        .body("CLEAR ALL")
        .send()
        .expect("request");
    assert_eq!(r.status(), 403);
    let count = select_json(&server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }");
    assert_ne!(column(&count, "n"), vec!["0"]);
}

/// A lookup (answered inline when small) whose answer is too large to hold falls back to the
/// streaming path and still comes back whole.
#[test]
fn a_large_lookup_comes_back_whole() {
    let tokens = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(tokens.path(), "big-token\n").expect("write");
    let token_path = tokens.path().to_path_buf();
    let server = start_with(move |c| c.update_token_file = Some(token_path));
    let filler = "x".repeat(200);
    let mut insert = String::from("INSERT DATA { GRAPH <https://w3id.org/citykg/graph/test> {\n");
    for i in 0..3000 {
        insert.push_str(&format!(
            "<https://w3id.org/citykg/id/org/big> <https://example.org/p{i}> \"{filler} {i}\" .\n"
        ));
    }
    insert.push_str("} }");
    let r = client()
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .bearer_auth("big-token")
        .body(insert)
        .send()
        .expect("update");
    assert!(r.status().is_success());
    for (query, expected) in [
        (
            "SELECT ?p ?o WHERE { <https://w3id.org/citykg/id/org/big> ?p ?o }",
            3000,
        ),
        (
            "SELECT ?p ?o WHERE { <https://w3id.org/citykg/id/org/big> ?p ?o } LIMIT 5",
            5,
        ),
    ] {
        let results = select_json(&server, query);
        let rows = results["results"]["bindings"].as_array().map(Vec::len);
        assert_eq!(rows, Some(expected), "{query}");
    }
}
