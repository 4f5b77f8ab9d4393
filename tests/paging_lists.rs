//! The second paged list on a page: an SDG page's city goals (`?goals_page=N`) and an
//! organisation's cities (`?cities_page=N`). Walks every page over HTTP and compares the items and
//! totals with the same selection asked through /sparql.

mod common;

use common::*;
use std::collections::BTreeSet;

const CKG: &str = "https://w3id.org/citykg/ontology#";
const SIZE: usize = 2;

fn local_path(iri: &str) -> String {
    iri.trim_start_matches("https://w3id.org/citykg").to_owned()
}

/// The section `<section id="{id}">` of a page: its list items (local paths), its count line
/// and its next-page link.
fn section(html: &str, id: &str) -> (Vec<String>, String, Option<String>) {
    let body = html
        .split(&format!("<section id=\"{id}\">"))
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_else(|| panic!("no section {id}"));
    let items = body
        .split("<li><a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split(['"', '?']).next())
        .map(local_path)
        .collect();
    let count = body
        .split("<p class=\"count\">")
        .nth(1)
        .and_then(|c| c.split("</p>").next())
        .unwrap_or_else(|| panic!("no count in {id}"))
        .to_owned();
    let next = body
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"));
    (items, count, next)
}

/// Follows the list's pager from `first`; every page must keep `kept` (the other list's page and
/// the language). Returns the items of all pages and each page's count line.
fn walk(server: &TestServer, first: &str, id: &str, kept: &[&str]) -> (Vec<String>, Vec<String>) {
    let (mut items, mut counts) = (Vec::new(), Vec::new());
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        assert!(counts.len() < 100, "the pager of {id} does not end");
        let (status, html) = page(server, &path, None);
        assert_eq!(status, 200, "{path}");
        let (found, count, following) = section(&html, id);
        if let Some(following) = &following {
            for k in kept {
                assert!(following.contains(k), "{following} keeps {k}");
            }
        }
        items.extend(found);
        counts.push(count);
        next = following;
    }
    (items, counts)
}

fn expected(server: &TestServer, query: &str, variable: &str) -> Vec<String> {
    let mut values: Vec<String> = column(&select_json(server, query), variable)
        .iter()
        .map(|v| local_path(v))
        .collect();
    values.sort();
    values
}

fn check(items: &mut Vec<String>, counts: &[String], expected: &[String], noun: &str) {
    let total = expected.len();
    assert!(total > SIZE, "several pages: {total}");
    assert_eq!(counts.len(), total.div_ceil(SIZE), "{counts:?}");
    assert_eq!(counts[0], format!("1–{SIZE} av {total} {noun}"));
    assert_eq!(
        counts.last().cloned(),
        Some(format!(
            "{}–{total} av {total} {noun}",
            (counts.len() - 1) * SIZE + 1
        ))
    );
    items.sort();
    let unique: BTreeSet<&String> = items.iter().collect();
    assert_eq!(unique.len(), items.len(), "no item on two pages");
    assert_eq!(items.as_slice(), expected, "every item once");
}

#[test]
fn an_sdg_page_pages_its_city_goals_beside_its_practices() {
    let server = start_with(|config| config.page_size = SIZE);
    let sdg = oxigraph::model::NamedNode::new("http://metadata.un.org/sdg/11").expect("iri");
    let selection = citykg::web::pages::sdg::goals_selection(&sdg);
    let query = format!(
        "PREFIX ckg: <{CKG}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n{selection}"
    );
    let goals = expected(&server, &query, "g");
    // Start on the practices' second page: the goal pager keeps it.
    let (mut items, counts) = walk(
        &server,
        "/sdg/11?lang=sv&page=2",
        "city-goals",
        &["lang=sv", "page=2&", "goals_page="],
    );
    check(&mut items, &counts, &goals, "mål");
    // Past the end: the total, and a way back.
    let (_, html) = page(&server, "/sdg/11?lang=sv&goals_page=999", None);
    let (shown, count, _) = section(&html, "city-goals");
    assert!(shown.is_empty());
    assert_eq!(count, format!("{} mål", goals.len()));
}

#[test]
fn an_organisation_page_pages_its_cities() {
    let server = start_with(|config| config.page_size = SIZE);
    // The organisation that works in the most cities.
    let busiest = select_json(
        &server,
        &format!(
            "PREFIX ckg: <{CKG}> SELECT ?org (COUNT(DISTINCT ?city) AS ?n) WHERE {{
               {{ ?s ckg:partner ?org }} UNION {{ ?s <http://purl.org/dc/terms/publisher> ?org }}
               ?s ckg:city ?city FILTER(STRSTARTS(STR(?org), \"https://w3id.org/citykg/id/org/\"))
             }} GROUP BY ?org ORDER BY DESC(?n) ?org LIMIT 1"
        ),
    );
    let org = column(&busiest, "org")
        .first()
        .cloned()
        .expect("an organisation");
    let iri = oxigraph::model::NamedNode::new(&org).expect("iri");
    let selection = citykg::web::pages::resource::org_cities_selection(&iri);
    let query = format!(
        "{}{selection}",
        citykg::web::pages::resource::linked_prefixes()
    );
    let cities = expected(&server, &query, "city");
    let path = local_path(&org);
    let (mut items, counts) = walk(
        &server,
        &format!("{path}?lang=sv"),
        "org-cities",
        &["lang=sv", "cities_page="],
    );
    check(&mut items, &counts, &cities, "städer");
    // A theme page has no city list.
    let (_, html) = page(&server, "/id/theme/mobility?lang=sv", None);
    assert!(!html.contains("<section id=\"org-cities\">"));
}
