#!/usr/bin/env bash
# Scale (issue 11): for each network size, the generator's time, `citykg load` throughput into a
# fresh store (and upstream `oxigraph load` on the same file when OXIGRAPH is set), start-up time
# of `citykg serve` the first time (bundle load and the full derived computation) and with
# unchanged data, the derived graph's size against the data's, and one city's contribution of
# 100 practices end to end (`citykg contribute`). Run from the repository root after
# `cargo build --release`. Prints one line per measurement; medians are taken by the reader.
#   SIZES="20x25 200x25 500x100" RUNS=3 bash bench/scale.sh     (KEEP=1: keep stores and networks)
set -euo pipefail
B=${B:-target/release/citykg}
SIZES=${SIZES:-"20x25 200x25 500x100"}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/citykg-scale}
mkdir -p "$WORK"
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

# Starts `citykg serve` on $1, prints the seconds until it says it is serving, then stops it.
serve_time() {
  local dir=$1 log=$WORK/serve.log start pid
  : >"$log"
  start=$(now)
  RUST_LOG=info "$B" serve --data-dir "$dir" --bind 127.0.0.1:0 >"$log" 2>&1 &
  pid=$!
  while ! grep -q "citykg is serving" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "serve failed:" >&2; cat "$log" >&2; return 1; fi
    sleep 0.05
  done
  since "$start"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  grep -o 'derived graph refreshed.*' "$log" | head -1 >&2 || true
}

count() { # quads of the derived graph, and of everything else
  "$B" query --data-dir "$1" --format csv \
    "SELECT ?d (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } BIND(?g = <https://w3id.org/citykg/graph/derived> AS ?d) } GROUP BY ?d" | tail -n +2 | tr '\n' ' '
}

for size in $SIZES; do
  echo "$size load average before: $(cut -d" " -f1-3 /proc/loadavg)"
  cities=${size%x*}; practices=${size#*x}
  net=$WORK/net-$size.nq
  for run in $(seq "$RUNS"); do
    start=$(now)
    "$B" generate --cities "$cities" --practices "$practices" --seed 1 --out "$net" 2>/dev/null
    echo "$size generate run $run: $(since "$start") s"
  done
  echo "$size quads: $(wc -l <"$net")"
  for run in $(seq "$RUNS"); do
    rm -rf "$WORK/load-$size"
    "$B" load --data-dir "$WORK/load-$size" "$net" 2>&1 | grep '^loaded' | sed "s/^/$size citykg load run $run: /"
    if [[ -n ${OXIGRAPH:-} ]]; then
      rm -rf "$WORK/oxload-$size"
      start=$(now)
      "$OXIGRAPH" load --location "$WORK/oxload-$size" --file "$net" >/dev/null 2>&1
      echo "$size oxigraph load run $run: $(since "$start") s"
      rm -rf "$WORK/oxload-$size"
    fi
  done
  for run in $(seq "$RUNS"); do
    rm -rf "$WORK/store-$size"
    cp -a "$WORK/load-$size" "$WORK/store-$size"
    echo "$size serve first run $run: $(serve_time "$WORK/store-$size") s"
  done
  for run in $(seq "$RUNS"); do
    echo "$size serve unchanged run $run: $(serve_time "$WORK/store-$size") s"
  done
  echo "$size derived/data quads (derived=true first): $(count "$WORK/store-$size")"
  # One city's contribution of 100 practices: city 1 replaced by other data (seeds 2, 3, 4), and a new city.
  slug=$("$B" generate --only-city 1 --practices 100 --seed 2 --out "$WORK/city.nt" 2>&1 | sed -n 's/^city //p')
  for run in $(seq "$RUNS"); do
    "$B" generate --only-city 1 --practices 100 --seed $((run + 1)) --out "$WORK/city.nt" 2>/dev/null
    start=$(now)
    RUST_LOG=citykg=info "$B" contribute --city "$slug" "$WORK/city.nt" --data-dir "$WORK/store-$size" >"$WORK/contribute.log" 2>&1
    echo "$size contribute changed $slug run $run: $(since "$start") s; $(grep -o 'contribution committed.*' "$WORK/contribute.log" | head -1)"
    grep -o 'derived data refreshed for a contribution.*' "$WORK/contribute.log" | head -1 || true
  done
  for run in $(seq "$RUNS"); do
    index=$((cities + run - 1))
    new=$("$B" generate --only-city "$index" --practices 100 --seed 1 --out "$WORK/city.nt" 2>&1 | sed -n 's/^city //p')
    start=$(now)
    RUST_LOG=citykg=info "$B" contribute --city "$new" "$WORK/city.nt" --data-dir "$WORK/store-$size" >"$WORK/contribute.log" 2>&1
    echo "$size contribute added $new run $run: $(since "$start") s; $(grep -o 'contribution committed.*' "$WORK/contribute.log" | head -1)"
    grep -o 'derived data refreshed for a contribution.*' "$WORK/contribute.log" | head -1 || true
  done
  echo "$size derived/data quads after contributions: $(count "$WORK/store-$size")"
  echo "$size load average after: $(cut -d" " -f1-3 /proc/loadavg)"
  # KEEP=1 keeps the store (with the contributions) and the network for bench/pages.sh and
  # bench/queries.sh.
  if [[ -n ${KEEP:-} ]]; then rm -rf "$WORK/load-$size"; else rm -rf "$WORK/load-$size" "$WORK/store-$size" "$net"; fi
done
