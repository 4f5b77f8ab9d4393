//! The pages city staff use: a city (strategy, goal tree, practices, partners, timeline), a
//! strategy goal (its practices and ranked peer practices from other cities) and a practice
//! (outcomes, sources, similar practices). Every query starts from the resource shown, and
//! rankings come precomputed from the derived graph.

use super::i18n::{Lang, strings};
use super::labels::labels;
use crate::error::Result;
use crate::store::Backend;
use crate::vocab;
use oxigraph::model::{NamedNode, Term};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const CKG: &str = vocab::CKG;
const SDG_NS: &str = "http://metadata.un.org/sdg/";
const PREFIXES: &str = "PREFIX ckg: <https://w3id.org/citykg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qudt: <http://qudt.org/schema/qudt/>
";

/// A link with its text (and an optional longer title).
#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub text: String,
    pub href: String,
    pub title: Option<String>,
}

/// Turns IRIs into links with labels.
pub struct Linker {
    base_iri: String,
    lang: Lang,
    labels: HashMap<String, String>,
}

impl Linker {
    pub fn new(
        backend: &Backend,
        base_iri: &str,
        iris: &BTreeSet<String>,
        lang: Lang,
    ) -> Result<Self> {
        Ok(Self {
            base_iri: base_iri.to_owned(),
            lang,
            labels: labels(backend, iris.iter().map(String::as_str), lang)?,
        })
    }

    pub fn label(&self, iri: &str) -> String {
        self.labels
            .get(iri)
            .cloned()
            .unwrap_or_else(|| super::pages::compact(iri))
    }

    /// Where a link to `iri` goes: a page of ours (keeping the reader's language) or the IRI itself.
    pub fn href(&self, iri: &str) -> String {
        local_href(iri, &self.base_iri, self.lang)
    }

    /// SDGs show as "SDG 11.2" with the official text as title; others as their label.
    pub fn link(&self, iri: &str) -> Link {
        let href = self.href(iri);
        if let Some(number) = iri.strip_prefix(SDG_NS) {
            let label = self.labels.get(iri).cloned();
            let text = if number.contains('.') {
                format!("SDG {number}")
            } else {
                match &label {
                    Some(l) if l.len() < 60 => format!("SDG {number} · {l}"),
                    _ => format!("SDG {number}"),
                }
            };
            return Link {
                text,
                href,
                title: label,
            };
        }
        Link {
            text: self.label(iri),
            href,
            title: None,
        }
    }
}

/// A local page for our resources and the SDGs (with `?lang=`), else the IRI itself.
pub fn local_href(iri: &str, base_iri: &str, lang: Lang) -> String {
    match super::pages::href_for(iri, base_iri) {
        Some(h) if h.starts_with('/') => format!("{h}?lang={}", lang.code()),
        Some(h) => h,
        None => iri.to_owned(),
    }
}

fn rows(backend: &Backend, query: &str) -> Result<Vec<Vec<Option<Term>>>> {
    backend.select(&format!("{PREFIXES}{query}"))
}

/// The IRI or literal text of an optional term.
pub fn text(term: &Option<Term>) -> Option<String> {
    match term {
        Some(Term::NamedNode(n)) => Some(n.as_str().to_owned()),
        Some(Term::Literal(l)) => Some(l.value().to_owned()),
        _ => None,
    }
}

/// A resource's own statements: property IRI → values (IRIs or literal texts with language).
struct Facts {
    values: BTreeMap<String, Vec<(String, String, bool)>>,
}

impl Facts {
    fn of(backend: &Backend, subject: &NamedNode) -> Result<Self> {
        let mut values: BTreeMap<String, Vec<(String, String, bool)>> = BTreeMap::new();
        for row in rows(
            backend,
            &format!("SELECT ?p ?o WHERE {{ {subject} ?p ?o }}"),
        )? {
            if let (Some(Some(Term::NamedNode(p))), Some(Some(o))) = (row.first(), row.get(1)) {
                let (value, lang, is_iri) = match o {
                    Term::NamedNode(n) => (n.as_str().to_owned(), String::new(), true),
                    Term::Literal(l) => (
                        l.value().to_owned(),
                        l.language().unwrap_or("").to_owned(),
                        false,
                    ),
                    other => (other.to_string(), String::new(), false),
                };
                values
                    .entry(p.as_str().to_owned())
                    .or_default()
                    .push((value, lang, is_iri));
            }
        }
        for list in values.values_mut() {
            list.sort();
            list.dedup();
        }
        Ok(Self { values })
    }

    fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn has_type(&self, class: &str) -> bool {
        self.iris(vocab::RDF_TYPE).iter().any(|t| t == class)
    }

