//! `/id/{kind}/{slug}`: every resource IRI `{base}id/{kind}/{slug}` dereferences here. RDF clients
//! get its description (DESCRIBE) in the format they ask for; browsers get the page of its kind
//! (city, goal, practice) or the generic page: its statements and what links to it, by city, a
//! page at a time (`?page=N`, with the total); an organisation's page also lists the cities it
//! works in, paged on their own (`?cities_page=N`, with the total).

use crate::error::Result;
use crate::sparql::exec::QueryRequest;
use crate::sparql::formats::OutputFormat;
use crate::store::{Backend, term_text as text};
use crate::vocab::CKG;
use crate::web::SharedState;
use crate::web::error::WebError;
use crate::web::html::{self, value};
use crate::web::i18n::{Lang, strings};
use crate::web::links::{Cell, Link, Linker, cell, compact, query_href, rdf_format_links};
use crate::web::paging::{PAGE_SIZE, Paging};
use crate::web::request::{PageCtx, QueryPairs, wants_html};
use crate::web::{blocking, rdf};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::context;
use oxigraph::model::{NamedNode, Term};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The kinds of resource under `…/id/` (docs/data-conventions.md).
const KINDS: [&str; 14] = [
    "city",
    "strategy",
    "goal",
    "practice",
    "org",
    "outcome",
    "source",
    "theme",
    "transfer",
    "funding",
    "lesson",
    "geometry",
    "stage",
    "transfer-kind",
];

/// GET /id/{kind}/{slug}
pub async fn dereference(
    State(state): State<SharedState>,
    Path((kind, slug)): Path<(String, String)>,
    headers: HeaderMap,
    pairs: QueryPairs,
    page: PageCtx,
) -> Result<Response, WebError> {
    let missing = || WebError::not_found(format!("There is no {kind} {slug:?} in citykg."));
    if !KINDS.contains(&kind.as_str()) || !crate::slug::is_slug(&slug) {
        return Err(missing());
    }
    let iri =
        NamedNode::new(format!("{}id/{kind}/{slug}", state.base_iri)).map_err(|_| missing())?;
    let html = match pairs.get("format") {
        Some("html") => true,
        Some(_) => false,
        None => wants_html(&headers),
    };
    // A city, goal or practice has its own page, which reads the resource's statements itself
    // (and answers None for another kind, or for a resource that is not there).
    if html {
        let specific = match kind.as_str() {
            "city" => super::city::paged(&state, &iri, &page, &pairs, state.page_size).await?,
            "goal" => super::goal::page(&state, &iri, &page, &pairs).await?,
            "practice" => super::practice::page(&state, &iri, &page).await?,
            _ => None,
        };
        if let Some(response) = specific {
            return Ok(response);
        }
    }
    let outgoing = {
        let (backend, subject) = (state.backend.clone(), iri.clone());
        blocking::run(&state, move |_| {
            backend.select(&format!(
                "SELECT DISTINCT ?p ?o WHERE {{ {subject} ?p ?o }} ORDER BY ?p ?o"
            ))
        })
        .await?
    };
    if outgoing.is_empty() {
        return Err(missing());
    }
    if !html {
        let format = rdf::choose(pairs.get("format"), &headers)?;
        // `iri` is a validated NamedNode; its Display writes `<…>` with nothing left to escape.
        let describe = QueryRequest::parse(&format!("DESCRIBE {iri}"), None)?;
        return Ok(blocking::answer_query(&state, describe, OutputFormat::Rdf(format)).await);
    }
    let paging = Paging::from_pairs(&pairs, state.page_size);
    let cities = (kind == "org").then(|| Paging::from_param(&pairs, CITIES_PAGE, state.page_size));
    generic_page(&state, &iri, outgoing, &page, &pairs, (paging, cities)).await
}

#[derive(Serialize)]
struct PropertyRow {
    property: Cell,
    value: Cell,
}

