#!/usr/bin/env bash
# Research queries on three engines (issue 11, point 5): every queries/*.rq on citykg's /sparql,
# on upstream `oxigraph serve --union-default-graph` and on Virtuoso 7, over the same N-Quads file,
# each started on loopback by bench/engines.sh. Prints one TSV line per query and engine: the median
# wall time of RUNS runs (after one warm-up), the number of result rows and the HTTP status.
#   bash bench/queries.sh NETWORK.nq            (B=target/release/citykg RUNS=5 by default)
# With REMOTE=1 two more columns (issue 12): citykg serving from the same Oxigraph server
# (citykg-ox) and from the same Virtuoso (citykg-vt), each next to the engine's own endpoint.
# The file must hold everything the queries read, the bundle too (ontology, SDGs, themes): give it
# `citykg dump --data-dir D` of a store (e.g. one bench/scale.sh kept with KEEP=1). A bare `citykg
# generate` network lacks the bundle, and the other engines then answer most queries with no rows.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:?usage: bench/queries.sh NETWORK.nq}
RUNS=${RUNS:-5}
source bench/engines.sh
start_citykg "$file" 7931
start_oxigraph "$file" 7932
start_virtuoso "$file" 7933
engines=(citykg:7931 oxigraph:7932 virtuoso:7933)
if [[ ${REMOTE:-0} == 1 ]]; then
  start_citykg_over oxigraph 7932 7934
  start_citykg_over virtuoso 7933 7935
  engines+=(citykg-ox:7934 citykg-vt:7935)
fi

# The median of the numbers on standard input.
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# One run: seconds, rows (lines of CSV after the header) and status, tab-separated. Queries go as a
# POST form with an explicit Accept (Virtuoso hangs on application/sparql-query).
run_once() {
  local port=$1 query=$2 out
  out=$(mktemp)
  local status time
  read -r status time < <(curl -s -o "$out" -w '%{http_code} %{time_total}\n' --max-time 130 \
    -H 'Accept: text/csv' --data-urlencode "query@$query" "http://127.0.0.1:$port/sparql" || echo "000 130")
  printf '%s\t%s\t%s\n' "$time" "$(( $(wc -l <"$out") - 1 ))" "$status"
  rm -f "$out"
}

printf 'query\tengine\tmedian_s\trows\tstatus\n'
for query in queries/*.rq; do
  for engine in "${engines[@]}"; do
    name=${engine%%:*} port=${engine##*:}
    run_once "$port" "$query" >/dev/null
    results=$(for _ in $(seq 1 "$RUNS"); do run_once "$port" "$query"; done)
    med=$(cut -f1 <<<"$results" | median)
    last=$(tail -n 1 <<<"$results")
    printf '%s\t%s\t%s\t%s\t%s\n' "$(basename "$query" .rq)" "$name" "$med" "$(cut -f2 <<<"$last")" "$(cut -f3 <<<"$last")"
  done
done
