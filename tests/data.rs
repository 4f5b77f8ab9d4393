//! The bundled ontology and data: every file parses, the data conforms to the SHACL shapes, each
//! shape rejects a minimal violating example, every `ckg:` term and SDG IRI used is declared, and
//! every Stockholm goal with an SDG mapping has peer practices in other cities, one of them from a
//! city of similar size.

mod common;

use citykg::ingest::shacl::Validator;
use citykg::store::bundle::Bundle;
use citykg::store::load::parse_all;
use common::*;
use oxigraph::io::RdfFormat;
use oxigraph::model::{Quad, Term};
use std::collections::{BTreeMap, BTreeSet};

fn bundle_quads() -> Vec<(String, Vec<Quad>)> {
    let bundle = Bundle::discover(&repo_root()).expect("bundle");
    bundle
        .files
        .iter()
        .map(|f| {
            let text = std::fs::read(&f.path).expect("read");
            let quads = parse_all(
                &f.path.display().to_string(),
                text.as_slice(),
                RdfFormat::Turtle,
                Some(&f.graph),
                None,
            )
            .unwrap_or_else(|e| panic!("{e}"));
            (f.path.display().to_string(), quads)
        })
        .collect()
}

fn is_data(path: &str) -> bool {
    path.contains("/data/")
}

#[test]
fn every_bundled_file_parses_into_its_own_graph() {
    let files = bundle_quads();
    assert!(
        files.len() >= 21,
        "6 ontology files (citykg, countries, schemes, sdg, shapes, themes) and at least 15 data files: {}",
        files.len()
    );
    for (path, quads) in &files {
        assert!(!quads.is_empty(), "{path} is empty");
    }
    let graphs: BTreeSet<String> = Bundle::discover(&repo_root())
        .expect("bundle")
        .files
        .iter()
        .map(|f| f.graph.as_str().to_owned())
        .collect();
    for name in [
        "ontology",
        "themes",
        "sdg",
        "shapes",
        "schemes",
        "countries",
        "stockholm",
        "helsinki",
        "multi-city",
    ] {
        assert!(
            graphs.contains(&format!("https://w3id.org/citykg/graph/{name}")),
            "{name}"
        );
    }
}

#[test]
fn the_bundled_data_conforms_to_the_shapes() {
    let validator = Validator::from_bundle(&repo_root()).expect("shapes");
    let data: Vec<Quad> = bundle_quads()
        .into_iter()
        .filter(|(p, _)| is_data(p))
        .flat_map(|(_, q)| q)
        .collect();
    let report = validator.validate(&data).expect("validation runs");
    assert!(
        report.conforms,
        "violations: {}",
        serde_json::to_string_pretty(&report.results).unwrap_or_default()
    );
    // Each city file also conforms on its own (as a contribution would be checked).
    for (path, quads) in bundle_quads().into_iter().filter(|(p, _)| is_data(p)) {
        let report = validator.validate(&quads).expect("validation runs");
        assert!(report.conforms, "{path}: {:?}", report.results);
    }
}

