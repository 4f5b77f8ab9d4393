//! Writing to a remote engine so that a reader sees a commit whole or not at all, and a crash of
//! citykg at any point leaves the old data or the new. Two modes:
//!
//! - `Transactional` (Oxigraph's server): the whole change is one update request, which the
//!   engine runs as one transaction.
//! - `Staged` (Virtuoso, and any engine not known to be transactional): the engine commits each
//!   operation of a request on its own and takes only about a thousand triples per INSERT DATA.
//!   The new quads are first written, in small requests, into a staging graph
//!   (`urn:citykg:staging:{node}:{time}`) as plain literals (`<urn:citykg:s> "iri"` …), which no
//!   page query matches and the dump leaves out. Then ONE DELETE/INSERT operation removes the old
//!   content and copies the staged quads into place, so the switch is atomic. A crash before the
//!   switch leaves only a staging graph, which the node drops when it starts again; a crash after
//!   it leaves the new data. Blank nodes cannot cross requests, so they are skolemised
//!   (`https://w3id.org/citykg/.well-known/genid/…`, RDF 1.1 §3.5).

use super::super::change::{Change, NO_VERSION};
use oxigraph::model::{
    BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term, Triple,
};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Where skolemised blank nodes live.
pub const GENID: &str = "https://w3id.org/citykg/.well-known/genid/";
/// The prefix of staging graphs.
pub const STAGING: &str = "urn:citykg:staging:";
const S: &str = "<urn:citykg:s>";
const P: &str = "<urn:citykg:p>";
const O_LITERAL: &str = "<urn:citykg:o>";
const O_IRI: &str = "<urn:citykg:oi>";
const G: &str = "<urn:citykg:g>";

/// How an engine commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Transactional,
    /// Staged, with at most this many triples per INSERT DATA.
    Staged {
        triples_per_request: usize,
    },
}

/// Replaces every blank node by an IRI under [`GENID`], unique to this write (`salt`).
pub fn skolemise(quads: Vec<Quad>, salt: &str) -> Vec<Quad> {
    let mut names: HashMap<BlankNode, NamedNode> = HashMap::new();
    let mut name = |b: &BlankNode| {
        names
            .entry(b.clone())
            .or_insert_with(|| NamedNode::new_unchecked(format!("{GENID}{salt}-{}", b.as_str())))
            .clone()
    };
    quads
        .into_iter()
        .map(|q| {
            let subject = match q.subject {
                NamedOrBlankNode::BlankNode(b) => NamedOrBlankNode::NamedNode(name(&b)),
                other => other,
            };
            let object = match q.object {
                Term::BlankNode(b) => Term::NamedNode(name(&b)),
                other => other,
            };
            let graph = match q.graph_name {
                GraphName::BlankNode(b) => GraphName::NamedNode(name(&b)),
                other => other,
            };
            Quad::new(subject, q.predicate, object, graph)
        })
        .collect()
}

/// A skolemised blank node (an IRI under [`GENID`]) as a blank node again, its label taken from
/// the IRI, so a graph read back is the graph written.
pub fn unskolemise(triple: Triple) -> Triple {
    let blank = |iri: &str| {
        iri.strip_prefix(GENID).map(|rest| {
            let label: String = rest
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            BlankNode::new_unchecked(format!("g{label}"))
        })
    };
    let subject = match triple.subject {
        NamedOrBlankNode::NamedNode(n) => match blank(n.as_str()) {
            Some(b) => NamedOrBlankNode::BlankNode(b),
            None => NamedOrBlankNode::NamedNode(n),
        },
        other => other,
    };
    let object = match triple.object {
        Term::NamedNode(n) => match blank(n.as_str()) {
            Some(b) => Term::BlankNode(b),
            None => Term::NamedNode(n),
        },
        other => other,
    };
    Triple::new(subject, triple.predicate, object)
}

/// `INSERT DATA { GRAPH <g> { s p o . … } … }` for `quads` (default-graph quads outside GRAPH).
pub fn insert_data(quads: &[Quad]) -> String {
    format!("INSERT DATA {}", quad_block(quads))
}

/// `{ GRAPH <g> { s p o . … } … }`: `quads` as the data of INSERT DATA or a template.
fn quad_block(quads: &[Quad]) -> String {
    let mut by_graph: Vec<(&GraphName, Vec<&Quad>)> = Vec::new();
    for quad in quads {
        match by_graph.iter_mut().find(|(g, _)| **g == quad.graph_name) {
            Some((_, list)) => list.push(quad),
            None => by_graph.push((&quad.graph_name, vec![quad])),
        }
    }
    let mut text = String::from("{\n");
    for (graph, list) in by_graph {
        let open = !matches!(graph, GraphName::DefaultGraph);
        if open {
            let _ = writeln!(text, "GRAPH {graph} {{");
        }
        for quad in list {
            let _ = writeln!(
                text,
                "{} {} {} .",
                quad.subject, quad.predicate, quad.object
            );
        }
        if open {
            text.push_str("}\n");
        }
    }
    text.push('}');
    text
}

