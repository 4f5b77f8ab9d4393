//! citykg: a knowledge graph of smart-city practices, linked to the strategy goals they serve.
//! This crate holds everything the `citykg` binary does; `main.rs` only parses arguments.

pub mod cli; // the CLI verbs other than `serve`: query, load, dump, backup, validate, contribute, token, export-csv
pub mod error; // the library's error type
pub mod generate; // a deterministic synthetic network of cities, for scale tests and benchmarks
pub mod ingest; // the contribution pipeline: parse, ownership and SHACL, history, commit, refresh; CSV; tokens
pub mod logging; // log lines to stderr, batched by a background thread for the server
pub mod queries; // the catalogue of research queries in `queries/`
pub mod search; // full-text search: the tantivy index built from SPARQL, rebuilt per data version
pub mod slug; // the one slug rule of identifiers, tokens and contribution paths
pub mod sparql; // SPARQL execution: formats, cancellation, streaming, federation
pub mod store; // the Backend seam over the on-disk Oxigraph store, bundle loading, derived data
pub mod vocab; // every namespace, ontology term and graph IRI used in code; the label order
pub mod web; // the HTTP server: routes, pages/ (HTML), api/ (machine endpoints), shared leaves
