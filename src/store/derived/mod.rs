//! Aggregates that pages show (peer practices per strategy goal, similar practices per practice,
//! SDG coverage per city), kept in the `derived` graph and maintained by difference, through SPARQL.
//!
//! Candidates come from indexes (SDG target, SDG goal and theme → practices), never from all
//! pairs. Each ranked subject (a practice, or a goal mapped to an SDG) carries one `ckg:rankState`
//! literal in the derived graph: a signature of its ranking inputs, its list length and the last
//! entry of its list (the cutoff). A refresh reads the ranking inputs, compares signatures, and
//! recomputes only (a) subjects whose inputs changed, (b) lists a changed or removed practice was
//! in, found through `ckg:matchedPractice`, and (c) lists a changed practice now enters, found by
//! scoring it against the cutoffs of the subjects its SDG goals and themes index. It then writes
//! the difference in one SPARQL update of DELETE DATA and INSERT DATA only: match nodes and
//! coverage cells are IRIs made from what they describe (`{derived}#match-…`), so every triple to
//! remove is known. Unchanged data (the same data version) costs one lookup.

mod facts;
mod inputs;
mod ranking;
mod rebuild;
mod snapshot;
mod state;
mod triples;
mod update;

pub use snapshot::snapshot;
pub use triples::node_prefix;

use super::Backend;
use crate::error::Result;
use crate::vocab;
use facts::Facts;
use inputs::facts_for_city;
use oxigraph::model::Term;
use state::read_states;
use std::collections::{BTreeSet, HashMap};

pub(super) const SDG_NS: &str = "http://metadata.un.org/sdg/";
/// How many ranked matches are kept per goal and per practice.
pub const PEERS_PER_GOAL: usize = 40;
pub const SIMILAR_PER_PRACTICE: usize = 8;
/// Above this many triples an INSERT DATA is split (remote engines refuse very large ones).
const INSERT_CHUNK: usize = 500;

/// One refresh at a time: a refresh reads, then writes what it read is out of date.
pub(super) static REFRESH: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub(super) type Set = BTreeSet<String>;

pub(super) fn iri_rows(backend: &Backend, query: &str) -> Result<Vec<Vec<String>>> {
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

/// What a refresh did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefreshStats {
    /// The derived graph was rebuilt from scratch (no ranking state was stored).
    pub full: bool,
    /// Ranked subjects (practices, and goals mapped to an SDG).
    pub subjects: usize,
    /// Subjects whose ranking inputs changed, appeared or disappeared.
    pub changed: usize,
    /// Rankings recomputed.
    pub recomputed: usize,
    /// Match entries removed and written.
    pub removed_entries: usize,
    pub written_entries: usize,
    /// Coverage cells rewritten.
    pub coverage_cells: usize,
}

/// The data version the derived graph was computed for.
pub(super) fn recorded_version(backend: &Backend) -> Result<Option<String>> {
    let recorded = backend.select(&format!(
        "SELECT ?v WHERE {{ GRAPH <{}> {{ <{}> <{}> ?v }} }}",
        vocab::graph::DERIVED,
        vocab::graph::DERIVED,
        vocab::DATA_VERSION
    ))?;
    Ok(recorded
        .first()
        .and_then(|r| r.first())
        .and_then(|t| match t {
            Some(Term::Literal(l)) => Some(l.value().to_owned()),
            _ => None,
        }))
}

/// Brings the derived graph up to date when it was computed for another data version (at
/// start-up, after an update); with an unchanged data version nothing is read or computed.
/// A derived graph of an older layout (blank match nodes) is rebuilt once.
pub fn ensure_fresh(backend: &Backend) -> Result<bool> {
    let version = backend.data_version()?;
    let current = state::current_layout(backend)?;
    if current && recorded_version(backend)?.as_deref() == Some(version.as_str()) {
        return Ok(false);
    }
    refresh(backend, !current)?;
    Ok(true)
}

/// After `city`'s graph was replaced or withdrawn: recomputes the rankings its data touches (its
/// own goals and practices, the lists its practices enter or leave) and its coverage, and writes
/// the difference. The change set is found by comparing ranking signatures, so whatever else the
/// change reaches (another city's goal that one of its practices serves) is found as well.
///
/// Only the subjects `city`'s graph describes now, those the stored states give to the city, and
/// the goals their practices serve are read from the store; every other subject's inputs come
/// from its stored state. This presumes the derived graph was up to date before the city's
/// commit (a contribution refreshes right after its commit, under the same lock as every other
/// refresh); without stored states it falls back to the full comparison of `ensure_fresh`.
pub fn refresh_for_city(backend: &Backend, city: &str) -> Result<RefreshStats> {
    let _guard = REFRESH.lock().unwrap_or_else(|e| e.into_inner());
    let started = std::time::Instant::now();
    let version = backend.data_version()?;
    if recorded_version(backend)?.as_deref() == Some(version.as_str()) {
        return Ok(RefreshStats::default());
    }
    let stored = read_states(backend)?;
    let stats = if stored.is_empty() {
        refresh_locked(backend, false)?
    } else {
        let facts = facts_for_city(backend, city, &stored)?;
        let read = started.elapsed();
        let stats = update::update(backend, &facts, &stored, &version)?;
        tracing::info!(?read, elapsed = ?started.elapsed(), "derived graph refreshed for one city");
        stats
    };
    tracing::info!(city, ?stats, "derived data refreshed for a contribution");
    Ok(stats)
}

/// Recomputes the whole derived graph from scratch (for tests and repairs).
pub fn recompute_all(backend: &Backend) -> Result<RefreshStats> {
    refresh(backend, true)
}

pub(super) fn refresh(backend: &Backend, from_scratch: bool) -> Result<RefreshStats> {
    let _guard = REFRESH.lock().unwrap_or_else(|e| e.into_inner());
    refresh_locked(backend, from_scratch)
}

pub(super) fn refresh_locked(backend: &Backend, from_scratch: bool) -> Result<RefreshStats> {
    let started = std::time::Instant::now();
    let version = backend.data_version()?;
    if !from_scratch && recorded_version(backend)?.as_deref() == Some(version.as_str()) {
        return Ok(RefreshStats::default());
    }
    let facts = Facts::read(backend)?;
    let read = started.elapsed();
    let stored = if from_scratch {
        HashMap::new()
    } else {
        read_states(backend)?
    };
    let stats = if stored.is_empty() {
        rebuild::rebuild(backend, &facts, &version)?
    } else {
        update::update(backend, &facts, &stored, &version)?
    };
    tracing::info!(?read, elapsed = ?started.elapsed(), ?stats, "derived graph refreshed");
    Ok(stats)
}
