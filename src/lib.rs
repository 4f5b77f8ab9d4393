//! citykg: a knowledge graph of smart-city practices, linked to the strategy goals they serve.
//! This crate holds everything the `citykg` binary does; `main.rs` only parses arguments.

pub mod cli; // the CLI verbs other than `serve`: query, load, dump
pub mod error; // the library's error type
pub mod generate; // a deterministic synthetic network of cities, for scale tests and benchmarks
pub mod ingest; // parse and SHACL-validate incoming data
pub mod logging; // log lines to stderr, batched by a background thread for the server
pub mod queries; // the catalogue of research queries in `queries/`
pub mod search; // full-text search: the tantivy index built from SPARQL, rebuilt per data version
pub mod sparql; // SPARQL execution: formats, cancellation, streaming, federation
pub mod store; // the Backend seam over the on-disk Oxigraph store, and the bundled data
pub mod vocab; // IRIs of the ontology terms and graphs used in code
pub mod web; // the HTTP server: SPARQL protocol, service description, VoID, dumps, health
