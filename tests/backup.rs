//! Backups and the secrets beside the store (issue 15): `citykg restore` brings back the store,
//! the tokens and the contribution history that `citykg backup` took, refuses to replace a store
//! without `--force` and never one a server has open; the token file and the history are readable
//! by their owner only; a token never comes back in an answer or a log line.

mod common;

use citykg::ingest::tokens::TokenStore;
use common::{ServeProcess as Server, client, repo_root, serve_process};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn citykg(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citykg"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("run citykg")
}

fn small() -> Vec<u8> {
    std::fs::read(repo_root().join("tests/fixtures/contrib/helsinki-small.ttl")).expect("fixture")
}

fn put(server: &Server, token: &str, body: Vec<u8>) -> (u16, String) {
    let response = client()
        .put(format!("{}/api/contributions/helsinki", server.base))
        .bearer_auth(token)
        .header("Content-Type", "text/turtle")
        .body(body)
        .send()
        .expect("request");
    (
        response.status().as_u16(),
        response.text().unwrap_or_default(),
    )
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// Every file under `dir` (relative path → bytes), the store's own files left out.
fn private_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let tokens = dir.join("tokens.json");
    if tokens.is_file() {
        out.push(("tokens.json".into(), std::fs::read(&tokens).expect("read")));
    }
    let history = dir.join("contributions");
    let mut stack = vec![history.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string();
                out.push((name, std::fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

fn dump(data_dir: &Path) -> Vec<String> {
    let output = citykg(&["dump"], data_dir);
    assert!(output.status.success(), "{output:?}");
    let mut lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

#[test]
fn restore_brings_back_store_tokens_and_history_and_refuses_to_clobber() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("store");
    let token = TokenStore::new(&data).add("helsinki").expect("token").1;
    {
        let server = serve_process(&data, Some(&dir.path().join("serve.log")));
        let (status, answer) = put(&server, &token, small());
        assert_eq!(status, 201, "{answer}");
    }
    // Owner-only secrets.
    assert_eq!(mode(&data.join("tokens.json")), 0o600);
    assert_eq!(mode(&data.join("contributions")), 0o700);
    assert_eq!(mode(&data.join("contributions/helsinki")), 0o700);
    for entry in std::fs::read_dir(data.join("contributions/helsinki")).expect("history") {
        let path = entry.expect("entry").path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    let before_dump = dump(&data);
    let before_files = private_files(&data);
    assert!(
        before_files.len() >= 2,
        "tokens and one version: {before_files:?}"
    );
    let backup = dir.path().join("backup");
    let output = citykg(&["backup", backup.to_str().expect("utf-8")], &data);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        private_files(&backup),
        before_files,
        "the backup holds tokens and history"
    );
    assert_eq!(mode(&backup.join("tokens.json")), 0o600);
    assert_eq!(mode(&backup.join("contributions")), 0o700);

    // Into a new data dir: no --force needed.
    let fresh = dir.path().join("fresh");
    let output = citykg(&["restore", backup.to_str().expect("utf-8")], &fresh);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(dump(&fresh), before_dump);
    assert_eq!(private_files(&fresh), before_files);
    assert_eq!(mode(&fresh.join("tokens.json")), 0o600);

    // Over an existing store: refused without --force, and nothing changes.
    std::fs::write(data.join("marker"), b"still here").expect("marker");
    let output = citykg(&["restore", backup.to_str().expect("utf-8")], &data);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(
        data.join("marker").exists(),
        "a refused restore changed the data dir"
    );

    // Not while a server has the store open, even with --force.
    {
        let _server = serve_process(&data, Some(&dir.path().join("serve2.log")));
        let output = citykg(
            &["restore", backup.to_str().expect("utf-8"), "--force"],
            &data,
        );
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("in use by process"), "{stderr}");
        assert!(data.join("marker").exists());
    }

    // With --force and the server stopped: the backup's state, the marker gone.
    let output = citykg(
        &["restore", backup.to_str().expect("utf-8"), "--force"],
        &data,
    );
    assert!(output.status.success(), "{output:?}");
    assert!(!data.join("marker").exists());
    assert_eq!(dump(&data), before_dump);
    assert_eq!(private_files(&data), before_files);

    // Not a backup: refused with what was wrong.
    let output = citykg(&["restore", dir.path().to_str().expect("utf-8")], &fresh);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a citykg backup"));

    // The restored store serves, and the restored token still writes.
    let server = serve_process(&data, Some(&dir.path().join("serve3.log")));
    let (status, answer) = put(&server, &token, small());
    assert!(status == 200 || status == 201, "{status}: {answer}");
}

#[test]
fn a_token_is_never_echoed_in_an_answer_or_the_log() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("store");
    let helsinki = TokenStore::new(&data).add("helsinki").expect("token").1;
    let stockholm = TokenStore::new(&data).add("stockholm").expect("token").1;
    let secret_of = |token: &str| token.rsplit('_').next().unwrap_or(token).to_owned();
    let forged = format!("{}x", &helsinki[..helsinki.len() - 1]);
    let garbage = "not-a-citykg-token-SECRETVALUE123456";
    let server = serve_process(&data, Some(&dir.path().join("serve.log")));
    let mut answers = Vec::new();
    for token in [&helsinki, &stockholm, &forged, &garbage.to_owned()] {
        // Valid, wrong city, wrong secret, malformed; with good and bad bodies.
        answers.push(put(&server, token, small()));
        answers.push(put(&server, token, b"@prefix broken".to_vec()));
        let response = client()
            .post(format!("{}/sparql", server.base))
            .bearer_auth(token)
            .header("Content-Type", "application/sparql-update")
            .body("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
            .send()
            .expect("update");
        answers.push((
            response.status().as_u16(),
            response.text().unwrap_or_default(),
        ));
        let response = client()
            .delete(format!("{}/api/contributions/helsinki", server.base))
            .bearer_auth(token)
            .send()
            .expect("retract");
        answers.push((
            response.status().as_u16(),
            response.text().unwrap_or_default(),
        ));
    }
    // Let the batched log reach the file, then stop the server.
    std::thread::sleep(Duration::from_millis(500));
    let log_path = server.log.clone().expect("a log");
    drop(server);
    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(log.contains("citykg"), "the log was written: {log}");
    for token in [&helsinki, &stockholm, &forged] {
        let secret = secret_of(token);
        for (status, body) in &answers {
            assert!(!body.contains(&secret), "{status} echoes a token: {body}");
        }
        assert!(!log.contains(&secret), "the log holds a token");
    }
    for (status, body) in &answers {
        assert!(
            !body.contains("SECRETVALUE"),
            "{status} echoes the bearer value: {body}"
        );
    }
    assert!(
        !log.contains("SECRETVALUE"),
        "the log holds the bearer value"
    );
}
