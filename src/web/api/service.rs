//! Machine-readable descriptions of the service: the SPARQL Service Description at `/sparql`
//! and the VoID + DCAT description of the dataset at `/.well-known/void`.

use crate::vocab::ns::{DCAT, DCTERMS, FORMATS, PROV, SD, VOID};
use crate::web::SharedState;
use crate::web::error::WebError;
use crate::web::pages::{self, dataset::DatasetView};
use crate::web::request::{PageCtx, PublicOrigin, SparqlParams, wants_html};
use crate::web::{blocking, rdf as rdf_answer};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{BlankNode, Literal, NamedNode, NamedOrBlankNode, Term, Triple};

/// Prefixes of the Turtle answers.
const PREFIXES: [(&str, &str); 4] = [
    ("sd", SD),
    ("void", VOID),
    ("dcat", DCAT),
    ("dcterms", DCTERMS),
];

fn n(iri: &str) -> NamedNode {
    NamedNode::new_unchecked(iri)
}

fn t(s: impl Into<NamedOrBlankNode>, p: &str, o: impl Into<Term>) -> Triple {
    Triple::new(s, n(p), o)
}

/// Writes triples in the format the client asked for (Turtle when it does not say; Turtle as
/// text for a browser following a link).
fn rdf_response(
    triples: &[Triple],
    headers: &HeaderMap,
    format: Option<&str>,
) -> Result<Response, WebError> {
    let (format, as_text) = rdf_answer::choose_for_reading(format, headers)?;
    rdf_answer::triples_response(triples, format, &PREFIXES, as_text)
}

/// The SPARQL 1.1 Service Description of `/sparql`.
pub async fn service_description(
    state: &SharedState,
    headers: &HeaderMap,
    origin: &PublicOrigin,
    format: Option<&str>,
) -> Result<Response, WebError> {
    let sizes = {
        let backend = state.backend.clone();
        blocking::run(state, move |_| backend.graph_sizes())
            .await
            .ok()
    };
    let endpoint = n(&format!("{}/sparql", origin.0));
    let service = BlankNode::default();
    let mut triples = vec![
        t(
            service.clone(),
            rdf::TYPE.as_str(),
            n(&format!("{SD}Service")),
        ),
        t(service.clone(), &format!("{SD}endpoint"), endpoint.clone()),
        t(
            service.clone(),
            &format!("{SD}supportedLanguage"),
            n(&format!("{SD}SPARQL11Query")),
        ),
        t(
            service.clone(),
            &format!("{SD}feature"),
            n(&format!("{SD}UnionDefaultGraph")),
        ),
    ];
    if state.update_tokens.is_some() {
        triples.push(t(
            service.clone(),
            &format!("{SD}supportedLanguage"),
            n(&format!("{SD}SPARQL11Update")),
        ));
    }
    if !state.federation.allowed().is_empty() {
        triples.push(t(
            service.clone(),
            &format!("{SD}feature"),
            n(&format!("{SD}BasicFederatedQuery")),
        ));
    }
    for format in [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "N-Quads",
        "TriG",
        "N3",
        "RDF_XML",
        "JSON-LD",
    ] {
        triples.push(t(
            service.clone(),
            &format!("{SD}resultFormat"),
            n(&format!("{FORMATS}{format}")),
        ));
    }
    let dataset = BlankNode::default();
    triples.push(t(
        service.clone(),
        &format!("{SD}defaultDataset"),
        dataset.clone(),
    ));
    triples.push(t(
        dataset.clone(),
        rdf::TYPE.as_str(),
        n(&format!("{SD}Dataset")),
    ));
    let default_graph = BlankNode::default();
    triples.push(t(
        dataset.clone(),
        &format!("{SD}defaultGraph"),
        default_graph.clone(),
    ));
    triples.push(t(
        default_graph.clone(),
        rdf::TYPE.as_str(),
        n(&format!("{SD}Graph")),
    ));
    if let Some(sizes) = sizes {
        let total: u64 = sizes.iter().map(|(_, c)| c).sum();
        triples.push(t(
            default_graph,
            &format!("{VOID}triples"),
            Literal::new_typed_literal(total.to_string(), xsd::INTEGER),
        ));
        for (name, count) in sizes {
            let named = BlankNode::default();
            let graph = BlankNode::default();
            triples.push(t(
                dataset.clone(),
                &format!("{SD}namedGraph"),
                named.clone(),
            ));
            triples.push(t(
                named.clone(),
                rdf::TYPE.as_str(),
                n(&format!("{SD}NamedGraph")),
            ));
            triples.push(t(named.clone(), &format!("{SD}name"), n(&name)));
            triples.push(t(named, &format!("{SD}graph"), graph.clone()));
            triples.push(t(
                graph,
                &format!("{VOID}triples"),
                Literal::new_typed_literal(count.to_string(), xsd::INTEGER),
            ));
        }
    }
    rdf_response(&triples, headers, format)
}

