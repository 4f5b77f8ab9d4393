#!/usr/bin/env python3
"""The soak's load (bench/soak.sh): CLIENTS threads for SECONDS against a running citykg,
mixing pages, search, SPARQL (lookups and heavy queries), conditional requests (If-None-Match)
and contributions from several cities. Python standard library only.

CLIENTS counts one data steward per city (uploading new versions of its data one after the
other until the end) and readers (the rest). Fails (exit 1) on any 5xx that is not a deliberate
503 (refused with Retry-After, or a query cancelled at the timeout), on a 429 without
Retry-After, on a contribution answered 201 that is missing from its city's history afterwards
(same version number and content hash) or whose data does not answer, or on a city whose current
version is older than its last accepted one. Prints a summary line per request kind and one JSON line with the totals.

  soak.py BASE_URL CONTRIB_DIR  (CONTRIB_DIR holds <city>.<n>.nt files and <city>.token)
"""

import collections
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

BASE = sys.argv[1].rstrip("/")
CONTRIB_DIR = sys.argv[2]
CLIENTS = int(os.environ.get("CLIENTS", "256"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
SEED = int(os.environ.get("SOAK_SEED", "1"))
HOST = urllib.parse.urlsplit(BASE).netloc
CKG = "https://w3id.org/citykg/ontology#"

HEAVY = [
    # Every practice with its goals and city, grouped: a join and an aggregate over the network.
    "PREFIX ckg: <%s> SELECT ?city (COUNT(DISTINCT ?p) AS ?n) (COUNT(?g) AS ?links) "
    "WHERE { ?p a ckg:Practice ; ckg:city ?city ; ckg:servesGoal ?g } GROUP BY ?city ORDER BY DESC(?n)" % CKG,
    # A self-join on objects: far beyond the query timeout, so it is cancelled (a 503).
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?o . ?c ?r ?o }",
    # Regex over every literal.
    "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && REGEX(STR(?o), \"(a|e)+.*z\", \"i\")) } LIMIT 50",
]
WORDS = ["fibre", "mobility", "energy", "open data", "waste", "heat", "bus", "digital", "water", "school"]


def connection():
    return http.client.HTTPConnection(HOST, timeout=120)


def request(conn, method, path, body=None, headers=None):
    """One request on a kept-alive connection (reopened when the server closed it)."""
    headers = dict(headers or {})
    for attempt in (0, 1):
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return conn, response.status, response.getheader("Retry-After"), response.getheader("ETag"), data
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                http.client.CannotSendRequest, http.client.ResponseNotReady):
            conn.close()
            conn = connection()
            if attempt == 1:
                raise
    raise RuntimeError("unreachable")


def sparql_get(conn, query):
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    return request(conn, "GET", path, headers={"Accept": "application/sparql-results+json"})


def discover():
    conn = connection()
    lists = {}
    for name, query in [
        ("practice", "SELECT ?x WHERE { ?x a <%sPractice> } LIMIT 2000" % CKG),
        ("city", "SELECT ?x WHERE { ?x a <%sCity> } LIMIT 2000" % CKG),
    ]:
        _, status, _, _, data = sparql_get(conn, query)
        if status != 200:
            sys.exit(f"discovery query failed: {status} {data[:300]!r}")
        rows = json.loads(data)["results"]["bindings"]
        # The server answers for its namespace at the same path (/id/practice/x).
        lists[name] = [r["x"]["value"].replace("https://w3id.org/citykg", "", 1) for r in rows]
    conn.close()
    return lists


def contributions():
    files = collections.defaultdict(list)
    tokens = {}
    for name in sorted(os.listdir(CONTRIB_DIR)):
        path = os.path.join(CONTRIB_DIR, name)
        if name.endswith(".token"):
            tokens[name[: -len(".token")]] = open(path).read().strip()
        elif name.endswith(".nt"):
            files[name.split(".")[0]].append(open(path, "rb").read())
    return {city: (tokens[city], bodies) for city, bodies in files.items() if city in tokens}


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind = collections.defaultdict(collections.Counter)
        self.latency = collections.defaultdict(list)
        self.failures = []
        self.accepted = []  # (city, version, content_hash)

    def add(self, kind, status, seconds, retry_after, detail, body=b""):
        with self.lock:
            # The deliberate 503s: refused at once by the full queue (with Retry-After), or a
            # query cancelled at the query timeout (it says so).
            label = status
            if status == 503 and retry_after:
                label = "503 refused"
            elif status == 503 and b"cancelled" in body:
                label = "503 timeout"
            self.by_kind[kind][str(label)] += 1
            self.latency[kind].append(seconds)
            if status >= 500 and label == status:
                self.failures.append(f"{kind}: {status} {detail}")
            if status == 429 and not retry_after:
                self.failures.append(f"{kind}: 429 without Retry-After {detail}")


