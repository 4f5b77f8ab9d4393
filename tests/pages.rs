//! The pages for city staff, against the real server: every page kind, the three-click path to
//! peer practices in both languages, a crawl of every link, negotiation and hostile parameters.

mod common;

use common::*;
use std::collections::{BTreeSet, VecDeque};

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
        html.contains(
            "<td data-label=\"Value\">14</td><td data-label=\"Unit\">%</td><td data-label=\"Year\">2006</td>"
        ),
        "the C40 CO2 figure, its unit by its label"
    );
    // Swedish figures: the unit's label, numbers grouped with no-break spaces and a decimal comma.
    let (_, sv) = page(
        &server,
        "/id/practice/stockholm-congestion-tax?lang=sv",
        None,
    );
    assert!(
        sv.contains("<td data-label=\"Enhet\">%</td>"),
        "a Swedish unit"
    );
    assert!(
        !sv.contains(">PERCENT<") && !sv.contains(">CCY_"),
        "no raw QUDT codes"
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
            format!("/transfers?lang={encoded}"),
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
            // The finder's facet links combine without end: its pages are visited from the
            // pages that link into it, and tests/finder.rs walks its own links.
            if path.starts_with("/practices") && link.starts_with("/practices") {
                continue;
            }
            // A goal's peer choices (`?country=…#peers`) combine the same way: they are visited
            // from the goal page itself, and tests/finder.rs follows them.
            if path.ends_with("#peers") && link.ends_with("#peers") {
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

/// The part of a page from `start` up to the next `</section>`.
fn section_from<'a>(html: &'a str, start: &str) -> &'a str {
    html.split(start)
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_else(|| panic!("no {start}"))
}

#[test]
fn a_transfer_shows_on_both_practices_in_both_languages() {
    let server = start();
    for (lang, came_from, went_to, kind) in [
        ("en", "Adapted from", "Taken up in", "Adapted, 2013"),
        ("sv", "Anpassad från", "Införd i", "Anpassad, 2013"),
    ] {
        let (status, gothenburg) = page(
            &server,
            &format!("/id/practice/gothenburg-congestion-tax?lang={lang}"),
            None,
        );
        assert_eq!(status, 200);
        let transfers = section_from(&gothenburg, "<section id=\"transfers\">");
        let from = transfers
            .split(&format!("<h2>{came_from}</h2>"))
            .nth(1)
            .unwrap_or_else(|| panic!("{lang}: no {came_from} in {transfers}"));
        assert!(
            from.contains(&format!(
                "/id/practice/stockholm-congestion-tax?lang={lang}"
            )) && from.contains(&format!("/id/city/stockholm?lang={lang}")),
            "{lang}: Gothenburg's tax came from Stockholm's: {from}"
        );
        assert!(from.contains(kind), "{lang}: the kind and year: {from}");
        assert!(
            from.contains("Älvsborg Bridge"),
            "what changed on the way: {from}"
        );
        assert!(
            from.contains("/id/transfer/gothenburg-congestion-tax-from-stockholm"),
            "the transfer's own page"
        );

        let (status, stockholm) = page(
            &server,
            &format!("/id/practice/stockholm-congestion-tax?lang={lang}"),
            None,
        );
        assert_eq!(status, 200);
        let transfers = section_from(&stockholm, "<section id=\"transfers\">");
        let to = transfers
            .split(&format!("<h2>{went_to}</h2>"))
            .nth(1)
            .unwrap_or_else(|| panic!("{lang}: no {went_to} in {transfers}"));
        assert!(
            to.contains(&format!(
                "/id/practice/gothenburg-congestion-tax?lang={lang}"
            )),
            "{lang}: Stockholm's tax was taken up in Gothenburg: {to}"
        );
        let gothenburg_name = if lang == "sv" {
            "Göteborg"
        } else {
            "Gothenburg"
        };
        assert!(to.contains(gothenburg_name), "{lang}: {to}");
        // And it came from Singapore, a transfer into a city with no practice record.
        let from = transfers
            .split(&format!("<h2>{went_to}</h2>"))
            .next()
            .unwrap_or("");
        assert!(from.contains("/id/city/singapore"), "{lang}: {from}");
    }
    // A practice whose transfers name only the receiving cities lists them as cities.
    let (_, madrid) = page(&server, "/id/practice/madrid-decide-madrid?lang=en", None);
    let to = section_from(&madrid, "<h2>Taken up in</h2>");
    for city in ["barcelona", "a-coruna", "paris", "turin", "buenos-aires"] {
        assert!(
            to.contains(&format!("/id/city/{city}?lang=en")),
            "{city}: {to}"
        );
    }
    assert!(to.contains("Forked software"), "{to}");
}

