//! The contribution API against the real server: tokens (401/403), size limit (413), round trips
//! per format, violation reports, atomicity (a rejected upload changes nothing), history, CSV,
//! concurrent cities, retraction, and the bundle never overwriting a contributed graph.

mod common;

use citykg::ingest::tokens::TokenStore;
use common::{TestServer, client, column, repo_root, select_json, start, start_with};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::Quad;
use serde_json::Value;

const SMALL: &str = "tests/fixtures/contrib/helsinki-small.ttl";
const HELSINKI_GRAPH: &str = "https://w3id.org/citykg/graph/helsinki";

fn token(server: &TestServer, city: &str) -> String {
    TokenStore::new(&server.data_dir.path().join("store"))
        .add(city)
        .expect("token")
        .1
}

fn small() -> Vec<u8> {
    std::fs::read(repo_root().join(SMALL)).expect("fixture")
}

/// Re-serialises Turtle into another format with Oxigraph.
fn convert(turtle: &[u8], format: RdfFormat) -> Vec<u8> {
    let mut serializer = RdfSerializer::from_format(format).for_writer(Vec::new());
    for quad in RdfParser::from_format(RdfFormat::Turtle).for_slice(turtle) {
        let quad: Quad = quad.expect("valid Turtle");
        serializer.serialize_quad(&quad).expect("serialise");
    }
    serializer.finish().expect("finish")
}

fn put(
    server: &TestServer,
    city: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = client()
        .put(server.url(&format!("/api/contributions/{city}")))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("request");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn versions(server: &TestServer, city: &str) -> Value {
    client()
        .get(server.url(&format!("/api/contributions/{city}")))
        .send()
        .expect("request")
        .json()
        .expect("JSON")
}

/// The predicate-object pairs of the VoID subset that describes `graph`, as N-Triples text.
fn current_version_in_void(server: &TestServer, graph: &str) -> Vec<String> {
    let body = client()
        .get(server.url("/.well-known/void"))
        .header("Accept", "application/n-triples")
        .send()
        .expect("void")
        .text()
        .expect("text");
    let name = format!("<http://www.w3.org/ns/sparql-service-description#name> <{graph}> .");
    let subset = body
        .lines()
        .find(|l| l.ends_with(&name))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("no VoID subset names {graph}:\n{body}"))
        .to_owned();
    body.lines()
        .filter_map(|l| l.strip_prefix(&format!("{subset} ")))
        .map(|l| l.trim_end_matches(" .").to_owned())
        .collect()
}

fn graph_size(server: &TestServer, graph: &str) -> usize {
    let results = select_json(
        server,
        &format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"),
    );
    column(&results, "n")[0].parse().expect("count")
}

fn dump(server: &TestServer) -> Vec<String> {
    let body = client()
        .get(server.url("/dump.nq"))
        .send()
        .expect("dump")
        .bytes()
        .expect("body");
    let mut lines: Vec<String> = String::from_utf8_lossy(&body)
        .lines()
        .filter(|l| !l.contains("ontology#dataVersion"))
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

#[test]
fn every_format_round_trips_to_the_same_canonical_hash() {
    let server = start();
    let token = token(&server, "helsinki");
    let turtle = small();
    let mut hashes = Vec::new();
    for (content_type, format) in [
        ("text/turtle", RdfFormat::Turtle),
        ("application/n-triples", RdfFormat::NTriples),
        (
            "application/ld+json",
            RdfFormat::JsonLd {
                profile: Default::default(),
            },
        ),
        ("application/rdf+xml", RdfFormat::RdfXml),
        ("application/trig", RdfFormat::TriG),
    ] {
        let body = if format == RdfFormat::Turtle {
            turtle.clone()
        } else {
            convert(&turtle, format)
        };
        let (status, answer) = put(&server, "helsinki", Some(&token), content_type, body);
        assert_eq!(status, 201, "{content_type}: {answer}");
        assert_eq!(answer["conforms"], true);
        hashes.push(
            answer["version"]["content_hash"]
                .as_str()
                .expect("hash")
                .to_owned(),
        );
        // What was stored comes back, in each RDF format, as the same graph.
        let number = answer["version"]["version"].as_u64().expect("version");
        for format in ["turtle", "ntriples", "jsonld", "rdfxml"] {
            let response = client()
                .get(server.url(&format!(
                    "/api/contributions/helsinki/{number}?format={format}"
                )))
                .send()
                .expect("version");
            assert_eq!(response.status(), 200);
            let rdf_format = match format {
                "turtle" => RdfFormat::Turtle,
                "ntriples" => RdfFormat::NTriples,
                "jsonld" => RdfFormat::JsonLd {
                    profile: Default::default(),
                },
                _ => RdfFormat::RdfXml,
            };
            let triples = common::parse_rdf(&response.bytes().expect("body"), rdf_format);
            assert_eq!(triples.len(), 40, "{format}");
        }
    }
    assert!(
        hashes.windows(2).all(|w| w[0] == w[1]),
        "one graph, one hash: {hashes:?}"
    );
    assert_eq!(graph_size(&server, HELSINKI_GRAPH), 40);
    // Five accepted versions plus the bundled data kept as version 0.
    let list = versions(&server, "helsinki");
    assert_eq!(list["current"], 5);
    assert_eq!(list["versions"][0]["action"], "seed");
    // The page shows the contributed practice at once.
    let page = client()
        .get(server.url("/id/practice/helsinki-region-infoshare-test"))
        .header("Accept", "text/html")
        .send()
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .expect("html")
            .contains("Helsinki Region Infoshare (contribution test)")
    );
}

