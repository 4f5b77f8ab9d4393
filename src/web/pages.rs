//! Server-rendered HTML: the home page, the example-query list and the SPARQL query page
//! (a plain form that works without JavaScript, with a paged results table).

use super::SharedState;
use super::i18n::{Lang, strings};
use super::protocol::Params;
use super::runner::run_blocking;
use crate::error::{Error, Result};
use crate::sparql::exec::QueryRequest;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, context};
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;
use serde::Serialize;

const PAGE_SIZE: usize = 100;

/// The templates, compiled into the binary; `.html` templates autoescape.
pub fn templates() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("home.html", include_str!("templates/home.html")),
        ("queries.html", include_str!("templates/queries.html")),
        ("sparql.html", include_str!("templates/sparql.html")),
        ("resource.html", include_str!("templates/resource.html")),
        ("not_found.html", include_str!("templates/not_found.html")),
        ("alternates.html", include_str!("templates/alternates.html")),
        ("matches.html", include_str!("templates/matches.html")),
        ("compare.html", include_str!("templates/compare.html")),
        ("ontology.html", include_str!("templates/ontology.html")),
        ("contribute.html", include_str!("templates/contribute.html")),
        ("city.html", include_str!("templates/city.html")),
        ("goal.html", include_str!("templates/goal.html")),
        ("practice.html", include_str!("templates/practice.html")),
        ("sdg.html", include_str!("templates/sdg.html")),
        ("search.html", include_str!("templates/search.html")),
        (
            "search_form.html",
            include_str!("templates/search_form.html"),
        ),
        ("hits.html", include_str!("templates/hits.html")),
    ] {
        env.add_template(name, source)
            .map_err(|e| Error::Invalid(format!("template {name}: {e}")))?;
    }
    Ok(env)
}

/// What every page needs to know about its request: the reader's language and how to link to
/// the same page in the other language.
pub struct PageCtx {
    pub lang: Lang,
    switch_en: String,
    switch_sv: String,
}

impl PageCtx {
    /// From the request path, its raw query string and headers.
    pub fn new(path: &str, raw_query: Option<&str>, headers: &axum::http::HeaderMap) -> Self {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let lang_param = pairs
            .iter()
            .find(|(k, _)| k == "lang")
            .map(|(_, v)| v.as_str());
        let lang = Lang::from_request(lang_param, headers);
        let switch = |code: &str| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs.iter().filter(|(k, _)| k != "lang") {
                s.append_pair(k, v);
            }
            s.append_pair("lang", code);
            format!("{path}?{}", s.finish())
        };
        Self {
            lang,
            switch_en: switch("en"),
            switch_sv: switch("sv"),
        }
    }
}

/// Renders a template into an HTML response, with the interface strings of the reader's language.
pub fn render(
    state: &SharedState,
    name: &str,
    ctx: minijinja::Value,
    status: StatusCode,
    page: &PageCtx,
) -> Response {
    let ctx = context! {
        t => minijinja::Value::from(minijinja::value::Serde(strings(page.lang))),
        lang => page.lang.code(),
        switch_en => page.switch_en.clone(),
        switch_sv => page.switch_sv.clone(),
        ..ctx
    };
    let rendered = state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx));
    match rendered {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::VARY, "Accept"),
            ],
            html,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("template {name} failed: {e}\n"),
        )
            .into_response(),
    }
}

/// One rendered RDF term.
#[derive(Serialize, Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub meta: Option<String>,
}

/// Where a link to an IRI should go: our own resources to their local page, other http(s) IRIs
/// to themselves; anything else (javascript:, data:, …) gets no link.
pub fn href_for(iri: &str, base_iri: &str) -> Option<String> {
    if let Some(rest) = iri.strip_prefix(base_iri)
        && rest.starts_with("id/")
    {
        return Some(format!("/{rest}"));
    }
    if let Some(number) = iri.strip_prefix("http://metadata.un.org/sdg/")
        && !number.is_empty()
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.')
    {
        return Some(format!("/sdg/{number}"));
    }
    if iri.starts_with("http://") || iri.starts_with("https://") {
        Some(iri.to_owned())
    } else {
        None
    }
}

/// Shortens well-known namespaces for display.
pub fn compact(iri: &str) -> String {
    const PREFIXES: [(&str, &str); 12] = [
        ("ckg:", "https://w3id.org/citykg/ontology#"),
        ("rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
        ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
        ("xsd:", "http://www.w3.org/2001/XMLSchema#"),
        ("skos:", "http://www.w3.org/2004/02/skos/core#"),
        ("dcterms:", "http://purl.org/dc/terms/"),
        ("prov:", "http://www.w3.org/ns/prov#"),
        ("schema:", "https://schema.org/"),
        ("owl:", "http://www.w3.org/2002/07/owl#"),
        ("qudt:", "http://qudt.org/schema/qudt/"),
        ("unit:", "http://qudt.org/vocab/unit/"),
        ("sdg:", "http://metadata.un.org/sdg/"),
    ];
    for (prefix, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns)
            && !local.is_empty()
        {
            return format!("{prefix}{local}");
        }
    }
    iri.to_owned()
}