    fn iris(&self, property: &str) -> Vec<String> {
        self.values
            .get(property)
            .map(|v| {
                v.iter()
                    .filter(|(_, _, iri)| *iri)
                    .map(|(v, _, _)| v.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The literal in the reader's language, else English, else any.
    fn text(&self, property: &str, lang: Lang) -> Option<String> {
        let values = self.values.get(property)?;
        let literals: Vec<_> = values.iter().filter(|(_, _, iri)| !iri).collect();
        literals
            .iter()
            .find(|(_, l, _)| l == lang.code())
            .or_else(|| literals.iter().find(|(_, l, _)| l == "en"))
            .or_else(|| literals.first())
            .map(|(v, _, _)| v.clone())
    }

    fn all_texts(&self, property: &str) -> Vec<(String, String)> {
        self.values
            .get(property)
            .map(|v| {
                v.iter()
                    .filter(|(_, _, iri)| !iri)
                    .map(|(v, l, _)| (v.clone(), l.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn year_of(date: &str) -> Option<i32> {
    date.get(..4).and_then(|y| y.parse().ok())
}

/// One bar of a server-rendered SVG chart.
#[derive(Serialize, Debug)]
pub struct Bar {
    pub x: u32,
    pub width: u32,
    pub y: u32,
    pub height: u32,
    pub label: String,
    pub value: usize,
}

/// Bars for counts per year, in a 600×160 drawing.
fn timeline(years: &BTreeMap<i32, usize>) -> Vec<Bar> {
    let (Some(first), Some(last)) = (years.keys().next(), years.keys().last()) else {
        return Vec::new();
    };
    let span = (last - first + 1).max(1) as u32;
    let max = years.values().copied().max().unwrap_or(1).max(1) as u32;
    let width = (560 / span).clamp(4, 40);
    years
        .iter()
        .map(|(year, count)| {
            let height = (*count as u32 * 110 / max).max(4);
            Bar {
                x: 30 + (*year - first) as u32 * 560 / span,
                width,
                y: 130 - height,
                height,
                label: year.to_string(),
                value: *count,
            }
        })
        .collect()
}

/// A goal in the tree, with its depth for indentation.
#[derive(Serialize, Debug)]
pub struct TreeGoal {
    pub link: Link,
    pub notation: Option<String>,
    pub depth: usize,
    pub practices: usize,
}

#[derive(Serialize, Debug)]
pub struct StrategyView {
    pub link: Link,
    pub issued: Option<String>,
    pub goals: Vec<TreeGoal>,
}

#[derive(Serialize, Debug)]
pub struct Group {
    pub heading: Link,
    pub practices: Vec<Link>,
}

#[derive(Serialize, Debug)]
pub struct CityView {
    pub name: String,
    pub iri: String,
    pub slug: String,
    pub wikidata: Option<String>,
    pub strategies: Vec<StrategyView>,
    pub by_goal: Vec<Group>,
    pub unlinked: Vec<Link>,
    pub by_theme: Vec<Group>,
    pub partners: Vec<Link>,
    pub timeline: Vec<Bar>,
    pub practice_count: usize,
}

/// Everything the city page shows, or None when `city` is not a city.
pub fn city(
    backend: &Backend,
    base_iri: &str,
    city: &NamedNode,
    lang: Lang,
) -> Result<Option<CityView>> {
    let facts = Facts::of(backend, city)?;
    if !facts.has_type(&format!("{CKG}City")) {
        return Ok(None);
    }
    let strategies = rows(
        backend,
        &format!(
            "SELECT ?s ?issued WHERE {{ ?s ckg:city {city} ; a ckg:Strategy . OPTIONAL {{ ?s dcterms:issued ?issued }} }} ORDER BY ?s"
        ),
    )?;
    let goals = rows(
        backend,
        &format!(
            "SELECT ?g ?s ?broader ?notation WHERE {{ ?s ckg:city {city} ; a ckg:Strategy . ?g skos:inScheme ?s . OPTIONAL {{ ?g skos:broader ?broader }} OPTIONAL {{ ?g skos:notation ?notation }} }}"
        ),
    )?;
    let practices = rows(
        backend,
        &format!(
            "SELECT ?p ?start WHERE {{ ?p ckg:city {city} ; a ckg:Practice . OPTIONAL {{ ?p schema:startDate ?start }} }}"
        ),
    )?;
    let served = rows(
        backend,
        &format!(
            "SELECT DISTINCT ?p ?g WHERE {{ ?p ckg:city {city} ; a ckg:Practice ; ckg:servesGoal ?g }}"
        ),
    )?;
    let themes = rows(
        backend,
        &format!(
            "SELECT DISTINCT ?p ?t WHERE {{ ?p ckg:city {city} ; a ckg:Practice ; dcterms:subject ?t }}"
        ),
    )?;
    let partners = rows(
        backend,
        &format!(
            "SELECT DISTINCT ?o WHERE {{ ?p ckg:city {city} ; a ckg:Practice ; ckg:partner ?o }}"
        ),
    )?;

    let mut iris: BTreeSet<String> = BTreeSet::new();
    for table in [&strategies, &goals, &practices, &served, &themes, &partners] {
        for row in table.iter() {
            for term in row.iter() {
                if let Some(Term::NamedNode(n)) = term {
                    iris.insert(n.as_str().to_owned());
                }
            }
        }
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;

    // Goal tree per strategy: depth-first from the goals without a broader goal in the scheme.
    let mut goal_scheme: BTreeMap<String, String> = BTreeMap::new();
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut notation: BTreeMap<String, String> = BTreeMap::new();
    let mut has_parent: BTreeSet<String> = BTreeSet::new();
    for row in &goals {
        let (Some(g), Some(s)) = (text(&row[0]), text(&row[1])) else {
            continue;
        };
        goal_scheme.insert(g.clone(), s);
        if let Some(b) = text(&row[2]) {
            children.entry(b).or_default().push(g.clone());
            has_parent.insert(g.clone());
        }
        if let Some(n) = text(&row[3]) {
            notation.insert(g, n);
        }
    }
    let mut per_goal: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &served {
        if let (Some(p), Some(g)) = (text(&row[0]), text(&row[1])) {
            per_goal.entry(g).or_default().insert(p);
        }
    }
    let sort_goals = |list: &mut Vec<String>| {
        list.sort_by(|a, b| {
            (
                notation.get(a).cloned().unwrap_or_default(),
                linker.label(a),
            )
                .cmp(&(
                    notation.get(b).cloned().unwrap_or_default(),
                    linker.label(b),
                ))
        });
        list.dedup();
    };
    let mut strategy_views = Vec::new();
    for row in &strategies {
        let Some(s) = text(&row[0]) else { continue };
        let mut roots: Vec<String> = goal_scheme
            .iter()
            .filter(|(g, scheme)| **scheme == s && !has_parent.contains(*g))
            .map(|(g, _)| g.clone())
            .collect();
        sort_goals(&mut roots);
        let mut tree = Vec::new();
        let mut stack: Vec<(String, usize)> = roots.into_iter().rev().map(|g| (g, 0)).collect();
        let mut seen = BTreeSet::new();
        while let Some((g, depth)) = stack.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            let mut kids = children.get(&g).cloned().unwrap_or_default();
            sort_goals(&mut kids);
            for kid in kids.into_iter().rev() {
                stack.push((kid, depth + 1));
            }
            tree.push(TreeGoal {
                link: linker.link(&g),
                notation: notation.get(&g).cloned(),
                depth,
                practices: per_goal.get(&g).map_or(0, BTreeSet::len),
            });
        }
        strategy_views.push(StrategyView {
            link: linker.link(&s),
            issued: text(&row[1]),
            goals: tree,
        });
    }

    let practice_links = |set: &BTreeSet<String>| -> Vec<Link> {
        let mut links: Vec<Link> = set.iter().map(|p| linker.link(p)).collect();
        links.sort();
        links
    };
    let mut by_goal = Vec::new();
    let mut linked = BTreeSet::new();
    for (goal, set) in &per_goal {
        if goal_scheme.contains_key(goal) {
            linked.extend(set.iter().cloned());
            by_goal.push(Group {
                heading: linker.link(goal),
                practices: practice_links(set),
            });
        }
    }
    by_goal.sort_by(|a, b| a.heading.text.cmp(&b.heading.text));
    let all: BTreeSet<String> = practices.iter().filter_map(|r| text(&r[0])).collect();
    let unlinked = practice_links(&all.difference(&linked).cloned().collect());
    let mut per_theme: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &themes {
        if let (Some(p), Some(t)) = (text(&row[0]), text(&row[1])) {
            per_theme.entry(t).or_default().insert(p);
        }
    }
    let mut by_theme: Vec<Group> = per_theme
        .iter()
        .map(|(t, set)| Group {
            heading: linker.link(t),
            practices: practice_links(set),
        })
        .collect();
    by_theme.sort_by(|a, b| a.heading.text.cmp(&b.heading.text));
    let mut partner_links: Vec<Link> = partners
        .iter()
        .filter_map(|r| text(&r[0]))
        .map(|o| linker.link(&o))
        .collect();
    partner_links.sort();
    let mut years: BTreeMap<i32, usize> = BTreeMap::new();
    let mut counted = BTreeSet::new();
    for row in &practices {
        if let (Some(p), Some(start)) = (text(&row[0]), text(&row[1]))
            && counted.insert(p)
            && let Some(y) = year_of(&start)
        {
            *years.entry(y).or_default() += 1;
        }
    }
    let names = facts.all_texts("https://schema.org/name");
    let name = super::labels::best_label(
        &names
            .iter()
            .map(|(v, l)| ("https://schema.org/name".to_owned(), l.clone(), v.clone()))
            .collect::<Vec<_>>(),
        lang,
    )
    .unwrap_or_else(|| super::pages::compact(city.as_str()));
    Ok(Some(CityView {
        name,
        iri: city.as_str().to_owned(),
        slug: city.as_str().rsplit('/').next().unwrap_or("").to_owned(),
        wikidata: facts
            .iris("http://www.w3.org/2002/07/owl#sameAs")
            .into_iter()
            .find(|i| i.contains("wikidata.org")),
        strategies: strategy_views,
        by_goal,
        unlinked,
        by_theme,
        partners: partner_links,
        timeline: timeline(&years),
        practice_count: all.len(),
    }))
}

/// A ranked practice of another city, with the reason it was found.
#[derive(Serialize, Debug)]
pub struct Match {
    pub practice: Link,
    pub cities: Vec<Link>,
    pub reason: String,
    pub score: i64,
}

/// Ranked matches stored in the derived graph for `subject` (a goal or a practice).
fn matches(
    backend: &Backend,
    base_iri: &str,
    subject: &NamedNode,
    lang: Lang,
) -> Result<Vec<Match>> {
    let derived = vocab::graph::DERIVED;
    let found = rows(
        backend,
        &format!(
            "SELECT ?m ?p ?score ?k ?v WHERE {{ GRAPH <{derived}> {{ ?m ckg:matchFor {subject} ; ckg:matchedPractice ?p ; ckg:score ?score . OPTIONAL {{ ?m ?k ?v FILTER(?k IN (ckg:sharedTarget, ckg:sharedSdgGoal, ckg:sharedTheme)) }} }} }}"
        ),
    )?;
    let cities = rows(
        backend,
        &format!(
            "SELECT DISTINCT ?p ?city WHERE {{ GRAPH <{derived}> {{ ?m ckg:matchFor {subject} ; ckg:matchedPractice ?p }} ?p ckg:city ?city }}"
        ),
    )?;
    struct Raw {
        practice: String,
        score: i64,
        targets: BTreeSet<String>,
        goals: BTreeSet<String>,
        themes: BTreeSet<String>,
    }
    let mut raw: BTreeMap<String, Raw> = BTreeMap::new();
    let mut iris = BTreeSet::new();
    for row in &found {
        let (Some(m), Some(p)) = (row[0].as_ref().map(|t| t.to_string()), text(&row[1])) else {
            continue;
        };
        iris.insert(p.clone());
        let entry = raw.entry(m).or_insert_with(|| Raw {
            practice: p,
            score: text(&row[2]).and_then(|s| s.parse().ok()).unwrap_or(0),
            targets: BTreeSet::new(),
            goals: BTreeSet::new(),
            themes: BTreeSet::new(),
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
        if let (Some(p), Some(c)) = (text(&row[0]), text(&row[1])) {
            iris.insert(c.clone());
            practice_cities.entry(p).or_default().push(c);
        }
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let t = strings(lang);
    let mut out: Vec<Match> = raw
        .into_values()
        .map(|r| {
            let mut parts: Vec<String> = Vec::new();
            let number = |iri: &str| iri.strip_prefix(SDG_NS).unwrap_or(iri).to_owned();
            let covered: BTreeSet<String> = r
                .targets
                .iter()
                .map(|t| number(t).split('.').next().unwrap_or("").to_owned())
                .collect();
            let mut sdgs: Vec<&String> = r.targets.iter().collect();
            sdgs.extend(r.goals.iter().filter(|g| !covered.contains(&number(g))));
            sdgs.sort_by_key(|s| sdg_sort_key(s));
            for sdg in sdgs {
                parts.push(format!("SDG {}", number(sdg)));
            }
            let theme_names: Vec<String> = r.themes.iter().map(|th| linker.label(th)).collect();
            if !theme_names.is_empty() {
                let word = if theme_names.len() == 1 {
                    t["the_theme"]
                } else {
                    t["the_themes"]
                };
                parts.push(format!("{word} {}", join(&theme_names, t["and"])));
            }
            Match {
                cities: practice_cities
                    .get(&r.practice)
                    .map(|cs| cs.iter().map(|c| linker.link(c)).collect())
                    .unwrap_or_default(),
                practice: linker.link(&r.practice),
                reason: format!("{} {}", t["shares"], join(&parts, t["and"])),
                score: r.score,
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

/// "a, b and c"
fn join(parts: &[String], and: &str) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

#[derive(Serialize, Debug)]
pub struct GoalView {
    pub name: String,
    pub iri: String,
    pub labels: Vec<(String, String)>,
    pub notation: Option<String>,
    pub strategy: Option<Link>,
    pub city: Option<Link>,
    pub broader: Vec<Link>,
    pub narrower: Vec<Link>,
    pub sdgs: Vec<Link>,
    pub practices: Vec<Link>,
    pub peers: Vec<Match>,
}

/// Everything the goal page shows, or None when `goal` is not a strategy goal.
pub fn goal(
    backend: &Backend,
    base_iri: &str,
    goal: &NamedNode,
    lang: Lang,
) -> Result<Option<GoalView>> {
    let facts = Facts::of(backend, goal)?;
    if !facts.has_type(&format!("{CKG}StrategyGoal")) {
        return Ok(None);
    }
    let narrower = rows(
        backend,
        &format!("SELECT ?n WHERE {{ ?n skos:broader {goal} }}"),
    )?;
    let city = rows(
        backend,
        &format!("SELECT ?city WHERE {{ {goal} skos:inScheme ?s . ?s ckg:city ?city }}"),
    )?;
    let practices = rows(
        backend,
        &format!("SELECT DISTINCT ?p WHERE {{ ?p ckg:servesGoal {goal} ; a ckg:Practice }}"),
    )?;
    let mut iris: BTreeSet<String> = BTreeSet::new();
    for property in [
        "http://www.w3.org/2004/02/skos/core#inScheme",
        "http://www.w3.org/2004/02/skos/core#broader",
        "http://www.w3.org/2004/02/skos/core#relatedMatch",
    ] {
        iris.extend(facts.iris(property));
    }
    for table in [&narrower, &city, &practices] {
        iris.extend(table.iter().filter_map(|r| text(&r[0])));
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let links = |list: Vec<String>| -> Vec<Link> {
        let mut l: Vec<Link> = list.iter().map(|i| linker.link(i)).collect();
        l.sort();
        l.dedup();
        l
    };
    let labels = facts.all_texts("http://www.w3.org/2004/02/skos/core#prefLabel");
    let name = facts
        .text("http://www.w3.org/2004/02/skos/core#prefLabel", lang)
        .unwrap_or_else(|| super::pages::compact(goal.as_str()));
    let mut sdgs = facts.iris("http://www.w3.org/2004/02/skos/core#relatedMatch");
    sdgs.sort_by_key(|s| sdg_sort_key(s));
    Ok(Some(GoalView {
        name,
        iri: goal.as_str().to_owned(),
        labels,
        notation: facts.text("http://www.w3.org/2004/02/skos/core#notation", lang),
        strategy: facts
            .iris("http://www.w3.org/2004/02/skos/core#inScheme")
            .first()
            .map(|s| linker.link(s)),
        city: city
            .first()
            .and_then(|r| text(&r[0]))
            .map(|c| linker.link(&c)),
        broader: links(facts.iris("http://www.w3.org/2004/02/skos/core#broader")),
        narrower: links(narrower.iter().filter_map(|r| text(&r[0])).collect()),
        sdgs: sdgs.iter().map(|s| linker.link(s)).collect(),
        practices: links(practices.iter().filter_map(|r| text(&r[0])).collect()),
        peers: matches(backend, base_iri, goal, lang)?,
    }))
}

/// Sorts "sdg/9.c" after "sdg/9.5" and "sdg/11" after "sdg/9".
fn sdg_sort_key(iri: &str) -> (u32, String) {
    let number = iri.strip_prefix(SDG_NS).unwrap_or(iri);
    let (goal, target) = number.split_once('.').unwrap_or((number, ""));
    (goal.parse().unwrap_or(99), format!("{target:>3}"))
}

#[derive(Serialize, Debug)]
pub struct OutcomeRow {
    pub indicator: String,
    pub value: String,
    pub unit: String,
    pub year: Option<String>,
    pub is_target: Option<bool>,
    pub sources: Vec<Link>,
}

#[derive(Serialize, Debug)]
pub struct SourceRow {
    pub title: String,
    pub url: Option<String>,
    pub page: String,
    pub publisher: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct PracticeView {
    pub name: String,
    pub iri: String,
    pub description: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub cities: Vec<Link>,
    pub themes: Vec<Link>,
    pub city_goals: Vec<Link>,
    pub sdgs: Vec<Link>,
    pub partners: Vec<Link>,
    pub outcomes: Vec<OutcomeRow>,
    pub sources: Vec<SourceRow>,
    pub verification: Option<String>,
    pub similar: Vec<Match>,
}

/// Everything the practice page shows, or None when `practice` is not a practice.
pub fn practice(
    backend: &Backend,
    base_iri: &str,
    practice: &NamedNode,
    lang: Lang,
) -> Result<Option<PracticeView>> {
    let facts = Facts::of(backend, practice)?;
    if !facts.has_type(&format!("{CKG}Practice")) {
        return Ok(None);
    }
    let outcomes = rows(
        backend,
        &format!("SELECT ?o ?k ?v WHERE {{ {practice} ckg:outcome ?o . ?o ?k ?v }}"),
    )?;
    let sources = rows(
        backend,
        &format!(
            "SELECT DISTINCT ?s ?k ?v WHERE {{ {{ {practice} prov:wasDerivedFrom ?s }} UNION {{ {practice} ckg:outcome/prov:wasDerivedFrom ?s }} ?s ?k ?v }}"
        ),
    )?;
    let mut iris: BTreeSet<String> = BTreeSet::new();
    for property in [
        format!("{CKG}city"),
        format!("{CKG}servesGoal"),
        format!("{CKG}partner"),
        "http://purl.org/dc/terms/subject".to_owned(),
    ] {
        iris.extend(facts.iris(&property));
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let links = |property: &str| -> Vec<Link> {
        let mut l: Vec<Link> = facts
            .iris(property)
            .iter()
            .map(|i| linker.link(i))
            .collect();
        l.sort();
        l
    };
    // Sources: title, URL, publisher.
    let mut source_facts: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for row in &sources {
        if let (Some(s), Some(k), Some(v)) = (text(&row[0]), text(&row[1]), text(&row[2])) {
            source_facts.entry(s).or_default().entry(k).or_insert(v);
        }
    }
    let source_link = |s: &str| -> Link {
        let f = source_facts.get(s);
        Link {
            text: f
                .and_then(|f| f.get("http://purl.org/dc/terms/title"))
                .cloned()
                .unwrap_or_else(|| super::pages::compact(s)),
            href: local_href(s, base_iri, lang),
            title: f.and_then(|f| f.get("https://schema.org/url")).cloned(),
        }
    };
    let mut outcome_facts: BTreeMap<String, Vec<(String, Option<Term>)>> = BTreeMap::new();
    for row in outcomes {
        if let (Some(o), Some(k)) = (text(&row[0]), text(&row[1])) {
            outcome_facts
                .entry(o)
                .or_default()
                .push((k, row[2].clone()));
        }
    }
    let t = strings(lang);
    let mut outcome_rows: Vec<OutcomeRow> = outcome_facts
        .values()
        .map(|f| {
            let get = |p: &str| f.iter().find(|(k, _)| k == p).and_then(|(_, v)| text(v));
            let qualifier = get(&format!("{CKG}valueQualifier"));
            let value = get("http://qudt.org/schema/qudt/numericValue").unwrap_or_default();
            let unit = get("http://qudt.org/schema/qudt/unit").unwrap_or_default();
            let mut sources: Vec<Link> = f
                .iter()
                .filter(|(k, _)| k == "http://www.w3.org/ns/prov#wasDerivedFrom")
                .filter_map(|(_, v)| text(v))
                .map(|s| source_link(&s))
                .collect();
            sources.sort();
            OutcomeRow {
                indicator: get(&format!("{CKG}indicator")).unwrap_or_default(),
                value: match qualifier {
                    Some(q) => format!("{q} {}", tidy_number(&value)),
                    None => tidy_number(&value),
                },
                unit: unit
                    .rsplit('/')
                    .next()
                    .unwrap_or(&unit)
                    .replace("CCY_", "")
                    .to_owned(),
                year: get("http://purl.org/dc/terms/temporal")
                    .or_else(|| Some(t["not_stated"].to_owned())),
                is_target: get(&format!("{CKG}isTarget")).map(|v| v == "true"),
                sources,
            }
        })
        .collect();
    outcome_rows.sort_by(|a, b| a.indicator.cmp(&b.indicator).then(a.year.cmp(&b.year)));
    let mut source_rows: Vec<SourceRow> = facts
        .iris("http://www.w3.org/ns/prov#wasDerivedFrom")
        .iter()
        .map(|s| {
            let f = source_facts.get(s);
            SourceRow {
                title: f
                    .and_then(|f| f.get("http://purl.org/dc/terms/title"))
                    .cloned()
                    .unwrap_or_else(|| s.clone()),
                url: f.and_then(|f| f.get("https://schema.org/url")).cloned(),
                page: local_href(s, base_iri, lang),
                publisher: f
                    .and_then(|f| f.get("http://purl.org/dc/terms/publisher"))
                    .cloned(),
            }
        })
        .collect();
    source_rows.sort_by(|a, b| a.title.cmp(&b.title));
    let served = facts.iris(&format!("{CKG}servesGoal"));
    let mut sdgs: Vec<String> = served
        .iter()
        .filter(|g| g.starts_with(SDG_NS))
        .cloned()
        .collect();
    sdgs.sort_by_key(|s| sdg_sort_key(s));
    let mut city_goals: Vec<Link> = served
        .iter()
        .filter(|g| !g.starts_with(SDG_NS))
        .map(|g| linker.link(g))
        .collect();
    city_goals.sort();
    Ok(Some(PracticeView {
        name: facts
            .text("https://schema.org/name", lang)
            .unwrap_or_else(|| super::pages::compact(practice.as_str())),
        iri: practice.as_str().to_owned(),
        description: facts.text("http://purl.org/dc/terms/description", lang),
        start: facts.text("https://schema.org/startDate", lang),
        end: facts.text("https://schema.org/endDate", lang),
        cities: links(&format!("{CKG}city")),
        themes: links("http://purl.org/dc/terms/subject"),
        city_goals,
        sdgs: sdgs.iter().map(|s| linker.link(s)).collect(),
        partners: links(&format!("{CKG}partner")),
        outcomes: outcome_rows,
        sources: source_rows,
        verification: facts.text(&format!("{CKG}verification"), lang),
        similar: matches(backend, base_iri, practice, lang)?,
    }))
}

/// "5500.0" → "5,500"; "1.25" stays.
fn tidy_number(value: &str) -> String {
    let trimmed = if value.contains('.') && !value.contains('e') && !value.contains('E') {
        value.trim_end_matches('0').trim_end_matches('.')
    } else {
        value
    };
    let (int, frac) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    if int.len() <= 4 || int.starts_with('-') || !int.chars().all(|c| c.is_ascii_digit()) {
        return trimmed.to_owned();
    }
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        grouped
    } else {
        format!("{grouped}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_lists_read_well() {
        assert_eq!(tidy_number("5500.0"), "5500");
        assert_eq!(tidy_number("16000000000"), "16,000,000,000");
        assert_eq!(tidy_number("1.25"), "1.25");
        assert_eq!(tidy_number("25000000"), "25,000,000");
        assert_eq!(tidy_number("14.0"), "14");
        assert_eq!(
            join(&["a".into(), "b".into(), "c".into()], "and"),
            "a, b and c"
        );
        assert!(
            sdg_sort_key("http://metadata.un.org/sdg/9.c")
                > sdg_sort_key("http://metadata.un.org/sdg/9.5")
        );
        assert!(
            sdg_sort_key("http://metadata.un.org/sdg/11")
                > sdg_sort_key("http://metadata.un.org/sdg/9.c")
        );
    }
}

#[derive(Serialize, Debug)]
pub struct SdgView {
    pub name: String,
    pub number: String,
    pub definition: Option<String>,
    pub iri: String,
    pub broader: Option<Link>,
    pub narrower: Vec<Link>,
    pub by_city: Vec<Group>,
    pub goals: Vec<Link>,
}

/// The page of an SDG goal or target: the practices serving it (directly or through a target)
/// grouped by city, and the city goals that map to it.
pub fn sdg(
    backend: &Backend,
    base_iri: &str,
    sdg: &NamedNode,
    lang: Lang,
) -> Result<Option<SdgView>> {
    let facts = Facts::of(backend, sdg)?;
    if facts.is_empty() {
        return Ok(None);
    }
    let practices = rows(
        backend,
        &format!(
            "SELECT DISTINCT ?p ?city WHERE {{ {{ ?p ckg:servesGoal {sdg} }} UNION {{ ?t skos:broader {sdg} . ?p ckg:servesGoal ?t }} ?p a ckg:Practice ; ckg:city ?city }}"
        ),
    )?;
    let goals = rows(
        backend,
        &format!(
            "SELECT DISTINCT ?g WHERE {{ {{ ?g skos:relatedMatch {sdg} }} UNION {{ ?t skos:broader {sdg} . ?g skos:relatedMatch ?t }} ?g a ckg:StrategyGoal }}"
        ),
    )?;
    let narrower = rows(
        backend,
        &format!("SELECT DISTINCT ?n WHERE {{ ?n skos:broader {sdg} }}"),
    )?;
    let mut iris: BTreeSet<String> = BTreeSet::new();
    for table in [&practices, &goals, &narrower] {
        for row in table.iter() {
            iris.extend(row.iter().filter_map(text));
        }
    }
    let broader = facts.iris("http://www.w3.org/2004/02/skos/core#broader");
    iris.extend(broader.iter().cloned());
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let mut per_city: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &practices {
        if let (Some(p), Some(c)) = (text(&row[0]), text(&row[1])) {
            per_city.entry(c).or_default().insert(p);
        }
    }
    let mut by_city: Vec<Group> = per_city
        .iter()
        .map(|(c, ps)| {
            let mut practices: Vec<Link> = ps.iter().map(|p| linker.link(p)).collect();
            practices.sort();
            Group {
                heading: linker.link(c),
                practices,
            }
        })
        .collect();
    by_city.sort_by(|a, b| a.heading.text.cmp(&b.heading.text));
    let mut goal_links: Vec<Link> = goals
        .iter()
        .filter_map(|r| text(&r[0]))
        .map(|g| linker.link(&g))
        .collect();
    goal_links.sort();
    let mut narrower_iris: Vec<String> = narrower.iter().filter_map(|r| text(&r[0])).collect();
    narrower_iris.sort_by_key(|s| sdg_sort_key(s));
    Ok(Some(SdgView {
        name: facts
            .text("http://www.w3.org/2004/02/skos/core#prefLabel", lang)
            .unwrap_or_default(),
        number: sdg
            .as_str()
            .strip_prefix(SDG_NS)
            .unwrap_or(sdg.as_str())
            .to_owned(),
        definition: facts.text("http://www.w3.org/2004/02/skos/core#definition", lang),
        iri: sdg.as_str().to_owned(),
        broader: broader.first().map(|b| linker.link(b)),
        narrower: narrower_iris.iter().map(|n| linker.link(n)).collect(),
        by_city,
        goals: goal_links,
    }))
}

/// Resources that point at one resource through one property.
#[derive(Serialize, Debug)]
pub struct Relation {
    pub name: String,
    pub items: Vec<Link>,
}

/// What points at a resource from one city (or from no city: `heading` is None).
#[derive(Serialize, Debug)]
pub struct CityLinks {
    pub heading: Option<Link>,
    pub relations: Vec<Relation>,
}

/// The label of a resource and everything linked to it, grouped by city: for theme,
/// organisation, strategy, source and outcome pages.
#[derive(Serialize, Debug)]
pub struct LinkedView {
    pub label: String,
    pub groups: Vec<CityLinks>,
}

/// The interface-string key naming a property as seen from its object.
fn relation_key(property: &str) -> Option<&'static str> {
    Some(match property {
        "http://purl.org/dc/terms/subject" => "rel_subject",
        "https://w3id.org/citykg/ontology#partner" => "rel_partner",
        "http://www.w3.org/ns/prov#wasDerivedFrom" => "rel_source",
        "http://purl.org/dc/terms/publisher" => "rel_publisher",
        "http://www.w3.org/2004/02/skos/core#inScheme" => "rel_scheme",
        "https://w3id.org/citykg/ontology#outcome" => "rel_outcome",
        "https://w3id.org/citykg/ontology#servesGoal" => "rel_serves",
        _ => return None,
    })
}

/// Everything that links to `iri`, grouped by the city it belongs to (a practice's or
/// strategy's `ckg:city`, a goal's strategy's city, an outcome's practice's city).
pub fn linked(
    backend: &Backend,
    base_iri: &str,
    iri: &NamedNode,
    lang: Lang,
) -> Result<LinkedView> {
    let incoming = rows(
        backend,
        &format!(
            "SELECT DISTINCT ?s ?p ?city WHERE {{
               ?s ?p {iri} FILTER(isIRI(?s) && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>)
               OPTIONAL {{ {{ ?s ckg:city ?city }} UNION {{ ?s skos:inScheme/ckg:city ?city }}
                          UNION {{ ?owner ckg:outcome ?s . ?owner ckg:city ?city }} }}
             }} LIMIT 2000"
        ),
    )?;
    let mut iris: BTreeSet<String> = BTreeSet::new();
    iris.insert(iri.as_str().to_owned());
    for row in &incoming {
        iris.extend(row.iter().filter_map(text));
    }
    let linker = Linker::new(backend, base_iri, &iris, lang)?;
    let strings = super::i18n::strings(lang);
    // city (or "") → property → subjects
    let mut grouped: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for row in &incoming {
        let (Some(s), Some(p)) = (text(&row[0]), text(&row[1])) else {
            continue;
        };
        // Contribution records and derived data are not the resource's links.
        if s.starts_with(&format!("{base_iri}api/")) {
            continue;
        }
        let city = text(&row[2]).unwrap_or_default();
        grouped
            .entry(city)
            .or_default()
            .entry(p)
            .or_default()
            .insert(s);
    }
    let mut groups: Vec<CityLinks> = grouped
        .into_iter()
        .map(|(city, relations)| {
            let mut relations: Vec<Relation> = relations
                .into_iter()
                .map(|(p, subjects)| {
                    let name = relation_key(&p)
                        .and_then(|k| strings.get(k).map(|s| s.to_string()))
                        .unwrap_or_else(|| linker.label(&p));
                    let mut items: Vec<Link> = subjects.iter().map(|s| linker.link(s)).collect();
                    items.sort();
                    Relation { name, items }
                })
                .collect();
            relations.sort_by(|a, b| a.name.cmp(&b.name));
            CityLinks {
                heading: (!city.is_empty()).then(|| linker.link(&city)),
                relations,
            }
        })
        .collect();
    // Cities by name, then what belongs to no city.
    groups.sort_by(|a, b| match (&a.heading, &b.heading) {
        (Some(x), Some(y)) => x.text.cmp(&y.text),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    Ok(LinkedView {
        label: linker.label(iri.as_str()),
        groups,
    })
}
