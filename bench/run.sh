#!/usr/bin/env bash
# Endpoint benchmark: the same SPARQL queries against `citykg serve` and upstream `oxigraph serve`
# on the same data (the bundled dataset, dumped by citykg and loaded into oxigraph), driven by wrk
# at 1 and 16 connections. Prints a Markdown table; copy the figures into bench/README.md.
# Needs wrk (apt-get install wrk); bench/tools.sh builds citykg and installs upstream's CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CITYKG_PORT=${CITYKG_PORT:-7901}
OXIGRAPH_PORT=${OXIGRAPH_PORT:-7902}

# shellcheck source=bench/tools.sh
source bench/tools.sh

work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

target/bench/release/citykg serve --data-dir "$work/citykg" --bind "127.0.0.1:$CITYKG_PORT" \
  --query-timeout 60 >"$work/citykg.log" 2>&1 &
echo $! >"$work/citykg.pid"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$CITYKG_PORT/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$CITYKG_PORT/dump.nq" -o "$work/data.nq"
"$OXIGRAPH" load --location "$work/oxigraph" --file "$work/data.nq" >/dev/null 2>&1
"$OXIGRAPH" serve --location "$work/oxigraph" --bind "127.0.0.1:$OXIGRAPH_PORT" --union-default-graph \
  >"$work/oxigraph.log" 2>&1 &
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$OXIGRAPH_PORT/query?query=ASK%7B%7D" >/dev/null && break; sleep 0.2; done
quads=$(wc -l <"$work/data.nq")

declare -A QUERIES
QUERIES[lookup]='SELECT ?p ?o WHERE { <https://w3id.org/citykg/id/city/stockholm> ?p ?o }'
QUERIES[join]='PREFIX ckg: <https://w3id.org/citykg/ontology#> PREFIX schema: <https://schema.org/> SELECT ?practice ?name ?city ?goal WHERE { ?practice a ckg:Practice ; schema:name ?name ; ckg:city ?city ; ckg:servesGoal ?goal } ORDER BY ?name'
QUERIES[aggregate]='PREFIX ckg: <https://w3id.org/citykg/ontology#> SELECT ?city (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a ckg:Practice ; ckg:city ?city } GROUP BY ?city ORDER BY DESC(?n)'

encode() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$1"; }

# wrk prints "Requests/sec: N" and, with --latency, the 50% and 99% lines.
measure() { # url connections
  local out
  out=$(wrk -t"$(( $2 < 2 ? 1 : 2 ))" -c"$2" -d"$DURATION" --latency \
    -H 'Accept: application/sparql-results+json' "$1")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$rps $p50 $p99"
}

echo "Data: $quads quads (the bundled dataset). wrk, $DURATION per cell, $(nproc) cores, $(date -u +%F)."
echo
echo "| query | conns | citykg req/s | citykg p50 | citykg p99 | oxigraph req/s | oxigraph p50 | oxigraph p99 | ratio citykg/oxigraph |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
# ONLY=lookup (or join, aggregate) measures that query alone; ROUNDS=N repeats each cell N times,
# alternating the servers, and prints the median ratio (single 10 s cells vary by ±10 % here).
ROUNDS=${ROUNDS:-1}
for name in ${ONLY:-lookup join aggregate}; do
  q=$(encode "${QUERIES[$name]}")
  for c in 1 16; do
    ratios=()
    for _ in $(seq 1 "$ROUNDS"); do
      read -r crps cp50 cp99 < <(measure "http://127.0.0.1:$CITYKG_PORT/sparql?query=$q" "$c")
      read -r orps op50 op99 < <(measure "http://127.0.0.1:$OXIGRAPH_PORT/query?query=$q" "$c")
      ratio=$(python3 -c "print(f'{float(\"$crps\")/float(\"$orps\"):.2f}')")
      ratios+=("$ratio")
      echo "| $name | $c | $crps | $cp50 | $cp99 | $orps | $op50 | $op99 | $ratio |"
    done
    if ((ROUNDS > 1)); then
      echo "| $name | $c | median of $ROUNDS ratios | | | | | | $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') |"
    fi
  done
done
[[ -n ${ONLY:-} ]] && exit 0

# Pages (citykg only): p50/p99 of each page kind; then each page's heaviest SPARQL query (found
# by fetching the pages with query timing on, see bench/heaviest.py) sent alone to the
# endpoint, for the target "page p99 <= 3 x its heaviest query alone".
PAGES=("/?lang=en" "/id/city/stockholm?lang=en" "/id/goal/stockholm-ecologically-sustainable?lang=en"
       "/id/practice/stockholm-congestion-tax?lang=en" "/sdg/11?lang=en" "/id/theme/mobility?lang=en"
       "/id/org/kth?lang=en" "/compare?city=stockholm&city=helsinki&lang=en" "/search?q=fibre&lang=en"
       "/contribute?lang=en")
declare -A PAGE_P99
echo
echo "| page | conns | req/s | p50 | p99 |"
echo "| --- | ---: | ---: | ---: | ---: |"
for path in "${PAGES[@]}"; do
  for c in 1 16; do
    out=$(wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"$DURATION" --latency -H 'Accept: text/html' "http://127.0.0.1:$CITYKG_PORT$path")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    PAGE_P99["$path $c"]=$p99
    echo "| \`$path\` | $c | $(awk '/Requests\/sec/ {print $2}' <<<"$out") | $(awk '$1=="50%" {print $2}' <<<"$out") | $p99 |"
  done
done

restart_citykg() { # extra env for the server
  kill "$(cat "$work/citykg.pid")" 2>/dev/null || true
  while kill -0 "$(cat "$work/citykg.pid")" 2>/dev/null; do sleep 0.1; done
  env "$@" target/bench/release/citykg serve --data-dir "$work/citykg" --bind "127.0.0.1:$CITYKG_PORT" \
    --query-timeout 60 >"$work/citykg.log" 2>&1 &
  echo $! >"$work/citykg.pid"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$CITYKG_PORT/healthz" >/dev/null && break; sleep 0.2; done
}
restart_citykg RUST_LOG=info,citykg::store=debug
for path in "${PAGES[@]}"; do
  for _ in 1 2 3 4 5 6; do # a warm-up, then five fetches whose query times count
    curl -sf -o /dev/null -H 'Accept: text/html' "http://127.0.0.1:$CITYKG_PORT$path"
  done
done
cp "$work/citykg.log" "$work/probe.log"
restart_citykg RUST_LOG=info
ms() { python3 -c "import sys; v=sys.argv[1]; print(float(v[:-2])*1 if v.endswith('ms') else float(v[:-2])/1000 if v.endswith('us') else float(v[:-1])*1000)" "$1"; }
echo
echo "| page | conns | page p99 | heaviest query alone: p99 | ratio | heaviest query (first 80 characters) |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
while IFS=$'\t' read -r path _ query; do
  [[ -z $query ]] && continue
  for c in 1 16; do
    read -r _ _ qp99 < <(measure "http://127.0.0.1:$CITYKG_PORT/sparql?query=$(encode "$query")" "$c")
    page=${PAGE_P99["$path $c"]}
    ratio=$(python3 -c "print(f'{$(ms "$page")/$(ms "$qp99"):.1f}')")
    echo "| \`$path\` | $c | $page | $qp99 | $ratio | \`${query:0:80}\` |"
  done
done < <(python3 bench/heaviest.py "$work/probe.log" "${PAGES[@]}")