/// GET /.well-known/void: VoID and DCAT description of the whole dataset; for a browser (the
/// `wants_html` rule, or `format=html`) the same as a page (`pages::dataset`).
pub async fn void(
    State(state): State<SharedState>,
    headers: HeaderMap,
    PublicOrigin(base): PublicOrigin,
    params: SparqlParams,
    page: PageCtx,
) -> Result<Response, WebError> {
    let work_state = state.clone();
    let (mut sizes, vocabularies, versions, cities) = blocking::run(&state, move |_| {
        let sizes = work_state.backend.graph_sizes()?;
        let vocabularies = work_state.backend.select(
            "SELECT DISTINCT ?ns WHERE { { SELECT DISTINCT ?p WHERE { ?s ?p ?o } } \
             BIND(REPLACE(STR(?p), \"(#|/)[^#/]*$\", \"$1\") AS ?ns) } ORDER BY ?ns",
        )?;
        let versions = current_versions(&work_state.backend)?;
        // The cities, so that the page links a city's graph to its page.
        let cities = work_state.backend.select_strings(&format!(
            "SELECT ?c WHERE {{ ?c a <{}City> }}",
            crate::vocab::CKG
        ))?;
        Ok((sizes, vocabularies, versions, cities))
    })
    .await?;
    let dataset = n(&format!("{}dataset", state.base_iri));
    let mut triples = vec![
        t(
            dataset.clone(),
            rdf::TYPE.as_str(),
            n(&format!("{VOID}Dataset")),
        ),
        t(
            dataset.clone(),
            rdf::TYPE.as_str(),
            n(&format!("{DCAT}Dataset")),
        ),
        t(
            dataset.clone(),
            &format!("{DCTERMS}title"),
            Literal::new_language_tagged_literal_unchecked(
                "citykg: smart-city practices and the strategy goals they serve",
                "en",
            ),
        ),
        t(
            dataset.clone(),
            &format!("{DCTERMS}description"),
            Literal::new_language_tagged_literal_unchecked(
                "Smart-city practices from Stockholm and its peer cities, each linked to the city strategy goals and UN Sustainable Development Goals it serves, with outcomes and sources.",
                "en",
            ),
        ),
        t(
            dataset.clone(),
            &format!("{DCTERMS}license"),
            n("https://creativecommons.org/licenses/by/4.0/"),
        ),
        t(
            dataset.clone(),
            &format!("{VOID}sparqlEndpoint"),
            n(&format!("{base}/sparql")),
        ),
        t(
            dataset.clone(),
            &format!("{VOID}uriSpace"),
            Literal::new_simple_literal(format!("{}id/", state.base_iri)),
        ),
        t(
            dataset.clone(),
            &format!("{VOID}feature"),
            n(&format!("{FORMATS}N-Quads")),
        ),
    ];
    for (path, media, format) in [
        ("dump.nq", "application/n-quads", "N-Quads"),
        ("dump.trig", "application/trig", "TriG"),
    ] {
        let url = n(&format!("{base}/{path}"));
        triples.push(t(dataset.clone(), &format!("{VOID}dataDump"), url.clone()));
        let distribution = BlankNode::default();
        triples.push(t(
            dataset.clone(),
            &format!("{DCAT}distribution"),
            distribution.clone(),
        ));
        triples.push(t(
            distribution.clone(),
            rdf::TYPE.as_str(),
            n(&format!("{DCAT}Distribution")),
        ));
        triples.push(t(distribution.clone(), &format!("{DCAT}downloadURL"), url));
        triples.push(t(
            distribution.clone(),
            &format!("{DCAT}mediaType"),
            Literal::new_simple_literal(media),
        ));
        triples.push(t(
            distribution,
            &format!("{DCTERMS}format"),
            n(&format!("{FORMATS}{format}")),
        ));
    }
    let total: u64 = sizes.iter().map(|(_, c)| c).sum();
    triples.push(t(
        dataset.clone(),
        &format!("{VOID}triples"),
        Literal::new_typed_literal(total.to_string(), xsd::INTEGER),
    ));
    for row in vocabularies {
        if let Some(Some(Term::Literal(ns))) = row.first()
            && let Ok(iri) = NamedNode::new(ns.value())
        {
            triples.push(t(dataset.clone(), &format!("{VOID}vocabulary"), iri));
        }
    }
    // A contributed graph that was withdrawn is empty but still has its history.
    for version in &versions {
        if !sizes.iter().any(|(name, _)| *name == version.graph) {
            sizes.push((version.graph.clone(), 0));
        }
    }
    // A browser gets the same description as a page (the `format` parameter still picks RDF).
    if params.format().is_none_or(|f| f == "html")
        && (params.format().is_some() || wants_html(&headers))
    {
        let graphs = sizes
            .iter()
            .map(|(name, count)| {
                let modified =
                    versions
                        .iter()
                        .find(|v| v.graph == *name)
                        .map(|v| match &v.modified {
                            Term::Literal(l) => l.value().chars().take(10).collect(),
                            other => other.to_string(),
                        });
                DatasetView::graph(name, &state.base_iri, *count, modified, &cities)
            })
            .collect();
        let view = DatasetView {
            endpoint: format!("{base}/sparql"),
            dumps: vec![
                ("N-Quads".into(), format!("{base}/dump.nq")),
                ("TriG".into(), format!("{base}/dump.trig")),
            ],
            licence: "https://creativecommons.org/licenses/by/4.0/".into(),
            uri_space: format!("{}id/", state.base_iri),
            total,
            graphs,
            vocabularies: triples
                .iter()
                .filter(|t| t.predicate.as_str() == format!("{VOID}vocabulary"))
                .map(|t| t.object.to_string().trim_matches(['<', '>']).to_owned())
                .collect(),
        };
        return Ok(pages::dataset::page(&state, view, &page));
    }
    for (name, count) in sizes {
        let subset = BlankNode::default();
        triples.push(t(dataset.clone(), &format!("{VOID}subset"), subset.clone()));
        triples.push(t(
            subset.clone(),
            rdf::TYPE.as_str(),
            n(&format!("{VOID}Dataset")),
        ));
        triples.push(t(subset.clone(), &format!("{SD}name"), n(&name)));
        triples.push(t(
            subset.clone(),
            &format!("{VOID}triples"),
            Literal::new_typed_literal(count.to_string(), xsd::INTEGER),
        ));
        if let Some(version) = versions.iter().find(|v| v.graph == name) {
            triples.push(t(
                subset.clone(),
                &format!("{DCAT}hasCurrentVersion"),
                version.record.clone(),
            ));
            triples.push(t(
                subset.clone(),
                &format!("{DCTERMS}publisher"),
                version.publisher.clone(),
            ));
            triples.push(t(
                subset,
                &format!("{DCTERMS}modified"),
                version.modified.clone(),
            ));
        }
    }
    rdf_response(&triples, &headers, params.format())
}