/// The quads `change` adds, the data version statement included.
fn inserted(change: &Change) -> Vec<Quad> {
    let mut quads = change.insert.clone();
    if let Some(version) = &change.version {
        let (record, predicate) = Change::version_statement();
        quads.push(Quad::new(
            record,
            predicate,
            Literal::new_simple_literal(version),
            GraphName::NamedNode(Change::meta()),
        ));
    }
    quads
}

/// The `meta` statements `change` drops, the old data version included.
fn dropped(change: &Change) -> Vec<(NamedNode, NamedNode)> {
    let mut pairs = change.drop_meta.clone();
    if change.version.is_some() {
        pairs.push(Change::version_statement());
    }
    pairs
}

/// The pattern that holds while the data version is `expected` ([`NO_VERSION`]: none recorded).
fn version_guard(expected: &str) -> String {
    let (record, predicate) = Change::version_statement();
    let meta = Change::meta();
    if expected == NO_VERSION {
        format!("FILTER NOT EXISTS {{ GRAPH {meta} {{ {record} {predicate} ?version }} }}")
    } else {
        format!(
            "GRAPH {meta} {{ {record} {predicate} {} }}",
            Literal::new_simple_literal(expected)
        )
    }
}

/// The whole change as one update request (for a transactional engine). With `expect`, every
/// operation carries the version guard (SPARQL Update cannot abort a request), and the old version
/// statement is deleted by its value last, since the operations before it need it; without, it
/// goes with the other `meta` statements before the insert.
pub fn transactional(change: &Change) -> String {
    let meta = Change::meta();
    let guard = change
        .expect
        .as_deref()
        .map(version_guard)
        .unwrap_or_default();
    let mut ops = Vec::new();
    for graph in &change.clear {
        ops.push(format!(
            "DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ {guard} GRAPH {graph} {{ ?s ?p ?o }} }}"
        ));
    }
    let pairs = match change.expect {
        Some(_) => change.drop_meta.clone(),
        None => dropped(change),
    };
    for (subject, predicate) in pairs {
        ops.push(format!(
            "DELETE {{ GRAPH {meta} {{ {subject} {predicate} ?o }} }} WHERE {{ {guard} GRAPH {meta} {{ {subject} {predicate} ?o }} }}"
        ));
    }
    let quads = inserted(change);
    if !quads.is_empty() {
        ops.push(format!("INSERT {} WHERE {{ {guard} }}", quad_block(&quads)));
    }
    if let Some(expected) = change.expect.as_deref()
        && change.version.is_some()
        && expected != NO_VERSION
    {
        let (record, predicate) = Change::version_statement();
        ops.push(format!(
            "DELETE DATA {{ GRAPH {meta} {{ {record} {predicate} {} }} }}",
            Literal::new_simple_literal(expected)
        ));
    }
    ops.join(" ;\n")
}

/// A staged write: the requests that fill the staging graph, then the one switch operation.
pub struct Staged {
    pub graph: NamedNode,
    pub fill: Vec<String>,
    pub switch: String,
}

