#!/usr/bin/env bash
# Research queries on three engines (issue 11, point 5): every queries/*.rq on citykg's /sparql,
# on upstream `oxigraph serve --union-default-graph` and on Virtuoso 7, over the same N-Quads file,
# each started on loopback by bench/engines.sh. Prints one TSV line per query and engine: the median
# wall time of RUNS runs (after one warm-up), the number of result rows and the HTTP status
# ("200-cut": a 200 whose body was broken off, so its rows are not the whole answer).
#   bash bench/queries.sh NETWORK.nq            (B=target/release/citykg RUNS=5 by default)
# ENGINES picks the engines (default "citykg oxigraph virtuoso", plus citykg-ox and citykg-vt with
# REMOTE=1; "virtuoso-json" is Virtuoso's endpoint asked for SPARQL JSON, what citykg-vt asks it,
# since Virtuoso writes JSON several times slower than CSV); MAX_TIME is each request's limit in seconds (default 130; the servers stop at 120);
# WARMUP=0 skips the warm-up run, for sizes where one run is all the time allows. QUERIES picks the
# queries, in the order given (default queries/*.rq): e.g. to run a query that may exhaust an
# engine's memory last.
# With REMOTE=1 two more columns (issue 12): citykg serving from the same Oxigraph server
# (citykg-ox) and from the same Virtuoso (citykg-vt), each next to the engine's own endpoint.
# The file must hold everything the queries read, the bundle too (ontology, SDGs, themes): give it
# `citykg dump --data-dir D` of a store (e.g. one bench/scale.sh kept with KEEP=1). A bare `citykg
# generate` network lacks the bundle, and the other engines then answer most queries with no rows.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:?usage: bench/queries.sh NETWORK.nq}
RUNS=${RUNS:-5}
MAX_TIME=${MAX_TIME:-130}
WARMUP=${WARMUP:-1}
if [[ ${REMOTE:-0} == 1 ]]; then
  ENGINES=${ENGINES:-citykg oxigraph virtuoso citykg-ox citykg-vt}
else
  ENGINES=${ENGINES:-citykg oxigraph virtuoso}
fi
wants() { [[ " $ENGINES " == *" $1 "* ]]; }
source bench/engines.sh
engines=()
if wants citykg; then start_citykg "$file" 7931; engines+=(citykg:7931); fi
if wants oxigraph || wants citykg-ox; then start_oxigraph "$file" 7932; fi
if wants oxigraph; then engines+=(oxigraph:7932); fi
if wants virtuoso || wants virtuoso-json || wants citykg-vt; then start_virtuoso "$file" 7933; fi
if wants virtuoso; then engines+=(virtuoso:7933); fi
if wants virtuoso-json; then engines+=(virtuoso-json:7933); fi
if wants citykg-ox; then start_citykg_over oxigraph 7932 7934; engines+=(citykg-ox:7934); fi
if wants citykg-vt; then start_citykg_over virtuoso 7933 7935; engines+=(citykg-vt:7935); fi

# The median of the numbers on standard input.
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# One run: seconds, rows (lines of CSV after the header) and status, tab-separated. Queries go as a
# POST form with an explicit Accept (Virtuoso hangs on application/sparql-query).
# Rows are counted in CSV; a JSON answer's rows as the lines that open a binding (Virtuoso writes one
# solution a line).
run_once() {
  local port=$1 query=$2 accept=${3:-text/csv} out rows
  out=$(mktemp)
  local status time written rc=0
  written=$(curl -s -o "$out" -w '%{http_code} %{time_total}' --max-time "$MAX_TIME" \
    -H "Accept: $accept" --data-urlencode "query@$query" "http://127.0.0.1:$port/sparql") || rc=$?
  read -r status time <<<"$written"
  status=${status:-000} time=${time:-$MAX_TIME}
  # A 200 whose body did not arrive whole (the server broke it off at its time limit, or curl's
  # --max-time ran out) is "200-cut": its rows are not the answer's.
  if ((rc != 0)) && [[ $status == 200 ]]; then status=200-cut; fi
  if [[ $accept == text/csv ]]; then rows=$(( $(wc -l <"$out") - 1 )); else rows=$(grep -c '^ *{ "' "$out" || true); fi
  printf '%s\t%s\t%s\n' "$time" "$rows" "$status"
  rm -f "$out"
}

printf 'query\tengine\tmedian_s\trows\tstatus\n'
for query in ${QUERIES:-queries/*.rq}; do
  for engine in "${engines[@]}"; do
    name=${engine%%:*} port=${engine##*:} accept=text/csv
    if [[ $name == virtuoso-json ]]; then accept=application/sparql-results+json; fi
    if [[ $WARMUP == 1 ]]; then run_once "$port" "$query" "$accept" >/dev/null; fi
    results=$(for _ in $(seq 1 "$RUNS"); do run_once "$port" "$query" "$accept"; done)
    med=$(cut -f1 <<<"$results" | median)
    last=$(tail -n 1 <<<"$results")
    printf '%s\t%s\t%s\t%s\t%s\n' "$(basename "$query" .rq)" "$name" "$med" "$(cut -f2 <<<"$last")" "$(cut -f3 <<<"$last")"
  done
done
