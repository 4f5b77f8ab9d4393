//! Builds the search index from SPARQL over the Backend seam: one document per practice, city,
//! strategy, goal, theme, organisation, source and SDG, with its names and texts in every language;
//! and updates a build in place for the resources one contribution touched.

use super::{Fields, Group, Kind, Live, VERSION_FILE, schema, search_error};
use crate::error::{Error, Result};
use crate::store::Backend;
use oxigraph::model::{NamedNode, Term};
use std::collections::BTreeMap;
use std::path::Path;
use tantivy::{Index, TantivyDocument};

const PREFIXES: &str = "PREFIX ckg: <https://w3id.org/citykg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
";

/// Alternative names and notations, ranked after the label properties of pages
/// (`vocab::LABEL_PROPERTIES`, the outcome indicator left out: outcomes are not indexed).
const ALTERNATIVE_NAMES: [&str; 4] = [
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "https://schema.org/alternateName",
    "http://purl.org/dc/terms/alternative",
    "http://www.w3.org/2004/02/skos/core#notation",
];

/// Properties whose literals name a resource, best first.
fn name_properties() -> impl Iterator<Item = &'static str> {
    crate::vocab::LABEL_PROPERTIES
        .into_iter()
        .filter(|p| *p != crate::vocab::ckg::INDICATOR)
        .chain(ALTERNATIVE_NAMES)
}

/// Properties whose literals describe a resource.
const TEXT_PROPERTIES: [&str; 8] = [
    "http://purl.org/dc/terms/description",
    "https://schema.org/description",
    "http://purl.org/dc/terms/abstract",
    "http://www.w3.org/2004/02/skos/core#definition",
    "http://www.w3.org/2004/02/skos/core#scopeNote",
    "http://www.w3.org/2004/02/skos/core#note",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://purl.org/dc/terms/publisher",
];

/// Everything indexed about one resource.
#[derive(Default)]
struct Doc {
    kind: Option<Kind>,
    cities: Vec<String>,
    /// (language group, property rank, text)
    names: Vec<(Group, usize, String)>,
    texts: Vec<(Group, usize, String)>,
}

fn iri_of(term: &Option<Term>) -> Option<&str> {
    match term {
        Some(Term::NamedNode(n)) => Some(n.as_str()),
        _ => None,
    }
}

/// The most resources one `VALUES` block of [`read`] names.
const CHUNK: usize = 500;

/// Reads the resources and their texts through SPARQL: all of them, or only `only`'s (read in
/// chunks of [`CHUNK`]).
fn read(backend: &Backend, only: Option<&[NamedNode]>) -> Result<BTreeMap<String, Doc>> {
    let mut docs = BTreeMap::new();
    match only {
        None => read_into(backend, "", &mut docs)?,
        Some(subjects) => {
            for chunk in subjects.chunks(CHUNK) {
                let names: String = chunk.iter().map(|s| format!("{s} ")).collect();
                read_into(backend, &format!("VALUES ?s {{ {names}}}"), &mut docs)?;
            }
        }
    }
    for doc in docs.values_mut() {
        doc.cities.sort();
    }
    Ok(docs)
}

