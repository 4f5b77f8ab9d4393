"""Finds, for each page, its heaviest SPARQL query, from a citykg log written with
RUST_LOG=info,citykg::store=debug while each page was fetched several times, one at a time.
Usage: python3 heaviest.py LOG PATH...   Prints one line per path: PATH<TAB>MILLISECONDS<TAB>QUERY.
The selects logged before a request's own log line belong to that request. A page's first fetch
is a warm-up and not counted; of the others, each query's median time is taken, and the query
with the largest median is the heaviest (one fetch alone let a noisy small query win)."""
import re
import statistics
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SELECT = re.compile(r'select elapsed=([0-9.]+)(ns|µs|us|ms|s) query="(.*)"$')
REQUEST = re.compile(r"citykg::request: GET (\S+) ")
UNIT = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1000.0}


def unescape(text):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "u" and text[i + 2 : i + 3] == "{":
                end = text.index("}", i)
                out.append(chr(int(text[i + 3 : end], 16)))
                i = end + 1
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def main():
    log, *paths = sys.argv[1:]
    pending, seen, times = [], set(), {}
    for line in open(log, encoding="utf-8", errors="replace"):
        line = ANSI.sub("", line.rstrip("\n"))
        m = SELECT.search(line)
        if m:
            pending.append((float(m.group(1)) * UNIT[m.group(2)], unescape(m.group(3))))
            continue
        m = REQUEST.search(line)
        if m:
            path = m.group(1)
            if path in seen:
                for ms, query in pending:
                    times.setdefault(path, {}).setdefault(query, []).append(ms)
            seen.add(path)
            pending = []
    heaviest = {
        path: max((statistics.median(ms), query) for query, ms in queries.items())
        for path, queries in times.items()
    }
    for path in paths:
        ms, query = heaviest.get(path.split("?")[0], (0.0, ""))
        print(f"{path}\t{ms:.2f}\t{' '.join(query.split())}")


if __name__ == "__main__":
    main()
