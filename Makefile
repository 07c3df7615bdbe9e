# Credit decision service: the commands a person needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KAFKA := deploy/kafka/kafka.sh
# the native engine (Rust, native/): built into the virtual env with maturin, by cargo
export PATH := $(HOME)/.cargo/bin:$(PATH)
NATIVE_STAMP := $(VENV)/.native-installed
NATIVE_SOURCES := $(shell find native \( -path native/target -o -path 'native/*/tests' \) -prune -o -type f \( -name '*.rs' -o -name '*.toml' -o -name Cargo.lock -o -name '*.pyi' \) -print)

.DEFAULT_GOAL := help
.PHONY: help install native-test lint typecheck unit integration test bench bench-stages bench-kafka demo replay-example \
        kafka-fetch kafka-start kafka-stop kafka-clean clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NATIVE_STAMP): $(STAMP) $(NATIVE_SOURCES)
	$(BIN)/pip install --quiet ./native/engine
	touch $(NATIVE_STAMP)

install: $(STAMP) $(NATIVE_STAMP) ## create the virtual env; install the service, its native engine and dev tools

native-test: ## the native engine's gates and own tests: cargo clippy (warnings refused), cargo test
	cargo clippy --quiet --manifest-path native/Cargo.toml --workspace --all-targets -- -D warnings
	cargo test --quiet --manifest-path native/Cargo.toml --workspace

lint: $(STAMP) ## ruff
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

typecheck: $(STAMP) $(NATIVE_STAMP) ## mypy --strict on service/
	$(BIN)/mypy service

unit: $(STAMP) $(NATIVE_STAMP) ## tests that need no broker
	$(BIN)/pytest -m "not kafka" -q

integration: $(STAMP) kafka-fetch ## tests against a real broker (starts and stops the local one)
	@if [ -n "$$KAFKA_BOOTSTRAP_SERVERS" ]; then \
	  $(BIN)/pytest -m kafka -q; \
	else \
	  $(KAFKA) start && trap '$(KAFKA) stop' EXIT && \
	  KAFKA_BOOTSTRAP_SERVERS=$$($(KAFKA) address) $(BIN)/pytest -m kafka -q; \
	fi

test: lint typecheck native-test unit integration ## everything CI runs: ruff, mypy, cargo, unit and broker tests

replay-example: $(STAMP) ## replay the example event file to stdout
	$(BIN)/credit-service replay examples/events.jsonl

bench: $(STAMP) $(NATIVE_STAMP) ## engine benchmark: 100k accounts, 1M events, one core
	$(BIN)/python -m bench.replay_bench

bench-stages: $(STAMP) ## µs per event of each stage of the service's processing core, no broker
	$(BIN)/python -m bench.hop_costs

bench-kafka: $(STAMP) kafka-fetch ## service benchmark on the local broker
	$(KAFKA) start && trap '$(KAFKA) stop' EXIT && \
	KAFKA_BOOTSTRAP_SERVERS=$$($(KAFKA) address) $(BIN)/python -m bench.kafka_bench

demo: $(STAMP) kafka-fetch ## local broker + service + generated stream with a live summary
	$(BIN)/python -m service.demo

kafka-fetch: ## fetch the pinned Kafka jars with Maven
	$(KAFKA) fetch

kafka-start: kafka-fetch ## format and start a single-node KRaft broker, wait until ready
	$(KAFKA) start

kafka-stop: ## stop the local broker
	$(KAFKA) stop

kafka-clean: ## stop the broker and delete its data
	$(KAFKA) clean

clean: kafka-clean ## remove the virtual env, caches, broker data and the native build
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis native/target