#[test]
fn each_shape_rejects_a_minimal_violating_example() {
    let validator = Validator::from_bundle(&repo_root()).expect("shapes");
    let dir = repo_root().join("tests/fixtures/shapes");
    let expected: BTreeMap<String, Option<String>> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    let mut shapes_seen = BTreeSet::new();
    for (file, shape) in &expected {
        let text = std::fs::read_to_string(dir.join(file)).expect("case");
        let quads = parse_all(file, text.as_bytes(), RdfFormat::Turtle, None, None).expect("parse");
        let report = validator.validate(&quads).expect("validation runs");
        match shape {
            None => assert!(
                report.conforms,
                "{file} is the valid base case: {:?}",
                report.results
            ),
            Some(shape) => {
                let iri = format!("https://w3id.org/citykg/shapes#{shape}");
                assert!(!report.conforms, "{file} must violate {shape}");
                let hit = report
                    .results
                    .iter()
                    .find(|r| r.source_shape.as_deref() == Some(iri.as_str()))
                    .unwrap_or_else(|| {
                        panic!("{file}: no result from {shape}: {:?}", report.results)
                    });
                assert!(!hit.message.is_empty() && !hit.focus_node.is_empty());
                shapes_seen.insert(shape.clone());
            }
        }
    }
    // Every property shape in shapes.ttl with a message has a violating example.
    let shapes = std::fs::read_to_string(repo_root().join("ontology/shapes.ttl")).expect("shapes");
    let declared: BTreeSet<String> = parse_all(
        "shapes.ttl",
        shapes.as_bytes(),
        RdfFormat::Turtle,
        None,
        None,
    )
    .expect("parse")
    .into_iter()
    .filter(|q| q.predicate.as_str() == "http://www.w3.org/ns/shacl#message")
    .filter_map(|q| {
        q.subject
            .to_string()
            .strip_prefix("<https://w3id.org/citykg/shapes#")
            .map(|s| s.trim_end_matches('>').to_owned())
    })
    .collect();
    let missing: Vec<_> = declared.difference(&shapes_seen).collect();
    assert!(
        missing.is_empty(),
        "shapes without a violating example: {missing:?}"
    );
}

/// Subjects declared in ontology/citykg.ttl (anything with an rdf:type there).
fn declared_terms() -> BTreeSet<String> {
    bundle_quads()
        .into_iter()
        .filter(|(p, _)| p.ends_with("citykg.ttl"))
        .flat_map(|(_, q)| q)
        .filter(|q| q.predicate.as_str() == citykg::vocab::RDF_TYPE)
        .map(|q| {
            q.subject
                .to_string()
                .trim_matches(|c| c == '<' || c == '>')
                .to_owned()
        })
        .collect()
}

#[test]
fn every_ckg_term_used_is_declared_in_the_ontology() {
    let declared = declared_terms();
    let mut used = BTreeSet::new();
    for (_, quads) in bundle_quads() {
        for quad in quads {
            let terms = [
                quad.subject.to_string(),
                quad.predicate.to_string(),
                quad.object.to_string(),
            ];
            for t in terms {
                if let Some(rest) = t.strip_prefix('<')
                    && rest.starts_with(citykg::vocab::CKG)
                {
                    used.insert(rest.trim_end_matches('>').to_owned());
                }
            }
        }
    }
    let undeclared: Vec<_> = used.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "undeclared ckg: terms: {undeclared:?}"
    );
    // …and every term the code refers to.
    for iri in [
        citykg::vocab::ckg::CITY,
        citykg::vocab::ckg::STRATEGY,
        citykg::vocab::ckg::STRATEGY_GOAL,
        citykg::vocab::ckg::PRACTICE,
        citykg::vocab::ckg::OUTCOME,
        citykg::vocab::ckg::THEME,
        citykg::vocab::ckg::SOURCE,
        citykg::vocab::ckg::CONTENT_HASH,
        citykg::vocab::ckg::GRAPH,
        citykg::vocab::ckg::SERVES_GOAL,
        citykg::vocab::DATA_VERSION,
    ]
    .into_iter()
    .chain(citykg::vocab::exchange::ALL_CKG.iter().copied())
    {
        assert!(declared.contains(iri), "vocab.rs uses undeclared {iri}");
    }
}

#[test]
fn every_sdg_iri_used_is_in_sdg_ttl() {
    let files = bundle_quads();
    let declared: BTreeSet<String> = files
        .iter()
        .filter(|(p, _)| p.ends_with("sdg.ttl"))
        .flat_map(|(_, q)| q.iter())
        .map(|q| q.subject.to_string())
        .collect();
    for (path, quads) in files.iter().filter(|(p, _)| is_data(p)) {
        for quad in quads {
            if let Term::NamedNode(n) = &quad.object
                && n.as_str().starts_with("http://metadata.un.org/sdg/")
            {
                assert!(
                    declared.contains(&quad.object.to_string()),
                    "{path}: {n} is not in sdg.ttl"
                );
            }
        }
    }
    let goals = declared
        .iter()
        .filter(|s| {
            s.strip_prefix("<http://metadata.un.org/sdg/")
                .and_then(|r| r.strip_suffix('>'))
                .is_some_and(|n| n.parse::<u8>().is_ok())
        })
        .count();
    assert_eq!(goals, 17, "the 17 SDG goals");
}

