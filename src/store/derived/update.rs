//! The difference writer: finds what a change touches, recomputes those rankings and writes the
//! difference as DELETE DATA and INSERT DATA of known triples, in one SPARQL update. Every read
//! starts from constants (`VALUES`), so each is a run of index lookups on any engine.

use super::facts::{Facts, Subject};
use super::ranking::Stamp;
use super::state::{Inputs, State, state_of};
use super::triples::{
    Entry, ckg, coverage_triples, data_operations, iri_term, state_triple, version_triple,
    write_node,
};
use super::{Backend, INSERT_CHUNK, RefreshStats, recorded_version};
use crate::error::Result;
use crate::vocab;
use oxigraph::model::{Literal, NamedNode, Term};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

/// How many constants one `VALUES` block holds.
const VALUES_CHUNK: usize = 200;

/// Rows of `SELECT {select} WHERE { GRAPH <derived> { VALUES ?{var} { … } {pattern} } }` for
/// `constants` (N-Triples terms), in chunks.
fn values_rows(
    backend: &Backend,
    var: &str,
    constants: &[String],
    select: &str,
    pattern: &str,
) -> Result<Vec<Vec<Option<Term>>>> {
    let mut rows = Vec::new();
    for chunk in constants.chunks(VALUES_CHUNK) {
        rows.extend(backend.select(&format!(
            "SELECT {select} WHERE {{ GRAPH <{}> {{ VALUES ?{var} {{ {} }} {pattern} }} }}",
            vocab::graph::DERIVED,
            chunk.join(" ")
        ))?);
    }
    Ok(rows)
}

/// An IRI's text, a literal's lexical form.
fn text(term: &Option<Term>) -> Option<String> {
    match term {
        Some(Term::NamedNode(n)) => Some(n.as_str().to_owned()),
        Some(Term::Literal(l)) => Some(l.value().to_owned()),
        _ => None,
    }
}

/// What a change touches.
struct Affected {
    /// Subjects whose own inputs changed, or that are new.
    changed: BTreeSet<Subject>,
    /// Subjects whose lists a changed or removed practice leaves or enters.
    touched: BTreeSet<Subject>,
    /// Subjects that no longer exist.
    removed: Vec<NamedNode>,
    /// The cities whose coverage may differ: those of changed practices, before and after.
    cities: BTreeSet<String>,
}

