//! Ranked peer practices, as the goal page ("peer practices from other cities") and the practice
//! page ("similar practices") show them: looked up in the derived graph, with the reason in words.
//!
//! The stored ranking knows what a match shares (SDG targets, SDG goals, themes). At read time the
//! exchange of practice adjusts it: one lookup for all matched practices finds how many other
//! cities took each up (transfers with `ckg:fromPractice` it, into a city other than the giving
//! one) and whether it comes from a city of similar size to the subject's (see [`adjusted_score`]).

use super::format::{join, sdg_number, sdg_sort_key};
use crate::error::Result;
use crate::store::{Backend, term_text as text};
use crate::vocab::{self, CKG, ns};
use crate::web::i18n::{Lang, strings};
use crate::web::links::{Link, Linker};
use oxigraph::model::{Literal, NamedNode, Term};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A ranked practice of another city, with the reason it was found.
#[derive(Serialize, Debug)]
pub struct Match {
    pub practice: Link,
    pub cities: Vec<Link>,
    pub reason: String,
    /// The adjusted score the list is ordered by ([`adjusted_score`]).
    pub score: i64,
    /// The score stored in the derived graph (what the match shares).
    pub stored_score: i64,
    /// How many other cities took the matched practice up.
    pub adoptions: usize,
    /// Whether a city of the match is within [`SIMILAR_SIZE_FACTOR`] of the subject's city in population.
    pub similar_size: bool,
}

/// Bonus per other city that took the matched practice up, for at most [`MAX_ADOPTIONS_COUNTED`].
pub const ADOPTION_BONUS: i64 = 5;
pub const MAX_ADOPTIONS_COUNTED: usize = 4;
/// Bonus when the matched practice's city is of similar size to the subject's city.
pub const SIMILAR_SIZE_BONUS: i64 = 10;
/// Populations within this factor of each other are "of similar size".
pub const SIMILAR_SIZE_FACTOR: f64 = 3.0;

/// The score a list is ordered by: the stored score (100 per shared SDG target, 10 per shared SDG
/// goal, 1 per shared theme) + 5 per other city that took the practice up (at most 4 counted) + 10
/// when the practice's city is of similar size to the subject's. The bonuses add at most 30, less
/// than one shared target, so what a practice shares with the goal stays first; the exchange of
/// practice orders matches that share as much (the same target and as many goals).
pub fn adjusted_score(stored: i64, adoptions: usize, similar_size: bool) -> i64 {
    stored
        + ADOPTION_BONUS * adoptions.min(MAX_ADOPTIONS_COUNTED) as i64
        + if similar_size { SIMILAR_SIZE_BONUS } else { 0 }
}

/// Whether any of `ours` is within [`SIMILAR_SIZE_FACTOR`] of any of `theirs` (a practice may have
/// several cities); false when either population is unknown.
pub fn similar_size(ours: &[u64], theirs: &[u64]) -> bool {
    ours.iter().any(|&a| {
        theirs.iter().any(|&b| {
            let (small, large) = (a.min(b) as f64, a.max(b) as f64);
            small > 0.0 && large <= small * SIMILAR_SIZE_FACTOR
        })
    })
}

/// "three" for 3 in the reader's language (one to ten in words, then digits).
fn count_words(n: usize, lang: Lang) -> String {
    strings(lang)["number_words"]
        .split(' ')
        .nth(n.wrapping_sub(1))
        .map_or_else(|| n.to_string(), str::to_owned)
}

/// The exchange part of a reason: "taken up in three other cities", "a city of similar size".
pub fn exchange_reason(adoptions: usize, similar_size: bool, lang: Lang) -> Vec<String> {
    let t = strings(lang);
    let mut parts = Vec::new();
    if adoptions > 0 {
        let cities = if adoptions == 1 {
            t["city_one"]
        } else {
            t["city_many"]
        };
        parts.push(format!(
            "{} {} {cities}",
            t["taken_up_in"],
            count_words(adoptions, lang)
        ));
    }
    if similar_size {
        parts.push(t["similar_size"].to_owned());
    }
    parts
}

/// What the exchange of practice says about the matched practices: other cities that took each
/// up, the populations of each one's cities, and those of the subject's city. One query.
#[derive(Default)]
struct Exchange {
    adopters: BTreeMap<String, BTreeSet<String>>,
    populations: BTreeMap<String, Vec<u64>>,
    subject_populations: Vec<u64>,
}

impl Exchange {
    fn read<'a>(
        backend: &Backend,
        subject: &NamedNode,
        practices: impl IntoIterator<Item = &'a String>,
    ) -> Result<Self> {
        // Every IRI is a validated NamedNode, written with its own escaping Display.
        let values: String = practices
            .into_iter()
            .filter_map(|p| NamedNode::new(p.as_str()).ok())
            .map(|n| format!("{n} "))
            .collect();
        let mut out = Self::default();
        let rows = backend.select(&format!(
            "PREFIX ckg: <{CKG}> PREFIX skos: <{}>
             SELECT ?p ?to ?pop WHERE {{
               {{ VALUES ?p {{ {values} }} ?t ckg:fromPractice ?p ; ckg:fromCity ?from ; ckg:toCity ?to FILTER(?to != ?from) }}
               UNION {{ VALUES ?p {{ {values} }} ?p ckg:city ?c . ?c ckg:population ?pop }}
               UNION {{ {subject} ckg:city ?c . ?c ckg:population ?pop }}
               UNION {{ {subject} skos:inScheme ?s . ?s ckg:city ?c . ?c ckg:population ?pop }}
             }}",
            ns::SKOS
        ))?;
        for row in rows {
            let population = match row.get(2) {
                Some(Some(Term::Literal(l))) => population(l),
                _ => None,
            };
            match (text(&row[0]), text(&row[1]), population) {
                (Some(p), Some(to), _) => {
                    out.adopters.entry(p).or_default().insert(to);
                }
                (Some(p), None, Some(n)) => out.populations.entry(p).or_default().push(n),
                (None, None, Some(n)) => out.subject_populations.push(n),
                _ => {}
            }
        }
        Ok(out)
    }

    fn adoptions(&self, practice: &str) -> usize {
        self.adopters.get(practice).map_or(0, BTreeSet::len)
    }

    fn similar_size(&self, practice: &str) -> bool {
        self.populations
            .get(practice)
            .is_some_and(|theirs| similar_size(&self.subject_populations, theirs))
    }
}