#[test]
fn every_stockholm_goal_mapped_to_an_sdg_has_peer_practices_in_other_cities() {
    let server = start();
    // For each Stockholm goal with an SDG mapping: the practices of other cities that serve the
    // same SDG goal (directly or through one of its targets), with their cities.
    let results = select_json(
        &server,
        "PREFIX ckg: <https://w3id.org/citykg/ontology#>
         PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
         SELECT ?goal (COUNT(DISTINCT ?practice) AS ?practices) (COUNT(DISTINCT ?city) AS ?cities)
                (COUNT(DISTINCT ?similar) AS ?similarSize) WHERE {
           ?goal a ckg:StrategyGoal ; skos:inScheme/ckg:city <https://w3id.org/citykg/id/city/stockholm> ;
                 skos:relatedMatch ?mapped .
           OPTIONAL {
             <https://w3id.org/citykg/id/city/stockholm> ckg:population ?own .
             ?mapped skos:broader? ?sdgGoal . FILTER NOT EXISTS { ?sdgGoal skos:broader ?anything }
             ?served skos:broader? ?sdgGoal .
             ?practice ckg:servesGoal ?served ; ckg:city ?city .
             FILTER(?city != <https://w3id.org/citykg/id/city/stockholm>)
             OPTIONAL { ?city ckg:population ?size FILTER(?size * 3 >= ?own && ?size <= ?own * 3) }
             BIND(IF(BOUND(?size), ?practice, ?none) AS ?similar)
           }
         } GROUP BY ?goal",
    );
    let goals = column(&results, "goal");
    let practices = column(&results, "practices");
    let cities = column(&results, "cities");
    let similar = column(&results, "similarSize");
    assert!(
        goals.len() >= 5,
        "Stockholm goals with SDG mappings: {goals:?}"
    );
    for (((goal, p), c), s) in goals.iter().zip(&practices).zip(&cities).zip(&similar) {
        let p: u32 = p.parse().expect("count");
        let c: u32 = c.parse().expect("count");
        let s: u32 = s.parse().expect("count");
        assert!(p >= 3 && c >= 2, "{goal}: {p} peer practices in {c} cities");
        // Issue 13: at least one peer from a city of similar size (within a factor of three).
        assert!(
            s >= 1,
            "{goal}: no peer practice from a city of similar size"
        );
    }
}

/// All data triples as (subject, predicate, object) strings in N-Triples form.
fn data_triples() -> Vec<(String, String, String)> {
    bundle_quads()
        .into_iter()
        .filter(|(p, _)| is_data(p))
        .flat_map(|(_, q)| q)
        .map(|q| {
            (
                q.subject.to_string(),
                q.predicate.to_string(),
                q.object.to_string(),
            )
        })
        .collect()
}

fn ckg(local: &str) -> String {
    format!("<https://w3id.org/citykg/ontology#{local}>")
}

const TYPE: &str = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";

fn instances(triples: &[(String, String, String)], class: &str) -> BTreeSet<String> {
    triples
        .iter()
        .filter(|(_, p, o)| p == TYPE && o == class)
        .map(|(s, _, _)| s.clone())
        .collect()
}

fn objects(triples: &[(String, String, String)], s: &str, p: &str) -> Vec<String> {
    triples
        .iter()
        .filter(|(ts, tp, _)| ts == s && tp == p)
        .map(|(_, _, o)| o.clone())
        .collect()
}

#[test]
fn every_city_referenced_is_described_with_its_profile() {
    let triples = data_triples();
    let cities = instances(&triples, &ckg("City"));
    assert!(
        cities.len() >= 30,
        "issue 13 asks for at least 30 cities: {cities:?}"
    );
    for city in &cities {
        let names = objects(&triples, city, "<https://schema.org/name>");
        assert!(
            names.iter().any(|n| n.ends_with("@sv")),
            "{city} has no Swedish name: {names:?}"
        );
        assert_eq!(
            objects(
                &triples,
                city,
                "<http://www.opengis.net/ont/geosparql#hasGeometry>"
            )
            .len(),
            1,
            "{city} has no location"
        );
        assert_eq!(
            objects(&triples, city, &ckg("population")).len(),
            1,
            "{city} has no population"
        );
    }
    for p in ["city", "fromCity", "toCity"] {
        for (s, _, o) in triples.iter().filter(|(_, tp, _)| *tp == ckg(p)) {
            assert!(
                cities.contains(o),
                "{s} ckg:{p} {o}: that city is not described in data/"
            );
        }
    }
}

#[test]
fn transfers_and_their_adapted_from_shortcuts_are_in_step() {
    let triples = data_triples();
    let practices = instances(&triples, &ckg("Practice"));
    let transfers = instances(&triples, &ckg("Transfer"));
    assert!(transfers.len() >= 30, "{} transfers", transfers.len());
    let mut pairs = BTreeSet::new();
    for t in &transfers {
        let to_city = objects(&triples, t, &ckg("toCity"));
        let slug = to_city
            .first()
            .and_then(|c| c.strip_prefix("<https://w3id.org/citykg/id/city/"))
            .map(|c| c.trim_end_matches('>').to_owned())
            .unwrap_or_default();
        assert!(
            t.starts_with(&format!("<https://w3id.org/citykg/id/transfer/{slug}-")),
            "{t}: the slug of a transfer starts with its receiving city {slug}"
        );
        let from = objects(&triples, t, &ckg("fromPractice"));
        let to = objects(&triples, t, &ckg("toPractice"));
        for p in from.iter().chain(&to) {
            assert!(
                practices.contains(p),
                "{t} names {p}, which is not in data/"
            );
        }
        if let (Some(f), Some(to)) = (from.first(), to.first()) {
            assert!(
                objects(&triples, to, &ckg("adaptedFrom")).contains(f),
                "{t}: {to} ckg:adaptedFrom {f} is missing"
            );
            pairs.insert((to.clone(), f.clone()));
        }
    }
    for (s, _, o) in triples.iter().filter(|(_, p, _)| *p == ckg("adaptedFrom")) {
        assert!(
            pairs.contains(&(s.clone(), o.clone())),
            "{s} ckg:adaptedFrom {o} has no ckg:Transfer behind it"
        );
    }
}

/// Issue 13's counts, as far as the sources give them: at least 30 cities and 150 practices, at
/// least 30 transfers, and a stage and a cost or funding on at least half of the practices. Lessons
/// are on 65 of 153 practices today: the research gives none for the rest, so this only keeps the
/// share from falling (docs/data-conventions.md says where lessons come from).
#[test]
fn the_exchange_data_reaches_the_counts_of_issue_13() {
    let triples = data_triples();
    let practices = instances(&triples, &ckg("Practice"));
    let cities = instances(&triples, &ckg("City"));
    let transfers = instances(&triples, &ckg("Transfer"));
    assert!(cities.len() >= 30, "{} cities", cities.len());
    assert!(practices.len() >= 150, "{} practices", practices.len());
    assert!(transfers.len() >= 30, "{} transfers", transfers.len());
    let with = |properties: &[&str]| {
        practices
            .iter()
            .filter(|p| {
                properties
                    .iter()
                    .any(|q| !objects(&triples, p, &ckg(q)).is_empty())
            })
            .count()
    };
    let half = practices.len().div_ceil(2);
    assert!(
        with(&["stage"]) >= half,
        "stage on {} practices",
        with(&["stage"])
    );
    assert!(
        with(&["cost", "funding"]) >= half,
        "cost or funding on {} practices",
        with(&["cost", "funding"])
    );
    assert!(
        with(&["lesson"]) * 5 >= practices.len() * 2,
        "lessons on {} practices",
        with(&["lesson"])
    );
}
