//! The way data comes in: parse → validate against the SHACL shapes → (later: provenance and an
//! atomic commit of a city's graph). Today it holds the validator that the bundle tests, the
//! `validate` verb and the contribution pipeline share.

pub mod shacl;
