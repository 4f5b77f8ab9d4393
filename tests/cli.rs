//! The `citykg` binary's verbs: load, query, dump, backup, token, validate, contribute,
//! export-csv and --help.

use std::process::Command;

fn citykg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_citykg"))
}

#[test]
fn every_verb_has_help() {
    for verb in [
        "serve",
        "query",
        "load",
        "dump",
        "backup",
        "validate",
        "contribute",
        "token",
        "export-csv",
    ] {
        let out = citykg().args([verb, "--help"]).output().expect("run");
        assert!(out.status.success(), "{verb} --help");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: citykg"), "{verb}: {text}");
    }
    let out = citykg().args(["serve", "--help"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--data-dir",
        "--bind",
        "--base-iri",
        "--query-timeout",
        "--update-token-file",
        "--federate-allow",
    ] {
        assert!(text.contains(flag), "serve --help lists {flag}");
    }
}

#[test]
fn load_query_and_dump_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let file = dir.path().join("cities.ttl");
    std::fs::write(
        &file,
        "@prefix schema: <https://schema.org/> .\n<http://example.org/a> schema:name \"Alpha\" .\n<http://example.org/b> schema:name \"Beta\" .\n",
    )
    .expect("write");
    let out = citykg()
        .args(["load", "--graph", "http://example.org/g", "--data-dir"])
        .arg(&store)
        .arg(&file)
        .output()
        .expect("load");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 quads"), "{stderr}");
    assert!(stderr.contains("quads/s"), "{stderr}");

    let query = "SELECT ?name WHERE { ?s <https://schema.org/name> ?name } ORDER BY ?name";
    let out = citykg()
        .args(["query", query, "--format", "csv", "--data-dir"])
        .arg(&store)
        .output()
        .expect("query");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .collect::<Vec<_>>(),
        vec!["name", "Alpha", "Beta"]
    );
    let out = citykg()
        .args(["query", query, "--data-dir"])
        .arg(&store)
        .output()
        .expect("query");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("Alpha") && table.contains("(2 rows)"),
        "{table}"
    );
    let out = citykg()
        .args(["query", query, "--format", "json", "--data-dir"])
        .arg(&store)
        .output()
        .expect("query");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["results"]["bindings"][1]["name"]["value"], "Beta");

    let out = citykg()
        .args(["dump", "--data-dir"])
        .arg(&store)
        .output()
        .expect("dump");
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(
        dump.contains(
            "<http://example.org/a> <https://schema.org/name> \"Alpha\" <http://example.org/g> ."
        ),
        "{dump}"
    );

    // A broken file: the error names file, line and column, and nothing of it is loaded.
    let broken = dir.path().join("broken.nt");
    std::fs::write(
        &broken,
        "<http://example.org/c> <https://schema.org/name> \"Gamma\" .\n<http://example.org/d> <https://schema.org/name> \"Delta .\n",
    )
    .expect("write");
    let out = citykg()
        .args(["load", "--data-dir"])
        .arg(&store)
        .arg(&broken)
        .output()
        .expect("load");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.nt:2:"), "{stderr}");
    let out = citykg()
        .args([
            "query",
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }",
            "--format",
            "csv",
            "--data-dir",
        ])
        .arg(&store)
        .output()
        .expect("query");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().nth(1),
        Some("2")
    );

    let backup = dir.path().join("backup");
    let out = citykg()
        .args(["backup", "--data-dir"])
        .arg(&store)
        .arg(&backup)
        .output()
        .expect("backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(backup.is_dir());
}

#[test]
fn a_syntax_error_in_a_query_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = citykg()
        .args(["query", "SELECT ?x WHERE {", "--data-dir"])
        .arg(dir.path().join("store"))
        .output()
        .expect("query");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid SPARQL query"));
}

#[test]
fn tokens_validate_contribute_and_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |args: &[&str]| {
        citykg()
            .args(args)
            .arg("--data-dir")
            .arg(&store)
            .output()
            .expect("run")
    };
    // token add prints the token once, as its last line; list never shows it.
    let out = run(&["token", "add", "--city", "helsinki"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout.lines().last().expect("token line").to_owned();
    assert!(token.starts_with("ckg_"), "{stdout}");
    let id = token.split('_').nth(1).expect("id").to_owned();
    let listed = String::from_utf8_lossy(&run(&["token", "list"]).stdout).into_owned();
    assert!(listed.contains(&id) && listed.contains("helsinki") && listed.contains("active"));
    assert!(!listed.contains(&token));
    assert!(run(&["token", "revoke", &id]).status.success());
    let listed = String::from_utf8_lossy(&run(&["token", "list"]).stdout).into_owned();
    assert!(listed.contains("revoked"));

    // validate: exit 0 for a valid file, 1 for another city's data.
    let fixture = root.join("tests/fixtures/contrib/helsinki-small.ttl");
    let validate = |city: &str| {
        citykg()
            .args(["validate", "--city", city])
            .arg(&fixture)
            .output()
            .expect("validate")
    };
    assert!(validate("helsinki").status.success());
    let out = validate("stockholm");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("problem(s) found"));

    // contribute into the local store, then export the city's practices as CSV.
    let out = citykg()
        .args(["contribute", "--city", "helsinki", "--data-dir"])
        .arg(&store)
        .arg(&fixture)
        .output()
        .expect("contribute");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Stored as version 1 of helsinki"));
    let out = run(&["export-csv", "--city", "helsinki"]);
    assert!(out.status.success());
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with("practice_id,"));
    assert!(csv.contains("helsinki-region-infoshare-test"));
    assert_eq!(
        csv.lines().count(),
        2,
        "one practice after the contribution: {csv}"
    );
}
