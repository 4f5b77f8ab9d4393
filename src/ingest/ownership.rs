//! What a city's contribution may describe: its own city, strategies, goals, practices, outcomes,
//! transfers into it, fundings, lessons and geometries, plus organisations and sources; never another
//! city's resources or the shared vocabularies (themes, stages, kinds of transfer, SDGs).

use crate::ingest::shacl::Violation;
use crate::vocab;
use oxigraph::model::{NamedOrBlankNode, Term, Triple};
use std::collections::{BTreeMap, BTreeSet};

/// Not a SHACL core component: the ownership rule, named in the citykg shapes namespace.
const CONSTRAINT: &str = "https://w3id.org/citykg/shapes#OwnershipConstraintComponent";
const CKG_CITY: &str = "https://w3id.org/citykg/ontology#city";
const SDG_NS: &str = "http://metadata.un.org/sdg/";

/// Why a subject IRI may not be described by `city`'s contribution, if it may not.
fn refusal(iri: &str, city: &str, base: &str) -> Option<String> {
    if iri.starts_with(vocab::CKG) || iri.starts_with("https://w3id.org/citykg/ontology") {
        return Some(
            "The citykg ontology is shared: a contribution cannot add statements about its terms."
                .into(),
        );
    }
    if iri.starts_with(SDG_NS) {
        return Some("The UN SDG goals and targets are shared: a contribution can link to them with ckg:servesGoal but cannot describe them.".into());
    }
    let Some(local) = iri.strip_prefix(base) else {
        return None; // an outside IRI, e.g. a source document: allowed
    };
    let (kind, slug) = match local.strip_prefix("id/").and_then(|r| r.split_once('/')) {
        Some(parts) => parts,
        None => {
            return Some(format!(
                "{iri} is in citykg's own namespace but is not a resource identifier (…/id/{{kind}}/{{slug}})."
            ));
        }
    };
    let owned = slug == city || slug.starts_with(&format!("{city}-"));
    match kind {
        "city" if slug == city => None,
        "city" => Some(format!(
            "This is another city. A contribution for {city} may describe only {base}id/city/{city}."
        )),
        "strategy" | "goal" | "practice" | "outcome" | "transfer" | "funding" | "lesson"
        | "geometry"
            if owned =>
        {
            None
        }
        "strategy" | "goal" | "practice" | "outcome" | "transfer" | "funding" | "lesson"
        | "geometry" => Some(format!(
            "The identifier of a {kind} in {city}'s data must start with \"{city}-\" (for example {base}id/{kind}/{city}-…); this one belongs to someone else."
        )),
        "org" | "source" => None,
        "theme" => Some(
            "The themes are shared: use them with dcterms:subject, but do not describe them."
                .into(),
        ),
        "stage" | "transfer-kind" => Some(format!(
            "The {kind} concepts are shared (ontology/schemes.ttl): use them with ckg:stage or ckg:transferKind, but do not describe them."
        )),
        other => Some(format!(
            "Unknown kind of resource \"{other}\": use city, strategy, goal, practice, outcome, transfer, funding, lesson, geometry, org or source."
        )),
    }
}

