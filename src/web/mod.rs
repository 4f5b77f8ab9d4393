//! The HTTP server's start-up (`citykg serve`): configuration, the state every handler shares,
//! and serving. Routes are in `routes.rs`, pages in `pages/`, machine endpoints in `api/`, and the
//! leaves both use beside them (docs/architecture.md).

pub mod admission;
pub mod api;
mod auth;
pub mod blocking;
pub mod caching;
pub mod error;
pub mod figures;
pub mod html;
pub mod i18n;
pub mod labels;
pub mod links;
pub mod listener;
pub mod map;
pub mod metrics;
pub mod pages;
pub mod paging;
pub mod rdf;
pub mod request;
mod routes;
pub mod security;
pub mod static_files;

pub use routes::router;

use crate::error::{Error, Result};
use crate::queries::{Catalogue, CatalogueQuery};
use crate::sparql::federation::Federation;
use crate::store::Backend;
use crate::store::bundle::{Bundle, LoadOutcome};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Everything `citykg serve` is configured with.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    pub base_iri: String,
    pub query_timeout: Duration,
    pub update_token_file: Option<PathBuf>,
    pub federate_allow: Vec<String>,
    /// Where `ontology/`, `data/` and `queries/` are read from.
    pub bundle_dir: PathBuf,
    /// How many queries may evaluate at once; more wait for a slot.
    pub query_slots: usize,
    /// The largest contribution body accepted, in MiB.
    pub max_upload_mb: u64,
    /// The address clients reach the server at (`--public-url`), for self-links.
    pub public_url: Option<String>,
    /// Reverse proxies whose forwarded headers are believed (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The memory for the in-process cache of answers, in MiB (`--cache-mb`; 0: none).
    pub cache_mb: u64,
    /// Items per page of the lists that grow with the network (`paging.rs`).
    pub page_size: usize,
    /// How many requests may wait for a query slot (`--queue-depth`); more get a 503 at once.
    /// None: four per slot.
    pub queue_depth: Option<usize>,
    /// Requests a minute per client address (`--rate-limit`); None: no limit.
    pub rate_limit: Option<u32>,
    /// A remote SPARQL engine holding the data (`--sparql-endpoint`); None: the embedded store.
    pub remote: Option<crate::store::remote::RemoteConfig>,
    /// Where the token file and the contribution history live (`--shared-dir`), when several
    /// nodes share them; None: the data dir.
    pub shared_dir: Option<PathBuf>,
    /// How long a client may take to send a request's headers (`--header-timeout`); also the
    /// longest a kept-alive connection may sit idle.
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body (`--body-timeout`).
    pub body_timeout: Duration,
}

impl ServeConfig {
    /// The folder of the token file and the contribution history.
    pub fn shared_dir(&self) -> &std::path::Path {
        self.shared_dir.as_deref().unwrap_or(&self.data_dir)
    }
}

impl ServeConfig {
    /// The defaults `citykg serve` starts with.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            bind: SocketAddr::from(([127, 0, 0, 1], 7878)),
            base_iri: crate::vocab::DEFAULT_BASE_IRI.to_owned(),
            query_timeout: Duration::from_secs(30),
            update_token_file: None,
            federate_allow: Vec::new(),
            bundle_dir: Bundle::default_root(),
            query_slots: std::thread::available_parallelism()
                .map(|n| n.get() * 2)
                .unwrap_or(4),
            max_upload_mb: 50,
            public_url: None,
            trusted_proxies: Vec::new(),
            cache_mb: 256,
            page_size: paging::PAGE_SIZE,
            queue_depth: None,
            rate_limit: None,
            remote: None,
            shared_dir: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
        }
    }
}

/// State shared by all handlers.
pub struct AppState {
    pub backend: Backend,
    pub federation: Federation,
    pub query_timeout: Duration,
    pub slots: Arc<Semaphore>,
    /// The bounded queue in front of `slots`.
    pub queue: admission::SlotQueue,
    /// Turns for contributions being parsed and checked (`admission::contribution_turn`).
    pub contribution_turns: Arc<Semaphore>,
    /// The per-client rate limit, with `--rate-limit`.
    pub rate_limit: Option<admission::RateLimiter>,
    pub update_tokens: Option<Vec<String>>,
    pub base_iri: String,
    pub metrics: metrics::Metrics,
    pub queries: Vec<CatalogueQuery>,
    pub templates: minijinja::Environment<'static>,
    pub quad_count_cache: std::sync::Mutex<Option<(String, usize)>>,
    pub contributions: crate::ingest::contribution::Contributions,
    pub tokens: crate::ingest::tokens::TokenStore,
    pub max_upload_bytes: usize,
    /// The public origin (`https://host[:port]`, no trailing slash) from `--public-url`.
    pub public_origin: Option<String>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The full-text index in `{data_dir}/search-index/` (the contribution pipeline keeps it fresh).
    pub search: Arc<crate::search::SearchIndex>,
    /// Rendered answers by data version and request (`caching.rs`).
    pub cache: caching::Cache,
    /// Items per page of the paged lists.
    pub page_size: usize,
    /// The finder's facet table for the current data version (`pages/practices.rs`).
    pub finder_facets: pages::practices::FacetTable,
}

