//! Store work off the async threads, one way: [`run`] waits for a query slot (in the bounded queue
//! of `admission.rs`: refused at once when it is full) and stops the work at
//! the deadline or when the client goes away; [`without_deadline`] is for work that must finish
//! once started (a contribution's commit) or must not queue behind queries (health); [`stream`]
//! and [`answer_query`] send a query's output through a bounded channel, so memory stays flat.

use super::SharedState;
use super::admission::NoSlot;
use super::error::WebError;
use crate::error::{Error, Result};
use crate::sparql::exec::{QueryRequest, write_results};
use crate::sparql::formats::OutputFormat;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use oxigraph::sparql::CancellationToken;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tokio::sync::mpsc;

const CHUNK: usize = 64 * 1024;

/// The cancellation of one piece of store work: its token is cancelled, the cancellation counted
/// in `citykg_queries_cancelled_total` and logged at most once, whether at the deadline or because
/// the client went away; and not counted once the work has finished.
struct Watch {
    token: CancellationToken,
    state: SharedState,
    finished: AtomicBool,
    counted: AtomicBool,
}

impl Watch {
    fn new(state: &SharedState) -> Arc<Self> {
        Arc::new(Self {
            token: CancellationToken::new(),
            state: state.clone(),
            finished: AtomicBool::new(false),
            counted: AtomicBool::new(false),
        })
    }

    fn cancel(&self, why: &str) {
        if !self.finished.load(Ordering::SeqCst) && !self.counted.swap(true, Ordering::SeqCst) {
            self.state.metrics.query_cancelled();
            tracing::info!(target: "citykg::query", "a query was cancelled: {why}");
        }
        self.token.cancel();
    }

    fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
    }

    fn is_finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }

    fn deadline_reached(&self) {
        let secs = self.state.query_timeout.as_secs();
        self.cancel(&format!("it did not finish within the {secs} s limit"));
    }
}

/// Cancels unfinished work when dropped: held by the request future and then by the response
/// body, so a client that disconnects stops (and is counted for) the work it started.
struct CancelOnDrop(Arc<Watch>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.0.is_finished() {
            self.0.cancel("the client went away");
        }
    }
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A `Write` that sends 64 KiB chunks to the response body. A dropped receiver (client gone)
/// turns into a BrokenPipe error and cancels the work.
pub struct ChannelWriter {
    buffer: Vec<u8>,
    sender: mpsc::Sender<Result<Bytes, Error>>,
    watch: Arc<Watch>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            self.watch.cancel("the client went away");
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    /// Result serializers write a JSON or XML string one character at a time: this stays inline.
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match buf {
            [byte] => self.buffer.push(*byte),
            _ => self.buffer.extend_from_slice(buf),
        }
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Waits for a query slot, then runs `work` on a blocking thread with a cancellation token that
/// fires at the deadline. Answers 503 at the deadline even if the work is still winding down.
pub async fn run<T: Send + 'static>(
    state: &SharedState,
    work: impl FnOnce(CancellationToken) -> Result<T> + Send + 'static,
) -> Result<T, WebError> {
    let timeout_secs = state.query_timeout.as_secs();
    run_with_deadline(state, work)
        .await?
        .map_err(|e| WebError::from_library(e, timeout_secs))
}

/// Runs `work` on a blocking thread with no slot and no deadline: for work that must finish once
/// it has started (a contribution that has begun committing; stopping it would tell the client it
/// failed while it landed) and for short work that must not queue behind queries (`/healthz`).
pub async fn without_deadline<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T, WebError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(WebError::from),
        Err(join) => Err(WebError::internal(format!("the task failed: {join}"))),
    }
}

