//! Slow clients (issue 15): a client that sends its headers or its body a byte a second, or
//! nothing at all, is disconnected by the header and body read timeouts, while a normal client
//! meanwhile gets its answers. Real server on a real port, raw TCP for the slow ones.

mod common;

use citykg::ingest::tokens::TokenStore;
use common::{TestServer, client, start_with};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
const BODY_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a slow connection may stay open before the test calls it not dropped: far beyond the
/// limits, so a loaded machine does not make the test flake, and far below "never".
const GIVE_UP: Duration = Duration::from_secs(40);

fn server() -> TestServer {
    start_with(|config| {
        config.header_timeout = HEADER_TIMEOUT;
        config.body_timeout = BODY_TIMEOUT;
    })
}

/// What happened to one slow connection.
struct Outcome {
    /// Everything the server sent before closing.
    answer: String,
    /// From the first byte written to the server closing the connection; None: still open.
    closed_after: Option<Duration>,
    /// Bytes of `trickle` written before the server closed.
    sent: usize,
}

/// Connects, writes `head` at once, then `trickle` one byte a second until the server closes the
/// connection (or GIVE_UP passes). Runs on its own threads; the receiver gets the outcome.
fn slow_client(server: &TestServer, head: Vec<u8>, trickle: Vec<u8>) -> mpsc::Receiver<Outcome> {
    let (tx, rx) = mpsc::channel();
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    let mut reader = stream.try_clone().expect("clone the socket");
    reader
        .set_read_timeout(Some(GIVE_UP))
        .expect("read timeout");
    let start = Instant::now();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let writer = thread::spawn(move || {
        let mut sent = 0;
        if stream.write_all(&head).is_err() {
            return sent;
        }
        for byte in trickle {
            if done_rx.recv_timeout(Duration::from_secs(1)).is_ok() {
                break;
            }
            if stream.write_all(&[byte]).is_err() {
                break;
            }
            sent += 1;
        }
        // Nothing left to trickle: wait (still not ending the request) until the reader is done.
        let _ = done_rx.recv_timeout(GIVE_UP);
        sent
    });
    thread::spawn(move || {
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        let closed_after = loop {
            match reader.read(&mut buffer) {
                Ok(0) => break Some(start.elapsed()),
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    break Some(start.elapsed());
                }
                // The read timeout: the server kept the connection open all along.
                Err(_) => break None,
            }
        };
        let _ = done_tx.send(());
        let sent = writer.join().unwrap_or(0);
        let _ = tx.send(Outcome {
            answer: String::from_utf8_lossy(&answer).into_owned(),
            closed_after,
            sent,
        });
    });
    rx
}

/// Meanwhile, a normal client gets pages and answers, each on a fresh request.
fn normal_requests_succeed(server: &TestServer, rounds: usize) {
    let http = client();
    for round in 0..rounds {
        for path in [
            "/healthz",
            "/",
            "/id/city/stockholm",
            "/sparql?query=ASK%7B%7D",
        ] {
            let response = http
                .get(server.url(path))
                .header("Accept", "text/html,application/sparql-results+json;q=0.9")
                .send()
                .unwrap_or_else(|e| {
                    panic!("round {round}: {path} failed while a slow client waited: {e}")
                });
            assert_eq!(response.status(), 200, "round {round}: {path}");
        }
        thread::sleep(Duration::from_millis(500));
    }
}

fn assert_dropped(what: &str, outcome: &Outcome, limit: Duration) {
    let Some(after) = outcome.closed_after else {
        panic!(
            "{what}: still open after {GIVE_UP:?} (limit {limit:?}); {} bytes sent",
            outcome.sent
        );
    };
    eprintln!("{what}: closed after {after:?} (limit {limit:?})");
    assert!(
        after >= limit,
        "{what}: closed after {after:?}, before the limit {limit:?}: {}",
        outcome.answer
    );
}

