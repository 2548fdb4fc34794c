# Two commands for a fresh machine: `make run` (whole pipeline on the default dataset) and
# `make test` (every test). Each creates or updates the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
PRESET ?= default

.PHONY: run test lint bench docs dashboard clean install

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ecom run --preset $(PRESET)

# Most of the suite's time is dbt parsing and compiling on one core: one worker per core (each
# builds its own tiny warehouse); the Spark tests form one group, so one Spark runs at a time.
# Lint runs first: it takes seconds, and a lint error should not wait behind a 17-minute suite.
test: $(STAMP)
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -n auto --dist loadgroup

# sqlfluff's dbt templater compiles against the in-memory `lint` target, with its own target
# path, so linting never locks the warehouse or breaks dbt's partial parsing. macros/ are linted
# through the models and tests that call them: the templater lints rendered SQL, and a file of
# macro definitions renders to nothing.
lint: $(STAMP)
	$(BIN)/ruff check src tests python_models
	ECOM_TARGET=lint DBT_TARGET_PATH=target-lint $(BIN)/sqlfluff lint models tests

bench: $(STAMP)
	$(BIN)/ecom bench --preset $(PRESET)

dashboard: $(STAMP)
	$(BIN)/ecom dashboard

docs: $(STAMP)
	$(BIN)/ecom docs

clean:
	rm -rf target target-lint logs