/// Renders a term as text, link and annotation.
pub fn cell(term: &Term, base_iri: &str) -> Cell {
    match term {
        Term::NamedNode(n) => Cell {
            text: compact(n.as_str()),
            href: href_for(n.as_str(), base_iri),
            meta: None,
        },
        Term::BlankNode(b) => Cell {
            text: format!("_:{}", b.as_str()),
            href: None,
            meta: None,
        },
        Term::Literal(l) => {
            let meta = if let Some(lang) = l.language() {
                Some(format!("@{lang}"))
            } else if l.datatype().as_str() == "http://www.w3.org/2001/XMLSchema#string" {
                None
            } else {
                Some(compact(l.datatype().as_str()))
            };
            Cell {
                text: l.value().to_owned(),
                href: None,
                meta,
            }
        }
        #[allow(unreachable_patterns)]
        other => Cell {
            text: other.to_string(),
            href: None,
            meta: None,
        },
    }
}

/// A link that runs `query` on the query page.
pub fn query_href(query: &str) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("query", query);
    format!("/sparql?{}", s.finish())
}

#[derive(Serialize)]
struct ExampleLink {
    title: String,
    description: String,
    href: String,
    id: String,
    text: String,
}

fn examples(state: &SharedState) -> Vec<ExampleLink> {
    state
        .queries
        .iter()
        .map(|q| ExampleLink {
            title: q.title.clone(),
            description: q.description.clone(),
            href: query_href(&q.text),
            id: q.id.clone(),
            text: q.text.clone(),
        })
        .collect()
}

#[derive(Serialize)]
struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<Option<Cell>>>,
    boolean: Option<bool>,
    first: usize,
    last: usize,
    more: bool,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
struct Download {
    label: &'static str,
    href: String,
}

/// One page of results: column names, rows, the ASK answer, and whether more rows follow.
type ResultPage = (Vec<String>, Vec<Vec<Option<Cell>>>, Option<bool>, bool);

/// Evaluates a query for the page: one page of rows (and whether more follow).
fn page_of(
    state: &SharedState,
    request: &QueryRequest,
    page: usize,
    token: oxigraph::sparql::CancellationToken,
) -> Result<ResultPage> {
    let skip = (page - 1) * PAGE_SIZE;
    let base = state.base_iri.as_str();
    match request.evaluate(&state.backend, &state.federation, token)? {
        QueryResults::Boolean(b) => Ok((Vec::new(), Vec::new(), Some(b), false)),
        QueryResults::Solutions(solutions) => {
            let columns: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect();
            let width = columns.len();
            let mut rows = Vec::new();
            let mut more = false;
            for (i, solution) in solutions.enumerate() {
                let solution = solution.map_err(crate::sparql::exec::evaluation_error)?;
                if i < skip {
                    continue;
                }
                if rows.len() == PAGE_SIZE {
                    more = true;
                    break;
                }
                rows.push(
                    (0..width)
                        .map(|c| solution.get(c).map(|t| cell(t, base)))
                        .collect(),
                );
            }
            Ok((columns, rows, None, more))
        }
        QueryResults::Graph(triples) => {
            let mut rows = Vec::new();
            let mut more = false;
            for (i, triple) in triples.enumerate() {
                let triple = triple.map_err(crate::sparql::exec::evaluation_error)?;
                if i < skip {
                    continue;
                }
                if rows.len() == PAGE_SIZE {
                    more = true;
                    break;
                }
                rows.push(vec![
                    Some(cell(&Term::from(triple.subject), base)),
                    Some(cell(&Term::from(triple.predicate), base)),
                    Some(cell(&triple.object, base)),
                ]);
            }
            Ok((
                vec!["subject".into(), "predicate".into(), "object".into()],
                rows,
                None,
                more,
            ))
        }
    }
}

fn page_link(query: &str, page: usize) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("query", query);
    s.append_pair("page", &page.to_string());
    format!("/sparql?{}", s.finish())
}

