//! The embedded backend: Oxigraph's on-disk (RocksDB) or in-memory store in this process.
//! Every operation is one store transaction or one bulk load.

use super::change::{Change, NO_VERSION};
use super::load::describe_parse_error;
use crate::error::{Error, Result};
use crate::vocab;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, GraphNameRef, Literal, NamedNode, NamedNodeRef, Quad, Term};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;

/// Collects a SELECT over the union of the named graphs into rows of optional terms.
pub fn select_rows(store: &Store, query: &str) -> Result<Vec<Vec<Option<Term>>>> {
    let mut prepared = SparqlEvaluator::new()
        .without_default_http_service_handler()
        .parse_query(query)
        .map_err(|e| Error::Syntax(e.to_string()))?;
    prepared.dataset_mut().set_default_graph_as_union();
    match prepared
        .on_store(store)
        .execute()
        .map_err(|e| Error::Evaluation(e.to_string()))?
    {
        QueryResults::Solutions(solutions) => {
            let width = solutions.variables().len();
            let mut rows = Vec::new();
            for solution in solutions {
                let solution = solution.map_err(|e| Error::Evaluation(e.to_string()))?;
                rows.push((0..width).map(|i| solution.get(i).cloned()).collect());
            }
            Ok(rows)
        }
        _ => Err(Error::Invalid("expected a SELECT query".into())),
    }
}

/// The recorded data version, or [`NO_VERSION`].
pub fn data_version(store: &Store) -> Result<String> {
    let (record, predicate) = Change::version_statement();
    let meta = NamedNodeRef::new_unchecked(vocab::graph::META);
    for quad in store.quads_for_pattern(
        Some(record.as_ref().into()),
        Some(predicate.as_ref()),
        None,
        Some(meta.into()),
    ) {
        if let Term::Literal(l) = quad?.object {
            return Ok(l.value().to_owned());
        }
    }
    Ok(String::from(NO_VERSION))
}

/// Applies `change` in one transaction.
pub fn apply(store: &Store, change: &Change) -> Result<()> {
    let meta = NamedNodeRef::new_unchecked(vocab::graph::META);
    let mut transaction = store.start_transaction()?;
    if let Some(expected) = &change.expect {
        let (record, predicate) = Change::version_statement();
        let found = transaction
            .quads_for_pattern(
                Some(record.as_ref().into()),
                Some(predicate.as_ref()),
                None,
                Some(meta.into()),
            )
            .find_map(|quad| match quad.map(|q| q.object) {
                Ok(Term::Literal(l)) => Some(Ok(l.value().to_owned())),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .transpose()?
            .unwrap_or_else(|| NO_VERSION.to_owned());
        if &found != expected {
            return Err(Change::conflict(expected, &found));
        }
    }
    for graph in &change.clear {
        transaction.clear_graph(graph)?;
    }
    let mut dropped = change.drop_meta.clone();
    if change.version.is_some() {
        dropped.push(Change::version_statement());
    }
    for (subject, predicate) in &dropped {
        let old: Vec<Quad> = transaction
            .quads_for_pattern(
                Some(subject.as_ref().into()),
                Some(predicate.as_ref()),
                None,
                Some(meta.into()),
            )
            .collect::<std::result::Result<_, _>>()?;
        for quad in &old {
            transaction.remove(quad);
        }
    }
    transaction.extend(change.insert.iter());
    if let Some(version) = &change.version {
        let (record, predicate) = Change::version_statement();
        transaction.insert(oxigraph::model::QuadRef::new(
            &record,
            &predicate,
            &Literal::new_simple_literal(version),
            GraphNameRef::NamedNode(meta),
        ));
    }
    transaction.commit()?;
    Ok(())
}

/// Applies a SPARQL update, all its operations in one transaction.
pub fn update(store: &Store, update: &str) -> Result<()> {
    SparqlEvaluator::new()
        .without_default_http_service_handler()
        .parse_update(update)
        .map_err(|e| Error::Syntax(format!("invalid SPARQL update: {e}")))?
        .on_store(store)
        .execute()
        .map_err(|e| Error::Evaluation(format!("the update failed: {e}")))
}

/// Empties `graph` in one transaction, then bulk-loads `turtle` into it.
pub fn replace_graph_bulk(store: &Store, graph: &NamedNode, turtle: &str) -> Result<()> {
    let mut transaction = store.start_transaction()?;
    transaction.clear_graph(graph)?;
    transaction.commit()?;
    let origin = graph.as_str().to_owned();
    let quads = RdfParser::from_format(RdfFormat::Turtle)
        .with_default_graph(GraphName::NamedNode(graph.clone()))
        .for_slice(turtle.as_bytes())
        .map(|q| q.map_err(|e| describe_parse_error(&origin, e.into())));
    let mut loader = store.bulk_loader();
    loader.load_ok_quads::<Error, Error>(quads)?;
    loader.commit()?;
    Ok(())
}
