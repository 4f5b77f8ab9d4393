//! A resource's own statements, read once for a page: property → values, with the literal in
//! the reader's language picked out.

use crate::error::Result;
use crate::store::Backend;
use crate::vocab;
use crate::web::i18n::Lang;
use oxigraph::model::{NamedNode, Term};
use std::collections::BTreeMap;

/// A resource's own statements: property IRI → values (IRIs or literal texts with language).
pub struct Facts {
    values: BTreeMap<String, Vec<(String, String, bool)>>,
}

impl Facts {
    /// Everything `subject` says about itself (one lookup). DISTINCT: the default graph is the
    /// union of the named graphs, so a statement several graphs make (an organisation's name in
    /// every city that names it) comes once per graph without it.
    pub fn of(backend: &Backend, subject: &NamedNode) -> Result<Self> {
        let rows = backend.select(&format!(
            "SELECT DISTINCT ?p ?o WHERE {{ {subject} ?p ?o }}"
        ))?;
        Ok(Self::from_rows(rows))
    }

    fn from_rows(rows: Vec<Vec<Option<Term>>>) -> Self {
        let mut values: BTreeMap<String, Vec<(String, String, bool)>> = BTreeMap::new();
        for row in rows {
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
        Self { values }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn has_type(&self, class: &str) -> bool {
        self.iris(vocab::RDF_TYPE).iter().any(|t| t == class)
    }

    /// The IRI values of `property`.
    pub fn iris(&self, property: &str) -> Vec<String> {
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
    pub fn text(&self, property: &str, lang: Lang) -> Option<String> {
        self.text_with_lang(property, lang).map(|(text, _)| text)
    }

    /// Like [`Facts::text`], with the literal's language when it is not the reader's (for `lang`).
    pub fn text_with_lang(&self, property: &str, lang: Lang) -> Option<(String, Option<String>)> {
        let values = self.values.get(property)?;
        let literals: Vec<_> = values.iter().filter(|(_, _, iri)| !iri).collect();
        literals
            .iter()
            .find(|(_, l, _)| l == lang.code())
            .or_else(|| literals.iter().find(|(_, l, _)| l == "en"))
            .or_else(|| literals.first())
            .map(|(v, l, _)| (v.clone(), crate::web::i18n::foreign(l, lang)))
    }

    /// Every literal of `property` as (text, language).
    pub fn all_texts(&self, property: &str) -> Vec<(String, String)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Literal;

    #[test]
    fn reader_language_then_english_then_any() {
        let p = || {
            Some(Term::NamedNode(NamedNode::new_unchecked(
                "https://schema.org/name",
            )))
        };
        let lit = |v: &str, l: &str| {
            Some(Term::Literal(
                Literal::new_language_tagged_literal(v, l).expect("literal"),
            ))
        };
        let facts = Facts::from_rows(vec![
            vec![p(), lit("Gothenburg", "en")],
            vec![p(), lit("Göteborg", "sv")],
        ]);
        assert_eq!(
            facts.text("https://schema.org/name", Lang::Sv).as_deref(),
            Some("Göteborg")
        );
        assert_eq!(
            facts.text("https://schema.org/name", Lang::En).as_deref(),
            Some("Gothenburg")
        );
        assert!(facts.iris("https://schema.org/name").is_empty());
        assert_eq!(facts.all_texts("https://schema.org/name").len(), 2);
    }
}
