#!/usr/bin/env bash
# Installs what citykg's build and tests need on Debian, only when it is missing: libclang (bindgen,
# for Oxigraph's bundled RocksDB), Python's venv, and pySHACL in target/pyshacl-venv (the SHACL
# cross-check test). Pass --browser to add Chromium for page tests.
set -euo pipefail

need=()
if ! ldconfig -p 2>/dev/null | grep -q 'libclang\(-[0-9.]*\)\?\.so' \
   && ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1; then
  need+=(libclang-dev)
fi
if [[ "${1:-}" == "--browser" ]] && ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
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
