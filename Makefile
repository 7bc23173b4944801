# Embody: the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: demo test setup build release clean

## Install what is missing, build in release mode and run the default scenario headlessly.
demo: setup release
	.build/release/embody run

## Install what is missing, then run the whole test suite, then check debug and release builds agree bit for bit.
test: setup
	$(SWIFT) test
	bash scripts/determinism-across-builds.sh

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product embody

clean:
	rm -rf .build
