# Sourced by the bench scripts: checks wrk, builds citykg's release binary in its own target dir (so
# a benchmark build never blocks development builds) and installs upstream's `oxigraph` CLI — the
# release binary the Oxigraph project publishes on PyPI (package `oxigraph`, the same program as
# `cargo install oxigraph-cli`) — into a venv under target/bench-tools on first use.
# Sets OXIGRAPH to that CLI's path. Run from the repository root.
OXIGRAPH_VERSION=${OXIGRAPH_VERSION:-0.5.13}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet --target-dir target/bench
OXIGRAPH=target/bench-tools/venv/bin/oxigraph
if [[ ! -x $OXIGRAPH ]]; then
  python3 -m venv target/bench-tools/venv
  target/bench-tools/venv/bin/pip install --quiet "oxigraph==$OXIGRAPH_VERSION"
fi
