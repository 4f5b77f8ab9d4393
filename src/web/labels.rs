//! Display labels for resources: the first of `vocab::LABEL_PROPERTIES` (`skos:prefLabel`, then
//! `schema:name`, `dcterms:title`, `rdfs:label`, `foaf:name`, an outcome's `ckg:indicator`), in the
//! reader's language, then English, then any language.

use super::i18n::Lang;
use crate::error::Result;
use crate::store::Backend;
use crate::vocab::LABEL_PROPERTIES;
use oxigraph::model::{NamedNode, Term};
use std::collections::{BTreeSet, HashMap};

/// A label and its language tag ("" for a plain literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub text: String,
    pub lang: String,
}

/// Picks the best label among (property, language, text) candidates.
pub fn best_label(candidates: &[(String, String, String)], lang: Lang) -> Option<String> {
    best_label_with_lang(candidates, lang).map(|l| l.text)
}

/// Like [`best_label`], keeping the language of the label picked (for `lang` attributes).
pub fn best_label_with_lang(candidates: &[(String, String, String)], lang: Lang) -> Option<Label> {
    let rank = |property: &str| {
        LABEL_PROPERTIES
            .iter()
            .position(|p| *p == property)
            .unwrap_or(99)
    };
    let pick = |wanted: &dyn Fn(&str) -> bool| {
        candidates
            .iter()
            .filter(|(_, l, _)| wanted(l))
            .min_by_key(|(p, _, text)| (rank(p), text.len()))
            .map(|(_, l, text)| Label {
                text: text.clone(),
                lang: l.clone(),
            })
    };
    pick(&|l| {
        l.eq_ignore_ascii_case(lang.code())
            || l.to_ascii_lowercase()
                .starts_with(&format!("{}-", lang.code()))
    })
    .or_else(|| pick(&|l| l == "en" || l.starts_with("en-")))
    .or_else(|| pick(&|_| true))
}

/// Labels of `iris` in `lang` (with the language of each), looked up in one query per 200
/// resources. IRIs without a label are absent from the map.
pub fn labels<'a>(
    backend: &Backend,
    iris: impl IntoIterator<Item = &'a str>,
    lang: Lang,
) -> Result<HashMap<String, Label>> {
    let unique: BTreeSet<&str> = iris.into_iter().collect();
    let nodes: Vec<NamedNode> = unique
        .into_iter()
        .filter_map(|i| NamedNode::new(i).ok())
        .collect();
    let mut candidates: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    // One branch per label property, the property a constant in it: both engines then look each
    // subject up by subject and property. (With `?x ?p ?l FILTER(?p IN (…))` Virtuoso read every
    // label of the network: 1.7 s against 0.17 s for 200 resources at 3 M quads; on the embedded
    // store 0.44 against 0.11 s. With a second VALUES for ?p, Oxigraph joined the two tables with
    // every triple: 7 s.) DISTINCT: the default graph is the union of the named graphs, and an
    // organisation's label stands in every city graph that names it (185 copies of one label at
    // 3 M: a 5 MB answer for 200 resources, 69 KB with DISTINCT; 0.5 s against 0.03 s on
    // Virtuoso). bench/README.md, fifth session.
    let branches: String = LABEL_PROPERTIES
        .iter()
        .map(|p| format!("{{ ?x <{p}> ?l BIND(<{p}> AS ?p) }}"))
        .collect::<Vec<_>>()
        .join(" UNION ");
    for chunk in nodes.chunks(200) {
        // Every IRI is a validated NamedNode, written with its own escaping Display.
        let values: String = chunk.iter().map(|n| format!("{n} ")).collect();
        let rows = backend.select(&format!(
            "SELECT DISTINCT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} {{ {branches} }} FILTER(isLiteral(?l)) }}"
        ))?;
        for row in rows {
            if let (
                Some(Some(Term::NamedNode(x))),
                Some(Some(Term::NamedNode(p))),
                Some(Some(Term::Literal(l))),
            ) = (row.first(), row.get(1), row.get(2))
            {
                candidates.entry(x.as_str().to_owned()).or_default().push((
                    p.as_str().to_owned(),
                    l.language().unwrap_or("").to_owned(),
                    l.value().to_owned(),
                ));
            }
        }
    }
    Ok(candidates
        .into_iter()
        .filter_map(|(iri, c)| best_label_with_lang(&c, lang).map(|l| (iri, l)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_language_then_english_then_any() {
        let c = |p: &str, l: &str, t: &str| (p.to_owned(), l.to_owned(), t.to_owned());
        let pref = LABEL_PROPERTIES[0];
        let name = LABEL_PROPERTIES[1];
        let both = vec![
            c(name, "en", "Stockholm city"),
            c(pref, "sv", "Stockholms stad"),
            c(pref, "en", "City of Stockholm"),
        ];
        assert_eq!(
            best_label(&both, Lang::Sv).as_deref(),
            Some("Stockholms stad")
        );
        assert_eq!(
            best_label(&both, Lang::En).as_deref(),
            Some("City of Stockholm")
        );
        let finnish = vec![c(pref, "fi", "Helsingin kaupunki")];
        assert_eq!(
            best_label(&finnish, Lang::Sv).as_deref(),
            Some("Helsingin kaupunki")
        );
    }
}
