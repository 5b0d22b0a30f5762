# claims-ledger: `make run` runs the main job, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KAFKA_JARS := infra/kafka/lib/.fetched

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the ledger with its test tools

$(KAFKA_JARS): infra/kafka/pom.xml
	mvn -q -B -f infra/kafka/pom.xml dependency:copy-dependencies
	touch $(KAFKA_JARS)

kafka-jars: $(KAFKA_JARS) ## Fetch the Apache Kafka broker jars from Maven Central (tests)

run: $(STAMP) ## The main job: demo on SQLite files and the embedded Kafka broker
	$(BIN)/claims-ledger demo

lint: $(STAMP) ## ruff (format check and lint) and mypy --strict
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) $(KAFKA_JARS) lint ## Lint, then unit, integration (both brokers, SQLite, PostgreSQL) and e2e tests
	$(BIN)/pytest

bench: $(STAMP) $(KAFKA_JARS) ## Benchmarks: ratios against a raw baseline measured in the same run
	$(BIN)/python bench/suite.py
	$(BIN)/python bench/state_as_of.py
	$(BIN)/python bench/consumer_group.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/growth.py

schemas: $(STAMP) ## Regenerate docs/schemas from the envelope model
	$(BIN)/claims-ledger schema --write docs/schemas

serve: $(STAMP) ## The read-only web application on the examples (prints a token per role)
	$(BIN)/claims-ledger serve --demo

screenshots: $(STAMP) ## Retake docs/screenshots/ with the browser tests (needs Debian's chromium)
	LEDGER_WEB_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/web/test_browser.py

clean: ## Remove the ledger's data folder
	rm -rf .ledger

.PHONY: help install kafka-jars run lint test bench schemas serve screenshots clean
