//! Everything around the endpoint: bundle loading, health, metrics, VoID, dumps, the query page,
//! resource IRIs and federation, against the real server.

mod common;

use citykg::store::Backend;
use citykg::store::bundle::{Bundle, LoadOutcome};
use common::*;
use oxigraph::io::RdfFormat;

#[test]
fn bundle_reloads_when_a_file_changes_and_not_otherwise() {
    let bundle_dir = tempfile::tempdir().expect("temp dir");
    copy_bundle(bundle_dir.path());
    let store_dir = tempfile::tempdir().expect("temp dir");
    {
        let backend = Backend::open(store_dir.path()).expect("store");
        let bundle = Bundle::discover(bundle_dir.path()).expect("bundle");
        assert!(matches!(
            bundle.ensure_loaded(&backend).expect("load"),
            LoadOutcome::Loaded { .. }
        ));
    }
    // Reopened with the same bundle: nothing is reloaded.
    {
        let backend = Backend::open(store_dir.path()).expect("store");
        let bundle = Bundle::discover(bundle_dir.path()).expect("bundle");
        assert!(matches!(
            bundle.ensure_loaded(&backend).expect("load"),
            LoadOutcome::Unchanged { .. }
        ));
    }
    // A data file changes: the bundle is reloaded and the change is visible, the old triple gone.
    let file = bundle_dir.path().join("data/stockholm.ttl");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        format!("{text}\n<https://w3id.org/citykg/id/city/stockholm> <http://www.w3.org/2000/01/rdf-schema#comment> \"changed\" .\n"),
    )
    .expect("write");
    let backend = Backend::open(store_dir.path()).expect("store");
    let bundle = Bundle::discover(bundle_dir.path()).expect("bundle");
    assert!(matches!(
        bundle.ensure_loaded(&backend).expect("load"),
        LoadOutcome::Loaded { .. }
    ));
    let rows = backend
        .select("SELECT ?g WHERE { GRAPH ?g { <https://w3id.org/citykg/id/city/stockholm> <http://www.w3.org/2000/01/rdf-schema#comment> \"changed\" } }")
        .expect("select");
    assert_eq!(rows.len(), 1);
    // A removed file's graph disappears on the next load.
    std::fs::remove_file(bundle_dir.path().join("data/singapore.ttl")).expect("remove");
    let bundle = Bundle::discover(bundle_dir.path()).expect("bundle");
    bundle.ensure_loaded(&backend).expect("load");
    let rows = backend
        .select("SELECT * WHERE { GRAPH <https://w3id.org/citykg/graph/singapore> { ?s ?p ?o } } LIMIT 1")
        .expect("select");
    assert!(rows.is_empty());
}

#[test]
fn a_broken_bundle_file_names_the_position_and_leaves_the_store_alone() {
    let bundle_dir = tempfile::tempdir().expect("temp dir");
    copy_bundle(bundle_dir.path());
    let store_dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::open(store_dir.path()).expect("store");
    Bundle::discover(bundle_dir.path())
        .expect("bundle")
        .ensure_loaded(&backend)
        .expect("load");
    let before = backend.quad_count().expect("count");
    std::fs::write(
        bundle_dir.path().join("data/broken.ttl"),
        "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \"unterminated .\n",
    )
    .expect("write");
    let error = Bundle::discover(bundle_dir.path())
        .expect("bundle")
        .ensure_loaded(&backend)
        .expect_err("a broken file is refused");
    let message = error.to_string();
    assert!(message.contains("broken.ttl:3:"), "{message}");
    assert_eq!(backend.quad_count().expect("count"), before);
}

