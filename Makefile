# The README's commands. Everything runs in a local virtual environment that `make` creates and reuses.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench openapi clean help

help:
	@echo "make run    load demo data on SQLite and serve the API on http://127.0.0.1:8000 (prints demo keys)"
	@echo "make test   lint, type checks, standards validation and the whole test suite"
	@echo "make bench  benchmarks (slow; figures go in the README)"
	@echo "make openapi  regenerate openapi/openapi.json"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/oap score api/examples/example-audit.yaml --format text | head -n 6
	$(BIN)/oap demo
	$(BIN)/oap serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/oap standards validate
	$(BIN)/python -m pytest

test: lint typecheck unit

openapi: $(STAMP)
	$(BIN)/oap openapi

bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