/// Adds to `docs` the resources that `restrict` (a `VALUES ?s` block, or nothing) lets through.
/// Each query is one pattern or a short chain from `?s`, without `UNION`, so that with `restrict`
/// the evaluator looks the named subjects up instead of reading everything and joining.
fn read_into(backend: &Backend, restrict: &str, docs: &mut BTreeMap<String, Doc>) -> Result<()> {
    let mut found = |iri: &str, kind: Kind| {
        let doc = docs.entry(iri.to_owned()).or_default();
        // A resource of two kinds counts as the first in `Kind::ALL` (a practice before a source).
        let rank = |k: Kind| Kind::ALL.iter().position(|x| *x == k);
        if doc.kind.is_none_or(|old| rank(kind) < rank(old)) {
            doc.kind = Some(kind);
        }
    };
    // The classes are matched here, not in a second `VALUES`: two `VALUES` blocks are joined
    // with every triple of the pattern instead of looking the subjects up (src/web/labels.rs).
    let classes = [
        (crate::vocab::ckg::PRACTICE, Kind::Practice),
        (crate::vocab::ckg::CITY, Kind::City),
        (crate::vocab::ckg::STRATEGY_GOAL, Kind::Goal),
        (crate::vocab::ckg::THEME, Kind::Theme),
        ("http://www.w3.org/ns/org#Organization", Kind::Organisation),
        (crate::vocab::ckg::STRATEGY, Kind::Strategy),
        (crate::vocab::ckg::SOURCE, Kind::Source),
    ];
    let class_filter = if restrict.is_empty() {
        let names: String = classes.iter().map(|(c, _)| format!("<{c}> ")).collect();
        format!("VALUES ?class {{ {names}}}")
    } else {
        String::new()
    };
    for row in backend.select(&format!(
        "SELECT ?s ?class WHERE {{ {restrict}{class_filter} ?s a ?class }}"
    ))? {
        if let (Some(iri), Some(class)) = (iri_of(&row[0]), row.get(1).and_then(iri_of))
            && let Some((_, kind)) = classes.iter().find(|(c, _)| *c == class)
        {
            found(iri, *kind);
        }
    }
    for row in backend.select(&format!(
        "{PREFIXES}SELECT ?s WHERE {{ {restrict} ?s skos:inScheme <http://metadata.un.org/sdg> }}"
    ))? {
        if let Some(iri) = iri_of(&row[0]) {
            found(iri, Kind::Sdg);
        }
    }
    // A resource's cities: its own, and its scheme's (a goal is in its city's strategy).
    for query in [
        "?s ckg:city ?city",
        "?s skos:inScheme ?scheme . ?scheme ckg:city ?city",
    ] {
        for row in backend.select(&format!(
            "{PREFIXES}SELECT DISTINCT ?s ?city WHERE {{ {restrict} {query} }}"
        ))? {
            if let (Some(iri), Some(city)) = (iri_of(&row[0]), iri_of(&row[1]))
                && let Some(doc) = docs.get_mut(iri)
                && !doc.cities.iter().any(|c| c == city)
            {
                doc.cities.push(city.to_owned());
            }
        }
    }
    // All of a named subject's literals (a lookup by subject), or every literal of the indexed
    // properties; the properties are picked below either way.
    let texts = if restrict.is_empty() {
        let properties: String = name_properties()
            .chain(TEXT_PROPERTIES)
            .map(|p| format!("<{p}> "))
            .collect();
        format!(
            "SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {properties} }} ?s ?p ?o FILTER(isLiteral(?o)) }}"
        )
    } else {
        format!("SELECT ?s ?p ?o WHERE {{ {restrict} ?s ?p ?o FILTER(isLiteral(?o)) }}")
    };
    for row in backend.select(&texts)? {
        let (Some(iri), Some(property), Some(Some(Term::Literal(literal)))) =
            (iri_of(&row[0]), iri_of(&row[1]), row.get(2))
        else {
            continue;
        };
        let Some(doc) = docs.get_mut(iri) else {
            continue;
        };
        let text = literal.value().trim();
        if text.is_empty() {
            continue;
        }
        let group = Group::of_tag(literal.language().unwrap_or(""));
        if let Some(rank) = name_properties().position(|p| p == property) {
            doc.names.push((group, rank, text.to_owned()));
        } else if let Some(rank) = TEXT_PROPERTIES.iter().position(|p| *p == property) {
            doc.texts.push((group, rank, text.to_owned()));
        }
    }
    Ok(())
}

/// The words of an IRI's last segment (`…/practice/stockholm-stokab-dark-fibre`).
fn slug_words(iri: &str) -> String {
    iri.trim_end_matches('/')
        .rsplit(['/', '#'])
        .next()
        .unwrap_or("")
        .replace(['-', '_'], " ")
}

/// The values of one language group, best property first, without repeats, joined by `separator`.
fn joined(values: &[(Group, usize, String)], group: Group, separator: &str) -> String {
    let mut picked: Vec<&(Group, usize, String)> =
        values.iter().filter(|(g, _, _)| *g == group).collect();
    picked.sort_by(|a, b| (a.1, &a.2).cmp(&(b.1, &b.2)));
    let mut seen: Vec<&str> = Vec::new();
    for (_, _, text) in picked {
        if !seen.contains(&text.as_str()) {
            seen.push(text);
        }
    }
    seen.join(separator)
}

