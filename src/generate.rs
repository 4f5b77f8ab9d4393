//! A deterministic synthetic network of cities in the citykg ontology (for scale tests and
//! benchmarks): cities, strategies with goal trees mapped to SDGs, practices, partners, outcomes, sources.

use crate::error::{Error, Result};
use crate::store::load::parse_all;
use oxigraph::io::RdfFormat;
use oxigraph::model::{Literal, NamedNode, Term};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

const ID: &str = "https://w3id.org/citykg/id/";
const GRAPH: &str = "https://w3id.org/citykg/graph/";
const CKG: &str = "https://w3id.org/citykg/ontology#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const DCT: &str = "http://purl.org/dc/terms/";
const PROV: &str = "http://www.w3.org/ns/prov#";
const SCHEMA: &str = "https://schema.org/";
const QUDT: &str = "http://qudt.org/schema/qudt/";
const UNIT: &str = "http://qudt.org/vocab/unit/";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const W3ORG: &str = "http://www.w3.org/ns/org#";
const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
const SDG_NS: &str = "http://metadata.un.org/sdg/";
const GEO_HAS_GEOMETRY: &str = "http://www.opengis.net/ont/geosparql#hasGeometry";
const GEO_GEOMETRY: &str = "http://www.opengis.net/ont/geosparql#Geometry";
const GEO_AS_WKT: &str = "http://www.opengis.net/ont/geosparql#asWKT";
const GEO_WKT_LITERAL: &str = "http://www.opengis.net/ont/geosparql#wktLiteral";

/// A small seeded PRNG (SplitMix64): the same seed gives the same network on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }
}

/// The shared vocabularies the network links to, read from the bundle's `ontology/` files.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// SDG goal IRIs (`…/sdg/11`).
    pub sdg_goals: Vec<String>,
    /// SDG target IRIs with the index of their goal in `sdg_goals`.
    pub sdg_targets: Vec<(String, usize)>,
    /// Theme IRIs.
    pub themes: Vec<String>,
}

impl Vocabulary {
    /// Reads the SDG goals and targets from `ontology/sdg.ttl` and the themes from `ontology/themes.ttl`.
    pub fn from_bundle(root: &Path) -> Result<Self> {
        let read = |name: &str| -> Result<Vec<oxigraph::model::Quad>> {
            let path = root.join("ontology").join(name);
            let file = std::fs::File::open(&path).map_err(|e| Error::io(path.display(), e))?;
            parse_all(
                &path.display().to_string(),
                std::io::BufReader::new(file),
                RdfFormat::Turtle,
                None,
                None,
            )
        };
        let sdg = read("sdg.ttl")?;
        let iri = |t: &Term| match t {
            Term::NamedNode(n) => Some(n.as_str().to_owned()),
            _ => None,
        };
        let subject_iri = |s: &oxigraph::model::NamedOrBlankNode| match s {
            oxigraph::model::NamedOrBlankNode::NamedNode(n) => Some(n.as_str().to_owned()),
            _ => None,
        };
        let mut goals: BTreeSet<String> = BTreeSet::new();
        for q in &sdg {
            if q.predicate.as_str() == format!("{SKOS}topConceptOf")
                && let Some(s) = subject_iri(&q.subject)
                && s.starts_with(SDG_NS)
            {
                goals.insert(s);
            }
        }
        let mut sdg_goals: Vec<String> = goals.into_iter().collect();
        sdg_goals.sort_by_key(|g| sdg_sort_key(g));
        let mut targets: Vec<(String, usize)> = Vec::new();
        for q in &sdg {
            if q.predicate.as_str() == format!("{SKOS}broader")
                && let (Some(t), Some(g)) = (subject_iri(&q.subject), iri(&q.object))
                && let Some(i) = sdg_goals.iter().position(|x| *x == g)
                && t.starts_with(SDG_NS)
            {
                targets.push((t, i));
            }
        }
        targets.sort_by_key(|(t, _)| sdg_sort_key(t));
        targets.dedup();
        let mut themes: Vec<String> = read("themes.ttl")?
            .iter()
            .filter(|q| {
                q.predicate.as_str() == RDF_TYPE
                    && matches!(&q.object, Term::NamedNode(n) if n.as_str() == format!("{CKG}Theme"))
            })
            .filter_map(|q| subject_iri(&q.subject))
            .collect();
        themes.sort();
        themes.dedup();
        if sdg_goals.is_empty() || targets.is_empty() || themes.is_empty() {
            return Err(Error::Invalid(format!(
                "{}: ontology/sdg.ttl and ontology/themes.ttl must declare SDG goals, targets and themes",
                root.display()
            )));
        }
        Ok(Self {
            sdg_goals,
            sdg_targets: targets,
            themes,
        })
    }

