//! The difference writer: finds what a change touches, recomputes those rankings and writes the
//! difference in one SPARQL update.

use super::facts::{Facts, Subject};
use super::ranking::Stamp;
use super::rebuild::{
    Entry, ckg, coverage_triples, iri_term, state_triple, version_triple, write_node,
};
use super::state::{State, state_of};
use super::{Backend, INSERT_CHUNK, RefreshStats, iri_rows};
use crate::error::Result;
use crate::vocab;
use oxigraph::model::{Literal, NamedNode};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

/// Runs `pattern` (a group graph pattern with `{}` where a constant goes) once per constant, as
/// a UNION of branches that each bind `?c` to their constant, in chunks; every branch starts
/// from a constant, so each is an index lookup whatever the engine's join order.
pub(super) fn lookup(
    backend: &Backend,
    constants: &[String],
    select: &str,
    pattern: impl Fn(&str) -> String,
) -> Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    for chunk in constants.chunks(100) {
        let branches: Vec<String> = chunk
            .iter()
            .map(|c| format!("{{ {} BIND({c} AS ?c) }}", pattern(c)))
            .collect();
        rows.extend(iri_rows(
            backend,
            &format!(
                "SELECT {select} WHERE {{ GRAPH <{}> {{ {} }} }}",
                vocab::graph::DERIVED,
                branches.join(" UNION ")
            ),
        )?);
    }
    Ok(rows)
}