/// The query page: the form, and the results of `request` when there is one.
pub async fn query_page(
    state: &SharedState,
    params: &Params,
    request: Option<QueryRequest>,
    page_ctx: &PageCtx,
) -> Response {
    let query = params.query.first().cloned().unwrap_or_else(|| {
        "SELECT ?practice ?name WHERE {\n  ?practice a <https://w3id.org/citykg/ontology#Practice> ;\n            <https://schema.org/name> ?name .\n}\nORDER BY ?name\nLIMIT 20".to_owned()
    });
    let page: usize = params
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1 && *p <= 100_000)
        .unwrap_or(1);
    let mut error = None;
    let mut result = None;
    let mut status = StatusCode::OK;
    let request = match request {
        Some(r) => Some(r),
        None if !params.query.is_empty() => match QueryRequest::parse(&query, None) {
            Ok(r) => Some(r),
            Err(e) => {
                error = Some(e.to_string());
                status = StatusCode::BAD_REQUEST;
                None
            }
        },
        None => None,
    };
    if let Some(request) = request {
        let work_state = state.clone();
        match run_blocking(state, move |token| {
            page_of(&work_state, &request, page, token)
        })
        .await
        {
            Ok((columns, rows, boolean, more)) => {
                let first = (page - 1) * PAGE_SIZE + 1;
                result = Some(Table {
                    last: first + rows.len().saturating_sub(1),
                    first,
                    columns,
                    rows,
                    boolean,
                    more,
                    prev: (page > 1).then(|| page_link(&query, page - 1)),
                    next: more.then(|| page_link(&query, page + 1)),
                });
            }
            Err(e) => {
                status = match e {
                    Error::Cancelled(_) => StatusCode::SERVICE_UNAVAILABLE,
                    Error::Syntax(_) | Error::Invalid(_) => StatusCode::BAD_REQUEST,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                error = Some(match e {
                    Error::Cancelled(_) => format!(
                        "The query did not finish within {} seconds and was stopped.",
                        state.query_timeout.as_secs()
                    ),
                    other => other.to_string(),
                });
            }
        }
    }
    let downloads: Vec<Download> = [
        ("JSON", "json"),
        ("XML", "xml"),
        ("CSV", "csv"),
        ("TSV", "tsv"),
        ("Turtle", "turtle"),
        ("JSON-LD", "jsonld"),
    ]
    .into_iter()
    .filter(|(_, f)| {
        let graph = result.as_ref().is_some_and(|r: &Table| {
            r.boolean.is_none() && r.columns == ["subject", "predicate", "object"]
        });
        if graph {
            matches!(*f, "turtle" | "jsonld")
        } else {
            !matches!(*f, "turtle" | "jsonld")
        }
    })
    .map(|(label, f)| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("query", &query);
        s.append_pair("format", f);
        Download {
            label,
            href: format!("/sparql?{}", s.finish()),
        }
    })
    .collect();
    render(
        state,
        "sparql.html",
        context! {
            query => query.clone(),
            error => error,
            result => minijinja::Value::from(minijinja::value::Serde(&result)),
            permalink => query_href(&query),
            downloads => minijinja::Value::from(minijinja::value::Serde(&downloads)),
            examples => minijinja::Value::from(minijinja::value::Serde(&examples(state))),
            timeout => state.query_timeout.as_secs(),
        },
        status,
        page_ctx,
    )
}

/// GET /queries
pub async fn queries(
    State(state): State<SharedState>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = PageCtx::new("/queries", raw.as_deref(), &headers);
    render(
        &state,
        "queries.html",
        context! { queries => minijinja::Value::from(minijinja::value::Serde(&examples(&state))) },
        StatusCode::OK,
        &page,
    )
}

#[derive(Serialize)]
struct CityRow {
    name: String,
    href: String,
    practices: String,
}

#[derive(Serialize)]
struct Cell2 {
    x: u32,
    y: u32,
    count: i64,
    opacity: f32,
    title: String,
}

#[derive(Serialize)]
struct Axis {
    pos: u32,
    text: String,
    href: String,
}