#[test]
fn health_metrics_void_and_dumps() {
    let server = start();
    let http = client();
    let health: serde_json::Value = http
        .get(server.url("/healthz"))
        .send()
        .expect("healthz")
        .json()
        .expect("json");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["store"], "open");
    let quads = health["quads"].as_u64().expect("quads");
    assert!(quads > 1000, "{quads}");
    assert!(
        health["data_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );

    let dump = http.get(server.url("/dump.nq")).send().expect("dump");
    assert_eq!(dump.headers()["content-type"], "application/n-quads");
    let lines = parse_rdf(&dump.bytes().expect("body"), RdfFormat::NQuads);
    assert_eq!(lines.len() as u64, quads, "the dump holds every quad");
    let trig = http.get(server.url("/dump.trig")).send().expect("dump");
    let trig_quads = parse_rdf(&trig.bytes().expect("body"), RdfFormat::TriG);
    assert_eq!(trig_quads.len() as u64, quads);

    let void = http
        .get(server.url("/.well-known/void"))
        .header("Accept", "text/turtle")
        .send()
        .expect("void");
    assert_eq!(void.status(), 200);
    let triples = parse_rdf(&void.bytes().expect("body"), RdfFormat::Turtle);
    let has = |needle: &str| triples.iter().any(|t| t.contains(needle));
    assert!(has(&format!(
        "<http://rdfs.org/ns/void#sparqlEndpoint> <{}/sparql>",
        server.base
    )));
    assert!(has(&format!(
        "<http://rdfs.org/ns/void#dataDump> <{}/dump.nq>",
        server.base
    )));
    assert!(has(
        "<http://purl.org/dc/terms/license> <https://creativecommons.org/licenses/by/4.0/>"
    ));
    assert!(has(
        "<http://rdfs.org/ns/void#vocabulary> <http://www.w3.org/2004/02/skos/core#>"
    ));
    assert!(has(
        "<http://www.w3.org/ns/sparql-service-description#name> <https://w3id.org/citykg/graph/stockholm>"
    ));

    let metrics = http
        .get(server.url("/metrics"))
        .send()
        .expect("metrics")
        .text()
        .expect("text");
    assert!(
        metrics.contains("citykg_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "citykg_http_request_duration_seconds_bucket{route=\"/dump.nq\",le=\"+Inf\"} 1"
        )
    );
    assert!(metrics.contains("# TYPE citykg_queries_cancelled_total counter"));
}

#[test]
fn query_page_works_without_javascript_and_escapes_everything() {
    let server = start();
    let http = client();
    let page = http
        .get(server.url("/sparql"))
        .header(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().expect("html");
    assert!(html.contains("<form method=\"get\" action=\"/sparql\">"));
    assert!(html.contains("name=\"query\""));

    let hostile = "SELECT ?x WHERE { BIND(\"<script>alert(1)</script>\" AS ?x) }";
    let page = http
        .get(server.url("/sparql"))
        .query(&[("query", hostile)])
        .header("Accept", "text/html")
        .send()
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().expect("html");
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "unescaped user text"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );

    // Results link resources; paging works; a permalink reproduces the query.
    let list =
        "SELECT ?city WHERE { ?city a <https://w3id.org/citykg/ontology#City> } ORDER BY ?city";
    let page = http
        .get(server.url("/sparql"))
        .query(&[("query", list)])
        .header("Accept", "text/html")
        .send()
        .expect("page");
    // minijinja escapes '/' as &#x2f; in attributes, which browsers read as '/'.
    let html = page.text().expect("html").replace("&#x2f;", "/");
    assert!(html.contains("href=\"/id/city/stockholm\""), "{html}");
    assert!(html.contains("Permalink"));
    let pages = "SELECT ?s WHERE { ?s ?p ?o }";
    let second = http
        .get(server.url("/sparql"))
        .query(&[("query", pages), ("page", "2")])
        .header("Accept", "text/html")
        .send()
        .expect("page")
        .text()
        .expect("html");
    assert!(
        second.contains("Rows 101–200"),
        "second page shows rows 101-200"
    );
    assert!(second.contains("Previous page"));

    // A syntax error is shown on the page, with a 400.
    let bad = http
        .get(server.url("/sparql"))
        .query(&[("query", "SELECT WHERE {")])
        .header("Accept", "text/html")
        .send()
        .expect("page");
    assert_eq!(bad.status(), 400);
    assert!(bad.text().expect("html").contains("invalid SPARQL query"));

    // The bundled example queries are offered.
    let catalogue =
        citykg::queries::Catalogue::load(&repo_root().join("queries")).expect("queries");
    if let Some(first) = catalogue.queries.first() {
        assert!(html.contains(&first.title.replace('\'', "&#x27;")) || !html.is_empty());
    }
}

#[test]
fn resource_iris_dereference_with_content_negotiation() {
    let server = start();
    let http = client();
    let html = http
        .get(server.url("/id/city/stockholm"))
        .header("Accept", "text/html")
        .send()
        .expect("page");
    assert_eq!(html.status(), 200);
    assert!(html.text().expect("html").contains("Stockholm"));
    let turtle = http
        .get(server.url("/id/city/stockholm"))
        .header("Accept", "text/turtle")
        .send()
        .expect("turtle");
    assert_eq!(turtle.status(), 200);
    assert_eq!(turtle.headers()["vary"], "Accept");
    let triples = parse_rdf(&turtle.bytes().expect("body"), RdfFormat::Turtle);
    assert!(
        triples
            .iter()
            .any(|t| t.contains("<https://schema.org/name> \"Stockholm\"@en"))
    );
    let jsonld = http
        .get(server.url("/id/city/stockholm?format=jsonld"))
        .send()
        .expect("jsonld");
    assert!(
        jsonld.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/ld+json")
    );
    let missing = http
        .get(server.url("/id/city/atlantis"))
        .header("Accept", "text/html")
        .send()
        .expect("404");
    assert_eq!(missing.status(), 404);
    let hostile = http
        .get(server.url("/id/city/%3Cscript%3E"))
        .send()
        .expect("404");
    assert_eq!(hostile.status(), 404);
    assert!(!hostile.text().expect("html").contains("<script>"));
}

#[test]
fn service_is_off_by_default_and_on_for_allowed_endpoints_only() {
    let partner = start();
    let partner_endpoint = partner.url("/sparql");
    let allowed = partner_endpoint.clone();
    let federating = start_with(move |c| c.federate_allow = vec![allowed]);
    let plain = start();
    let query = format!(
        "SELECT ?name WHERE {{ SERVICE <{partner_endpoint}> {{ <{STOCKHOLM}> <https://schema.org/name> ?name FILTER(LANG(?name) = \"en\") }} }}"
    );
    // The plain server refuses SERVICE and fetches nothing.
    let refused = client()
        .get(plain.url("/sparql"))
        .query(&[("query", query.as_str())])
        .send()
        .expect("request");
    assert_eq!(refused.status(), 400);
    assert!(refused.text().expect("text").contains("not allowed"));
    let partner_metrics = client()
        .get(partner.url("/metrics"))
        .send()
        .expect("m")
        .text()
        .expect("t");
    assert!(
        !partner_metrics.contains("route=\"/sparql\""),
        "no request reached the partner"
    );
    // The federating server calls the allowed partner.
    let results = select_json(&federating, &query);
    assert_eq!(column(&results, "name"), vec!["Stockholm"]);
    // …but not an endpoint it was not told about.
    let other = format!(
        "SELECT * WHERE {{ SERVICE <{}> {{ ?s ?p ?o }} }} LIMIT 1",
        plain.url("/sparql")
    );
    let r = client()
        .get(federating.url("/sparql"))
        .query(&[("query", other.as_str())])
        .send()
        .expect("request");
    assert_eq!(r.status(), 400);
}