/// The newest contribution record of a contributed graph (see `ingest::contribution`).
struct CurrentVersion {
    graph: String,
    record: Term,
    publisher: Term,
    modified: Term,
}

/// The newest contribution record of each contributed graph, from graph `meta`.
fn current_versions(backend: &crate::store::Backend) -> crate::error::Result<Vec<CurrentVersion>> {
    let rows = backend.select(&format!(
        "SELECT ?g ?record ?publisher ?modified WHERE {{ GRAPH <{meta}> {{
           ?record a <{DCAT}Dataset> ; <{graph}> ?g ; <{DCAT}version> ?version ;
                   <{DCTERMS}publisher> ?publisher ; <{PROV}endedAtTime> ?modified }} }}
         ORDER BY ?g DESC(?version)",
        meta = crate::vocab::graph::META,
        graph = crate::vocab::ckg::GRAPH,
    ))?;
    let mut out: Vec<CurrentVersion> = Vec::new();
    for row in rows {
        if let [
            Some(Term::NamedNode(g)),
            Some(record),
            Some(publisher),
            Some(modified),
        ] = row.as_slice()
            && out.last().is_none_or(|last| last.graph != g.as_str())
        {
            out.push(CurrentVersion {
                graph: g.as_str().to_owned(),
                record: record.clone(),
                publisher: publisher.clone(),
                modified: modified.clone(),
            });
        }
    }
    Ok(out)
}
