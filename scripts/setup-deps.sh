#!/usr/bin/env bash
# Installs what citykg's build and tests need on Debian, only when it is missing: libclang (bindgen,
# for Oxigraph's bundled RocksDB), Python's venv, and pySHACL in target/pyshacl-venv (the SHACL
# cross-check test). Pass --browser to add Chromium for page tests, and --clients for the SPARQL
# client suite: SPARQLWrapper and rdflib in target/clients-venv, Comunica in target/comunica; --fuzz
# for scripts/fuzz.sh: the nightly toolchain and cargo-fuzz (pinned), and pkg-config.
# Pass --engines for the remote-engine suites (scripts/test-engines.sh): Virtuoso 7 from Debian
# (binaries only, no service is started) and Oxigraph's server from PyPI in target/bench-tools/venv.
set -euo pipefail

need=()
if ! ldconfig -p 2>/dev/null | grep -q 'libclang\(-[0-9.]*\)\?\.so' \
   && ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1; then
  need+=(libclang-dev)
fi
browser=0 clients=0 engines=0 fuzz=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    --clients) clients=1 ;;
    --engines) engines=1 ;;
    --fuzz) fuzz=1 ;;
    *) echo "setup-deps.sh: unknown option $arg (use --browser, --clients, --engines, --fuzz)" >&2; exit 2 ;;
  esac
done
if ((browser)) && ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
if ((clients || browser)) && ! command -v npm >/dev/null 2>&1; then
  need+=(nodejs npm)
fi
if ((engines)) && ! command -v virtuoso-t >/dev/null 2>&1; then
  need+=(virtuoso-opensource-7-bin)
fi
if ((fuzz)) && ! command -v pkg-config >/dev/null 2>&1; then
  need+=(pkg-config)
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need+=(python3 python3-venv)
fi
if ((${#need[@]})); then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "installing: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# pySHACL, pinned, in a virtualenv under target/ (PyPI is reachable from the build machines).
cd "$(dirname "$0")/.."
venv=target/pyshacl-venv
if ! "$venv/bin/python" -c 'import pyshacl' >/dev/null 2>&1; then
  echo "installing pySHACL into $venv" >&2
  mkdir -p target
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check pyshacl==0.40.1
fi

# axe-core and a driver for the browser test's accessibility check (tests/axe/run.mjs), pinned.
if ((browser)) && command -v npm >/dev/null 2>&1; then
  axe=target/axe
  if [[ ! -d "$axe/node_modules/axe-core" || ! -d "$axe/node_modules/playwright-core" ]]; then
    echo "installing axe-core and playwright-core into $axe" >&2
    mkdir -p "$axe"
    npm install --silent --no-audit --no-fund --prefix "$axe" axe-core@4.14.1 playwright-core@1.65.1 >/dev/null
  fi
fi

# The SPARQL client suite (tests/clients.rs): pinned clients, each in its own folder under target/.
if ((clients)); then
  clients_venv=target/clients-venv
  if ! "$clients_venv/bin/python" -c 'import SPARQLWrapper, rdflib' >/dev/null 2>&1; then
    echo "installing SPARQLWrapper and rdflib into $clients_venv" >&2
    python3 -m venv "$clients_venv"
    "$clients_venv/bin/pip" install -q --disable-pip-version-check SPARQLWrapper==2.0.0 rdflib==7.6.0
  fi
  comunica=target/comunica
  if [[ ! -d "$comunica/node_modules/@comunica/query-sparql" ]]; then
    echo "installing Comunica into $comunica" >&2
    mkdir -p "$comunica"
    npm install --silent --no-audit --no-fund --prefix "$comunica" @comunica/query-sparql@4.5.0 >/dev/null
  fi
fi

# Oxigraph's own server for the remote-engine suites and the benchmarks, pinned to the version
# citykg embeds.
if ((engines)); then
  engines_venv=target/bench-tools/venv
  if [[ ! -x $engines_venv/bin/oxigraph ]]; then
    echo "installing Oxigraph's server (PyPI oxigraph 0.5.13) into $engines_venv" >&2
    mkdir -p target/bench-tools
    python3 -m venv "$engines_venv"
    "$engines_venv/bin/pip" install -q --disable-pip-version-check oxigraph==0.5.13
  fi
fi

# Fuzzing (scripts/fuzz.sh): cargo fuzz needs nightly for its sanitizer flags.
if ((fuzz)); then
  if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "installing the nightly toolchain" >&2
    rustup toolchain install nightly --profile minimal
  fi
  if [[ $(cargo fuzz --version 2>/dev/null) != "cargo-fuzz 0.13.2" ]]; then
    echo "installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz@0.13.2
  fi
fi