fn affected(backend: &Backend, facts: &Facts, stored: &HashMap<String, State>) -> Result<Affected> {
    let subjects: Vec<Subject> = facts.subjects().collect();
    let by_iri: HashMap<&str, Subject> = subjects.iter().map(|&s| (facts.iri(s), s)).collect();

    // (a) Subjects whose own inputs changed or that are new; subjects that disappeared.
    let changed: BTreeSet<Subject> = subjects
        .iter()
        .copied()
        .filter(|&s| {
            stored
                .get(facts.iri(s))
                .is_none_or(|state| state.signature != facts.signature(s))
        })
        .collect();
    let removed: Vec<NamedNode> = stored
        .keys()
        .filter(|iri| !by_iri.contains_key(iri.as_str()))
        .filter_map(|iri| iri_term(iri))
        .collect();
    let changed_practices: Vec<u32> = changed
        .iter()
        .filter_map(|s| match s {
            Subject::Practice(p) => Some(*p),
            Subject::Goal(_) => None,
        })
        .collect();
    let mut leaving: Vec<NamedNode> = changed_practices
        .iter()
        .filter_map(|&p| iri_term(&facts.practices[p as usize].iri))
        .collect();
    leaving.extend(removed.iter().cloned());

    // (b) Lists that a changed or removed practice is in.
    let mut touched: BTreeSet<Subject> = BTreeSet::new();
    let constants: Vec<String> = leaving.iter().map(NamedNode::to_string).collect();
    for row in values_rows(
        backend,
        "p",
        &constants,
        "DISTINCT ?x",
        &format!(
            "?m {} ?p ; {} ?x .",
            ckg("matchedPractice"),
            ckg("matchFor")
        ),
    )? {
        if let Some(&s) = row
            .first()
            .and_then(text)
            .and_then(|x| by_iri.get(x.as_str()))
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
    let mut cities: BTreeSet<String> = BTreeSet::new();
    for &p in &changed_practices {
        let practice = &facts.practices[p as usize];
        cities.extend(
            practice
                .cities
                .iter()
                .map(|&c| facts.cities.name(c).to_owned()),
        );
    }
    for iri in leaving.iter().map(NamedNode::as_str) {
        if let Some(Inputs::Practice(old)) = stored.get(iri).map(|s| &s.inputs) {
            cities.extend(old.cities.iter().cloned());
        }
    }
    Ok(Affected {
        changed,
        touched,
        removed,
        cities,
    })
}

/// The match nodes (N-Triples) each of `subjects` is linked to, and whether any is a blank node
/// (an older layout).
fn old_lists(
    backend: &Backend,
    subjects: &[String],
) -> Result<(HashMap<String, HashSet<String>>, bool)> {
    let mut lists: HashMap<String, HashSet<String>> = HashMap::new();
    let mut blank = false;
    for row in values_rows(
        backend,
        "x",
        subjects,
        "?x ?m",
        &format!("?m {} ?x .", ckg("matchFor")),
    )? {
        if let [Some(Term::NamedNode(x)), Some(node)] = row.as_slice() {
            blank |= !matches!(node, Term::NamedNode(_));
            lists
                .entry(x.as_str().to_owned())
                .or_default()
                .insert(node.to_string());
        }
    }
    Ok((lists, blank))
}

/// Nodes that lost links and gained none: those left without any link lose their description.
/// `unlinked` maps each node (N-Triples) to the subjects it was unlinked from.
fn orphans(
    backend: &Backend,
    unlinked: &BTreeMap<String, HashSet<String>>,
    ground: &mut String,
) -> Result<usize> {
    let nodes: Vec<String> = unlinked.keys().cloned().collect();
    // node → (links left, description)
    let mut found: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let match_for = vocab::ckg::MATCH_FOR;
    for row in values_rows(backend, "m", &nodes, "?m ?k ?v", "?m ?k ?v .")? {
        let [Some(m), Some(Term::NamedNode(k)), Some(v)] = row.as_slice() else {
            continue;
        };
        let m = m.to_string();
        let entry = found.entry(m.clone()).or_default();
        if k.as_str() == match_for {
            let gone = unlinked
                .get(&m)
                .is_some_and(|subjects| subjects.contains(&v.to_string()));
            if !gone {
                entry.0 += 1;
            }
        } else {
            entry.1.push(format!("{m} {k} {v} ."));
        }
    }
    let mut removed = 0;
    for (left, description) in found.into_values() {
        if left == 0 {
            removed += 1;
            for line in description {
                ground.push_str(&line);
                ground.push('\n');
            }
        }
    }
    Ok(removed)
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
    let mut stats = RefreshStats {
        subjects: facts.subjects().count(),
        ..RefreshStats::default()
    };
    let Affected {
        changed,
        touched,
        removed,
        cities,
    } = affected(backend, facts, stored)?;
    stats.changed = changed.len() + removed.len();
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
    let (old_lists, blank) = old_lists(backend, &listed)?;
    if blank {
        // Blank match nodes (an older layout) cannot be deleted as data.
        tracing::info!("derived graph of an older layout: rebuilt");
        return super::rebuild::rebuild(backend, facts, version);
    }

    // Ground triples to delete and to insert.
    let mut ground = String::new();
    let mut inserts = String::new();
    // node → the subjects it was unlinked from; nodes that got a link (N-Triples).
    let mut unlinked: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut linked: HashSet<String> = HashSet::new();
    let match_for = ckg("matchFor");
    let mut unlink = |subject: &NamedNode, node: &str, ground: &mut String| {
        let _ = writeln!(ground, "{node} {match_for} {subject} .");
        unlinked
            .entry(node.to_owned())
            .or_default()
            .insert(subject.to_string());
    };
    let delete_state = |iri: &NamedNode, ground: &mut String| {
        if let Some(state) = stored.get(iri.as_str()) {
            state_triple(ground, iri, state);
        }
    };
    let empty = HashSet::new();
    for iri in &removed {
        for node in old_lists.get(iri.as_str()).unwrap_or(&empty) {
            unlink(iri, node, &mut ground);
            stats.removed_entries += 1;
        }
        delete_state(iri, &mut ground);
    }
    let mut stamp = Stamp::new(facts.practices.len());
    for &subject in changed.iter().chain(touched.iter()) {
        let Some(subject_iri) = iri_term(facts.iri(subject)) else {
            continue;
        };
        let q = facts.query(subject);
        let ranked = facts.rank(&q, &mut stamp);
        // A node is named by everything its entry says (practice, score, shared terms): an
        // entry is unchanged exactly when the subject keeps its node.
        let old = old_lists.get(facts.iri(subject)).unwrap_or(&empty);
        let entries: Vec<Entry> = ranked
            .iter()
            .filter_map(|&(score, p)| Entry::new(facts, &q, score, p))
            .collect();
        let new: HashSet<&str> = entries.iter().map(|e| e.node.as_str()).collect();
        for node in old {
            if !new.contains(node.as_str()) {
                unlink(&subject_iri, node, &mut ground);
                stats.removed_entries += 1;
            }
        }
        for entry in entries.iter().filter(|e| !old.contains(&e.node)) {
            // A node's description is the same wherever it is used: written once.
            if linked.insert(entry.node.clone()) {
                write_node(&mut inserts, entry);
            }
            let _ = writeln!(inserts, "{} {match_for} {subject_iri} .", entry.node);
            stats.written_entries += 1;
        }
        delete_state(&subject_iri, &mut ground);
        state_triple(
            &mut inserts,
            &subject_iri,
            &state_of(facts, subject, &ranked),
        );
    }
    unlinked.retain(|node, _| !linked.contains(node));
    let orphaned = orphans(backend, &unlinked, &mut ground)?;

    coverage_difference(
        backend,
        facts,
        &cities,
        &mut ground,
        &mut inserts,
        &mut stats,
    )?;
    if let Some(old) = recorded_version(backend)? {
        version_triple(&mut ground, &old);
    }
    version_triple(&mut inserts, version);

    // Deletions first: a node that is unlinked here and linked again keeps its description.
    let mut ops = data_operations("DELETE", &ground, INSERT_CHUNK);
    ops.extend(data_operations("INSERT", &inserts, INSERT_CHUNK));
    let computed = started.elapsed();
    backend.update_keep_version(&ops.join(" ;\n"))?;
    tracing::info!(?computed, written = ?started.elapsed(), operations = ops.len(), orphaned, "derived graph updated");
    Ok(stats)
}

/// Coverage of `cities` (those a changed practice is or was in): the cells and per-city counts
/// that differ are deleted (their old triples are read) and written anew.
fn coverage_difference(
    backend: &Backend,
    facts: &Facts,
    cities: &BTreeSet<String>,
    ground: &mut String,
    inserts: &mut String,
    stats: &mut RefreshStats,
) -> Result<()> {
    let (mut cells, mut per_city) = facts.coverage();
    cells.retain(|(_, city), _| cities.contains(city));
    per_city.retain(|city, _| cities.contains(city));
    let constants: Vec<String> = cities
        .iter()
        .filter_map(|c| iri_term(c))
        .map(|c| c.to_string())
        .collect();
    // (sdg, city) → (cell node, count)
    let mut old_cells: BTreeMap<(String, String), (Term, i64)> = BTreeMap::new();
    for row in values_rows(
        backend,
        "city",
        &constants,
        "?c ?sdg ?city ?n",
        &format!(
            "?c {} ?city ; {} ?sdg ; {} ?n .",
            ckg("coverageCity"),
            ckg("coverageSdg"),
            ckg("practiceCount")
        ),
    )? {
        if let [Some(node), sdg, city, n] = row.as_slice()
            && let (Some(sdg), Some(city), Some(n)) = (text(sdg), text(city), text(n))
        {
            old_cells.insert((sdg, city), (node.clone(), n.parse().unwrap_or(-1)));
        }
    }
    let mut old_counts: BTreeMap<String, i64> = BTreeMap::new();
    for row in values_rows(
        backend,
        "city",
        &constants,
        "?city ?n",
        &format!("?city {} ?n .", ckg("practiceCount")),
    )? {
        if let [city, n] = row.as_slice()
            && let (Some(city), Some(n)) = (text(city), text(n))
        {
            old_counts.insert(city, n.parse().unwrap_or(-1));
        }
    }
    let cell_keys: BTreeSet<&(String, String)> = cells.keys().chain(old_cells.keys()).collect();
    for key in cell_keys {
        let (new, old) = (cells.get(key), old_cells.get(key));
        if new == old.map(|(_, n)| n) {
            continue;
        }
        let (Some(sdg), Some(city)) = (iri_term(&key.0), iri_term(&key.1)) else {
            continue;
        };
        stats.coverage_cells += 1;
        if let Some((node, count)) = old {
            let _ = writeln!(
                ground,
                "{node} a {} ; {} {sdg} ; {} {city} ; {} {} .",
                ckg("Coverage"),
                ckg("coverageSdg"),
                ckg("coverageCity"),
                ckg("practiceCount"),
                Literal::from(*count)
            );
        }
        if let Some(count) = new {
            coverage_triples(inserts, &sdg, &city, *count);
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
        for (out, count) in [(&mut *ground, old), (&mut *inserts, new)] {
            if let Some(count) = count {
                let _ = writeln!(
                    out,
                    "{city} {} {} .",
                    ckg("practiceCount"),
                    Literal::from(*count)
                );
            }
        }
    }
    Ok(())
}
