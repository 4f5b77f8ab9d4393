//! The CSV contribution template's mapping to triples, then ownership and SHACL.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::contribute(data, "csv");
});
