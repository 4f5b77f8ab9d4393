//! One all-or-nothing change of the data, described as data: the graphs to empty, the `meta`
//! statements to drop, the quads to add and the new data version. Each backend applies it its way.

use crate::vocab;
use oxigraph::model::{NamedNode, Quad};

/// What a commit does, in this order: empty `clear`, drop the `meta` statements of each
/// `(subject, predicate)` in `drop_meta`, add `insert`, set the data version to `version`.
/// A reader sees either none of it or all of it. With `expect`, the change happens only if the
/// data version is still that one ("empty": none recorded); otherwise nothing changes and the
/// apply fails with [`Error::Conflict`](crate::error::Error::Conflict).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub clear: Vec<NamedNode>,
    pub drop_meta: Vec<(NamedNode, NamedNode)>,
    pub insert: Vec<Quad>,
    pub version: Option<String>,
    /// The data version the change was built on (needs `version`, which tells whether it landed).
    pub expect: Option<String>,
}

/// What [`data_version`](super::Backend::data_version) says when no version is recorded.
pub const NO_VERSION: &str = "empty";

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

    /// The error of a change whose `expect` no longer holds.
    pub fn conflict(expected: &str, found: &str) -> crate::error::Error {
        crate::error::Error::Conflict(format!(
            "the data changed while this change was being written (data version {found}, expected {expected}: \
             another node committed, or a commit sent by a node that stopped has landed since); \
             nothing was written, send it again"
        ))
    }
}
