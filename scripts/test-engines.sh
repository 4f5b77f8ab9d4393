#!/usr/bin/env bash
# The remote-engine suites (issue 12): the endpoint, page and contribution suites, then the
# engine crash and two-node tests, once on Oxigraph's server and once on Virtuoso 7, each test
# over a fresh engine on loopback (tests/common/engine.rs). Prints how long each engine took.
# Usage: scripts/test-engines.sh [oxigraph] [virtuoso]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh --engines
engines=("$@")
((${#engines[@]})) || engines=(oxigraph virtuoso)
for engine in "${engines[@]}"; do
  started=$SECONDS
  echo "== remote engine: $engine" >&2
  CITYKG_TEST_ENGINE=$engine cargo test --test sparql_protocol --test pages --test contributions
  CITYKG_TEST_ENGINE=$engine cargo test --test engines -- --ignored --test-threads 1
  echo "== $engine: $((SECONDS - started)) s" >&2
done