/// Checks that every statement in `triples` is about something `city` may describe, and that
/// every `ckg:city` link points to `city`. One violation per offending resource.
pub fn check(triples: &[Triple], city: &str, base: &str) -> Vec<Violation> {
    let expected_city = format!("{base}id/city/{city}");
    let mut refused: BTreeMap<String, Violation> = BTreeMap::new();
    let mut typed: BTreeSet<String> = BTreeSet::new();
    let mut with_city: BTreeSet<String> = BTreeSet::new();
    for triple in triples {
        let NamedOrBlankNode::NamedNode(subject) = &triple.subject else {
            continue;
        };
        let subject = subject.as_str();
        if let Some(message) = refusal(subject, city, base) {
            refused
                .entry(subject.to_owned())
                .or_insert_with(|| Violation {
                    focus_node: subject.to_owned(),
                    path: None,
                    constraint: CONSTRAINT.into(),
                    value: None,
                    source_shape: None,
                    message,
                });
            continue;
        }
        if triple.predicate.as_str() == CKG_CITY {
            match &triple.object {
                Term::NamedNode(n) if n.as_str() == expected_city => {
                    with_city.insert(subject.to_owned());
                }
                other => {
                    refused.entry(subject.to_owned()).or_insert_with(|| Violation {
                        focus_node: subject.to_owned(),
                        path: Some(CKG_CITY.into()),
                        constraint: CONSTRAINT.into(),
                        value: Some(other.to_string().trim_matches(|c| c == '<' || c == '>').to_owned()),
                        source_shape: None,
                        message: format!("A contribution for {city} links its practices and strategies to {expected_city} only."),
                    });
                }
            }
        }
        if triple.predicate.as_str() == vocab::exchange::TO_CITY
            && !matches!(&triple.object, Term::NamedNode(n) if n.as_str() == expected_city)
        {
            refused
                .entry(subject.to_owned())
                .or_insert_with(|| Violation {
                    focus_node: subject.to_owned(),
                    path: Some(vocab::exchange::TO_CITY.into()),
                    constraint: CONSTRAINT.into(),
                    value: Some(
                        triple
                            .object
                            .to_string()
                            .trim_matches(|c| c == '<' || c == '>')
                            .to_owned(),
                    ),
                    source_shape: None,
                    message: format!(
                        "A transfer is described by the city that took the practice up: {city}'s data may describe transfers into {expected_city} only."
                    ),
                });
        }
        if triple.predicate.as_str() == vocab::RDF_TYPE
            && let Term::NamedNode(class) = &triple.object
            && (class.as_str() == vocab::ckg::PRACTICE || class.as_str() == vocab::ckg::STRATEGY)
        {
            typed.insert(subject.to_owned());
        }
    }
    for subject in typed.difference(&with_city) {
        refused.entry(subject.clone()).or_insert_with(|| Violation {
            focus_node: subject.clone(),
            path: Some(CKG_CITY.into()),
            constraint: CONSTRAINT.into(),
            value: None,
            source_shape: None,
            message: format!(
                "This resource is not linked to {expected_city} with ckg:city; a contribution for {city} may only describe {city}'s own practices and strategies."
            ),
        });
    }
    refused.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::load::parse_all;
    use oxigraph::io::RdfFormat;

    fn run(text: &str) -> Vec<String> {
        let quads =
            parse_all("t", text.as_bytes(), RdfFormat::Turtle, None, None).unwrap_or_default();
        let triples: Vec<Triple> = quads.into_iter().map(Triple::from).collect();
        check(&triples, "helsinki", vocab::DEFAULT_BASE_IRI)
            .into_iter()
            .map(|v| v.focus_node)
            .collect()
    }

    #[test]
    fn own_resources_pass_others_fail() {
        let ok = r#"@prefix ckg: <https://w3id.org/citykg/ontology#> .
            <https://w3id.org/citykg/id/practice/helsinki-x> a ckg:Practice ; ckg:city <https://w3id.org/citykg/id/city/helsinki> .
            <https://w3id.org/citykg/id/org/kth> <http://p> "x" .
            <https://example.org/doc> <http://p> "x" .
            <https://w3id.org/citykg/id/city/helsinki> <http://p> "x" ."#;
        assert!(run(ok).is_empty());
        let bad = r#"@prefix ckg: <https://w3id.org/citykg/ontology#> .
            <https://w3id.org/citykg/id/practice/stockholm-x> <http://p> "x" .
            <https://w3id.org/citykg/id/practice/helsinkix> <http://p> "x" .
            <https://w3id.org/citykg/id/city/stockholm> <http://p> "x" .
            <https://w3id.org/citykg/id/theme/mobility> <http://p> "x" .
            <http://metadata.un.org/sdg/11> <http://p> "x" .
            ckg:Practice <http://p> "x" .
            <https://w3id.org/citykg/id/practice/helsinki-y> a ckg:Practice ; ckg:city <https://w3id.org/citykg/id/city/stockholm> .
            <https://w3id.org/citykg/id/strategy/helsinki-s> a ckg:Strategy ."#;
        assert_eq!(run(bad).len(), 8, "{:?}", run(bad));
    }

    #[test]
    fn exchange_resources_follow_the_city_prefix_rule() {
        let ok = r#"@prefix ckg: <https://w3id.org/citykg/ontology#> .
            <https://w3id.org/citykg/id/transfer/helsinki-omastadi-from-barcelona> a ckg:Transfer ;
                ckg:fromCity <https://w3id.org/citykg/id/city/barcelona> ;
                ckg:toCity <https://w3id.org/citykg/id/city/helsinki> ;
                ckg:transferKind <https://w3id.org/citykg/id/transfer-kind/forked-software> ;
                ckg:fromPractice <https://w3id.org/citykg/id/practice/barcelona-decidim> .
            <https://w3id.org/citykg/id/funding/helsinki-hri-setup> a ckg:Cost .
            <https://w3id.org/citykg/id/lesson/helsinki-hri-clearinghouse> a ckg:LessonLearned .
            <https://w3id.org/citykg/id/geometry/helsinki> <http://p> "x" .
            <https://w3id.org/citykg/id/geometry/helsinki-kalasatama> <http://p> "x" .
            <https://w3id.org/citykg/id/practice/helsinki-x> a ckg:Practice ; ckg:city <https://w3id.org/citykg/id/city/helsinki> ;
                ckg:stage <https://w3id.org/citykg/id/stage/pilot> ."#;
        assert!(run(ok).is_empty(), "{:?}", run(ok));
        let bad = r#"@prefix ckg: <https://w3id.org/citykg/ontology#> .
            <https://w3id.org/citykg/id/transfer/gothenburg-congestion-tax-from-stockholm> <http://p> "x" .
            <https://w3id.org/citykg/id/funding/stockholm-growsmarter-eu> <http://p> "x" .
            <https://w3id.org/citykg/id/lesson/helsinkix> <http://p> "x" .
            <https://w3id.org/citykg/id/geometry/tallinn> <http://p> "x" .
            <https://w3id.org/citykg/id/stage/pilot> <http://p> "x" .
            <https://w3id.org/citykg/id/transfer-kind/adapted> <http://p> "x" .
            <https://w3id.org/citykg/id/transfer/helsinki-into-tallinn> ckg:toCity <https://w3id.org/citykg/id/city/tallinn> ."#;
        let refused = run(bad);
        assert_eq!(refused.len(), 7, "{refused:?}");
        assert!(refused.iter().any(|r| r.ends_with("/stage/pilot")));
    }

    #[test]
    fn shared_concepts_are_refused_with_a_reason() {
        let message = refusal(
            "https://w3id.org/citykg/id/transfer-kind/adapted",
            "helsinki",
            vocab::DEFAULT_BASE_IRI,
        )
        .unwrap_or_default();
        assert!(message.contains("shared"), "{message}");
        let message = refusal(
            "https://w3id.org/citykg/id/funding/stockholm-x",
            "helsinki",
            vocab::DEFAULT_BASE_IRI,
        )
        .unwrap_or_default();
        assert!(message.contains("\"helsinki-\""), "{message}");
    }
}
