//! Machine endpoints: the SPARQL protocol, the contribution API, the service description and
//! VoID, the dumps and the health and metrics endpoints. They answer in plain text or JSON.

pub mod contributions;
pub mod dump;
pub mod health;
pub mod service;
pub mod sparql;
