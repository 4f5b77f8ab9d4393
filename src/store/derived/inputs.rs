//! Reading the ranking inputs from the store: the whole network (one scan per property), or one
//! city's change on top of the stored states.

use super::facts::{Facts, Raw, RawGoal, RawPractice};
use super::state::{Inputs, State};
use super::triples::iri_term;
use super::{Backend, SDG_NS, iri_rows};
use crate::error::Result;
use crate::vocab;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

impl Facts {
    /// Reads the ranking inputs with one single-pattern query per property (index scans, no
    /// joins in the engine: on 3 M quads a typed join costs seconds, a scan a fraction) and joins
    /// them here.
    pub(super) fn read(backend: &Backend) -> Result<Self> {
        let mut target_goal: BTreeMap<String, String> = BTreeMap::new();
        let pairs = |predicate: &str| -> Result<Vec<(String, String)>> {
            Ok(iri_rows(
                backend,
                &format!("SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}"),
            )?
            .into_iter()
            .filter_map(|r| {
                let mut r = r.into_iter();
                Some((r.next()?, r.next()?))
            })
            .collect())
        };
        let typed = |class: &str| -> Result<HashSet<String>> {
            Ok(
                iri_rows(backend, &format!("SELECT ?s WHERE {{ ?s a <{class}> }}"))?
                    .into_iter()
                    .filter_map(|r| r.into_iter().next())
                    .collect(),
            )
        };
        let skos = "http://www.w3.org/2004/02/skos/core#";
        for (t, g) in pairs(&format!("{skos}broader"))? {
            if t.starts_with(SDG_NS) {
                target_goal.insert(t, g);
            }
        }
        let practices = typed(vocab::ckg::PRACTICE)?;
        let goal_set = typed(vocab::ckg::STRATEGY_GOAL)?;
        let mut city_of: HashMap<String, Vec<String>> = HashMap::new();
        for (s, c) in pairs(&format!("{}city", vocab::CKG))? {
            city_of.entry(s).or_default().push(c);
        }
        let mut cities: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in &practices {
            if let Some(cs) = city_of.get(p) {
                let mut cs = cs.clone();
                cs.sort();
                cs.dedup();
                cities.insert(p.clone(), cs);
            }
        }
        let mut sdgs: HashMap<String, Vec<String>> = HashMap::new();
        let mut goal_practices: HashMap<String, Vec<String>> = HashMap::new();
        let mut served: HashMap<String, Vec<String>> = HashMap::new();
        for (p, g) in pairs(vocab::ckg::SERVES_GOAL)? {
            if !practices.contains(&p) {
                continue;
            }
            if g.starts_with(SDG_NS) {
                sdgs.entry(p).or_default().push(g);
            } else {
                served.entry(p.clone()).or_default().push(g.clone());
                goal_practices.entry(g).or_default().push(p);
            }
        }
        let mut themes: HashMap<String, Vec<String>> = HashMap::new();
        for (p, t) in pairs("http://purl.org/dc/terms/subject")? {
            if practices.contains(&p) {
                themes.entry(p).or_default().push(t);
            }
        }
        let mut mapped: HashMap<String, Vec<String>> = HashMap::new();
        for (g, m) in pairs(&format!("{skos}relatedMatch"))? {
            if goal_set.contains(&g) {
                mapped.entry(g).or_default().push(m);
            }
        }
        // A goal's city is its strategy's (the first in IRI order when there are several).
        let mut goals: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        for (g, scheme) in pairs(&format!("{skos}inScheme"))? {
            if !goal_set.contains(&g) {
                continue;
            }
            let Some(city) = city_of.get(&scheme).and_then(|cs| cs.iter().min()) else {
                continue;
            };
            match goals.get_mut(&g) {
                Some(entry) if entry.0 <= *city => {}
                Some(entry) => entry.0 = city.clone(),
                None => {
                    let mut m = mapped.get(&g).cloned().unwrap_or_default();
                    m.sort();
                    m.dedup();
                    goals.insert(g, (city.clone(), m));
                }
            }
        }
        for list in themes
            .values_mut()
            .chain(sdgs.values_mut())
            .chain(served.values_mut())
        {
            list.sort();
            list.dedup();
        }
        for list in goal_practices.values_mut() {
            list.sort();
            list.dedup();
        }

        let mut raw = Raw {
            target_goal,
            ..Raw::default()
        };
        for (p, cs) in cities {
            let served = served.remove(&p).unwrap_or_default();
            raw.practices.insert(
                p.clone(),
                RawPractice {
                    cities: cs,
                    sdgs: sdgs.remove(&p).unwrap_or_default(),
                    themes: themes.get(&p).cloned().unwrap_or_default(),
                    served,
                },
            );
        }
        for (g, (city, mapped)) in goals {
            // A goal's themes are those of the practices serving it.
            let mut goal_themes: Vec<String> = Vec::new();
            for p in goal_practices.get(&g).into_iter().flatten() {
                goal_themes.extend(themes.get(p).into_iter().flatten().cloned());
            }
            goal_themes.sort();
            goal_themes.dedup();
            raw.goals.insert(
                g,
                RawGoal {
                    city,
                    mapped,
                    themes: goal_themes,
                },
            );
        }
        Ok(raw.build())
    }
}

