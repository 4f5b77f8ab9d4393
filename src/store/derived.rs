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
//! the difference in one SPARQL update. Unchanged data (the same data version) costs one lookup.

use super::Backend;
use crate::error::{Error, Result};
use crate::vocab;
use oxigraph::model::{Literal, NamedNode, Term};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

const SDG_NS: &str = "http://metadata.un.org/sdg/";
/// How many ranked matches are kept per goal and per practice.
pub const PEERS_PER_GOAL: usize = 40;
pub const SIMILAR_PER_PRACTICE: usize = 8;
/// Above this many triples an INSERT DATA is split (remote engines refuse very large ones).
const INSERT_CHUNK: usize = 500;

/// One refresh at a time: a refresh reads, then writes what it read is out of date.
static REFRESH: std::sync::Mutex<()> = std::sync::Mutex::new(());

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

/// Strings to small numbers.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }
    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }
}

/// The ranking inputs of one side of a comparison: sorted ids.
#[derive(Debug, Default, Clone)]
struct Profile {
    /// SDG goals and targets linked.
    sdgs: Vec<u32>,
    /// Those of `sdgs` that are targets.
    targets: Vec<u32>,
    /// The SDG goals of `sdgs` (a goal is its own goal).
    goals: Vec<u32>,
    themes: Vec<u32>,
}

#[derive(Debug, Default, Clone)]
struct Practice {
    iri: String,
    cities: Vec<u32>,
    profile: Profile,
    raw: RawPractice,
}

#[derive(Debug, Clone)]
struct Goal {
    iri: String,
    city: u32,
    profile: Profile,
    raw: RawGoal,
}

/// A ranked subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Subject {
    Practice(u32),
    Goal(u32),
}

/// Everything the rankings and the coverage are computed from, with the candidate indexes.
#[derive(Default)]
struct Facts {
    sdg: Interner,
    themes: Interner,
    cities: Interner,
    /// SDG id → the id of its goal (targets map to their goal, goals to themselves).
    sdg_goal: Vec<u32>,
    sdg_is_target: Vec<bool>,
    /// Practices with a city, sorted by IRI: the index is the tie-break order.
    practices: Vec<Practice>,
    goals: Vec<Goal>,
    by_target: HashMap<u32, Vec<u32>>,
    by_goal: HashMap<u32, Vec<u32>>,
    by_theme: HashMap<u32, Vec<u32>>,
    /// Practices without SDG links, by theme (they rank by themes alone).
    no_sdg_by_theme: HashMap<u32, Vec<u32>>,
    /// Goal subjects by the SDG goals of their mapping.
    goals_by_sdg_goal: HashMap<u32, Vec<u32>>,
    /// The SDG mapping as read, for signatures.
    target_goal: BTreeMap<String, String>,
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v.dedup();
    v
}

fn common(a: &[u32], b: &[u32]) -> u64 {
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

fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    a.iter()
        .copied()
        .filter(|x| b.binary_search(x).is_ok())
        .collect()
}

/// FNV-1a, 64 bits: a stable hash for signatures (the same on every build and machine).
fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Marks visited practices without clearing a set per ranking.
struct Stamp {
    marks: Vec<u32>,
    generation: u32,
}

impl Stamp {
    fn new(n: usize) -> Self {
        Self {
            marks: vec![0; n],
            generation: 0,
        }
    }
    fn next(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.generation = 1;
        }
    }
    /// True the first time `id` is seen in this generation.
    fn first(&mut self, id: u32) -> bool {
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
struct Query<'a> {
    cities: &'a [u32],
    exclude: Option<u32>,
    profile: &'a Profile,
    keep: usize,
}

