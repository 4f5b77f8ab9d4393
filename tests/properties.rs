//! Property tests over seeded random inputs, in place of `cargo fuzz` (see bench/README.md for why
//! it does not run here): every contribution format through the ingest pipeline's parse and
//! checks, the CSV mapping, content negotiation and Accept-Language, and page and SPARQL
//! parameters. Nothing may panic, and no answer may be a 5xx. `PROPERTY_SEED` repeats a run,
//! `PROPERTY_CASES` (default 300 per target) makes it longer.

mod common;

use citykg::ingest::contribution::{Contributions, InputFormat};
use citykg::store::Backend;
use common::*;
use oxigraph::io::RdfFormat;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn seed_and_cases() -> (u64, usize) {
    let seed = std::env::var("PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        })
        | 1;
    let cases = std::env::var("PROPERTY_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    eprintln!("PROPERTY_SEED={seed} PROPERTY_CASES={cases}");
    (seed, cases)
}

/// Mutates `input`: flips, inserts, deletes and duplicates bytes and splices in tokens that parsers
/// treat specially.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"\"",
        b"<",
        b">",
        b"@prefix",
        b"[",
        b"]",
        b"(",
        b")",
        b";",
        b",",
        b".",
        b"_:b",
        b"\\u0000",
        b"\\U0010FFFF",
        b"\xff",
        b"\xc3",
        b"\n",
        b"\r\n",
        b"{",
        b"}",
        b"\"@id\"",
        b"\"@context\"",
        b"<!ENTITY",
        b"<rdf:RDF>",
        b"&amp;",
        b"^^",
        b"@en",
        b"#",
        b"'''",
        b"\"\"\"",
    ];
    let mut out = input.to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = rng.pick(TOKENS);
                out.splice(at..at, token.iter().copied());
            }
            2 if !out.is_empty() => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 if !out.is_empty() => {
                let end = (at + rng.below(256)).min(out.len());
                let piece: Vec<u8> = out[at.min(end)..end].to_vec();
                out.splice(at.min(end)..at.min(end), piece);
            }
            _ => out.truncate(at),
        }
    }
    out
}

fn convert(turtle: &[u8], format: RdfFormat) -> Vec<u8> {
    let mut serializer = oxigraph::io::RdfSerializer::from_format(format).for_writer(Vec::new());
    for quad in oxigraph::io::RdfParser::from_format(RdfFormat::Turtle).for_slice(turtle) {
        serializer
            .serialize_quad(&quad.expect("valid fixture"))
            .expect("serialise");
    }
    serializer.finish().expect("finish")
}

#[test]
fn the_ingest_pipeline_takes_any_bytes_in_every_format_without_panicking() {
    let (seed, cases) = seed_and_cases();
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("tmp");
    let backend = Backend::in_memory().expect("store");
    let contributions = Contributions::new(
        backend,
        &repo_root(),
        dir.path(),
        citykg::vocab::DEFAULT_BASE_IRI,
    )
    .expect("pipeline");
    let turtle = std::fs::read(repo_root().join("tests/fixtures/contrib/helsinki-small.ttl"))
        .expect("fixture");
    let csv = b"name,description,sdg,theme\nOpen data portal,Data for all,11,open-data\n\"Quoted, name\",\"multi\nline\",9;11,mobility\n".to_vec();
    let seeds: Vec<(InputFormat, Vec<u8>)> = vec![
        (InputFormat::Rdf(RdfFormat::Turtle), turtle.clone()),
        (
            InputFormat::Rdf(RdfFormat::NTriples),
            convert(&turtle, RdfFormat::NTriples),
        ),
        (
            InputFormat::Rdf(RdfFormat::RdfXml),
            convert(&turtle, RdfFormat::RdfXml),
        ),
        (
            InputFormat::Rdf(RdfFormat::JsonLd {
                profile: Default::default(),
            }),
            convert(
                &turtle,
                RdfFormat::JsonLd {
                    profile: Default::default(),
                },
            ),
        ),
        (
            InputFormat::Rdf(RdfFormat::TriG),
            convert(&turtle, RdfFormat::TriG),
        ),
        (InputFormat::Csv, csv),
    ];
    let mut outcomes = [0usize; 2];
    for case in 0..cases * seeds.len() {
        let (format, input) = &seeds[case % seeds.len()];
        let body = mutate(&mut rng, input);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            contributions
                .parse("helsinki", "fuzz", &body, *format)
                .and_then(|triples| contributions.check("helsinki", &triples).map(drop))
        }));
        match result {
            Ok(Ok(())) => outcomes[0] += 1,
            Ok(Err(error)) => {
                assert!(!error.to_string().is_empty(), "an error without a message");
                outcomes[1] += 1;
            }
            Err(_) => panic!(
                "seed {seed}, case {case}: the pipeline panicked on {format:?} input {:?}",
                String::from_utf8_lossy(&body)
            ),
        }
    }
    eprintln!(
        "parsed and checked: {}, refused: {}",
        outcomes[0], outcomes[1]
    );
}

