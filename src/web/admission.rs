//! Who gets in when the server is busy: the bounded queue in front of the query slots (beyond
//! `--queue-depth` waiting requests, a 503 with `Retry-After` at once instead of a wait until the
//! deadline) and the optional per-client rate limit (`--rate-limit`, a token bucket per address,
//! 429 with `Retry-After`).

use super::SharedState;
use super::error::WebError;
use axum::extract::State;
use axum::extract::{ConnectInfo, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The query slots and the bounded queue in front of them.
pub struct SlotQueue {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    depth: usize,
}

/// Why no slot was given.
#[derive(Debug)]
pub enum NoSlot {
    /// `depth` requests already wait: refused at once.
    QueueFull { depth: usize },
    /// The deadline passed while waiting.
    Deadline,
    /// The semaphore was closed (shutting down).
    Closed,
}

/// Decrements the waiting count when the wait ends, however it ends (a client that goes away
/// drops the request future mid-wait).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SlotQueue {
    pub fn new(slots: Arc<Semaphore>, depth: usize) -> Self {
        Self {
            slots,
            waiting: AtomicUsize::new(0),
            depth,
        }
    }

    /// How many requests wait for a slot now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// A slot at once if one is free; else a place in the queue (if fewer than `depth` wait)
    /// until a slot frees or `deadline` passes.
    pub async fn acquire(&self, deadline: Instant) -> Result<OwnedSemaphorePermit, NoSlot> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        if before >= self.depth {
            return Err(NoSlot::QueueFull { depth: self.depth });
        }
        match tokio::time::timeout_at(deadline.into(), self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(NoSlot::Closed),
            Err(_) => Err(NoSlot::Deadline),
        }
    }
}

impl WebError {
    /// The 503 of a full queue: at once, with `Retry-After: 1`.
    pub fn busy(depth: usize) -> Self {
        WebError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "The server is busy: every query slot is taken and {depth} requests already wait for one. Try again in a second."
            ),
        )
        .with_header(header::RETRY_AFTER, "1")
    }
}

/// Per-client token buckets: `per_minute` requests a minute, in bursts of up to `per_minute`.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Above this many addresses, full buckets are forgotten (they would be full again anyway).
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client` at `now`: Ok, or the whole seconds until a token is back.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = match self.buckets.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled =
            bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = refilled.min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The client a request counts against: the peer address, or for a trusted proxy the last
/// address it put in `X-Forwarded-For`. None without connect info (in-process requests).
fn client_address(state: &SharedState, request: &Request) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()?
        .0
        .ip();
    if !state.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    Some(forwarded.unwrap_or(peer))
}

/// The rate-limit layer (only installed with `--rate-limit`): `/healthz` and the stylesheet are
/// not counted, so monitoring and page rendering do not eat a client's allowance.
pub async fn rate_limit(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = &state.rate_limit else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if path == "/healthz" || path.starts_with("/static/") {
        return next.run(request).await;
    }
    if let Some(client) = client_address(&state, &request)
        && let Err(seconds) = limiter.take(client, Instant::now())
    {
        return WebError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many requests from {client}: this endpoint allows {} a minute per client. Try again in {seconds} s.",
                limiter.per_minute
            ),
        )
        .with_header(header::RETRY_AFTER, &seconds.to_string())
        .into_response();
    }
    next.run(request).await
}

/// How many contributions are parsed and checked at once (each can take a few hundred MB while
/// SHACL runs); the others wait for a turn.
pub const CONTRIBUTIONS_AT_ONCE: usize = 2;
/// How long a contribution waits for its turn before a 503 with Retry-After.
const CONTRIBUTION_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A turn to check and commit one contribution: waits up to a minute behind the others, then
/// refuses with 503 and Retry-After (nothing was read into the store; the client sends it again).
pub async fn contribution_turn(
    turns: &Arc<Semaphore>,
) -> Result<tokio::sync::OwnedSemaphorePermit, WebError> {
    turn_within(turns, CONTRIBUTION_WAIT).await
}

async fn turn_within(
    turns: &Arc<Semaphore>,
    wait: std::time::Duration,
) -> Result<tokio::sync::OwnedSemaphorePermit, WebError> {
    match tokio::time::timeout(wait, turns.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(WebError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "Other contributions are being checked; nothing of yours was stored. Send it again in a minute.",
        )
        .with_header(axum::http::header::RETRY_AFTER, "30")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_empties_and_refills() {
        let limiter = RateLimiter::new(2);
        let now = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        assert!(limiter.take(a, now).is_ok());
        assert!(limiter.take(a, now).is_ok());
        assert_eq!(limiter.take(a, now), Err(30));
        assert!(
            limiter.take(b, now).is_ok(),
            "clients have their own bucket"
        );
        assert!(limiter.take(a, now + Duration::from_secs(30)).is_ok());
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        let queue = Arc::new(SlotQueue::new(Arc::new(Semaphore::new(1)), 1));
        let deadline = Instant::now() + Duration::from_secs(30);
        let held = queue.acquire(deadline).await.expect("the free slot");
        let waiter = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.acquire(deadline).await.map(drop) })
        };
        while queue.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            queue.acquire(deadline).await,
            Err(NoSlot::QueueFull { depth: 1 })
        ));
        assert_eq!(queue.waiting(), 1, "a refused request leaves the queue");
        drop(held);
        assert!(
            waiter.await.expect("join").is_ok(),
            "the waiter gets the slot"
        );
        assert_eq!(queue.waiting(), 0);
    }

    #[test]
    fn a_contribution_waits_for_a_turn_then_is_refused() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let turns = Arc::new(Semaphore::new(1));
            let first = turn_within(&turns, std::time::Duration::from_millis(50)).await;
            assert!(first.is_ok(), "a free turn is taken at once");
            let second = turn_within(&turns, std::time::Duration::from_millis(50)).await;
            let refused = second.expect_err("no second turn while the first is held");
            assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
            drop(first);
            assert!(
                turn_within(&turns, std::time::Duration::from_millis(50))
                    .await
                    .is_ok()
            );
        });
    }
}
