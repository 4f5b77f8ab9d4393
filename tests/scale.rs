//! Scale (issue 11): the synthetic network conforms to the shapes and loads; a contribution into
//! it (an added, a changed and a withdrawn city) changes the derived rankings exactly as a full
//! recomputation would, touching only part of them; the derived graph is not larger than the data.

mod common;

use citykg::generate::{self, Params, Vocabulary};
use citykg::ingest::shacl::Validator;
use citykg::store::bundle::Bundle;
use citykg::store::load::parse_all;
use citykg::store::{Backend, derived, graph_iri};
use common::*;
use oxigraph::io::RdfFormat;
use oxigraph::model::{Quad, Triple};
use std::collections::BTreeSet;

const PARAMS: Params = Params {
    cities: 24,
    practices: 10,
    seed: 11,
};

fn vocab() -> Vocabulary {
    Vocabulary::from_bundle(&repo_root()).expect("vocabulary")
}

fn city_triples(params: &Params, index: usize) -> Vec<Triple> {
    let mut text = String::new();
    generate::write_city(&vocab(), params, index, false, &mut text);
    parse_all("city", text.as_bytes(), RdfFormat::NTriples, None, None)
        .expect("valid N-Triples")
        .into_iter()
        .map(Triple::from)
        .collect()
}

#[test]
fn the_generated_network_conforms_to_the_shapes_and_the_ownership_rules() {
    let params = Params {
        cities: 4,
        practices: 8,
        seed: 3,
    };
    let mut bytes = Vec::new();
    generate::generate(&vocab(), &params, &mut bytes).expect("generate");
    let quads: Vec<Quad> =
        parse_all("network", bytes.as_slice(), RdfFormat::NQuads, None, None).expect("N-Quads");
    let validator = Validator::from_bundle(&repo_root()).expect("shapes");
    let report = validator.validate(&quads).expect("validation runs");
    assert!(
        report.conforms,
        "violations: {}",
        serde_json::to_string_pretty(&report.results).unwrap_or_default()
    );
    let graphs: BTreeSet<String> = quads.iter().map(|q| q.graph_name.to_string()).collect();
    assert_eq!(graphs.len(), 4, "one named graph per city: {graphs:?}");
    for index in 0..params.cities {
        let slug = generate::city_slug(index);
        assert!(graphs.contains(&format!("<https://w3id.org/citykg/graph/{slug}>")));
        let triples = city_triples(&params, index);
        let violations =
            citykg::ingest::ownership::check(&triples, &slug, citykg::vocab::DEFAULT_BASE_IRI);
        assert!(violations.is_empty(), "{slug}: {violations:?}");
    }
}

/// A store with the bundle and a generated network, its derived graph computed.
fn network(params: &Params) -> (tempfile::TempDir, Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::open(&dir.path().join("store")).expect("store");
    Bundle::discover(&repo_root())
        .expect("bundle")
        .ensure_loaded(&backend)
        .expect("bundle loads");
    let file = dir.path().join("network.nq");
    let out = std::fs::File::create(&file).expect("create");
    let summary = generate::generate(&vocab(), params, out).expect("generate");
    let loaded = citykg::store::load::bulk_load_file(&backend, &file, None, |_| {}).expect("loads");
    assert_eq!(loaded, summary.quads);
    assert!(derived::ensure_fresh(&backend).expect("derived"));
    (dir, backend)
}

/// Replaces a city's graph (empty: withdrawn), refreshes incrementally, and checks the result
/// against a recomputation from scratch. Returns the snapshots before and after.
fn change_and_compare(
    backend: &Backend,
    slug: &str,
    triples: &[Triple],
) -> (Vec<String>, Vec<String>, derived::RefreshStats) {
    let before = derived::snapshot(backend).expect("snapshot");
    let from = backend.current_data_version().expect("version");
    backend
        .replace_graph(&graph_iri(slug).expect("graph"), triples, &[], &from)
        .expect("replace");
    let stats = derived::refresh_for_city(backend, slug).expect("refresh");
    assert!(!stats.full, "an incremental refresh: {stats:?}");
    let incremental = derived::snapshot(backend).expect("snapshot");
    let full = derived::recompute_all(backend).expect("full");
    assert!(full.full);
    let scratch = derived::snapshot(backend).expect("snapshot");
    let only_incremental: Vec<&String> = incremental
        .iter()
        .filter(|l| scratch.binary_search(l).is_err())
        .take(5)
        .collect();
    let only_scratch: Vec<&String> = scratch
        .iter()
        .filter(|l| incremental.binary_search(l).is_err())
        .take(5)
        .collect();
    assert!(
        incremental == scratch,
        "{slug}: incremental and full differ\nonly incremental: {only_incremental:#?}\nonly full: {only_scratch:#?}"
    );
    assert!(
        stats.recomputed < full.recomputed,
        "{slug}: recomputed {} of {} rankings",
        stats.recomputed,
        full.recomputed
    );
    (before, incremental, stats)
}

