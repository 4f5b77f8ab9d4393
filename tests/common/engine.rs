//! Remote SPARQL engines for the suites: with `CITYKG_TEST_ENGINE=oxigraph` or `=virtuoso`, every
//! test server runs over its own fresh engine on loopback (Oxigraph's server from PyPI, Virtuoso 7
//! from Debian, both installed by `scripts/setup-deps.sh --engines`), killed when the test ends.
#![allow(dead_code)]

use citykg::store::remote::{Credentials, RemoteConfig};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which engine a suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Oxigraph,
    Virtuoso,
}

/// A running engine; killed when dropped.
pub struct Engine {
    pub kind: Kind,
    child: Child,
    pub dir: tempfile::TempDir,
    pub query_url: String,
    pub update_url: String,
    pub credentials: Option<Credentials>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The engine `CITYKG_TEST_ENGINE` names, if any (`embedded` or unset: none).
pub fn kind_from_env() -> Option<Kind> {
    match std::env::var("CITYKG_TEST_ENGINE").ok()?.as_str() {
        "oxigraph" => Some(Kind::Oxigraph),
        "virtuoso" => Some(Kind::Virtuoso),
        "" | "embedded" => None,
        other => panic!("CITYKG_TEST_ENGINE={other}: use oxigraph, virtuoso or embedded"),
    }
}

/// A fresh engine of the kind `CITYKG_TEST_ENGINE` names, if any.
pub fn from_env() -> Option<Engine> {
    kind_from_env().map(Engine::start)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True once `url` answers a SPARQL SELECT with 200.
fn answers(url: &str) -> bool {
    reqwest::blocking::Client::new()
        .post(url)
        .form(&[("query", "SELECT (1 AS ?one) WHERE {}")])
        .header("Accept", "application/sparql-results+json")
        .timeout(Duration::from_secs(5))
        .send()
        .map(|r| r.status().is_success())
        .unwrap_or(false)
}

impl Engine {
    pub fn start(kind: Kind) -> Self {
        match kind {
            Kind::Oxigraph => Self::oxigraph(),
            Kind::Virtuoso => Self::virtuoso(None),
        }
    }

    /// A Virtuoso that cuts every answer at `rows` rows (its ResultSetMaxRows).
    pub fn virtuoso_with_row_cap(rows: u64) -> Self {
        Self::virtuoso(Some(rows))
    }

    fn oxigraph() -> Self {
        let cli = std::env::var("CITYKG_OXIGRAPH")
            .map(PathBuf::from)
            .unwrap_or_else(|_| repo_root().join("target/bench-tools/venv/bin/oxigraph"));
        assert!(
            cli.exists(),
            "{} is missing: run scripts/setup-deps.sh --engines",
            cli.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log");
        let child = Command::new(&cli)
            .args(["serve", "--location"])
            .arg(dir.path().join("db"))
            .args([
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--union-default-graph",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("oxigraph serve");
        let engine = Self {
            kind: Kind::Oxigraph,
            child,
            query_url: format!("http://127.0.0.1:{port}/query"),
            update_url: format!("http://127.0.0.1:{port}/update"),
            credentials: None,
            dir,
        };
        engine.wait_until_up(Duration::from_secs(60));
        engine
    }

    fn virtuoso(row_cap: Option<u64>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (http, sql) = (free_port(), free_port());
        let ini = std::fs::read_to_string(repo_root().join("bench/virtuoso.ini"))
            .expect("bench/virtuoso.ini")
            .replace("@DIR@", &dir.path().display().to_string())
            .replace("@SQL_PORT@", &sql.to_string())
            .replace("@HTTP_PORT@", &http.to_string())
            // Small buffers: a test holds the bundle only, and several engines run at once.
            .replace("NumberOfBuffers    = 170000", "NumberOfBuffers    = 10000")
            .replace("MaxDirtyBuffers    = 130000", "MaxDirtyBuffers    = 7500")
            .replace(
                "ResultSetMaxRows   = 1000000",
                &format!("ResultSetMaxRows   = {}", row_cap.unwrap_or(1_000_000)),
            );
        let ini_path = dir.path().join("virtuoso.ini");
        std::fs::write(&ini_path, ini).expect("ini");
        let log = std::fs::File::create(dir.path().join("out.log")).expect("log");
        let child = Command::new("virtuoso-t")
            .arg("+foreground")
            .arg("+configfile")
            .arg(&ini_path)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("virtuoso-t (apt-get install virtuoso-opensource-7-bin, or scripts/setup-deps.sh --engines)");
        let password = "citykg-test-password";
        let mut engine = Self {
            kind: Kind::Virtuoso,
            child,
            query_url: format!("http://127.0.0.1:{http}/sparql"),
            update_url: format!("http://127.0.0.1:{http}/sparql-auth"),
            credentials: Some(Credentials {
                user: "citykg".into(),
                password: password.into(),
            }),
            dir,
        };
        engine.wait_until_up(Duration::from_secs(120));
        // The update user: Digest over /sparql-auth with SPARQL_UPDATE, as in production.
        let status = Command::new("isql-vt")
            .arg(format!("127.0.0.1:{sql}"))
            .args(["dba", "dba"])
            .arg(format!(
                "exec=DB.DBA.USER_CREATE('citykg', '{password}'); GRANT SPARQL_UPDATE TO \"citykg\"; GRANT SPARQL_SELECT TO \"citykg\";"
            ))
            .stdout(Stdio::null())
            .status()
            .expect("isql-vt");
        assert!(status.success(), "creating the Virtuoso user failed");
        engine.kind = Kind::Virtuoso;
        engine
    }

    fn wait_until_up(&self, limit: Duration) {
        let started = Instant::now();
        while !answers(&self.query_url) {
            assert!(
                started.elapsed() < limit,
                "{:?} did not answer at {} within {limit:?} (logs in {})",
                self.kind,
                self.query_url,
                self.dir.path().display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The settings a citykg node uses for this engine, with `data_dir` for its own files.
    pub fn remote_config(&self, data_dir: &Path) -> RemoteConfig {
        let mut config = RemoteConfig::new(&self.query_url);
        config.update_url = Some(self.update_url.clone());
        config.credentials = self.credentials.clone();
        config.node = citykg::cli::engine::node_name(data_dir);
        // Short, so tests of several nodes see each other's commits quickly.
        config.version_poll = Duration::from_millis(200);
        config
    }

    /// The `citykg` flags for this engine; the password goes to a file in `dir`.
    pub fn flags(&self, dir: &Path) -> Vec<String> {
        let mut flags = vec![
            "--sparql-endpoint".to_owned(),
            self.query_url.clone(),
            "--update-endpoint".to_owned(),
            self.update_url.clone(),
        ];
        if let Some(credentials) = &self.credentials {
            let file = dir.join("engine-password");
            std::fs::write(&file, &credentials.password).expect("password file");
            flags.extend([
                "--store-user".to_owned(),
                credentials.user.clone(),
                "--store-password-file".to_owned(),
                file.display().to_string(),
            ]);
        }
        flags
    }
}
