//! The way data comes in: parse → validate against the SHACL shapes → ownership → provenance and
//! an atomic commit of a city's graph, with every version kept; plus contributor tokens and the CSV mapping.

pub mod contribution;
pub mod csv;
pub mod history;
pub mod ownership;
pub mod shacl;
pub mod tokens;
