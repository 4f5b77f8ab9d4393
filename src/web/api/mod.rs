//! Machine endpoints: the SPARQL protocol, the contribution API, the service description and
//! VoID, the dumps, the health and metrics endpoints, and the static files pages link to. They
//! answer in plain text, JSON or the file's own type.

pub mod contributions;
pub mod dump;
pub mod health;
pub mod service;
pub mod sparql;
