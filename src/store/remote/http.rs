//! The HTTP side of a remote engine: SPARQL protocol POSTs as forms with an explicit Accept, over
//! a pool of kept-alive connections, and HTTP Digest authentication (RFC 7616, MD5 with qop=auth,
//! as Virtuoso asks) for the update user.

use crate::error::{Error, Result};
use md5::{Digest, Md5};
use oxhttp::model::{Body, Response, StatusCode};
use std::sync::Mutex;
use std::time::Duration;

/// A user and password for the engine's protected endpoint.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <hidden>)", self.user)
    }
}

/// The last Digest challenge and how many requests used its nonce.
struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    qop_auth: bool,
    count: u32,
}

/// How many idle connections to one engine are kept for the next requests: more than citykg
/// ever runs at once (its query slots, a page's lookups, a commit).
const IDLE_CONNECTIONS: usize = 64;

/// How long an idle connection is kept. Shorter than the engines' own keep-alive limits
/// (Virtuoso closes after 10 s by default), so that a request rarely meets a connection the
/// engine has just closed; a closed one is noticed before it is used.
const IDLE_AGE: Duration = Duration::from_secs(5);

/// The most of a 401 answer read before the credentials are sent.
const REFUSAL: u64 = 64 * 1024;

/// Sends form-encoded POSTs to one engine, over connections kept open between requests: a page
/// makes dozens of small queries, and a new connection for each costs a TCP set-up and, on
/// Oxigraph's server, a new thread (which under load it could not start).
pub struct Http {
    agent: ureq::Agent,
    credentials: Option<Credentials>,
    challenge: Mutex<Option<Challenge>>,
    keep_alive: bool,
}

impl Http {
    pub fn new(credentials: Option<Credentials>) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_idle_connections(IDLE_CONNECTIONS)
            .max_idle_connections_per_host(IDLE_CONNECTIONS)
            .max_idle_age(IDLE_AGE)
            .user_agent(concat!("citykg/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            agent: ureq::Agent::new_with_config(config),
            credentials,
            challenge: Mutex::new(None),
            keep_alive: true,
        }
    }

    /// One connection a request from now on. For Virtuoso 7: on a kept-alive connection it sends
    /// an answer of more than one TCP segment with a pause of 40–60 ms before its last segment
    /// (Nagle's algorithm on its side meeting the client's delayed ACK), and closing the connection
    /// flushes at once; measured on the bundle: the home page 130 ms kept alive, 45 ms closing.
    pub fn closing_connections(mut self) -> Self {
        self.keep_alive = false;
        self
    }

    /// POSTs `form` to `url` and returns the answer, whatever its status; its body streams.
    /// `timeout` bounds the connection and each read and write, not the whole answer (a long
    /// answer that keeps coming is the caller's to stop). With credentials, a 401 Digest
    /// challenge is answered once (and remembered for the next requests).
    pub fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        accept: &str,
        timeout: Duration,
        authenticate: bool,
    ) -> Result<Response<Body>> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish()
            .into_bytes();
        let credentials = self.credentials.as_ref().filter(|_| authenticate);
        let send = |authorization: Option<String>| -> Result<Response<Body>> {
            let mut request = self
                .agent
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", accept);
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            if !self.keep_alive {
                request = request.header("connection", "close");
            }
            let response = request
                .config()
                .timeout_connect(Some(timeout))
                .timeout_per_read(Some(timeout))
                .timeout_per_write(Some(timeout))
                .build()
                .send(&body[..])
                .map_err(|e| Error::Engine(format!("{url} did not answer: {e}")))?;
            let (parts, body) = response.into_parts();
            Ok(Response::from_parts(
                parts,
                Body::from_read(body.into_reader()),
            ))
        };
        let Some(credentials) = credentials else {
            return send(None);
        };
        let path = path_of(url);
        let first = send(self.authorization(credentials, &path))?;
        if first.status() != StatusCode::UNAUTHORIZED {
            return Ok(first);
        }
        let challenge = first
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(parse_challenge)
            .ok_or_else(|| {
                Error::Engine(format!(
                    "{url} refused the credentials and asks for no Digest authentication"
                ))
            })?;
        // Read the refusal (a few hundred bytes; at most REFUSAL) so that its connection goes
        // back to the pool rather than buffering whatever the engine sends.
        let _ = std::io::copy(
            &mut std::io::Read::take(first.into_body(), REFUSAL),
            &mut std::io::sink(),
        );
        if let Ok(mut slot) = self.challenge.lock() {
            *slot = Some(challenge);
        }
        let second = send(self.authorization(credentials, &path))?;
        if second.status() == StatusCode::UNAUTHORIZED {
            return Err(Error::Engine(format!(
                "{url} refused user {:?}: check --store-user and --store-password-file",
                credentials.user
            )));
        }
        Ok(second)
    }

    /// The Authorization header for the remembered challenge, if there is one.
    fn authorization(&self, credentials: &Credentials, path: &str) -> Option<String> {
        let mut slot = self.challenge.lock().ok()?;
        let challenge = slot.as_mut()?;
        challenge.count += 1;
        Some(digest_header(credentials, challenge, "POST", path))
    }
}

