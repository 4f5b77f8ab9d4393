//! The ranking inputs held in memory: interned IRIs, the profile of every practice and goal, the
//! candidate indexes (SDG target, SDG goal and theme → practices) and each subject's signature.

use super::ranking::Query;
use super::{PEERS_PER_GOAL, SIMILAR_PER_PRACTICE};
use std::collections::{BTreeMap, HashMap};

/// Strings to small numbers.
#[derive(Default)]
pub(super) struct Interner {
    pub(super) ids: HashMap<String, u32>,
    pub(super) names: Vec<String>,
}

impl Interner {
    pub(super) fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }
    pub(super) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }
}

/// The ranking inputs of one side of a comparison: sorted ids.
#[derive(Debug, Default, Clone)]
pub(super) struct Profile {
    /// SDG goals and targets linked.
    pub(super) sdgs: Vec<u32>,
    /// Those of `sdgs` that are targets.
    pub(super) targets: Vec<u32>,
    /// The SDG goals of `sdgs` (a goal is its own goal).
    pub(super) goals: Vec<u32>,
    pub(super) themes: Vec<u32>,
}

#[derive(Debug, Default, Clone)]
pub(super) struct Practice {
    pub(super) iri: String,
    pub(super) cities: Vec<u32>,
    pub(super) profile: Profile,
    pub(super) raw: RawPractice,
}

#[derive(Debug, Clone)]
pub(super) struct Goal {
    pub(super) iri: String,
    pub(super) city: u32,
    pub(super) profile: Profile,
    pub(super) raw: RawGoal,
}

/// A ranked subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Subject {
    Practice(u32),
    Goal(u32),
}

/// Everything the rankings and the coverage are computed from, with the candidate indexes.
#[derive(Default)]
pub(super) struct Facts {
    pub(super) sdg: Interner,
    pub(super) themes: Interner,
    pub(super) cities: Interner,
    /// SDG id → the id of its goal (targets map to their goal, goals to themselves).
    pub(super) sdg_goal: Vec<u32>,
    pub(super) sdg_is_target: Vec<bool>,
    /// Practices with a city, sorted by IRI: the index is the tie-break order.
    pub(super) practices: Vec<Practice>,
    pub(super) goals: Vec<Goal>,
    pub(super) by_target: HashMap<u32, Vec<u32>>,
    pub(super) by_goal: HashMap<u32, Vec<u32>>,
    pub(super) by_theme: HashMap<u32, Vec<u32>>,
    /// Practices without SDG links, by theme (they rank by themes alone).
    pub(super) no_sdg_by_theme: HashMap<u32, Vec<u32>>,
    /// Goal subjects by the SDG goals of their mapping.
    pub(super) goals_by_sdg_goal: HashMap<u32, Vec<u32>>,
    /// The SDG mapping as read, for signatures.
    pub(super) target_goal: BTreeMap<String, String>,
}

pub(super) fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v.dedup();
    v
}

pub(super) fn common(a: &[u32], b: &[u32]) -> u64 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

pub(super) fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    a.iter()
        .copied()
        .filter(|x| b.binary_search(x).is_ok())
        .collect()
}

/// FNV-1a, 64 bits: a stable hash for signatures (the same on every build and machine).
pub(super) fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The ranking inputs as IRIs, before interning: read from the store, or from the stored states.
#[derive(Default, Clone)]
pub(super) struct Raw {
    pub(super) target_goal: BTreeMap<String, String>,
    pub(super) practices: BTreeMap<String, RawPractice>,
    pub(super) goals: BTreeMap<String, RawGoal>,
}

#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub(super) struct RawPractice {
    pub(super) cities: Vec<String>,
    pub(super) sdgs: Vec<String>,
    pub(super) themes: Vec<String>,
    /// The strategy goals it serves (they take its themes).
    pub(super) served: Vec<String>,
}

#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub(super) struct RawGoal {
    pub(super) city: String,
    pub(super) mapped: Vec<String>,
    pub(super) themes: Vec<String>,
}

impl Raw {
    pub(super) fn build(self) -> Facts {
        let mut facts = Facts {
            target_goal: self.target_goal,
            ..Facts::default()
        };
        for (p, raw) in self.practices {
            let cities: Vec<u32> = sorted(raw.cities.iter().map(|c| facts.cities.id(c)).collect());
            let profile = facts.profile(&raw.sdgs, raw.themes.iter().map(String::as_str));
            facts.practices.push(Practice {
                iri: p,
                cities,
                profile,
                raw,
            });
        }
        for (g, raw) in self.goals {
            let city = facts.cities.id(&raw.city);
            let profile = facts.profile(&raw.mapped, raw.themes.iter().map(String::as_str));
            facts.goals.push(Goal {
                iri: g,
                city,
                profile,
                raw,
            });
        }
        facts.index();
        facts
    }
}

