//! A runaway query is cancelled at the timeout and stops using CPU, while the server stays
//! responsive. (Its own test binary: it measures this process's CPU time, which other tests
//! running in parallel would disturb.)

mod common;

use common::*;
use std::time::{Duration, Instant};

#[test]
fn runaway_query_is_cancelled_while_health_stays_responsive() {
    let server = start_with(|c| c.query_timeout = Duration::from_secs(2));
    let runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }";
    let url = server.url("/sparql");
    let started = Instant::now();
    let query_thread = std::thread::spawn(move || {
        let r = client()
            .get(url)
            .query(&[("query", runaway)])
            .send()
            .expect("request");
        (
            r.status().as_u16(),
            r.text().unwrap_or_default(),
            Instant::now(),
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    let health_started = Instant::now();
    let health = client()
        .get(server.url("/healthz"))
        .send()
        .expect("healthz");
    let health_time = health_started.elapsed();
    assert_eq!(health.status(), 200);
    assert!(
        health_time < Duration::from_secs(1),
        "healthz took {health_time:?} while a query ran"
    );
    let (status, message, finished) = query_thread.join().expect("query thread");
    let took = finished - started;
    assert!(status == 503 || status == 500, "status {status}: {message}");
    assert!(message.contains("cancelled"), "{message}");
    assert!(took < Duration::from_secs(4), "answered after {took:?}");
    // The query stops using CPU: measure this process over one second after the answer.
    std::thread::sleep(Duration::from_millis(500));
    let before = process_cpu_seconds();
    std::thread::sleep(Duration::from_secs(1));
    let used = process_cpu_seconds() - before;
    assert!(
        used < 0.5,
        "the cancelled query still burns CPU: {used} s in 1 s"
    );
    let metrics = client()
        .get(server.url("/metrics"))
        .send()
        .expect("metrics")
        .text()
        .expect("text");
    assert!(
        metrics.contains("citykg_queries_cancelled_total 1"),
        "{metrics}"
    );
}
