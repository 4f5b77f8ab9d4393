//! HTTP caching keyed by the data version, as one layer over every route ([`layer`]): a strong
//! `ETag` (a hash of the data version and the request's variant: path, query, language, Accept,
//! host), `Cache-Control` and `Vary` (`Accept, Accept-Language` on pages, `Accept` on data) on
//! every cacheable GET; `304 Not Modified` for a matching `If-None-Match` after reading nothing
//! but the version; and an in-process cache of whole 200 answers ([`Cache`]) bounded by
//! `--cache-mb`, emptied when the version changes.
//!
//! What is cacheable: GET and HEAD without `Authorization`, except `/healthz`, `/metrics` and the
//! contribution API (`/api/…`). Every other method (contributions, uploads, POST `/sparql` but
//! for an `application/sparql-query` body) is a possible write: while one is being answered
//! nothing is stored, no ETag is given (`Cache-Control: no-cache`), and an answer that overlapped
//! one is not kept. That covers the window after a commit while the derived graph and the search
//! index are being refreshed under the new version. Whatever refreshes derived data outside a
//! request must call [`Cache::invalidate`] when it is done.

use super::SharedState;
use super::i18n::Lang;
use super::request::QueryPairs;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest answer kept in the in-process cache; a larger one is streamed and not kept.
pub const ENTRY_LIMIT: usize = 1024 * 1024;

/// `Cache-Control` of pages, resources, SPARQL results, VoID and CSV exports.
pub const CACHE_CONTROL: &str = "public, max-age=60, must-revalidate";
/// `Cache-Control` of the full dumps (large, and fine a few minutes old).
pub const DUMP_CACHE_CONTROL: &str = "public, max-age=300, must-revalidate";
/// `Cache-Control` while a write is being answered: revalidate every time, keep no ETag.
const UNSETTLED_CACHE_CONTROL: &str = "no-cache";
const PAGE_VARY: &str = "Accept, Accept-Language";

/// One kept answer.
struct Entry {
    tick: u64,
    size: usize,
    headers: HeaderMap,
    body: Bytes,
}

/// The kept answers of one data version, least recently used first in `order`.
#[derive(Default)]
struct Inner {
    version: String,
    entries: HashMap<String, Entry>,
    order: BTreeMap<u64, String>,
    tick: u64,
    bytes: usize,
}

impl Inner {
    /// Empties the cache when it holds answers of another version.
    fn align(&mut self, version: &str) {
        if self.version != version {
            self.clear();
            self.version = version.to_owned();
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.bytes = 0;
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }
}

/// The in-process cache of rendered answers and the bookkeeping of writes in flight.
pub struct Cache {
    inner: Mutex<Inner>,
    capacity: usize,
    /// Writes being answered now.
    writes: AtomicU64,
    /// Moves on when a write begins or ends (or on [`Cache::invalidate`]): an answer whose
    /// rendering saw it move is not kept.
    epoch: AtomicU64,
}

impl Cache {
    /// A cache of at most `capacity_mb` MiB of answers; 0 keeps none (ETags still work).
    pub fn new(capacity_mb: u64) -> Self {
        let capacity =
            usize::try_from(capacity_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        Self {
            inner: Mutex::new(Inner::default()),
            capacity,
            writes: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
        }
    }

    /// Drops every kept answer, and keeps none being rendered now.
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut inner) = self.inner.lock() {
            inner.clear();
        }
    }

    /// Bytes held now (bodies, keys and headers).
    pub fn bytes(&self) -> usize {
        self.inner.lock().map(|i| i.bytes).unwrap_or(0)
    }

    fn settled(&self) -> bool {
        self.writes.load(Ordering::SeqCst) == 0
    }

    fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    fn begin_write(&self) -> WriteGuard<'_> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
        WriteGuard(self)
    }

    fn get(&self, version: &str, key: &str) -> Option<(HeaderMap, Bytes)> {
        if self.capacity == 0 {
            return None;
        }
        let mut inner = self.inner.lock().ok()?;
        inner.align(version);
        let tick = inner.next_tick();
        let entry = inner.entries.get_mut(key)?;
        let old = std::mem::replace(&mut entry.tick, tick);
        let found = (entry.headers.clone(), entry.body.clone());
        inner.order.remove(&old);
        inner.order.insert(tick, key.to_owned());
        Some(found)
    }

    fn put(&self, version: &str, key: String, headers: HeaderMap, body: Bytes) {
        let header_bytes: usize = headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 32)
            .sum();
        let size = body.len() + key.len() * 2 + header_bytes + 64;
        if size > self.capacity {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.align(version);
        if let Some(old) = inner.entries.remove(&key) {
            inner.order.remove(&old.tick);
            inner.bytes -= old.size;
        }
        while inner.bytes + size > self.capacity {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some(old) = inner.entries.remove(&oldest) {
                inner.bytes -= old.size;
            }
        }
        let tick = inner.next_tick();
        inner.order.insert(tick, key.clone());
        inner.bytes += size;
        inner.entries.insert(
            key,
            Entry {
                tick,
                size,
                headers,
                body,
            },
        );
    }
}

/// Ends a write when dropped, also when the client went away mid-write.
struct WriteGuard<'a>(&'a Cache);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.epoch.fetch_add(1, Ordering::SeqCst);
        self.0.writes.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A POST that cannot change the data: a query sent as `application/sparql-query` (a form may
/// carry an update, so it counts as a write).
fn query_only(request: &Request) -> bool {
    request.method() == Method::POST
        && request.uri().path() == "/sparql"
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/sparql-query"))
}

/// Whether answers to this request may be cached at all.
fn cacheable(request: &Request) -> bool {
    let path = request.uri().path();
    !request.headers().contains_key(header::AUTHORIZATION)
        && !matches!(path, "/healthz" | "/metrics")
        && !path.starts_with("/api/")
}

/// Everything that chooses the bytes of an answer, besides the data version: the path and query,
/// the language, the Accept header, and the host (self-links in VoID and the service description).
pub fn variant(method: &Method, path: &str, query: Option<&str>, headers: &HeaderMap) -> String {
    let lang = Lang::from_request(QueryPairs::parse(query).get("lang"), headers);
    let head = |name: &str| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default()
    };
    // HEAD answers with the GET answer's headers: one variant for both.
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    format!(
        "{method} {path}?{}\nlang={}\naccept={}\nhost={}\nfwd={} {}",
        query.unwrap_or(""),
        lang.code(),
        head("accept"),
        head("host"),
        head("x-forwarded-proto"),
        head("x-forwarded-host"),
    )
}

/// The strong ETag of a variant at a data version.
pub fn etag(version: &str, variant: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(version.as_bytes());
    hash.update([0]);
    hash.update(variant.as_bytes());
    format!("\"{}\"", hex::encode(&hash.finalize()[..16]))
}

/// True when `If-None-Match` names `etag` (or is `*`). The comparison is weak, as RFC 9110
/// says for this header: `W/"x"` matches `"x"`.
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

fn cache_control_for(path: &str) -> &'static str {
    if path.starts_with("/dump.") {
        DUMP_CACHE_CONTROL
    } else {
        CACHE_CONTROL
    }
}

/// Adds the caching headers to a 200 answer (a handler's own Cache-Control wins).
fn mark(headers: &mut HeaderMap, etag: Option<&str>, cache_control: &'static str) {
    match etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        Some(value) => {
            headers.insert(header::ETAG, value);
            headers
                .entry(header::CACHE_CONTROL)
                .or_insert(HeaderValue::from_static(cache_control));
        }
        None => {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(UNSETTLED_CACHE_CONTROL),
            );
        }
    }
    // A page's language follows Accept-Language; other answers vary with Accept only.
    let html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html {
        headers.insert(header::VARY, HeaderValue::from_static(PAGE_VARY));
    } else {
        headers
            .entry(header::VARY)
            .or_insert(HeaderValue::from_static("Accept"));
    }
}