#[test]
fn negotiation_languages_and_parameters_never_answer_5xx() {
    let (seed, cases) = seed_and_cases();
    let mut rng = Rng(seed);
    let app = TestApp::new();
    const MEDIA: &[&str] = &[
        "text/html",
        "application/json",
        "text/turtle",
        "application/ld+json",
        "*/*",
        "text/*",
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "application/n-triples",
        "application/rdf+xml",
        "image/png",
        "",
        ";",
        "q=",
        "*/html",
    ];
    const PARAMS: &[&str] = &[
        "q", "lang", "city", "page", "format", "output", "query", "x", "", "=",
    ];
    const VALUES: &[&str] = &[
        "",
        "0",
        "-1",
        "99999999999999999999",
        "sv",
        "en",
        "xx",
        "%FF",
        "%",
        "%2",
        "+",
        "&",
        "stockholm",
        "helsinki",
        "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
        "ASK {}",
        "json",
        "html",
        "\u{0}",
        "%00",
        "<script>",
        "..%2F",
        "tr%C3%A4ngselskatt",
        "a*",
        "\"",
        "(",
        "NOT",
    ];
    const PATHS: &[&str] = &[
        "/",
        "/search",
        "/compare",
        "/sparql",
        "/queries",
        "/ontology",
        "/contribute",
        "/id/city/stockholm",
        "/id/practice/stockholm-congestion-tax",
        "/sdg/11",
        "/sdg/99",
        "/id/goal/x",
        "/.well-known/void",
        "/api/contributions/helsinki",
    ];
    for case in 0..cases {
        let mut accept = String::new();
        for i in 0..=rng.below(4) {
            if i > 0 {
                accept.push_str(rng.pick(&[",", ", ", ",,", ";"]));
            }
            accept.push_str(rng.pick(MEDIA));
            if rng.below(2) == 0 {
                accept.push_str(rng.pick(&[
                    ";q=0.5",
                    ";q=1",
                    ";q=0",
                    ";q=x",
                    ";q=-3",
                    ";charset=utf-8",
                    ";q=",
                ]));
            }
        }
        let mut language = String::new();
        for i in 0..=rng.below(3) {
            if i > 0 {
                language.push(',');
            }
            language.push_str(rng.pick(&[
                "sv",
                "en",
                "sv-SE",
                "en-GB",
                "*",
                "",
                "x-klingon",
                "sv;q=0.1",
                "en;q=abc",
                ";",
            ]));
        }
        let mut query = String::new();
        for i in 0..rng.below(4) {
            if i > 0 {
                query.push('&');
            }
            query.push_str(rng.pick(PARAMS));
            query.push('=');
            let value: String =
                form_urlencoded::byte_serialize(rng.pick(VALUES).as_bytes()).collect();
            // Raw values too, percent signs and all.
            query.push_str(if rng.below(3) == 0 {
                rng.pick(VALUES)
            } else {
                &value
            });
        }
        let path = rng.pick(PATHS);
        let uri = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        // A URI or header the HTTP layer would refuse never reaches the server.
        if axum::http::Uri::try_from(uri.as_str()).is_err()
            || axum::http::HeaderValue::from_str(&accept).is_err()
            || axum::http::HeaderValue::from_str(&language).is_err()
        {
            continue;
        }
        let (status, _, body) = app.get(
            &uri,
            &[
                ("accept", accept.as_str()),
                ("accept-language", language.as_str()),
            ],
        );
        assert!(
            status < 500,
            "seed {seed}, case {case}: GET {uri} Accept: {accept:?} Accept-Language: {language:?} answered {status}: {body}"
        );
    }
}