    /// The targets under goal `goal` (indexes into `sdg_targets`).
    fn targets_of(&self, goal: usize) -> Vec<usize> {
        (0..self.sdg_targets.len())
            .filter(|&i| self.sdg_targets[i].1 == goal)
            .collect()
    }
}

/// `11.2` sorts after `11` and before `11.10`, `2` before `10`.
fn sdg_sort_key(iri: &str) -> Vec<u32> {
    iri.strip_prefix(SDG_NS)
        .unwrap_or(iri)
        .split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Number of cities in the network.
    pub cities: usize,
    /// Practices per city.
    pub practices: usize,
    /// Seed of the PRNG: the same seed, sizes and vocabulary give the same bytes.
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub cities: usize,
    pub practices: usize,
    pub quads: u64,
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "ri", "ven", "dor", "mi", "sa", "tel", "bra", "no", "vik", "hol", "sund", "berg",
    "ta", "ma", "lin", "ro", "sel", "an", "ker", "ost", "vel", "ny", "ha", "tor", "lund", "e",
];
const LANGUAGES: &[&str] = &["sv", "fi", "da", "nb", "de", "nl", "es", "et", "fr", "it"];
const AREAS: &[&str] = &[
    "mobility",
    "energy",
    "housing",
    "water",
    "waste",
    "health",
    "schools",
    "services",
    "air",
    "heat",
    "lighting",
    "parking",
    "logistics",
    "parks",
    "data",
    "safety",
];
const ACTIONS: &[&str] = &[
    "sensor network",
    "open data portal",
    "pilot programme",
    "digital twin",
    "citizen panel",
    "retrofit scheme",
    "shared fleet",
    "smart grid",
    "service platform",
    "living lab",
    "monitoring system",
    "procurement framework",
];
const INDICATORS: &[(&str, &str)] = &[
    ("Reduction in energy use in the pilot area", "PERCENT"),
    ("Households reached", "NUM"),
    ("Reduction in CO2 emissions", "TONNE"),
    ("Kilometres of network built", "KiloM"),
    ("Share of trips by public transport or bicycle", "PERCENT"),
    ("Datasets published", "NUM"),
    ("Investment", "CCY_EUR"),
];
const PARTNER_KINDS: &[&str] = &[
    "Energy",
    "Mobility",
    "Telecom",
    "University",
    "Housing",
    "Analytics",
    "Water",
    "Institute",
];

/// The slug of city number `index` (its name without accents, lowercased, and the index: slugs
/// never contain a hyphen, so no city's slug is a prefix-with-hyphen of another's).
pub fn city_slug(index: usize) -> String {
    format!("{}{index}", city_name(index).to_ascii_lowercase())
}

/// The English name of city number `index`: two or three syllables, the same for every seed.
pub fn city_name(index: usize) -> String {
    let mut rng = Rng::new(0x00c1_7e5e_ed00 ^ (index as u64).wrapping_mul(0x9e37_79b9));
    let n = rng.between(2, 3);
    let mut name = String::new();
    for _ in 0..n {
        name.push_str(rng.pick(SYLLABLES).copied().unwrap_or("ka"));
    }
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => name,
    }
}

/// Partner organisation number `index` of the shared pool: its slug and label, independent of
/// the seed so that every city that cites it describes it with identical triples.
fn partner(index: usize) -> (String, String) {
    let kind = PARTNER_KINDS[index % PARTNER_KINDS.len()];
    let name = city_name(index + 100_000);
    (
        format!(
            "synthetic-{}-{}-{index}",
            name.to_ascii_lowercase(),
            kind.to_ascii_lowercase()
        ),
        format!("{name} {kind} {index}"),
    )
}

/// Writes statements as N-Quads (or N-Triples when there is no graph).
struct Out<'a> {
    buffer: &'a mut String,
    graph: Option<String>,
    count: u64,
}

