# Two commands on a fresh machine: `make run` (set up, then the demo main job) and
# `make test` (set up everything the tests need, then the whole suite).
SHELL := /bin/bash
VENV := .venv

.PHONY: run test unit setup setup-test lint format bench clean

run: setup
	$(VENV)/bin/crawler run

test: setup-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

# The fast unit layer for your own loop (no real servers, no crawl processes): ~15 s.
unit: setup
	$(VENV)/bin/pytest -m "not e2e"

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
