# The two set-up commands of the README:
#   make run   installs and serves the app on the embedded default (SQLite, no servers)
#   make test  installs, starts the real test services and runs lint + the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint test-distributed test-embedded services-up services-down bench load

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

# Development defaults: DEBUG on (which also allows the development secret key).
run: export DJANGO_DEBUG ?= true
run: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seal_events  # what the set-up appended, before the server's sealer runs
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: lint services-up test-distributed test-embedded

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

services-up:
	scripts/services up

services-down:
	scripts/services down

# Everything, against the real PostgreSQL, Redis and Kafka started by scripts/services.
test-distributed: $(VENV)/.dev-installed
	eval "$$(scripts/services env)" && REQUIRE_SERVICES=1 $(BIN)/pytest

# The same public API again on the embedded default (SQLite, no servers).
test-embedded: $(VENV)/.dev-installed
	env -u DATABASE_URL -u CELERY_BROKER_URL -u KAFKA_BOOTSTRAP_SERVERS -u SCHEMA_REGISTRY_URL \
		$(BIN)/pytest -m "not postgres and not kafka and not redis and not browser"

bench: $(VENV)/.dev-installed services-up
	eval "$$(scripts/services env)" && $(BIN)/python benchmarks/append_throughput.py \
		&& $(BIN)/python benchmarks/relay_throughput.py \
		&& $(BIN)/python benchmarks/pipeline_latency.py \
		&& $(BIN)/python benchmarks/api_throughput.py \
		&& $(BIN)/python benchmarks/audit_throughput.py

# Simulated customers and translators through the whole workflow (Locust, headless).
load: $(VENV)/.dev-installed services-up
	eval "$$(scripts/services env)" && $(BIN)/python benchmarks/load_test.py
