//! Full-text search against the real server over the bundled data: ranking, Swedish labels,
//! highlighting, hostile input, the 404 page's suggestions, JSON, and a rebuild after an update.

mod common;

use common::*;

/// GET a page as a browser would; returns status and HTML with `&#x2f;` read as '/' and `&amp;`
/// as '&'.
fn page(server: &TestServer, path: &str) -> (u16, String) {
    let response = client()
        .get(server.url(path))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .expect("request");
    let status = response.status().as_u16();
    let html = response.text().expect("html");
    (status, html.replace("&#x2f;", "/").replace("&amp;", "&"))
}

fn encoded(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The hits of a search as JSON.
fn hits(server: &TestServer, q: &str, lang: &str) -> serde_json::Value {
    let response = client()
        .get(server.url(&format!("/search?q={}&lang={lang}", encoded(q))))
        .header("Accept", "application/json")
        .send()
        .expect("request");
    assert_eq!(response.status(), 200, "{q}");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/json")
    );
    response.json().expect("JSON")
}

fn first_iri(results: &serde_json::Value) -> String {
    results["hits"][0]["iri"]
        .as_str()
        .unwrap_or_else(|| panic!("no hit in {results}"))
        .to_owned()
}

/// The part of a page after `marker` (the results list, the suggestions).
fn after<'a>(html: &'a str, marker: &str) -> &'a str {
    html.split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker:?} in the page"))
}

#[test]
fn a_practice_name_finds_the_practice_first_with_its_kind_city_and_highlights() {
    let server = start();
    let results = hits(&server, "Stokab dark fibre", "en");
    assert_eq!(
        first_iri(&results),
        "https://w3id.org/citykg/id/practice/stockholm-stokab-dark-fibre"
    );
    let hit = &results["hits"][0];
    assert_eq!(hit["kind"], "practice");
    assert_eq!(hit["label"], "Stokab open dark-fibre network");
    assert_eq!(hit["city"]["iri"], STOCKHOLM);
    assert_eq!(hit["city"]["label"], "Stockholm");
    assert_eq!(
        hit["href"],
        "/id/practice/stockholm-stokab-dark-fibre?lang=en"
    );
    assert!(hit["score"].as_f64().unwrap_or(0.0) > 0.0);
    assert!(
        hit["snippet"].as_str().unwrap_or("").contains("<mark>"),
        "{hit}"
    );
    assert_eq!(results["approximate"], false);

    let (status, html) = page(&server, "/search?q=Stokab+dark+fibre&lang=en");
    assert_eq!(status, 200);
    let list = after(&html, "<ol class=\"hits\"");
    let first = list.split("<li>").nth(1).expect("a hit");
    assert!(
        first.contains("href=\"/id/practice/stockholm-stokab-dark-fibre?lang=en\""),
        "{first}"
    );
    assert!(first.contains("<mark>Stokab</mark>"), "{first}");
    assert!(first.contains("<mark>fibre</mark>"), "{first}");
    assert!(first.contains(">Practice<"), "the kind: {first}");
    assert!(
        first.contains("/id/city/stockholm?lang=en"),
        "the city: {first}"
    );
    // The box keeps what was searched.
    assert!(html.contains("value=\"Stokab dark fibre\""));
}

#[test]
fn swedish_labels_are_found_and_shown_in_swedish() {
    let server = start();
    let results = hits(&server, "trängselskatt", "sv");
    assert_eq!(
        first_iri(&results),
        "https://w3id.org/citykg/id/practice/stockholm-congestion-tax"
    );
    assert_eq!(results["hits"][0]["label"], "Trängselskatt i Stockholm");
    // Stemmed and folded: another form of the word, typed without the diacritics.
    let results = hits(&server, "trangselskatten", "sv");
    assert_eq!(
        first_iri(&results),
        "https://w3id.org/citykg/id/practice/stockholm-congestion-tax"
    );

    let (status, html) = page(&server, "/search?q=tr%C3%A4ngselskatt&lang=sv");
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(
        html.contains("<mark>Trängselskatt</mark> i Stockholm"),
        "{html}"
    );
    assert!(html.contains(">Praktik<"), "the kind in Swedish");
    // A Swedish label found from an English page shows as the snippet.
    let (_, html) = page(&server, "/search?q=tr%C3%A4ngselskatten&lang=en");
    assert!(
        html.contains("Stockholm congestion tax"),
        "the English label"
    );
    assert!(html.contains("<mark>Trängselskatt</mark>"), "{html}");
    // A Swedish goal label.
    let results = hits(&server, "Ekologiskt hållbar", "sv");
    assert_eq!(
        first_iri(&results),
        "https://w3id.org/citykg/id/goal/stockholm-ecologically-sustainable"
    );
    assert_eq!(results["hits"][0]["kind"], "goal");
}