#[test]
fn trig_with_a_named_graph_is_refused_with_a_clear_error() {
    let server = start();
    let token = token(&server, "helsinki");
    let body = b"<https://w3id.org/citykg/graph/stockholm> { <https://w3id.org/citykg/id/city/helsinki> <https://schema.org/name> \"x\" . }".to_vec();
    let (status, answer) = put(&server, "helsinki", Some(&token), "application/trig", body);
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .expect("error")
            .contains("named graph"),
        "{answer}"
    );
}

#[test]
fn tokens_decide_who_writes_what() {
    let server = start_with(|c| c.max_upload_mb = 1);
    let helsinki = token(&server, "helsinki");
    let before = dump(&server);

    let (status, _) = put(&server, "helsinki", None, "text/turtle", small());
    assert_eq!(status, 401);
    let (status, _) = put(
        &server,
        "helsinki",
        Some("ckg_0000_nope"),
        "text/turtle",
        small(),
    );
    assert_eq!(status, 401);
    let (status, answer) = put(
        &server,
        "stockholm",
        Some(&helsinki),
        "text/turtle",
        small(),
    );
    assert_eq!(status, 403, "{answer}");
    let response = client()
        .delete(server.url("/api/contributions/stockholm"))
        .bearer_auth(&helsinki)
        .send()
        .expect("delete");
    assert_eq!(response.status(), 403);

    // Larger than --max-upload-mb: 413 (the body is valid Turtle comments).
    let mut big = small();
    big.extend(
        std::iter::repeat_n(b"# padding padding padding padding\n".as_slice(), 40_000).flatten(),
    );
    let (status, _) = put(&server, "helsinki", Some(&helsinki), "text/turtle", big);
    assert_eq!(status, 413);

    // Unknown media type: 415.
    let (status, _) = put(&server, "helsinki", Some(&helsinki), "image/png", small());
    assert_eq!(status, 415);

    // A revoked token stops working at once.
    let store = TokenStore::new(&server.data_dir.path().join("store"));
    let id = helsinki.split('_').nth(1).expect("id").to_owned();
    store.revoke(&id).expect("revoke");
    let (status, _) = put(&server, "helsinki", Some(&helsinki), "text/turtle", small());
    assert_eq!(status, 401);
    assert_eq!(before, dump(&server), "none of this changed the store");
}

