//! Test harness: starts the real citykg server on an ephemeral port, over a real on-disk store.
#![allow(dead_code)]

pub mod engine;

use citykg::web::{ServeConfig, prepare, router};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const CKG: &str = "https://w3id.org/citykg/ontology#";
pub const STOCKHOLM: &str = "https://w3id.org/citykg/id/city/stockholm";

/// A running server; stops when dropped.
pub struct TestServer {
    pub base: String,
    pub addr: SocketAddr,
    pub data_dir: tempfile::TempDir,
    /// The remote engine the server runs over (`CITYKG_TEST_ENGINE`), stopped after it.
    pub engine: Option<engine::Engine>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The repository root, which holds the bundled ontology/, data/ and queries/.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Starts a server on the bundled data with a config tweaked by `adjust`.
pub fn start_with(adjust: impl FnOnce(&mut ServeConfig)) -> TestServer {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServeConfig::new(data_dir.path().join("store"));
    config.bundle_dir = repo_root();
    config.bind = "127.0.0.1:0".parse().expect("addr");
    let engine = engine::from_env();
    if let Some(engine) = &engine {
        config.remote = Some(engine.remote_config(&config.data_dir));
    }
    adjust(&mut config);
    let (state, _) = prepare(&config).expect("server state");
    let std_listener = std::net::TcpListener::bind(config.bind).expect("bind");
    std_listener.set_nonblocking(true).expect("nonblocking");
    let addr = std_listener.local_addr().expect("local addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let limits = citykg::web::listener::Limits {
        header_timeout: config.header_timeout,
        body_timeout: config.body_timeout,
    };
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            // As `citykg serve` does: its own accept loop, with the header and body timeouts,
            // and the peer address reaching handlers (for --trusted-proxy and --rate-limit).
            citykg::web::listener::serve(listener, router(state), limits, async {
                let _ = rx.await;
            })
            .await;
        });
        runtime.shutdown_timeout(Duration::from_secs(5));
    });
    TestServer {
        base: format!("http://{addr}"),
        addr,
        data_dir,
        engine,
        shutdown: Some(tx),
        thread: Some(thread),
    }
}

/// Starts a server on the bundled data with default settings.
pub fn start() -> TestServer {
    start_with(|_| {})
}

/// A blocking HTTP client with a generous timeout.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// Copies the bundle (ontology/, data/, queries/) to a new directory.
pub fn copy_bundle(target: &Path) {
    for dir in ["ontology", "data", "queries"] {
        let from = repo_root().join(dir);
        let to = target.join(dir);
        std::fs::create_dir_all(&to).expect("mkdir");
        if let Ok(entries) = std::fs::read_dir(&from) {
            for entry in entries.flatten() {
                if entry.path().is_file() {
                    std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
                }
            }
        }
    }
}

/// Parses RDF text and returns its triples as N-Triples lines (for easy assertions).
pub fn parse_rdf(body: &[u8], format: oxigraph::io::RdfFormat) -> Vec<String> {
    oxigraph::io::RdfParser::from_format(format)
        .for_slice(body)
        .map(|q| q.expect("valid RDF").to_string())
        .collect()
}

/// Runs a SELECT over HTTP and returns the SPARQL JSON results.
pub fn select_json(server: &TestServer, query: &str) -> serde_json::Value {
    let response = client()
        .get(server.url("/sparql"))
        .query(&[("query", query)])
        .header("Accept", "application/sparql-results+json")
        .send()
        .expect("request");
    assert_eq!(response.status(), 200, "query failed: {query}");
    response.json().expect("JSON results")
}

