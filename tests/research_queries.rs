//! The research queries in `queries/*.rq`, run through the real server's SPARQL endpoint over the
//! bundled data. Each test checks a query's answer against named facts in `data/` (figures, years,
//! partners and links that come from the research file), not just that it returns something.

mod common;

use citykg::queries::Catalogue;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

/// One solution of a SELECT: variable name to the lexical value of its binding.
type Row = BTreeMap<String, String>;

/// The IRI of a citykg resource, e.g. `iri("practice", "stockholm-congestion-tax")`.
fn iri(kind: &str, slug: &str) -> String {
    format!("https://w3id.org/citykg/id/{kind}/{slug}")
}

/// The solutions of SPARQL JSON results, in order.
fn rows(results: &serde_json::Value) -> Vec<Row> {
    results["results"]["bindings"]
        .as_array()
        .map(|bindings| {
            bindings
                .iter()
                .map(|binding| {
                    binding
                        .as_object()
                        .map(|vars| {
                            vars.iter()
                                .filter_map(|(var, term)| {
                                    term["value"]
                                        .as_str()
                                        .map(|value| (var.clone(), value.to_owned()))
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `queries/{name}.rq` on the server and returns its solutions.
fn run(server: &TestServer, name: &str) -> Vec<Row> {
    let path = repo_root().join("queries").join(format!("{name}.rq"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    rows(&select_json(server, &text))
}

/// Whether a row binds every variable of `conditions` to the given value.
fn matches(row: &Row, conditions: &[(&str, &str)]) -> bool {
    conditions
        .iter()
        .all(|(var, value)| row.get(*var).map(String::as_str) == Some(*value))
}

/// The first row that matches all conditions; panics when there is none.
fn find<'a>(rows: &'a [Row], conditions: &[(&str, &str)]) -> &'a Row {
    rows.iter()
        .find(|row| matches(row, conditions))
        .unwrap_or_else(|| panic!("no row with {conditions:?} among {} rows", rows.len()))
}

/// Whether some row matches all conditions.
fn has(rows: &[Row], conditions: &[(&str, &str)]) -> bool {
    rows.iter().any(|row| matches(row, conditions))
}

/// The value of a variable in a row; panics when it is unbound.
fn text<'a>(row: &'a Row, var: &str) -> &'a str {
    row.get(var)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("?{var} is unbound in {row:?}"))
}

/// The value of a variable as an integer.
fn int(row: &Row, var: &str) -> i64 {
    text(row, var)
        .parse()
        .unwrap_or_else(|e| panic!("?{var} is not an integer in {row:?}: {e}"))
}

/// The value of a variable as a number (decimals may be written `14` or `14.0`).
fn number(row: &Row, var: &str) -> f64 {
    text(row, var)
        .parse()
        .unwrap_or_else(|e| panic!("?{var} is not a number in {row:?}: {e}"))
}

/// The items of a GROUP_CONCAT value, split at `separator`.
fn items(row: &Row, var: &str, separator: &str) -> BTreeSet<String> {
    text(row, var)
        .split(separator)
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A set of strings, for comparing with `items`.
fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// Whether two figures are the same number.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn assert_number(row: &Row, var: &str, expected: f64) {
    let actual = number(row, var);
    assert!(
        same(actual, expected),
        "?{var} is {actual}, expected {expected}, in {row:?}"
    );
}

/// The two values of a pair row of query 12, smaller first.
fn pair(row: &Row) -> (f64, f64) {
    let (a, b) = (number(row, "value1"), number(row, "value2"));
    if a <= b { (a, b) } else { (b, a) }
}

#[test]
fn every_catalogue_query_has_a_header_and_runs() {
    let dir = repo_root().join("queries");
    let catalogue = Catalogue::load(&dir).expect("the query catalogue loads");
    let files = std::fs::read_dir(&dir)
        .expect("the queries directory exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rq"))
        .count();
    assert_eq!(
        catalogue.queries.len(),
        files,
        "every .rq file is in the catalogue"
    );
    assert!(
        catalogue.queries.len() >= 15,
        "at least 15 research queries, found {}",
        catalogue.queries.len()
    );
    let server = start();
    for query in &catalogue.queries {
        let mut lines = query.text.lines();
        assert!(
            lines.next().is_some_and(|l| l.starts_with("# title: ")),
            "{} must open with a '# title:' line",
            query.id
        );
        assert!(
            lines
                .next()
                .is_some_and(|l| l.starts_with("# description: ")),
            "{} must have a '# description:' line second",
            query.id
        );
        assert!(!query.title.is_empty(), "{} has an empty title", query.id);
        assert!(
            query.description.len() > 20,
            "{} needs a description a researcher understands",
            query.id
        );
        // select_json asserts HTTP 200.
        let results = rows(&select_json(&server, &query.text));
        assert!(!results.is_empty(), "{} returned no rows", query.id);
    }
}

#[test]
fn practices_per_city_and_theme() {
    let server = start();
    let rows = run(&server, "01-practices-per-city-and-theme");
    let stockholm = iri("city", "stockholm");
    let mobility = iri("theme", "mobility");
    let row = find(
        &rows,
        &[("city", stockholm.as_str()), ("theme", mobility.as_str())],
    );
    // Research file §2.1: Stockholm has 15 entries (ST-01 … ST-15), plus the tree-pit method
    // Trondheim took up (exchange-facts.md TR-27).
    assert_eq!(int(row, "cityPractices"), 16);
    assert_eq!(text(row, "cityName"), "Stockholm");
    assert_eq!(int(row, "practices"), 3);
    assert!(items(row, "practiceNames", " | ").contains("Stockholm congestion tax"));
    // Helsinki has 7 entries plus OmaStadi (TR-03) and its biochar project (TR-24); every
    // Helsinki row carries the same total.
    let helsinki = iri("city", "helsinki");
    let helsinki_rows: Vec<&Row> = rows
        .iter()
        .filter(|r| matches(r, &[("city", helsinki.as_str())]))
        .collect();
    assert!(!helsinki_rows.is_empty());
    assert!(helsinki_rows.iter().all(|r| int(r, "cityPractices") == 9));
    // Cologne's single practice is the GrowSmarter site in Stegerwaldsiedlung.
    let cologne = iri("city", "cologne");
    let buildings = iri("theme", "buildings-districts");
    let row = find(
        &rows,
        &[("city", cologne.as_str()), ("theme", buildings.as_str())],
    );
    assert_eq!(int(row, "cityPractices"), 1);
    assert_eq!(int(row, "practices"), 1);
    assert!(text(row, "practiceNames").starts_with("GrowSmarter Cologne"));
    // The multi-city Cities Coalition for Digital Rights counts for Amsterdam (5 own, with the
    // City Doughnut of TR-31/TR-32, + 1).
    let amsterdam = iri("city", "amsterdam");
    let participation = iri("theme", "participation");
    let row = find(
        &rows,
        &[
            ("city", amsterdam.as_str()),
            ("theme", participation.as_str()),
        ],
    );
    assert_eq!(int(row, "cityPractices"), 6);
    assert!(items(row, "practiceNames", " | ").contains("Cities Coalition for Digital Rights"));
}

#[test]
fn peer_practices_for_stockholm_goals_via_sdgs() {
    let server = start();
    let rows = run(&server, "02-peer-practices-for-stockholm-goals-via-sdgs");
    let stockholm_practice = iri("practice", "stockholm-");
    assert!(
        rows.iter()
            .all(|r| !text(r, "peer").starts_with(&stockholm_practice)),
        "peers come from other cities only"
    );
    // Goal 3.3 "Ecologically sustainable" is mapped to 11.6 and 13.2, which the Gothenburg
    // congestion tax serves directly.
    let ecological = iri("goal", "stockholm-ecologically-sustainable");
    let gothenburg_tax = iri("practice", "gothenburg-congestion-tax");
    let row = find(
        &rows,
        &[
            ("goal", ecological.as_str()),
            ("peer", gothenburg_tax.as_str()),
        ],
    );
    assert_eq!(text(row, "notation"), "3.3");
    assert_eq!(text(row, "peerCities"), "Gothenburg");
    assert_eq!(items(row, "sharedSdgs", ", "), set(&["11.6", "13.2"]));
    assert_eq!(int(row, "sharedSdgCount"), 2);
    // Goal 3.1 is mapped to SDG 11; Tallinn's fare-free transport serves target 11.2, which
    // counts for goal 11.
    let quality = iri("goal", "stockholm-quality-of-life-business-climate");
    let tallinn = iri("practice", "tallinn-fare-free-public-transport");
    let row = find(
        &rows,
        &[("goal", quality.as_str()), ("peer", tallinn.as_str())],
    );
    assert!(items(row, "sharedSdgs", ", ").contains("11 (via 11.2)"));
    // The multi-city practice lists all three of its cities.
    let coalition = iri("practice", "multi-city-cities-coalition-for-digital-rights");
    let democratic = iri("goal", "stockholm-democratically-sustainable");
    let row = find(
        &rows,
        &[("goal", democratic.as_str()), ("peer", coalition.as_str())],
    );
    assert_eq!(
        items(row, "peerCities", ", "),
        set(&["Amsterdam", "Barcelona", "New York City"])
    );
    assert!(items(row, "sharedSdgs", ", ").contains("16.10"));
    // Goals without an SDG mapping have no SDG peers.
    let vision = iri("goal", "stockholm-vision-2040");
    assert!(!has(&rows, &[("goal", vision.as_str())]));
}

#[test]
fn peer_practices_for_stockholm_goals_via_themes() {
    let server = start();
    let rows = run(&server, "03-peer-practices-for-stockholm-goals-via-themes");
    let stockholm_practice = iri("practice", "stockholm-");
    assert!(
        rows.iter()
            .all(|r| !text(r, "peer").starts_with(&stockholm_practice)),
        "peers come from other cities only"
    );
    // Stokab (economy and business, digital infrastructure) serves goal 3.2; Copenhagen's City
    // Data Exchange shares both themes.
    let economic = iri("goal", "stockholm-economically-sustainable");
    let exchange = iri("practice", "copenhagen-city-data-exchange");
    let row = find(
        &rows,
        &[("goal", economic.as_str()), ("peer", exchange.as_str())],
    );
    assert_eq!(text(row, "notation"), "3.2");
    assert_eq!(text(row, "peerCities"), "Copenhagen");
    let shared = items(row, "sharedThemes", ", ");
    assert!(shared.contains("Economy and business"), "{shared:?}");
    assert!(shared.contains("Digital infrastructure"), "{shared:?}");
    assert_eq!(int(row, "sharedThemeCount"), shared.len() as i64);
    // The congestion tax (mobility, climate) serves goal 3.3, so Gothenburg's congestion tax
    // shares both themes with it.
    let ecological = iri("goal", "stockholm-ecologically-sustainable");
    let gothenburg_tax = iri("practice", "gothenburg-congestion-tax");
    let row = find(
        &rows,
        &[
            ("goal", ecological.as_str()),
            ("peer", gothenburg_tax.as_str()),
        ],
    );
    assert_eq!(
        items(row, "sharedThemes", ", "),
        set(&["Climate and environment", "Mobility and transport"])
    );
}

#[test]
fn stockholm_goals_without_peer_practices() {
    let server = start();
    let rows = run(&server, "04-stockholm-goals-without-peer-practices");
    let goals: BTreeSet<String> = rows.iter().map(|r| text(r, "goal").to_owned()).collect();
    let expected: BTreeSet<String> = [
        "stockholm-vision-2040",
        "stockholm-target-vision",
        "stockholm-enablers",
        "stockholm-enabling-principles",
        "stockholm-cost-distribution-principles",
        "stockholm-implementation",
        "stockholm-communication",
        "stockholm-benefits-follow-up",
    ]
    .iter()
    .map(|slug| iri("goal", slug))
    .collect();
    assert_eq!(goals, expected);
    let vision = iri("goal", "stockholm-vision-2040");
    let row = find(&rows, &[("goal", vision.as_str())]);
    assert_eq!(text(row, "labelSv"), "Ett Stockholm för alla");
    assert_eq!(text(row, "labelEn"), "A Stockholm for all");
    assert_eq!(int(row, "subGoals"), 4);
    assert!(rows.iter().all(|r| int(r, "sdgMappings") == 0));
}

#[test]
fn measured_outcomes_with_figures_units_and_years() {
    let server = start();
    let rows = run(&server, "05-measured-outcomes");
    // Congestion tax trial: CO2 down 14% in 2006 (C40).
    let co2 = iri("outcome", "stockholm-congestion-tax-co2-reduction-trial");
    let row = find(&rows, &[("outcome", co2.as_str())]);
    assert_eq!(
        text(row, "practice"),
        iri("practice", "stockholm-congestion-tax")
    );
    assert_number(row, "value", 14.0);
    assert_eq!(text(row, "unit"), "PERCENT");
    assert_eq!(text(row, "year"), "2006");
    assert_eq!(text(row, "cities"), "Stockholm");
    assert!(text(row, "sources").contains("c40.org"));
    // Stokab: 9,900 km of cable according to WIK, year not stated.
    let wik = iri("outcome", "stockholm-stokab-dark-fibre-cable-km-wik");
    let row = find(&rows, &[("outcome", wik.as_str())]);
    assert_number(row, "value", 9900.0);
    assert_eq!(text(row, "unit"), "KiloM");
    assert_eq!(text(row, "year"), "not stated");
    // "More than 5,500 km" (EC) keeps its qualifier.
    let ec = iri("outcome", "stockholm-stokab-dark-fibre-cable-km-ec");
    let row = find(&rows, &[("outcome", ec.as_str())]);
    assert_number(row, "value", 5500.0);
    assert_eq!(text(row, "qualifier"), "more than");
    // A year given as a full date is reduced to the year: 23 signatories on 28 March 2019.
    let signatories = iri(
        "outcome",
        "multi-city-cities-coalition-for-digital-rights-signatories-2019-03",
    );
    let row = find(&rows, &[("outcome", signatories.as_str())]);
    assert_number(row, "value", 23.0);
    assert_eq!(text(row, "year"), "2019");
    assert_eq!(
        items(row, "cities", ", "),
        set(&["Amsterdam", "Barcelona", "New York City"])
    );
    // GrowSmarter's jobs figure is a target, so it is not listed.
    let jobs = iri("outcome", "stockholm-growsmarter-jobs-target");
    assert!(!has(&rows, &[("outcome", jobs.as_str())]));
}

#[test]
fn partners_active_in_more_than_one_city() {
    let server = start();
    let rows = run(&server, "06-partners-in-several-cities");
    assert!(rows.iter().all(|r| int(r, "cityCount") > 1));
    let ibm = iri("org", "ibm");
    let row = find(&rows, &[("org", ibm.as_str())]);
    assert_eq!(text(row, "orgName"), "IBM");
    assert_eq!(int(row, "cityCount"), 4, "with Madrid's MiNT");
    assert_eq!(
        items(row, "cities", ", "),
        set(&["Aarhus", "Amsterdam", "Madrid", "Stockholm"])
    );
    assert!(items(row, "practices", " | ").contains("Stockholm congestion tax"));
    let agency = iri("org", "swedish-transport-agency");
    let row = find(&rows, &[("org", agency.as_str())]);
    assert_eq!(
        items(row, "cities", ", "),
        set(&["Gothenburg", "Stockholm"])
    );
    assert_eq!(
        items(row, "practices", " | "),
        set(&["Gothenburg congestion tax", "Stockholm congestion tax"])
    );
    let abb = iri("org", "abb");
    let row = find(&rows, &[("org", abb.as_str())]);
    assert_eq!(
        items(row, "cities", ", "),
        set(&["Copenhagen", "Stockholm", "Trondheim"])
    );
    // The City of Stockholm works in Stockholm only.
    let city_of_stockholm = iri("org", "city-of-stockholm");
    assert!(!has(&rows, &[("org", city_of_stockholm.as_str())]));
}

#[test]
fn practices_by_start_year() {
    let server = start();
    let rows = run(&server, "07-practices-by-start-year");
    let years: Vec<i64> = rows.iter().map(|r| int(r, "startYear")).collect();
    assert!(
        years.windows(2).all(|pair| pair[0] <= pair[1]),
        "ordered by start year: {years:?}"
    );
    // The congestion tax trial began on 3 January 2006 (an xsd:date).
    let tax = iri("practice", "stockholm-congestion-tax");
    let row = find(&rows, &[("practice", tax.as_str())]);
    assert_eq!(int(row, "startYear"), 2006);
    assert_eq!(text(row, "startDate"), "2006-01-03");
    assert!(!row.contains_key("endYear"));
    // Stokab was founded in 1994 (an xsd:gYear).
    let stokab = iri("practice", "stockholm-stokab-dark-fibre");
    let row = find(&rows, &[("practice", stokab.as_str())]);
    assert_eq!(int(row, "startYear"), 1994);
    // GrowSmarter ran 2015–2019.
    let growsmarter = iri("practice", "stockholm-growsmarter");
    let row = find(&rows, &[("practice", growsmarter.as_str())]);
    assert_eq!(int(row, "startYear"), 2015);
    assert_eq!(int(row, "endYear"), 2019);
    // Tampere's tramway opened on 9 August 2021.
    let tramway = iri("practice", "tampere-tramway");
    let row = find(&rows, &[("practice", tramway.as_str())]);
    assert_eq!(int(row, "startYear"), 2021);
    assert_eq!(text(row, "cities"), "Tampere");
}

#[test]
fn sdg_coverage_per_city() {
    let server = start();
    let rows = run(&server, "08-sdg-coverage-per-city");
    for row in &rows {
        let goals = items(row, "goals", ", ");
        assert_eq!(int(row, "sdgGoals"), goals.len() as i64, "{row:?}");
        assert!(goals.len() <= 17);
        assert!(
            goals.iter().all(|g| !g.contains('.')),
            "goals, not targets: {goals:?}"
        );
    }
    // Every city with a practice is listed (48 of the 53, New York City among them); the cities with
    // only a profile and incoming transfers (Berlin, Brussels, Rotterdam, San Sebastián, Seattle) are not.
    assert_eq!(rows.len(), 48);
    // Gothenburg: congestion tax (11.2, 11.6, 13.2) and ElectriCity (SDGs 7, 9, 11, 13).
    let gothenburg = iri("city", "gothenburg");
    let row = find(&rows, &[("city", gothenburg.as_str())]);
    assert_eq!(items(row, "goals", ", "), set(&["7", "9", "11", "13"]));
    assert_eq!(int(row, "practices"), 2);
    // Cologne's GrowSmarter site serves SDGs 7, 11 and 13 only through targets.
    let cologne = iri("city", "cologne");
    let row = find(&rows, &[("city", cologne.as_str())]);
    assert_eq!(items(row, "goals", ", "), set(&["7", "11", "13"]));
    // Stockholm's practices reach SDG 11 (the congestion tax serves 11.2 and 11.6).
    let stockholm = iri("city", "stockholm");
    let row = find(&rows, &[("city", stockholm.as_str())]);
    assert!(items(row, "goals", ", ").contains("11"));
    assert_eq!(int(row, "practices"), 16);
}

#[test]
fn practices_resting_on_partly_verified_facts() {
    let server = start();
    let rows = run(&server, "09-partly-verified-practices");
    // Research file §4.1: 12 of the first 57 entries are partly verified, none of them in
    // Stockholm; the cities of issue 13 add 15 more (exchange-facts.md marks them P), and the
    // practices recorded from transfers 4 more: Vélib', Porto Alegre's, Paris's and New York's
    // participatory budgets (their sources are weak or second-hand).
    assert_eq!(rows.len(), 31);
    assert!(
        rows.iter()
            .all(|r| !text(r, "cities").contains("Stockholm"))
    );
    for slug in [
        "aarhus-city-lab",
        "barcelona-growsmarter-22at",
        "singapore-virtual-singapore",
        "vienna-aspern-seestadt-urban-lab",
        "copenhagen-street-lab",
        "copenhagen-cycle-superhighways",
    ] {
        let practice = iri("practice", slug);
        assert!(has(&rows, &[("practice", practice.as_str())]), "{slug}");
    }
    let city_lab = iri("practice", "aarhus-city-lab");
    let row = find(&rows, &[("practice", city_lab.as_str())]);
    assert_eq!(text(row, "cities"), "Aarhus");
    assert_eq!(int(row, "outcomes"), 0);
    assert!(int(row, "sources") >= 1);
    let helsinki: Vec<&Row> = rows
        .iter()
        .filter(|r| text(r, "cities") == "Helsinki")
        .collect();
    assert_eq!(
        helsinki.len(),
        3,
        "HE-02, HE-06 and HE-07 are partly verified"
    );
}

#[test]
fn targets_versus_achieved_results_per_city() {
    let server = start();
    let rows = run(&server, "10-targets-vs-achieved-per-city");
    // Gothenburg reports 15 achieved results and no targets.
    let gothenburg = iri("city", "gothenburg");
    let row = find(&rows, &[("city", gothenburg.as_str())]);
    assert_eq!(int(row, "targets"), 0);
    assert_eq!(int(row, "achievedResults"), 15);
    assert_eq!(int(row, "practicesWithResults"), 2);
    // Copenhagen: 30 figures, of which 22 are targets of the climate plan and its projects.
    let copenhagen = iri("city", "copenhagen");
    let row = find(&rows, &[("city", copenhagen.as_str())]);
    assert_eq!(int(row, "targets"), 22);
    assert_eq!(int(row, "achievedResults"), 8);
    // Vienna: 21 achieved results (18, and the 365-euro ticket's 3 from Der Tagesspiegel), no targets.
    let vienna = iri("city", "vienna");
    let row = find(&rows, &[("city", vienna.as_str())]);
    assert_eq!(int(row, "targets"), 0);
    assert_eq!(int(row, "achievedResults"), 21);
    // Stockholm reports targets (GrowSmarter, Royal Seaport, Data Parks) and results.
    let stockholm = iri("city", "stockholm");
    let row = find(&rows, &[("city", stockholm.as_str())]);
    assert!(int(row, "targets") >= 3);
    assert!(int(row, "practicesWithTargets") >= 3);
    assert!(int(row, "achievedResults") > int(row, "targets"));
    // Aarhus reports no figures at all, so it has no row.
    let aarhus = iri("city", "aarhus");
    assert!(!has(&rows, &[("city", aarhus.as_str())]));
}

#[test]
fn sources_cited_most_often() {
    let server = start();
    let rows = run(&server, "11-most-cited-sources");
    let counts: Vec<i64> = rows.iter().map(|r| int(r, "citedBy")).collect();
    assert!(
        counts.windows(2).all(|pair| pair[0] >= pair[1]),
        "ordered by citations: {counts:?}"
    );
    // The Swedish strategy document backs the strategy and each of its 18 goals.
    let strategy_text = iri(
        "source",
        "5dok-org-document-yd7ewdr1-strategi-f-c3-b6r-stockholm-som-smart-och-uppkopplad",
    );
    let row = find(&rows, &[("source", strategy_text.as_str())]);
    assert_eq!(int(row, "citedBy"), 19);
    assert_eq!(int(row, "practices"), 0);
    assert_eq!(int(row, "cities"), 1);
    // The five sources of Vienna's Citizens' Solar Power Plants each back the practice and its
    // 16 outcomes.
    let energy_cities = iri(
        "source",
        "energy-cities-eu-best-practice-citizens-solar-power-plant",
    );
    let row = find(&rows, &[("source", energy_cities.as_str())]);
    assert_eq!(text(row, "publisher"), "Energy Cities");
    assert_eq!(int(row, "practices"), 1);
    assert_eq!(int(row, "outcomes"), 16);
    assert_eq!(int(row, "citedBy"), 17);
}

#[test]
fn outcomes_whose_sources_disagree() {
    let server = start();
    let rows = run(&server, "12-conflicting-outcome-figures");
    // Research file §4.2: Stokab cable length, EC (>5,500 km) against WIK (9,900 km).
    let ec = iri("outcome", "stockholm-stokab-dark-fibre-cable-km-ec");
    let wik = iri("outcome", "stockholm-stokab-dark-fibre-cable-km-wik");
    let row = find(
        &rows,
        &[("outcome1", ec.as_str()), ("outcome2", wik.as_str())],
    );
    assert_eq!(text(row, "indicator"), "Length of cable in the network");
    assert_number(row, "value1", 5500.0);
    assert_number(row, "value2", 9900.0);
    assert_eq!(text(row, "sources1"), "European Commission");
    assert_eq!(text(row, "sources2"), "WIK");
    // Valla Torg: 6 buildings / 323 apartments (Interreg) against 12 / 302 (Detail).
    let valla = iri("practice", "stockholm-valla-torg-refurbishment");
    let buildings = find(
        &rows,
        &[
            ("practice", valla.as_str()),
            ("indicator", "Buildings refurbished"),
        ],
    );
    let (low, high) = pair(buildings);
    assert!(same(low, 6.0) && same(high, 12.0), "{buildings:?}");
    let apartments = find(
        &rows,
        &[
            ("practice", valla.as_str()),
            ("indicator", "Apartments refurbished"),
        ],
    );
    let (low, high) = pair(apartments);
    assert!(same(low, 302.0) && same(high, 323.0), "{apartments:?}");
    // CPH 2025: the share of reductions from energy production, 80% (CNCA) against 74% (TRANSFORM).
    let cph = iri("practice", "copenhagen-cph-2025-climate-plan");
    let row = find(
        &rows,
        &[
            ("practice", cph.as_str()),
            (
                "indicator",
                "Share of the plan's CO2 reductions coming from energy production",
            ),
        ],
    );
    assert_number(row, "value1", 80.0);
    assert_number(row, "value2", 74.0);
    // Figures for different years do not conflict: public support 36% (2006) and 70% (later).
    let tax = iri("practice", "stockholm-congestion-tax");
    assert!(!has(&rows, &[("practice", tax.as_str())]));
    // Equal figures do not conflict: 1.25 million fibre-km from two sources.
    assert!(rows.iter().all(|r| {
        let (low, high) = pair(r);
        !same(low, high)
    }));
}

#[test]
fn goals_of_each_strategy_with_their_sdg_mappings() {
    let server = start();
    let rows = run(&server, "13-strategy-goals-with-sdg-mappings");
    let ecological = iri("goal", "stockholm-ecologically-sustainable");
    let row = find(&rows, &[("goal", ecological.as_str())]);
    assert_eq!(text(row, "notation"), "3.3");
    assert_eq!(text(row, "goalLabel"), "Ecologically sustainable");
    assert_eq!(text(row, "cityName"), "Stockholm");
    assert_eq!(
        items(row, "sdgs", ", "),
        set(&["7.2", "7.3", "11.6", "13.2"])
    );
    assert!(int(row, "practices") >= 1);
    let strategy = iri("strategy", "stockholm-smart-connected-city");
    let stockholm_goals = rows
        .iter()
        .filter(|r| matches(r, &[("strategy", strategy.as_str())]))
        .count();
    assert_eq!(stockholm_goals, 18);
    let strategies: BTreeSet<&str> = rows.iter().map(|r| text(r, "strategy")).collect();
    assert_eq!(strategies.len(), 23, "{strategies:?}");
    // Barcelona's "Digital skills" goal maps to SDG 4.
    let skills = iri("goal", "barcelona-digital-skills");
    let row = find(&rows, &[("goal", skills.as_str())]);
    assert_eq!(text(row, "sdgs"), "4");
}

#[test]
fn practices_with_no_outcome() {
    let server = start();
    let rows = run(&server, "14-practices-without-outcomes");
    // Aarhus's three practices report no figures.
    for slug in [
        "aarhus-city-lab",
        "aarhus-open-data-aarhus",
        "aarhus-open-data-dk",
    ] {
        let practice = iri("practice", slug);
        let row = find(&rows, &[("practice", practice.as_str())]);
        assert_eq!(text(row, "cities"), "Aarhus");
    }
    let city_lab = iri("practice", "aarhus-city-lab");
    let row = find(&rows, &[("practice", city_lab.as_str())]);
    assert_eq!(text(row, "verification"), "partly verified");
    // Practices with figures are not listed.
    for slug in ["stockholm-congestion-tax", "stockholm-stokab-dark-fibre"] {
        let practice = iri("practice", slug);
        assert!(!has(&rows, &[("practice", practice.as_str())]), "{slug}");
    }
}

#[test]
fn practices_per_theme_across_cities() {
    let server = start();
    let rows = run(&server, "15-practices-per-theme-across-cities");
    assert_eq!(rows.len(), 13, "all 13 themes are listed");
    // Mobility is the most common theme; New York City has no mobility practice.
    let mobility = iri("theme", "mobility");
    assert_eq!(text(&rows[0], "theme"), mobility);
    let row = find(&rows, &[("theme", mobility.as_str())]);
    // 32 cities: the 28 before issue 13's transfer practices, and Birmingham (Whim), Bonn (365-euro
    // ticket), London (Cycle Hire) and Paris (Vélib').
    assert_eq!(int(row, "cityCount"), 32);
    let cities = items(row, "cities", ", ");
    assert!(cities.contains("Tallinn") && cities.contains("Gothenburg"));
    assert!(!cities.contains("New York City"));
    // Open data in Stockholm: the open-data portal, ÖDIS and the smart-city programme.
    let open_data = iri("theme", "open-data");
    let row = find(&rows, &[("theme", open_data.as_str())]);
    assert_eq!(int(row, "stockholmPractices"), 3);
    assert!(int(row, "practices") > int(row, "stockholmPractices"));
    for row in &rows {
        assert_eq!(
            int(row, "cityCount"),
            items(row, "cities", ", ").len() as i64,
            "{row:?}"
        );
    }
}

#[test]
fn organisations_and_the_cities_they_work_in() {
    let server = start();
    let rows = run(&server, "16-organisations-and-cities");
    let orgs: BTreeSet<&str> = rows.iter().map(|r| text(r, "org")).collect();
    assert_eq!(orgs.len(), rows.len(), "one row per organisation");
    let city_of_stockholm = iri("org", "city-of-stockholm");
    let row = find(&rows, &[("org", city_of_stockholm.as_str())]);
    assert_eq!(text(row, "cities"), "Stockholm");
    assert_eq!(
        items(row, "roles", ", "),
        set(&["practice partner", "strategy publisher"])
    );
    let ibm = iri("org", "ibm");
    let row = find(&rows, &[("org", ibm.as_str())]);
    assert_eq!(
        items(row, "cities", ", "),
        set(&["Aarhus", "Amsterdam", "Madrid", "Stockholm"])
    );
    assert_eq!(text(row, "roles"), "practice partner");
    // Digital Demo Stockholm: KTH and Ericsson work in Stockholm (Ericsson in Santander too).
    let kth = iri("org", "kth");
    assert_eq!(
        text(find(&rows, &[("org", kth.as_str())]), "cities"),
        "Stockholm"
    );
    let ericsson = iri("org", "ericsson");
    assert_eq!(
        items(find(&rows, &[("org", ericsson.as_str())]), "cities", ", "),
        set(&["Santander", "Stockholm"])
    );
}

#[test]
fn stockholm_goal_tree_with_swedish_and_english_labels() {
    let server = start();
    let rows = run(&server, "17-stockholm-goal-tree");
    assert_eq!(rows.len(), 18);
    assert!(
        rows.iter()
            .all(|r| r.contains_key("labelSv") && r.contains_key("labelEn"))
    );
    let vision = iri("goal", "stockholm-vision-2040");
    let row = find(&rows, &[("goal", vision.as_str())]);
    assert_eq!(int(row, "depth"), 0);
    assert!(!row.contains_key("broader"));
    assert_eq!(text(row, "labelSv"), "Ett Stockholm för alla");
    let ecological = iri("goal", "stockholm-ecologically-sustainable");
    let row = find(&rows, &[("goal", ecological.as_str())]);
    assert_eq!(text(row, "notation"), "3.3");
    assert_eq!(int(row, "depth"), 3);
    assert_eq!(text(row, "labelSv"), "Ekologiskt hållbar");
    assert_eq!(text(row, "labelEn"), "Ecologically sustainable");
    assert_eq!(
        text(row, "broader"),
        iri("goal", "stockholm-quality-of-life-business-climate")
    );
    assert_eq!(
        items(row, "sdgs", ", "),
        set(&["7.2", "7.3", "11.6", "13.2"])
    );
    let technology = iri("goal", "stockholm-technology");
    let row = find(&rows, &[("goal", technology.as_str())]);
    assert_eq!(text(row, "notation"), "4.2");
    assert_eq!(text(row, "labelSv"), "Teknik");
    assert_eq!(int(row, "depth"), 2);
    assert_eq!(text(row, "broader"), iri("goal", "stockholm-enablers"));
}

#[test]
fn practices_serving_each_sdg() {
    let server = start();
    let rows = run(&server, "18-practices-per-sdg");
    let notations: Vec<&str> = rows.iter().map(|r| text(r, "notation")).collect();
    let expected: Vec<String> = (1..=17).map(|n| n.to_string()).collect();
    assert_eq!(notations, expected, "the 17 goals in order");
    // SDG 11 is served in 35 of the 48 cities with practices.
    let row = find(&rows, &[("notation", "11")]);
    assert_eq!(text(row, "sdgLabel"), "Sustainable cities and communities");
    assert_eq!(int(row, "cityCount"), 35);
    assert!(items(row, "cities", ", ").contains("Stockholm"));
    // No practice serves SDG 14 (life below water).
    let row = find(&rows, &[("notation", "14")]);
    assert_eq!(int(row, "practices"), 0);
    assert_eq!(int(row, "cityCount"), 0);
    // SDG 13 is served by the congestion taxes of Stockholm and Gothenburg, among others.
    let row = find(&rows, &[("notation", "13")]);
    let cities = items(row, "cities", ", ");
    assert!(cities.contains("Stockholm") && cities.contains("Gothenburg"));
}

#[test]
fn similar_practices_for_each_stockholm_practice() {
    let server = start();
    let rows = run(&server, "19-peer-practices-for-stockholm-practices");
    let stockholm_practice = iri("practice", "stockholm-");
    for row in &rows {
        assert!(text(row, "practice").starts_with(&stockholm_practice));
        assert!(!text(row, "peer").starts_with(&stockholm_practice));
        assert!(int(row, "sharedThemes") >= 1 && int(row, "sharedSdgGoals") >= 1);
        assert_eq!(
            int(row, "score"),
            int(row, "sharedThemes") + int(row, "sharedSdgGoals") + int(row, "sameSdgLinks")
        );
    }
    // Stockholm and Gothenburg congestion taxes: themes mobility and climate, SDG goals 11 and
    // 13, and the same targets 11.2, 11.6 and 13.2.
    let tax = iri("practice", "stockholm-congestion-tax");
    let gothenburg_tax = iri("practice", "gothenburg-congestion-tax");
    let row = find(
        &rows,
        &[
            ("practice", tax.as_str()),
            ("peer", gothenburg_tax.as_str()),
        ],
    );
    assert_eq!(int(row, "sharedThemes"), 2);
    assert_eq!(int(row, "sharedSdgGoals"), 2);
    assert_eq!(int(row, "sameSdgLinks"), 3);
    assert_eq!(int(row, "score"), 7);
    assert_eq!(text(row, "peerCities"), "Gothenburg");
}

#[test]
fn strategy_goal_coverage() {
    let server = start();
    let rows = run(&server, "20-strategy-goal-coverage");
    assert_eq!(rows.len(), 23, "the 23 strategies in the data");
    let strategy = iri("strategy", "stockholm-smart-connected-city");
    let row = find(&rows, &[("strategy", strategy.as_str())]);
    assert_eq!(text(row, "issued"), "2017-04-03");
    assert_eq!(int(row, "goals"), 18);
    // 3.1–3.6, 4.2 and 5.2 carry SDG mappings.
    assert_eq!(int(row, "goalsMappedToSdgs"), 8);
    assert!(int(row, "goalsServed") >= 1 && int(row, "goalsServed") <= 18);
    let vienna: Vec<&Row> = rows
        .iter()
        .filter(|r| text(r, "cityName") == "Vienna")
        .collect();
    assert_eq!(
        vienna.len(),
        2,
        "Smart City Wien 2014 and Smart Klima City Strategie"
    );
    for row in &rows {
        assert!(int(row, "goalsServed") <= int(row, "goals"), "{row:?}");
        assert!(
            int(row, "goalsMappedToSdgs") <= int(row, "goals"),
            "{row:?}"
        );
    }
}

#[test]
fn chains_of_transfers_through_a_practice() {
    let server = start();
    let rows = run(&server, "21-transfer-chains");
    let decidim = iri("practice", "barcelona-decidim");
    // Madrid's Consul became Decidim Barcelona, which Helsinki then forked for OmaStadi.
    let row = find(
        &rows,
        &[
            ("viaPractice", decidim.as_str()),
            ("nextCity", iri("city", "helsinki").as_str()),
        ],
    );
    assert_eq!(text(row, "originCity"), iri("city", "madrid"));
    assert_eq!(text(row, "firstKind"), "Forked software");
    assert_eq!(text(row, "viaCityName"), "Barcelona");
    // Singapore inspired Stockholm's congestion tax, which Gothenburg adapted.
    let tax = iri("practice", "stockholm-congestion-tax");
    let row = find(&rows, &[("viaPractice", tax.as_str())]);
    assert_eq!(text(row, "originName"), "Singapore");
    assert_eq!(text(row, "firstKind"), "Inspired by");
    assert_eq!(text(row, "secondKind"), "Adapted");
    assert_eq!(text(row, "nextName"), "Gothenburg");
}

#[test]
fn practice_lineage_follows_the_adapted_from_shortcut() {
    let server = start();
    let rows = run(&server, "22-practice-lineage");
    let gothenburg = iri("practice", "gothenburg-congestion-tax");
    let stockholm = iri("practice", "stockholm-congestion-tax");
    let row = find(&rows, &[("practice", gothenburg.as_str())]);
    assert_eq!(text(row, "ancestor"), stockholm);
    assert_eq!(text(row, "ancestorCityName"), "Stockholm");
    let dk = iri("practice", "aarhus-open-data-dk");
    let odaa = iri("practice", "aarhus-open-data-aarhus");
    assert!(has(
        &rows,
        &[("practice", dk.as_str()), ("ancestor", odaa.as_str())]
    ));
    // Stockholm's congestion tax has no ancestor practice in the data (Singapore's is not described).
    assert!(!has(&rows, &[("practice", stockholm.as_str())]));
}

#[test]
fn most_adopted_practices() {
    let server = start();
    let rows = run(&server, "23-most-adopted-practices");
    let biochar = iri("practice", "stockholm-biochar-project");
    let row = find(&rows, &[("practice", biochar.as_str())]);
    assert_eq!(int(row, "receivingCities"), 6, "with Darmstadt (TR-26)");
    assert_eq!(
        items(row, "receivers", ","),
        set(&[
            "Darmstadt",
            "Helsinki",
            "Minneapolis",
            "Helsingborg",
            "Sandnes",
            "Cincinnati"
        ])
    );
    assert_eq!(items(row, "kinds", ","), set(&["Replicated", "Adapted"]));
    let budget = iri("practice", "oslo-climate-budget");
    let row = find(&rows, &[("practice", budget.as_str())]);
    assert_eq!(int(row, "receivingCities"), 6);
    assert!(items(row, "receivers", ",").contains("New York City"));
    assert!(items(row, "receivers", ",").contains("Mumbai"));
    let decidim = iri("practice", "barcelona-decidim");
    let row = find(&rows, &[("practice", decidim.as_str())]);
    assert_eq!(
        items(row, "receivers", ","),
        set(&["Helsinki", "New York City", "Mexico City"])
    );
    // Ranked by receiving cities, most first.
    let counts: Vec<i64> = rows.iter().map(|r| int(r, "receivingCities")).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
}

#[test]
fn what_changed_when_practices_moved() {
    let server = start();
    let rows = run(&server, "24-what-changed-in-transfers");
    let adapted = iri("transfer-kind", "adapted");
    let row = find(&rows, &[("kind", adapted.as_str())]);
    assert_eq!(text(row, "kindLabel"), "Adapted");
    // Every adapted transfer says what changed (Gothenburg, Vienna, New York, A Coruña, Paris,
    // Minneapolis, Bonn, London, Amadora).
    assert_eq!(int(row, "withChanges"), int(row, "transfers"));
    assert!(int(row, "transfers") >= 9, "{row:?}");
    let changes = text(row, "changes");
    assert!(
        changes.contains("Vienna: ") && changes.contains("diagonal filters"),
        "{changes}"
    );
    assert!(changes.contains("Gothenburg: ") && changes.contains("Älvsborg Bridge"));
    let replicated = iri("transfer-kind", "replicated");
    let row = find(&rows, &[("kind", replicated.as_str())]);
    assert!(int(row, "withChanges") < int(row, "transfers"), "{row:?}");
}

#[test]
fn practices_by_stage_and_theme() {
    let server = start();
    let rows = run(&server, "25-practices-by-stage-and-theme");
    let ended = iri("stage", "ended");
    let energy = iri("theme", "energy");
    let row = find(
        &rows,
        &[("stage", ended.as_str()), ("theme", energy.as_str())],
    );
    assert_eq!(text(row, "stageLabel"), "Ended");
    let names = items(row, "practiceNames", "|");
    assert!(
        names.iter().any(|n| n.starts_with("GrowSmarter")),
        "{names:?}"
    );
    let pilot = iri("stage", "pilot");
    let sensors = iri("theme", "sensors-iot");
    let row = find(
        &rows,
        &[("stage", pilot.as_str()), ("theme", sensors.as_str())],
    );
    assert!(
        items(row, "practiceNames", "|").contains("Copenhagen Street Lab"),
        "{row:?}"
    );
    // Stages come in the order of the scheme: idea first, ended last.
    assert_eq!(text(&rows[0], "stageLabel"), "Idea");
    assert_eq!(text(&rows[rows.len() - 1], "stageLabel"), "Ended");
}

#[test]
fn funding_by_programme_and_funder() {
    let server = start();
    let rows = run(&server, "26-funding-by-programme");
    let h2020 = iri("org", "horizon-2020");
    let eur = "http://qudt.org/vocab/unit/CCY_EUR";
    // GrowSmarter (Stockholm, 25 M EUR), Cologne's share (7.3 M EUR) and the Horizon 2020
    // projects of the cities added in issue 13 state amounts.
    let row = find(&rows, &[("via", h2020.as_str()), ("unit", eur)]);
    assert_eq!(text(row, "role"), "programme");
    assert_eq!(int(row, "practices"), 7);
    assert_number(row, "total", 142_500_000.0);
    // Valla Torg, Årsta, Barcelona 22@ and eight fundings of the issue-13 cities name the
    // programme without an amount.
    let without: Vec<&Row> = rows
        .iter()
        .filter(|r| r.get("via").map(String::as_str) == Some(h2020.as_str()))
        .filter(|r| !r.contains_key("unit"))
        .collect();
    assert_eq!(without.len(), 1);
    assert_eq!(int(without[0], "fundings"), 11);
    let vinnova = iri("org", "vinnova");
    let row = find(
        &rows,
        &[
            ("via", vinnova.as_str()),
            ("unit", "http://qudt.org/vocab/unit/CCY_SEK"),
        ],
    );
    assert_eq!(text(row, "role"), "funder");
    assert_number(row, "total", 1_220_645.0);
}

#[test]
fn lessons_barriers_and_prerequisites() {
    let server = start();
    let rows = run(&server, "27-lessons-barriers-prerequisites");
    let parks = iri("practice", "stockholm-data-parks");
    let row = find(&rows, &[("practice", parks.as_str())]);
    assert_eq!(text(row, "kind"), "Prerequisite for transfer");
    assert!(text(row, "text").contains("district-heating"));
    assert_eq!(
        text(row, "source"),
        iri(
            "source",
            "eu-mayors-ec-europa-eu-en-stockholm-heat-recovery-from-data-centres"
        )
    );
    let odaa = iri("practice", "aarhus-open-data-aarhus");
    let row = find(&rows, &[("practice", odaa.as_str())]);
    assert_eq!(text(row, "kind"), "Barrier");
    let kinds: BTreeSet<&str> = rows.iter().map(|r| text(r, "kind")).collect();
    assert_eq!(
        kinds,
        ["Barrier", "Lesson learned", "Prerequisite for transfer"]
            .into_iter()
            .collect()
    );
}

#[test]
fn city_profiles_with_population_and_location() {
    let server = start();
    let rows = run(&server, "28-city-profiles");
    let stockholm = iri("city", "stockholm");
    let row = find(&rows, &[("city", stockholm.as_str())]);
    assert_eq!(int(row, "population"), 975_904);
    assert_eq!(text(row, "populationYear"), "2019");
    assert_eq!(text(row, "wkt"), "POINT(18.0547 59.3275)");
    // ST-01 … ST-15 and the tree-pit method (TR-27).
    assert_eq!(int(row, "practices"), 16);
    let gothenburg = iri("city", "gothenburg");
    let row = find(&rows, &[("city", gothenburg.as_str())]);
    assert_eq!(int(row, "transfersIn"), 1);
    for row in &rows {
        assert!(row.contains_key("population"), "{row:?}");
        assert!(row.contains_key("wkt"), "{row:?}");
    }
}