/// The path and query of a URL, as Digest's `uri` wants it.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    match rest.find('/') {
        Some(i) => rest[i..].to_owned(),
        None => "/".to_owned(),
    }
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

fn digest_header(
    credentials: &Credentials,
    challenge: &Challenge,
    method: &str,
    uri: &str,
) -> String {
    let ha1 = md5_hex(&format!(
        "{}:{}:{}",
        credentials.user, challenge.realm, credentials.password
    ));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let nc = format!("{:08x}", challenge.count);
    let mut cnonce_bytes = [0u8; 8];
    // A client nonce needs no secrecy, only variety: fall back to the count if the OS refuses.
    if getrandom::fill(&mut cnonce_bytes).is_err() {
        cnonce_bytes = u64::from(challenge.count).to_le_bytes();
    }
    let cnonce = hex::encode(cnonce_bytes);
    let mut header = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm=MD5",
        credentials.user, challenge.realm, challenge.nonce
    );
    if challenge.qop_auth {
        let response = md5_hex(&format!(
            "{ha1}:{}:{nc}:{cnonce}:auth:{ha2}",
            challenge.nonce
        ));
        header.push_str(&format!(
            ", qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\""
        ));
    } else {
        let response = md5_hex(&format!("{ha1}:{}:{ha2}", challenge.nonce));
        header.push_str(&format!(", response=\"{response}\""));
    }
    if let Some(opaque) = &challenge.opaque {
        header.push_str(&format!(", opaque=\"{opaque}\""));
    }
    header
}

/// Reads a `Digest …` challenge; None for another scheme.
fn parse_challenge(value: &str) -> Option<Challenge> {
    let rest = value.trim().strip_prefix("Digest")?.trim();
    let mut realm = None;
    let mut nonce = None;
    let mut opaque = None;
    let mut qop_auth = false;
    for (key, value) in parameters(rest) {
        match key.to_ascii_lowercase().as_str() {
            "realm" => realm = Some(value),
            "nonce" => nonce = Some(value),
            "opaque" => opaque = Some(value),
            "qop" => qop_auth = value.split(',').any(|q| q.trim() == "auth"),
            _ => {}
        }
    }
    Some(Challenge {
        realm: realm?,
        nonce: nonce?,
        opaque,
        qop_auth,
        count: 0,
    })
}

/// `key=value` or `key="quoted, value"` pairs separated by commas.
fn parameters(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().trim_start_matches(',').trim().to_owned();
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (quoted[..end].to_owned(), &quoted[end + 1..]),
                None => (quoted.to_owned(), ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (after[..end].trim().to_owned(), &after[end..]),
                None => (after.trim().to_owned(), ""),
            }
        };
        pairs.push((key, value));
        rest = next;
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_follows_rfc_2617_example() {
        // RFC 2617 §3.5: the example's response for this nonce, cnonce and count.
        let challenge = parse_challenge(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .expect("a challenge");
        assert!(challenge.qop_auth);
        let credentials = Credentials {
            user: "Mufasa".into(),
            password: "Circle Of Life".into(),
        };
        let ha1 = md5_hex(&format!(
            "{}:{}:{}",
            credentials.user, challenge.realm, credentials.password
        ));
        let ha2 = md5_hex("GET:/dir/index.html");
        let response = md5_hex(&format!(
            "{ha1}:{}:00000001:0a4f113b:auth:{ha2}",
            challenge.nonce
        ));
        assert_eq!(response, "6629fae49393a05397450978507c4ef1");
        let header = digest_header(&credentials, &challenge, "GET", "/dir/index.html");
        assert!(header.contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
        assert!(header.contains("uri=\"/dir/index.html\""));
    }

    #[test]
    fn paths_keep_their_query() {
        assert_eq!(path_of("http://127.0.0.1:8890/sparql-auth"), "/sparql-auth");
        assert_eq!(path_of("http://h:1/a?b=c"), "/a?b=c");
        assert_eq!(path_of("http://h:1"), "/");
    }
}
