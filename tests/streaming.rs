//! A million-row SELECT streams: the client reads every row while the server's memory stays flat.
//! (Its own test binary, so no other test disturbs the memory figures.)

mod common;

use common::*;
use std::io::Read;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_million_row_result_streams() {
    let server = start();
    let digits = "VALUES ?d {0 1 2 3 4 5 6 7 8 9}";
    let query = format!(
        "SELECT ?a ?b ?c ?d ?e ?f WHERE {{ {} {} {} {} {} {} }}",
        digits.replace("?d", "?a"),
        digits.replace("?d", "?b"),
        digits.replace("?d", "?c"),
        digits,
        digits.replace("?d", "?e"),
        digits.replace("?d", "?f"),
    );
    let before = peak_rss_kib();
    let mut response = client()
        .get(server.url("/sparql"))
        .query(&[("query", query.as_str())])
        .header("Accept", "text/tab-separated-values")
        .send()
        .expect("request");
    assert_eq!(response.status(), 200);
    let mut lines = 0u64;
    let mut bytes = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = response.read(&mut buffer).expect("a complete body");
        if n == 0 {
            break;
        }
        bytes += n as u64;
        lines += buffer[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    let grown_mib = peak_rss_kib().saturating_sub(before) / 1024;
    assert_eq!(lines, 1_000_001, "a header line and a million rows");
    assert!(bytes > 10_000_000, "{bytes} bytes");
    // Held whole, a million solutions of six terms take several hundred MiB.
    assert!(
        grown_mib < 100,
        "peak memory grew by {grown_mib} MiB while streaming a million rows"
    );
}