/// Finds what changed since the stored states were written, recomputes what it touches, and
/// writes the difference in one SPARQL update.
pub(super) fn update(
    backend: &Backend,
    facts: &Facts,
    stored: &HashMap<String, State>,
    version: &str,
) -> Result<RefreshStats> {
    let started = std::time::Instant::now();
    let derived = vocab::graph::DERIVED;
    let mut stats = RefreshStats::default();
    let subjects: Vec<Subject> = facts.subjects().collect();
    stats.subjects = subjects.len();
    let by_iri: HashMap<&str, Subject> = subjects.iter().map(|&s| (facts.iri(s), s)).collect();

    // (a) Subjects whose own inputs changed or that are new; subjects that disappeared.
    let mut changed: BTreeSet<Subject> = BTreeSet::new();
    for &s in &subjects {
        match stored.get(facts.iri(s)) {
            Some(state) if state.signature == facts.signature(s) => {}
            _ => {
                changed.insert(s);
            }
        }
    }
    let removed: Vec<NamedNode> = stored
        .keys()
        .filter(|iri| !by_iri.contains_key(iri.as_str()))
        .filter_map(|iri| iri_term(iri))
        .collect();
    stats.changed = changed.len() + removed.len();
    // Practices that changed as candidates (their old version may sit in other lists).
    let changed_practices: Vec<u32> = changed
        .iter()
        .filter_map(|s| match s {
            Subject::Practice(p) => Some(*p),
            Subject::Goal(_) => None,
        })
        .collect();
    let mut leaving: Vec<String> = changed_practices
        .iter()
        .filter_map(|&p| iri_term(&facts.practices[p as usize].iri))
        .map(|n| n.to_string())
        .collect();
    leaving.extend(removed.iter().map(|n| n.to_string()));
    let leaving_set: HashSet<String> = leaving
        .iter()
        .map(|s| s.trim_start_matches('<').trim_end_matches('>').to_owned())
        .collect();

    // (b) Lists that a changed or removed practice is in.
    let mut touched: BTreeSet<Subject> = BTreeSet::new();
    for row in lookup(backend, &leaving, "DISTINCT ?x", |c| {
        format!(
            "?m {} {c} ; {} ?x .",
            ckg("matchedPractice"),
            ckg("matchFor")
        )
    })? {
        if let Some(&s) = row.first().and_then(|x| by_iri.get(x.as_str()))
            && !changed.contains(&s)
        {
            touched.insert(s);
        }
    }

    // (c) Lists that a changed practice enters: score it against the cutoff of every subject
    // that shares an SDG goal (or, for subjects without SDG links, a theme) with it.
    let mut practice_stamp = Stamp::new(facts.practices.len());
    let mut goal_stamp = Stamp::new(facts.goals.len());
    let none = Vec::new();
    for &p in &changed_practices {
        let practice = &facts.practices[p as usize];
        practice_stamp.next();
        goal_stamp.next();
        let mut candidates: Vec<Subject> = Vec::new();
        for g in &practice.profile.goals {
            for &q in facts.by_goal.get(g).unwrap_or(&none) {
                if practice_stamp.first(q) {
                    candidates.push(Subject::Practice(q));
                }
            }
            for &q in facts.goals_by_sdg_goal.get(g).unwrap_or(&none) {
                if goal_stamp.first(q) {
                    candidates.push(Subject::Goal(q));
                }
            }
        }
        for th in &practice.profile.themes {
            for &q in facts.no_sdg_by_theme.get(th).unwrap_or(&none) {
                if practice_stamp.first(q) {
                    candidates.push(Subject::Practice(q));
                }
            }
        }
        for q in candidates {
            if changed.contains(&q) || touched.contains(&q) {
                continue;
            }
            let query = facts.query(q);
            let Some(score) = facts.score(&query, p) else {
                continue;
            };
            let admits = stored
                .get(facts.iri(q))
                .is_none_or(|state| state.admits(query.keep, score, &practice.iri));
            if admits {
                touched.insert(q);
            }
        }
    }
    stats.recomputed = changed.len() + touched.len();

    // The stored lists of every subject to recompute (and of removed ones), to write only the
    // difference and to know which match nodes may be left without a subject.
    let mut listed: Vec<String> = changed
        .iter()
        .chain(touched.iter())
        .filter_map(|&s| iri_term(facts.iri(s)))
        .map(|n| n.to_string())
        .collect();
    listed.extend(removed.iter().map(|n| n.to_string()));
    let mut old_lists: HashMap<String, HashMap<String, u64>> = HashMap::new();
    for row in lookup(backend, &listed, "?c ?p ?s", |c| {
        format!(
            "?m {} {c} ; {} ?p ; {} ?s .",
            ckg("matchFor"),
            ckg("matchedPractice"),
            ckg("score")
        )
    })? {
        if let [x, p, s] = row.as_slice() {
            old_lists
                .entry(x.clone())
                .or_default()
                .insert(p.clone(), s.parse().unwrap_or(0));
        }
    }

    let mut deletes: Vec<String> = Vec::new();
    // Practices whose nodes lost a link: nodes left without any are removed at the end.
    let mut orphaned: BTreeSet<String> = BTreeSet::new();
    let mut unlink = |subject: &NamedNode, practice: &str, deletes: &mut Vec<String>| {
        if let Some(p) = iri_term(practice) {
            deletes.push(format!(
                "DELETE {{ GRAPH <{derived}> {{ ?m {} {subject} }} }} WHERE {{ GRAPH <{derived}> {{ ?m {} {subject} ; {} {p} }} }}",
                ckg("matchFor"),
                ckg("matchFor"),
                ckg("matchedPractice")
            ));
            orphaned.insert(p.to_string());
        }
    };
    let mut states = String::new();
    // Ground triples to delete (the old states and counts are known): one DELETE DATA.
    let mut ground = String::new();
    let delete_state = |iri: &NamedNode, ground: &mut String| {
        if let Some(state) = stored.get(iri.as_str()) {
            state_triple(ground, iri, state);
        }
    };
    let empty = HashMap::new();
    for iri in &removed {
        for p in old_lists.get(iri.as_str()).unwrap_or(&empty).keys() {
            unlink(iri, p, &mut deletes);
            stats.removed_entries += 1;
        }
        delete_state(iri, &mut ground);
    }
    let mut new_entries: Vec<Entry> = Vec::new();
    let mut stamp = Stamp::new(facts.practices.len());
    for &subject in changed.iter().chain(touched.iter()) {
        let Some(subject_iri) = iri_term(facts.iri(subject)) else {
            continue;
        };
        let q = facts.query(subject);
        let ranked = facts.rank(&q, &mut stamp);
        // A subject whose inputs changed may share other terms at the same score: rewrite it.
        let rewrite = changed.contains(&subject);
        let old = old_lists.get(facts.iri(subject)).unwrap_or(&empty);
        let new: HashMap<&str, u64> = ranked
            .iter()
            .map(|&(s, p)| (facts.practices[p as usize].iri.as_str(), s))
            .collect();
        let same = |p: &str, old_score: Option<&u64>, new_score: Option<&u64>| {
            !rewrite && old_score.is_some() && old_score == new_score && !leaving_set.contains(p)
        };
        for (p, score) in old {
            if !same(p, Some(score), new.get(p.as_str())) {
                unlink(&subject_iri, p, &mut deletes);
                stats.removed_entries += 1;
            }
        }
        for &(score, p) in &ranked {
            let iri = facts.practices[p as usize].iri.as_str();
            if same(iri, old.get(iri), Some(&score)) {
                continue;
            }
            if let Some(entry) = Entry::new(facts, &q, &subject_iri, score, p) {
                new_entries.push(entry);
                stats.written_entries += 1;
            }
        }
        delete_state(&subject_iri, &mut ground);
        state_triple(
            &mut states,
            &subject_iri,
            &state_of(facts, subject, &ranked),
        );
    }

    // New links go to existing nodes with the same key; the other keys get a node each.
    let keys: Vec<String> = new_entries
        .iter()
        .map(|e| Literal::new_simple_literal(&e.key).to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let existing: HashSet<String> = lookup(backend, &keys, "?c", |c| {
        format!("?m {} {c} .", ckg("matchKey"))
    })?
    .into_iter()
    .filter_map(|r| r.into_iter().next())
    .collect();
    let mut links: Vec<String> = Vec::new();
    let mut fresh: BTreeMap<&str, (usize, Vec<&Entry>)> = BTreeMap::new();
    for entry in &new_entries {
        if existing.contains(&entry.key) {
            links.push(format!(
                "INSERT {{ GRAPH <{derived}> {{ ?m {} {} }} }} WHERE {{ GRAPH <{derived}> {{ ?m {} {} }} }}",
                ckg("matchFor"),
                entry.subject,
                ckg("matchKey"),
                Literal::new_simple_literal(&entry.key)
            ));
        } else {
            let next = fresh.len() + 1;
            fresh
                .entry(entry.key.as_str())
                .or_insert((next, Vec::new()))
                .1
                .push(entry);
        }
    }
    let mut chunks: Vec<String> = Vec::new();
    let mut inserts = String::new();
    let mut count = 0usize;
    for (n, entries) in fresh.values() {
        let node = format!("_:m{n}");
        if let Some(first) = entries.first() {
            count += write_node(&mut inserts, &node, first);
        }
        for entry in entries {
            let _ = writeln!(inserts, "{node} {} {} .", ckg("matchFor"), entry.subject);
            count += 1;
        }
        if count >= INSERT_CHUNK {
            chunks.push(std::mem::take(&mut inserts));
            count = 0;
        }
    }
    inserts.push_str(&states);

    // Coverage: rewrite the cells and counts that differ.
    let (cells, per_city) = facts.coverage();
    let mut old_cells: BTreeMap<(String, String), i64> = BTreeMap::new();
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?sdg ?city ?n WHERE {{ GRAPH <{derived}> {{ ?c {} ?sdg ; {} ?city ; {} ?n }} }}",
            ckg("coverageSdg"),
            ckg("coverageCity"),
            ckg("practiceCount")
        ),
    )? {
        if let [sdg, city, count] = row.as_slice() {
            old_cells.insert((sdg.clone(), city.clone()), count.parse().unwrap_or(-1));
        }
    }
    let mut old_counts: BTreeMap<String, i64> = BTreeMap::new();
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?city ?n WHERE {{ GRAPH <{derived}> {{ ?city {} ?n FILTER(isIRI(?city)) }} }}",
            ckg("practiceCount")
        ),
    )? {
        if let [city, count] = row.as_slice() {
            old_counts.insert(city.clone(), count.parse().unwrap_or(-1));
        }
    }
    let cell_keys: BTreeSet<&(String, String)> = cells.keys().chain(old_cells.keys()).collect();
    for (i, key) in cell_keys.into_iter().enumerate() {
        let (new, old) = (cells.get(key), old_cells.get(key));
        if new == old {
            continue;
        }
        let (Some(sdg), Some(city)) = (iri_term(&key.0), iri_term(&key.1)) else {
            continue;
        };
        stats.coverage_cells += 1;
        if old.is_some() {
            deletes.push(format!(
                "DELETE WHERE {{ GRAPH <{derived}> {{ ?c {} {sdg} ; {} {city} ; ?p ?o }} }}",
                ckg("coverageSdg"),
                ckg("coverageCity")
            ));
        }
        if let Some(count) = new {
            coverage_triples(&mut inserts, &format!("_:c{i}"), &sdg, &city, *count);
        }
    }
    let city_keys: BTreeSet<&String> = per_city.keys().chain(old_counts.keys()).collect();
    for city in city_keys {
        let (new, old) = (per_city.get(city), old_counts.get(city));
        if new == old {
            continue;
        }
        let Some(city) = iri_term(city) else {
            continue;
        };
        if let Some(old) = old {
            let _ = writeln!(
                ground,
                "{city} {} {} .",
                ckg("practiceCount"),
                Literal::from(*old)
            );
        }
        if let Some(count) = new {
            let _ = writeln!(
                inserts,
                "{city} {} {} .",
                ckg("practiceCount"),
                Literal::from(*count)
            );
        }
    }
    deletes.push(format!(
        "DELETE WHERE {{ GRAPH <{derived}> {{ <{derived}> <{}> ?v }} }}",
        vocab::DATA_VERSION
    ));
    version_triple(&mut inserts, version);
    chunks.push(inserts);

    // Order: unlink, link to existing nodes, add new nodes, then drop nodes left without a link.
    let mut ops = Vec::with_capacity(deletes.len() + links.len() + orphaned.len() + 2);
    if !ground.is_empty() {
        ops.push(format!(
            "DELETE DATA {{ GRAPH <{derived}> {{\n{ground}}} }}"
        ));
    }
    ops.extend(deletes);
    ops.extend(links);
    ops.extend(
        chunks
            .into_iter()
            .filter(|c| !c.is_empty())
            .map(|c| format!("INSERT DATA {{ GRAPH <{derived}> {{\n{c}}} }}")),
    );
    for p in &orphaned {
        ops.push(format!(
            "DELETE {{ GRAPH <{derived}> {{ ?m ?k ?v }} }} WHERE {{ GRAPH <{derived}> {{ ?m {} {p} ; ?k ?v FILTER NOT EXISTS {{ ?m {} ?x }} }} }}",
            ckg("matchedPractice"),
            ckg("matchFor")
        ));
    }
    let computed = started.elapsed();
    backend.update_keep_version(&ops.join(" ;\n"))?;
    tracing::info!(?computed, written = ?started.elapsed(), operations = ops.len(), "derived graph updated");
    Ok(stats)
}