/// The outer error is a refusal before any work (a full queue); the inner one the work's own.
async fn run_with_deadline<T: Send + 'static>(
    state: &SharedState,
    work: impl FnOnce(CancellationToken) -> Result<T> + Send + 'static,
) -> Result<Result<T>, WebError> {
    let deadline = Instant::now() + state.query_timeout;
    let watch = Watch::new(state);
    let guard = CancelOnDrop(watch.clone());
    let permit = match state.queue.acquire(deadline).await {
        Ok(permit) => permit,
        Err(NoSlot::QueueFull { depth }) => {
            watch.finish();
            state.metrics.request_refused();
            return Err(WebError::busy(depth));
        }
        Err(NoSlot::Closed) => {
            return Ok(Err(Error::Invalid("the server is shutting down".into())));
        }
        Err(NoSlot::Deadline) => {
            watch.cancel("no query slot became free before the deadline");
            return Ok(Err(Error::Cancelled(
                "no free query slot before the deadline".into(),
            )));
        }
    };
    let task_token = watch.token.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(task_token)
    });
    let result = match tokio::time::timeout_at(deadline.into(), task).await {
        Ok(Ok(result)) => {
            watch.finish();
            result
        }
        Ok(Err(join)) => {
            watch.finish();
            Err(Error::Evaluation(format!("the query task failed: {join}")))
        }
        Err(_) => {
            watch.deadline_reached();
            Err(Error::Cancelled("deadline reached".into()))
        }
    };
    drop(guard);
    Ok(result)
}

/// Runs `produce` on a blocking thread (bounded pool, deadline, cancellation) and streams what
/// it writes as the response body with `content_type`. An error before the first byte becomes an
/// error status; an error later aborts the body, so the client sees a broken transfer, never a
/// truncated result that looks complete.
pub async fn stream(
    state: &SharedState,
    content_type: &'static str,
    extra_headers: Vec<(header::HeaderName, HeaderValue)>,
    produce: impl FnOnce(CancellationToken, &mut ChannelWriter) -> Result<()> + Send + 'static,
) -> Response {
    let timeout_secs = state.query_timeout.as_secs();
    let deadline = Instant::now() + state.query_timeout;
    let watch = Watch::new(state);
    let guard = CancelOnDrop(watch.clone());
    let permit = match state.queue.acquire(deadline).await {
        Ok(permit) => permit,
        Err(NoSlot::QueueFull { depth }) => {
            watch.finish();
            state.metrics.request_refused();
            return WebError::busy(depth).into_response();
        }
        Err(NoSlot::Deadline | NoSlot::Closed) => {
            watch.cancel("no query slot became free before the deadline");
            return WebError::cancelled(timeout_secs).into_response();
        }
    };
    let (sender, mut receiver) = mpsc::channel::<Result<Bytes, Error>>(8);
    let task_watch = watch.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut writer = ChannelWriter {
            buffer: Vec::with_capacity(CHUNK),
            sender: sender.clone(),
            watch: task_watch.clone(),
        };
        let outcome = produce(task_watch.token.clone(), &mut writer);
        // All output is produced: what is left is handing over the last chunk.
        task_watch.finish();
        let outcome = outcome.and_then(|()| {
            writer
                .send()
                .map_err(|_| Error::Cancelled("the client went away".into()))
        });
        if let Err(error) = outcome {
            let _ = sender.blocking_send(Err(error));
        }
    });
    let first = match tokio::time::timeout_at(deadline.into(), receiver.recv()).await {
        Ok(Some(Ok(bytes))) => Some(bytes),
        Ok(Some(Err(error))) => {
            return WebError::from_library(error, timeout_secs).into_response();
        }
        Ok(None) => None,
        Err(_) => {
            watch.deadline_reached();
            return WebError::cancelled(timeout_secs).into_response();
        }
    };
    if watch.is_finished() {
        // Everything was produced already: collect the rest (at most one more chunk is on its
        // way) and answer in one piece with a Content-Length, or with an error status.
        let mut body = first.map(|b| b.to_vec()).unwrap_or_default();
        while let Some(item) = receiver.recv().await {
            match item {
                Ok(bytes) => body.extend_from_slice(&bytes),
                Err(error) => return WebError::from_library(error, timeout_secs).into_response(),
            }
        }
        drop(guard);
        let mut response = Response::new(Body::from(body));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        for (name, value) in extra_headers {
            response.headers_mut().insert(name, value);
        }
        return response;
    }
    // Still producing: the deadline also covers streaming, so a timer cancels the work.
    let timer_watch = watch.clone();
    let timer = AbortOnDrop(tokio::spawn(async move {
        tokio::time::sleep_until(deadline.into()).await;
        if !timer_watch.is_finished() {
            timer_watch.deadline_reached();
        }
    }));
    let rest = tokio_stream::wrappers::ReceiverStream::new(receiver)
        .map(|item| item.map_err(|e| std::io::Error::other(e.to_string())));
    let body = futures::stream::iter(first.map(Ok::<Bytes, std::io::Error>))
        .chain(rest)
        .map(move |item| {
            // Keep the guard and the timer alive as long as the body is being sent.
            let _ = (&guard, &timer);
            item
        });
    let mut response = Response::new(Body::from_stream(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    for (name, value) in extra_headers {
        response.headers_mut().insert(name, value);
    }
    response
}

/// The largest answer a lookup may produce inline; a larger one is produced again, streamed.
const INLINE_LIMIT: usize = 256 * 1024;

/// A `Write` into memory that refuses to grow past [`INLINE_LIMIT`]; `overflowed` says so after
/// the serializer has dropped it.
struct CappedWriter<'a> {
    buffer: Vec<u8>,
    overflowed: &'a std::cell::Cell<bool>,
}

