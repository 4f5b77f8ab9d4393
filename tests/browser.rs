//! The pages in a real headless browser (Debian's `chromium`): each loads without a single console
//! message (the pages need no script, so any message — an error, a failed load — is a defect), and a
//! screenshot of each is saved under target/screenshots/ for review. Then axe-core checks every
//! page kind in both languages against WCAG 2.1 A and AA at 1280 and 390 px, with no sideways
//! scrolling and `lang` on every text in the other language (tests/axe/run.mjs).
//!
//! Mandatory in CI (`.ci/run` installs chromium and sets CI=true); elsewhere the test is skipped with
//! a notice when chromium is missing (`./scripts/setup-deps.sh --browser` installs it).

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

#[test]
fn pages_load_in_chromium_without_console_messages() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is required in CI: run ./scripts/setup-deps.sh --browser"
        );
        eprintln!(
            "skipped: chromium is not installed (./scripts/setup-deps.sh --browser installs it)"
        );
        return;
    };
    let server = start();
    let shots = repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    for (name, path) in [
        ("home", "/?lang=en"),
        ("home-sv", "/?lang=sv"),
        ("city", "/id/city/stockholm?lang=en"),
        (
            "goal",
            "/id/goal/stockholm-ecologically-sustainable?lang=en",
        ),
        (
            "goal-sv",
            "/id/goal/stockholm-ecologically-sustainable?lang=sv",
        ),
        ("practice", "/id/practice/stockholm-congestion-tax?lang=en"),
        (
            "practice-exchange",
            "/id/practice/stockholm-biochar-project?lang=sv",
        ),
        ("transfers", "/transfers?lang=en"),
        ("transfers-sv", "/transfers?lang=sv"),
        ("sdg", "/sdg/11?lang=en"),
        (
            "compare",
            "/compare?city=stockholm&city=helsinki&city=copenhagen&lang=en",
        ),
        (
            "sparql",
            "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%2010",
        ),
        ("not-found", "/id/practice/nothing-here"),
        ("contribute", "/contribute?lang=sv"),
        ("theme", "/id/theme/mobility?lang=sv"),
        ("search", "/search?q=fibre&lang=en"),
        ("search-sv", "/search?q=tr%C3%A4ngselskatt&lang=sv"),
        ("not-found-suggestions", "/id/practice/stokholm-fibre"),
        ("finder", "/practices?theme=open-data&measured=1&lang=en"),
        ("finder-sv", "/practices?country=nordic&from=2016&lang=sv"),
        // At a phone's width (names ending in -390).
        (
            "finder-390",
            "/practices?theme=open-data&measured=1&lang=en",
        ),
        (
            "practice-390",
            "/id/practice/stockholm-congestion-tax?lang=sv",
        ),
    ] {
        let profile = tempfile::tempdir().expect("profile dir");
        let shot = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&shot);
        let mut child = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(if name.ends_with("-390") {
                "--window-size=390,1800"
            } else {
                "--window-size=1280,1800"
            })
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(server.url(path))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start chromium");
        let started = std::time::Instant::now();
        while child.try_wait().expect("wait").is_none() {
            if started.elapsed() > Duration::from_secs(90) {
                let _ = child.kill();
                panic!("{name}: chromium did not finish");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let output = child.wait_with_output().expect("chromium output");
        let log = String::from_utf8_lossy(&output.stderr);
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(
            console.is_empty(),
            "{name} ({path}) logged to the console: {console:#?}"
        );
        let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 10_000,
            "{name}: no real screenshot ({size} bytes); chromium said:\n{log}"
        );
    }
}

/// Every page kind, in English and Swedish: axe-core's WCAG 2.1 A and AA rules in the same
/// headless Chromium at 1280 and 390 px, no sideways scrolling, and every text of the data in the
/// other language inside an element with that `lang` (tests/axe/run.mjs). Full-page screenshots
/// of the finder, the map and the charts at both widths go to target/screenshots/.
const AXE_PAGES: &[(&str, &str)] = &[
    ("home", "/"),
    ("city", "/id/city/stockholm"),
    ("goal", "/id/goal/stockholm-ecologically-sustainable"),
    ("practice", "/id/practice/stockholm-congestion-tax"),
    (
        "practice-exchange",
        "/id/practice/stockholm-biochar-project",
    ),
    ("sdg", "/sdg/11"),
    ("sdg-target", "/sdg/11.2"),
    ("theme", "/id/theme/mobility"),
    ("organisation", "/id/org/ibm"),
    (
        "source",
        "/id/source/wikisum-wiki-wiki-stockholm-congestion-tax",
    ),
    ("stage", "/id/stage/operational"),
    (
        "transfer",
        "/id/transfer/gothenburg-congestion-tax-from-stockholm",
    ),
    (
        "compare",
        "/compare?city=stockholm&city=helsinki&city=copenhagen",
    ),
    ("search", "/search?q=fibre"),
    (
        "sparql",
        "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%2010",
    ),
    ("queries", "/queries"),
    ("ontology", "/ontology"),
    ("contribute", "/contribute"),
    ("transfers", "/transfers"),
    ("dataset", "/.well-known/void"),
    ("finder", "/practices"),
    ("finder-open-data", "/practices?theme=open-data&measured=1"),
    (
        "finder-nordic",
        "/practices?country=nordic&from=2016&sort=year",
    ),
    ("finder-words", "/practices?q=fibre"),
];

