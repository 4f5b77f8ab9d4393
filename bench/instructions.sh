#!/usr/bin/env bash
# Instructions per request of the lookup query, for citykg and upstream oxigraph, counted by
# valgrind's callgrind while wrk sends the query for 15 s at 16 connections. Unlike req/s on this
# shared 2-core machine, the count moves by a few percent between runs at most, so it shows what a
# code change does to the CPU work of a request (user space only: the kernel's share is not counted).
# Needs valgrind and wrk (apt-get install valgrind wrk); bench/tools.sh builds citykg and installs
# upstream's CLI. Usage: bash bench/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
# shellcheck source=bench/tools.sh
source bench/tools.sh
PORT=${PORT:-7931}
work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
query='SELECT ?p ?o WHERE { <https://w3id.org/citykg/id/city/stockholm> ?p ?o }'
q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$query")

# The data: citykg loads its bundle; its dump is loaded into oxigraph, as in bench/run.sh.
target/bench/release/citykg serve --data-dir "$work/citykg" --bind "127.0.0.1:$PORT" >"$work/load.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/dump.nq" -o "$work/data.nq"
kill -INT $pid; wait $pid || true
"$OXIGRAPH" load --location "$work/oxigraph" --file "$work/data.nq" >/dev/null 2>&1

count() { # name url command...
  local name=$1 url=$2
  shift 2
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/$name.out" "$@" \
    >"$work/$name.log" 2>&1 &
  local vg=$!
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$url" && break; sleep 0.5; done
  for _ in 1 2 3; do curl -sf -o /dev/null -H 'Accept: application/sparql-results+json' "$url"; done
  callgrind_control -i on "$vg" >/dev/null 2>&1
  local n
  n=$(wrk -t2 -c16 -d15s -H 'Accept: application/sparql-results+json' "$url" | awk '/requests in/ {print $1}')
  callgrind_control -i off "$vg" >/dev/null 2>&1
  callgrind_control -d "$vg" >/dev/null 2>&1
  sleep 2 # the dump is written by valgrind after the command returns
  kill -KILL "$vg"; wait "$vg" 2>/dev/null || true
  local ir
  ir=$(cat "$work/$name.out"* | awk '/^totals:/ {s += $2} END {print s}')
  echo "| $name | $n | $ir | $((ir / n)) |"
}
echo "| server | requests | instructions | instructions per request |"
echo "| --- | ---: | ---: | ---: |"
count citykg "http://127.0.0.1:$PORT/sparql?query=$q" \
  target/bench/release/citykg serve --data-dir "$work/citykg" --bind "127.0.0.1:$PORT"
count oxigraph "http://127.0.0.1:$PORT/query?query=$q" \
  "$OXIGRAPH" serve --location "$work/oxigraph" --bind "127.0.0.1:$PORT" --union-default-graph