impl Out<'_> {
    fn add(&mut self, s: &str, p: &str, o: &str) {
        self.count += 1;
        match &self.graph {
            Some(g) => {
                let _ = writeln!(self.buffer, "<{s}> <{p}> {o} <{g}> .");
            }
            None => {
                let _ = writeln!(self.buffer, "<{s}> <{p}> {o} .");
            }
        }
    }
    fn iri(&mut self, s: &str, p: &str, o: &str) {
        self.add(s, p, &format!("<{o}>"));
    }
    fn lit(&mut self, s: &str, p: &str, o: Literal) {
        self.add(s, p, &o.to_string());
    }
    fn lang(&mut self, s: &str, p: &str, text: &str, lang: &str) {
        match Literal::new_language_tagged_literal(text, lang) {
            Ok(l) => self.lit(s, p, l),
            Err(_) => self.lit(s, p, Literal::new_simple_literal(text)),
        }
    }
    fn typed(&mut self, s: &str, p: &str, value: &str, datatype: &str) {
        let datatype = NamedNode::new_unchecked(format!("{XSD}{datatype}"));
        self.lit(s, p, Literal::new_typed_literal(value, datatype));
    }
}

/// The per-city seed: each city is generated on its own, so one city can be regenerated alone.
fn city_seed(seed: u64, index: usize) -> u64 {
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
    rng.next_u64()
}