/// GET /: what citykg is, the cities with their practice counts, the themes, the SDGs covered and
/// the SDG × city coverage chart. Counts come from the derived graph (computed per data version).
pub async fn home(
    State(state): State<SharedState>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = PageCtx::new("/", raw.as_deref(), &headers);
    let lang = page.lang;
    let work_state = state.clone();
    let data = run_blocking(&state, move |_| {
        let backend = &work_state.backend;
        let cities = backend.select(&format!(
            "SELECT ?city ?count WHERE {{ ?city a <https://w3id.org/citykg/ontology#City> . OPTIONAL {{ GRAPH <{}> {{ ?city <https://w3id.org/citykg/ontology#practiceCount> ?count }} }} }}",
            crate::vocab::graph::DERIVED
        ))?;
        let themes = backend.select(
            "SELECT ?t WHERE { ?t a <https://w3id.org/citykg/ontology#Theme> }",
        )?;
        let coverage = backend.select(&format!(
            "SELECT ?city ?sdg ?count WHERE {{ GRAPH <{}> {{ ?c a <https://w3id.org/citykg/ontology#Coverage> ; <https://w3id.org/citykg/ontology#coverageCity> ?city ; <https://w3id.org/citykg/ontology#coverageSdg> ?sdg ; <https://w3id.org/citykg/ontology#practiceCount> ?count }} }}",
            crate::vocab::graph::DERIVED
        ))?;
        let mut iris = std::collections::BTreeSet::new();
        for table in [&cities, &themes, &coverage] {
            for row in table.iter() {
                for term in row.iter().flatten() {
                    if let Term::NamedNode(n) = term {
                        iris.insert(n.as_str().to_owned());
                    }
                }
            }
        }
        for n in 1..=17 {
            iris.insert(format!("http://metadata.un.org/sdg/{n}"));
        }
        let linker = super::views::Linker::new(backend, &work_state.base_iri, &iris, lang)?;
        Ok((cities, themes, coverage, linker))
    })
    .await;
    let (cities, themes, coverage, linker) = match data {
        Ok(d) => d,
        Err(e) => return super::runner::error_response(&e, state.query_timeout.as_secs()),
    };
    let value = |t: &Option<Term>| match t {
        Some(Term::NamedNode(n)) => n.as_str().to_owned(),
        Some(Term::Literal(l)) => l.value().to_owned(),
        _ => String::new(),
    };
    let mut city_rows: Vec<CityRow> = cities
        .iter()
        .map(|row| {
            let iri = value(&row[0]);
            CityRow {
                name: linker.label(&iri),
                href: linker.href(&iri),
                practices: row
                    .get(1)
                    .map(value)
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| "0".into()),
            }
        })
        .collect();
    city_rows.sort_by(|a, b| {
        b.practices
            .parse::<u32>()
            .unwrap_or(0)
            .cmp(&a.practices.parse::<u32>().unwrap_or(0))
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut theme_links: Vec<super::views::Link> =
        themes.iter().map(|r| linker.link(&value(&r[0]))).collect();
    theme_links.sort();
    // The chart: one row per city (in the order above), one column per SDG goal.
    let city_index: std::collections::HashMap<String, usize> = cities
        .iter()
        .map(|r| value(&r[0]))
        .map(|iri| {
            let name = linker.label(&iri);
            let pos = city_rows.iter().position(|c| c.name == name).unwrap_or(0);
            (iri, pos)
        })
        .collect();
    let max = coverage
        .iter()
        .filter_map(|r| value(&r[2]).parse::<i64>().ok())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut covered = std::collections::BTreeSet::new();
    let cells: Vec<Cell2> = coverage
        .iter()
        .filter_map(|r| {
            let city = value(&r[0]);
            let sdg = value(&r[1]);
            let number: u32 = sdg
                .strip_prefix("http://metadata.un.org/sdg/")?
                .parse()
                .ok()?;
            let count: i64 = value(&r[2]).parse().ok()?;
            covered.insert(number);
            let row = *city_index.get(&city)? as u32;
            Some(Cell2 {
                x: 130 + (number - 1) * 26,
                y: 30 + row * 22,
                count,
                opacity: 0.15 + 0.85 * count as f32 / max as f32,
                title: format!("{} · SDG {number}: {count}", linker.label(&city)),
            })
        })
        .collect();
    let columns: Vec<Axis> = (1..=17u32)
        .map(|n| Axis {
            pos: 130 + (n - 1) * 26 + 13,
            text: n.to_string(),
            href: linker.href(&format!("http://metadata.un.org/sdg/{n}")),
        })
        .collect();
    let rows_axis: Vec<Axis> = city_rows
        .iter()
        .enumerate()
        .map(|(i, c)| Axis {
            pos: 30 + i as u32 * 22 + 15,
            text: c.name.clone(),
            href: c.href.clone(),
        })
        .collect();
    let sdgs: Vec<super::views::Link> = covered
        .iter()
        .map(|n| linker.link(&format!("http://metadata.un.org/sdg/{n}")))
        .collect();
    let height = 40 + city_rows.len() as u32 * 22;
    render(
        &state,
        "home.html",
        context! {
            cities => minijinja::Value::from(minijinja::value::Serde(&city_rows)),
            themes => minijinja::Value::from(minijinja::value::Serde(&theme_links)),
            sdgs => minijinja::Value::from(minijinja::value::Serde(&sdgs)),
            cells => minijinja::Value::from(minijinja::value::Serde(&cells)),
            columns => minijinja::Value::from(minijinja::value::Serde(&columns)),
            rows => minijinja::Value::from(minijinja::value::Serde(&rows_axis)),
            chart_height => height,
        },
        StatusCode::OK,
        &page,
    )
}
