# The front door. `make demo` and `make test` set up a fresh machine with nothing installed by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORE := $(VENV)/.installed-core
DEV := $(VENV)/.installed-dev
PYTEST_ARGS ?=
TEST_WORKERS ?= 2

.PHONY: demo console test test-readme test-browser test-fast lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the extras the README's tour uses too: Spark (--engine spark) and FollowTheMoney (export --format ftm)
$(CORE): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[spark,ftm]'
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(CORE)

## demo: create the environment, simulate 10k stores, scan on DuckDB, evaluate, show the top networks
demo: $(CORE)
	$(BIN)/marketguard demo --stores 10000 --seed 7 --workdir demo
	@echo "marketguard is installed in $(VENV): 'source $(VENV)/bin/activate' puts it on your PATH (README: A short tour)"

## console: the investigator console on the demo's results (a demo investigator's password is printed)
console: $(CORE)
	$(BIN)/marketguard serve demo/results --db demo/cases.sqlite --demo-user demo

## test: the whole default suite, Spark parity and every README command included, on $(TEST_WORKERS) workers
## (pytest-xdist; the suite is mostly one core's work); browser and slow tests are opt-in markers
test: $(DEV)
	$(BIN)/python -m pytest -m "not slow and not browser" -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## test-readme: every command and snippet of the README alone, run as written (about 5 minutes)
test-readme: $(DEV)
	$(BIN)/python -m pytest -m readme tests/test_readme.py $(PYTEST_ARGS)

## test-browser: the browser tests (case report in Debian's chromium via Playwright; `apt-get install chromium`)
test-browser: $(DEV)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

## test-fast: engine-free and DuckDB tests only
test-fast: $(DEV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(DEV)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

## bench: every benchmark under benchmarks/, JSON lines on stdout
bench: $(DEV)
	$(BIN)/python benchmarks/simulate.py --sizes 10000,100000
	$(BIN)/python benchmarks/validate.py --stores 100000
	$(BIN)/python benchmarks/hostile_input.py --stores 2000
	$(BIN)/python benchmarks/linking.py --stores 100000
	$(BIN)/python benchmarks/operator_index.py --stores 100000
	$(BIN)/python benchmarks/store_risk.py --stores 100000
	$(BIN)/python benchmarks/dense_blocks.py --stores 100000
	$(BIN)/python benchmarks/review_text.py
	$(BIN)/python benchmarks/review_fraud.py --stores 10000 --seed 7
	$(BIN)/python benchmarks/review_fraud.py --stores 10000 --seed 7 --difficulty hard --skip-yelpchi
	$(BIN)/python benchmarks/tracing.py --stores 10000 --seed 7
	$(BIN)/python benchmarks/tracing.py --stores 10000 --seed 7 --difficulty hard
	$(BIN)/python benchmarks/tracing.py --stores 100000
	$(BIN)/python benchmarks/customs.py --stores 10000 --seed 7
	$(BIN)/python benchmarks/customs.py --stores 10000 --seed 7 --difficulty hard
	$(BIN)/python benchmarks/scan.py --stores 100000
	$(BIN)/python benchmarks/scale.py --seed 7
	$(BIN)/python benchmarks/api.py --stores 100000 --seed 7
	$(BIN)/python benchmarks/live.py --stores 2000 --seed 7
	$(BIN)/python benchmarks/live_scale.py --seed 7

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
