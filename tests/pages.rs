//! The pages for city staff, against the real server: every page kind, the three-click path to
//! peer practices in both languages, a crawl of every link, negotiation and hostile parameters.

mod common;

use common::*;
use std::collections::{BTreeSet, VecDeque};

/// GET a page as a browser would; returns status and HTML with `&#x2f;` read as '/'.
fn page(server: &TestServer, path: &str, accept_language: Option<&str>) -> (u16, String) {
    let mut request = client()
        .get(server.url(path))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    if let Some(lang) = accept_language {
        request = request.header("Accept-Language", lang);
    }
    let response = request.send().expect("request");
    let status = response.status().as_u16();
    (
        status,
        response
            .text()
            .expect("html")
            .replace("&#x2f;", "/")
            .replace("&amp;", "&"),
    )
}

/// Local links (href="/…") of a page, in order.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.starts_with('/'))
        .map(str::to_owned)
        .collect()
}

fn first_link(html: &str, containing: &str) -> String {
    links(html)
        .into_iter()
        .find(|l| l.contains(containing))
        .unwrap_or_else(|| panic!("no link containing {containing}"))
}

#[test]
fn three_clicks_from_home_to_peer_practices_in_english_and_swedish() {
    let server = start();
    for (lang, peers_heading, goal_label) in [
        (
            "en",
            "Peer practices from other cities",
            "Ecologically sustainable",
        ),
        ("sv", "Förebilder från andra städer", "Ekologiskt hållbar"),
    ] {
        // Click 0: the home page, in the reader's language from Accept-Language.
        let (status, home) = page(&server, "/", Some(lang));
        assert_eq!(status, 200);
        // Click 1: Stockholm.
        let city = first_link(&home, "/id/city/stockholm");
        assert!(city.contains(&format!("lang={lang}")), "{city}");
        let (status, city_html) = page(&server, &city, None);
        assert_eq!(status, 200);
        assert!(
            city_html.contains(goal_label),
            "{lang}: the goal tree shows {goal_label}"
        );
        // Click 2: the goal.
        let goal = first_link(&city_html, "/id/goal/stockholm-ecologically-sustainable");
        let (status, goal_html) = page(&server, &goal, None);
        assert_eq!(status, 200);
        // There: peer practices with the reason shown.
        assert!(goal_html.contains(peers_heading), "{lang}");
        let peers = goal_html.split(peers_heading).nth(1).unwrap_or("");
        assert!(
            peers.contains("/id/practice/gothenburg-congestion-tax"),
            "a peer practice is listed"
        );
        assert!(
            !peers.contains("/id/practice/stockholm-"),
            "peers come from other cities"
        );
        let shares = if lang == "sv" {
            "delar SDG 11.6"
        } else {
            "shares SDG 11.6"
        };
        assert!(
            peers.contains(shares),
            "{lang}: the reason names the shared target"
        );
        // Click 3: a peer practice opens.
        let peer = first_link(peers, "/id/practice/");
        assert_eq!(page(&server, &peer, None).0, 200);
    }
}

#[test]
fn each_page_kind_shows_its_facts() {
    let server = start();
    let (status, html) = page(&server, "/", None);
    assert_eq!(status, 200);
    assert!(html.contains("<svg"), "the coverage chart");
    // Stockholm: ST-01 … ST-15 and the tree-pit method (TR-27).
    assert!(html.contains("16 practices"), "Stockholm's count");

    let (status, html) = page(&server, "/id/city/stockholm", None);
    assert_eq!(status, 200);
    assert!(html.contains("Strategy for Stockholm as a smart and connected city"));
    assert!(html.contains("Stockholm congestion tax"));
    assert!(html.contains("Practices by start year"));

    let (status, html) = page(&server, "/id/practice/stockholm-congestion-tax", None);
    assert_eq!(status, 200);
    assert!(html.contains("Outcomes"));
    assert!(
        html.contains("<td>14</td><td>PERCENT</td><td>2006</td>"),
        "the C40 CO2 figure"
    );
    assert!(html.contains("Similar practices in other cities"));
    assert!(html.contains("/id/practice/gothenburg-congestion-tax"));

    let (status, html) = page(
        &server,
        "/id/goal/stockholm-ecologically-sustainable?lang=sv",
        None,
    );
    assert_eq!(status, 200);
    assert!(html.contains("Ekologiskt hållbar"));
    assert!(html.contains("SDG 13.2"));

    let (status, html) = page(&server, "/sdg/11", None);
    assert_eq!(status, 200);
    assert!(html.contains("Sustainable cities and communities"));
    assert!(html.contains("/id/practice/stockholm-congestion-tax"));

    for path in [
        "/id/theme/mobility",
        "/id/org/ibm",
        "/id/strategy/stockholm-smart-connected-city",
    ] {
        let (status, _) = page(&server, path, None);
        assert_eq!(status, 200, "{path}");
    }
}

