#!/usr/bin/env bash
# Bounded fuzzing (issue 15): builds the cargo-fuzz targets in fuzz/ and runs each for
# FUZZ_SECONDS (default 15), failing on the first crash; the crashing input is left in
# fuzz/artifacts/<target>/. Tools: scripts/setup-deps.sh --fuzz (nightly, cargo-fuzz).
#   FUZZ_SECONDS=600 scripts/fuzz.sh            # longer runs
#   FUZZ_TARGETS="accept csv_mapping" scripts/fuzz.sh
# The fuzz build goes to FUZZ_TARGET_DIR (default: fuzz/ under the main target dir, so a CI machine
# that keeps its target dir keeps a warm fuzz build too: a cold one compiles every dependency again
# under nightly with coverage instrumentation, 15+ minutes on 2 cores).
# RocksDB is not rebuilt: the fuzz build links the static library the ordinary debug build
# (`cargo build`) made, through a pkg-config file written here (fuzz/Cargo.toml asks oxigraph
# for `rocksdb-pkg-config`); without that, a fuzz build would compile RocksDB's C++ again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-15}
targets=${FUZZ_TARGETS:-"accept accept_language shacl_report csv_mapping contribution query_params"}

cargo build --lib --quiet
main_target=${CARGO_TARGET_DIR:-$root/target}
rocksdb_out=""
for dir in $(ls -td "$main_target"/debug/build/oxrocksdb-sys-*/out 2>/dev/null); do
    if [[ -f $dir/librocksdb.a && -f $dir/liblz4.a ]]; then rocksdb_out=$dir; break; fi
done
if [[ -z $rocksdb_out ]]; then
    echo "fuzz.sh: no librocksdb.a under $main_target/debug/build (did cargo build run?)" >&2
    exit 1
fi
rocksdb_src=$(cargo metadata --format-version 1 2>/dev/null | python3 -c '
import json, os, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "oxrocksdb-sys":
        print(os.path.dirname(p["manifest_path"]))
        break')
version=$(awk '/define ROCKSDB_(MAJOR|MINOR|PATCH) /{printf "%s%s", sep, $3; sep="."}' \
    "$rocksdb_src/rocksdb/include/rocksdb/version.h")
fuzz_target=${FUZZ_TARGET_DIR:-$main_target/fuzz}
pc_dir=$fuzz_target/pkgconfig
mkdir -p "$pc_dir"
cat > "$pc_dir/rocksdb.pc" <<PC
Name: rocksdb
Description: RocksDB as oxrocksdb-sys built it for citykg's debug build
Version: $version
Libs: -L$rocksdb_out -lrocksdb -llz4
Cflags: -I$rocksdb_src/rocksdb/include
PC
export PKG_CONFIG_PATH=$pc_dir
unset CARGO_TARGET_DIR
# The targets keep their set-up (store, temp dir) for the whole process: not leaks to report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

build_flags=(--release --debug-assertions --codegen-units 16 --target-dir "$fuzz_target")
cd fuzz
cargo +nightly fuzz build "${build_flags[@]}"
for target in $targets; do
    mkdir -p "corpus/$target"
    seeds=()
    [[ -d seeds/$target ]] && seeds=("seeds/$target")
    echo "fuzz.sh: $target for ${seconds}s"
    # -rss_limit_mb: a target may hold the bundle in memory; -timeout: a hang is a finding too (120 s: the
    # first input also pays for the set-up, the bundle loaded and indexed under ASan).
    log=$fuzz_target/fuzz-$target.log
    if ! cargo +nightly fuzz run "${build_flags[@]}" "$target" "corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=120 -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz.sh: $target found a crash; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(#[0-9]+.*DONE|Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || tail -n 5 "$log"
done
echo "fuzz.sh: no crash in ${seconds}s for each of: $targets"
