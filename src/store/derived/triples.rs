//! The triples of the derived graph, written as Turtle lines: match nodes, rank states, coverage
//! cells and the version. Nodes and cells are IRIs made from what they describe (not blank nodes),
//! so a refresh removes them with DELETE DATA of known triples instead of pattern updates.

use super::Shared;
use super::facts::Facts;
use super::ranking::Query;
use super::state::State;
use crate::vocab;
use oxigraph::model::{Literal, NamedNode};
use std::fmt::Write;

/// The prefix of every node the derived graph mints (`{derived}#match-…`, `{derived}#coverage-…`):
/// fragments of the graph's own IRI, bookkeeping rather than resources of the namespace.
pub fn node_prefix() -> String {
    format!("{}#", vocab::graph::DERIVED)
}

/// A node IRI in N-Triples form: `kind` and a hex key (never needs escaping).
pub(super) fn node_iri(kind: &str, key: &str) -> String {
    format!("<{}{kind}-{key}>", node_prefix())
}

fn cell_iri(sdg: &NamedNode, city: &NamedNode) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(sdg.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(city.as_str().as_bytes());
    node_iri("coverage", &hex::encode(&hasher.finalize()[..16]))
}

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

/// One ranked entry: a subject gets `practice` with `score` and what they share.
pub(super) struct Entry {
    pub(super) practice: NamedNode,
    pub(super) score: u64,
    pub(super) shared: Shared,
    pub(super) key: String,
    /// The match node's IRI (N-Triples form), made from the key.
    pub(super) node: String,
}

impl Entry {
    pub(super) fn new(facts: &Facts, q: &Query<'_>, score: u64, p: u32) -> Option<Self> {
        let practice = iri_term(&facts.practices[p as usize].iri)?;
        let shared = facts.shared(q, p);
        let key = match_key(practice.as_str(), score, &shared);
        let node = node_iri("match", &key);
        Some(Self {
            practice,
            score,
            shared,
            key,
            node,
        })
    }
}

/// Writes a match node (without its `ckg:matchFor` links) as Turtle; returns the triple count.
pub(super) fn write_node(out: &mut String, entry: &Entry) -> usize {
    let node = &entry.node;
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

/// A coverage cell: how many practices of `city` serve `sdg` (a goal). Its IRI comes from the two.
pub(super) fn coverage_triples(out: &mut String, sdg: &NamedNode, city: &NamedNode, count: i64) {
    let node = cell_iri(sdg, city);
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

/// Splits Turtle lines (each a complete statement) into `DELETE DATA` or `INSERT DATA` operations
/// on the derived graph of at most `lines` lines each.
pub(super) fn data_operations(verb: &str, text: &str, lines: usize) -> Vec<String> {
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all.chunks(lines.max(1))
        .map(|chunk| {
            format!(
                "{verb} DATA {{ GRAPH <{}> {{\n{}\n}} }}",
                vocab::graph::DERIVED,
                chunk.join("\n")
            )
        })
        .collect()
}