/// The values of one variable in SPARQL JSON results.
pub fn column(results: &serde_json::Value, variable: &str) -> Vec<String> {
    results["results"]["bindings"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r[variable]["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// CPU time (user + system) this process has used so far, in seconds.
pub fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// The router over the bundled data in a fresh on-disk store, asked in process without a socket
/// (as crates.io's `TestApp` does): for page tests that need no real connection.
pub struct TestApp {
    router: axum::Router,
    pub data_dir: tempfile::TempDir,
    pub engine: Option<engine::Engine>,
}

impl TestApp {
    pub fn new() -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServeConfig::new(data_dir.path().join("store"));
        config.bundle_dir = repo_root();
        let engine = engine::from_env();
        if let Some(engine) = &engine {
            config.remote = Some(engine.remote_config(&config.data_dir));
        }
        let (state, _) = prepare(&config).expect("server state");
        Self {
            router: router(state),
            data_dir,
            engine,
        }
    }

    /// GET `path` with `headers`: the status, the response headers and the body as text.
    pub fn get(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, axum::http::HeaderMap, String) {
        use tower::ServiceExt;
        let mut request = axum::http::Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(axum::body::Body::empty()).expect("request");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("response");
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            (status, headers, String::from_utf8_lossy(&body).into_owned())
        })
    }
}

/// GET a page as a browser would; returns status and HTML with `&#x2f;` and `&amp;` read back.
pub fn page(server: &TestServer, path: &str, accept_language: Option<&str>) -> (u16, String) {
    let mut request = client()
        .get(server.url(path))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    if let Some(lang) = accept_language {
        request = request.header("Accept-Language", lang);
    }
    let response = request.send().expect("request");
    let status = response.status().as_u16();
    (
        status,
        response
            .text()
            .expect("html")
            .replace("&#x2f;", "/")
            .replace("&amp;", "&"),
    )
}

/// Local links (href="/…") of a page, in order.
pub fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.starts_with('/'))
        .map(str::to_owned)
        .collect()
}

/// The first local link of a page that contains `containing`.
pub fn first_link(html: &str, containing: &str) -> String {
    links(html)
        .into_iter()
        .find(|l| l.contains(containing))
        .unwrap_or_else(|| panic!("no link containing {containing}"))
}

/// A real `citykg serve` process on the bundle, for tests that kill, restart or read the log of
/// the server (tests/backup.rs, tests/crash.rs); killed when dropped.
pub struct ServeProcess {
    pub child: std::process::Child,
    pub base: String,
    /// Where its stderr (the log, at debug level) goes, when asked for.
    pub log: Option<PathBuf>,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `citykg serve` on `data_dir` on an ephemeral port and waits for its first line (it
/// prints the URL once it listens). With `log`, its stderr is written there at RUST_LOG=debug.
pub fn serve_process(data_dir: &Path, log: Option<&Path>) -> ServeProcess {
    serve_process_with(data_dir, log, &[])
}

/// Like [`serve_process`], with more flags for `citykg serve` (an engine, a shared dir, limits).
pub fn serve_process_with(data_dir: &Path, log: Option<&Path>, flags: &[String]) -> ServeProcess {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_citykg"));
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .arg("--bundle-dir")
        .arg(repo_root())
        .args(flags)
        .stdout(Stdio::piped());
    match log {
        Some(path) => {
            let stderr = std::fs::File::create(path).expect("log file");
            command.env("RUST_LOG", "debug").stderr(stderr);
        }
        None => {
            command.stderr(Stdio::null());
        }
    }
    let mut child = command.spawn().expect("start citykg serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let base = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|host| format!("http://{host}"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    ServeProcess {
        child,
        base,
        log: log.map(Path::to_path_buf),
    }
}

/// A valid Helsinki dataset: the small fixture plus `n` generated practices named with `tag`
/// (for the crash tests, which count the practices carrying their tag).
pub fn helsinki_dataset(n: usize, tag: &str) -> String {
    let mut text =
        std::fs::read_to_string(repo_root().join("tests/fixtures/contrib/helsinki-small.ttl"))
            .expect("fixture");
    for i in 0..n {
        text.push_str(&format!(
            "practice:helsinki-bulk-{i} a ckg:Practice ; schema:name \"Bulk practice {i} ({tag})\"@en ;
             dcterms:description \"Generated for a crash test.\"@en ; ckg:city city:helsinki ;
             ckg:servesGoal sdg:11 ; dcterms:subject theme:open-data ;
             prov:wasDerivedFrom source:joinup-ec-europa-eu-collection-open-source-observatory-osor-news-finland-fifth-a .\n"
        ));
    }
    text
}
