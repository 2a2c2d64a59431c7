# Two commands on a fresh machine: `make run` and `make test`. Both bootstrap .venv when needed.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
export PATH := $(BIN):$(PATH)

# WAREHOUSE_DB_PATH and WAREHOUSE_LANDING_DIR: defaults live in orchestration/settings.py only.
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o \( -name '*.sql' -o -name '*.yml' \) -print 2>/dev/null)

.PHONY: run test ui sample lint bench query clean help

help:
	@echo "make run     build the warehouse from the landing directory (the default, empty one gets the SYNTHETIC sample)"
	@echo "make test    the whole suite: pytest (with dbt build and its tests) and sqlfluff lint"
	@echo "make ui      Dagster UI on http://127.0.0.1:3000 (workspace.yaml)"
	@echo "make sample  (re)write the synthetic wave-1 sample into the landing directory"
	@echo "make query SQL=\"select ...\"  one read-only query on the published warehouse"
	@echo "make bench   benchmarks (bench/)"
	@echo "WAREHOUSE_TARGET=postgres make run   the same, into the PostgreSQL server the PG* variables name (docs/POSTGRES.md)"

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# dagster-dbt reads manifest.json when the code location is imported: build it first.
$(MANIFEST): $(BIN)/.installed $(DBT_SOURCES)
	cd $(CURDIR) && $(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py
	@touch $@

# A local instance for run history; no telemetry (these machines reach package registries only).
$(DAGSTER_HOME):
	@mkdir -p $@ && printf 'telemetry:\n  enabled: false\n' > $@/dagster.yaml

run: $(MANIFEST) | $(DAGSTER_HOME)
	$(BIN)/python -m synthetic --demo-landing
	$(BIN)/python -m orchestration.cli run

test: $(MANIFEST) | $(DAGSTER_HOME)
	$(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory lint

lint: $(MANIFEST)
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

ui: $(MANIFEST) | $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml

# make query SQL="select * from marts.mart_report_figures where not matches_report"
query: $(BIN)/.installed
	$(BIN)/python -m orchestration.cli query "$(SQL)"

sample: $(BIN)/.installed
	$(BIN)/python -m synthetic --landing-dir "$$($(BIN)/python -c 'from orchestration.settings import landing_dir; print(landing_dir())')" --force

bench: $(MANIFEST)
	$(BIN)/python bench/run_benchmarks.py

clean:
	rm -rf dbt_project/target dbt_project/target_lint dbt_project/logs .dagster_home