#[test]
fn pages_negotiate_rdf_and_link_their_data() {
    let server = start();
    let response = client()
        .get(server.url("/id/practice/stockholm-congestion-tax"))
        .header("Accept", "text/turtle")
        .send()
        .expect("turtle");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["vary"], "Accept");
    let triples = parse_rdf(
        &response.bytes().expect("body"),
        oxigraph::io::RdfFormat::Turtle,
    );
    assert!(
        triples
            .iter()
            .any(|t| t.contains("https://schema.org/startDate"))
    );
    let (_, html) = page(&server, "/id/practice/stockholm-congestion-tax", None);
    assert!(html.contains("/id/practice/stockholm-congestion-tax?format=turtle"));
    assert!(html.contains("/sparql?query=DESCRIBE"));
}

#[test]
fn unknown_pages_answer_an_html_404() {
    let server = start();
    for path in [
        "/id/practice/no-such-practice",
        "/nowhere",
        "/sdg/99",
        "/id/planet/mars",
    ] {
        let (status, html) = page(&server, path, Some("sv"));
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Hittades inte"), "{path}");
    }
}

#[test]
fn hostile_parameters_come_back_escaped() {
    let server = start();
    for hostile in [
        "\"><script>alert(1)</script>",
        "}",
        "SELECT * WHERE { ?s ?p ?o }",
        "' OR 1=1",
    ] {
        let encoded: String = form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
        for path in [
            format!("/?lang={encoded}"),
            format!("/id/city/stockholm?lang={encoded}&x={encoded}"),
            format!("/id/goal/{encoded}"),
            format!("/sdg/{encoded}"),
            format!("/queries?lang={encoded}"),
            format!("/search?q={encoded}&lang={encoded}"),
        ] {
            let response = client()
                .get(server.url(&path))
                .header("Accept", "text/html")
                .send()
                .expect("request");
            let status = response.status().as_u16();
            assert!(
                status == 200 || status == 404 || status == 400,
                "{path}: {status}"
            );
            let body = response.text().expect("body");
            assert!(
                !body.contains("<script>alert(1)</script>"),
                "{path} reflects a script"
            );
        }
    }
}

