//! The triples of the derived graph (match nodes, states, coverage, version) and the full rebuild
//! that replaces the graph in one transaction.

use super::facts::Facts;
use super::ranking::{Query, Stamp};
use super::state::{State, state_of};
use super::{Backend, RefreshStats, Shared};
use crate::error::{Error, Result};
use crate::vocab;
use oxigraph::model::{Literal, NamedNode};
use std::collections::HashMap;
use std::fmt::Write;

pub(super) fn iri_term(iri: &str) -> Option<NamedNode> {
    NamedNode::new(iri).ok()
}

pub(super) fn ckg(term: &str) -> String {
    format!("<{}{term}>", vocab::CKG)
}

/// The key of a match node: the matched practice, its score and what it shares. Subjects for
/// which the same practice matches with the same shared terms point to one node.
pub(super) fn match_key(practice: &str, score: u64, shared: &Shared) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(practice.as_bytes());
    hasher.update([0]);
    hasher.update(score.to_string().as_bytes());
    for set in [&shared.targets, &shared.sdg_goals, &shared.themes] {
        hasher.update([1]);
        for v in set {
            hasher.update(v.as_bytes());
            hasher.update([0]);
        }
    }
    hex::encode(&hasher.finalize()[..16])
}

/// One ranked entry: `subject` gets `practice` with `score` and what they share.
pub(super) struct Entry {
    pub(super) subject: NamedNode,
    pub(super) practice: NamedNode,
    pub(super) score: u64,
    pub(super) shared: Shared,
    pub(super) key: String,
}

impl Entry {
    pub(super) fn new(
        facts: &Facts,
        q: &Query<'_>,
        subject: &NamedNode,
        score: u64,
        p: u32,
    ) -> Option<Self> {
        let practice = iri_term(&facts.practices[p as usize].iri)?;
        let shared = facts.shared(q, p);
        let key = match_key(practice.as_str(), score, &shared);
        Some(Self {
            subject: subject.clone(),
            practice,
            score,
            shared,
            key,
        })
    }
}

/// Writes a match node (without its `ckg:matchFor` links) as Turtle; returns the triple count.
pub(super) fn write_node(out: &mut String, node: &str, entry: &Entry) -> usize {
    let _ = writeln!(
        out,
        "{node} {} {} ; {} {} ; {} {} .",
        ckg("matchedPractice"),
        entry.practice,
        ckg("score"),
        Literal::from(entry.score as i64),
        ckg("matchKey"),
        Literal::new_simple_literal(&entry.key)
    );
    let mut n = 3;
    for (property, values) in [
        ("sharedTarget", &entry.shared.targets),
        ("sharedSdgGoal", &entry.shared.sdg_goals),
        ("sharedTheme", &entry.shared.themes),
    ] {
        for v in values {
            if let Some(v) = iri_term(v) {
                let _ = writeln!(out, "{node} {} {v} .", ckg(property));
                n += 1;
            }
        }
    }
    n
}

/// A subject's state hangs off the derived graph's own IRI, its text starting with the subject:
/// on the subject itself it would show among the resource's own statements (pages, RDF views).
pub(super) fn state_triple(out: &mut String, subject: &NamedNode, state: &State) {
    let _ = writeln!(
        out,
        "<{}> {} {} .",
        vocab::graph::DERIVED,
        ckg("rankState"),
        Literal::new_simple_literal(format!("{} {}", subject.as_str(), state.text()))
    );
}

pub(super) fn coverage_triples(
    out: &mut String,
    node: &str,
    sdg: &NamedNode,
    city: &NamedNode,
    count: i64,
) {
    let _ = writeln!(
        out,
        "{node} a {} ; {} {sdg} ; {} {city} ; {} {} .",
        ckg("Coverage"),
        ckg("coverageSdg"),
        ckg("coverageCity"),
        ckg("practiceCount"),
        Literal::from(count)
    );
}

pub(super) fn version_triple(out: &mut String, version: &str) {
    let _ = writeln!(
        out,
        "<{}> <{}> {} .",
        vocab::graph::DERIVED,
        vocab::DATA_VERSION,
        Literal::new_simple_literal(version)
    );
}

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
    let mut nodes: HashMap<String, usize> = HashMap::new();
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
            let Some(entry) = Entry::new(facts, &q, &subject_iri, score, p) else {
                continue;
            };
            let next = nodes.len() + 1;
            let n = *nodes.entry(entry.key.clone()).or_insert(next);
            if n == next {
                write_node(&mut data, &format!("_:m{n}"), &entry);
            }
            let _ = writeln!(data, "_:m{n} {} {subject_iri} .", ckg("matchFor"));
            stats.written_entries += 1;
        }
        state_triple(&mut data, &subject_iri, &state_of(facts, subject, &ranked));
    }
    let (cells, per_city) = facts.coverage();
    for (i, ((sdg, city), count)) in cells.iter().enumerate() {
        if let (Some(sdg), Some(city)) = (iri_term(sdg), iri_term(city)) {
            coverage_triples(&mut data, &format!("_:c{i}"), &sdg, &city, *count);
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
