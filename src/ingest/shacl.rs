//! SHACL validation with the rudof project's `shacl` engine: the shapes of `ontology/shapes.ttl`,
//! checked against a dataset together with the shared graphs (ontology, themes, SDGs), so that
//! references to goals, themes and SDGs resolve. Reports say which node broke which rule and why.

use crate::error::{Error, Result};
use crate::store::load::parse_all;
use oxigraph::io::RdfFormat;
use oxigraph::model::{NamedOrBlankNode, Quad, Term, Triple};
use rudof_rdf::rdf_core::RDFFormat;
use rudof_rdf::rdf_impl::{OxigraphInMemory, ReaderMode};
use serde::Serialize;
use shacl::ir::IRSchema;
use shacl::rdf::ShaclParser;
use shacl::validator::processor::{GraphValidation, ShaclProcessor};
use shacl::validator::store::Graph;
use shacl::validator::{ShaclConfig, ShaclValidationMode};
use std::collections::HashMap;
use std::path::Path;

const SH_MESSAGE: &str = "http://www.w3.org/ns/shacl#message";

/// One validation result, as a data steward reads it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Violation {
    /// The resource that breaks the rule.
    pub focus_node: String,
    /// The property concerned, when the rule is about one.
    pub path: Option<String>,
    /// The SHACL constraint component (e.g. `sh:MinCountConstraintComponent`).
    pub constraint: String,
    /// The offending value, when there is one.
    pub value: Option<String>,
    /// The shape the rule comes from.
    pub source_shape: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The outcome of validating one dataset.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub conforms: bool,
    pub results: Vec<Violation>,
}

/// Compiled shapes plus the shared graphs every dataset is validated together with.
pub struct Validator {
    schema: IRSchema,
    messages: HashMap<String, String>,
    shared: Vec<Triple>,
}

fn strip_brackets(s: String) -> String {
    s.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .map(str::to_owned)
        .unwrap_or(s)
}

impl Validator {
    /// Compiles `shapes` (Turtle) and keeps `shared` (the ontology, themes and SDG graphs).
    pub fn new(shapes: &str, shapes_origin: &str, shared: Vec<Triple>) -> Result<Self> {
        let graph =
            OxigraphInMemory::from_str(shapes, &RDFFormat::Turtle, None, &ReaderMode::Strict)
                .map_err(|e| Error::Invalid(format!("{shapes_origin}: {e}")))?;
        let schema = ShaclParser::new(graph)
            .parse()
            .map_err(|e| Error::Invalid(format!("{shapes_origin}: not valid SHACL: {e}")))?;
        let schema: IRSchema = schema.try_into().map_err(|e| {
            Error::Invalid(format!("{shapes_origin}: cannot compile the shapes: {e}"))
        })?;
        // Our own messages, by shape IRI: the engine does not always carry sh:message through.
        let mut messages = HashMap::new();
        for quad in parse_all(
            shapes_origin,
            shapes.as_bytes(),
            RdfFormat::Turtle,
            None,
            None,
        )? {
            if quad.predicate.as_str() == SH_MESSAGE
                && let (NamedOrBlankNode::NamedNode(shape), Term::Literal(message)) =
                    (&quad.subject, &quad.object)
            {
                messages.insert(shape.as_str().to_owned(), message.value().to_owned());
            }
        }
        Ok(Self {
            schema,
            messages,
            shared,
        })
    }

    /// Loads the shapes and shared graphs from a bundle directory (`ontology/…`).
    pub fn from_bundle(root: &Path) -> Result<Self> {
        let ontology = root.join("ontology");
        let read = |name: &str| {
            let path = ontology.join(name);
            std::fs::read_to_string(&path)
                .map_err(|e| Error::io(path.display(), e))
                .map(|text| (path.display().to_string(), text))
        };
        let mut shared = Vec::new();
        for name in ["citykg.ttl", "themes.ttl", "sdg.ttl"] {
            let (origin, text) = read(name)?;
            shared.extend(
                parse_all(&origin, text.as_bytes(), RdfFormat::Turtle, None, None)?
                    .into_iter()
                    .map(Triple::from),
            );
        }
        let (origin, shapes) = read("shapes.ttl")?;
        Self::new(&shapes, &origin, shared)
    }