/// A population literal (`xsd:integer`, or a decimal written as one) as a whole number.
fn population(l: &Literal) -> Option<u64> {
    let v = l.value();
    v.parse::<u64>().ok().or_else(|| {
        v.parse::<f64>()
            .ok()
            .filter(|f| *f >= 0.0)
            .map(|f| f as u64)
    })
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
    // The matches and their cities side by side (over an engine), then their labels beside the
    // exchange facts of the matched practices.
    let [found, cities] = backend.select_all([
        format!(
            "PREFIX ckg: <{CKG}>
         SELECT ?m ?p ?score ?k ?v WHERE {{ GRAPH <{derived}> {{ ?m ckg:matchFor {subject} ; ckg:matchedPractice ?p ; ckg:score ?score . OPTIONAL {{ ?m ?k ?v FILTER(?k IN (ckg:sharedTarget, ckg:sharedSdgGoal, ckg:sharedTheme)) }} }} }}"
        ),
        format!(
            "PREFIX ckg: <{CKG}>
         SELECT DISTINCT ?p ?city WHERE {{ GRAPH <{derived}> {{ ?m ckg:matchFor {subject} ; ckg:matchedPractice ?p }} ?p ckg:city ?city }}"
        ),
    ])?;
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
    for row in &cities {
        if let [Some(p), Some(c)] = [text(&row[0]), text(&row[1])] {
            iris.insert(c.clone());
            practice_cities.entry(p).or_default().push(c);
        }
    }
    let (linker, exchange) = std::thread::scope(|scope| -> Result<_> {
        let linker = backend.start(scope, || Linker::new(backend, base_iri, &iris, lang));
        let exchange = backend.start(scope, || {
            if by_match.is_empty() {
                Ok(Exchange::default())
            } else {
                Exchange::read(backend, subject, by_match.values().map(|f| &f.practice))
            }
        });
        Ok((linker.wait()?, exchange.wait()?))
    })?;
    let mut out: Vec<Match> = by_match
        .into_values()
        .map(|f| {
            let adoptions = exchange.adoptions(&f.practice);
            let similar = exchange.similar_size(&f.practice);
            let mut reason = reason(&f, &linker, lang);
            for part in exchange_reason(adoptions, similar, lang) {
                reason.push_str("; ");
                reason.push_str(&part);
            }
            Match {
                cities: practice_cities
                    .get(&f.practice)
                    .map(|cs| cs.iter().map(|c| linker.link(c)).collect())
                    .unwrap_or_default(),
                practice: linker.link(&f.practice),
                reason,
                score: adjusted_score(f.score, adoptions, similar),
                stored_score: f.score,
                adoptions,
                similar_size: similar,
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_and_size_add_less_than_a_shared_target() {
        assert_eq!(adjusted_score(110, 0, false), 110);
        assert_eq!(adjusted_score(110, 3, false), 125);
        assert_eq!(adjusted_score(110, 6, true), 110 + 20 + 10);
        // Everything the exchange adds stays below one more shared SDG target.
        assert!(adjusted_score(100, 99, true) < adjusted_score(200, 0, false));
        // … but puts a widely taken-up practice of a similar city before an equal match.
        assert!(adjusted_score(110, 1, true) > adjusted_score(110, 0, false));
    }

    #[test]
    fn similar_size_is_within_a_factor_of_three() {
        // Stockholm and Gothenburg; Stockholm and London; an unknown population.
        assert!(similar_size(&[975_904], &[551_449]));
        assert!(!similar_size(&[975_904], &[8_866_180]));
        assert!(similar_size(&[300], &[900]));
        assert!(!similar_size(&[300], &[901]));
        assert!(!similar_size(&[], &[551_449]));
        assert!(!similar_size(&[0], &[0]));
        // A practice of several cities: any of them counts.
        assert!(similar_size(&[975_904], &[8_866_180, 1_087_353]));
    }

    #[test]
    fn the_reason_says_how_many_cities_took_it_up_and_size() {
        assert!(exchange_reason(0, false, Lang::En).is_empty());
        assert_eq!(
            exchange_reason(3, true, Lang::En),
            ["taken up in three other cities", "a city of similar size"]
        );
        assert_eq!(
            exchange_reason(1, false, Lang::En),
            ["taken up in one other city"]
        );
        assert_eq!(
            exchange_reason(1, true, Lang::Sv),
            ["införd i en annan stad", "en stad av liknande storlek"]
        );
        assert_eq!(
            exchange_reason(6, false, Lang::Sv),
            ["införd i sex andra städer"]
        );
        assert_eq!(
            exchange_reason(12, false, Lang::En),
            ["taken up in 12 other cities"]
        );
    }
}
