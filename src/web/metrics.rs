//! Request metrics in the Prometheus text format, and the middleware that records them and logs
//! one line per request.

use super::SharedState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    total: u64,
}

/// What is counted for one route.
#[derive(Default)]
struct RouteStats {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram,
}

/// Counters shared by all requests: one lock per request, no allocation once a route is known.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<String, RouteStats>>,
    cancelled: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    not_modified: AtomicU64,
    refused: AtomicU64,
}

impl Metrics {
    /// Counts a query stopped by its deadline or by a client that went away.
    pub fn query_cancelled(&self) {
        self.cancelled.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request refused at once because the queue for query slots was full.
    pub fn request_refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    pub fn refused_count(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    pub fn cancelled_count(&self) -> u64 {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Counts an answer served from the in-process cache (`web/caching.rs`).
    pub fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a cacheable request that the in-process cache did not hold.
    pub fn cache_miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a 304 Not Modified.
    pub fn cache_not_modified(&self) {
        self.not_modified.fetch_add(1, Ordering::Relaxed);
    }

    fn record(&self, route: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let stats = match routes.get_mut(route) {
            Some(stats) => stats,
            None => routes.entry(route.to_owned()).or_default(),
        };
        *stats.statuses.entry(status).or_default() += 1;
        let histogram = &mut stats.latency;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                histogram.counts[i] += 1;
            }
        }
        histogram.sum += seconds;
        histogram.total += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        out.push_str("# HELP citykg_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE citykg_http_requests_total counter\n");
        let Ok(routes) = self.routes.lock() else {
            return out;
        };
        for (route, stats) in routes.iter() {
            for (status, count) in &stats.statuses {
                let _ = writeln!(
                    out,
                    "citykg_http_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP citykg_http_request_duration_seconds Time to the response head, by route.\n",
        );
        out.push_str("# TYPE citykg_http_request_duration_seconds histogram\n");
        {
            for (route, stats) in routes.iter() {
                let h = &stats.latency;
                let route = escape(route);
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "citykg_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "citykg_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.total
                );
                let _ = writeln!(
                    out,
                    "citykg_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "citykg_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.total
                );
            }
        }
        out.push_str("# HELP citykg_queries_cancelled_total Queries stopped by the timeout or a client that went away.\n");
        out.push_str("# TYPE citykg_queries_cancelled_total counter\n");
        let _ = writeln!(
            out,
            "citykg_queries_cancelled_total {}",
            self.cancelled_count()
        );
        for (name, help, counter) in [
            (
                "citykg_cache_hits_total",
                "Answers served from the in-process cache.",
                &self.cache_hits,
            ),
            (
                "citykg_cache_misses_total",
                "Cacheable requests the in-process cache did not hold.",
                &self.cache_misses,
            ),
            (
                "citykg_http_not_modified_total",
                "304 Not Modified answers to If-None-Match.",
                &self.not_modified,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        out.push_str("# HELP citykg_requests_refused_total Requests answered 503 at once: the queue for query slots was full.\n");
        out.push_str("# TYPE citykg_requests_refused_total counter\n");
        let _ = writeln!(
            out,
            "citykg_requests_refused_total {}",
            self.refused_count()
        );
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: one log line and one metrics record per request.
pub async fn track(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let mut pending = Pending {
        state,
        started: Instant::now(),
        method: request.method().clone(),
        path: request.uri().path().to_owned(),
        route: request
            .extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_else(|| "unmatched".to_owned()),
        answered: false,
    };
    let response = next.run(request).await;
    pending.answered = true;
    pending.count(response.status().as_u16(), "");
    response
}

/// A request being answered. Dropped unanswered — the client went away before the answer was
/// ready, and the handler was dropped with it — it is counted and logged with status 499
/// (nginx's "client closed request"), so no request goes unrecorded.
struct Pending {
    state: SharedState,
    started: Instant,
    method: axum::http::Method,
    path: String,
    route: String,
    answered: bool,
}

impl Pending {
    fn count(&self, status: u16, note: &str) {
        let elapsed = self.started.elapsed();
        self.state
            .metrics
            .record(&self.route, status, elapsed.as_secs_f64());
        tracing::info!(
            target: "citykg::request",
            "{} {} {status} {:.1}ms{note}",
            self.method,
            self.path,
            elapsed.as_secs_f64() * 1000.0
        );
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.answered {
            self.count(499, " (the client went away)");
        }
    }
}