impl Facts {
    pub(super) fn profile<'a>(
        &mut self,
        sdgs: &[String],
        themes: impl Iterator<Item = &'a str>,
    ) -> Profile {
        let ids: Vec<u32> = sorted(sdgs.iter().map(|s| self.sdg_id(s)).collect());
        let targets = ids
            .iter()
            .copied()
            .filter(|&s| self.sdg_is_target[s as usize])
            .collect();
        let goals = sorted(ids.iter().map(|&s| self.sdg_goal[s as usize]).collect());
        let themes = sorted(themes.map(|t| self.themes.id(t)).collect());
        Profile {
            sdgs: ids,
            targets,
            goals,
            themes,
        }
    }

    pub(super) fn sdg_id(&mut self, sdg: &str) -> u32 {
        let known = self.sdg.names.len();
        let id = self.sdg.id(sdg);
        if id as usize == known {
            let goal_iri = self.target_goal.get(sdg).cloned();
            let is_target = goal_iri.is_some();
            self.sdg_is_target.push(is_target);
            self.sdg_goal.push(id);
            if let Some(goal_iri) = goal_iri {
                let goal = self.sdg_id(&goal_iri);
                self.sdg_goal[id as usize] = goal;
            }
        }
        id
    }

    pub(super) fn index(&mut self) {
        for (i, p) in self.practices.iter().enumerate() {
            let i = i as u32;
            for &t in &p.profile.targets {
                self.by_target.entry(t).or_default().push(i);
            }
            for &g in &p.profile.goals {
                self.by_goal.entry(g).or_default().push(i);
            }
            for &th in &p.profile.themes {
                self.by_theme.entry(th).or_default().push(i);
                if p.profile.sdgs.is_empty() {
                    self.no_sdg_by_theme.entry(th).or_default().push(i);
                }
            }
        }
        for (i, g) in self.goals.iter().enumerate() {
            for &sg in &g.profile.goals {
                self.goals_by_sdg_goal.entry(sg).or_default().push(i as u32);
            }
        }
    }

    /// Every ranked subject: practices with a city, and goals mapped to an SDG.
    pub(super) fn subjects(&self) -> impl Iterator<Item = Subject> + '_ {
        (0..self.practices.len() as u32)
            .map(Subject::Practice)
            .chain(
                self.goals
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| !g.profile.sdgs.is_empty())
                    .map(|(i, _)| Subject::Goal(i as u32)),
            )
    }

    pub(super) fn iri(&self, subject: Subject) -> &str {
        match subject {
            Subject::Practice(p) => &self.practices[p as usize].iri,
            Subject::Goal(g) => &self.goals[g as usize].iri,
        }
    }

    pub(super) fn query(&self, subject: Subject) -> Query<'_> {
        match subject {
            Subject::Practice(p) => {
                let practice = &self.practices[p as usize];
                Query {
                    cities: &practice.cities,
                    exclude: Some(p),
                    profile: &practice.profile,
                    keep: SIMILAR_PER_PRACTICE,
                }
            }
            Subject::Goal(g) => {
                let goal = &self.goals[g as usize];
                Query {
                    cities: std::slice::from_ref(&goal.city),
                    exclude: None,
                    profile: &goal.profile,
                    keep: PEERS_PER_GOAL,
                }
            }
        }
    }

    /// A signature of everything the subject's ranking depends on of its own.
    pub(super) fn signature(&self, subject: Subject) -> u64 {
        let (kind, cities, profile) = match subject {
            Subject::Practice(p) => {
                let p = &self.practices[p as usize];
                ("p", p.cities.clone(), &p.profile)
            }
            Subject::Goal(g) => {
                let g = &self.goals[g as usize];
                ("g", vec![g.city], &g.profile)
            }
        };
        let mut text = String::from(kind);
        let names = |ids: &[u32], interner: &Interner, text: &mut String| {
            let mut v: Vec<&str> = ids.iter().map(|&i| interner.name(i)).collect();
            v.sort_unstable();
            for n in v {
                text.push(' ');
                text.push_str(n);
            }
            text.push('|');
        };
        names(&cities, &self.cities, &mut text);
        let mut sdgs: Vec<String> = profile
            .sdgs
            .iter()
            .map(|&s| {
                format!(
                    "{}>{}",
                    self.sdg.name(s),
                    self.sdg.name(self.sdg_goal[s as usize])
                )
            })
            .collect();
        sdgs.sort_unstable();
        text.push_str(&sdgs.join(" "));
        text.push('|');
        names(&profile.themes, &self.themes, &mut text);
        fnv(&text)
    }
}
