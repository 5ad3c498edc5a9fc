# quiesce: build, demo, test. Suites need root (network namespaces, TUN).
CARGO ?= cargo
QUIESCE := target/debug/quiesce

.PHONY: all build demo test unit integration suites check lint clean bench

all: build

build:
	$(CARGO) build --workspace --bins

## demo: the weave #1554 reproduction, before and after the fix, side by side
demo: build
	$(QUIESCE) run suites/weave-1554.yaml --out target/quiesce-demo; test $$? -le 1

## test: unit tests in parallel, then the namespace tests one at a time
test: build
	$(CARGO) test --workspace --lib --bins
	$(CARGO) test --workspace --test '*' -- --test-threads=1

## suites: run every suite in suites/
suites: build
	$(QUIESCE) run suites/*.yaml

## check: validate every suite without running it (no root needed)
check: build
	$(QUIESCE) check suites/*.yaml

## bench: the switch against a veth pair, one table (as root; installs
## iperf3 and sockperf if missing; see BENCHMARKS.md)
bench:
	@command -v iperf3 >/dev/null && command -v sockperf >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 sockperf; }
	$(CARGO) build --release --workspace --bins
	$(CARGO) bench -p quiesce --bench switch -- --out $(CURDIR)/target/bench-table.md

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

clean:
	$(CARGO) clean