def client(number, lists, deadline, tally):
    rng = random.Random(SEED * 1000 + number)
    conn = connection()
    etags = {}
    while time.monotonic() < deadline:
        roll = rng.random()
        headers = {"Accept": "text/html"}
        method, body = "GET", None
        if roll < 0.30:
            kind = "page"
            path = rng.choice(
                ["/", "/practices", "/compare", "/transfers", "/sdg/11", "/queries"]
                + [rng.choice(lists["practice"]), rng.choice(lists["city"])] * 3
            )
        elif roll < 0.45:
            kind = "search"
            path = "/search?" + urllib.parse.urlencode({"q": rng.choice(WORDS)})
        elif roll < 0.65:
            kind = "sparql lookup"
            subject = "https://w3id.org/citykg" + rng.choice(lists["practice"])
            path = "/sparql?" + urllib.parse.urlencode({"query": f"SELECT * WHERE {{ <{subject}> ?p ?o }}"})
            headers = {"Accept": "application/sparql-results+json"}
        elif roll < 0.70:
            kind = "sparql heavy"
            path = "/sparql?" + urllib.parse.urlencode({"query": rng.choice(HEAVY)})
            headers = {"Accept": "application/sparql-results+json"}
        else:
            kind = "conditional"
            path = rng.choice(lists["practice"][:50] + ["/", "/practices"])
            if path in etags:
                headers["If-None-Match"] = etags[path]
        started = time.monotonic()
        try:
            conn, status, retry, etag, data = request(conn, method, path, body, headers)
        except Exception as e:  # a refused or broken connection is a failure too
            tally.add(kind, 599, time.monotonic() - started, None, f"{path}: {e!r}")
            conn.close()
            conn = connection()
            continue
        elapsed = time.monotonic() - started
        if kind == "conditional":
            if etag and status == 200:
                etags[path] = etag
            kind = "conditional 304" if status == 304 else "conditional"
        tally.add(kind, status, elapsed, retry, f"{method} {path[:120]}: {data[:200]!r}", data)
    conn.close()


def contributor(city, token, bodies, deadline, tally):
    """One city's data steward: replaces the city's data again and again until the deadline
    (each upload waits for its answer: the pipeline takes seconds to minutes under load)."""
    rng = random.Random(hash(city) ^ SEED)
    conn = http.client.HTTPConnection(HOST, timeout=900)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples",
               "Accept": "application/json"}
    while time.monotonic() < deadline:
        path = f"/api/contributions/{city}"
        started = time.monotonic()
        try:
            conn, status, retry, _, data = request(conn, "PUT", path, rng.choice(bodies), headers)
        except Exception as e:
            tally.add("contribution", 599, time.monotonic() - started, None, f"{path}: {e!r}")
            conn.close()
            conn = http.client.HTTPConnection(HOST, timeout=900)
            continue
        if status == 201:
            version = json.loads(data)["version"]
            with tally.lock:
                tally.accepted.append((city, version["version"], version["content_hash"]))
        tally.add("contribution", status, time.monotonic() - started, retry, f"PUT {path}: {data[:200]!r}", data)
    conn.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def check_history(cities, tally):
    problems = []
    conn = connection()
    for city in sorted(cities):
        conn, status, _, _, data = request(conn, "GET", f"/api/contributions/{city}",
                                           headers={"Accept": "application/json"})
        if status != 200:
            problems.append(f"{city}: history {status}")
            continue
        history = json.loads(data)
        listed = {v["version"]: v["content_hash"] for v in history["versions"]}
        mine = [(v, h) for c, v, h in tally.accepted if c == city]
        for version, content_hash in mine:
            if listed.get(version) != content_hash:
                problems.append(f"{city}: accepted version {version} ({content_hash}) not in the history")
            conn, status, _, _, _ = request(conn, "GET", f"/api/contributions/{city}/{version}",
                                            headers={"Accept": "application/n-triples"})
            if status != 200:
                problems.append(f"{city}: version {version} answers {status}")
        if mine and (history.get("current") or 0) < max(v for v, _ in mine):
            problems.append(f"{city}: current is {history.get('current')}, last accepted {max(v for v, _ in mine)}")
    conn.close()
    return problems


def main():
    lists = discover()
    cities = contributions()
    if not cities:
        sys.exit(f"no <city>.token and <city>.<n>.nt files in {CONTRIB_DIR}")
    tally = Tally()
    deadline = time.monotonic() + SECONDS
    # CLIENTS in all: one data steward per city, the rest readers.
    threads = [threading.Thread(target=contributor, args=(city, token, bodies, deadline, tally))
               for city, (token, bodies) in sorted(cities.items())]
    threads += [threading.Thread(target=client, args=(n, lists, deadline, tally))
                for n in range(max(1, CLIENTS - len(cities)))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    total = 0
    for kind in sorted(tally.by_kind):
        counts = tally.by_kind[kind]
        n = sum(counts.values())
        total += n
        lat = tally.latency[kind]
        print(f"{kind:16} {n:7} requests  p50 {percentile(lat, .5) * 1000:8.1f} ms  "
              f"p99 {percentile(lat, .99) * 1000:8.1f} ms  statuses {dict(sorted(counts.items()))}")
    problems = check_history(cities, tally)
    summary = {
        "clients": CLIENTS, "seconds": round(wall, 1), "requests": total,
        "requests_per_second": round(total / wall, 1),
        "accepted_contributions": len(tally.accepted),
        "failures": len(tally.failures), "history_problems": len(problems),
    }
    print(json.dumps(summary))
    for line in (tally.failures[:20] + problems[:20]):
        print("FAIL", line)
    sys.exit(1 if tally.failures or problems or not tally.accepted else 0)


if __name__ == "__main__":
    main()
