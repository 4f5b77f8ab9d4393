//! The full rebuild: every ranking and the coverage computed from the facts, replacing the
//! derived graph in one transaction.

use super::facts::Facts;
use super::ranking::Stamp;
use super::state::state_of;
use super::triples::{
    Entry, ckg, coverage_triples, iri_term, state_triple, version_triple, write_node,
};
use super::{Backend, RefreshStats};
use crate::error::{Error, Result};
use crate::vocab;
use oxigraph::model::{Literal, NamedNode};
use std::collections::HashSet;
use std::fmt::Write;

/// Computes every ranking and the coverage and replaces the derived graph in one transaction.
pub(super) fn rebuild(backend: &Backend, facts: &Facts, version: &str) -> Result<RefreshStats> {
    let started = std::time::Instant::now();
    let mut stats = RefreshStats {
        full: true,
        ..RefreshStats::default()
    };
    let mut data = String::new();
    version_triple(&mut data, version);
    let mut stamp = Stamp::new(facts.practices.len());
    let mut nodes: HashSet<String> = HashSet::new();
    for subject in facts.subjects() {
        stats.subjects += 1;
        stats.changed += 1;
        stats.recomputed += 1;
        let Some(subject_iri) = iri_term(facts.iri(subject)) else {
            continue;
        };
        let q = facts.query(subject);
        let ranked = facts.rank(&q, &mut stamp);
        for &(score, p) in &ranked {
            let Some(entry) = Entry::new(facts, &q, score, p) else {
                continue;
            };
            if nodes.insert(entry.node.clone()) {
                write_node(&mut data, &entry);
            }
            let _ = writeln!(data, "{} {} {subject_iri} .", entry.node, ckg("matchFor"));
            stats.written_entries += 1;
        }
        state_triple(&mut data, &subject_iri, &state_of(facts, subject, &ranked));
    }
    let (cells, per_city) = facts.coverage();
    for ((sdg, city), count) in &cells {
        if let (Some(sdg), Some(city)) = (iri_term(sdg), iri_term(city)) {
            coverage_triples(&mut data, &sdg, &city, *count);
            stats.coverage_cells += 1;
        }
    }
    for (city, count) in &per_city {
        if let Some(city) = iri_term(city) {
            let _ = writeln!(
                data,
                "{city} {} {} .",
                ckg("practiceCount"),
                Literal::from(*count)
            );
        }
    }
    let computed = started.elapsed();
    let graph = NamedNode::new(vocab::graph::DERIVED).map_err(|e| Error::Invalid(e.to_string()))?;
    backend.replace_graph_bulk_keep_version(&graph, &data)?;
    tracing::info!(?computed, written = ?started.elapsed(), "derived graph rebuilt");
    Ok(stats)
}
