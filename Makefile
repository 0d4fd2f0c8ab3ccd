# Yangguang developer commands. Everything runs inside .venv, which `make setup` creates.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help setup run test lint bench clean

help:
	@echo "make setup   create .venv, install requirements.txt, chromium + CJK fonts, compile translations"
	@echo "make run     migrate, load demo data, print demo logins, run the worker and http://127.0.0.1:8000/"
	@echo "make test    ruff, mypy, Django checks, migrations check, pytest (incl. browser tests)"
	@echo "make lint    ruff check, ruff format --check, mypy"
	@echo "make bench   run every benchmark in bench/ that has a main()"
	@echo "make clean   remove caches and test artefacts (keeps .venv and var/)"

setup:
	bash scripts/setup.sh

run: setup
	bash scripts/run.sh

test: setup
	bash scripts/test.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	@set -euo pipefail; found=0; \
	for f in bench/*.py; do \
	  [ -e "$$f" ] || continue; \
	  grep -Eq '^(async )?def main\(' "$$f" || continue; \
	  name=$$(basename "$$f" .py); found=1; \
	  echo "===== bench.$$name ====="; \
	  $(PY) -m bench.$$name; \
	done; \
	[ "$$found" = 1 ] || echo "no benchmarks with a main() in bench/"

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache htmlcov .coverage .coverage.* test-results
	find . -path ./.venv -prune -o -path ./node_modules -prune -o -type d -name __pycache__ -print0 | xargs -0 rm -rf
