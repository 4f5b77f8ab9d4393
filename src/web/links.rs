//! Links and term display for pages: where an IRI links to, compact names for well-known
//! namespaces, a rendered RDF term (`Cell`), labelled links (`Link`, `Linker`) and query links.

use super::i18n::{Lang, foreign};
use super::labels::{Label, labels};
use crate::error::Result;
use crate::store::Backend;
use crate::vocab::{SDG_NS, ns};
use oxigraph::model::Term;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Where a link to an IRI should go: our own resources to their local page, other http(s) IRIs
/// to themselves; anything else (javascript:, data:, …) gets no link.
pub fn href_for(iri: &str, base_iri: &str) -> Option<String> {
    if let Some(rest) = iri.strip_prefix(base_iri)
        && rest.starts_with("id/")
    {
        return Some(format!("/{rest}"));
    }
    if let Some(number) = iri.strip_prefix(SDG_NS)
        && !number.is_empty()
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.')
    {
        return Some(format!("/sdg/{number}"));
    }
    if iri.starts_with("http://") || iri.starts_with("https://") {
        Some(iri.to_owned())
    } else {
        None
    }
}

/// A local page for our resources and the SDGs (with `?lang=`), else the IRI itself.
pub fn local_href(iri: &str, base_iri: &str, lang: Lang) -> String {
    match href_for(iri, base_iri) {
        Some(h) if h.starts_with('/') => format!("{h}?lang={}", lang.code()),
        Some(h) => h,
        None => iri.to_owned(),
    }
}

/// Shortens well-known namespaces for display.
pub fn compact(iri: &str) -> String {
    const PREFIXES: [(&str, &str); 12] = [
        ("ckg:", crate::vocab::CKG),
        ("rdf:", ns::RDF),
        ("rdfs:", ns::RDFS),
        ("xsd:", ns::XSD),
        ("skos:", ns::SKOS),
        ("dcterms:", ns::DCTERMS),
        ("prov:", ns::PROV),
        ("schema:", ns::SCHEMA),
        ("owl:", ns::OWL),
        ("qudt:", ns::QUDT),
        ("unit:", ns::UNIT),
        ("sdg:", ns::SDG),
    ];
    for (prefix, namespace) in PREFIXES {
        if let Some(local) = iri.strip_prefix(namespace)
            && !local.is_empty()
        {
            return format!("{prefix}{local}");
        }
    }
    iri.to_owned()
}

/// One rendered RDF term.
#[derive(Serialize, Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub meta: Option<String>,
    /// A literal's language tag (written as `lang` on its text).
    pub lang: Option<String>,
}

/// Renders a term as text, link and annotation.
pub fn cell(term: &Term, base_iri: &str) -> Cell {
    match term {
        Term::NamedNode(n) => Cell {
            text: compact(n.as_str()),
            href: href_for(n.as_str(), base_iri),
            meta: None,
            lang: None,
        },
        Term::BlankNode(b) => Cell {
            text: format!("_:{}", b.as_str()),
            href: None,
            meta: None,
            lang: None,
        },
        Term::Literal(l) => {
            let meta = if let Some(lang) = l.language() {
                Some(format!("@{lang}"))
            } else if l.datatype().as_str() == "http://www.w3.org/2001/XMLSchema#string" {
                None
            } else {
                Some(compact(l.datatype().as_str()))
            };
            Cell {
                text: l.value().to_owned(),
                href: None,
                meta,
                lang: l.language().map(str::to_owned),
            }
        }
        #[allow(unreachable_patterns)]
        other => Cell {
            text: other.to_string(),
            href: None,
            meta: None,
            lang: None,
        },
    }
}

/// A link that runs `query` on the query page.
pub fn query_href(query: &str) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("query", query);
    format!("/sparql?{}", s.finish())
}

/// A link to a page's data in one RDF format.
#[derive(Serialize, Clone, Debug)]
pub struct FormatLink {
    pub label: &'static str,
    pub href: String,
}

/// Links to the RDF of the page at `path` (`?format=turtle`, …).
pub fn rdf_format_links(path: &str) -> Vec<FormatLink> {
    [
        ("Turtle", "turtle"),
        ("JSON-LD", "jsonld"),
        ("N-Triples", "ntriples"),
        ("RDF/XML", "rdfxml"),
    ]
    .into_iter()
    .map(|(label, f)| FormatLink {
        label,
        href: format!("{path}?format={f}"),
    })
    .collect()
}

/// A link with its text (and an optional longer title), and the text's language when it is not
/// the page's (templates write it as `lang`).
#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub text: String,
    pub href: String,
    pub title: Option<String>,
    pub lang: Option<String>,
}

impl Link {
    /// A link whose text is in the page's language (or has none).
    pub fn new(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: href.into(),
            title: None,
            lang: None,
        }
    }
}

/// Turns IRIs into links with labels in the reader's language (one label lookup for them all).
pub struct Linker {
    base_iri: String,
    lang: Lang,
    labels: HashMap<String, Label>,
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
            .map(|l| l.text.clone())
            .unwrap_or_else(|| compact(iri))
    }

    /// The language of `iri`'s label when it is not the page's language.
    pub fn label_lang(&self, iri: &str) -> Option<String> {
        self.labels
            .get(iri)
            .and_then(|l| foreign(&l.lang, self.lang))
    }

    /// Where a link to `iri` goes: a page of ours (keeping the reader's language) or the IRI itself.
    pub fn href(&self, iri: &str) -> String {
        local_href(iri, &self.base_iri, self.lang)
    }

    /// SDGs show as "SDG 11.2" with the official text as title; others as their label.
    pub fn link(&self, iri: &str) -> Link {
        let href = self.href(iri);
        if let Some(number) = iri.strip_prefix(SDG_NS) {
            let label = self.labels.get(iri).map(|l| l.text.clone());
            let lang = if number.contains('.') || label.as_ref().is_none_or(|l| l.len() >= 60) {
                None
            } else {
                self.label_lang(iri)
            };
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
                lang,
            };
        }
        Link {
            text: self.label(iri),
            href,
            title: None,
            lang: self.label_lang(iri),
        }
    }

    /// Links to `iris`, sorted by text, without duplicates.
    pub fn sorted_links<'a>(&self, iris: impl IntoIterator<Item = &'a String>) -> Vec<Link> {
        let mut links: Vec<Link> = iris.into_iter().map(|i| self.link(i)).collect();
        links.sort();
        links.dedup();
        links
    }
}

/// The IRIs among the terms of some result rows (to look their labels up at once).
pub fn iris_in<'a>(
    tables: impl IntoIterator<Item = &'a Vec<Vec<Option<Term>>>>,
) -> BTreeSet<String> {
    let mut iris = BTreeSet::new();
    for table in tables {
        for row in table {
            for term in row.iter().flatten() {
                if let Term::NamedNode(n) = term {
                    iris.insert(n.as_str().to_owned());
                }
            }
        }
    }
    iris
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_go_to_local_pages_or_stay_out() {
        let base = crate::vocab::DEFAULT_BASE_IRI;
        assert_eq!(
            href_for("https://w3id.org/citykg/id/city/stockholm", base).as_deref(),
            Some("/id/city/stockholm")
        );
        assert_eq!(
            href_for("http://metadata.un.org/sdg/11.2", base).as_deref(),
            Some("/sdg/11.2")
        );
        assert_eq!(href_for("javascript:alert(1)", base), None);
        assert_eq!(
            local_href("http://metadata.un.org/sdg/11", base, Lang::Sv),
            "/sdg/11?lang=sv"
        );
        assert_eq!(compact("https://schema.org/name"), "schema:name");
    }
}
