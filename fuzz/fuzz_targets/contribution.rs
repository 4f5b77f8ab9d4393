//! Every RDF contribution format through the ingest pipeline: the first byte picks Turtle,
//! JSON-LD, N-Triples, RDF/XML or TriG, the rest is the upload.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

const FORMATS: [&str; 5] = ["turtle", "jsonld", "ntriples", "rdfxml", "trig"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    common::contribute(body, FORMATS[usize::from(pick) % FORMATS.len()]);
});