#[test]
fn violations_are_reported_and_change_nothing() {
    let server = start();
    let token = token(&server, "helsinki");
    let before = dump(&server);
    let text = String::from_utf8(small()).expect("utf-8");
    let broken = text
        .replace(
            "schema:startDate \"2010\"^^xsd:gYear ;",
            "schema:startDate \"around 2010\" ;",
        )
        .replace(
            "dcterms:subject theme:open-data ;",
            "dcterms:subject theme:no-such-theme ;",
        )
        + "\n<https://w3id.org/citykg/id/practice/stockholm-stokab-dark-fibre> schema:name \"Taken over\"@en .\n";
    let (status, report) = put(
        &server,
        "helsinki",
        Some(&token),
        "text/turtle",
        broken.clone().into_bytes(),
    );
    assert_eq!(status, 422, "{report}");
    assert_eq!(report["conforms"], false);
    let results = report["results"].as_array().expect("results");
    let has = |focus: &str, path: Option<&str>| {
        results.iter().any(|r| {
            r["focus_node"] == focus
                && path.is_none_or(|p| r["path"] == p)
                && r["message"].as_str().is_some_and(|m| !m.is_empty())
        })
    };
    let practice = "https://w3id.org/citykg/id/practice/helsinki-region-infoshare-test";
    assert!(
        has(practice, Some("https://schema.org/startDate")),
        "{report}"
    );
    assert!(
        has(practice, Some("http://purl.org/dc/terms/subject")),
        "{report}"
    );
    assert!(
        has(
            "https://w3id.org/citykg/id/practice/stockholm-stokab-dark-fibre",
            None
        ),
        "{report}"
    );

    // The same report as a standard sh:ValidationReport in Turtle.
    let response = client()
        .put(server.url("/api/contributions/helsinki"))
        .bearer_auth(&token)
        .header("Content-Type", "text/turtle")
        .header("Accept", "text/turtle")
        .body(broken.into_bytes())
        .send()
        .expect("request");
    assert_eq!(response.status(), 422);
    let triples = common::parse_rdf(&response.bytes().expect("body"), RdfFormat::Turtle);
    assert!(
        triples
            .iter()
            .any(|t| t.contains("http://www.w3.org/ns/shacl#ValidationReport"))
    );
    assert!(
        triples
            .iter()
            .any(|t| t.contains("shacl#focusNode") && t.contains(practice))
    );

    // A syntax error names line and column.
    let (status, answer) = put(
        &server,
        "helsinki",
        Some(&token),
        "text/turtle",
        b"@prefix x: <http://x/> .\nx:a x:b x:c .\nx:c x:d \"open .\n".to_vec(),
    );
    assert_eq!(status, 400);
    assert!(
        answer["error"].as_str().expect("error").contains(":3:"),
        "{answer}"
    );

    // A dry run that conforms stores nothing either.
    let response = client()
        .post(server.url("/api/contributions/helsinki?dry_run=true"))
        .bearer_auth(&token)
        .header("Content-Type", "text/turtle")
        .body(small())
        .send()
        .expect("dry run");
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().expect("JSON");
    assert_eq!(answer["conforms"], true);
    assert_eq!(answer["accepted"], false);
    assert_eq!(
        before,
        dump(&server),
        "rejected and dry-run uploads left the store as it was"
    );
    assert_eq!(
        versions(&server, "helsinki")["versions"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[test]
fn three_versions_stay_retrievable_and_retraction_keeps_history() {
    let server = start();
    let token = token(&server, "helsinki");
    let text = String::from_utf8(small()).expect("utf-8");
    let mut hashes = Vec::new();
    for n in 1..=3 {
        let body = text.replace("(contribution test)", &format!("(version {n})"));
        let (status, answer) = put(
            &server,
            "helsinki",
            Some(&token),
            "text/turtle",
            body.into_bytes(),
        );
        assert_eq!(status, 201, "{answer}");
        hashes.push(
            answer["version"]["content_hash"]
                .as_str()
                .expect("hash")
                .to_owned(),
        );
    }
    let current = current_version_in_void(&server, HELSINKI_GRAPH);
    assert!(
        current.contains(&"<http://www.w3.org/ns/dcat#hasCurrentVersion> <https://w3id.org/citykg/api/contributions/helsinki/3>".to_owned()),
        "{current:?}"
    );
    assert!(
        current.contains(
            &"<http://purl.org/dc/terms/publisher> <https://w3id.org/citykg/id/city/helsinki>"
                .to_owned()
        )
    );
    let response = client()
        .delete(server.url("/api/contributions/helsinki"))
        .bearer_auth(&token)
        .send()
        .expect("delete");
    assert_eq!(response.status(), 200);
    assert_eq!(graph_size(&server, HELSINKI_GRAPH), 0, "retracted");
    // Withdrawn, the graph is still described, empty, with the retraction as its current version.
    let current = current_version_in_void(&server, HELSINKI_GRAPH);
    assert!(
        current.contains(&"<http://www.w3.org/ns/dcat#hasCurrentVersion> <https://w3id.org/citykg/api/contributions/helsinki/4>".to_owned()),
        "{current:?}"
    );
    assert!(
        current.contains(
            &"<http://rdfs.org/ns/void#triples> \"0\"^^<http://www.w3.org/2001/XMLSchema#integer>"
                .to_owned()
        )
    );
    let list = versions(&server, "helsinki");
    let all = list["versions"].as_array().expect("versions");
    let actions: Vec<&str> = all.iter().filter_map(|v| v["action"].as_str()).collect();
    assert_eq!(
        actions,
        ["seed", "replace", "replace", "replace", "retract"]
    );
    for (n, hash) in (1..=3).zip(&hashes) {
        assert_eq!(all[n]["content_hash"], hash.as_str());
        assert_eq!(all[n]["previous"], (n - 1) as u64);
        let body = client()
            .get(server.url(&format!("/api/contributions/helsinki/{n}")))
            .header("Accept", "application/n-triples")
            .send()
            .expect("version")
            .text()
            .expect("text");
        assert!(
            body.contains(&format!("(version {n})")),
            "version {n} holds its own data"
        );
    }
    // The bundled data the first contribution replaced is version 0.
    let seed = client()
        .get(server.url("/api/contributions/helsinki/0?format=ntriples"))
        .send()
        .expect("seed")
        .text()
        .expect("text");
    assert!(seed.contains("helsinki-region-infoshare>"));
    let missing = client()
        .get(server.url("/api/contributions/helsinki/9"))
        .send()
        .expect("missing");
    assert_eq!(missing.status(), 404);
    // The records are in graph meta as DCAT datasets and PROV activities.
    let results = select_json(
        &server,
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcat: <http://www.w3.org/ns/dcat#>
         SELECT ?v WHERE { GRAPH <https://w3id.org/citykg/graph/meta> {
           ?v a dcat:Dataset, prov:Activity ; prov:wasRevisionOf ?prev ;
              <http://purl.org/dc/terms/publisher> <https://w3id.org/citykg/id/city/helsinki> } }",
    );
    assert_eq!(column(&results, "v").len(), 4);
}

#[test]
fn two_cities_contributing_at_once_both_land() {
    let server = start();
    let helsinki = token(&server, "helsinki");
    let stockholm = token(&server, "stockholm");
    let stockholm_csv = client()
        .get(server.url("/contribute/stockholm.csv"))
        .send()
        .expect("export")
        .bytes()
        .expect("csv")
        .to_vec();
    std::thread::scope(|scope| {
        let a = scope.spawn(|| put(&server, "helsinki", Some(&helsinki), "text/turtle", small()));
        let b = scope.spawn(|| {
            put(
                &server,
                "stockholm",
                Some(&stockholm),
                "text/csv",
                stockholm_csv.clone(),
            )
        });
        let (a, b) = (a.join().expect("helsinki"), b.join().expect("stockholm"));
        assert_eq!(a.0, 201, "{}", a.1);
        assert_eq!(b.0, 201, "{}", b.1);
    });
    assert_eq!(versions(&server, "helsinki")["current"], 1);
    assert_eq!(versions(&server, "stockholm")["current"], 1);
}

#[test]
fn csv_export_then_import_gives_back_the_same_graph() {
    let server = start();
    let token = token(&server, "stockholm");
    let csv = client()
        .get(server.url("/contribute/stockholm.csv"))
        .send()
        .expect("export")
        .bytes()
        .expect("csv")
        .to_vec();
    let (status, answer) = put(&server, "stockholm", Some(&token), "text/csv", csv);
    assert_eq!(status, 201, "{answer}");
    let list = versions(&server, "stockholm");
    assert_eq!(
        list["versions"][0]["content_hash"], list["versions"][1]["content_hash"],
        "the CSV carried every practice fact: the canonical graph is unchanged"
    );
    // The committed example file is what the export gives.
    let example =
        std::fs::read_to_string(repo_root().join("docs/contribute/example-stockholm.csv"))
            .expect("example file");
    let fresh = client()
        .get(server.url("/contribute/stockholm.csv"))
        .send()
        .expect("export")
        .text()
        .expect("csv");
    assert_eq!(
        example, fresh,
        "regenerate docs/contribute/example-stockholm.csv (see docs/contribute.md)"
    );
}

#[test]
fn csv_errors_name_row_and_column() {
    let server = start();
    let token = token(&server, "helsinki");
    let template = client()
        .get(server.url("/contribute/template.csv"))
        .send()
        .expect("template")
        .text()
        .expect("csv");
    let header: Vec<&str> = template.trim_end().split(',').collect();
    let mut row = vec![""; header.len()];
    let set = |row: &mut Vec<&str>, name: &str, value: &'static str| {
        let i = header.iter().position(|h| *h == name).expect(name);
        row[i] = value;
    };
    set(&mut row, "practice_id", "smart-benches");
    set(&mut row, "name@en", "Smart benches");
    set(&mut row, "description@en", "Benches that report use.");
    set(&mut row, "start", "twenty-twenty");
    set(&mut row, "source_urls", "https://example.org/benches");
    set(&mut row, "source_titles", "Benches");
    let body = format!("{}\n{}\n", header.join(","), row.join(","));
    let (status, answer) = put(
        &server,
        "helsinki",
        Some(&token),
        "text/csv",
        body.into_bytes(),
    );
    assert_eq!(status, 400, "{answer}");
    let error = answer["error"].as_str().expect("error");
    assert!(
        error.contains("row 2") && error.contains("(start)") && error.contains("twenty-twenty"),
        "{error}"
    );
}

#[test]
fn the_bundle_no_longer_writes_a_contributed_graph() {
    let bundle = tempfile::tempdir().expect("tmp");
    common::copy_bundle(bundle.path());
    let data = tempfile::tempdir().expect("tmp");
    let store = data.path().join("store");
    let config = |dir: &std::path::Path| {
        let mut c = citykg::web::ServeConfig::new(dir.to_path_buf());
        c.bundle_dir = bundle.path().to_path_buf();
        c
    };
    {
        let (state, _) = citykg::web::prepare(&config(&store)).expect("prepare");
        let outcome = state
            .contributions
            .submit(
                "helsinki",
                "fixture",
                &small(),
                citykg::ingest::contribution::InputFormat::Rdf(RdfFormat::Turtle),
                &citykg::ingest::contribution::Contributor {
                    token_id: None,
                    channel: "test",
                },
                false,
            )
            .expect("submit");
        assert!(matches!(
            outcome,
            citykg::ingest::contribution::Outcome::Accepted { .. }
        ));
    }
    // Change the bundle: another file and Helsinki's file both.
    for name in ["helsinki", "oslo"] {
        let path = bundle.path().join(format!("data/{name}.ttl"));
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("\n# changed\n");
        std::fs::write(&path, text).expect("write");
    }
    let (state, outcome) = citykg::web::prepare(&config(&store)).expect("prepare again");
    assert!(matches!(
        outcome,
        citykg::store::bundle::LoadOutcome::Loaded { .. }
    ));
    let graph = oxigraph::model::NamedNode::new(HELSINKI_GRAPH).expect("iri");
    assert_eq!(
        state.backend.graph_triples(&graph).expect("graph").len(),
        40,
        "the contribution stays"
    );
}

/// The upload page, used as a data steward would: a CSV with a mistake gets a readable report and
/// changes nothing; the fixed file is published and its practices appear on the city's page.
#[test]
fn a_steward_uploads_a_csv_through_the_page() {
    use reqwest::blocking::multipart::{Form, Part};
    let server = start();
    let token = token(&server, "helsinki");
    let page = client()
        .get(server.url("/contribute?lang=en"))
        .header("Accept", "text/html")
        .send()
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().expect("html");
    assert!(html.contains("enctype=\"multipart/form-data\"") && html.contains("name=\"token\""));

    let columns = citykg::ingest::csv::template_header(1);
    let header = columns.join(",");
    let line = |cells: &[(&str, &str)]| {
        columns
            .iter()
            .map(|c| {
                let value = cells.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v);
                format!("\"{}\"", value.replace('"', "\"\""))
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let row = |theme: &str| {
        format!(
            "{}\n{}\n",
            line(&[
                ("practice_id", "smart-benches"),
                ("name@en", "Smart benches (steward test)"),
                (
                    "description@en",
                    "Benches in Helsinki parks that report how often they are used."
                ),
                ("start", "2020"),
                ("themes", theme),
                ("sdgs", "11.7"),
                ("partners", "Forum Virium Helsinki"),
                ("source_urls", "https://example.org/helsinki/benches"),
                ("source_titles", "Helsinki smart benches pilot (test)"),
            ]),
            line(&[
                ("practice_id", "helsinki-bike-counters"),
                ("name@en", "Bike counters (steward test)"),
                ("description@en", "Automatic counters on main cycle routes."),
                ("start", "2019"),
                ("themes", "mobility"),
                ("sdgs", "11.2; 11"),
                ("source_urls", "https://example.org/helsinki/bikes"),
                ("source_titles", "Helsinki cycle counting (test)"),
                (
                    "outcome1_indicator@en",
                    "Cyclists counted per day (test figure)"
                ),
                ("outcome1_value", "5000"),
                ("outcome1_unit", "NUM"),
                ("outcome1_year", "2019"),
                ("outcome1_target", "achieved"),
            ]),
        )
    };
    let send = |csv: String, token: &str, dry_run: bool| {
        let mut form = Form::new()
            .text("city", "helsinki")
            .text("token", token.to_owned())
            .text("format", "auto")
            .part(
                "file",
                Part::bytes(csv.into_bytes()).file_name("helsinki.csv"),
            );
        if dry_run {
            form = form.text("dry_run", "1");
        }
        let response = client()
            .post(server.url("/contribute?lang=en"))
            .multipart(form)
            .send()
            .expect("upload");
        (response.status().as_u16(), response.text().expect("html"))
    };
    let before = dump(&server);
    let (status, html) = send(
        format!("{header}\n{}", row("digital-infrastructure")),
        "ckg_bad_token",
        false,
    );
    assert_eq!(status, 401);
    assert!(html.contains("token is missing or not valid"));

    // A mistake: the theme column names no theme. The report names the practice and the rule.
    let broken = format!("{header}\n{}", row("parks-and-benches"));
    let (status, html) = send(broken, &token, false);
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("problem(s) found"), "{html}");
    assert!(
        html.contains("practice&#x2f;helsinki-smart-benches"),
        "{html}"
    );
    assert!(html.contains("not one of the citykg themes"));
    assert_eq!(before, dump(&server), "a rejected upload changes nothing");

    // Fixed, checked with a dry run, then published.
    let fixed = format!("{header}\n{}", row("digital-infrastructure"));
    let (status, html) = send(fixed.clone(), &token, true);
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Nothing was published"));
    let (status, html) = send(fixed, &token, false);
    assert_eq!(status, 201, "{html}");
    assert!(html.contains("Published as version"));
    assert!(
        html.contains("practice&#x2f;helsinki-smart-benches?lang=en"),
        "{html}"
    );
    let city = client()
        .get(server.url("/id/city/helsinki?lang=en"))
        .header("Accept", "text/html")
        .send()
        .expect("city page")
        .text()
        .expect("html");
    assert!(
        city.contains("Smart benches (steward test)")
            && city.contains("Bike counters (steward test)")
    );
    // Search finds the new practices at once.
    let hits: Value = client()
        .get(server.url("/search?q=smart%20benches&format=json"))
        .send()
        .expect("search")
        .json()
        .expect("JSON");
    assert!(
        hits.to_string().contains("practice/helsinki-smart-benches"),
        "{hits}"
    );
    // The CSV replaced Helsinki's practices but kept its strategy and goals.
    assert!(!city.contains("Helsinki Region Infoshare"));
    assert!(city.contains("Most Functional City"), "the strategy stays");

    // Hostile form values come back escaped.
    let form = Form::new()
        .text("city", "<script>alert(1)</script>")
        .text("token", token.clone())
        .text("paste", "x");
    let response = client()
        .post(server.url("/contribute"))
        .multipart(form)
        .send()
        .expect("upload");
    let html = response.text().expect("html");
    assert!(!html.contains("<script>alert(1)</script>"));
}

#[test]
fn csv_stage_and_contact_columns_replace_and_their_absence_keeps() {
    let server = start();
    let token = token(&server, "stockholm");
    let exported = client()
        .get(server.url("/contribute/stockholm.csv"))
        .send()
        .expect("export")
        .text()
        .expect("csv");
    let stage_of = |server: &TestServer| {
        column(
            &select_json(
                server,
                "SELECT ?s WHERE { <https://w3id.org/citykg/id/practice/stockholm-congestion-tax> <https://w3id.org/citykg/ontology#stage> ?s }",
            ),
            "s",
        )
    };
    assert_eq!(
        stage_of(&server),
        ["https://w3id.org/citykg/id/stage/operational"]
    );
    // Parse the export, change the congestion tax's stage, write it back.
    let mut reader = ::csv::Reader::from_reader(exported.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let stage = header
        .iter()
        .position(|h| h == "stage")
        .expect("stage column");
    let id = header
        .iter()
        .position(|h| h == "practice_id")
        .expect("id column");
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    let write = |header: &[String], rows: &[Vec<String>]| {
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.write_record(header).expect("header");
        for row in rows {
            writer.write_record(row).expect("row");
        }
        writer.into_inner().expect("csv")
    };
    for row in &mut rows {
        if row[id] == "stockholm-congestion-tax" {
            row[stage] = "scaled".into();
        }
    }
    let (status, answer) = put(
        &server,
        "stockholm",
        Some(&token),
        "text/csv",
        write(&header, &rows),
    );
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        stage_of(&server),
        ["https://w3id.org/citykg/id/stage/scaled"],
        "the column's value replaces the current stage"
    );
    // A file without the exchange columns (an older template) keeps the current stage.
    let keep: Vec<usize> = (0..header.len())
        .filter(|i| {
            !["stage", "stage_year", "adapted_from", "contact"].contains(&header[*i].as_str())
        })
        .collect();
    let old_header: Vec<String> = keep.iter().map(|i| header[*i].clone()).collect();
    let old_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| keep.iter().map(|i| r[*i].clone()).collect())
        .collect();
    let (status, answer) = put(
        &server,
        "stockholm",
        Some(&token),
        "text/csv",
        write(&old_header, &old_rows),
    );
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        stage_of(&server),
        ["https://w3id.org/citykg/id/stage/scaled"]
    );
    // A stage outside the scheme names the row and the column.
    for row in &mut rows {
        if row[id] == "stockholm-congestion-tax" {
            row[stage] = "finished".into();
        }
    }
    let (status, answer) = put(
        &server,
        "stockholm",
        Some(&token),
        "text/csv",
        write(&header, &rows),
    );
    assert_eq!(status, 400, "{answer}");
    let error = answer["error"].as_str().expect("error");
    assert!(
        error.contains("(stage)") && error.contains("\"finished\""),
        "{error}"
    );
}

/// A commit built on a data version that has moved on since (another node's commit, or one a
/// node that died had already sent, landing in between) is refused as a conflict and changes
/// nothing; built on the current version it goes through. On the backend the suite runs on.
#[test]
fn a_commit_on_an_old_data_version_changes_nothing() {
    use citykg::error::Error;
    use citykg::store::Backend;
    use oxigraph::model::{Literal, NamedNode, Triple};
    let dir = tempfile::tempdir().expect("tmp");
    let engine = common::engine::from_env();
    let backend = match &engine {
        Some(engine) => Backend::connect(engine.remote_config(dir.path())),
        None => Backend::open(&dir.path().join("store")),
    }
    .expect("backend");
    let graph = NamedNode::new_unchecked("https://w3id.org/citykg/graph/conflict-test");
    let triple = |o: &str| {
        Triple::new(
            NamedNode::new_unchecked("https://w3id.org/citykg/id/x"),
            NamedNode::new_unchecked("http://purl.org/dc/terms/title"),
            Literal::new_simple_literal(o),
        )
    };
    let start = backend.current_data_version().expect("version");
    let first = backend
        .replace_graph(&graph, &[triple("one")], &[], &start)
        .expect("a commit on the current version");
    let stale = backend.replace_graph(&graph, &[triple("two")], &[], &start);
    assert!(
        matches!(stale, Err(Error::Conflict(_))),
        "a commit on {start} after {first}: {stale:?}"
    );
    assert_eq!(backend.current_data_version().expect("version"), first);
    assert_eq!(
        backend.graph_triples(&graph).expect("graph"),
        vec![triple("one")]
    );
    let second = backend
        .replace_graph(&graph, &[triple("two")], &[], &first)
        .expect("a commit on the current version");
    assert_eq!(backend.current_data_version().expect("version"), second);
    assert_eq!(
        backend.graph_triples(&graph).expect("graph"),
        vec![triple("two")]
    );
}