/// The staging requests and the switch for `change`, in staging graph `graph`; blank nodes are
/// skolemised with `salt`.
pub fn staged(change: &Change, graph: NamedNode, salt: &str, triples_per_request: usize) -> Staged {
    let quads = skolemise(inserted(change), salt);
    // Four staging triples per quad (five with a graph): subject, predicate, object, graph.
    let per_request = (triples_per_request / 4).max(1);
    let mut fill = Vec::new();
    for (chunk_index, chunk) in quads.chunks(per_request).enumerate() {
        let mut text = format!("INSERT DATA {{ GRAPH {graph} {{\n");
        for (i, quad) in chunk.iter().enumerate() {
            let row = format!("<{}:{chunk_index}:{i}>", graph.as_str());
            let subject = match &quad.subject {
                NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
                NamedOrBlankNode::BlankNode(b) => format!("{GENID}{salt}-{}", b.as_str()),
            };
            let _ = write!(
                text,
                "{row} {S} {} ; {P} {}",
                Literal::new_simple_literal(subject),
                Literal::new_simple_literal(quad.predicate.as_str())
            );
            match &quad.object {
                Term::NamedNode(n) => {
                    let _ = write!(
                        text,
                        " ; {O_IRI} {}",
                        Literal::new_simple_literal(n.as_str())
                    );
                }
                other => {
                    let _ = write!(text, " ; {O_LITERAL} {other}");
                }
            }
            if let GraphName::NamedNode(g) = &quad.graph_name {
                let _ = write!(text, " ; {G} {}", Literal::new_simple_literal(g.as_str()));
            }
            text.push_str(" .\n");
        }
        text.push_str("} }");
        fill.push(text);
    }
    let meta = Change::meta();
    let mut branches = Vec::new();
    if !change.clear.is_empty() {
        let graphs: Vec<String> = change.clear.iter().map(|g| g.to_string()).collect();
        branches.push(format!(
            "{{ VALUES ?cg {{ {} }} GRAPH ?cg {{ ?cs ?cp ?co }} }}",
            graphs.join(" ")
        ));
    }
    let pairs = dropped(change);
    if !pairs.is_empty() {
        let values: Vec<String> = pairs.iter().map(|(s, p)| format!("({s} {p})")).collect();
        branches.push(format!(
            "{{ VALUES (?cs ?cp) {{ {} }} VALUES ?cg {{ {meta} }} GRAPH ?cg {{ ?cs ?cp ?co }} }}",
            values.join(" ")
        ));
    }
    branches.push(format!(
        "{{ GRAPH {graph} {{ ?x {S} ?s0 ; {P} ?p0 ; {G} ?g0 . \
         {{ ?x {O_LITERAL} ?no }} UNION {{ ?x {O_IRI} ?o0 BIND(IRI(?o0) AS ?no) }} }} \
         BIND(IRI(?s0) AS ?ns) BIND(IRI(?p0) AS ?np) BIND(IRI(?g0) AS ?ng) }}"
    ));
    // With a guard, the switch is joined with it: nothing matches once the version has moved on.
    let guard = change
        .expect
        .as_deref()
        .map(version_guard)
        .unwrap_or_default();
    let switch = format!(
        "DELETE {{ GRAPH ?cg {{ ?cs ?cp ?co }} }}\nINSERT {{ GRAPH ?ng {{ ?ns ?np ?no }} }}\nWHERE {{\n{guard}\n{}\n}}",
        branches.join("\nUNION\n")
    );
    Staged {
        graph,
        fill,
        switch,
    }
}

/// Triples of one graph as quads in it.
pub fn in_graph(triples: Vec<Triple>, graph: &NamedNode) -> Vec<Quad> {
    triples
        .into_iter()
        .map(|t| t.in_graph(graph.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quad(s: &str, o: Term, g: &str) -> Quad {
        Quad::new(
            NamedNode::new_unchecked(s),
            NamedNode::new_unchecked("http://p"),
            o,
            GraphName::NamedNode(NamedNode::new_unchecked(g)),
        )
    }

    #[test]
    fn blank_nodes_become_one_iri_each() {
        let b = BlankNode::new_unchecked("b1");
        let quads = vec![
            Quad::new(
                b.clone(),
                NamedNode::new_unchecked("http://p"),
                Term::from(Literal::new_simple_literal("x")),
                GraphName::DefaultGraph,
            ),
            quad("http://s", Term::BlankNode(b), "http://g"),
        ];
        let out = skolemise(quads, "salt");
        let expected = NamedNode::new_unchecked(format!("{GENID}salt-b1"));
        assert_eq!(
            out[0].subject,
            NamedOrBlankNode::NamedNode(expected.clone())
        );
        assert_eq!(out[1].object, Term::NamedNode(expected));
    }

    #[test]
    fn skolem_iris_read_back_as_blank_nodes() {
        let b = BlankNode::new_unchecked("b1");
        let quads = skolemise(
            vec![Quad::new(
                NamedNode::new_unchecked("http://s"),
                NamedNode::new_unchecked("http://p"),
                b,
                GraphName::DefaultGraph,
            )],
            "18ed",
        );
        let back = unskolemise(Triple::from(quads[0].clone()));
        assert!(matches!(back.object, Term::BlankNode(_)));
    }

    #[test]
    fn literals_are_escaped_in_insert_data() {
        let text = insert_data(&[quad(
            "http://s",
            Literal::new_simple_literal("a \"quoted\" } ; DROP ALL").into(),
            "http://g",
        )]);
        assert!(text.contains(r#""a \"quoted\" } ; DROP ALL""#), "{text}");
    }

    #[test]
    fn a_staged_write_has_one_switch_and_small_fills() {
        let change = Change {
            clear: vec![NamedNode::new_unchecked("http://g")],
            drop_meta: Vec::new(),
            insert: (0..10)
                .map(|i| {
                    quad(
                        &format!("http://s{i}"),
                        NamedNode::new_unchecked("http://o").into(),
                        "http://g",
                    )
                })
                .collect(),
            version: Some("v2".into()),
            expect: None,
        };
        let staged = staged(
            &change,
            NamedNode::new_unchecked("urn:citykg:staging:n:1"),
            "x",
            8,
        );
        // 11 quads (with the version), 2 per request.
        assert_eq!(staged.fill.len(), 6);
        assert_eq!(staged.switch.matches("DELETE").count(), 1);
        assert!(staged.switch.contains("VALUES ?cg { <http://g> }"));
    }
}
