//! A contribution killed mid-write (kill -9 of the real `citykg serve` process) leaves the old
//! version or the new one after a restart, never a mix: graph, version record and history agree.
//! Five chosen kill points, then a seeded random run (`CRASH_SEED`, `CRASH_KILLS`, 50 by default)
//! across contributions, retractions and token changes, checking after every restart that each
//! listed version is whole, the graph is the current one, and derived data and search agree.

mod common;

use citykg::ingest::tokens::TokenStore;
use common::{ServeProcess as Server, client};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GRAPH: &str = "https://w3id.org/citykg/graph/helsinki";
/// Generated practices per upload: enough for the pipeline to take a while.
const PRACTICES: usize = 1500;

#[derive(Debug)]
enum Kill {
    After(u64),
    FileWritten,
    VersionListed,
}

fn dataset(n: usize, tag: &str) -> String {
    common::helsinki_dataset(n, tag)
}

/// (triples in the city's graph, practices named with `tag`, the current version and its triple count).
fn state(server: &Server, tag: &str) -> (u64, u64, Option<u64>, Option<u64>) {
    let query = format!(
        "SELECT (COUNT(*) AS ?n) (SUM(IF(CONTAINS(STR(?o), \"({tag})\"), 1, 0)) AS ?tagged) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    );
    let results: Value = client()
        .get(format!("{}/sparql", server.base))
        .query(&[("query", query.as_str())])
        .header("Accept", "application/sparql-results+json")
        .send()
        .expect("query")
        .json()
        .expect("json");
    let get = |v: &str| {
        results["results"]["bindings"][0][v]["value"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let versions: Value = client()
        .get(format!("{}/api/contributions/helsinki", server.base))
        .send()
        .expect("versions")
        .json()
        .expect("json");
    let current = versions["current"].as_u64();
    let current_triples = versions["versions"]
        .as_array()
        .and_then(|v| v.last())
        .and_then(|v| v["triples"].as_u64());
    (get("n"), get("tagged"), current, current_triples)
}

#[test]
fn kill_9_during_a_contribution_leaves_old_or_new_never_a_mix() {
    let dir = tempfile::tempdir().expect("tmp");
    let data_dir = dir.path().join("store");
    let token = TokenStore::new(&data_dir).add("helsinki").expect("token").1;
    let history = data_dir.join("contributions/helsinki");
    let mut outcomes = Vec::new();
    // Kill points: after fixed delays that fall before and during the pipeline's work; as soon as
    // the version file is on disk (the commit follows it); as soon as the new version is listed
    // (the commit is done; the derived graph is still being computed).
    let kill_points = [
        Kill::After(0),
        Kill::After(200),
        Kill::FileWritten,
        Kill::VersionListed,
        Kill::After(600),
    ];
    for (trial, kill_point) in kill_points.iter().enumerate() {
        let server = common::serve_process(&data_dir, None);
        let before = state(&server, "none");
        let tag = format!("trial {trial}");
        let body = dataset(PRACTICES + trial, &tag);
        let expected_version = before.2.map_or(1, |v| v + 1);
        let version_file = history.join(format!("{expected_version:06}.nq"));
        let url = format!("{}/api/contributions/helsinki", server.base);
        let token_clone = token.clone();
        let request = std::thread::spawn(move || {
            client()
                .put(url)
                .bearer_auth(token_clone)
                .header("Content-Type", "text/turtle")
                .body(body)
                .send()
                .map(|r| r.status().as_u16())
        });
        let started = Instant::now();
        let deadline = Duration::from_secs(120);
        match kill_point {
            Kill::FileWritten => {
                while !version_file.exists() && started.elapsed() < deadline {
                    std::hint::spin_loop();
                }
            }
            Kill::VersionListed => {
                let mut listed = false;
                while !listed && started.elapsed() < deadline {
                    let v: Value = client()
                        .get(format!("{}/api/contributions/helsinki", server.base))
                        .send()
                        .and_then(|r| r.json())
                        .unwrap_or(Value::Null);
                    listed = v["current"].as_u64() == Some(expected_version);
                }
            }
            Kill::After(ms) => std::thread::sleep(Duration::from_millis(*ms)),
        }
        let mut server = server;
        server.child.kill().expect("kill -9"); // SIGKILL on Unix
        server.child.wait().expect("wait");
        let _ = request.join();

        let server = common::serve_process(&data_dir, None);
        let after = state(&server, &tag);
        let old = after.2 == before.2 && after.0 == before.0 && after.1 == 0;
        let new = after.2 == Some(expected_version)
            && after.3 == Some(after.0)
            && after.1 == (PRACTICES + trial) as u64;
        assert!(
            old ^ new,
            "trial {trial} (kill at {kill_point:?}): before {before:?}, after {after:?}: neither the old version nor the new one"
        );
        if matches!(kill_point, Kill::VersionListed) {
            assert!(new, "a version that was listed survives the crash");
        }
        outcomes.push((kill_point, if new { "new" } else { "old" }));
    }
    eprintln!("outcome per kill point: {outcomes:?}");
    // After the crashes the store still takes contributions.
    let server = common::serve_process(&data_dir, None);
    let response = client()
        .put(format!("{}/api/contributions/helsinki", server.base))
        .bearer_auth(&token)
        .header("Content-Type", "text/turtle")
        .body(dataset(10, "final"))
        .send()
        .expect("final put");
    assert_eq!(response.status(), 201);
}

/// A small seeded PRNG (xorshift64*), so a failing run repeats with its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn versions_json(server: &Server) -> Value {
    client()
        .get(format!("{}/api/contributions/helsinki", server.base))
        .send()
        .expect("versions")
        .json()
        .expect("json")
}

/// (version number, content hash) of every listed version.
fn listed(versions: &Value) -> Vec<(u64, String)> {
    versions["versions"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|v| {
                    (
                        v["version"].as_u64().unwrap_or(0),
                        v["content_hash"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn sparql_json(server: &Server, query: &str) -> Value {
    client()
        .get(format!("{}/sparql", server.base))
        .query(&[("query", query)])
        .header("Accept", "application/sparql-results+json")
        .send()
        .expect("query")
        .json()
        .expect("json")
}

/// The canonical hash of the city's graph as the server holds it now.
fn graph_hash(server: &Server) -> String {
    let body = client()
        .get(format!("{}/sparql", server.base))
        .query(&[(
            "query",
            format!("CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}").as_str(),
        )])
        .header("Accept", "application/n-triples")
        .send()
        .expect("construct")
        .bytes()
        .expect("body");
    let triples: Vec<oxigraph::model::Triple> =
        oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NTriples)
            .for_slice(&body)
            .map(|q| oxigraph::model::Triple::from(q.expect("valid N-Triples")))
            .collect();
    citykg::ingest::history::canonicalise(&triples)
        .expect("canonical")
        .sha256
}

/// What must hold after every restart; `committed` is what was listed before the operation and
/// `acknowledged` whether the server answered the operation with success before it was killed.
fn check_after_restart(
    server: &Server,
    data_dir: &Path,
    committed: &[(u64, String)],
    acknowledged: bool,
    tag: &str,
    what: &str,
) -> Vec<(u64, String)> {
    let health: Value = client()
        .get(format!("{}/healthz", server.base))
        .send()
        .expect("healthz")
        .json()
        .expect("json");
    let data_version = health["data_version"].as_str().unwrap_or("").to_owned();
    assert!(!data_version.is_empty(), "{what}: {health}");
    let versions = versions_json(server);
    let now = listed(&versions);
    // The history lists exactly the committed versions: the old ones, and at most the new one.
    // (The first contribution also lists the bundled data as version 0, the seed.)
    let added = if committed.is_empty() { 2 } else { 1 };
    assert!(
        now.len() == committed.len() || now.len() == committed.len() + added,
        "{what}: before {committed:?}, after {now:?}"
    );
    assert_eq!(
        &now[..committed.len()],
        committed,
        "{what}: history rewritten"
    );
    if acknowledged {
        assert_eq!(
            now.len(),
            committed.len() + added,
            "{what}: an acknowledged version was lost"
        );
    }
    for (i, (number, hash)) in now.iter().enumerate() {
        assert_eq!(
            *number, i as u64,
            "{what}: versions not consecutive: {now:?}"
        );
        let file = data_dir.join(format!("contributions/helsinki/{number:06}.nq"));
        if let Ok(bytes) = std::fs::read(&file) {
            use sha2::Digest;
            assert_eq!(
                &hex::encode(sha2::Sha256::digest(&bytes)),
                hash,
                "{what}: {file:?}"
            );
        }
    }
    // The city graph is one whole version: the current one.
    let current = versions["current"].as_u64();
    if let Some(current) = current {
        let hash = &now[current as usize].1;
        assert_eq!(
            &graph_hash(server),
            hash,
            "{what}: the graph is not version {current}"
        );
    }
    // Derived data and the search index were built from this data version.
    let derived = sparql_json(
        server,
        &format!(
            "SELECT ?v WHERE {{ GRAPH <https://w3id.org/citykg/graph/derived> {{ <https://w3id.org/citykg/graph/derived> <{}> ?v }} }}",
            citykg::vocab::DATA_VERSION
        ),
    );
    let derived_version = derived["results"]["bindings"][0]["v"]["value"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert_eq!(
        derived_version, data_version,
        "{what}: derived data is stale"
    );
    let search: Value = client()
        .get(format!("{}/search", server.base))
        .query(&[("q", tag), ("format", "json")])
        .send()
        .expect("search")
        .json()
        .expect("json");
    assert_eq!(
        search["data_version"].as_str(),
        Some(data_version.as_str()),
        "{what}: the search index is stale"
    );
    let tagged = sparql_json(
        server,
        &format!(
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), \"{tag}\")) }} }}"
        ),
    );
    let in_store: u64 = tagged["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let found = search["total"].as_u64().unwrap_or(0);
    assert_eq!(
        found > 0,
        in_store > 0,
        "{what}: search finds {found}, the store holds {in_store}"
    );
    now
}

/// SIGKILL at random moments of contributions, retractions and token changes (CRASH_KILLS
/// times, 50 by default; CRASH_SEED repeats a run), with the checks above after every restart.
#[test]
fn kill_9_at_random_moments_keeps_every_promise() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    let kills: usize = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    eprintln!("CRASH_SEED={seed} CRASH_KILLS={kills}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("tmp");
    let data_dir = dir.path().join("store");
    let token = TokenStore::new(&data_dir).add("helsinki").expect("token").1;
    let mut server = common::serve_process(&data_dir, None);
    let mut committed = listed(&versions_json(&server));
    let mut tally = std::collections::BTreeMap::<&str, usize>::new();
    for kill in 0..kills {
        let tag = format!("crashtag{kill}x{}", rng.below(1_000_000));
        let op = rng.below(10);
        let delay = Duration::from_millis(rng.below(1000));
        let what = format!("kill {kill} (seed {seed})");
        let acknowledged;
        if op < 7 {
            // A contribution (or, 2 in 10, a retraction) killed after `delay`.
            let retract = op >= 5;
            let url = format!("{}/api/contributions/helsinki", server.base);
            let token = token.clone();
            let body = dataset(rng.below(200) as usize, &tag);
            let request = std::thread::spawn(move || {
                let request = if retract {
                    client().delete(url).bearer_auth(token)
                } else {
                    client()
                        .put(url)
                        .bearer_auth(token)
                        .header("Content-Type", "text/turtle")
                        .body(body)
                };
                request
                    .send()
                    .map(|r| r.status().is_success())
                    .unwrap_or(false)
            });
            std::thread::sleep(delay);
            server.child.kill().expect("kill -9");
            server.child.wait().expect("wait");
            acknowledged = request.join().unwrap_or(false);
            *tally
                .entry(if retract {
                    "retraction"
                } else {
                    "contribution"
                })
                .or_default() += 1;
        } else {
            // A token change: `citykg token add` or `revoke`, itself killed after `delay / 10`.
            let store = TokenStore::new(&data_dir);
            let before = store.list().expect("token file readable").len();
            let mut command = Command::new(env!("CARGO_BIN_EXE_citykg"));
            command.arg("token");
            let revoke = op == 9 && before > 1;
            if revoke {
                let id = store.list().expect("tokens")[before - 1].id.clone();
                command.args(["revoke", &id]);
            } else {
                command.args(["add", "--city", "stockholm"]);
            }
            let mut child = command
                .arg("--data-dir")
                .arg(&data_dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("citykg token");
            std::thread::sleep(delay / 10);
            let _ = child.kill();
            let _ = child.wait();
            let after = store.list().expect("the token file survives a kill");
            assert!(
                after.len() == before || (!revoke && after.len() == before + 1),
                "{what}: {before} tokens before, {} after",
                after.len()
            );
            server.child.kill().expect("kill -9");
            server.child.wait().expect("wait");
            acknowledged = false;
            *tally.entry("token change").or_default() += 1;
        }
        server = common::serve_process(&data_dir, None);
        committed = check_after_restart(&server, &data_dir, &committed, acknowledged, &tag, &what);
        if (kill + 1) % 50 == 0 {
            // Progress of a long run (CRASH_KILLS=1000): how far it got, if it is stopped.
            eprintln!(
                "{} kills checked (seed {seed}), {} versions so far",
                kill + 1,
                committed.len()
            );
        }
    }
    eprintln!(
        "kills per operation: {tally:?}; versions at the end: {}",
        committed.len()
    );
}
