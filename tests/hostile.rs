//! Hostile input (issue 15), one test per class: each gets a clear 4xx that says what was wrong,
//! the server keeps answering, and the store stays exactly as it was (the full N-Quads dump is
//! compared before and after).

mod common;

use citykg::ingest::tokens::TokenStore;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

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

fn token(server: &TestServer, city: &str) -> String {
    TokenStore::new(&server.data_dir.path().join("store"))
        .add(city)
        .expect("token")
        .1
}

/// Sends raw bytes as one HTTP/1.1 request and returns the status and the whole answer.
fn raw(server: &TestServer, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    stream.write_all(request).expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn assert_healthy(server: &TestServer) {
    let health = client()
        .get(server.url("/healthz"))
        .send()
        .expect("the server still answers");
    assert_eq!(health.status(), 200);
}

fn submit(server: &TestServer, token: &str, content_type: &str, body: Vec<u8>) -> (u16, String) {
    let response = client()
        .put(server.url("/api/contributions/helsinki"))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .expect("request");
    (
        response.status().as_u16(),
        response.text().unwrap_or_default(),
    )
}

/// A 4xx with a JSON problem that says something.
fn assert_refused(what: &str, (status, body): (u16, String), says: &[&str]) {
    eprintln!("{what}: {status}: {}", &body[..body.len().min(300)]);
    assert!((400..500).contains(&status), "{what}: {status}: {body}");
    let problem: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("{what}: not JSON: {body}"));
    let message = problem["error"].as_str().unwrap_or("").to_lowercase();
    assert!(message.len() > 10, "{what}: no message: {body}");
    for word in says {
        assert!(
            message.contains(&word.to_lowercase()),
            "{what}: the message does not say {word:?}: {message}"
        );
    }
}

#[test]
fn script_in_any_page_parameter_or_header_comes_back_escaped() {
    let server = start();
    let before = dump(&server);
    let hostile = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";
    let e: String = form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
    for path in [
        format!("/?lang={e}"),
        format!("/compare?city={e}&city=stockholm&lang={e}"),
        format!("/search?q={e}&lang={e}&page={e}"),
        format!("/sparql?query={e}"),
        format!("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%22{e}%22%7D&format=html"),
        format!("/queries?lang={e}"),
        format!("/ontology?lang={e}"),
        format!("/contribute?lang={e}&city={e}"),
        format!("/id/practice/{e}"),
        format!("/id/{e}/stockholm"),
        format!("/sdg/{e}"),
        format!("/{e}"),
    ] {
        let response = client()
            .get(server.url(&path))
            .header("Accept", "text/html")
            .header("Accept-Language", hostile)
            .send()
            .expect("request");
        let status = response.status().as_u16();
        assert!(status < 500, "{path}: {status}");
        let body = response.text().expect("body");
        assert!(
            !body.contains("<script>alert(1)"),
            "{path} reflects a script"
        );
        assert!(!body.contains("<img src=x"), "{path} reflects markup");
    }
    assert_eq!(dump(&server), before);
}