/// The screenshots kept (page name, language): the finder and its map, and the charts.
const SHOTS: &[&str] = &["home", "city", "compare", "finder", "transfers"];

#[test]
fn every_page_kind_passes_axe_in_both_languages_at_1280_and_390_px() {
    let axe_dir = repo_root().join("target/axe");
    let ready = chromium().is_some()
        && axe_dir.join("node_modules/axe-core").is_dir()
        && axe_dir.join("node_modules/playwright-core").is_dir();
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium and target/axe are required in CI: run ./scripts/setup-deps.sh --browser"
        );
        eprintln!("skipped: run ./scripts/setup-deps.sh --browser for chromium and axe-core");
        return;
    }
    let server = start();
    // The data's texts by language; a text found in both languages, or also as a plain literal
    // (whose language the data does not say), cannot be told apart and is left out.
    let literals = select_json(
        &server,
        "SELECT DISTINCT ?o (lang(?o) AS ?l) WHERE { ?s ?p ?o FILTER(isLiteral(?o) && (lang(?o) IN (\"en\", \"sv\") || datatype(?o) = <http://www.w3.org/2001/XMLSchema#string>)) }",
    );
    let mut by_lang: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for b in literals["results"]["bindings"]
        .as_array()
        .expect("bindings")
    {
        let text = b["o"]["value"].as_str().unwrap_or_default();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let lang = b["l"]["value"].as_str().unwrap_or_default().to_owned();
        by_lang.entry(lang).or_default().insert(text);
    }
    let ambiguous: BTreeSet<String> = by_lang
        .values()
        .flat_map(|texts| texts.iter().cloned())
        .filter(|t| by_lang.values().filter(|texts| texts.contains(t)).count() > 1)
        .collect();
    let mut texts: serde_json::Map<String, serde_json::Value> = ["en", "sv"]
        .iter()
        .map(|l| {
            let list: Vec<&String> = by_lang
                .get(*l)
                .map(|t| t.iter().filter(|x| !ambiguous.contains(*x)).collect())
                .unwrap_or_default();
            ((*l).to_owned(), serde_json::json!(list))
        })
        .collect();
    let unknown: BTreeSet<&String> = ambiguous
        .iter()
        .chain(by_lang.get("").into_iter().flatten())
        .collect();
    texts.insert("unknown".into(), serde_json::json!(unknown));
    let texts = serde_json::Value::from(texts);
    assert!(
        texts["en"].as_array().map(Vec::len).unwrap_or(0) > 1000,
        "the data's English texts were not read"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let texts_file = dir.path().join("texts.json");
    std::fs::write(&texts_file, texts.to_string()).expect("write texts");
    let shots = repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let mut urls = Vec::new();
    let mut names = Vec::new();
    for (name, path) in AXE_PAGES {
        for lang in ["en", "sv"] {
            let sep = if path.contains('?') { '&' } else { '?' };
            urls.push(server.url(&format!("{path}{sep}lang={lang}")));
            names.push(if SHOTS.contains(name) {
                format!("{name}-{lang}")
            } else {
                String::new()
            });
        }
    }
    let output = Command::new("node")
        .arg(repo_root().join("tests/axe/run.mjs"))
        .args(&urls)
        .env("AXE_DIR", &axe_dir)
        .env("CHROMIUM", chromium().unwrap_or("/usr/bin/chromium"))
        .env("LANG_TEXTS", &texts_file)
        .env("SHOTS", &shots)
        .env("SHOT_NAMES", names.join(","))
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "axe, sideways scrolling or lang found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in SHOTS {
        for width in [1280, 390] {
            let shot = shots.join(format!("{name}-en-{width}.png"));
            let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
            assert!(size > 10_000, "no screenshot {}", shot.display());
        }
    }
}
