# Sourced by the bench scripts: starts SPARQL engines on loopback over one N-Quads file, and stops
# everything it started when the calling script exits. Run from the repository root.
#   start_citykg FILE PORT     citykg serve over a fresh store loaded with `citykg load` ($B)
#   start_oxigraph FILE PORT   upstream `oxigraph serve --union-default-graph` (PyPI oxigraph)
#   start_virtuoso FILE PORT   Virtuoso 7 (Debian virtuoso-opensource-7-bin) with bench/virtuoso.ini
# Each prints nothing and returns once its /sparql answers. ENGINE_WORK is where stores live;
# ENGINE_TIMEOUT (default 120) is the query timeout, in seconds, of citykg and Oxigraph's server
# (OXIGRAPH_TIMEOUT, if set, of Oxigraph's server alone; 0: none).
ENGINE_WORK=${ENGINE_WORK:-/tmp/citykg-engines}
OXIGRAPH_VERSION=${OXIGRAPH_VERSION:-0.5.13}
B=${B:-target/release/citykg}
ENGINE_PIDS=()
mkdir -p "$ENGINE_WORK"

stop_engines() {
  for pid in "${ENGINE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${ENGINE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ENGINE_PIDS=()
}
trap stop_engines EXIT

# Waits until http://127.0.0.1:$1/sparql answers an ASK (up to 600 s: a first start at 3 M computes the derived graph).
wait_sparql() {
  for _ in $(seq 1 6000); do
    if curl -s -o /dev/null -w '%{http_code}' --data-urlencode 'query=ASK {}' \
        -H 'Accept: application/sparql-results+json' "http://127.0.0.1:$1/sparql" | grep -q 200; then
      return 0
    fi
    sleep 0.1
  done
  echo "no SPARQL endpoint on port $1" >&2
  return 1
}

start_citykg() {
  local file=$1 port=$2 dir=$ENGINE_WORK/citykg-$2
  rm -rf "$dir"
  "$B" load --data-dir "$dir" "$file" >/dev/null 2>&1
  # The answer cache is off (CITYKG_CACHE_MB=0) so that repeated runs measure evaluation, not hits.
  "$B" serve --data-dir "$dir" --bind "127.0.0.1:$port" --query-timeout "${ENGINE_TIMEOUT:-120}" \
    --cache-mb "${CITYKG_CACHE_MB:-0}" >"$dir.log" 2>&1 &
  ENGINE_PIDS+=($!)
  wait_sparql "$port"
}

oxigraph_cli() {
  local venv=target/bench-tools/venv
  if [[ ! -x $venv/bin/oxigraph ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "oxigraph==$OXIGRAPH_VERSION"
  fi
  echo "$venv/bin/oxigraph"
}

start_oxigraph() {
  local file=$1 port=$2 dir=$ENGINE_WORK/oxigraph-$2 cli
  cli=$(oxigraph_cli)
  rm -rf "$dir"
  "$cli" load --location "$dir" --file "$file" >/dev/null 2>&1
  # OXIGRAPH_TIMEOUT=0 starts it without --timeout-s: Oxigraph's server 0.5.13 starts a thread per
  # query that sleeps for the whole timeout, so page load (about 1,800 queries a second) exhausts
  # the process's threads within seconds (bench/README.md).
  local timeout=${OXIGRAPH_TIMEOUT:-${ENGINE_TIMEOUT:-120}} limit=()
  [[ $timeout == 0 ]] || limit=(--timeout-s "$timeout")
  "$cli" serve --location "$dir" --bind "127.0.0.1:$port" --union-default-graph "${limit[@]}" >"$dir.log" 2>&1 &
  ENGINE_PIDS+=($!)
  wait_sparql "$port"
}

start_virtuoso() {
  local file=$1 port=$2 dir=$ENGINE_WORK/virtuoso-$2 sql_port=$(( $2 + 1000 ))
  command -v virtuoso-t >/dev/null || {
    echo "virtuoso-t is missing: apt-get install virtuoso-opensource-7-bin" >&2; return 1; }
  rm -rf "$dir"; mkdir -p "$dir"
  sed -e "s|@DIR@|$dir|g" -e "s|@SQL_PORT@|$sql_port|g" -e "s|@HTTP_PORT@|$port|g" \
    bench/virtuoso.ini >"$dir/virtuoso.ini"
  cp "$file" "$dir/data.nq"
  virtuoso-t +foreground +configfile "$dir/virtuoso.ini" >"$dir/out.log" 2>&1 &
  ENGINE_PIDS+=($!)
  wait_sparql "$port"
  isql-vt "127.0.0.1:$sql_port" dba dba \
    exec="ld_dir('$dir', 'data.nq', 'https://w3id.org/citykg/graph/unnamed'); rdf_loader_run(); checkpoint;" >/dev/null
}

# citykg serving from an engine started above (issue 12): start_citykg_over oxigraph|virtuoso
# ENGINE_PORT PORT. The engine keeps the data; citykg adds the bundle and derived data to it on
# its first start if the file lacks them, so start it before timing the engine itself.
start_citykg_over() {
  local engine=$1 engine_port=$2 port=$3 dir=$ENGINE_WORK/citykg-over-$1-$3 flags
  rm -rf "$dir"; mkdir -p "$dir"
  case "$engine" in
    oxigraph)
      flags=(--sparql-endpoint "http://127.0.0.1:$engine_port/query"
             --update-endpoint "http://127.0.0.1:$engine_port/update") ;;
    virtuoso)
      isql-vt "127.0.0.1:$(( engine_port + 1000 ))" dba dba \
        exec="DB.DBA.USER_CREATE('citykg', 'bench'); GRANT SPARQL_UPDATE TO \"citykg\"; GRANT SPARQL_SELECT TO \"citykg\";" >/dev/null
      echo bench >"$dir/password"
      flags=(--sparql-endpoint "http://127.0.0.1:$engine_port/sparql"
             --update-endpoint "http://127.0.0.1:$engine_port/sparql-auth"
             --store-user citykg --store-password-file "$dir/password") ;;
    *) echo "start_citykg_over: oxigraph or virtuoso" >&2; return 1 ;;
  esac
  "$B" serve --data-dir "$dir/node" "${flags[@]}" --bind "127.0.0.1:$port" --query-timeout "${ENGINE_TIMEOUT:-120}" \
    --cache-mb "${CITYKG_CACHE_MB:-0}" >"$dir.log" 2>&1 &
  ENGINE_PIDS+=($!)
  wait_sparql "$port"
}
