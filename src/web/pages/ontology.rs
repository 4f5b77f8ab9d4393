//! `/ontology`: the classes and properties of ontology/citykg.ttl as a readable page, in the
//! reader's language, each with its IRI, comment, super-class or super-property, domain and range.

use crate::web::SharedState;
use crate::web::blocking;
use crate::web::error::WebError;
use crate::web::html::{self, value};
use crate::web::links::compact;
use crate::web::request::PageCtx;
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use oxigraph::model::Term;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize, Default)]
struct Term2 {
    anchor: String,
    iri: String,
    label: String,
    comment: String,
    parents: Vec<String>,
    domain: Vec<String>,
    range: Vec<String>,
    kind: String,
}

/// GET /ontology
pub async fn page(State(state): State<SharedState>, page: PageCtx) -> Result<Response, WebError> {
    let lang = page.lang;
    let work_state = state.clone();
    let rows = blocking::run(&state, move |_| {
        work_state.backend.select(
            "SELECT ?t ?kind ?p ?o WHERE { GRAPH <https://w3id.org/citykg/graph/ontology> {
               ?t a ?kind . FILTER(STRSTARTS(STR(?t), \"https://w3id.org/citykg/ontology#\"))
               FILTER(?kind IN (<http://www.w3.org/2002/07/owl#Class>, <http://www.w3.org/2002/07/owl#ObjectProperty>, <http://www.w3.org/2002/07/owl#DatatypeProperty>))
               ?t ?p ?o } }",
        )
    })
    .await?;
    let mut terms: BTreeMap<String, Term2> = BTreeMap::new();
    let mut labels: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut comments: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in rows {
        let (
            Some(Some(Term::NamedNode(t))),
            Some(Some(Term::NamedNode(kind))),
            Some(Some(Term::NamedNode(p))),
            Some(Some(o)),
        ) = (row.first(), row.get(1), row.get(2), row.get(3))
        else {
            continue;
        };
        let entry = terms.entry(t.as_str().to_owned()).or_insert_with(|| Term2 {
            anchor: t.as_str().rsplit('#').next().unwrap_or("").to_owned(),
            iri: t.as_str().to_owned(),
            ..Term2::default()
        });
        entry.kind = if kind.as_str().ends_with("#Class") {
            "class".into()
        } else {
            "property".into()
        };
        let value = match o {
            Term::NamedNode(n) => compact(n.as_str()),
            Term::Literal(l) => l.value().to_owned(),
            other => other.to_string(),
        };
        let language = match o {
            Term::Literal(l) => l.language().unwrap_or("").to_owned(),
            _ => String::new(),
        };
        match p.as_str() {
            "http://www.w3.org/2000/01/rdf-schema#label" => labels
                .entry(t.as_str().to_owned())
                .or_default()
                .push((language, value)),
            "http://www.w3.org/2000/01/rdf-schema#comment" => comments
                .entry(t.as_str().to_owned())
                .or_default()
                .push((language, value)),
            "http://www.w3.org/2000/01/rdf-schema#subClassOf"
            | "http://www.w3.org/2000/01/rdf-schema#subPropertyOf" => entry.parents.push(value),
            "http://www.w3.org/2000/01/rdf-schema#domain" => entry.domain.push(value),
            "http://www.w3.org/2000/01/rdf-schema#range" => entry.range.push(value),
            _ => {}
        }
    }
    let pick = |values: Option<&Vec<(String, String)>>| -> String {
        let values = values.cloned().unwrap_or_default();
        values
            .iter()
            .find(|(l, _)| l == lang.code())
            .or_else(|| values.iter().find(|(l, _)| l == "en"))
            .or_else(|| values.first())
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut classes = Vec::new();
    let mut properties = Vec::new();
    for (iri, mut term) in terms {
        term.label = pick(labels.get(&iri));
        term.comment = pick(comments.get(&iri));
        for list in [&mut term.parents, &mut term.domain, &mut term.range] {
            list.sort();
            list.dedup();
        }
        if term.kind == "class" {
            classes.push(term)
        } else {
            properties.push(term)
        }
    }
    Ok(html::page(
        &state,
        "ontology.html",
        context! {
            classes => value(classes),
            properties => value(properties),
        },
        &page,
    ))
}