/// The page of any other resource: its statements and everything linked to it, by city.
async fn generic_page(
    state: &SharedState,
    iri: &NamedNode,
    outgoing: Vec<Vec<Option<Term>>>,
    page: &PageCtx,
    pairs: &QueryPairs,
    (paging, cities_paging): (Paging, Option<Paging>),
) -> Result<Response, WebError> {
    let (linked, cities) = {
        let (work_state, subject, lang) = (state.clone(), iri.clone(), page.lang);
        blocking::run(state, move |_| {
            let linked = linked_page(
                &work_state.backend,
                &work_state.base_iri,
                &subject,
                lang,
                paging,
            )?;
            let cities = cities_paging
                .map(|p| org_cities(&work_state.backend, &work_state.base_iri, &subject, lang, p))
                .transpose()?;
            Ok::<_, crate::error::Error>((linked, cities))
        })
        .await?
    };
    let cities_pager = match (&cities, cities_paging) {
        (Some((links, total)), Some(p)) if *total > 0 => {
            let noun = strings(page.lang)
                .get("cities")
                .map_or_else(|| "cities".to_owned(), |s| s.to_lowercase());
            Some(p.pager_for(
                CITIES_PAGE,
                *total,
                links.len(),
                &page.path,
                pairs,
                page.lang,
                &noun,
            ))
        }
        _ => None,
    };
    let noun = strings(page.lang)
        .get("linked_items")
        .copied()
        .unwrap_or("linked resources");
    let pager = (linked.total > 0).then(|| {
        paging.pager(
            linked.total,
            linked.shown,
            &page.path,
            pairs,
            page.lang,
            noun,
        )
    });
    let mut label = compact(iri.as_str());
    let mut properties = Vec::new();
    for row in &outgoing {
        if let (Some(Some(p)), Some(Some(o))) = (row.first(), row.get(1)) {
            if let (Term::NamedNode(p), Term::Literal(l)) = (p, o)
                && (p.as_str().ends_with("#prefLabel") || p.as_str() == "https://schema.org/name")
                && l.language().is_none_or(|lang| lang == "en")
            {
                label = l.value().to_owned();
            }
            properties.push(PropertyRow {
                property: cell(p, &state.base_iri),
                value: cell(o, &state.base_iri),
            });
        }
    }
    let (label, label_lang) = if linked.label == compact(iri.as_str()) {
        (label, None)
    } else {
        (linked.label.clone(), linked.label_lang.clone())
    };
    Ok(html::page(
        state,
        "resource.html",
        context! {
            label => label,
            label_lang => label_lang,
            iri => iri.as_str(),
            properties => value(&properties),
            groups => value(&linked.groups),
            pager => value(pager),
            cities => value(cities.map(|(links, _)| links)),
            cities_pager => value(cities_pager),
            formats => value(rdf_format_links(&page.path)),
            query_href => query_href(&format!("SELECT ?p ?o WHERE {{ {iri} ?p ?o }}")),
            finder_href => iri
                .as_str()
                .strip_prefix(&format!("{}id/theme/", state.base_iri))
                .map(|slug| super::practices::finder_href(&[("theme", slug.to_owned())], page.lang)),
        },
        page,
    ))
}

/// Resources that point at one resource through one property.
#[derive(Serialize, Debug)]
pub struct Relation {
    pub name: String,
    pub items: Vec<Link>,
}

/// What points at a resource from one city (or from no city: `heading` is None).
#[derive(Serialize, Debug)]
pub struct CityLinks {
    pub heading: Option<Link>,
    pub relations: Vec<Relation>,
}

/// The label of a resource and everything linked to it, grouped by city: for theme,
/// organisation, strategy, source and outcome pages.
#[derive(Serialize, Debug)]
pub struct LinkedView {
    pub label: String,
    pub label_lang: Option<String>,
    pub groups: Vec<CityLinks>,
    /// How many (subject, property, city) links there are in all, and how many this page shows.
    pub total: usize,
    pub shown: usize,
}

/// The interface-string key naming a property as seen from its object.
fn relation_key(property: &str) -> Option<&'static str> {
    Some(match property {
        "http://purl.org/dc/terms/subject" => "rel_subject",
        "https://w3id.org/citykg/ontology#partner" => "rel_partner",
        "http://www.w3.org/ns/prov#wasDerivedFrom" => "rel_source",
        "http://purl.org/dc/terms/publisher" => "rel_publisher",
        "http://www.w3.org/2004/02/skos/core#inScheme" => "rel_scheme",
        "https://w3id.org/citykg/ontology#outcome" => "rel_outcome",
        "https://w3id.org/citykg/ontology#servesGoal" => "rel_serves",
        _ => return None,
    })
}

/// Everything that links to `iri`, grouped by the city it belongs to (a practice's or
/// strategy's `ckg:city`, a goal's strategy's city, an outcome's practice's city): the first page.
pub fn linked(
    backend: &Backend,
    base_iri: &str,
    iri: &NamedNode,
    lang: Lang,
) -> Result<LinkedView> {
    let paging = Paging {
        page: 1,
        size: PAGE_SIZE,
    };
    linked_page(backend, base_iri, iri, lang, paging)
}

/// The query parameter of the page of an organisation's cities.
pub const CITIES_PAGE: &str = "cities_page";

/// The cities an organisation works in (those of the practices it is a partner in and of the
/// strategies it published), as ?city (with [`linked_prefixes`]).
pub fn org_cities_selection(org: &NamedNode) -> String {
    format!(
        "SELECT DISTINCT ?city WHERE {{ {{ ?s ckg:partner {org} }} UNION {{ ?s <http://purl.org/dc/terms/publisher> {org} }} ?s ckg:city ?city }}"
    )
}

