# Two commands on a fresh machine: `make run` (set up, then the demo main job) and
# `make test` (set up everything the tests need, then the whole suite).
SHELL := /bin/bash
VENV := .venv
# The suite runs on this many pytest-xdist workers (the CI machine has 2 cores); 0: one process.
WORKERS ?= 2
PYTEST := $(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup

.PHONY: run test unit setup setup-test lint format bench clean

run: setup
	$(VENV)/bin/crawler run

test: setup-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PYTEST)

# The fast unit layer for your own loop (no real servers, no crawl processes): ~15 s.
unit: setup
	$(PYTEST) -m "not e2e"

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh --test

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup-test
	for b in bench/bench_*.py; do $(VENV)/bin/python $$b || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
