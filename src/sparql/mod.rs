//! SPARQL execution shared by the HTTP endpoint and the CLI: result formats and content
//! negotiation, cancellable evaluation over the union default graph, streaming serialisation,
//! and the federation allow-list.

pub mod exec;
pub mod federation;
pub mod formats;