#[test]
fn path_traversal_finds_nothing() {
    let server = start();
    for path in [
        "/id/practice/..%2F..%2Fetc%2Fpasswd",
        "/id/practice/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/contribute/..%2F..%2Fx.csv",
        "/contribute/..%2F..%2F..%2Fetc%2Fpasswd%00.csv",
        "/api/contributions/..%2F..%2Fetc",
        "/api/contributions/helsinki/..%2F..%2F..%2Ftokens.json",
        "/static/..%2F..%2FCargo.toml",
        "/static/site.css/..%2F..%2Ftokens.json",
    ] {
        let response = client().get(server.url(path)).send().expect("request");
        let status = response.status().as_u16();
        let body = response.text().unwrap_or_default();
        assert!((400..500).contains(&status), "{path}: {status}: {body}");
        assert!(!body.contains("root:"), "{path} read /etc/passwd");
        assert!(!body.contains("\"salt\""), "{path} read the token file");
        assert!(!body.contains("[package]"), "{path} read a source file");
    }
    // Raw, without the client normalising the dots.
    for path in ["/id/practice/../../etc/passwd", "/contribute/../../x.csv"] {
        let (status, answer) = raw(
            &server,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert!((400..500).contains(&status), "{path}: {answer}");
        assert!(!answer.contains("root:"), "{path}");
    }
}

#[test]
fn invalid_utf8_in_path_query_and_body_is_a_clear_400() {
    let server = start();
    let before = dump(&server);
    for path in [
        "/search?q=%FF%FE",
        "/sparql?query=SELECT%20%FF",
        "/compare?city=%FF",
    ] {
        let response = client()
            .get(server.url(path))
            .header("Accept", "text/plain")
            .send()
            .expect("request");
        let status = response.status().as_u16();
        let body = response.text().unwrap_or_default();
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.to_lowercase().contains("utf-8"), "{path}: {body}");
    }
    // `lang` is matched against the known languages: anything else, UTF-8 or not, is English.
    let response = client()
        .get(server.url("/?lang=%C3%28"))
        .send()
        .expect("request");
    assert_eq!(response.status(), 200);
    let response = client()
        .get(server.url("/id/practice/%FF%FE"))
        .send()
        .expect("request");
    assert!(
        (400..500).contains(&response.status().as_u16()),
        "{}",
        response.status()
    );
    let token = token(&server, "helsinki");
    let mut body = std::fs::read(repo_root().join("tests/fixtures/contrib/helsinki-small.ttl"))
        .expect("fixture");
    body.extend_from_slice(b"\n<urn:x> <urn:y> \"\xff\xfe\" .\n");
    assert_refused(
        "invalid UTF-8 in Turtle",
        submit(&server, &token, "text/turtle", body),
        &[],
    );
    assert_refused(
        "invalid UTF-8 in CSV",
        submit(
            &server,
            &token,
            "text/csv",
            b"name,description\n\xff\xfe,x\n".to_vec(),
        ),
        &[],
    );
    let response = client()
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-query")
        .body(b"SELECT * WHERE { ?s ?p \"\xff\" }".to_vec())
        .send()
        .expect("request");
    assert_eq!(response.status(), 400);
    assert_healthy(&server);
    assert_eq!(dump(&server), before);
}

#[test]
fn huge_and_malformed_headers_are_survived() {
    let server = start();
    let before = dump(&server);
    let huge = "a".repeat(60 * 1024);
    let token = token(&server, "helsinki");
    for (name, value) in [
        ("Accept", format!("text/html;q=0.{huge}")),
        ("Accept", huge.clone()),
        ("Accept", "text/html;q=abc,,,;;;=,*/*;q=-1".to_owned()),
        ("Accept-Language", huge.clone()),
        ("Accept-Language", "sv;q=x,,;;en-;q=2".to_owned()),
        ("Cookie", format!("session={huge}")),
        ("If-None-Match", huge.clone()),
        ("If-Modified-Since", "not a date at all".to_owned()),
    ] {
        for path in ["/?lang=en", "/sparql?query=ASK%7B%7D", "/id/city/stockholm"] {
            let response = client()
                .get(server.url(path))
                .header(name, value.as_str())
                .send()
                .expect("request");
            let status = response.status().as_u16();
            assert!(status < 500, "{name} on {path}: {status}");
        }
    }
    // An Authorization header that is huge, malformed or a valid token for another verb.
    for value in [
        format!("Bearer {huge}"),
        "Bearer".to_owned(),
        "Basic dXNlcjpwYXNz".to_owned(),
        format!("Bearer {token} extra"),
        "Bearer ckg__".to_owned(),
    ] {
        let response = client()
            .put(server.url("/api/contributions/helsinki"))
            .header("Authorization", value.as_str())
            .header("Content-Type", "text/turtle")
            .body(b"<urn:a> <urn:b> <urn:c> .".to_vec())
            .send()
            .expect("request");
        let status = response.status().as_u16();
        assert_eq!(status, 401, "{}", &value[..value.len().min(40)]);
        assert!(response.headers().contains_key("www-authenticate"));
    }
    // Headers past the server's limit: refused by the HTTP layer, not a crash.
    let (status, _) = raw(
        &server,
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nConnection: close\r\n\r\n",
            "b".repeat(2 * 1024 * 1024)
        )
        .as_bytes(),
    );
    assert!(status == 431 || status == 400 || status == 0, "{status}");
    assert_healthy(&server);
    assert_eq!(dump(&server), before);
}

