//! Narrowing a goal's peer practices on the goal page by country, theme and stage: plain GET links
//! (`?country=Q35#peers`) that work without JavaScript, each value with the number of peers it
//! would leave under the other choices. The peers' countries, themes and stages come from one
//! lookup that starts from the peers themselves.

use super::peers::Match;
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{CKG, exchange::STAGE, ns};
use crate::web::i18n::Lang;
use crate::web::links::Linker;
use crate::web::request::QueryPairs;
use oxigraph::model::NamedNode;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The three ways to narrow the peers, by their parameter names.
const KEYS: [&str; 3] = ["country", "theme", "stage"];

/// The choices read from the query string: parameter → the value's code (the IRI's last segment).
#[derive(Debug, Default, Clone)]
pub struct Chosen(BTreeMap<&'static str, String>);

impl Chosen {
    /// Codes are compared with the data's codes only; anything else matches nothing.
    pub fn from_pairs(pairs: &QueryPairs) -> Self {
        Self(
            KEYS.iter()
                .filter_map(|k| pairs.get(k).map(|v| (*k, v.chars().take(100).collect())))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One value to narrow by: its label, how many peers it leaves, its link, whether it is chosen.
#[derive(Serialize, Debug)]
pub struct Choice {
    pub label: String,
    pub lang: Option<String>,
    pub count: usize,
    pub href: String,
    pub on: bool,
}

/// One way to narrow (country, theme, stage) with its values.
#[derive(Serialize, Debug)]
pub struct Narrowing {
    pub key: &'static str,
    pub choices: Vec<Choice>,
}

/// The peers left after the choices, the ways to narrow them, and the link that clears them.
#[derive(Serialize, Debug, Default)]
pub struct NarrowedPeers {
    pub narrowings: Vec<Narrowing>,
    pub all: usize,
    pub clear_href: Option<String>,
}

fn code(iri: &str) -> String {
    iri.rsplit(['/', '#']).next().unwrap_or(iri).to_owned()
}

/// Narrows `peers` (in place) by `chosen`; `page_path` is the goal page's path.
pub fn narrow(
    backend: &Backend,
    base_iri: &str,
    peers: &mut Vec<Match>,
    chosen: &Chosen,
    page_path: &str,
    lang: Lang,
) -> Result<NarrowedPeers> {
    let all = peers.len();
    if peers.is_empty() {
        return Ok(NarrowedPeers::default());
    }
    // The peers' IRIs from their local links (`/id/practice/slug?lang=…`), validated.
    let iri_of = |m: &Match| -> Option<NamedNode> {
        let path = m.practice.href.split('?').next()?.strip_prefix('/')?;
        NamedNode::new(format!("{base_iri}{path}")).ok()
    };
    let nodes: Vec<NamedNode> = peers.iter().filter_map(iri_of).collect();
    let values: String = nodes.iter().map(|n| format!("{n} ")).collect();
    let rows = backend.select(&format!(
        "SELECT ?p ?k ?v WHERE {{ VALUES ?p {{ {values} }}
           {{ ?p <{CKG}city>/<{schema}containedInPlace> ?v BIND(\"country\" AS ?k) }}
           UNION {{ ?p <{dcterms}subject> ?v BIND(\"theme\" AS ?k) }}
           UNION {{ ?p <{STAGE}> ?v BIND(\"stage\" AS ?k) }} }}",
        schema = ns::SCHEMA,
        dcterms = ns::DCTERMS,
    ))?;
    // practice → key → value IRIs
    let mut of: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut iris = BTreeSet::new();
    for row in rows {
        if let (Some(p), Some(k), Some(v)) = (text(&row[0]), text(&row[1]), text(&row[2])) {
            iris.insert(v.clone());
            of.entry(p).or_default().entry(k).or_default().insert(v);
        }
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let values_of = |m: &Match, key: &str| -> BTreeSet<String> {
        iri_of(m)
            .and_then(|n| of.get(n.as_str()))
            .and_then(|k| k.get(key))
            .cloned()
            .unwrap_or_default()
    };
    let admits = |m: &Match, except: Option<&str>| {
        chosen.0.iter().all(|(key, wanted)| {
            Some(*key) == except || values_of(m, key).iter().any(|v| code(v) == *wanted)
        })
    };
    let href = |key: &str, value: Option<&str>| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &chosen.0 {
            if *k != key {
                s.append_pair(k, v);
            }
        }
        if let Some(v) = value {
            s.append_pair(key, v);
        }
        s.append_pair("lang", lang.code());
        format!("{page_path}?{}#peers", s.finish())
    };
    let mut narrowings = Vec::new();
    for key in KEYS {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for m in peers.iter().filter(|m| admits(m, Some(key))) {
            for v in values_of(m, key) {
                *counts.entry(v).or_default() += 1;
            }
        }
        let mut choices: Vec<Choice> = counts
            .into_iter()
            .map(|(iri, count)| {
                let on = chosen.0.get(key).is_some_and(|c| *c == code(&iri));
                Choice {
                    label: linker.label(&iri),
                    lang: linker.label_lang(&iri),
                    count,
                    href: href(key, (!on).then(|| code(&iri)).as_deref()),
                    on,
                }
            })
            .collect();
        choices.sort_by(|a, b| a.label.cmp(&b.label));
        if !choices.is_empty() {
            narrowings.push(Narrowing { key, choices });
        }
    }
    peers.retain(|m| admits(m, None));
    Ok(NarrowedPeers {
        narrowings,
        all,
        clear_href: (!chosen.is_empty()).then(|| format!("{page_path}?lang={}#peers", lang.code())),
    })
}