/// `SELECT ?s ?o` over `?s <predicate> ?o` for the given subjects (IRIs), in chunks.
pub(super) fn objects_of(
    backend: &Backend,
    subjects: &[String],
    pattern: &str,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in subjects.chunks(200) {
        let values: Vec<String> = chunk
            .iter()
            .filter_map(|s| iri_term(s))
            .map(|n| n.to_string())
            .collect();
        if values.is_empty() {
            continue;
        }
        for row in iri_rows(
            backend,
            &format!(
                "SELECT DISTINCT ?s ?o WHERE {{ VALUES ?s {{ {} }} {pattern} }}",
                values.join(" ")
            ),
        )? {
            if let [s, o] = row.as_slice() {
                out.push((s.clone(), o.clone()));
            }
        }
    }
    Ok(out)
}

pub(super) fn is_of_city(iri: &str, slug: &str) -> bool {
    iri.rsplit_once("/city/").is_some_and(|(_, s)| s == slug)
}

/// The ranking inputs after a change of `city`'s graph: stored inputs for everything else,
/// the store's for what the city's graph describes now or described before.
pub(super) fn facts_for_city(
    backend: &Backend,
    city: &str,
    stored: &HashMap<String, State>,
) -> Result<Facts> {
    let mut raw = Raw::default();
    for row in iri_rows(
        backend,
        "SELECT ?t ?g WHERE { ?t <http://www.w3.org/2004/02/skos/core#broader> ?g }",
    )? {
        if let [t, g] = row.as_slice()
            && t.starts_with(SDG_NS)
        {
            raw.target_goal.insert(t.clone(), g.clone());
        }
    }
    let mut practices: BTreeSet<String> = BTreeSet::new();
    let mut goals: BTreeSet<String> = BTreeSet::new();
    for (iri, state) in stored {
        match &state.inputs {
            Inputs::Practice(p) => {
                if p.cities.iter().any(|c| is_of_city(c, city)) {
                    practices.insert(iri.clone());
                    goals.extend(p.served.iter().cloned());
                }
                raw.practices.insert(iri.clone(), p.clone());
            }
            Inputs::Goal(g) => {
                if is_of_city(&g.city, city) {
                    goals.insert(iri.clone());
                }
                raw.goals.insert(iri.clone(), g.clone());
            }
        }
    }
    let graph = super::super::graph_iri(city)?;
    for row in iri_rows(
        backend,
        &format!("SELECT DISTINCT ?s ?c WHERE {{ GRAPH {graph} {{ ?s a ?c }} }}"),
    )? {
        if let [s, c] = row.as_slice() {
            if c == vocab::ckg::PRACTICE {
                practices.insert(s.clone());
            } else if c == vocab::ckg::STRATEGY_GOAL {
                goals.insert(s.clone());
            }
        }
    }
    // The practices, as the whole store now says.
    let practices: Vec<String> = practices.into_iter().collect();
    let typed: HashSet<String> = objects_of(backend, &practices, "?s a ?o")?
        .into_iter()
        .filter(|(_, o)| o == vocab::ckg::PRACTICE)
        .map(|(s, _)| s)
        .collect();
    let mut fresh: BTreeMap<String, RawPractice> = BTreeMap::new();
    let city_predicate = format!("{}city", vocab::CKG);
    for (s, c) in objects_of(backend, &practices, &format!("?s <{city_predicate}> ?o"))? {
        if typed.contains(&s) {
            fresh.entry(s).or_default().cities.push(c);
        }
    }
    for (s, g) in objects_of(
        backend,
        &practices,
        &format!("?s <{}> ?o", vocab::ckg::SERVES_GOAL),
    )? {
        if let Some(p) = fresh.get_mut(&s) {
            if g.starts_with(SDG_NS) {
                p.sdgs.push(g);
            } else {
                goals.insert(g.clone());
                p.served.push(g);
            }
        }
    }
    for (s, t) in objects_of(
        backend,
        &practices,
        "?s <http://purl.org/dc/terms/subject> ?o",
    )? {
        if let Some(p) = fresh.get_mut(&s) {
            p.themes.push(t);
        }
    }
    for p in &practices {
        raw.practices.remove(p);
    }
    for (p, mut inputs) in fresh {
        for list in [
            &mut inputs.cities,
            &mut inputs.sdgs,
            &mut inputs.themes,
            &mut inputs.served,
        ] {
            list.sort();
            list.dedup();
        }
        raw.practices.insert(p, inputs);
    }
    // The goals: those of the city and those its practices serve, before and after.
    let goals: Vec<String> = goals.into_iter().collect();
    let typed: HashSet<String> = objects_of(backend, &goals, "?s a ?o")?
        .into_iter()
        .filter(|(_, o)| o == vocab::ckg::STRATEGY_GOAL)
        .map(|(s, _)| s)
        .collect();
    let mut fresh: BTreeMap<String, RawGoal> = BTreeMap::new();
    for (g, c) in objects_of(
        backend,
        &goals,
        &format!(
            "?s <http://www.w3.org/2004/02/skos/core#inScheme> ?scheme . ?scheme <{city_predicate}> ?o"
        ),
    )? {
        if typed.contains(&g) {
            let entry = fresh.entry(g).or_insert_with(|| RawGoal {
                city: c.clone(),
                ..RawGoal::default()
            });
            if c < entry.city {
                entry.city = c;
            }
        }
    }
    for (g, m) in objects_of(
        backend,
        &goals,
        "?s <http://www.w3.org/2004/02/skos/core#relatedMatch> ?o",
    )? {
        if let Some(goal) = fresh.get_mut(&g) {
            goal.mapped.push(m);
        }
    }
    for (g, t) in objects_of(
        backend,
        &goals,
        &format!(
            "?p <{}> ?s ; a <{}> ; <http://purl.org/dc/terms/subject> ?o",
            vocab::ckg::SERVES_GOAL,
            vocab::ckg::PRACTICE
        ),
    )? {
        if let Some(goal) = fresh.get_mut(&g) {
            goal.themes.push(t);
        }
    }
    for g in &goals {
        raw.goals.remove(g);
    }
    for (g, mut inputs) in fresh {
        inputs.mapped.sort();
        inputs.mapped.dedup();
        inputs.themes.sort();
        inputs.themes.dedup();
        raw.goals.insert(g, inputs);
    }
    Ok(raw.build())
}