#[test]
fn a_practice_shows_its_stage_cost_lessons_and_contact() {
    let server = start();
    let (_, html) = page(
        &server,
        "/id/practice/stockholm-congestion-tax?lang=en",
        None,
    );
    assert!(
        html.contains(
            "Stage: <a href=\"/id/stage/operational?lang=en\">Operational</a> (reached in 2007)"
        ),
        "the stage and the year reached"
    );
    let lessons = section_from(&html, "<section id=\"lessons\">");
    assert!(lessons.contains("<h3>Lessons learned</h3>"), "{lessons}");
    assert!(
        lessons.contains("Support for the charge grew once people had lived with it"),
        "{lessons}"
    );
    assert!(
        lessons.contains(
            "/id/source/www-transportenvironment-org-discover-congestion-charge-successful-and-popular"
        ),
        "the lesson's source: {lessons}"
    );
    let (_, html) = page(
        &server,
        "/id/practice/stockholm-congestion-tax?lang=sv",
        None,
    );
    assert!(
        html.contains(
            "Skede: <a href=\"/id/stage/operational?lang=sv\">I drift</a> (nått år 2007)"
        )
    );
    assert!(
        html.contains("<h2>Lärdomar, hinder och förutsättningar</h2>")
            && html.contains("<h3>Lärdomar</h3>")
    );

    let (_, html) = page(
        &server,
        "/id/practice/stockholm-biochar-project?lang=en",
        None,
    );
    let money = section_from(&html, "<section id=\"money\">");
    assert!(money.contains("<h2>Cost and funding</h2>"), "{money}");
    assert!(
        money.contains(
            "<td data-label=\"Amount\">1,000,000 EUR</td><td data-label=\"Year\">2014</td>"
        ) && money.contains("Bloomberg Philanthropies"),
        "amount, currency, year and funder: {money}"
    );
    let lessons = section_from(&html, "<section id=\"lessons\">");
    assert!(
        lessons.contains("<h3>Prerequisites for transfer</h3>") && lessons.contains("garden waste")
    );

    let (_, html) = page(&server, "/id/practice/stockholm-growsmarter?lang=sv", None);
    let money = section_from(&html, "<section id=\"money\">");
    assert!(
        money.contains("25\u{a0}000\u{a0}000 EUR") && money.contains("/id/org/horizon-2020"),
        "the programme: {money}"
    );
    assert!(money.contains("Finansiering"), "{money}");

    let (_, html) = page(
        &server,
        "/id/practice/stockholm-open-data-portal?lang=en",
        None,
    );
    let contact = section_from(&html, "<section id=\"contact\">");
    assert!(
        contact.contains("/id/org/open-stockholm?lang=en")
            && contact.contains("href=\"https://open.stockholm.se/\""),
        "the contact point's name and public page: {contact}"
    );
}

#[test]
fn a_city_page_shows_whom_it_learned_from_and_who_took_from_it() {
    let server = start();
    let (_, html) = page(&server, "/id/city/stockholm?lang=en", None);
    assert!(
        html.contains("Population: 975,904 (2019, <a href=\"/id/source/"),
        "population with year and source"
    );
    assert!(html.contains(
        "Sweden</a> · Location: <a href=\"/id/geometry/stockholm?lang=en\">59.33° N, 18.05° E</a>"
    ));
    let learned = section_from(&html, "<section id=\"learned-from\">");
    assert!(learned.contains("What the city learned from other cities"));
    let oslo = learned
        .split("/id/city/oslo?lang=en")
        .nth(1)
        .expect("a group under the giving city, Oslo");
    assert!(
        oslo.split("class=\"card\"")
            .next()
            .unwrap_or("")
            .contains("/id/practice/oslo-climate-budget")
    );
    let took = section_from(&html, "<section id=\"others-took\">");
    let gothenburg = took
        .split("/id/city/gothenburg?lang=en")
        .nth(1)
        .expect("a group under the receiving city, Gothenburg");
    assert!(
        gothenburg
            .split("class=\"card\"")
            .next()
            .unwrap_or("")
            .contains("/id/practice/stockholm-congestion-tax?lang=en\">Stockholm congestion tax</a> → <a href=\"/id/practice/gothenburg-congestion-tax"),
        "{gothenburg}"
    );
    let (_, html) = page(&server, "/id/city/gothenburg?lang=sv", None);
    assert!(
        html.contains("Folkmängd: 551\u{a0}449"),
        "Swedish digit groups"
    );
    assert!(
        html.contains("57,70° N, 11,97° Ö"),
        "Swedish compass points"
    );
    let learned = section_from(&html, "<section id=\"learned-from\">");
    assert!(
        learned.contains("Vad staden har lärt sig av andra städer")
            && learned.contains("/id/city/stockholm?lang=sv")
    );
}