/// The layer: 304s, cache hits, and caching headers on cacheable answers; writes are tracked.
pub async fn layer(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method == Method::OPTIONS {
        return next.run(request).await;
    }
    if method != Method::GET && method != Method::HEAD {
        if query_only(&request) {
            return next.run(request).await;
        }
        let _write = state.cache.begin_write();
        return next.run(request).await;
    }
    if !cacheable(&request) {
        return next.run(request).await;
    }
    let cache = &state.cache;
    let epoch = cache.epoch();
    let settled = cache.settled();
    let Ok(version) = state.backend.data_version() else {
        return next.run(request).await;
    };
    let path = request.uri().path().to_owned();
    let key = variant(&method, &path, request.uri().query(), request.headers());
    let cache_control = cache_control_for(&path);
    let tag = settled.then(|| etag(&version, &key));
    if let Some(tag) = &tag {
        if none_match(request.headers(), tag) {
            state.metrics.cache_not_modified();
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            mark(response.headers_mut(), Some(tag), cache_control);
            return response;
        }
        if let Some((headers, body)) = cache.get(&version, &key) {
            state.metrics.cache_hit();
            let mut response = Response::new(Body::from(body));
            *response.headers_mut() = headers;
            return response;
        }
    }
    if cache.capacity > 0 {
        state.metrics.cache_miss();
    }
    let mut response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    mark(response.headers_mut(), tag.as_deref(), cache_control);
    if tag.is_none() || method != Method::GET || cache.capacity == 0 {
        return response;
    }
    let (parts, body) = response.into_parts();
    if axum::body::HttpBody::size_hint(&body)
        .upper()
        .is_some_and(|n| n > ENTRY_LIMIT as u64)
    {
        return Response::from_parts(parts, body);
    }
    let mut stream = body.into_data_stream();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total = 0usize;
    while let Some(item) = stream.next().await {
        match item {
            Ok(chunk) => {
                total += chunk.len();
                chunks.push(chunk);
                if total > ENTRY_LIMIT {
                    // Too large to keep: send what was read, then stream the rest.
                    let read = futures::stream::iter(chunks.into_iter().map(Ok));
                    return Response::from_parts(parts, Body::from_stream(read.chain(stream)));
                }
            }
            Err(error) => {
                let read = futures::stream::iter(chunks.into_iter().map(Ok));
                let failed = futures::stream::once(async move { Err(error) });
                return Response::from_parts(parts, Body::from_stream(read.chain(failed)));
            }
        }
    }
    let body = match chunks.len() {
        1 => chunks.pop().unwrap_or_default(),
        _ => {
            let mut all = Vec::with_capacity(total);
            for chunk in &chunks {
                all.extend_from_slice(chunk);
            }
            Bytes::from(all)
        }
    };
    if cache.settled() && cache.epoch() == epoch {
        cache.put(&version, key, parts.headers.clone(), body.clone());
    }
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_differ_by_version_and_variant() {
        let headers = HeaderMap::new();
        let en = variant(&Method::GET, "/sdg/11", Some("lang=en"), &headers);
        let sv = variant(&Method::GET, "/sdg/11", Some("lang=sv"), &headers);
        assert_eq!(etag("v1", &en), etag("v1", &en));
        assert_ne!(etag("v1", &en), etag("v2", &en));
        assert_ne!(etag("v1", &en), etag("v1", &sv));
        assert_eq!(
            variant(&Method::HEAD, "/x", None, &headers),
            variant(&Method::GET, "/x", None, &headers)
        );
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(none_match(&headers, "\"a\""));
        assert!(none_match(&headers, "\"b\""));
        assert!(!none_match(&headers, "\"c\""));
    }

    #[test]
    fn the_cache_evicts_the_least_recently_used_and_empties_on_a_new_version() {
        let cache = Cache::new(1);
        let body = Bytes::from(vec![b'x'; 400 * 1024]);
        cache.put("v1", "a".into(), HeaderMap::new(), body.clone());
        cache.put("v1", "b".into(), HeaderMap::new(), body.clone());
        assert!(cache.get("v1", "a").is_some());
        cache.put("v1", "c".into(), HeaderMap::new(), body.clone());
        assert!(cache.get("v1", "b").is_none(), "b was least recently used");
        assert!(cache.get("v1", "a").is_some());
        assert!(cache.get("v1", "c").is_some());
        assert!(cache.bytes() <= 1024 * 1024);
        assert!(cache.get("v2", "a").is_none());
        assert_eq!(cache.bytes(), 0);
    }
}