#[test]
fn every_kind_is_searchable() {
    let server = start();
    for (q, iri, kind) in [
        (
            "Göteborg",
            "https://w3id.org/citykg/id/city/gothenburg",
            "city",
        ),
        (
            "Tammerfors",
            "https://w3id.org/citykg/id/city/tampere",
            "city",
        ),
        (
            "Sustainable cities and communities",
            "http://metadata.un.org/sdg/11",
            "sdg",
        ),
        (
            "Mobilitet och transporter",
            "https://w3id.org/citykg/id/theme/mobility",
            "theme",
        ),
        (
            "Strategy for Stockholm as a smart and connected city",
            "https://w3id.org/citykg/id/strategy/stockholm-smart-connected-city",
            "strategy",
        ),
    ] {
        let results = hits(&server, q, "en");
        // The resource comes among the first hits; sources whose titles repeat a label (the strategy's
        // own web page) may score within a hair of it, so the exact first place follows the corpus.
        let found = results["hits"]
            .as_array()
            .and_then(|hits| hits.iter().take(3).find(|h| h["iri"].as_str() == Some(iri)))
            .unwrap_or_else(|| panic!("{q}: {iri} is not among the first three hits: {results}"));
        assert_eq!(found["kind"], kind, "{q}");
    }
    let results = hits(&server, "Stokab", "en");
    let kinds: Vec<&str> = results["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"organisation"), "{kinds:?}");
    assert!(kinds.contains(&"source"), "{kinds:?}");
}

#[test]
fn an_empty_query_shows_the_form_and_hostile_queries_come_back_escaped() {
    let server = start();
    for path in ["/search", "/search?q=", "/search?q=++&lang=sv"] {
        let (status, html) = page(&server, path);
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("<form class=\"search-big\" method=\"get\" action=\"/search\""));
        assert!(!html.contains("<ol class=\"hits\""), "{path}");
        assert!(!html.contains("class=\"error\""), "{path}");
    }
    let long = "fibre ".repeat(2000);
    for hostile in [
        "\"",
        ">",
        "}",
        "SELECT * WHERE {",
        "<script>alert(1)</script>",
        "\"><script>alert(1)</script>",
        "AND OR NOT",
        "-",
        "*",
        "title:x AND (",
        "[a TO",
        "fibre^1000000",
        "\u{0}\u{7}",
        long.as_str(),
    ] {
        let path = format!("/search?q={}&lang=en", encoded(hostile));
        let (status, html) = page(&server, &path);
        assert_eq!(status, 200, "{hostile:?}");
        assert!(
            !html.contains("<script>alert"),
            "{hostile:?} is reflected raw"
        );
        let response = client()
            .get(server.url(&format!("{path}&format=json")))
            .send()
            .expect("json");
        assert_eq!(response.status(), 200, "{hostile:?} as JSON");
    }
    let (_, html) = page(&server, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn every_page_has_a_search_box_that_works_without_javascript() {
    let server = start();
    for path in [
        "/?lang=en",
        "/id/city/stockholm?lang=sv",
        "/compare",
        "/sparql",
        "/nowhere",
    ] {
        let response = client()
            .get(server.url(path))
            .header("Accept", "text/html")
            .send()
            .expect("request");
        let html = response.text().expect("html");
        assert!(
            html.contains("<form class=\"search\" method=\"get\" action=\"/search\""),
            "{path}"
        );
        assert!(html.contains("name=\"q\""), "{path}");
    }
    let (_, home) = page(&server, "/?lang=sv");
    assert!(home.contains("<form class=\"search-big\" method=\"get\" action=\"/search\""));
    assert!(home.contains("<input type=\"hidden\" name=\"lang\" value=\"sv\">"));
}

#[test]
fn the_404_page_suggests_near_matches_for_a_misspelt_slug() {
    let server = start();
    for (path, expected) in [
        (
            "/id/practice/stokholm-fibre",
            "/id/practice/stockholm-stokab-dark-fibre",
        ),
        (
            "/id/practice/stockholm-stokab-dark-fiber",
            "/id/practice/stockholm-stokab-dark-fibre",
        ),
        (
            "/id/practice/stockholm-congestion-taxes",
            "/id/practice/stockholm-congestion-tax",
        ),
        ("/id/city/helsinky", "/id/city/helsinki"),
    ] {
        let (status, html) = page(&server, path);
        assert_eq!(status, 404, "{path}");
        let list = after(&html, "<ol class=\"hits\"");
        let first = list.split("<li>").nth(1).expect("a suggestion");
        assert!(
            first.contains(&format!("href=\"{expected}?lang=en\"")),
            "{path}: {first}"
        );
    }
    let (status, html) = page(&server, "/id/practice/stokholm-fibre?lang=sv");
    assert_eq!(status, 404);
    assert!(html.contains("Letade du kanske efter"));
    assert!(
        html.contains("value=\"stokholm fibre\""),
        "the words in the box"
    );
    // Nothing to suggest: the page still answers.
    let (status, html) = page(&server, "/id/practice/zzzzqqqq");
    assert_eq!(status, 404);
    assert!(html.contains("Not found"));
}

#[test]
fn an_update_is_searchable_at_once() {
    let tokens = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(tokens.path(), "s3cret-token\n").expect("write");
    let token_path = tokens.path().to_path_buf();
    let server = start_with(move |c| c.update_token_file = Some(token_path));
    let before = hits(&server, "Quokkavägen", "en");
    assert_eq!(before["total"], 0, "{before}");
    let index_dir = server.data_dir.path().join("store").join("search-index");
    assert!(
        index_dir.join("CURRENT").is_file(),
        "the index lives in the data dir"
    );
    let insert = r#"INSERT DATA { GRAPH <https://w3id.org/citykg/graph/test> {
        <https://w3id.org/citykg/id/practice/stockholm-quokka-lanes> a <https://w3id.org/citykg/ontology#Practice> ;
            <https://schema.org/name> "Quokkavägen bicycle lanes"@en , "Quokkavägens cykelbanor"@sv ;
            <http://purl.org/dc/terms/description> "A made-up practice with an unmistakable name."@en ;
            <https://w3id.org/citykg/ontology#city> <https://w3id.org/citykg/id/city/stockholm> } }"#;
    let response = client()
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .bearer_auth("s3cret-token")
        .body(insert)
        .send()
        .expect("update");
    assert_eq!(response.status(), 204);
    let after_update = hits(&server, "Quokkavägen", "en");
    assert_eq!(
        first_iri(&after_update),
        "https://w3id.org/citykg/id/practice/stockholm-quokka-lanes"
    );
    assert_eq!(after_update["hits"][0]["city"]["iri"], STOCKHOLM);
    let sv = hits(&server, "cykelbanor", "sv");
    assert_eq!(sv["hits"][0]["label"], "Quokkavägens cykelbanor");
    // The old build was replaced, not kept beside the new one.
    let builds = std::fs::read_dir(&index_dir)
        .expect("index dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("build-"))
        .count();
    assert_eq!(builds, 1);
    // A missing path now suggests it too.
    let (status, html) = page(&server, "/id/practice/stockholm-quoka-lanes");
    assert_eq!(status, 404);
    assert!(html.contains("/id/practice/stockholm-quokka-lanes?lang=en"));
}

#[test]
fn json_pages_through_the_hits() {
    let server = start();
    let first = hits(&server, "Stockholm", "en");
    let total = first["total"].as_u64().expect("total");
    assert!(total > 20, "{total}");
    assert_eq!(first["hits"].as_array().map(Vec::len), Some(20));
    let response = client()
        .get(server.url("/search?q=Stockholm&page=2&format=json"))
        .send()
        .expect("page 2");
    let second: serde_json::Value = response.json().expect("json");
    assert_eq!(second["page"], 2);
    let a: Vec<&str> = first["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["iri"].as_str())
        .collect();
    let b: Vec<&str> = second["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["iri"].as_str())
        .collect();
    assert!(!b.is_empty());
    assert!(
        b.iter().all(|iri| !a.contains(iri)),
        "page 2 repeats page 1"
    );
    let (_, html) = page(&server, "/search?q=Stockholm&lang=en");
    assert!(html.contains("href=\"/search?q=Stockholm&lang=en&page=2\""));
}

#[test]
fn a_misspelt_query_gets_near_matches_marked_as_such() {
    let server = start();
    let results = hits(&server, "stokab fiber netwrk", "en");
    assert_eq!(results["approximate"], true, "{results}");
    assert_eq!(
        first_iri(&results),
        "https://w3id.org/citykg/id/practice/stockholm-stokab-dark-fibre"
    );
    let (status, html) = page(&server, "/search?q=stokab+fiber+netwrk&lang=sv");
    assert_eq!(status, 200);
    assert!(
        html.contains("Inget innehåller alla orden"),
        "the page says so"
    );
    let (status, html) = page(&server, "/search?q=zzzzqqqqxxxx&lang=en");
    assert_eq!(status, 200);
    assert!(html.contains("Nothing matches your search."));
}

/// The words the data uses in one language or spelling find what it says in the other (the
/// bundled synonym list, src/search/synonyms.rs): the same results either way.
#[test]
fn searches_match_across_english_and_swedish_words() {
    let server = start();
    let iris = |q: &str| -> Vec<String> {
        let results = hits(&server, q, "sv");
        let mut all: Vec<String> = results["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .filter_map(|h| h["iri"].as_str().map(str::to_owned))
            .collect();
        all.sort();
        assert!(!all.is_empty(), "{q} found nothing");
        all
    };
    for (one, other) in [
        ("fiber", "fibre"),
        ("öppna data", "open data"),
        ("trängselskatt", "congestion tax"),
    ] {
        assert_eq!(iris(one), iris(other), "{one} / {other}");
    }
    assert!(
        iris("trängselskatt")
            .contains(&"https://w3id.org/citykg/id/practice/gothenburg-congestion-tax".to_owned()),
        "trängselskatt finds Gothenburg's congestion tax"
    );
    assert!(
        iris("fiber").contains(
            &"https://w3id.org/citykg/id/practice/stockholm-stokab-dark-fibre".to_owned()
        )
    );
}
