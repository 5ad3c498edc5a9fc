# quiesce: build, demo, test. Suites need root (network namespaces, TUN).
CARGO ?= cargo
QUIESCE := target/debug/quiesce

.PHONY: all build demo test unit integration suites explore check lint clean bench scale kill-trials

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

## suites: run every scripted suite in suites/ (the explore-*.yaml suites
## draw their faults at random: see `make explore`)
SCRIPTED := $(filter-out suites/explore-%,$(wildcard suites/*.yaml))
suites: build
	$(QUIESCE) run $(SCRIPTED)

## explore: each explore-*.yaml suite, 10 schedules from seed 1 per variant
## (about 100 minutes on 2 cores; the table in docs/explore.md)
EXPLORE_OUT ?= target/quiesce-explore
explore: build
	@for f in $(wildcard suites/explore-*.yaml); do \
		for v in $$($(QUIESCE) list $$f | sed -n 's/^  - \([^:]*\):.*/\1/p'); do \
			echo "== $$f $$v"; \
			$(QUIESCE) explore $$f --variant $$v --seed 1 --runs 10 --out $(EXPLORE_OUT) | tail -n 40; \
		done; \
	done

## check: validate every suite without running it (no root needed)
check: build
	$(QUIESCE) check suites/*.yaml

## bench: the switch against veth pairs, one table and a plot (as root; installs
## iperf3 and sockperf if missing; see BENCHMARKS.md)
bench:
	@command -v iperf3 >/dev/null && command -v sockperf >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 sockperf; }
	$(CARGO) build --release --workspace --bins
	$(CARGO) bench -p quiesce --bench switch -- --out $(CURDIR)/target/bench-table.md --plot $(CURDIR)/target/bench-plot.svg

## scale: only the bench's scale rows (a ring of SCALE_NODES `quiesce-node
## ping` peers, each size in turn), one table (as root; see BENCHMARKS.md)
SCALE_NODES ?= 200,500,1000
scale:
	$(CARGO) build --release --workspace --bins
	$(CARGO) bench -p quiesce --bench switch -- --scale-only --nodes $(SCALE_NODES) --out $(CURDIR)/target/scale-table.md

## kill-trials: SIGKILL `quiesce run` at 50 moments of a real suite and
## look for anything left behind (as root; `make test` runs 4)
KILL_TRIALS ?= 50
kill-trials: build
	QUIESCE_KILL_TRIALS=$(KILL_TRIALS) $(CARGO) test -p quiesce --test namespaces kill_trials -- --nocapture --test-threads=1

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

clean:
	$(CARGO) clean

## fuzz: each fuzz target for FUZZ_SECONDS in turn (nightly and cargo-fuzz;
## docs/fuzzing.md)
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) ci/fuzz.sh
