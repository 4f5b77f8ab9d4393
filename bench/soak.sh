#!/usr/bin/env bash
# Soak (issue 15), bounded: CLIENTS (256) concurrent clients for SOAK_SECONDS (60) on loopback
# against a generated network of about 300 k quads (`citykg generate --cities 200 --practices 25`),
# mixing pages, search, SPARQL (lookups and heavy queries, one far beyond the query timeout),
# conditional requests (If-None-Match) and contributions from CITIES (4) cities (bench/soak.py).
# Pass: no 5xx but deliberate 503 (with Retry-After), every contribution answered 201 present
# afterwards in its city's history with its hash; the server's peak RSS (VmHWM) is printed.
# Run from the repository root after `cargo build` (debug) or with B=target/bench/release/citykg.
#   bash bench/soak.sh
#   CLIENTS=64 SOAK_SECONDS=20 SIZE=20x25 bash bench/soak.sh    # a quick check
set -euo pipefail
B=${B:-target/debug/citykg}
SIZE=${SIZE:-200x25}
CITIES=${CITIES:-4}
WORK=${WORK:-/tmp/citykg-soak}
export CLIENTS=${CLIENTS:-256} SOAK_SECONDS=${SOAK_SECONDS:-60}
cities=${SIZE%x*}; practices=${SIZE#*x}
rm -rf "$WORK"; mkdir -p "$WORK/contrib"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); binary: $B"

"$B" generate --cities "$cities" --practices "$practices" --seed 1 --out "$WORK/net.nq" 2>/dev/null
echo "quads generated: $(wc -l <"$WORK/net.nq")"
"$B" load --data-dir "$WORK/store" "$WORK/net.nq" 2>&1 | grep '^loaded' || true
# Contributions: each of the first CITIES cities sends one of four versions of its data.
for i in $(seq 0 $((CITIES - 1))); do
  slug=$("$B" generate --only-city "$i" --practices 10 --seed 2 --out /dev/null 2>&1 | sed -n 's/^city //p')
  for s in 2 3 4 5; do
    "$B" generate --only-city "$i" --practices 10 --seed "$s" --out "$WORK/contrib/$slug.$s.nt" 2>/dev/null
  done
  "$B" token add --city "$slug" --data-dir "$WORK/store" | tail -n 1 >"$WORK/contrib/$slug.token"
done

log=$WORK/serve.log
"$B" serve --data-dir "$WORK/store" --bind 127.0.0.1:0 >"$WORK/serve.out" 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
start=$(date +%s)
until grep -q "citykg is serving" "$WORK/serve.out"; do
  kill -0 "$pid" 2>/dev/null || { echo "serve failed:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
base=$(grep -o 'http://[0-9.:]*' "$WORK/serve.out" | head -1)
echo "serving $base after $(( $(date +%s) - start )) s (first start: derived data and search index)"
echo "RSS before the load: $(awk '/VmRSS/{print $2, $3}' /proc/$pid/status)"

status=0
python3 "$(dirname "$0")/soak.py" "$base" "$WORK/contrib" || status=$?
echo "peak RSS (VmHWM): $(awk '/VmHWM/{print $2, $3}' /proc/$pid/status); after: $(awk '/VmRSS/{print $2, $3}' /proc/$pid/status)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s "$base/metrics" | grep -E '^citykg_(requests_refused|queries_cancelled|query_timeouts)[a-z_]*' || true
exit "$status"