/// Best first: higher score, then the smaller IRI (practice ids follow IRI order).
fn order(a: &(u64, u32), b: &(u64, u32)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// The ranking inputs as IRIs, before interning: read from the store, or from the stored states.
#[derive(Default, Clone)]
struct Raw {
    target_goal: BTreeMap<String, String>,
    practices: BTreeMap<String, RawPractice>,
    goals: BTreeMap<String, RawGoal>,
}

#[derive(Default, Clone, Debug, PartialEq, Eq)]
struct RawPractice {
    cities: Vec<String>,
    sdgs: Vec<String>,
    themes: Vec<String>,
    /// The strategy goals it serves (they take its themes).
    served: Vec<String>,
}

#[derive(Default, Clone, Debug, PartialEq, Eq)]
struct RawGoal {
    city: String,
    mapped: Vec<String>,
    themes: Vec<String>,
}

impl Raw {
    fn build(self) -> Facts {
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
    /// Reads the ranking inputs with one single-pattern query per property (index scans, no
    /// joins in the engine: on 3 M quads a typed join costs seconds, a scan a fraction) and joins
    /// them here.
    fn read(backend: &Backend) -> Result<Self> {
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

    fn profile<'a>(&mut self, sdgs: &[String], themes: impl Iterator<Item = &'a str>) -> Profile {
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

    fn sdg_id(&mut self, sdg: &str) -> u32 {
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

    fn index(&mut self) {
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
    fn subjects(&self) -> impl Iterator<Item = Subject> + '_ {
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

    fn iri(&self, subject: Subject) -> &str {
        match subject {
            Subject::Practice(p) => &self.practices[p as usize].iri,
            Subject::Goal(g) => &self.goals[g as usize].iri,
        }
    }

    fn query(&self, subject: Subject) -> Query<'_> {
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
    fn signature(&self, subject: Subject) -> u64 {
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

    /// The score of practice `p` for `q`, when `p` may be ranked for it at all.
    fn score(&self, q: &Query<'_>, p: u32) -> Option<u64> {
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
    fn rank(&self, q: &Query<'_>, stamp: &mut Stamp) -> Vec<(u64, u32)> {
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
    fn shared(&self, q: &Query<'_>, p: u32) -> Shared {
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
    fn coverage(&self) -> (BTreeMap<(String, String), i64>, BTreeMap<String, i64>) {
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
fn top(scored: &mut Vec<(u64, u32)>, keep: usize) -> &[(u64, u32)] {
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

/// What a stored state says its subject's ranking was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Inputs {
    Practice(RawPractice),
    Goal(RawGoal),
}

/// A subject's stored ranking state: the signature of its inputs, its list's length and last
/// entry, and the inputs themselves, so that a refresh for one city can take every other
/// subject's inputs from here instead of reading the whole network.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    signature: u64,
    len: usize,
    /// The last entry of the list: its score and practice.
    cutoff: Option<(u64, String)>,
    inputs: Inputs,
}

/// IRIs never hold a space or a `|`, so both can separate them.
fn join(list: &[String]) -> String {
    list.join("|")
}

fn split(text: &str) -> Vec<String> {
    text.split('|')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl State {
    fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split(' ').collect();
        let [signature, len, score, iri, kind, a, b, c, d] = parts.as_slice() else {
            return None;
        };
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

    fn text(&self) -> String {
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
            "{:016x} {} {score} {iri} {inputs}",
            self.signature, self.len
        )
    }

    /// Whether a practice with `score` and `iri` would enter this list.
    fn admits(&self, keep: usize, score: u64, iri: &str) -> bool {
        match &self.cutoff {
            _ if self.len < keep => true,
            Some((cut, cut_iri)) => score > *cut || (score == *cut && iri < cut_iri.as_str()),
            None => true,
        }
    }
}

fn iri_term(iri: &str) -> Option<NamedNode> {
    NamedNode::new(iri).ok()
}

fn ckg(term: &str) -> String {
    format!("<{}{term}>", vocab::CKG)
}

/// The key of a match node: the matched practice, its score and what it shares. Subjects for
/// which the same practice matches with the same shared terms point to one node.
fn match_key(practice: &str, score: u64, shared: &Shared) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(practice.as_bytes());
    hasher.update([0]);
    hasher.update(score.to_string().as_bytes());
    for set in [&shared.targets, &shared.sdg_goals, &shared.themes] {
        hasher.update([1]);
        for v in set {
            hasher.update(v.as_bytes());
            hasher.update([0]);
        }
    }
    hex::encode(&hasher.finalize()[..16])
}

/// One ranked entry: `subject` gets `practice` with `score` and what they share.
struct Entry {
    subject: NamedNode,
    practice: NamedNode,
    score: u64,
    shared: Shared,
    key: String,
}

impl Entry {
    fn new(facts: &Facts, q: &Query<'_>, subject: &NamedNode, score: u64, p: u32) -> Option<Self> {
        let practice = iri_term(&facts.practices[p as usize].iri)?;
        let shared = facts.shared(q, p);
        let key = match_key(practice.as_str(), score, &shared);
        Some(Self {
            subject: subject.clone(),
            practice,
            score,
            shared,
            key,
        })
    }
}

/// Writes a match node (without its `ckg:matchFor` links) as Turtle; returns the triple count.
fn write_node(out: &mut String, node: &str, entry: &Entry) -> usize {
    let _ = writeln!(
        out,
        "{node} {} {} ; {} {} ; {} {} .",
        ckg("matchedPractice"),
        entry.practice,
        ckg("score"),
        Literal::from(entry.score as i64),
        ckg("matchKey"),
        Literal::new_simple_literal(&entry.key)
    );
    let mut n = 3;
    for (property, values) in [
        ("sharedTarget", &entry.shared.targets),
        ("sharedSdgGoal", &entry.shared.sdg_goals),
        ("sharedTheme", &entry.shared.themes),
    ] {
        for v in values {
            if let Some(v) = iri_term(v) {
                let _ = writeln!(out, "{node} {} {v} .", ckg(property));
                n += 1;
            }
        }
    }
    n
}

/// A subject's state hangs off the derived graph's own IRI, its text starting with the subject:
/// on the subject itself it would show among the resource's own statements (pages, RDF views).
fn state_triple(out: &mut String, subject: &NamedNode, state: &State) {
    let _ = writeln!(
        out,
        "<{}> {} {} .",
        vocab::graph::DERIVED,
        ckg("rankState"),
        Literal::new_simple_literal(format!("{} {}", subject.as_str(), state.text()))
    );
}

fn coverage_triples(out: &mut String, node: &str, sdg: &NamedNode, city: &NamedNode, count: i64) {
    let _ = writeln!(
        out,
        "{node} a {} ; {} {sdg} ; {} {city} ; {} {} .",
        ckg("Coverage"),
        ckg("coverageSdg"),
        ckg("coverageCity"),
        ckg("practiceCount"),
        Literal::from(count)
    );
}

fn version_triple(out: &mut String, version: &str) {
    let _ = writeln!(
        out,
        "<{}> <{}> {} .",
        vocab::graph::DERIVED,
        vocab::DATA_VERSION,
        Literal::new_simple_literal(version)
    );
}

/// The data version the derived graph was computed for.
fn recorded_version(backend: &Backend) -> Result<Option<String>> {
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
pub fn ensure_fresh(backend: &Backend) -> Result<bool> {
    let version = backend.data_version()?;
    if recorded_version(backend)?.as_deref() == Some(version.as_str()) {
        return Ok(false);
    }
    refresh(backend, false)?;
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
        let stats = update(backend, &facts, &stored, &version)?;
        tracing::info!(?read, elapsed = ?started.elapsed(), "derived graph refreshed for one city");
        stats
    };
    tracing::info!(city, ?stats, "derived data refreshed for a contribution");
    Ok(stats)
}

/// `SELECT ?s ?o` over `?s <predicate> ?o` for the given subjects (IRIs), in chunks.
fn objects_of(
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

fn is_of_city(iri: &str, slug: &str) -> bool {
    iri.rsplit_once("/city/").is_some_and(|(_, s)| s == slug)
}

/// The ranking inputs after a change of `city`'s graph: stored inputs for everything else,
/// the store's for what the city's graph describes now or described before.
fn facts_for_city(backend: &Backend, city: &str, stored: &HashMap<String, State>) -> Result<Facts> {
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
    let graph = super::graph_iri(city)?;
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

/// Recomputes the whole derived graph from scratch (for tests and repairs).
pub fn recompute_all(backend: &Backend) -> Result<RefreshStats> {
    refresh(backend, true)
}

fn refresh(backend: &Backend, from_scratch: bool) -> Result<RefreshStats> {
    let _guard = REFRESH.lock().unwrap_or_else(|e| e.into_inner());
    refresh_locked(backend, from_scratch)
}

fn refresh_locked(backend: &Backend, from_scratch: bool) -> Result<RefreshStats> {
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
        rebuild(backend, &facts, &version)?
    } else {
        update(backend, &facts, &stored, &version)?
    };
    tracing::info!(?read, elapsed = ?started.elapsed(), ?stats, "derived graph refreshed");
    Ok(stats)
}

fn read_states(backend: &Backend) -> Result<HashMap<String, State>> {
    let rows = iri_rows(
        backend,
        &format!(
            "SELECT ?s WHERE {{ GRAPH <{}> {{ <{}> {} ?s }} }}",
            vocab::graph::DERIVED,
            vocab::graph::DERIVED,
            ckg("rankState")
        ),
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let (subject, text) = r.first()?.split_once(' ')?;
            Some((subject.to_owned(), State::parse(text)?))
        })
        .collect())
}

/// Computes every ranking and the coverage and replaces the derived graph in one transaction.
fn rebuild(backend: &Backend, facts: &Facts, version: &str) -> Result<RefreshStats> {
    let started = std::time::Instant::now();
    let mut stats = RefreshStats {
        full: true,
        ..RefreshStats::default()
    };
    let mut data = String::new();
    version_triple(&mut data, version);
    let mut stamp = Stamp::new(facts.practices.len());
    let mut nodes: HashMap<String, usize> = HashMap::new();
    for subject in facts.subjects() {
        stats.subjects += 1;
        stats.changed += 1;
        stats.recomputed += 1;
        let Some(subject_iri) = iri_term(facts.iri(subject)) else {
            continue;
        };
        let q = facts.query(subject);
        let ranked = facts.rank(&q, &mut stamp);
        for &(score, p) in &ranked {
            let Some(entry) = Entry::new(facts, &q, &subject_iri, score, p) else {
                continue;
            };
            let next = nodes.len() + 1;
            let n = *nodes.entry(entry.key.clone()).or_insert(next);
            if n == next {
                write_node(&mut data, &format!("_:m{n}"), &entry);
            }
            let _ = writeln!(data, "_:m{n} {} {subject_iri} .", ckg("matchFor"));
            stats.written_entries += 1;
        }
        state_triple(&mut data, &subject_iri, &state_of(facts, subject, &ranked));
    }
    let (cells, per_city) = facts.coverage();
    for (i, ((sdg, city), count)) in cells.iter().enumerate() {
        if let (Some(sdg), Some(city)) = (iri_term(sdg), iri_term(city)) {
            coverage_triples(&mut data, &format!("_:c{i}"), &sdg, &city, *count);
            stats.coverage_cells += 1;
        }
    }
    for (city, count) in &per_city {
        if let Some(city) = iri_term(city) {
            let _ = writeln!(
                data,
                "{city} {} {} .",
                ckg("practiceCount"),
                Literal::from(*count)
            );
        }
    }
    let computed = started.elapsed();
    let graph = NamedNode::new(vocab::graph::DERIVED).map_err(|e| Error::Invalid(e.to_string()))?;
    backend.replace_graph_bulk_keep_version(&graph, &data)?;
    tracing::info!(?computed, written = ?started.elapsed(), "derived graph rebuilt");
    Ok(stats)
}

fn state_of(facts: &Facts, subject: Subject, ranked: &[(u64, u32)]) -> State {
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

/// Runs `pattern` (a group graph pattern with `{}` where a constant goes) once per constant, as
/// a UNION of branches that each bind `?c` to their constant, in chunks; every branch starts
/// from a constant, so each is an index lookup whatever the engine's join order.
fn lookup(
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
fn update(
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

/// The derived graph as sorted lines, blank nodes replaced by what they describe: two graphs
/// with the same rankings, nodes, states and coverage give the same lines (for tests).
pub fn snapshot(backend: &Backend) -> Result<Vec<String>> {
    let derived = vocab::graph::DERIVED;
    let mut lines: Vec<String> = Vec::new();
    // node → its description
    let mut nodes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?m ?k ?v WHERE {{ GRAPH <{derived}> {{ ?m {} ?p ; ?k ?v FILTER(?k != {}) }} }}",
            ckg("matchedPractice"),
            ckg("matchFor")
        ),
    )? {
        if let [m, k, v] = row.as_slice() {
            nodes.entry(m.clone()).or_default().push(format!("{k}={v}"));
        }
    }
    let mut linked: HashSet<String> = HashSet::new();
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?m ?x WHERE {{ GRAPH <{derived}> {{ ?m {} ?x }} }}",
            ckg("matchFor")
        ),
    )? {
        if let [m, x] = row.as_slice() {
            let mut description = nodes.get(m).cloned().unwrap_or_default();
            description.sort();
            lines.push(format!("match {x} {}", description.join(" ")));
            linked.insert(m.clone());
        }
    }
    for (m, mut description) in nodes {
        description.sort();
        let kind = if linked.contains(&m) {
            "node"
        } else {
            "orphan"
        };
        lines.push(format!("{kind} {}", description.join(" ")));
    }
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?sdg ?city ?n WHERE {{ GRAPH <{derived}> {{ ?c {} ?sdg ; {} ?city ; {} ?n }} }}",
            ckg("coverageSdg"),
            ckg("coverageCity"),
            ckg("practiceCount")
        ),
    )? {
        lines.push(format!("coverage {}", row.join(" ")));
    }
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?x ?p ?v WHERE {{ GRAPH <{derived}> {{ ?x ?p ?v FILTER(isIRI(?x) && ?x != <{derived}>) }} }}"
        ),
    )? {
        lines.push(format!("fact {}", row.join(" ")));
    }
    for row in iri_rows(
        backend,
        &format!(
            "SELECT ?s WHERE {{ GRAPH <{derived}> {{ <{derived}> {} ?s }} }}",
            ckg("rankState")
        ),
    )? {
        lines.push(format!("state {}", row.join(" ")));
    }
    lines.sort();
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

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