/// One page of an organisation's cities (ordered by IRI, shown by name) and their total.
fn org_cities(
    backend: &Backend,
    base_iri: &str,
    org: &NamedNode,
    lang: Lang,
    paging: Paging,
) -> Result<(Vec<Link>, usize)> {
    let (prefixes, selection) = (linked_prefixes(), org_cities_selection(org));
    let cities: BTreeSet<String> = backend
        .select_strings(&format!(
            "{prefixes}{selection} ORDER BY ?city {}",
            paging.limit_offset()
        ))?
        .into_iter()
        .flatten()
        .collect();
    let total = backend
        .select_strings(&format!(
            "{prefixes}SELECT (COUNT(*) AS ?n) WHERE {{ {selection} }}"
        ))?
        .first()
        .and_then(|row| row.first())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let linker = Linker::new(backend, base_iri, &cities, lang)?;
    Ok((linker.sorted_links(&cities), total))
}

/// The prefixes [`linked_selection`] uses.
pub fn linked_prefixes() -> String {
    format!("PREFIX ckg: <{CKG}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
}

/// The (?s ?p ?city) links to `iri` that the generic page pages through and counts (with
/// [`linked_prefixes`]). Contribution records (`{base}api/…`) and the derived graph's match nodes
/// are not the resource's links.
pub fn linked_selection(base_iri: &str, iri: &NamedNode) -> String {
    let records = oxigraph::model::Literal::new_simple_literal(format!("{base_iri}api/"));
    let derived =
        oxigraph::model::Literal::new_simple_literal(crate::store::derived::node_prefix());
    format!(
        "SELECT DISTINCT ?s ?p ?city WHERE {{
           ?s ?p {iri} FILTER(isIRI(?s) && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>
                              && !STRSTARTS(STR(?s), {records}) && !STRSTARTS(STR(?s), {derived}))
           OPTIONAL {{ {{ ?s ckg:city ?city }} UNION {{ ?s skos:inScheme/ckg:city ?city }}
                      UNION {{ ?owner ckg:outcome ?s . ?owner ckg:city ?city }} }}
         }}"
    )
}

/// One page of what links to `iri` (ordered by city, property and subject), grouped by city.
pub fn linked_page(
    backend: &Backend,
    base_iri: &str,
    iri: &NamedNode,
    lang: Lang,
    paging: Paging,
) -> Result<LinkedView> {
    let (prefixes, selection) = (linked_prefixes(), linked_selection(base_iri, iri));
    let incoming = backend.select(&format!(
        "{prefixes}{selection} ORDER BY ?city ?p ?s {}",
        paging.limit_offset()
    ))?;
    let total = match backend
        .select(&format!(
            "{prefixes}SELECT (COUNT(*) AS ?n) WHERE {{ {selection} }}"
        ))?
        .first()
        .and_then(|row| row.first())
    {
        Some(Some(Term::Literal(n))) => n.value().parse().unwrap_or(0),
        _ => 0,
    };
    let mut iris: BTreeSet<String> = BTreeSet::new();
    iris.insert(iri.as_str().to_owned());
    for row in &incoming {
        iris.extend(row.iter().filter_map(text));
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let strings = strings(lang);
    // city (or "") → property → subjects
    let mut grouped: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for row in &incoming {
        let (Some(s), Some(p)) = (text(&row[0]), text(&row[1])) else {
            continue;
        };
        let city = text(&row[2]).unwrap_or_default();
        grouped
            .entry(city)
            .or_default()
            .entry(p)
            .or_default()
            .insert(s);
    }
    let mut groups: Vec<CityLinks> = grouped
        .into_iter()
        .map(|(city, relations)| {
            let mut relations: Vec<Relation> = relations
                .into_iter()
                .map(|(p, subjects)| Relation {
                    name: relation_key(&p)
                        .and_then(|k| strings.get(k).map(|s| s.to_string()))
                        .unwrap_or_else(|| linker.label(&p)),
                    items: linker.sorted_links(&subjects),
                })
                .collect();
            relations.sort_by(|a, b| a.name.cmp(&b.name));
            CityLinks {
                heading: (!city.is_empty()).then(|| linker.link(&city)),
                relations,
            }
        })
        .collect();
    // Cities by name, then what belongs to no city.
    groups.sort_by(|a, b| match (&a.heading, &b.heading) {
        (Some(x), Some(y)) => x.text.cmp(&y.text),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    Ok(LinkedView {
        label: linker.label(iri.as_str()),
        label_lang: linker.label_lang(iri.as_str()),
        groups,
        total,
        shown: incoming.len(),
    })
}
