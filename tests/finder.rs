//! The practice finder (`/practices`) against the real server: facet counts against SPARQL counts of
//! the same selection, two facet combinations, paging, permalinks, CSV and JSON equal to the HTML
//! rows, the "see the SPARQL" link, hostile parameters, and the officers' tasks reachable from `/`
//! in at most three clicks in English and Swedish.

mod common;

use common::*;
use std::collections::BTreeSet;

const PREFIXES: &str = "PREFIX ckg: <https://w3id.org/citykg/ontology#> PREFIX schema: <https://schema.org/> PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ";
const NORDIC: [&str; 5] = ["Q35", "Q33", "Q189", "Q20", "Q34"];

fn json(server: &TestServer, path: &str) -> serde_json::Value {
    let response = client().get(server.url(path)).send().expect("request");
    assert_eq!(response.status(), 200, "{path}");
    response.json().expect("JSON")
}

/// The practice IRIs of a finder page's result table, in order.
fn html_rows(html: &str, base: &str) -> Vec<String> {
    let Some(table) = html.split("<table class=\"finder-rows").nth(1) else {
        return Vec::new();
    };
    let body = table.split("</table>").next().unwrap_or("");
    body.split("<tr>")
        .skip(2)
        .filter_map(|row| {
            links(row)
                .into_iter()
                .find(|l| l.starts_with("/id/practice/"))
        })
        .map(|l| {
            let path = l.split('?').next().unwrap_or("").to_owned();
            format!("{base}{}", path.trim_start_matches('/'))
        })
        .collect()
}

/// Every row of a selection through the HTML pages, following the Next links.
fn all_html_rows(server: &TestServer, path: &str) -> Vec<String> {
    let base = "https://w3id.org/citykg/";
    let mut rows = Vec::new();
    let mut next = Some(path.to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let (status, html) = page(server, &path, None);
        assert_eq!(status, 200, "{path}");
        rows.extend(html_rows(&html, base));
        next = html
            .split("rel=\"next nofollow\"")
            .next()
            .filter(|_| html.contains("rel=\"next nofollow\""))
            .and_then(|before| before.rsplit("href=\"").next())
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned);
        pages += 1;
        assert!(pages < 50, "paging does not end");
    }
    rows
}

