# Embody: the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: test-cluster demo test setup build release install clean bench bench-check bench-baseline bench-suite bench-mallocs bench-peers fuzz sanitize

## Install what is missing, build in release mode and run the default scenario headlessly.
demo: setup release
	.build/release/embody run

## Install what is missing, then run the whole test suite, then check debug and release builds agree bit for bit.
test: setup
	$(SWIFT) test
	bash scripts/determinism-across-builds.sh
	bash scripts/install-test.sh
	bash scripts/viewer-tests.sh
	bash scripts/custom-controller-example.sh
	bash scripts/python-tests.sh

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product embody

## Install under PREFIX (default /usr/local; DESTDIR is honoured): bin/embody and bin/embody-exercise, the bundled
## scenarios, robots and exercises under share/embody, shell completions, and the C library and header
## (lib/libembody.so, include/embody.h; scripts/install.sh). The installed binary finds share/embody relative to itself.
PREFIX ?= /usr/local
install: setup
	$(SWIFT) build -c release --product embody
	$(SWIFT) build -c release --product embody-exercise
	$(SWIFT) build -c release --product EmbodyC
	bash scripts/install.sh "$(DESTDIR)$(PREFIX)"

clean:
	rm -rf .build

## Measure every bundled scenario: steps/s, real-time factor, phase shares, full tick against bare step.
bench: setup release
	.build/release/embody bench

## The deterministic performance gate: instruction counts (callgrind) of fixed workloads against
## Benchmarks/baselines/callgrind.json; fails on a regression beyond 2%.
bench-check: setup
	python3 scripts/callgrind-gate.py check

## Re-record the callgrind baselines (commit Benchmarks/baselines/callgrind.json with the change).
bench-baseline: setup
	python3 scripts/callgrind-gate.py baseline

## The package-benchmark suite (wall clock, CPU, mallocs, peak memory), then its zero-malloc thresholds:
## fails when a steady-state tick or physics step allocates. The first build takes a few minutes.
bench-suite: setup
	cd Benchmarks && $(SWIFT) package benchmark --no-progress
	cd Benchmarks && $(SWIFT) package benchmark thresholds check --no-progress --filter "mallocs-.*"

## Only the suite's zero-malloc thresholds (CI runs this): fails when a steady-state tick, a physics step,
## a depth-camera frame or an IK solve allocates in a release build.
bench-mallocs: setup
	cd Benchmarks && $(SWIFT) package benchmark thresholds check --no-progress --filter "mallocs-.*"

## The targets, PyBullet and MuJoCo, and scaling; rewrites the measured sections of docs/performance.md.
bench-peers: setup release
	python3 Benchmarks/peers/targets.py --write-docs
	python3 Benchmarks/peers/pybullet_peer.py --write-docs
	python3 Benchmarks/peers/mujoco_peer.py --write-docs
	python3 Benchmarks/peers/humanoid_peer.py --write-docs
	python3 Benchmarks/peers/scaling.py --write-docs
	python3 Benchmarks/peers/python_peer.py --write-docs
	python3 Benchmarks/peers/realtime_jitter.py --write-docs

## The sweep tests: a Slurm job array on a single-node cluster (skipped with a message when none is up;
## start one with `sudo scripts/slurm-up.sh`), collect's statistics, JUnit XML and baselines.
test-cluster: setup
	bash scripts/cluster-tests.sh

## Coverage-guided fuzzing (libFuzzer + ASan) of the scenario loader, the URDF loader and the log reader, in
## .build-fuzz: the committed regression inputs, then FUZZ_SECONDS of fuzzing per target (docs/testing.md).
## Fails on any crash, trap, timeout (FUZZ_TIMEOUT s per input) or memory blow-up (FUZZ_RSS_MB).
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB ?= 2048
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) FUZZ_RSS_MB=$(FUZZ_RSS_MB) bash scripts/fuzz.sh

## The test suite under AddressSanitizer and UndefinedBehaviorSanitizer (clang's, on the C and C++), in .build-asan;
## fails on any report, from the tests or the tools they start (docs/testing.md, which names the skipped tests).
sanitize: setup
	bash scripts/sanitizers.sh
