//! The pages in a real headless browser (Debian's `chromium`): each loads without a single console
//! message (the pages need no script, so any message — an error, a failed load — is a defect), and a
//! screenshot of each is saved under target/screenshots/ for review.
//!
//! Mandatory in CI (`.ci/run` installs chromium and sets CI=true); elsewhere the test is skipped with
//! a notice when chromium is missing (`./scripts/setup-deps.sh --browser` installs it).

mod common;

use common::*;
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

/// axe-core's WCAG 2.1 A and AA rules, in the same headless Chromium, on the finder and the practice
/// page (the pages issue 14 reworked so far) in both languages at 1280 and 390 px, and no sideways
/// scrolling. The other page kinds are not in the list yet: their known violations (the home chart's
/// links inside `role="img"`, contrast) are the rest of issue 14.
#[test]
fn finder_and_practice_pages_pass_axe_at_1280_and_390_px() {
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
    let urls: Vec<String> = [
        "/practices?lang=en",
        "/practices?theme=open-data&measured=1&lang=en",
        "/practices?country=nordic&from=2016&sort=year&lang=sv",
        "/practices?q=fibre&lang=sv",
        "/id/practice/stockholm-congestion-tax?lang=en",
        "/id/practice/stockholm-congestion-tax?lang=sv",
    ]
    .iter()
    .map(|p| server.url(p))
    .collect();
    let output = Command::new("node")
        .arg(repo_root().join("tests/axe/run.mjs"))
        .args(&urls)
        .env("AXE_DIR", &axe_dir)
        .env("CHROMIUM", chromium().unwrap_or("/usr/bin/chromium"))
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "axe found violations:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
