#!/usr/bin/env bash
# Pages at scale (issue 11, point 6): for every page kind, wrk's p50, p99 and requests/s at 1 and 16
# connections against `citykg serve` on an existing store (one made by bench/scale.sh, or `citykg
# load` of a generated network), with the answer cache off (--cache-mb 0) so every request renders;
# then the same at 1 connection with the cache on and with If-None-Match (a 304), and the server's
# peak RSS (VmHWM). The pages shown are picked from the data: the first generated city, one of its
# goals and practices, SDG 11, the theme "mobility", the organisation with most partnerships.
# Prints Markdown rows; the server is stopped on exit.
#   bash bench/pages.sh DATA_DIR     (B=target/release/citykg DURATION=10s PORT=7941 CONNS="1 16")
# SERVE_FLAGS adds flags to `citykg serve`: with `--sparql-endpoint … --update-endpoint …` (issue 12)
# the pages come from an engine that already holds the network, DATA_DIR only keeping the node's files.
# QUIET_PIDS: processes (the engine) that must be idle before each cell is timed (see quiet below).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/pages.sh DATA_DIR}
B=${B:-target/release/citykg}
DURATION=${DURATION:-10s}
PORT=${PORT:-7941}
base=http://127.0.0.1:$PORT
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

pid=
start() { # cache-mb
  # shellcheck disable=SC2086 # SERVE_FLAGS is a list of words
  "$B" serve --data-dir "$dir" ${SERVE_FLAGS:-} --bind "127.0.0.1:$PORT" --cache-mb "$1" --queue-depth 64 \
    >"$dir.pages.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do curl -sf "$base/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start: $dir.pages.log" >&2; return 1
}
stop() {
  if [[ -n $pid ]]; then
    echo "peak RSS (VmHWM) of the server: $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")" >&2
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=
  fi
}
trap stop EXIT

pick() { # the first value of a SELECT
  curl -s --max-time 120 --data-urlencode "query=$1" -H 'Accept: text/csv' "$base/sparql" \
    | sed -n 2p | tr -d '\r'
}
path_of() { sed 's|^https://w3id.org/citykg||' <<<"$1"; }

start 0
CKG=https://w3id.org/citykg/ontology#
city=$(pick "SELECT ?c WHERE { ?c a <${CKG}City> FILTER(STRENDS(STR(?c), \"1\")) } ORDER BY STRLEN(STR(?c)) ?c LIMIT 1")
goal=$(pick "SELECT ?g WHERE { ?g <http://www.w3.org/2004/02/skos/core#inScheme>/<${CKG}city> <$city> ; <http://www.w3.org/2004/02/skos/core#relatedMatch> ?s } ORDER BY ?g LIMIT 1")
practice=$(pick "SELECT ?p WHERE { ?p <${CKG}city> <$city> ; a <${CKG}Practice> } ORDER BY ?p LIMIT 1")
org=$(pick "SELECT ?o WHERE { ?p <${CKG}partner> ?o } GROUP BY ?o ORDER BY DESC(COUNT(*)) LIMIT 1")
# The bundled data alone has no generated city: then Helsinki and its first goal and practice.
if [[ -z $city ]]; then
  city=https://w3id.org/citykg/id/city/helsinki
  goal=$(pick "SELECT ?g WHERE { ?g <http://www.w3.org/2004/02/skos/core#inScheme>/<${CKG}city> <$city> ; <http://www.w3.org/2004/02/skos/core#relatedMatch> ?s } ORDER BY ?g LIMIT 1")
  practice=$(pick "SELECT ?p WHERE { ?p <${CKG}city> <$city> ; a <${CKG}Practice> } ORDER BY ?p LIMIT 1")
fi
slug=${city##*/}
PAGES=("/?lang=en" "$(path_of "$city")?lang=en" "$(path_of "$goal")?lang=en"
       "$(path_of "$practice")?lang=en" "/sdg/11?lang=en" "/id/theme/mobility?lang=en"
       "$(path_of "$org")?lang=en" "/compare?city=stockholm&city=$slug&lang=en"
       "/search?q=mobility&lang=en" "/practices?theme=mobility&lang=en" "/transfers?lang=en"
       "/queries?lang=en")

# Waits until the server has finished what wrk left behind: requests still running when a cell
# ends (wrk gives up on them at its timeout, the server does not) would slow the next cell. A
# request that needs a query slot queues behind them, so its answer means they are done.
drain() {
  curl -s -o /dev/null --max-time 600 -H 'Accept: text/html' "$base$(path_of "$practice")?lang=en"
}

# Waits (up to 300 s) until each process in QUIET_PIDS (an engine the pages come from) has used
# under 10 % of a core over 3 s: work an engine does on its own (after a bulk load, or a query
# whose client gave up) would otherwise be timed as the next page's. Prints the seconds waited.
quiet() {
  local waited=0 pid before after
  for pid in ${QUIET_PIDS:-}; do
    while ((waited < 300)); do
      before=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || break
      sleep 3
      after=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || break
      # clock ticks (100 a second): under 30 in 3 s is under 10 % of a core.
      (( after - before < 30 )) && break
      waited=$((waited + 3))
    done
  done
  echo "$waited"
}

measure() { # path connections [header]
  local out
  out=$(wrk -t"$(( $2 < 2 ? 1 : 2 ))" -c"$2" -d"$DURATION" --timeout 30s --latency -H "Accept: text/html" \
    ${3:+-H "$3"} "$base$1")
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  if [[ -z $p50 || $p50 == 0.00us ]]; then echo "none in $DURATION | | | "; return; fi
  echo "$rps | $p50 | $p99 | ${bad:-0}"
}

echo "Store: $dir; load average before: $(cut -d' ' -f1-3 /proc/loadavg); wrk $DURATION per cell; $(date -u '+%F %H:%M') UTC."
echo
echo "| page | conns | req/s | p50 | p99 | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for p in "${PAGES[@]}"; do
  curl -s -o /dev/null --max-time 120 -H 'Accept: text/html' "$base$p" # warm the store's caches once
  for c in ${CONNS:-1 16}; do
    waited=$(quiet)
    ((waited == 0)) || echo "(waited ${waited} s for QUIET_PIDS to go idle before the next cell)" >&2
    echo "| \`$p\` (uncached) | $c | $(measure "$p" "$c") |"
    drain
  done
done
stop
start 256
for p in "/sdg/11?lang=en" "$(path_of "$city")?lang=en"; do
  curl -s -o /dev/null --max-time 120 -H 'Accept: text/html' "$base$p" # fills the cache
  echo "| \`$p\` (cache hit) | 1 | $(measure "$p" 1) |"
  tag=$(curl -s -D - -o /dev/null -H 'Accept: text/html' "$base$p" | tr -d '\r' \
    | awk -F': ' 'tolower($1)=="etag"{print $2}')
  echo "| \`$p\` (If-None-Match: 304) | 1 | $(measure "$p" 1 "If-None-Match: $tag") |"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