fn json_rows(view: &serde_json::Value) -> Vec<String> {
    view["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["iri"].as_str().map(str::to_owned))
        .collect()
}

fn count(server: &TestServer, pattern: &str) -> u64 {
    let results = select_json(
        server,
        &format!(
            "{PREFIXES} SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a ckg:Practice . {pattern} }}"
        ),
    );
    column(&results, "n")
        .first()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

fn practices(server: &TestServer, pattern: &str) -> BTreeSet<String> {
    let results = select_json(
        server,
        &format!("{PREFIXES} SELECT DISTINCT ?p WHERE {{ ?p a ckg:Practice . {pattern} }}"),
    );
    column(&results, "p").into_iter().collect()
}

fn facet_counts(view: &serde_json::Value, key: &str) -> Vec<(String, u64)> {
    view["facets"]
        .as_array()
        .expect("facets")
        .iter()
        .find(|f| f["key"] == key)
        .and_then(|f| f["values"].as_array())
        .expect("facet")
        .iter()
        .map(|v| {
            (
                v["code"].as_str().unwrap_or("").to_owned(),
                v["count"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

const OPEN_DATA_MEASURED: &str = "?p dcterms:subject <https://w3id.org/citykg/id/theme/open-data> . FILTER EXISTS { ?p ckg:outcome/ckg:isTarget false }";

fn nordic_since_2016() -> String {
    let countries: Vec<String> = NORDIC
        .iter()
        .map(|q| format!("<http://www.wikidata.org/entity/{q}>"))
        .collect();
    format!(
        "FILTER EXISTS {{ ?p ckg:city/schema:containedInPlace ?c FILTER(?c IN ({})) }} FILTER EXISTS {{ ?p schema:startDate ?d FILTER(xsd:integer(SUBSTR(STR(?d), 1, 4)) >= 2016) }}",
        countries.join(", ")
    )
}

#[test]
fn facet_counts_equal_sparql_counts_in_two_combinations() {
    let server = start();
    // Combination 1: a theme and a measured outcome.
    let view = json(&server, "/practices?theme=open-data&measured=1&format=json");
    let total = view["total"].as_u64().expect("total");
    assert_eq!(total, count(&server, OPEN_DATA_MEASURED));
    assert!(total > 0);
    for (code, n) in facet_counts(&view, "country") {
        let expected = count(
            &server,
            &format!(
                "{OPEN_DATA_MEASURED} ?p ckg:city/schema:containedInPlace <http://www.wikidata.org/entity/{code}> ."
            ),
        );
        assert_eq!(n, expected, "country {code}");
    }
    // The theme facet counts without its own filter: the measured ones of each theme.
    for (code, n) in facet_counts(&view, "theme") {
        let expected = count(
            &server,
            &format!(
                "?p dcterms:subject <https://w3id.org/citykg/id/theme/{code}> . FILTER EXISTS {{ ?p ckg:outcome/ckg:isTarget false }}"
            ),
        );
        assert_eq!(n, expected, "theme {code}");
    }
    // A flag counts what choosing it would give: the measured ones of the other filters, and
    // those with a transfer too.
    assert_eq!(view["measured"]["count"].as_u64(), Some(total));
    assert_eq!(
        view["transfer"]["count"].as_u64(),
        Some(count(
            &server,
            &format!(
                "{OPEN_DATA_MEASURED} FILTER EXISTS {{ {{ ?t ckg:fromPractice ?p }} UNION {{ ?t ckg:toPractice ?p }} }}"
            )
        ))
    );
    // Combination 2: the Nordic countries and a start year range.
    let view = json(&server, "/practices?country=nordic&from=2016&format=json");
    let nordic = nordic_since_2016();
    assert_eq!(view["total"].as_u64(), Some(count(&server, &nordic)));
    for (code, n) in facet_counts(&view, "stage") {
        let expected = count(
            &server,
            &format!("{nordic} ?p ckg:stage <https://w3id.org/citykg/id/stage/{code}> ."),
        );
        assert_eq!(n, expected, "stage {code}");
    }
    for (code, n) in facet_counts(&view, "sdg") {
        let expected = count(
            &server,
            &format!(
                "{nordic} ?p ckg:servesGoal ?g FILTER(?g = <http://metadata.un.org/sdg/{code}> || STRSTARTS(STR(?g), \"http://metadata.un.org/sdg/{code}.\"))"
            ),
        );
        assert_eq!(n, expected, "sdg {code}");
    }
    // The SPARQL link gives the same practices.
    let query = view["sparql"].as_str().expect("sparql");
    let from_sparql: BTreeSet<String> = column(&select_json(&server, query), "practice")
        .into_iter()
        .collect();
    let rows: BTreeSet<String> = json_rows(&view).into_iter().collect();
    assert_eq!(from_sparql, rows);
}

#[test]
fn paging_permalinks_csv_and_json_agree_with_the_html() {
    let server = start();
    // Every practice exactly once across the pages.
    let rows = all_html_rows(&server, "/practices?lang=en");
    let unique: BTreeSet<String> = rows.iter().cloned().collect();
    assert_eq!(rows.len(), unique.len(), "a practice appears twice");
    assert_eq!(unique, practices(&server, ""));
    // By start year too.
    let by_year = all_html_rows(&server, "/practices?sort=year&lang=en");
    assert_eq!(by_year.len(), rows.len());
    // CSV and JSON have the HTML's rows in the HTML's order.
    for selection in [
        "theme=open-data&measured=1",
        "country=nordic&from=2016&sort=year",
        "q=fibre",
    ] {
        let html = all_html_rows(&server, &format!("/practices?{selection}&lang=en"));
        let view = json(&server, &format!("/practices?{selection}&format=json"));
        assert_eq!(json_rows(&view), html, "JSON {selection}");
        let csv = client()
            .get(server.url(&format!("/practices?{selection}")))
            .header("Accept", "text/csv")
            .send()
            .expect("csv");
        assert_eq!(csv.status(), 200);
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/csv")
        );
        let text = csv.text().expect("csv text");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let iris: Vec<String> = reader
            .records()
            .map(|r| r.expect("record")[0].to_owned())
            .collect();
        assert_eq!(iris, html, "CSV {selection}");
    }
    // A permalink (parameters in any order) comes back canonical and gives the same rows.
    let view = json(
        &server,
        "/practices?measured=1&format=json&theme=open-data&lang=en&page=2",
    );
    let permalink = view["permalink"].as_str().expect("permalink").to_owned();
    assert_eq!(
        permalink,
        "/practices?theme=open-data&measured=1&page=2&lang=en"
    );
    let (status, html) = page(&server, &permalink, None);
    assert_eq!(status, 200);
    let again = json(&server, &format!("{permalink}&format=json"));
    assert_eq!(json_rows(&again), json_rows(&view));
    assert!(html.contains(&format!("href=\"{permalink}\"")));
}

#[test]
fn hostile_parameters_are_escaped_or_ignored() {
    let server = start();
    for (query, want_ignored) in [
        ("theme=x%3E%20%7D%20%3B%20DROP%20ALL%20%23", true),
        ("city=%3Cscript%3Ealert(1)%3C%2Fscript%3E", true),
        ("q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", false),
        ("from=2016)%20%7D%20DROP%20ALL", true),
        ("to=-1", true),
        ("sdg=11.2'%20OR%201%3D1", true),
        ("stage=%7D%7D%7D", true),
        ("page=-3&sort=%3Cx%3E", false),
        ("page=99999999999999999999999", false),
        ("verification=%22%20%7D%20INSERT", true),
        ("lang=%3Cscript%3E&country=nordic", false),
    ] {
        let response = client()
            .get(server.url(&format!("/practices?{query}")))
            .header("Accept", "text/html")
            .send()
            .expect("request");
        let status = response.status().as_u16();
        assert_eq!(status, 200, "{query}");
        let body = response.text().expect("body");
        assert!(
            !body.contains("<script>alert(1)"),
            "{query} reflects a script"
        );
        let view = json(&server, &format!("/practices?{query}&format=json"));
        let sparql = view["sparql"].as_str().unwrap_or("");
        assert!(
            !sparql.contains("DROP") && !sparql.contains("INSERT"),
            "{query}: {sparql}"
        );
        let ignored = view["ignored"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(ignored > 0, want_ignored, "{query}: {}", view["ignored"]);
        // The query is still valid SPARQL.
        select_json(&server, sparql);
    }
    let response = client()
        .get(server.url("/practices?format=%3Cxml%3E"))
        .send()
        .expect("request");
    assert_eq!(response.status(), 400);
}

#[test]
fn officer_tasks_take_at_most_three_clicks_in_english_and_swedish() {
    let server = start();
    let open_data = practices(&server, OPEN_DATA_MEASURED);
    let nordic = practices(&server, &nordic_since_2016());
    assert!(!open_data.is_empty() && !nordic.is_empty());
    let nordic_link = NORDIC
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .iter()
        .map(|q| format!("country={q}"))
        .collect::<Vec<_>>()
        .join("&");
    for lang in ["en", "sv"] {
        // Open-data practices with a measured outcome.
        let (status, home) = page(&server, "/", Some(lang));
        assert_eq!(status, 200);
        let finder = first_link(&home, "/practices?");
        assert!(finder.contains(&format!("lang={lang}")), "{finder}");
        let (_, finder_html) = page(&server, &finder, None); // click 1
        let theme = first_link(&finder_html, "theme=open-data");
        let (_, theme_html) = page(&server, &theme, None); // click 2
        let measured = first_link(&theme_html, "measured=1");
        let found = all_html_rows(&server, &measured); // click 3
        assert_eq!(
            found.into_iter().collect::<BTreeSet<_>>(),
            open_data,
            "{lang}"
        );
        // Nordic practices started after 2015.
        let region = first_link(&finder_html, &nordic_link); // click 2
        let (_, region_html) = page(&server, &region, None);
        let since = first_link(&region_html, "from=2016&lang="); // click 3
        let found = all_html_rows(&server, &since);
        assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), nordic, "{lang}");
        let (_, since_html) = page(&server, &since, None);
        let heading = if lang == "sv" {
            "praktiker hittades"
        } else {
            "practices found"
        };
        assert!(since_html.contains(heading), "{lang}");
    }
}

#[test]
fn the_map_highlights_the_selection_and_links_into_the_finder() {
    let server = start();
    let (status, html) = page(
        &server,
        "/practices?theme=open-data&measured=1&lang=en",
        None,
    );
    assert_eq!(status, 200);
    let map = html
        .split("<svg")
        .nth(1)
        .and_then(|s| s.split("</svg>").next())
        .expect("a map");
    let cities = select_json(
        &server,
        &format!(
            "{PREFIXES} SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?p a ckg:Practice ; ckg:city ?c . ?c <http://www.opengis.net/ont/geosparql#hasGeometry> ?g . {OPEN_DATA_MEASURED} }}"
        ),
    );
    let expected: usize = column(&cities, "n")[0].parse().expect("count");
    assert_eq!(map.matches("class=\"city on\"").count(), expected);
    assert!(map.contains("/practices?city=stockholm&theme=open-data&measured=1&lang=en"));
    // The CSP-ready page: no script, no inline style.
    assert!(!html.contains("<script") && !html.contains("style=\""));
    // The list beside the map links every city's page.
    assert!(html.contains("href=\"/id/city/stockholm?lang=en\""));
}

/// The peer practices a goal page lists (its `#peers` section), as practice paths.
fn peer_paths(html: &str) -> BTreeSet<String> {
    let section = html
        .split("<section id=\"peers\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or("");
    let list = section.split("<ol class=\"peers\">").nth(1).unwrap_or("");
    links(list)
        .into_iter()
        .filter(|l| l.starts_with("/id/practice/"))
        .map(|l| l.split('?').next().unwrap_or("").to_owned())
        .collect()
}

/// The third officer task: a goal's peers narrowed to one country, from `/` in three clicks
/// (home → city → goal → country), the same peers as the whole list's that are in that country.
#[test]
fn a_goals_peers_narrowed_to_one_country_take_three_clicks() {
    let server = start();
    let danish: BTreeSet<String> = column(
        &select_json(
            &server,
            &format!(
                "{PREFIXES} SELECT ?p WHERE {{ ?p a ckg:Practice ; ckg:city/schema:containedInPlace <http://www.wikidata.org/entity/Q35> }}"
            ),
        ),
        "p",
    )
    .into_iter()
    .map(|iri| iri.replace("https://w3id.org/citykg", ""))
    .collect();
    assert!(!danish.is_empty());
    for lang in ["en", "sv"] {
        let (_, home) = page(&server, "/", Some(lang));
        let city = first_link(&home, "/id/city/stockholm?");
        let (_, city_html) = page(&server, &city, None); // click 1
        let goal = first_link(&city_html, "/id/goal/stockholm-ecologically-sustainable?");
        let (_, goal_html) = page(&server, &goal, None); // click 2
        let all = peer_paths(&goal_html);
        let country = first_link(&goal_html, "country=Q35"); // click 3
        assert!(country.contains(&format!("lang={lang}")), "{country}");
        let (status, narrowed_html) = page(&server, &country, None);
        assert_eq!(status, 200);
        let narrowed = peer_paths(&narrowed_html);
        let expected: BTreeSet<String> = all.intersection(&danish).cloned().collect();
        assert!(!expected.is_empty(), "{lang}: no Danish peer");
        assert_eq!(narrowed, expected, "{lang}");
        assert!(narrowed.len() < all.len(), "{lang}: the list was narrowed");
        // The count beside the country said how many would be left.
        let label = if lang == "sv" { "Danmark" } else { "Denmark" };
        assert!(
            goal_html.contains(&format!(
                ">{label}</a> <span class=\"count\">({})</span>",
                expected.len()
            )),
            "{lang}"
        );
        // Theme and stage narrow the same way, and a choice can be cleared.
        assert!(links(&goal_html).iter().any(|l| l.contains("theme=")));
        assert!(links(&goal_html).iter().any(|l| l.contains("stage=")));
        let clear = first_link(&narrowed_html, "#peers");
        assert!(
            links(&narrowed_html)
                .iter()
                .any(|l| !l.contains("country=") && l.ends_with("#peers")),
            "{clear}"
        );
    }
}

/// The finder keeps its facet table for one data version: a contribution (a new version) shows in
/// its counts, rows and word search at once.
#[test]
fn the_finder_follows_a_contribution() {
    let server = start();
    let token = citykg::ingest::tokens::TokenStore::new(&server.data_dir.path().join("store"))
        .add("helsinki")
        .expect("token")
        .1;
    let helsinki = |server: &TestServer| {
        let view = json(server, "/practices?city=helsinki&format=json");
        (view["total"].as_u64().expect("total"), json_rows(&view))
    };
    let (before, rows) = helsinki(&server);
    assert!(before > 0, "Helsinki has practices in the bundle");
    assert!(rows.iter().all(|r| !r.contains("helsinki-bulk-")));
    let words =
        |server: &TestServer| json(server, "/practices?q=finderword&format=json")["total"].as_u64();
    assert_eq!(words(&server), Some(0));

    let response = client()
        .put(server.url("/api/contributions/helsinki"))
        .bearer_auth(&token)
        .header("Content-Type", "text/turtle")
        .body(helsinki_dataset(3, "finderword"))
        .send()
        .expect("put");
    assert_eq!(response.status(), 201);
    let (after, rows) = helsinki(&server);
    assert_eq!(
        after,
        count(
            &server,
            "?p ckg:city <https://w3id.org/citykg/id/city/helsinki> ."
        ),
        "the counts follow the new data"
    );
    assert!(after <= 20, "one page holds them all");
    for i in 0..3 {
        let iri = format!("https://w3id.org/citykg/id/practice/helsinki-bulk-{i}");
        assert!(rows.contains(&iri), "{iri} in {rows:?}");
    }
    // The words go through the search index, updated for the documents the commit touched.
    assert_eq!(words(&server), Some(3));
}
