# The two commands a newcomer needs: `make serve` and `make test`.
# Both first install missing system packages (libclang for RocksDB's bindings).

.PHONY: serve test deps check bench

deps:
	./scripts/setup-deps.sh

serve: deps
	cargo run --release -- serve

test: deps
	cargo test

check: deps
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

bench: deps
	./bench/run.sh
