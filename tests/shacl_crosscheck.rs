//! Cross-checks citykg's SHACL validation (rudof's engine) against pySHACL on the shapes and on a
//! set of valid and invalid files: the same verdict and the same focus nodes for every file.
//! pySHACL comes from a virtualenv that `scripts/setup-deps.sh` makes in target/pyshacl-venv.

mod common;

use citykg::ingest::shacl::Validator;
use citykg::store::load::parse_all;
use common::repo_root;
use oxigraph::io::RdfFormat;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

fn python() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("PYSHACL_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let venv = repo_root().join("target/pyshacl-venv/bin/python");
    venv.exists().then_some(venv)
}

/// Every fixture case, the contribution fixture and every bundled data file.
fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["tests/fixtures/shapes", "tests/fixtures/contrib", "data"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(repo_root().join(dir))
            .expect("fixtures")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "ttl"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

#[test]
fn rudof_and_pyshacl_agree_on_verdicts_and_focus_nodes() {
    let Some(python) = python() else {
        assert!(
            std::env::var("CI").is_err(),
            "pySHACL is required in CI: run scripts/setup-deps.sh"
        );
        eprintln!("skipped: no pySHACL (run scripts/setup-deps.sh to make target/pyshacl-venv)");
        return;
    };
    let root = repo_root();
    let validator = Validator::from_bundle(&root).expect("validator");
    // The shared graphs, as pySHACL will see them beside each file.
    let dir = tempfile::tempdir().expect("tmp");
    let shared_path = dir.path().join("shared.nt");
    let mut shared = String::new();
    for name in ["citykg.ttl", "themes.ttl", "sdg.ttl"] {
        let path = root.join("ontology").join(name);
        let text = std::fs::read_to_string(&path).expect("ontology file");
        for quad in parse_all(name, text.as_bytes(), RdfFormat::Turtle, None, None).expect("parse")
        {
            shared.push_str(&oxigraph::model::Triple::from(quad).to_string());
            shared.push_str(" .\n");
        }
    }
    std::fs::write(&shared_path, shared).expect("write");

    let files = files();
    let output = Command::new(&python)
        .arg(root.join("tests/pyshacl_check.py"))
        .arg(root.join("ontology/shapes.ttl"))
        .arg(&shared_path)
        .args(&files)
        .output()
        .expect("run pySHACL");
    assert!(
        output.status.success(),
        "pySHACL failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("pySHACL JSON");

    let mut disagreements = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let quads =
            parse_all("case", text.as_bytes(), RdfFormat::Turtle, None, None).expect("parse");
        let report = validator.validate(&quads).expect("validate");
        let ours: BTreeSet<String> = report
            .results
            .iter()
            .filter(|r| !r.focus_node.starts_with("_:"))
            .map(|r| r.focus_node.clone())
            .collect();
        let key = file.display().to_string();
        let their = &theirs[&key];
        let their_focus: BTreeSet<String> = their["focus"]
            .as_array()
            .expect("focus")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        if report.conforms {
            valid += 1;
        } else {
            invalid += 1;
        }
        if their["conforms"].as_bool() != Some(report.conforms) || their_focus != ours {
            disagreements.push(format!(
                "{key}: citykg conforms={} focus={ours:?}; pySHACL conforms={} focus={their_focus:?}",
                report.conforms, their["conforms"]
            ));
        }
    }
    eprintln!(
        "{} files cross-checked: {valid} valid, {invalid} invalid",
        files.len()
    );
    assert!(invalid >= 40 && valid >= 15, "the set holds both kinds");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