impl Write for CappedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    /// Result serializers write a JSON or XML string one character at a time: this stays inline
    /// (it was a quarter of a lookup's instructions as a chain of calls).
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.buffer.len() + buf.len() > INLINE_LIMIT {
            self.overflowed.set(true);
            return Err(std::io::Error::other("too large to answer inline"));
        }
        match buf {
            [byte] => self.buffer.push(*byte),
            _ => self.buffer.extend_from_slice(buf),
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Answers a lookup (see [`QueryRequest::is_lookup`]) on the current thread, without handing it
/// to the blocking pool: two thread wake-ups fewer per request, which is most of the cost of a
/// sub-millisecond query (bench/README.md). Only when a query slot is free at once; None means
/// "use the streaming path" (no slot, or an answer larger than [`INLINE_LIMIT`]).
fn answer_inline(
    state: &SharedState,
    request: &QueryRequest,
    format: OutputFormat,
) -> Option<Response> {
    let _permit = state.slots.clone().try_acquire_owned().ok()?;
    let overflowed = std::cell::Cell::new(false);
    let writer = CappedWriter {
        buffer: Vec::with_capacity(4096),
        overflowed: &overflowed,
    };
    let outcome = request
        .evaluate(&state.backend, &state.federation, CancellationToken::new())
        .and_then(|results| write_results(results, format, writer));
    match outcome {
        Ok(writer) => {
            let mut response = Response::new(Body::from(writer.buffer));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            headers.insert(header::VARY, HeaderValue::from_static("Accept"));
            Some(response)
        }
        Err(_) if overflowed.get() => None,
        Err(error) => {
            Some(WebError::from_library(error, state.query_timeout.as_secs()).into_response())
        }
    }
}

/// Evaluates a parsed query and answers with its results in `format`: inline when it is a lookup
/// and a slot is free at once, streamed otherwise (slot, deadline, cancellation as [`stream`]).
pub async fn answer_query(
    state: &SharedState,
    request: QueryRequest,
    format: OutputFormat,
) -> Response {
    if request.is_lookup()
        && let Some(response) = answer_inline(state, &request, format)
    {
        return response;
    }
    let backend = state.backend.clone();
    let federation = state.federation.clone();
    stream(
        state,
        format.content_type(),
        vec![(header::VARY, HeaderValue::from_static("Accept"))],
        move |token, writer| {
            let results = request.evaluate(&backend, &federation, token)?;
            write_results(results, format, writer).map(drop)
        },
    )
    .await
}