/// Appends city number `index` of the network to `buffer` (in its named graph, or without a
/// graph for a contribution file). Returns the number of statements written.
pub fn write_city(
    vocab: &Vocabulary,
    params: &Params,
    index: usize,
    with_graph: bool,
    buffer: &mut String,
) -> u64 {
    let mut rng = Rng::new(city_seed(params.seed, index));
    let slug = city_slug(index);
    let name = city_name(index);
    let lang = LANGUAGES[index % LANGUAGES.len()];
    let mut out = Out {
        buffer,
        graph: with_graph.then(|| format!("{GRAPH}{slug}")),
        count: 0,
    };
    let city = format!("{ID}city/{slug}");
    let city_org = format!("{ID}org/city-of-{slug}");
    let strategy = format!("{ID}strategy/{slug}-smart-city-strategy");
    let n_sources = params.practices + 2;
    let sources: Vec<String> = (0..n_sources)
        .map(|i| format!("{ID}source/example-org-citykg-synthetic-{slug}-{i}"))
        .collect();

    // City.
    out.iri(&city, RDF_TYPE, &format!("{CKG}City"));
    out.lang(&city, &format!("{SCHEMA}name"), &name, "en");
    out.lang(&city, &format!("{SCHEMA}name"), &name, lang);
    if lang != "sv" {
        out.lang(&city, &format!("{SCHEMA}name"), &name, "sv");
    }
    // The profile the city shapes ask for (a location, a population with its year and source),
    // drawn from a stream of its own so the rest of the city is what it was before profiles.
    let mut geo = Rng::new(city_seed(params.seed, index) ^ 0x6765_6f5f_7072_6f66);
    let geometry = format!("{ID}geometry/{slug}");
    out.iri(&city, GEO_HAS_GEOMETRY, &geometry);
    out.iri(&geometry, RDF_TYPE, GEO_GEOMETRY);
    let (lon, lat) = (
        -10.0 + geo.below(40_000) as f64 / 1000.0,
        36.0 + geo.below(34_000) as f64 / 1000.0,
    );
    out.lit(
        &geometry,
        GEO_AS_WKT,
        Literal::new_typed_literal(
            format!("POINT({lon:.3} {lat:.3})"),
            NamedNode::new_unchecked(GEO_WKT_LITERAL),
        ),
    );
    out.iri(&geometry, &format!("{PROV}wasDerivedFrom"), &sources[0]);
    out.typed(
        &city,
        &format!("{CKG}population"),
        &(50_000 + geo.below(1_950_000)).to_string(),
        "integer",
    );
    out.typed(&city, &format!("{CKG}populationYear"), "2024", "gYear");
    out.iri(&city, &format!("{CKG}populationSource"), &sources[0]);
    out.lang(
        &city,
        &format!("{RDFS}comment"),
        &format!(
            "Synthetic city generated by citykg generate (seed {}).",
            params.seed
        ),
        "en",
    );

    // Sources.
    for (i, source) in sources.iter().enumerate() {
        out.iri(source, RDF_TYPE, &format!("{CKG}Source"));
        out.iri(
            source,
            &format!("{SCHEMA}url"),
            &format!("https://example.org/citykg-synthetic/{slug}/{i}"),
        );
        out.lang(
            source,
            &format!("{DCT}title"),
            &format!("{name} smart city report {}", i + 1),
            "en",
        );
        out.lit(
            source,
            &format!("{DCT}publisher"),
            Literal::new_simple_literal(format!("City of {name}")),
        );
    }

    // Strategy and its goal tree: 3 to 5 top goals, each with 1 to 3 sub-goals; each top goal
    // has an SDG goal area, its sub-goals map to targets in it.
    let n_top = rng.between(3, 5);
    let mut goals: Vec<(String, Vec<String>)> = Vec::new(); // goal IRI, its SDG links
    let mut leaves: Vec<usize> = Vec::new();
    let mut tops: Vec<String> = Vec::new();
    let mut goal_lines: Vec<(String, Option<String>, String, String)> = Vec::new(); // iri, broader, notation, label
    for t in 0..n_top {
        let area = rng.below(vocab.sdg_goals.len());
        let targets = vocab.targets_of(area);
        let top = format!("{ID}goal/{slug}-goal-{}", t + 1);
        let mut links = vec![vocab.sdg_goals[area].clone()];
        if let Some(&target) = rng.pick(&targets) {
            links.push(vocab.sdg_targets[target].0.clone());
        }
        let label = format!("{} for all", AREAS[(area + t) % AREAS.len()]);
        goal_lines.push((top.clone(), None, format!("{}", t + 1), label));
        goals.push((top.clone(), links));
        tops.push(top.clone());
        let n_sub = rng.between(1, 3);
        for s in 0..n_sub {
            let sub = format!("{ID}goal/{slug}-goal-{}-{}", t + 1, s + 1);
            let mut links = Vec::new();
            match rng.pick(&targets) {
                Some(&target) => links.push(vocab.sdg_targets[target].0.clone()),
                None => links.push(vocab.sdg_goals[area].clone()),
            }
            if rng.chance(30)
                && let Some((target, _)) = rng.pick(&vocab.sdg_targets)
            {
                links.push(target.clone());
            }
            links.sort();
            links.dedup();
            let label = format!(
                "Better {} by {}",
                AREAS[rng.below(AREAS.len())],
                2030 + 5 * rng.below(3)
            );
            goal_lines.push((
                sub.clone(),
                Some(top.clone()),
                format!("{}.{}", t + 1, s + 1),
                label,
            ));
            leaves.push(goals.len());
            goals.push((sub, links));
        }
    }
    out.iri(&strategy, RDF_TYPE, &format!("{CKG}Strategy"));
    out.lang(
        &strategy,
        &format!("{DCT}title"),
        &format!("Strategy for a smart {name}"),
        "en",
    );
    out.lang(
        &strategy,
        &format!("{DCT}title"),
        &format!("{name} smart strategy"),
        lang,
    );
    out.typed(
        &strategy,
        &format!("{DCT}issued"),
        &format!(
            "{}-0{}-1{}",
            2012 + rng.below(10),
            1 + rng.below(9),
            rng.below(10)
        ),
        "date",
    );
    out.iri(&strategy, &format!("{DCT}publisher"), &city_org);
    out.iri(&strategy, &format!("{CKG}city"), &city);
    for top in &tops {
        out.iri(&strategy, &format!("{SKOS}hasTopConcept"), top);
    }
    out.iri(&strategy, &format!("{PROV}wasDerivedFrom"), &sources[0]);
    out.lang(
        &strategy,
        &format!("{DCT}description"),
        &format!(
            "The synthetic smart-city strategy of {name}, with {} goals.",
            goals.len()
        ),
        "en",
    );
    for ((iri, broader, notation, label), (_, links)) in goal_lines.iter().zip(&goals) {
        out.iri(iri, RDF_TYPE, &format!("{CKG}StrategyGoal"));
        out.iri(iri, &format!("{SKOS}inScheme"), &strategy);
        match broader {
            Some(b) => out.iri(iri, &format!("{SKOS}broader"), b),
            None => out.iri(iri, &format!("{SKOS}topConceptOf"), &strategy),
        }
        out.lit(
            iri,
            &format!("{SKOS}notation"),
            Literal::new_simple_literal(notation),
        );
        out.lang(iri, &format!("{SKOS}prefLabel"), label, "en");
        out.lang(
            iri,
            &format!("{SKOS}prefLabel"),
            &format!("{label} ({lang})"),
            lang,
        );
        for link in links {
            out.iri(iri, &format!("{SKOS}relatedMatch"), link);
        }
        out.iri(
            iri,
            &format!("{PROV}wasDerivedFrom"),
            &sources[rng.below(sources.len())],
        );
    }

    // Organisations: the city's own and partners from the shared pool (a few popular ones).
    let pool = (params.cities * 2).max(40);
    let mut partners_used: BTreeSet<usize> = BTreeSet::new();

    // Practices.
    for p in 0..params.practices {
        let area = AREAS[rng.below(AREAS.len())];
        let action = ACTIONS[rng.below(ACTIONS.len())];
        let practice = format!("{ID}practice/{slug}-practice-{}", p + 1);
        let title = format!("{name} {area} {action} {}", p + 1);
        out.iri(&practice, RDF_TYPE, &format!("{CKG}Practice"));
        out.lang(&practice, &format!("{SCHEMA}name"), &title, "en");
        if rng.chance(40) {
            out.lang(
                &practice,
                &format!("{SCHEMA}name"),
                &format!("{title} ({lang})"),
                lang,
            );
        }
        out.lang(
            &practice,
            &format!("{DCT}description"),
            &format!(
                "A synthetic practice: {name} runs a {action} for {area}, with partners from business and research. It is generated data for scale tests, not a real initiative."
            ),
            "en",
        );
        let start = 2005 + rng.below(20);
        out.typed(
            &practice,
            &format!("{SCHEMA}startDate"),
            &start.to_string(),
            "gYear",
        );
        if rng.chance(15) {
            out.typed(
                &practice,
                &format!("{SCHEMA}endDate"),
                &(start + rng.between(1, 5)).to_string(),
                "gYear",
            );
        }
        out.iri(&practice, &format!("{CKG}city"), &city);
        // Goals: one or two of the city's goals (mostly sub-goals), and SDG links that follow them.
        let mut served: BTreeSet<String> = BTreeSet::new();
        let n_goals = rng.between(1, 2);
        let mut sdg_links: BTreeSet<String> = BTreeSet::new();
        for _ in 0..n_goals {
            let g = if !leaves.is_empty() && rng.chance(80) {
                leaves[rng.below(leaves.len())]
            } else {
                rng.below(goals.len())
            };
            served.insert(goals[g].0.clone());
            if let Some(link) = rng.pick(&goals[g].1) {
                sdg_links.insert(link.clone());
            }
        }
        if sdg_links.is_empty() || rng.chance(50) {
            if rng.chance(70) {
                if let Some((t, _)) = rng.pick(&vocab.sdg_targets) {
                    sdg_links.insert(t.clone());
                }
            } else if let Some(g) = rng.pick(&vocab.sdg_goals) {
                sdg_links.insert(g.clone());
            }
        }
        for goal in served.iter().chain(sdg_links.iter()) {
            out.iri(&practice, &format!("{CKG}servesGoal"), goal);
        }
        // Themes: one to three, the first one following the SDG link.
        let mut themes: BTreeSet<usize> = BTreeSet::new();
        if let Some(first) = sdg_links.iter().next() {
            let h = sdg_sort_key(first).first().copied().unwrap_or(0) as usize;
            themes.insert(h % vocab.themes.len());
        }
        for _ in 0..rng.between(0, 2) {
            themes.insert(rng.below(vocab.themes.len()));
        }
        for t in &themes {
            out.iri(&practice, &format!("{DCT}subject"), &vocab.themes[*t]);
        }
        // Partners: the city itself, and one to three from the shared pool (skewed to the first ones).
        out.iri(&practice, &format!("{CKG}partner"), &city_org);
        for _ in 0..rng.between(1, 3) {
            let a = rng.below(pool);
            let b = rng.below(pool);
            let i = a.min(b);
            partners_used.insert(i);
            out.iri(
                &practice,
                &format!("{CKG}partner"),
                &format!("{ID}org/{}", partner(i).0),
            );
        }
        // Sources and outcomes.
        let mut cited: BTreeSet<usize> = BTreeSet::new();
        for _ in 0..rng.between(1, 3) {
            cited.insert(rng.below(sources.len()));
        }
        for s in &cited {
            out.iri(&practice, &format!("{PROV}wasDerivedFrom"), &sources[*s]);
        }
        let verification = if rng.chance(80) {
            "verified"
        } else {
            "partly verified"
        };
        out.lit(
            &practice,
            &format!("{CKG}verification"),
            Literal::new_simple_literal(verification),
        );
        for o in 0..rng.between(2, 6) {
            let outcome = format!("{ID}outcome/{slug}-practice-{}-outcome-{}", p + 1, o + 1);
            out.iri(&practice, &format!("{CKG}outcome"), &outcome);
            let (indicator, unit) = INDICATORS[rng.below(INDICATORS.len())];
            out.iri(&outcome, RDF_TYPE, &format!("{CKG}Outcome"));
            out.lang(&outcome, &format!("{CKG}indicator"), indicator, "en");
            out.typed(
                &outcome,
                &format!("{QUDT}numericValue"),
                &format!("{}.{}", 1 + rng.below(5000), rng.below(10)),
                "decimal",
            );
            out.iri(&outcome, &format!("{QUDT}unit"), &format!("{UNIT}{unit}"));
            let is_target = rng.chance(30);
            let year = if is_target {
                2025 + rng.below(15)
            } else {
                start + rng.below(3)
            };
            out.typed(
                &outcome,
                &format!("{DCT}temporal"),
                &year.to_string(),
                "gYear",
            );
            out.typed(
                &outcome,
                &format!("{CKG}isTarget"),
                if is_target { "true" } else { "false" },
                "boolean",
            );
            out.iri(
                &outcome,
                &format!("{PROV}wasDerivedFrom"),
                &sources[*cited.iter().next().unwrap_or(&0)],
            );
            out.lit(
                &outcome,
                &format!("{CKG}verification"),
                Literal::new_simple_literal(verification),
            );
        }
    }

    // Organisations, described identically in every city graph that cites them.
    out.iri(&city_org, RDF_TYPE, &format!("{W3ORG}Organization"));
    out.lang(
        &city_org,
        &format!("{SKOS}prefLabel"),
        &format!("City of {name}"),
        "en",
    );
    for i in partners_used {
        let (pslug, label) = partner(i);
        let org = format!("{ID}org/{pslug}");
        out.iri(&org, RDF_TYPE, &format!("{W3ORG}Organization"));
        out.lang(&org, &format!("{SKOS}prefLabel"), &label, "en");
        out.iri(
            &org,
            &format!("{SCHEMA}url"),
            &format!("https://example.org/citykg-synthetic/org/{pslug}"),
        );
    }
    out.count
}