#[test]
fn the_transfers_page_draws_the_network_and_lists_every_transfer() {
    let server = start();
    let (status, home) = page(&server, "/?lang=en", None);
    assert_eq!(status, 200);
    assert!(
        home.contains("<a href=\"/transfers?lang=en\">Transfers</a>"),
        "in the navigation"
    );
    let (status, html) = page(&server, "/transfers?lang=en", None);
    assert_eq!(status, 200);
    let list = section_from(&html, "<section id=\"transfer-list\">");
    let rows: Vec<&str> = list.split("<tr>").skip(2).collect();
    assert!(rows.len() >= 40, "{} transfers", rows.len());
    let decidim = rows
        .iter()
        .find(|r| {
            r.contains("/id/practice/barcelona-decidim?lang=en")
                && r.contains("/id/city/madrid?lang=en")
        })
        .expect("Madrid → Barcelona, Decidim");
    assert!(decidim.contains("/id/practice/madrid-decide-madrid?lang=en"));
    assert!(
        decidim.contains("Forked software")
            && decidim.contains("<td data-label=\"Year\">2016</td>"),
        "{decidim}"
    );
    assert!(
        decidim.contains("rewrote it from scratch"),
        "what changed: {decidim}"
    );
    // The maps: no role="img" around links, and every city of the table a link in the world map.
    let figures: Vec<&str> = html
        .split("<svg class=\"transfer-map\"")
        .skip(1)
        .map(|s| s.split("</svg>").next().unwrap_or(""))
        .collect();
    assert_eq!(figures.len(), 2, "the world and Europe");
    assert!(
        !html.contains("role=\"img\""),
        "links in the maps stay reachable"
    );
    let cities: BTreeSet<String> = links(list)
        .into_iter()
        .filter(|l| l.starts_with("/id/city/"))
        .collect();
    assert!(cities.len() >= 30, "{cities:?}");
    for city in &cities {
        assert!(
            figures[0].contains(&format!("<a href=\"{city}\">")),
            "{city} on the world map"
        );
    }
    assert!(figures[1].contains("<a href=\"/id/city/barcelona?lang=en\">"));
    assert!(
        !figures[1].contains("/id/city/seattle"),
        "Europe shows Europe"
    );
    assert!(
        figures[0].contains("marker-end=\"url(#map-world-arrow)\""),
        "arrows"
    );
    let (_, html) = page(&server, "/transfers?lang=sv", None);
    assert!(
        html.contains("<h1>Överföringar av praktiker mellan städer</h1>")
            && html.contains("Förgrenad programvara")
    );
}