#[test]
fn an_oversized_body_is_413() {
    let server = start_with(|c| c.max_upload_mb = 1);
    let before = dump(&server);
    let token = token(&server, "helsinki");
    let body = vec![b' '; 3 * 1024 * 1024];
    let (status, text) = submit(&server, &token, "text/turtle", body);
    assert_eq!(status, 413, "{text}");
    let response = client()
        .post(server.url("/sparql"))
        .header("Content-Type", "application/sparql-query")
        .body(vec![b' '; 80 * 1024 * 1024])
        .send();
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    }
    assert_healthy(&server);
    assert_eq!(dump(&server), before);
}

#[test]
fn rdf_bombs_are_refused_without_crashing() {
    let server = start();
    let before = dump(&server);
    let token = token(&server, "helsinki");
    // Deeply nested JSON-LD.
    let depth = 100_000;
    let mut nested = String::new();
    for _ in 0..depth {
        nested.push_str("{\"http://example.org/p\":");
    }
    nested.push_str("\"x\"");
    for _ in 0..depth {
        nested.push('}');
    }
    assert_refused(
        "deeply nested JSON-LD",
        submit(&server, &token, "application/ld+json", nested.into_bytes()),
        &[],
    );
    let mut lists = "[".repeat(depth);
    lists.push_str(&"]".repeat(depth));
    assert_refused(
        "deeply nested JSON arrays",
        submit(&server, &token, "application/ld+json", lists.into_bytes()),
        &[],
    );
    // Turtle: one huge literal (unterminated) and a million blank nodes.
    let mut literal = b"<urn:a> <urn:b> \"".to_vec();
    literal.extend(std::iter::repeat_n(b'x', 20 * 1024 * 1024));
    assert_refused(
        "a huge unterminated literal",
        submit(&server, &token, "text/turtle", literal),
        &[],
    );
    let mut blanks = String::with_capacity(24 * 1_000_000);
    for i in 0..1_000_000 {
        blanks.push_str(&format!("_:b{i} <urn:p> _:c{i} .\n"));
    }
    assert_refused(
        "a million blank nodes",
        submit(&server, &token, "text/turtle", blanks.into_bytes()),
        &["too many"],
    );
    let mut nested_blanks = "<urn:a> <urn:b> ".to_owned();
    nested_blanks.push_str(&"[ <urn:p> ".repeat(100_000));
    nested_blanks.push_str("<urn:z>");
    nested_blanks.push_str(&" ]".repeat(100_000));
    nested_blanks.push_str(" .");
    assert_refused(
        "100,000 nested blank nodes",
        submit(&server, &token, "text/turtle", nested_blanks.into_bytes()),
        &["blank nodes"],
    );
    // RDF/XML with entity expansion (a billion laughs).
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY l0 \"lol\">\n");
    for i in 1..10 {
        let prev = format!("&l{};", i - 1);
        laughs.push_str(&format!("<!ENTITY l{i} \"{}\">\n", prev.repeat(10)));
    }
    laughs.push_str("]>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:ex=\"http://example.org/\"><rdf:Description rdf:about=\"urn:a\"><ex:p>&l9;</ex:p></rdf:Description></rdf:RDF>\n");
    assert_refused(
        "an RDF/XML entity bomb",
        submit(&server, &token, "application/rdf+xml", laughs.into_bytes()),
        &["entities"],
    );
    assert_healthy(&server);
    assert_eq!(dump(&server), before);
}

#[test]
fn csv_with_a_million_columns_or_one_huge_cell_is_refused() {
    let server = start();
    let before = dump(&server);
    let token = token(&server, "helsinki");
    let template = client()
        .get(server.url("/contribute/template.csv"))
        .send()
        .expect("template")
        .text()
        .expect("text");
    let header = template.lines().next().expect("a header row").to_owned();
    let mut wide = header.clone();
    wide.push_str(&",x".repeat(1_000_000));
    wide.push('\n');
    wide.push_str(&",1".repeat(1_000_000));
    assert_refused(
        "a million columns",
        submit(&server, &token, "text/csv", wide.into_bytes()),
        &[],
    );
    let mut huge = header.clone();
    huge.push('\n');
    huge.push('"');
    huge.push_str(&"y".repeat(30 * 1024 * 1024));
    huge.push_str("\"\n");
    assert_refused(
        "one huge cell",
        submit(&server, &token, "text/csv", huge.into_bytes()),
        &[],
    );
    assert_healthy(&server);
    assert_eq!(dump(&server), before);
}
