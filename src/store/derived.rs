//! Aggregates that pages show — peer practices for each strategy goal, similar practices, SDG
//! coverage per city — computed once per data version and written to the `derived` named graph
//! through the Backend (one graph replacement), so pages only look them up.

use super::Backend;
use crate::error::Result;
use crate::vocab;
use oxigraph::model::{Literal, NamedNode, Term};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

const SDG_NS: &str = "http://metadata.un.org/sdg/";
/// How many ranked matches are kept per goal and per practice.
const PEERS_PER_GOAL: usize = 40;
const SIMILAR_PER_PRACTICE: usize = 8;

type Set = BTreeSet<String>;

fn iri_rows(backend: &Backend, query: &str) -> Result<Vec<Vec<String>>> {
    Ok(backend
        .select(query)?
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|t| match t {
                    Some(Term::NamedNode(n)) => n.into_string(),
                    Some(Term::Literal(l)) => l.value().to_owned(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                })
                .collect()
        })
        .collect())
}

/// What a ranked match shares with the goal or practice it was found for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Shared {
    pub targets: Set,
    pub sdg_goals: Set,
    pub themes: Set,
}

impl Shared {
    /// Same SDG target first, then same SDG goal, then same theme.
    pub fn score(&self) -> u64 {
        100 * self.targets.len() as u64
            + 10 * self.sdg_goals.len() as u64
            + self.themes.len() as u64
    }
}

/// The inputs of the ranking, read from the store.
#[derive(Default)]
struct Facts {
    /// SDG target → its SDG goal.
    target_goal: BTreeMap<String, String>,
    /// strategy goal → (city, mapped SDG goals/targets)
    goals: BTreeMap<String, (String, Set)>,
    /// practice → cities
    practice_cities: BTreeMap<String, Set>,
    /// practice → SDG goals/targets it serves
    practice_sdgs: BTreeMap<String, Set>,
    /// practice → themes
    practice_themes: BTreeMap<String, Set>,
    /// strategy goal → practices serving it
    goal_practices: BTreeMap<String, Set>,
    /// practice → the SDG goals of the goals and targets it serves
    practice_sdg_goals: BTreeMap<String, Set>,
}