#[test]
fn peer_reasons_name_adoption_and_similar_size() {
    let server = start();
    for (lang, size, oslo) in [
        (
            "en",
            "a city of similar size",
            "taken up in six other cities",
        ),
        (
            "sv",
            "en stad av liknande storlek",
            "införd i sex andra städer",
        ),
    ] {
        let (_, html) = page(
            &server,
            &format!("/id/goal/stockholm-ecologically-sustainable?lang={lang}"),
            None,
        );
        let peers = section_from(&html, "<section id=\"peers\">");
        let item = |practice: &str| {
            peers
                .split(&format!("/id/practice/{practice}?"))
                .nth(1)
                .and_then(|s| s.split("</li>").next())
                .unwrap_or_else(|| panic!("{practice} among the peers"))
                .to_owned()
        };
        // Gothenburg (551,449) is within a factor of three of Stockholm (975,904).
        let gothenburg = item("gothenburg-congestion-tax");
        assert!(gothenburg.contains(size), "{lang}: {gothenburg}");
        // Oslo's climate budget was taken up in six other cities, Oslo (709,037) is of similar size.
        let climate = item("oslo-climate-budget");
        assert!(
            climate.contains(oslo) && climate.contains(size),
            "{lang}: {climate}"
        );
        // Madrid's low-emission zone: Madrid (3,334,730) is more than three times Stockholm.
        let madrid = item("madrid-central-low-emission-zone");
        assert!(!madrid.contains(size), "{lang}: {madrid}");
    }
    // "Similar practices" on a practice page say so too.
    let (_, html) = page(
        &server,
        "/id/practice/stockholm-congestion-tax?lang=en",
        None,
    );
    let similar = section_from(&html, "<h2>Similar practices in other cities</h2>");
    let gothenburg = similar
        .split("/id/practice/gothenburg-congestion-tax?")
        .nth(1)
        .and_then(|s| s.split("</li>").next())
        .expect("Gothenburg's congestion tax is similar");
    assert!(
        gothenburg.contains("a city of similar size"),
        "{gothenburg}"
    );
}

/// A link as a local path, without its query.
fn local_path(href: &str) -> String {
    let path = href.split('?').next().unwrap_or("");
    path.trim_start_matches("https://w3id.org/citykg")
        .to_owned()
}