pub type SharedState = Arc<AppState>;

/// Reads bearer tokens from a file: one per line, blank lines and `#` comments ignored.
fn read_tokens(path: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
    let tokens: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if tokens.is_empty() {
        return Err(Error::Invalid(format!(
            "{}: no token in the file (one token per line)",
            path.display()
        )));
    }
    Ok(tokens)
}

/// The origin of `--public-url`: an http(s) URL with a host, without path, query or fragment.
fn public_origin(url: &str) -> Result<String> {
    let invalid = |why: &str| Error::Invalid(format!("--public-url {url:?}: {why}"));
    let parsed = oxiri::Iri::parse(url.to_owned()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("use an http:// or https:// URL"));
    }
    let host = parsed
        .authority()
        .filter(|a| !a.is_empty() && !a.contains('@'));
    let Some(host) = host else {
        return Err(invalid("give the host, e.g. https://citykg.example.org"));
    };
    if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() || parsed.fragment().is_some()
    {
        return Err(invalid(
            "give the origin only (scheme and host); citykg serves at the root",
        ));
    }
    Ok(format!("{}://{host}", parsed.scheme()))
}

/// Opens the store, loads the bundle when needed and builds the shared state.
pub fn prepare(config: &ServeConfig) -> Result<(SharedState, LoadOutcome)> {
    let backend = match &config.remote {
        Some(remote) => {
            let mut remote = remote.clone();
            // A request to the engine may take as long as a query may, and a little more.
            remote.timeout = config.query_timeout + Duration::from_secs(5);
            Backend::connect(remote)?
        }
        None => Backend::open(&config.data_dir)?,
    };
    let bundle = Bundle::discover(&config.bundle_dir)?;
    let outcome = bundle.ensure_loaded(&backend)?;
    crate::store::derived::ensure_fresh(&backend)?;
    let search = Arc::new(crate::search::SearchIndex::open(
        &config.data_dir,
        &backend,
    )?);
    let mut allowed = Vec::new();
    for url in &config.federate_allow {
        allowed.push(oxigraph::model::NamedNode::new(url).map_err(|e| {
            Error::Invalid(format!("--federate-allow {url:?} is not a valid IRI: {e}"))
        })?);
    }
    let update_tokens = match &config.update_token_file {
        Some(path) => Some(read_tokens(path)?),
        None => None,
    };
    let public_origin = match &config.public_url {
        Some(url) => Some(public_origin(url)?),
        None => None,
    };
    let queries = Catalogue::load(&config.bundle_dir.join("queries"))?.queries;
    let contributions = crate::ingest::contribution::Contributions::new(
        backend.clone(),
        &config.bundle_dir,
        config.shared_dir(),
        &config.base_iri,
    )?
    .with_search_index(search.clone());
    let slots = Arc::new(Semaphore::new(config.query_slots.max(1)));
    let state = AppState {
        backend,
        federation: Federation::allow(allowed, config.query_timeout),
        query_timeout: config.query_timeout,
        slots: slots.clone(),
        contribution_turns: Arc::new(Semaphore::new(admission::CONTRIBUTIONS_AT_ONCE)),
        queue: admission::SlotQueue::new(
            slots,
            config
                .queue_depth
                .unwrap_or(config.query_slots.max(1).saturating_mul(4)),
        ),
        rate_limit: config.rate_limit.map(admission::RateLimiter::new),
        update_tokens,
        base_iri: config.base_iri.clone(),
        metrics: metrics::Metrics::default(),
        queries,
        templates: html::templates()?,
        quad_count_cache: std::sync::Mutex::new(None),
        contributions,
        tokens: crate::ingest::tokens::TokenStore::new(config.shared_dir()),
        max_upload_bytes: usize::try_from(config.max_upload_mb.saturating_mul(1024 * 1024))
            .unwrap_or(usize::MAX),
        search,
        public_origin,
        trusted_proxies: config.trusted_proxies.clone(),
        cache: caching::Cache::new(config.cache_mb),
        page_size: config.page_size.max(1),
        finder_facets: pages::practices::FacetTable::default(),
    };
    Ok((Arc::new(state), outcome))
}

/// Runs the server until Ctrl-C. Prints the URL once it listens.
pub async fn serve(config: ServeConfig) -> Result<()> {
    let (state, outcome) = tokio::task::block_in_place(|| prepare(&config))?;
    match &outcome {
        LoadOutcome::Loaded { quads, .. } => {
            tracing::info!(quads, "loaded the bundled ontology and data")
        }
        LoadOutcome::Unchanged { .. } => tracing::info!("the store already holds the bundled data"),
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| Error::io(config.bind, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io(config.bind, e))?;
    println!("citykg is serving on http://{local}/ (SPARQL endpoint: http://{local}/sparql)");
    let backend = state.backend.clone();
    let limits = listener::Limits {
        header_timeout: config.header_timeout,
        body_timeout: config.body_timeout,
    };
    listener::serve(listener, router(state), limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    backend.flush()?;
    Ok(())
}
