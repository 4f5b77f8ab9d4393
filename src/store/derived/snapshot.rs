//! The derived graph as comparable lines (for tests).

use super::triples::{ckg, node_prefix};
use super::{Backend, iri_rows};
use crate::error::Result;
use crate::vocab;
use std::collections::{BTreeMap, HashSet};

/// The derived graph as sorted lines, match nodes replaced by what they describe: two graphs
/// with the same rankings, nodes, states and coverage give the same lines (for tests).
pub fn snapshot(backend: &Backend) -> Result<Vec<String>> {
    let derived = vocab::graph::DERIVED;
    let prefix = oxigraph::model::Literal::new_simple_literal(node_prefix());
    let mut lines: Vec<String> = Vec::new();
    // node → its description
    let mut nodes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?m ?k ?v WHERE {{ GRAPH <{derived}> {{ ?m {} ?p ; ?k ?v FILTER(?k != {}) }} }}",
            ckg("matchedPractice"),
            ckg("matchFor")
        ),
    )? {
        if let [m, k, v] = row.as_slice() {
            nodes.entry(m.clone()).or_default().push(format!("{k}={v}"));
        }
    }
    let mut linked: HashSet<String> = HashSet::new();
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?m ?x WHERE {{ GRAPH <{derived}> {{ ?m {} ?x }} }}",
            ckg("matchFor")
        ),
    )? {
        if let [m, x] = row.as_slice() {
            let mut description = nodes.get(m).cloned().unwrap_or_default();
            description.sort();
            lines.push(format!("match {x} {}", description.join(" ")));
            linked.insert(m.clone());
        }
    }
    for (m, mut description) in nodes {
        description.sort();
        let kind = if linked.contains(&m) {
            "node"
        } else {
            "orphan"
        };
        lines.push(format!("{kind} {}", description.join(" ")));
    }
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?sdg ?city ?n WHERE {{ GRAPH <{derived}> {{ ?c {} ?sdg ; {} ?city ; {} ?n }} }}",
            ckg("coverageSdg"),
            ckg("coverageCity"),
            ckg("practiceCount")
        ),
    )? {
        lines.push(format!("coverage {}", row.join(" ")));
    }
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?x ?p ?v WHERE {{ GRAPH <{derived}> {{ ?x ?p ?v FILTER(isIRI(?x) && ?x != <{derived}> && !STRSTARTS(STR(?x), {prefix})) }} }}"
        ),
    )? {
        lines.push(format!("fact {}", row.join(" ")));
    }
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?s WHERE {{ GRAPH <{derived}> {{ <{derived}> {} ?s }} }}",
            ckg("rankState")
        ),
    )? {
        lines.push(format!("state {}", row.join(" ")));
    }
    lines.sort();
    Ok(lines)
}
