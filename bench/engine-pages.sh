#!/usr/bin/env bash
# Pages through citykg over an engine (issue 12), side by side in one run: bench/pages.sh on an
# embedded store, then on citykg serving from Oxigraph's server and from Virtuoso 7, both loaded
# (bench/engines.sh) with the same N-Quads dump of that store. Prints pages.sh's tables in turn.
#   bash bench/engine-pages.sh STORE_DIR DUMP.nq   (B=target/release/citykg DURATION=10s)
# ENGINES picks the runs (default "embedded oxigraph virtuoso"); CONNS is passed to pages.sh.
# DUMP.nq is `citykg dump --data-dir STORE_DIR`: the bundle and the derived graph included, so no
# node recomputes anything on its first start.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?usage: bench/engine-pages.sh STORE_DIR DUMP.nq}
file=${2:?usage: bench/engine-pages.sh STORE_DIR DUMP.nq}
export B=${B:-target/release/citykg}
source bench/engines.sh
work=$ENGINE_WORK/engine-pages
rm -rf "$work"; mkdir -p "$work"

ENGINES=${ENGINES:-embedded oxigraph virtuoso}
wants() { [[ " $ENGINES " == *" $1 "* ]]; }

if wants embedded; then
  echo "## embedded ($store)"
  PORT=7961 bash bench/pages.sh "$store"
fi

if wants oxigraph; then
  # Without --timeout-s (see start_oxigraph): with it, the server falls over under page load.
  OXIGRAPH_TIMEOUT=${OXIGRAPH_TIMEOUT:-0} start_oxigraph "$file" 7962
  echo "## over Oxigraph's server 0.5.13"
  SERVE_FLAGS="--sparql-endpoint http://127.0.0.1:7962/query --update-endpoint http://127.0.0.1:7962/update" \
    QUIET_PIDS=${ENGINE_PIDS[-1]} PORT=7961 bash bench/pages.sh "$work/node-oxigraph" || echo "(the run over Oxigraph's server failed)"
  stop_engines
fi

if wants virtuoso; then
  start_virtuoso "$file" 7963
  isql-vt 127.0.0.1:8963 dba dba \
    exec="DB.DBA.USER_CREATE('citykg', 'bench'); GRANT SPARQL_UPDATE TO \"citykg\"; GRANT SPARQL_SELECT TO \"citykg\";" >/dev/null
  echo bench >"$work/password"
  echo "## over Virtuoso 7"
  SERVE_FLAGS="--sparql-endpoint http://127.0.0.1:7963/sparql --update-endpoint http://127.0.0.1:7963/sparql-auth --store-user citykg --store-password-file $work/password" \
    QUIET_PIDS=${ENGINE_PIDS[-1]} PORT=7961 bash bench/pages.sh "$work/node-virtuoso"
fi