impl Facts {
    fn read(backend: &Backend) -> Result<Self> {
        let mut facts = Self::default();
        for row in iri_rows(
            backend,
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
             SELECT DISTINCT ?t ?g WHERE { ?t skos:broader ?g FILTER(STRSTARTS(STR(?t), \"http://metadata.un.org/sdg/\")) }",
        )? {
            facts.target_goal.insert(row[0].clone(), row[1].clone());
        }
        for row in iri_rows(
            backend,
            "PREFIX ckg: <https://w3id.org/citykg/ontology#>
             PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
             SELECT DISTINCT ?g ?city ?m WHERE {
               ?g a ckg:StrategyGoal ; skos:inScheme ?s . ?s ckg:city ?city .
               OPTIONAL { ?g skos:relatedMatch ?m }
             }",
        )? {
            let entry = facts
                .goals
                .entry(row[0].clone())
                .or_insert_with(|| (row[1].clone(), Set::new()));
            if !row[2].is_empty() {
                entry.1.insert(row[2].clone());
            }
        }
        for row in iri_rows(
            backend,
            "PREFIX ckg: <https://w3id.org/citykg/ontology#>
             SELECT DISTINCT ?p ?city WHERE { ?p a ckg:Practice ; ckg:city ?city }",
        )? {
            facts
                .practice_cities
                .entry(row[0].clone())
                .or_default()
                .insert(row[1].clone());
        }
        for row in iri_rows(
            backend,
            "PREFIX ckg: <https://w3id.org/citykg/ontology#>
             SELECT DISTINCT ?p ?g WHERE { ?p a ckg:Practice ; ckg:servesGoal ?g }",
        )? {
            if row[1].starts_with(SDG_NS) {
                facts
                    .practice_sdgs
                    .entry(row[0].clone())
                    .or_default()
                    .insert(row[1].clone());
            } else {
                facts
                    .goal_practices
                    .entry(row[1].clone())
                    .or_default()
                    .insert(row[0].clone());
            }
        }
        for row in iri_rows(
            backend,
            "PREFIX ckg: <https://w3id.org/citykg/ontology#>
             PREFIX dcterms: <http://purl.org/dc/terms/>
             SELECT DISTINCT ?p ?t WHERE { ?p a ckg:Practice ; dcterms:subject ?t }",
        )? {
            facts
                .practice_themes
                .entry(row[0].clone())
                .or_default()
                .insert(row[1].clone());
        }
        facts.index_goals();
        Ok(facts)
    }

    /// Fills `practice_sdg_goals` from `practice_sdgs`.
    fn index_goals(&mut self) {
        let goals: BTreeMap<String, Set> = self
            .practice_sdgs
            .iter()
            .map(|(p, sdgs)| {
                let goals = sdgs
                    .iter()
                    .map(|s| self.sdg_goal_of(s).to_owned())
                    .collect();
                (p.clone(), goals)
            })
            .collect();
        self.practice_sdg_goals = goals;
    }

    fn sdg_goal_of<'a>(&'a self, sdg: &'a str) -> &'a str {
        self.target_goal.get(sdg).map(String::as_str).unwrap_or(sdg)
    }

    fn is_target(&self, sdg: &str) -> bool {
        self.target_goal.contains_key(sdg)
    }

    /// What practice `p` shares with a set of SDG links and themes.
    fn shared(&self, p: &str, sdgs: &Set, themes: &Set) -> Shared {
        let empty = Set::new();
        let p_sdgs = self.practice_sdgs.get(p).unwrap_or(&empty);
        let p_themes = self.practice_themes.get(p).unwrap_or(&empty);
        let targets: Set = p_sdgs
            .intersection(sdgs)
            .filter(|s| self.is_target(s))
            .cloned()
            .collect();
        let goals_a: Set = sdgs
            .iter()
            .map(|s| self.sdg_goal_of(s).to_owned())
            .collect();
        let sdg_goals: Set = p_sdgs
            .iter()
            .map(|s| self.sdg_goal_of(s).to_owned())
            .filter(|g| goals_a.contains(g))
            .collect();
        Shared {
            targets,
            sdg_goals,
            themes: p_themes.intersection(themes).cloned().collect(),
        }
    }

    /// Practices of other cities than `cities`, ranked by what they share. Scores are counted
    /// without building sets; only the `keep` best get their shared sets built.
    fn rank(
        &self,
        cities: &Set,
        sdgs: &Set,
        themes: &Set,
        exclude: &str,
        keep: usize,
    ) -> Vec<(String, Shared)> {
        let empty = Set::new();
        let goals_a: BTreeSet<&str> = sdgs.iter().map(|s| self.sdg_goal_of(s)).collect();
        let mut scored: Vec<(u64, &str)> = Vec::new();
        for (p, pc) in &self.practice_cities {
            if p.as_str() == exclude || !pc.is_disjoint(cities) {
                continue;
            }
            let p_sdgs = self.practice_sdgs.get(p).unwrap_or(&empty);
            let targets = p_sdgs
                .intersection(sdgs)
                .filter(|s| self.is_target(s))
                .count() as u64;
            let goals = self.practice_sdg_goals.get(p).map_or(0, |g| {
                g.iter().filter(|g| goals_a.contains(g.as_str())).count()
            }) as u64;
            let shared_themes =
                self.practice_themes
                    .get(p)
                    .map_or(0, |t| t.intersection(themes).count()) as u64;
            let any = targets + goals + shared_themes > 0;
            if targets > 0 || goals > 0 || (any && sdgs.is_empty()) {
                scored.push((100 * targets + 10 * goals + shared_themes, p.as_str()));
            }
        }
        let order = |a: &(u64, &str), b: &(u64, &str)| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1));
        if scored.len() > keep && keep > 0 {
            scored.select_nth_unstable_by(keep - 1, order);
            scored.truncate(keep);
        }
        scored.sort_by(order);
        scored.truncate(keep);
        scored
            .into_iter()
            .map(|(_, p)| (p.to_owned(), self.shared(p, sdgs, themes)))
            .collect()
    }
}

/// The peer practices of every strategy goal: practices of other cities, ranked by shared SDG
/// targets, then shared SDG goals, then themes shared with the goal's own practices.
pub fn peers_by_goal(backend: &Backend) -> Result<BTreeMap<String, Vec<(String, Shared)>>> {
    let facts = Facts::read(backend)?;
    Ok(peers(&facts))
}

fn peers(facts: &Facts) -> BTreeMap<String, Vec<(String, Shared)>> {
    let mut out = BTreeMap::new();
    for (goal, (city, mapped)) in &facts.goals {
        if mapped.is_empty() {
            continue;
        }
        let mut themes = Set::new();
        for p in facts.goal_practices.get(goal).into_iter().flatten() {
            themes.extend(facts.practice_themes.get(p).into_iter().flatten().cloned());
        }
        let cities: Set = [city.clone()].into_iter().collect();
        out.insert(
            goal.clone(),
            facts.rank(&cities, mapped, &themes, "", PEERS_PER_GOAL),
        );
    }
    out
}

fn write_shared(out: &mut String, node: &str, shared: &Shared) {
    for (property, values) in [
        ("sharedTarget", &shared.targets),
        ("sharedSdgGoal", &shared.sdg_goals),
        ("sharedTheme", &shared.themes),
    ] {
        for v in values {
            if let Ok(v) = NamedNode::new(v.as_str()) {
                let _ = writeln!(out, "{node} <{}{property}> {v} .", vocab::CKG);
            }
        }
    }
}

/// Recomputes the derived graph when it was computed for another data version.
pub fn ensure_fresh(backend: &Backend) -> Result<bool> {
    let version = backend.data_version()?;
    let recorded = backend.select(&format!(
        "SELECT ?v WHERE {{ GRAPH <{}> {{ <{}> <{}> ?v }} }}",
        vocab::graph::DERIVED,
        vocab::graph::DERIVED,
        vocab::DATA_VERSION
    ))?;
    let current = recorded
        .first()
        .and_then(|r| r.first())
        .and_then(|t| match t {
            Some(Term::Literal(l)) => Some(l.value().to_owned()),
            _ => None,
        });
    if current.as_deref() == Some(version.as_str()) {
        return Ok(false);
    }
    refresh(backend, &version)?;
    Ok(true)
}

/// Computes every aggregate and replaces the derived graph in one update.
fn refresh(backend: &Backend, version: &str) -> Result<()> {
    let started = std::time::Instant::now();
    let facts = Facts::read(backend)?;
    let read = started.elapsed();
    let ckg = vocab::CKG;
    let mut data = String::new();
    let mut n = 0usize;
    let _ = writeln!(
        data,
        "<{}> <{}> {} .",
        vocab::graph::DERIVED,
        vocab::DATA_VERSION,
        Literal::new_simple_literal(version)
    );
    for (goal, ranked) in peers(&facts) {
        let Ok(goal) = NamedNode::new(goal) else {
            continue;
        };
        for (practice, shared) in ranked {
            let Ok(practice) = NamedNode::new(practice) else {
                continue;
            };
            n += 1;
            let node = format!("_:m{n}");
            let _ = writeln!(
                data,
                "{node} a <{ckg}PeerMatch> ; <{ckg}matchFor> {goal} ; <{ckg}matchedPractice> {practice} ; <{ckg}score> {} .",
                Literal::from(shared.score() as i64)
            );
            write_shared(&mut data, &node, &shared);
        }
    }
    for (practice, cities) in &facts.practice_cities {
        let empty = Set::new();
        let sdgs = facts.practice_sdgs.get(practice).unwrap_or(&empty);
        let themes = facts.practice_themes.get(practice).unwrap_or(&empty);
        let Ok(subject) = NamedNode::new(practice.as_str()) else {
            continue;
        };
        for (other, shared) in facts.rank(cities, sdgs, themes, practice, SIMILAR_PER_PRACTICE) {
            let Ok(other) = NamedNode::new(other) else {
                continue;
            };
            n += 1;
            let node = format!("_:m{n}");
            let _ = writeln!(
                data,
                "{node} a <{ckg}PeerMatch> ; <{ckg}matchFor> {subject} ; <{ckg}matchedPractice> {other} ; <{ckg}score> {} .",
                Literal::from(shared.score() as i64)
            );
            write_shared(&mut data, &node, &shared);
        }
    }
    // SDG goal × city: how many practices of the city serve the goal (directly or by a target).
    let mut coverage: BTreeMap<(String, String), Set> = BTreeMap::new();
    let mut per_city: BTreeMap<String, usize> = BTreeMap::new();
    for (practice, cities) in &facts.practice_cities {
        for city in cities {
            *per_city.entry(city.clone()).or_default() += 1;
            for sdg in facts.practice_sdgs.get(practice).into_iter().flatten() {
                coverage
                    .entry((facts.sdg_goal_of(sdg).to_owned(), city.clone()))
                    .or_default()
                    .insert(practice.clone());
            }
        }
    }
    for ((sdg, city), practices) in coverage {
        let (Ok(sdg), Ok(city)) = (NamedNode::new(sdg), NamedNode::new(city)) else {
            continue;
        };
        n += 1;
        let _ = writeln!(
            data,
            "_:c{n} a <{ckg}Coverage> ; <{ckg}coverageSdg> {sdg} ; <{ckg}coverageCity> {city} ; <{ckg}practiceCount> {} .",
            Literal::from(practices.len() as i64)
        );
    }
    for (city, count) in per_city {
        let Ok(city) = NamedNode::new(city) else {
            continue;
        };
        let _ = writeln!(
            data,
            "{city} <{ckg}practiceCount> {} .",
            Literal::from(count as i64)
        );
    }
    let computed = started.elapsed();
    let graph = NamedNode::new(vocab::graph::DERIVED)
        .map_err(|e| crate::error::Error::Invalid(e.to_string()))?;
    backend.replace_graph_keep_version(&graph, &data)?;
    tracing::info!(?read, ?computed, written = ?started.elapsed(), matches = n, "derived graph refreshed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_targets_rank_above_shared_goals_and_themes() {
        let mut facts = Facts::default();
        facts
            .target_goal
            .insert(format!("{SDG_NS}11.2"), format!("{SDG_NS}11"));
        facts
            .target_goal
            .insert(format!("{SDG_NS}11.6"), format!("{SDG_NS}11"));
        let city = |c: &str| -> Set { [c.to_owned()].into_iter().collect() };
        let set = |v: &[&str]| -> Set { v.iter().map(|s| s.to_string()).collect() };
        facts.practice_cities.insert("a".into(), city("x"));
        facts.practice_cities.insert("b".into(), city("y"));
        facts.practice_cities.insert("c".into(), city("y"));
        facts.practice_cities.insert("own".into(), city("home"));
        facts
            .practice_sdgs
            .insert("a".into(), set(&[&format!("{SDG_NS}11.2")]));
        facts
            .practice_sdgs
            .insert("b".into(), set(&[&format!("{SDG_NS}11.6")]));
        facts
            .practice_sdgs
            .insert("c".into(), set(&[&format!("{SDG_NS}13")]));
        facts
            .practice_sdgs
            .insert("own".into(), set(&[&format!("{SDG_NS}11.2")]));
        facts.practice_themes.insert("b".into(), set(&["mobility"]));
        facts.index_goals();
        let ranked = facts.rank(
            &city("home"),
            &set(&[&format!("{SDG_NS}11.2")]),
            &set(&["mobility"]),
            "",
            10,
        );
        let order: Vec<&str> = ranked.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(order, vec!["a", "b"], "c shares nothing; own city excluded");
        assert_eq!(ranked[0].1.targets, set(&[&format!("{SDG_NS}11.2")]));
        assert_eq!(ranked[1].1.sdg_goals, set(&[&format!("{SDG_NS}11")]));
        assert_eq!(ranked[1].1.themes, set(&["mobility"]));
    }
}