    /// Validates `data` (with the shared graphs) and returns the report.
    pub fn validate(&self, data: &[Quad]) -> Result<Report> {
        let mut text = String::new();
        for triple in self.shared.iter() {
            text.push_str(&triple.to_string());
            text.push_str(" .\n");
        }
        for quad in data {
            text.push_str(&Triple::from(quad.clone()).to_string());
            text.push_str(" .\n");
        }
        let graph =
            OxigraphInMemory::from_str(&text, &RDFFormat::NTriples, None, &ReaderMode::Strict)
                .map_err(|e| {
                    Error::Invalid(format!("cannot prepare the data for validation: {e}"))
                })?;
        let mut validation = GraphValidation::new(Graph::from(graph));
        let report = validation
            .validate(
                &self.schema,
                &ShaclValidationMode::Native,
                &ShaclConfig::default(),
            )
            .map_err(|e| Error::Invalid(format!("validation failed: {e}")))?;
        let mut results: Vec<Violation> = report
            .results()
            .iter()
            .map(|r| {
                let source_shape = r.source().map(|s| strip_brackets(s.to_string()));
                let own = source_shape
                    .as_ref()
                    .and_then(|s| self.messages.get(s))
                    .cloned();
                let engine = r.message().to_string();
                Violation {
                    focus_node: strip_brackets(r.focus_node().to_string()),
                    path: r.path().map(|p| strip_brackets(p.to_string())),
                    constraint: strip_brackets(r.constraint_component().to_string()),
                    value: r.value().map(|v| strip_brackets(v.to_string())),
                    source_shape,
                    message: own.unwrap_or(engine),
                }
            })
            .collect();
        results.sort_by(|a, b| {
            (&a.focus_node, &a.source_shape).cmp(&(&b.focus_node, &b.source_shape))
        });
        results.dedup();
        Ok(Report {
            conforms: report.conforms(),
            results,
        })
    }
}

/// A term from the text a report carries: an IRI, a blank node, a literal in N-Triples syntax,
/// or failing those the text itself as a plain literal.
fn report_term(text: &str) -> Term {
    use std::str::FromStr;
    if let Some(label) = text.strip_prefix("_:")
        && let Ok(b) = oxigraph::model::BlankNode::new(label)
    {
        return b.into();
    }
    if let Ok(n) = oxigraph::model::NamedNode::new(text) {
        return n.into();
    }
    Term::from_str(text)
        .unwrap_or_else(|_| oxigraph::model::Literal::new_simple_literal(text).into())
}

/// The report as a standard `sh:ValidationReport` in Turtle.
pub fn report_turtle(report: &Report) -> Result<String> {
    use oxigraph::io::RdfSerializer;
    use oxigraph::model::{BlankNode, Literal, NamedNode, TripleRef};
    const SH: &str = "http://www.w3.org/ns/shacl#";
    let sh = |local: &str| NamedNode::new_unchecked(format!("{SH}{local}"));
    let mut triples = Vec::new();
    let root = BlankNode::default();
    let rdf_type = oxigraph::model::vocab::rdf::TYPE.into_owned();
    triples.push(Triple::new(
        root.clone(),
        rdf_type.clone(),
        sh("ValidationReport"),
    ));
    triples.push(Triple::new(
        root.clone(),
        sh("conforms"),
        Literal::from(report.conforms),
    ));
    for v in &report.results {
        let r = BlankNode::default();
        triples.push(Triple::new(root.clone(), sh("result"), r.clone()));
        triples.push(Triple::new(
            r.clone(),
            rdf_type.clone(),
            sh("ValidationResult"),
        ));
        triples.push(Triple::new(
            r.clone(),
            sh("resultSeverity"),
            sh("Violation"),
        ));
        triples.push(Triple::new(
            r.clone(),
            sh("focusNode"),
            report_term(&v.focus_node),
        ));
        if let Some(path) = &v.path {
            triples.push(Triple::new(r.clone(), sh("resultPath"), report_term(path)));
        }
        if let Some(value) = &v.value {
            triples.push(Triple::new(r.clone(), sh("value"), report_term(value)));
        }
        if let Some(shape) = &v.source_shape {
            triples.push(Triple::new(
                r.clone(),
                sh("sourceShape"),
                report_term(shape),
            ));
        }
        let component = if v.constraint.starts_with("http") {
            report_term(&v.constraint)
        } else {
            Literal::new_simple_literal(&v.constraint).into()
        };
        if let Term::NamedNode(n) = component {
            triples.push(Triple::new(r.clone(), sh("sourceConstraintComponent"), n));
        }
        triples.push(Triple::new(
            r.clone(),
            sh("resultMessage"),
            Literal::new_simple_literal(&v.message),
        ));
    }
    let mut serializer = RdfSerializer::from_format(RdfFormat::Turtle)
        .with_prefix("sh", SH)
        .map_err(|e| Error::Invalid(e.to_string()))?
        .for_writer(Vec::new());
    for t in &triples {
        serializer
            .serialize_triple(TripleRef::from(t))
            .map_err(|e| Error::io("report", e))?;
    }
    let bytes = serializer.finish().map_err(|e| Error::io("report", e))?;
    String::from_utf8(bytes).map_err(|e| Error::Invalid(e.to_string()))
}
