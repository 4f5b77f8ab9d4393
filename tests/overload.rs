//! Overload (issue 15): beyond the bounded queue in front of the query slots, a request gets a
//! 503 with `Retry-After` at once, not at the deadline, while `/healthz` keeps answering; with
//! `--rate-limit`, a client past its allowance gets a 429 with `Retry-After`.

mod common;

use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const RUNAWAY: &str = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }";

#[test]
fn beyond_the_queue_requests_are_refused_at_once_while_health_answers() {
    let server = start_with(|c| {
        c.query_slots = 1;
        c.queue_depth = Some(2);
        c.query_timeout = Duration::from_secs(8);
    });
    let runaway_done = Arc::new(AtomicBool::new(false));
    let runaway = {
        let url = server.url("/sparql");
        let done = runaway_done.clone();
        std::thread::spawn(move || {
            let status = client()
                .get(url)
                .query(&[("query", RUNAWAY)])
                .send()
                .map(|r| r.status().as_u16());
            done.store(true, Ordering::SeqCst);
            status
        })
    };
    // Let the runaway take the one slot (ordering only, no assertion on time).
    std::thread::sleep(Duration::from_millis(700));
    let others: Vec<_> = (0..8)
        .map(|i| {
            let url = server.url("/sparql");
            let done = runaway_done.clone();
            std::thread::spawn(move || {
                let query = format!("{RUNAWAY} # {i}");
                let response = client()
                    .get(url)
                    .query(&[("query", query.as_str())])
                    .send()
                    .expect("request");
                let while_runaway_ran = !done.load(Ordering::SeqCst);
                let status = response.status().as_u16();
                let retry = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = response.text().unwrap_or_default();
                (status, retry, body, while_runaway_ran)
            })
        })
        .collect();
    // The server still says how it is while the slot is taken and the queue full.
    let health = client()
        .get(server.url("/healthz"))
        .send()
        .expect("healthz");
    assert_eq!(health.status(), 200);
    assert!(
        !runaway_done.load(Ordering::SeqCst),
        "the runaway query ended before the test could look"
    );
    let answers: Vec<_> = others
        .into_iter()
        .map(|t| t.join().expect("client thread"))
        .collect();
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, retry, body, _)| {
            *status == 503 && retry.as_deref() == Some("1") && body.contains("busy")
        })
        .collect();
    assert!(
        refused.len() >= 6,
        "8 requests, 1 slot taken, a queue of 2: at least 6 refused, got {answers:?}"
    );
    assert!(
        refused.iter().all(|(_, _, _, early)| *early),
        "the refusals came only after the runaway query ended: {answers:?}"
    );
    for (status, _, body, _) in &answers {
        assert_eq!(*status, 503, "{body}");
    }
    assert_eq!(runaway.join().expect("runaway").expect("answer"), 503);
    let metrics = client()
        .get(server.url("/metrics"))
        .send()
        .expect("metrics")
        .text()
        .expect("text");
    let refused_total = metrics
        .lines()
        .find_map(|l| l.strip_prefix("citykg_requests_refused_total "))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .expect("citykg_requests_refused_total in /metrics");
    assert!(refused_total >= 6, "{metrics}");
}

#[test]
fn a_client_past_its_rate_limit_gets_429_with_retry_after() {
    let server = start_with(|c| c.rate_limit = Some(3));
    let ask = |accept: &str| {
        client()
            .get(server.url("/sparql"))
            .query(&[("query", "ASK {}")])
            .header("Accept", accept)
            .send()
            .expect("request")
    };
    for _ in 0..3 {
        assert_eq!(ask("application/sparql-results+json").status(), 200);
    }
    let limited = ask("application/sparql-results+json");
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body = limited.text().expect("body");
    assert!(body.contains("3 a minute"), "{body}");
    // Health checks are not counted against the client.
    let health = client()
        .get(server.url("/healthz"))
        .send()
        .expect("healthz");
    assert_eq!(health.status(), 200);
}