#[test]
fn a_byte_a_second_header_sender_is_dropped_and_others_are_served() {
    let server = server();
    let header = format!(
        "Host: {}\r\nUser-Agent: slowloris\r\nAccept: text/html\r\nX-Padding: {}\r\n\r\n",
        server.addr,
        "a".repeat(60)
    );
    let slow = slow_client(&server, b"GET / HTTP/1.1\r\n".to_vec(), header.into_bytes());
    // A connection that sends nothing at all is the same attack with zero bytes.
    let silent = slow_client(&server, Vec::new(), Vec::new());
    normal_requests_succeed(&server, 6);
    let slow = slow.recv().expect("slow client outcome");
    let silent = silent.recv().expect("silent client outcome");
    assert_dropped("byte-a-second headers", &slow, HEADER_TIMEOUT);
    assert_dropped("a connection that sends nothing", &silent, HEADER_TIMEOUT);
    assert!(
        !slow.answer.contains(" 200 "),
        "the slow request must not be answered as if complete: {}",
        slow.answer
    );
    // It was cut off long before it could finish its ~120-byte head.
    assert!(slow.sent < 60, "{} header bytes got through", slow.sent);
    normal_requests_succeed(&server, 1);
}

#[test]
fn a_byte_a_second_body_sender_is_dropped_and_others_are_served() {
    let server = server();
    let body = "ASK { ?s ?p ?o } ".repeat(10);
    let head = format!(
        "POST /sparql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/sparql-query\r\nAccept: application/sparql-results+json\r\nContent-Length: {}\r\n\r\n",
        server.addr,
        body.len()
    );
    let slow = slow_client(&server, head.into_bytes(), body.clone().into_bytes());
    normal_requests_succeed(&server, 6);
    let slow = slow.recv().expect("slow client outcome");
    assert_dropped("byte-a-second SPARQL body", &slow, BODY_TIMEOUT);
    assert!(slow.sent < body.len(), "the whole body got through");
    let status = slow.answer.split_whitespace().nth(1).unwrap_or("");
    assert!(
        status.is_empty() || status.starts_with('4'),
        "a timed-out body is a 4xx (or just a close), not {status}: {}",
        slow.answer
    );
    normal_requests_succeed(&server, 1);
}

#[test]
fn a_slow_contribution_gets_a_408_that_names_the_limit() {
    let server = server();
    let token = TokenStore::new(&server.data_dir.path().join("store"))
        .add("helsinki")
        .expect("token")
        .1;
    let body =
        "<https://w3id.org/citykg/id/city/helsinki> a <https://w3id.org/citykg/ontology#City> .\n";
    let head = format!(
        "PUT /api/contributions/helsinki HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/n-triples\r\nContent-Length: {}\r\n\r\n",
        server.addr,
        body.len()
    );
    let before = dump(&server);
    let slow = slow_client(&server, head.into_bytes(), body.as_bytes().to_vec());
    normal_requests_succeed(&server, 3);
    let slow = slow.recv().expect("slow client outcome");
    assert_dropped("byte-a-second contribution", &slow, BODY_TIMEOUT);
    assert!(
        slow.answer.starts_with("HTTP/1.1 408"),
        "expected 408: {}",
        slow.answer
    );
    assert!(
        slow.answer.contains("--body-timeout"),
        "the answer names the limit: {}",
        slow.answer
    );
    assert_eq!(dump(&server), before, "the store changed");
}

#[test]
fn a_kept_alive_connection_still_serves_several_requests() {
    let server = server();
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("read timeout");
    let one = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr);
    let last = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    );
    stream
        .write_all(format!("{one}{one}{last}").as_bytes())
        .expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    assert_eq!(text.matches("HTTP/1.1 200").count(), 3, "{text}");
}

fn dump(server: &TestServer) -> Vec<String> {
    let text = client()
        .get(server.url("/dump.nq"))
        .send()
        .expect("dump")
        .text()
        .expect("text");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}