#[test]
fn a_crawl_from_home_finds_no_broken_link() {
    let server = start();
    // The search page is reached by a form, not a link: start there too.
    let mut queue: VecDeque<String> = VecDeque::from([
        "/?lang=en".to_owned(),
        "/search?q=stockholm&lang=en".to_owned(),
    ]);
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut visited = 0;
    while let Some(path) = queue.pop_front() {
        // Dumps are large downloads; the endpoint's query pages are tested elsewhere.
        if path.starts_with("/dump.") || path.starts_with("/sparql?") {
            continue;
        }
        let response = client()
            .get(server.url(&path))
            .header("Accept", "text/html")
            .send()
            .expect("request");
        let status = response.status().as_u16();
        assert_eq!(status, 200, "broken link: {path}");
        visited += 1;
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if !content_type.starts_with("text/html") {
            continue;
        }
        let html = response
            .text()
            .expect("html")
            .replace("&#x2f;", "/")
            .replace("&amp;", "&");
        for link in links(&html) {
            // Stay in one language: the other language's pages are the same pages.
            if link.contains("lang=sv") {
                continue;
            }
            if seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
        assert!(visited < 20_000, "the crawl does not end");
    }
    assert!(visited > 300, "the crawl reached {visited} pages");
    eprintln!("the crawl visited {visited} pages");
}

#[test]
fn compare_puts_cities_side_by_side() {
    let server = start();
    let (status, html) = page(
        &server,
        "/compare?city=stockholm&city=helsinki&lang=en",
        None,
    );
    assert_eq!(status, 200);
    assert!(html.contains("<svg"), "the chart");
    assert!(html.contains("/id/practice/stockholm-congestion-tax"));
    assert!(
        html.contains("/id/practice/helsinki-"),
        "a Helsinki practice"
    );
    assert!(
        html.contains("value=\"stockholm\" checked"),
        "the form keeps the choice"
    );
    // Unknown or hostile cities are ignored, never echoed.
    let (status, html) = page(
        &server,
        "/compare?city=atlantis&city=%22%3E%3Cscript%3E",
        Some("sv"),
    );
    assert_eq!(status, 200);
    assert!(html.contains("Jämför städer"));
    assert!(!html.contains("<script>"));
    // The form works without JavaScript: it is a plain GET form.
    assert!(html.contains("<form method=\"get\" action=\"/compare\">"));
}

/// Theme, organisation, strategy, source and outcome pages list what links to them, by city.
#[test]
fn linked_resources_are_grouped_by_city() {
    let server = start();
    let html = |path: &str| {
        let response = client()
            .get(server.url(path))
            .header("Accept", "text/html")
            .send()
            .expect("page");
        assert_eq!(response.status(), 200, "{path}");
        response.text().expect("html")
    };
    let section = |page: &str| {
        page.split("<section>")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .unwrap_or("")
            .to_owned()
    };
    // A theme: practices of several cities, each under its city.
    let theme = section(&html("/id/theme/mobility?lang=sv"));
    assert!(theme.contains("Kopplat hit, per stad") && theme.contains("Praktiker inom temat"));
    for city in ["stockholm", "copenhagen", "helsinki"] {
        assert!(
            theme.contains(&format!("city&#x2f;{city}?lang=sv")),
            "{city} in {theme}"
        );
    }
    let stockholm = theme
        .split("city&#x2f;stockholm?lang=sv")
        .nth(1)
        .expect("Stockholm group");
    let stockholm = stockholm.split("class=\"card\"").next().unwrap_or("");
    assert!(
        stockholm.contains("stockholm-congestion-tax"),
        "{stockholm}"
    );
    // An organisation, a strategy, a source and an outcome.
    let org = section(&html("/id/org/kth?lang=en"));
    assert!(org.contains("Practices with this partner") && org.contains("Stockholm"));
    let strategy = section(&html("/id/strategy/stockholm-smart-connected-city?lang=en"));
    assert!(
        strategy.contains("Goals of this strategy")
            && strategy.contains("Ecologically sustainable")
    );
    let source = section(&html(
        "/id/source/ec-europa-eu-digital-single-market-en-content-ab-stokab-stockholm?lang=en",
    ));
    assert!(
        source.contains("Based on this source")
            && source.contains("Stokab open dark-fibre network")
    );
    assert!(
        source.contains("Length of cable in the network"),
        "outcomes show their indicator"
    );
    let outcome = section(&html(
        "/id/outcome/stockholm-stokab-dark-fibre-cable-km-ec?lang=en",
    ));
    assert!(outcome.contains("Stokab open dark-fibre network"));
}

#[test]
fn a_page_error_is_an_html_page_for_browsers_and_plain_text_for_others() {
    let app = TestApp::new();
    let path = "/id/city/stockholm?format=bogus";
    let (status, headers, body) =
        app.get(path, &[("Accept", "text/html"), ("Accept-Language", "sv")]);
    assert_eq!(status, 400);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert!(body.contains("Sidan kunde inte visas"), "{body}");
    assert!(body.contains("is not an RDF format"), "{body}");
    let (status, headers, body) = app.get(path, &[("Accept", "text/turtle")]);
    assert_eq!(status, 400);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/plain")
    );
    assert!(body.contains("is not an RDF format"), "{body}");
    // A missing resource is the 404 page, with suggestions, whatever the client asked for.
    let (status, _, body) = app.get(
        "/id/practice/stockholm-congestion",
        &[("Accept", "text/turtle")],
    );
    assert_eq!(status, 404);
    assert!(body.contains("Not found"), "{body}");
    assert!(
        body.replace("&#x2f;", "/")
            .contains("/id/practice/stockholm-congestion-tax"),
        "{body}"
    );
}