/// Writes the whole network as N-Quads, one named graph per city
/// (`https://w3id.org/citykg/graph/{city-slug}`).
pub fn generate(vocab: &Vocabulary, params: &Params, writer: impl Write) -> Result<Summary> {
    let mut writer = std::io::BufWriter::new(writer);
    let mut summary = Summary::default();
    let mut buffer = String::new();
    for index in 0..params.cities {
        buffer.clear();
        summary.quads += write_city(vocab, params, index, true, &mut buffer);
        writer
            .write_all(buffer.as_bytes())
            .map_err(|e| Error::io("generated network", e))?;
        summary.cities += 1;
        summary.practices += params.practices;
    }
    writer
        .flush()
        .map_err(|e| Error::io("generated network", e))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::from_bundle(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("vocabulary")
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
        let vocab = vocab();
        let params = Params {
            cities: 3,
            practices: 5,
            seed: 7,
        };
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut c = Vec::new();
        generate(&vocab, &params, &mut a).expect("generate");
        generate(&vocab, &params, &mut b).expect("generate");
        generate(&vocab, &Params { seed: 8, ..params }, &mut c).expect("generate");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn sdg_links_come_from_the_sdg_file_and_city_slugs_are_unique() {
        let vocab = vocab();
        assert_eq!(vocab.sdg_goals.len(), 17, "{:?}", vocab.sdg_goals);
        assert!(vocab.sdg_targets.iter().all(|(t, _)| t.contains('.')));
        let mut text = Vec::new();
        let params = Params {
            cities: 4,
            practices: 6,
            seed: 1,
        };
        let summary = generate(&vocab, &params, &mut text).expect("generate");
        let quads = parse_all("gen", text.as_slice(), RdfFormat::NQuads, None, None)
            .expect("valid N-Quads");
        assert_eq!(quads.len() as u64, summary.quads);
        let declared: BTreeSet<&str> = vocab
            .sdg_goals
            .iter()
            .map(String::as_str)
            .chain(vocab.sdg_targets.iter().map(|(t, _)| t.as_str()))
            .collect();
        for q in &quads {
            if let Term::NamedNode(o) = &q.object
                && o.as_str().starts_with(SDG_NS)
            {
                assert!(declared.contains(o.as_str()), "{o} is not in sdg.ttl");
            }
        }
        let slugs: BTreeSet<String> = (0..500).map(city_slug).collect();
        assert_eq!(slugs.len(), 500);
        assert!(slugs.iter().all(|s| !s.contains('-')));
    }
}
