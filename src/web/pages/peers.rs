//! Ranked peer practices, as the goal page ("peer practices from other cities") and the practice
//! page ("similar practices") show them: looked up in the derived graph, with the reason in words.

use super::format::{join, sdg_number, sdg_sort_key};
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{self, CKG};
use crate::web::i18n::{Lang, strings};
use crate::web::links::{Link, Linker};
use oxigraph::model::NamedNode;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A ranked practice of another city, with the reason it was found.
#[derive(Serialize, Debug)]
pub struct Match {
    pub practice: Link,
    pub cities: Vec<Link>,
    pub reason: String,
    pub score: i64,
}

/// What a stored match shares with the goal or practice it was found for.
#[derive(Default)]
struct Found {
    practice: String,
    score: i64,
    targets: BTreeSet<String>,
    goals: BTreeSet<String>,
    themes: BTreeSet<String>,
}

/// Ranked matches stored in the derived graph for `subject` (a goal or a practice), best first.
pub fn matches(
    backend: &Backend,
    base_iri: &str,
    subject: &NamedNode,
    lang: Lang,
) -> Result<Vec<Match>> {
    let derived = vocab::graph::DERIVED;
    let found = backend.select(&format!(
        "PREFIX ckg: <{CKG}>
         SELECT ?m ?p ?score ?k ?v WHERE {{ GRAPH <{derived}> {{ ?m ckg:matchFor {subject} ; ckg:matchedPractice ?p ; ckg:score ?score . OPTIONAL {{ ?m ?k ?v FILTER(?k IN (ckg:sharedTarget, ckg:sharedSdgGoal, ckg:sharedTheme)) }} }} }}"
    ))?;
    let cities = backend.select_strings(&format!(
        "PREFIX ckg: <{CKG}>
         SELECT DISTINCT ?p ?city WHERE {{ GRAPH <{derived}> {{ ?m ckg:matchFor {subject} ; ckg:matchedPractice ?p }} ?p ckg:city ?city }}"
    ))?;
    let mut by_match: BTreeMap<String, Found> = BTreeMap::new();
    let mut iris = BTreeSet::new();
    for row in &found {
        let (Some(m), Some(p)) = (text(&row[0]), text(&row[1])) else {
            continue;
        };
        iris.insert(p.clone());
        let entry = by_match.entry(m).or_insert_with(|| Found {
            practice: p,
            score: text(&row[2]).and_then(|s| s.parse().ok()).unwrap_or(0),
            ..Found::default()
        });
        if let (Some(k), Some(v)) = (text(&row[3]), text(&row[4])) {
            iris.insert(v.clone());
            match k.strip_prefix(CKG) {
                Some("sharedTarget") => entry.targets.insert(v),
                Some("sharedSdgGoal") => entry.goals.insert(v),
                _ => entry.themes.insert(v),
            };
        }
    }
    let mut practice_cities: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in cities {
        if let [p, c] = &row[..] {
            iris.insert(c.clone());
            practice_cities
                .entry(p.clone())
                .or_default()
                .push(c.clone());
        }
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let mut out: Vec<Match> = by_match
        .into_values()
        .map(|f| Match {
            cities: practice_cities
                .get(&f.practice)
                .map(|cs| cs.iter().map(|c| linker.link(c)).collect())
                .unwrap_or_default(),
            practice: linker.link(&f.practice),
            reason: reason(&f, &linker, lang),
            score: f.score,
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.practice.text.cmp(&b.practice.text))
    });
    Ok(out)
}

/// "shares SDG 11.2, SDG 13 and the theme Mobility": targets, then goals not covered by a shared
/// target, then themes.
fn reason(found: &Found, linker: &Linker, lang: Lang) -> String {
    let t = strings(lang);
    let covered: BTreeSet<&str> = found
        .targets
        .iter()
        .map(|t| sdg_number(t).split('.').next().unwrap_or(""))
        .collect();
    let mut sdgs: Vec<&String> = found.targets.iter().collect();
    sdgs.extend(
        found
            .goals
            .iter()
            .filter(|g| !covered.contains(sdg_number(g))),
    );
    sdgs.sort_by_key(|s| sdg_sort_key(s));
    let mut parts: Vec<String> = sdgs
        .into_iter()
        .map(|sdg| format!("SDG {}", sdg_number(sdg)))
        .collect();
    let theme_names: Vec<String> = found.themes.iter().map(|th| linker.label(th)).collect();
    if !theme_names.is_empty() {
        let word = if theme_names.len() == 1 {
            t["the_theme"]
        } else {
            t["the_themes"]
        };
        parts.push(format!("{word} {}", join(&theme_names, t["and"])));
    }
    format!("{} {}", t["shares"], join(&parts, t["and"]))
}
