//! One all-or-nothing change of the data, described as data: the graphs to empty, the `meta`
//! statements to drop, the quads to add and the new data version. Each backend applies it its way.

use crate::vocab;
use oxigraph::model::{NamedNode, Quad};

/// What a commit does, in this order: empty `clear`, drop the `meta` statements of each
/// `(subject, predicate)` in `drop_meta`, add `insert`, set the data version to `version`.
/// A reader sees either none of it or all of it.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub clear: Vec<NamedNode>,
    pub drop_meta: Vec<(NamedNode, NamedNode)>,
    pub insert: Vec<Quad>,
    pub version: Option<String>,
}

impl Change {
    /// The `meta` graph's IRI.
    pub fn meta() -> NamedNode {
        NamedNode::new_unchecked(vocab::graph::META)
    }

    /// The subject and predicate of the data version statement.
    pub fn version_statement() -> (NamedNode, NamedNode) {
        (
            NamedNode::new_unchecked(vocab::BUNDLE_RECORD),
            NamedNode::new_unchecked(vocab::DATA_VERSION),
        )
    }
}