fn practice_prefix(slug: &str) -> String {
    format!("https://w3id.org/citykg/id/practice/{slug}-")
}

/// Lines of matches found for others (not for `slug`'s own goals and practices) that name one
/// of `slug`'s practices.
fn entered(lines: &[String], slug: &str) -> usize {
    let practice = practice_prefix(slug);
    let goal = format!("https://w3id.org/citykg/id/goal/{slug}-");
    lines
        .iter()
        .filter(|l| l.starts_with("match "))
        .filter(|l| {
            let mut parts = l.split(' ').skip(1);
            let x = parts.next().unwrap_or("");
            let matched = format!("{CKG}matchedPractice={practice}");
            !x.starts_with(&practice)
                && !x.starts_with(&goal)
                && parts.any(|part| part.starts_with(&matched))
        })
        .count()
}

#[test]
fn contributions_change_exactly_the_rankings_a_full_recomputation_gives() {
    let (_dir, backend) = network(&PARAMS);

    // An added city: its practices enter other cities' lists.
    let added = generate::city_slug(PARAMS.cities);
    let (before, after, stats) =
        change_and_compare(&backend, &added, &city_triples(&PARAMS, PARAMS.cities));
    assert_eq!(entered(&before, &added), 0);
    assert!(
        entered(&after, &added) > 0,
        "{added} enters others' rankings"
    );
    assert!(
        stats.written_entries > 0 && stats.coverage_cells > 0,
        "{stats:?}"
    );

    // A changed city: the same city with other practices.
    let changed = generate::city_slug(3);
    let other_seed = Params { seed: 99, ..PARAMS };
    let (before, after, stats) =
        change_and_compare(&backend, &changed, &city_triples(&other_seed, 3));
    assert_ne!(before, after, "{changed}'s rankings changed");
    assert!(stats.removed_entries > 0, "{stats:?}");

    // The same data again: nothing to recompute.
    let same = city_triples(&other_seed, 3);
    let (before, after, stats) = change_and_compare(&backend, &changed, &same);
    assert_eq!(before, after);
    assert_eq!((stats.changed, stats.recomputed), (0, 0), "{stats:?}");

    // A withdrawn city: its practices leave every list.
    let withdrawn = generate::city_slug(5);
    let (before, after, stats) = change_and_compare(&backend, &withdrawn, &[]);
    assert!(entered(&before, &withdrawn) > 0);
    assert_eq!(entered(&after, &withdrawn), 0, "{stats:?}");
    assert!(
        !after
            .iter()
            .any(|l| l.contains(&practice_prefix(&withdrawn))),
        "nothing about {withdrawn}'s practices is left"
    );
}

/// Shaped like the 3 M-quad benchmark network (100 practices per city, bench/README.md): with
/// fewer practices per city the 40 peers of each strategy goal weigh more (see the figures there).
#[test]
fn the_derived_graph_is_not_larger_than_the_data() {
    let (_dir, backend) = network(&Params {
        cities: 12,
        practices: 100,
        seed: 11,
    });
    let sizes = backend.graph_sizes().expect("sizes");
    let derived_size: u64 = sizes
        .iter()
        .filter(|(g, _)| g == citykg::vocab::graph::DERIVED)
        .map(|(_, n)| n)
        .sum();
    let data: u64 = sizes
        .iter()
        .filter(|(g, _)| {
            g.starts_with(citykg::vocab::GRAPH_NS)
                && !["derived", "meta", "ontology", "shapes", "sdg", "themes"]
                    .iter()
                    .any(|n| g.as_str() == format!("{}{n}", citykg::vocab::GRAPH_NS))
        })
        .map(|(_, n)| n)
        .sum();
    assert!(derived_size > 0);
    assert!(
        derived_size <= data,
        "derived {derived_size} quads, data {data} quads"
    );
}

#[test]
fn an_unchanged_data_version_recomputes_nothing() {
    let (_dir, backend) = network(&PARAMS);
    assert!(!derived::ensure_fresh(&backend).expect("fresh"));
    // A new data version over the same data finds nothing changed.
    backend.bump_data_version().expect("bump");
    let before = derived::snapshot(&backend).expect("snapshot");
    let stats = derived::refresh_for_city(&backend, "none").expect("refresh");
    assert_eq!(
        (stats.changed, stats.recomputed, stats.written_entries),
        (0, 0, 0)
    );
    assert_eq!(before, derived::snapshot(&backend).expect("snapshot"));
}