/// The first `<section>` of a page (the paged list): its items as (city heading, item link)
/// pairs, card by card, and its next page.
fn paged_section(html: &str) -> (Vec<(String, String)>, Option<String>, String) {
    let section = html
        .split("<section>")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or("")
        .to_owned();
    let next = section
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned);
    let mut items = Vec::new();
    for card in section.split("<div class=\"card\">").skip(1) {
        let heading = card
            .split("<h3>")
            .nth(1)
            .and_then(|h| h.split("</h3>").next())
            .and_then(|h| h.split("<a href=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .map(local_path)
            .unwrap_or_default();
        for rest in card.split("<li><a href=\"").skip(1) {
            if let Some(href) = rest.split('"').next() {
                items.push((heading.clone(), local_path(href)));
            }
        }
    }
    (items, next, section)
}

/// Follows a paged list from `first` to its last page: every page's items, and each page's
/// count line ("1–5 av 12 praktiker").
fn walk_pages(server: &TestServer, first: &str) -> (Vec<(String, String)>, Vec<String>) {
    let (mut items, mut counts) = (Vec::new(), Vec::new());
    let mut next = Some(first.to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        pages += 1;
        assert!(pages < 200, "the pager does not end");
        let (status, html) = page(server, &path, None);
        assert_eq!(status, 200, "{path}");
        let (found, following, section) = paged_section(&html);
        if let Some(following) = &following {
            assert!(
                following.contains("lang=sv"),
                "{following} keeps the language"
            );
            assert!(
                following.contains(&format!("page={}", pages + 1)),
                "{following}"
            );
        }
        let count = section
            .split("<p class=\"count\">")
            .nth(1)
            .and_then(|c| c.split("</p>").next())
            .unwrap_or_else(|| panic!("no count on {path}"))
            .to_owned();
        counts.push(count);
        items.extend(found);
        next = following;
    }
    (items, counts)
}

fn sparql_count(server: &TestServer, prefixes: &str, selection: &str) -> usize {
    let results = select_json(
        server,
        &format!("{prefixes}SELECT (COUNT(*) AS ?n) WHERE {{ {selection} }}"),
    );
    column(&results, "n")
        .first()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

/// The (city, item) pairs of a selection, as local paths ("" for no city).
fn selected_pairs(
    server: &TestServer,
    query: &str,
    city: &str,
    item: &str,
) -> Vec<(String, String)> {
    let rows = select_json(server, query);
    let mut pairs: Vec<(String, String)> = rows["results"]["bindings"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    let value = |v: &str| local_path(r[v]["value"].as_str().unwrap_or(""));
                    (value(city), value(item))
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs
}

/// Checks a paged list against its selection: every item on exactly one page, the totals.
fn check_pages(
    server: &TestServer,
    first: &str,
    (prefixes, selection): (&str, &str),
    (city, item): (&str, &str),
    noun: &str,
) {
    let total = sparql_count(server, prefixes, selection);
    assert!(total > 10, "{first} has items on several pages: {total}");
    let (mut items, counts) = walk_pages(server, first);
    assert_eq!(counts.len(), total.div_ceil(5), "{counts:?}");
    assert_eq!(counts[0], format!("1–5 av {total} {noun}"));
    let last_first = (counts.len() - 1) * 5 + 1;
    assert_eq!(
        counts.last().cloned(),
        Some(format!("{last_first}–{total} av {total} {noun}"))
    );
    assert_eq!(items.len(), total, "one entry per item");
    items.sort();
    let unique: BTreeSet<&(String, String)> = items.iter().collect();
    assert_eq!(unique.len(), items.len(), "no item on two pages");
    let expected = selected_pairs(server, &format!("{prefixes}{selection}"), city, item);
    assert_eq!(items, expected, "every item once");
}

#[test]
fn an_sdg_page_pages_its_practices_with_totals() {
    let server = start_with(|config| config.page_size = 5);
    let sdg = oxigraph::model::NamedNode::new("http://metadata.un.org/sdg/11").expect("iri");
    let prefixes =
        format!("PREFIX ckg: <{CKG}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n");
    let selection = citykg::web::pages::sdg::practices_selection(&sdg);
    check_pages(
        &server,
        "/sdg/11?lang=sv",
        (&prefixes, &selection),
        ("city", "p"),
        "praktiker",
    );
    // A page past the end shows the total and leads back.
    let total = sparql_count(&server, &prefixes, &selection);
    let (status, html) = page(&server, "/sdg/11?lang=sv&page=999", None);
    assert_eq!(status, 200);
    assert!(html.contains(&format!("<p class=\"count\">{total} praktiker")));
    assert!(html.contains("rel=\"prev\""));
}

#[test]
fn a_theme_page_pages_what_links_to_it() {
    let server = start_with(|config| config.page_size = 5);
    let theme =
        oxigraph::model::NamedNode::new("https://w3id.org/citykg/id/theme/mobility").expect("iri");
    let prefixes = citykg::web::pages::resource::linked_prefixes();
    let selection =
        citykg::web::pages::resource::linked_selection("https://w3id.org/citykg/", &theme);
    check_pages(
        &server,
        "/id/theme/mobility?lang=sv",
        (&prefixes, &selection),
        ("city", "s"),
        "länkade resurser",
    );
    // With the default page size the bundled theme fits on one page.
    let server = start();
    let (_, html) = page(&server, "/id/theme/mobility?lang=en", None);
    let (_, next, section) = paged_section(&html);
    assert!(next.is_none());
    assert!(section.contains(" of "), "{section}");
}

#[test]
fn a_city_page_pages_its_practices() {
    let server = start_with(|config| config.page_size = 5);
    let query = format!(
        "PREFIX ckg: <{CKG}> SELECT DISTINCT ?p WHERE {{ ?p ckg:city <{STOCKHOLM}> ; a ckg:Practice }}"
    );
    let expected: BTreeSet<String> = column(&select_json(&server, &query), "p")
        .iter()
        .map(|p| local_path(p))
        .collect();
    assert!(
        expected.len() > 5,
        "Stockholm's practices take several pages"
    );
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut next = Some("/id/city/stockholm?lang=sv".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        pages += 1;
        assert!(pages < 100, "the pager does not end");
        let (status, html) = page(&server, &path, None);
        assert_eq!(status, 200, "{path}");
        assert!(
            html.contains(&format!("av {} praktiker", expected.len())),
            "{path} shows the total"
        );
        // The practices under "by goal" (and "no goal") on this page.
        let by_goal = html
            .split("<h2>Praktiker per mål</h2>")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .unwrap_or_else(|| panic!("no by-goal section on {path}"));
        let here: BTreeSet<String> = links(by_goal)
            .into_iter()
            .filter(|l| l.starts_with("/id/practice/"))
            .map(|l| local_path(&l))
            .collect();
        assert!(!here.is_empty() && here.len() <= 5, "{path}: {here:?}");
        assert!(here.is_disjoint(&seen), "{path} repeats a practice");
        seen.extend(here);
        next = by_goal
            .split("rel=\"next\" href=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned);
    }
    assert_eq!(pages, expected.len().div_ceil(5));
    assert_eq!(seen, expected, "every practice on exactly one page");
}
