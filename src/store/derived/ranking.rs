//! Scoring and ranking: the best practices of other cities for a goal or a practice, what they
//! share, and the SDG × city coverage.

use super::facts::{Facts, Interner, Profile, common, intersect};
use super::{Set, Shared};
use std::collections::{BTreeMap, HashSet};

/// Marks visited practices without clearing a set per ranking.
pub(super) struct Stamp {
    pub(super) marks: Vec<u32>,
    pub(super) generation: u32,
}

impl Stamp {
    pub(super) fn new(n: usize) -> Self {
        Self {
            marks: vec![0; n],
            generation: 0,
        }
    }
    pub(super) fn next(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.generation = 1;
        }
    }
    /// True the first time `id` is seen in this generation.
    pub(super) fn first(&mut self, id: u32) -> bool {
        match self.marks.get_mut(id as usize) {
            Some(m) if *m != self.generation => {
                *m = self.generation;
                true
            }
            _ => false,
        }
    }
}

/// The query side of a ranking.
pub(super) struct Query<'a> {
    pub(super) cities: &'a [u32],
    pub(super) exclude: Option<u32>,
    pub(super) profile: &'a Profile,
    pub(super) keep: usize,
}

/// Best first: higher score, then the smaller IRI (practice ids follow IRI order).
pub(super) fn order(a: &(u64, u32), b: &(u64, u32)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

impl Facts {
    /// The score of practice `p` for `q`, when `p` may be ranked for it at all.
    pub(super) fn score(&self, q: &Query<'_>, p: u32) -> Option<u64> {
        if q.exclude == Some(p) {
            return None;
        }
        let practice = &self.practices[p as usize];
        if common(&practice.cities, q.cities) > 0 {
            return None;
        }
        let a = &practice.profile;
        let b = q.profile;
        let targets = common(&a.targets, &b.targets);
        let goals = common(&a.goals, &b.goals);
        let themes = common(&a.themes, &b.themes);
        if targets > 0 || goals > 0 || (b.sdgs.is_empty() && themes > 0) {
            Some(100 * targets + 10 * goals + themes)
        } else {
            None
        }
    }

    /// The best `q.keep` practices for `q`, best first. Practices sharing an SDG target are
    /// scored first; those sharing only an SDG goal only when they could still make the list.
    pub(super) fn rank(&self, q: &Query<'_>, stamp: &mut Stamp) -> Vec<(u64, u32)> {
        stamp.next();
        let mut scored: Vec<(u64, u32)> = Vec::new();
        let visit = |p: u32, scored: &mut Vec<(u64, u32)>, stamp: &mut Stamp| {
            if stamp.first(p)
                && let Some(s) = self.score(q, p)
            {
                scored.push((s, p));
            }
        };
        let none = Vec::new();
        if q.profile.sdgs.is_empty() {
            for th in &q.profile.themes {
                for &p in self.by_theme.get(th).unwrap_or(&none) {
                    visit(p, &mut scored, stamp);
                }
            }
        } else {
            for t in &q.profile.targets {
                for &p in self.by_target.get(t).unwrap_or(&none) {
                    visit(p, &mut scored, stamp);
                }
            }
            // Without a shared target a practice scores at most this much.
            let bound = 10 * q.profile.goals.len() as u64 + q.profile.themes.len() as u64;
            let done = q.keep > 0
                && scored.len() >= q.keep
                && top(&mut scored, q.keep).last().is_some_and(|l| l.0 > bound);
            if !done {
                for g in &q.profile.goals {
                    for &p in self.by_goal.get(g).unwrap_or(&none) {
                        visit(p, &mut scored, stamp);
                    }
                }
            }
        }
        top(&mut scored, q.keep).to_vec()
    }

    /// What `p` shares with `q`, as IRIs; SDG goals already implied by a shared target are left
    /// out (pages show the target; its goal would say the same again).
    pub(super) fn shared(&self, q: &Query<'_>, p: u32) -> Shared {
        let a = &self.practices[p as usize].profile;
        let b = q.profile;
        let targets = intersect(&a.targets, &b.targets);
        let implied: HashSet<u32> = targets.iter().map(|&t| self.sdg_goal[t as usize]).collect();
        let names = |ids: Vec<u32>, interner: &Interner| -> Set {
            ids.into_iter()
                .map(|i| interner.name(i).to_owned())
                .collect()
        };
        let goals = intersect(&a.goals, &b.goals);
        let kept: Vec<u32> = goals.into_iter().filter(|g| !implied.contains(g)).collect();
        Shared {
            targets: names(targets, &self.sdg),
            sdg_goals: names(kept, &self.sdg),
            themes: names(intersect(&a.themes, &b.themes), &self.themes),
        }
    }

    /// SDG goal × city → practices, and city → practices.
    pub(super) fn coverage(&self) -> (BTreeMap<(String, String), i64>, BTreeMap<String, i64>) {
        let mut cells: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut per_city: BTreeMap<String, i64> = BTreeMap::new();
        for p in &self.practices {
            for &c in &p.cities {
                let city = self.cities.name(c).to_owned();
                *per_city.entry(city.clone()).or_default() += 1;
                for &g in &p.profile.goals {
                    *cells
                        .entry((self.sdg.name(g).to_owned(), city.clone()))
                        .or_default() += 1;
                }
            }
        }
        (cells, per_city)
    }
}

/// Sorts the best `keep` of `scored` to its front and returns them.
pub(super) fn top(scored: &mut Vec<(u64, u32)>, keep: usize) -> &[(u64, u32)] {
    if keep == 0 {
        scored.clear();
        return scored;
    }
    if scored.len() > keep {
        scored.select_nth_unstable_by(keep - 1, order);
        scored.truncate(keep);
    }
    scored.sort_unstable_by(order);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::derived::SDG_NS;
    use crate::store::derived::facts::{Practice, RawPractice, Subject};

    fn facts() -> Facts {
        let mut facts = Facts::default();
        facts
            .target_goal
            .insert(format!("{SDG_NS}11.2"), format!("{SDG_NS}11"));
        facts
            .target_goal
            .insert(format!("{SDG_NS}11.6"), format!("{SDG_NS}11"));
        let add = |facts: &mut Facts, iri: &str, city: &str, sdgs: &[&str], themes: &[&str]| {
            let sdgs: Vec<String> = sdgs.iter().map(|s| format!("{SDG_NS}{s}")).collect();
            let profile = facts.profile(&sdgs, themes.iter().copied());
            let city = facts.cities.id(city);
            facts.practices.push(Practice {
                iri: iri.to_owned(),
                cities: vec![city],
                profile,
                raw: RawPractice::default(),
            });
        };
        add(&mut facts, "a", "x", &["11.2"], &[]);
        add(&mut facts, "b", "y", &["11.6"], &["mobility"]);
        add(&mut facts, "c", "y", &["13"], &[]);
        add(&mut facts, "d", "z", &[], &["mobility"]);
        add(&mut facts, "own", "home", &["11.2"], &["mobility"]);
        facts.index();
        facts
    }

    #[test]
    fn shared_targets_rank_above_shared_goals_and_themes() {
        let facts = facts();
        let own = 4;
        let q = facts.query(Subject::Practice(own));
        let ranked = facts.rank(&q, &mut Stamp::new(facts.practices.len()));
        let order: Vec<&str> = ranked
            .iter()
            .map(|&(_, p)| facts.practices[p as usize].iri.as_str())
            .collect();
        assert_eq!(
            order,
            vec!["a", "b"],
            "c shares nothing; d only a theme, and own has SDG links; own city excluded"
        );
        assert_eq!(ranked[0].0, 110);
        assert_eq!(ranked[1].0, 11);
        let shared = facts.shared(&q, ranked[0].1);
        assert_eq!(
            shared.targets,
            [format!("{SDG_NS}11.2")].into_iter().collect()
        );
        assert!(
            shared.sdg_goals.is_empty(),
            "SDG 11 is implied by the target"
        );
        let shared = facts.shared(&q, ranked[1].1);
        assert_eq!(
            shared.sdg_goals,
            [format!("{SDG_NS}11")].into_iter().collect()
        );
        assert_eq!(shared.themes, ["mobility".to_owned()].into_iter().collect());
    }

    #[test]
    fn a_practice_without_sdg_links_ranks_by_themes() {
        let facts = facts();
        let q = facts.query(Subject::Practice(3));
        let ranked = facts.rank(&q, &mut Stamp::new(facts.practices.len()));
        let order: Vec<&str> = ranked
            .iter()
            .map(|&(_, p)| facts.practices[p as usize].iri.as_str())
            .collect();
        assert_eq!(order, vec!["b", "own"]);
    }
}