fn document(fields: &Fields, iri: &str, kind: Kind, doc: &Doc) -> TantivyDocument {
    let mut out = TantivyDocument::default();
    out.add_text(fields.iri, iri);
    out.add_text(fields.kind, kind.code());
    for city in &doc.cities {
        out.add_text(fields.city, city);
    }
    out.add_text(fields.slug, slug_words(iri));
    for (_, _, name) in &doc.names {
        out.add_text(fields.name_all, name);
    }
    for (_, _, text) in &doc.texts {
        out.add_text(fields.text_all, text);
    }
    for group in Group::ALL {
        let names = joined(&doc.names, group, " · ");
        if !names.is_empty() {
            out.add_text(fields.name(group), names);
        }
        let texts = joined(&doc.texts, group, "\n");
        if !texts.is_empty() {
            out.add_text(fields.text(group), texts);
        }
    }
    out
}

/// Builds a new index for `version` in a fresh directory under `root` and opens it.
pub(super) fn build(root: &Path, backend: &Backend, version: &str) -> Result<Live> {
    let docs = read(backend, None)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let safe_version: String = version
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    let dir = root.join(format!("build-{safe_version}-{nanos:x}"));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(dir.display(), e))?;
    let (schema, fields) = schema();
    let index = Index::create_in_dir(&dir, schema).map_err(|e| search_error("create", e))?;
    super::register_tokenizers(&index);
    let mut writer = index
        .writer_with_num_threads::<TantivyDocument>(1, 30_000_000)
        .map_err(|e| search_error("writer", e))?;
    for (iri, doc) in &docs {
        let Some(kind) = doc.kind else { continue };
        writer
            .add_document(document(&fields, iri, kind, doc))
            .map_err(|e| search_error("add document", e))?;
    }
    writer.commit().map_err(|e| search_error("commit", e))?;
    writer
        .wait_merging_threads()
        .map_err(|e| search_error("merge", e))?;
    // The version file is written last: a directory without it is an unfinished build.
    let version_file = dir.join(VERSION_FILE);
    std::fs::write(&version_file, version).map_err(|e| Error::io(version_file.display(), e))?;
    Live::ready(index, version.to_owned(), &dir)
}

/// Brings `live` (a complete build) to `version` in place: the documents of `subjects` are read
/// again and replace their old ones (a subject that is no longer a resource of a kind loses its
/// document). The version file is rewritten after tantivy's commit, so a crash in between leaves
/// a build that says the old version and is rebuilt when opened.
pub(super) fn update(
    live: &Live,
    backend: &Backend,
    subjects: &[NamedNode],
    version: &str,
) -> Result<Live> {
    let docs = read(backend, Some(subjects))?;
    let mut writer = live
        .index
        .writer_with_num_threads::<TantivyDocument>(1, 15_000_000)
        .map_err(|e| search_error("writer", e))?;
    for subject in subjects {
        writer.delete_term(tantivy::Term::from_field_text(
            live.fields.iri,
            subject.as_str(),
        ));
    }
    for (iri, doc) in &docs {
        let Some(kind) = doc.kind else { continue };
        writer
            .add_document(document(&live.fields, iri, kind, doc))
            .map_err(|e| search_error("add document", e))?;
    }
    writer.commit().map_err(|e| search_error("commit", e))?;
    writer
        .wait_merging_threads()
        .map_err(|e| search_error("merge", e))?;
    let version_file = live.dir.join(VERSION_FILE);
    let temporary = live.dir.join(format!("{VERSION_FILE}.tmp"));
    std::fs::write(&temporary, version).map_err(|e| Error::io(temporary.display(), e))?;
    std::fs::rename(&temporary, &version_file).map_err(|e| Error::io(version_file.display(), e))?;
    Live::ready(live.index.clone(), version.to_owned(), &live.dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_words_come_from_the_last_segment() {
        assert_eq!(
            slug_words("https://w3id.org/citykg/id/practice/stockholm-stokab-dark-fibre"),
            "stockholm stokab dark fibre"
        );
        assert_eq!(slug_words("http://metadata.un.org/sdg/11.2"), "11.2");
    }

    #[test]
    fn values_are_joined_best_property_first_without_repeats() {
        let values = vec![
            (Group::En, 5, "alt".to_owned()),
            (Group::En, 0, "Main".to_owned()),
            (Group::Sv, 0, "Huvud".to_owned()),
            (Group::En, 1, "Main".to_owned()),
        ];
        assert_eq!(joined(&values, Group::En, " · "), "Main · alt");
        assert_eq!(joined(&values, Group::Sv, " · "), "Huvud");
        assert_eq!(joined(&values, Group::Other, " · "), "");
    }
}
