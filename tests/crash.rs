//! A contribution killed mid-write (kill -9 of the real `citykg serve` process) leaves the old
//! version or the new one after a restart, never a mix: graph, version record and history agree.

mod common;

use citykg::ingest::tokens::TokenStore;
use common::{client, repo_root};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
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

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data_dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_citykg"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .arg("--bundle-dir")
        .arg(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start citykg serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let base = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|host| format!("http://{host}"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    Server { child, base }
}

/// A valid Helsinki dataset with `n` generated practices (plus the small fixture).
fn dataset(n: usize, tag: &str) -> String {
    let mut text =
        std::fs::read_to_string(repo_root().join("tests/fixtures/contrib/helsinki-small.ttl"))
            .expect("fixture");
    for i in 0..n {
        text.push_str(&format!(
            "practice:helsinki-bulk-{i} a ckg:Practice ; schema:name \"Bulk practice {i} ({tag})\"@en ;
             dcterms:description \"Generated for the crash test.\"@en ; ckg:city city:helsinki ;
             ckg:servesGoal sdg:11 ; dcterms:subject theme:open-data ;
             prov:wasDerivedFrom source:joinup-ec-europa-eu-collection-open-source-observatory-osor-news-finland-fifth-a .\n"
        ));
    }
    text
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
        let server = serve(&data_dir);
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

        let server = serve(&data_dir);
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
    let server = serve(&data_dir);
    let response = client()
        .put(format!("{}/api/contributions/helsinki", server.base))
        .bearer_auth(&token)
        .header("Content-Type", "text/turtle")
        .body(dataset(10, "final"))
        .send()
        .expect("final put");
    assert_eq!(response.status(), 201);
}
