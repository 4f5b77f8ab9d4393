//! The stored ranking state of each subject (signature, list length, cutoff, inputs) as one
//! `ckg:rankState` literal, and reading them back.

use super::facts::{Facts, RawGoal, RawPractice, Subject};
use super::triples::ckg;
use super::{Backend, iri_rows};
use crate::error::Result;
use crate::vocab;
use std::collections::HashMap;

/// What a stored state says its subject's ranking was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Inputs {
    Practice(RawPractice),
    Goal(RawGoal),
}

/// A subject's stored ranking state: the signature of its inputs, its list's length and last
/// entry, and the inputs themselves, so that a refresh for one city can take every other
/// subject's inputs from here instead of reading the whole network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct State {
    pub(super) signature: u64,
    pub(super) len: usize,
    /// The last entry of the list: its score and practice.
    pub(super) cutoff: Option<(u64, String)>,
    pub(super) inputs: Inputs,
}

/// The first word of every state: the layout of the derived graph it belongs to. States without
/// it were written with blank match nodes, which only a full rebuild can remove.
const FORMAT: &str = "v2";

/// IRIs never hold a space or a `|`, so both can separate them.
pub(super) fn join(list: &[String]) -> String {
    list.join("|")
}

pub(super) fn split(text: &str) -> Vec<String> {
    text.split('|')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl State {
    pub(super) fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split(' ').collect();
        let [format, signature, len, score, iri, kind, a, b, c, d] = parts.as_slice() else {
            return None;
        };
        if *format != FORMAT {
            return None;
        }
        let signature = u64::from_str_radix(signature, 16).ok()?;
        let len = len.parse().ok()?;
        let cutoff = match (*score, *iri) {
            ("-", _) => None,
            (score, iri) => Some((score.parse().ok()?, (*iri).to_owned())),
        };
        let field = |t: &str, name: &str| t.strip_prefix(name).map(split);
        let inputs = match *kind {
            "p" => Inputs::Practice(RawPractice {
                cities: field(a, "c=")?,
                sdgs: field(b, "s=")?,
                themes: field(c, "t=")?,
                served: field(d, "r=")?,
            }),
            "g" => Inputs::Goal(RawGoal {
                city: field(a, "c=")?.into_iter().next()?,
                mapped: field(b, "s=")?,
                themes: field(c, "t=")?,
            }),
            _ => return None,
        };
        Some(Self {
            signature,
            len,
            cutoff,
            inputs,
        })
    }

    pub(super) fn text(&self) -> String {
        let (score, iri) = match &self.cutoff {
            Some((score, iri)) => (score.to_string(), iri.as_str()),
            None => ("-".to_owned(), "-"),
        };
        let inputs = match &self.inputs {
            Inputs::Practice(p) => format!(
                "p c={} s={} t={} r={}",
                join(&p.cities),
                join(&p.sdgs),
                join(&p.themes),
                join(&p.served)
            ),
            Inputs::Goal(g) => format!(
                "g c={} s={} t={} r=",
                g.city,
                join(&g.mapped),
                join(&g.themes)
            ),
        };
        format!(
            "{FORMAT} {:016x} {} {score} {iri} {inputs}",
            self.signature, self.len
        )
    }

    /// Whether a practice with `score` and `iri` would enter this list.
    pub(super) fn admits(&self, keep: usize, score: u64, iri: &str) -> bool {
        match &self.cutoff {
            _ if self.len < keep => true,
            Some((cut, cut_iri)) => score > *cut || (score == *cut && iri < cut_iri.as_str()),
            None => true,
        }
    }
}

fn states_query() -> String {
    format!(
        "SELECT ?s WHERE {{ GRAPH <{}> {{ <{}> {} ?s }} }}",
        vocab::graph::DERIVED,
        vocab::graph::DERIVED,
        ckg("rankState")
    )
}

/// Whether the stored states (if any) have the current layout: one is read.
pub(super) fn current_layout(backend: &Backend) -> Result<bool> {
    let rows = iri_rows(backend, &format!("{} LIMIT 1", states_query()))?;
    Ok(rows.first().and_then(|r| r.first()).is_none_or(|text| {
        text.split_once(' ')
            .is_some_and(|(_, state)| State::parse(state).is_some())
    }))
}

/// Every stored state of the current layout, by subject IRI.
pub(super) fn read_states(backend: &Backend) -> Result<HashMap<String, State>> {
    let rows = iri_rows(backend, &states_query())?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let (subject, text) = r.first()?.split_once(' ')?;
            Some((subject.to_owned(), State::parse(text)?))
        })
        .collect())
}

pub(super) fn state_of(facts: &Facts, subject: Subject, ranked: &[(u64, u32)]) -> State {
    State {
        signature: facts.signature(subject),
        len: ranked.len(),
        cutoff: ranked
            .last()
            .map(|&(s, p)| (s, facts.practices[p as usize].iri.clone())),
        inputs: match subject {
            Subject::Practice(p) => Inputs::Practice(facts.practices[p as usize].raw.clone()),
            Subject::Goal(g) => Inputs::Goal(facts.goals[g as usize].raw.clone()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::derived::SDG_NS;

    #[test]
    fn a_state_admits_what_beats_its_cutoff() {
        let state = State {
            signature: 7,
            len: 2,
            cutoff: Some((110, "m".into())),
            inputs: Inputs::Practice(RawPractice {
                cities: vec!["https://w3id.org/citykg/id/city/x".into()],
                sdgs: vec![format!("{SDG_NS}11.2"), format!("{SDG_NS}13")],
                themes: vec![],
                served: vec!["https://w3id.org/citykg/id/goal/x-1".into()],
            }),
        };
        let goal = State {
            cutoff: None,
            inputs: Inputs::Goal(RawGoal {
                city: "https://w3id.org/citykg/id/city/x".into(),
                mapped: vec![format!("{SDG_NS}11")],
                themes: vec!["https://w3id.org/citykg/id/theme/energy".into()],
            }),
            ..state.clone()
        };
        assert_eq!(State::parse(&goal.text()), Some(goal));
        assert_eq!(State::parse(&state.text()), Some(state.clone()));
        assert!(state.admits(2, 111, "z"));
        assert!(state.admits(2, 110, "a"));
        assert!(!state.admits(2, 110, "n"));
        assert!(!state.admits(2, 11, "a"));
        assert!(state.admits(3, 1, "z"), "a short list takes anything");
    }
}
