//! What every page has and what browsers ask for on their own: the skip link, the labelled menus,
//! the favicon, gzip for pages, the dataset description as a page (Turtle for RDF clients),
//! singular counts, Swedish interface strings on the query pages and Swedish SDG titles.

mod common;

use common::*;

#[test]
fn every_page_has_a_skip_link_labelled_menus_and_an_icon() {
    let server = start();
    for lang in ["en", "sv"] {
        let (status, html) = page(&server, &format!("/?lang={lang}"), None);
        assert_eq!(status, 200);
        assert!(html.contains("<a class=\"skip\" href=\"#main\">"), "{lang}");
        assert!(html.contains("<main id=\"main\""), "{lang}");
        assert!(html.contains("<nav class=\"menu\" aria-label="), "{lang}");
        assert!(html.contains("<nav class=\"switch\" aria-label="), "{lang}");
        assert!(html.contains("rel=\"icon\""), "{lang}");
    }
    let (_, sv) = page(&server, "/?lang=sv", None);
    assert!(sv.contains("Hoppa till innehållet"));
    assert!(sv.contains("aria-label=\"Språk\""));
    for (path, kind) in [
        ("/favicon.ico", "image/x-icon"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let response = client().get(server.url(path)).send().expect("icon");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], kind);
        let body = response.bytes().expect("body");
        assert!(body.len() > 100, "{path}");
    }
    let ico = client()
        .get(server.url("/favicon.ico"))
        .send()
        .and_then(|r| r.bytes())
        .expect("ico");
    assert_eq!(&ico[..4], &[0, 0, 1, 0], "an ICO header");
}

#[test]
fn pages_come_gzipped_and_results_do_not() {
    let server = start();
    let get = |path: &str, encoding: &str| {
        client()
            .get(server.url(path))
            .header("Accept", "text/html")
            .header("Accept-Encoding", encoding)
            .send()
            .expect("request")
    };
    let plain = get("/practices?lang=en", "identity");
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().expect("body").len();
    let zipped = get("/practices?lang=en", "gzip");
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let vary: Vec<String> = zipped
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_lowercase))
        .collect();
    let vary = vary.join(", ");
    assert!(vary.contains("accept-encoding"), "{vary}");
    let body = zipped.bytes().expect("body");
    assert_eq!(&body[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(
        body.len() * 3 < plain_len,
        "{} bytes gzipped of {plain_len}",
        body.len()
    );
    // SPARQL results stream as they are written: not compressed.
    let results = client()
        .get(server.url("/sparql"))
        .query(&[("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 500")])
        .header("Accept", "application/sparql-results+json")
        .header("Accept-Encoding", "gzip")
        .send()
        .expect("results");
    assert!(results.headers().get("content-encoding").is_none());
}

#[test]
fn the_dataset_description_is_a_page_for_browsers_and_turtle_for_rdf_clients() {
    let server = start();
    let (status, html) = page(&server, "/.well-known/void?lang=sv", None);
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(html.contains("Beskrivning av datamängden"));
    assert!(html.contains("creativecommons.org/licenses/by/4.0/"));
    assert!(html.contains("/dump.nq"));
    assert!(
        html.contains("href=\"/id/city/stockholm?lang=sv\""),
        "city graphs link to their city"
    );
    let turtle = client()
        .get(server.url("/.well-known/void"))
        .header("Accept", "text/turtle")
        .send()
        .expect("turtle");
    assert!(
        turtle.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/turtle")
    );
    assert!(turtle.text().expect("body").contains("void:Dataset"));
    // A browser that names a format gets that format.
    let asked = client()
        .get(server.url("/.well-known/void?format=turtle"))
        .header("Accept", "text/html")
        .send()
        .expect("format=turtle");
    assert!(
        asked.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/turtle")
    );
}

#[test]
fn swedish_pages_speak_swedish() {
    let server = start();
    let (_, sparql) = page(&server, "/sparql?lang=sv", None);
    assert!(sparql.contains("<h1>SPARQL-fråga</h1>"), "{sparql}");
    assert!(sparql.contains("Kör frågan"));
    assert!(!sparql.contains("Run query"));
    let (_, queries) = page(&server, "/queries?lang=sv", None);
    assert!(queries.contains("<h1>Exempelfrågor</h1>"));
    assert!(queries.contains("Kör den här frågan"));
    // The queries' own English texts are marked as English.
    assert!(queries.contains(" lang=\"en\">"));
    let (_, home) = page(&server, "/?lang=sv", None);
    assert!(
        home.contains("smarta stadens praktiker kopplade till"),
        "the footer"
    );
    assert!(
        home.contains("SDG 11 · Hållbara städer och samhällen"),
        "Swedish SDG titles"
    );
    let (_, sdg) = page(&server, "/sdg/11?lang=sv", None);
    assert!(sdg.contains("Hållbara städer och samhällen"));
    // The goal text exists only in English, and says so.
    assert!(sdg.contains("<p lang=\"en\">Make cities"), "{sdg}");
    let (_, contribute) = page(&server, "/contribute?lang=sv", None);
    assert!(
        contribute.contains(">Köpenhamn</option>"),
        "Swedish city names"
    );
}

#[test]
fn a_count_of_one_is_singular() {
    let server = start();
    let (_, home) = page(&server, "/?lang=en", None);
    assert!(home.contains("1 practice<"), "the legend's first bin");
    assert!(!home.contains(">1 practices"));
    let (_, sv) = page(&server, "/?lang=sv", None);
    assert!(sv.contains("1 praktik<"));
}

#[test]
fn the_city_timeline_links_each_year_to_the_finder() {
    let server = start();
    let (_, html) = page(&server, "/id/city/stockholm?lang=en", None);
    let timeline = html
        .split("<svg class=\"timeline\"")
        .nth(1)
        .and_then(|s| s.split("</svg>").next())
        .expect("a timeline");
    assert!(timeline.contains("role=\"group\""));
    assert!(
        timeline.contains("href=\"/practices?city=stockholm&from=2016&to=2016&lang=en\""),
        "{timeline}"
    );
    assert!(timeline.contains("Start year"));
    // The linked finder has exactly the practices the bar counts.
    let (status, finder) = page(
        &server,
        "/practices?city=stockholm&from=2016&to=2016&lang=en",
        None,
    );
    assert_eq!(status, 200);
    let bar = timeline
        .split("aria-label=\"2016: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .expect("the 2016 bar");
    assert!(
        finder.contains(&format!("<p class=\"count\"><strong>{bar}</strong>")),
        "{bar}"
    );
}
