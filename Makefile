# Two commands on a fresh machine: `make run` and `make test`. Both bootstrap .venv when needed.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
export PATH := $(BIN):$(PATH)

# WAREHOUSE_DB_PATH and WAREHOUSE_LANDING_DIR: defaults live in orchestration/settings.py only.
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

MANIFEST := dbt_project/target/manifest.json
TEST_WORKERS ?= 2
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o \( -name '*.sql' -o -name '*.yml' -o -name '*.py' \) -print 2>/dev/null)

.PHONY: run test test-fast ui sample lint bench query rollback clean help export report scan docs dbt codebook pull FORCE

help:
	@echo "make run     build the warehouse from the landing directory (the default, empty one gets the SYNTHETIC sample)"
	@echo "make test    the whole suite: pytest (with dbt build and its tests) and sqlfluff lint"
	@echo "make test-fast  the fast tier (seconds): everything but the full warehouse builds (pytest -m 'not e2e')"
	@echo "make ui      Dagster UI on http://127.0.0.1:3000 (workspace.yaml)"
	@echo "make sample  (re)write the synthetic sample (w1_2023 and the follow-up w2_2025) into the landing directory"
	@echo "make query SQL=\"select ...\"  one read-only query on the published warehouse"
	@echo "make rollback [TO=<id>]  list the kept previous warehouses, or publish one of them again"
	@echo "make bench   benchmarks (bench/)"
	@echo "make export  CSV, Excel, SPSS and Parquet files per wave next to the warehouse (exports/<wave_id>/)"
	@echo "make report  the HTML report per wave with its charts (reports/<wave_id>/report.html)"
	@echo "make scan    the municipality scans per wave, internal (reports/<wave_id>/municipalities/index.html)"
	@echo "make docs    dbt's documentation site as one HTML file next to the warehouse (dbt_docs.html)"
	@echo "make pull [WAVE=<id>]  the connected waves' responses from the Qualtrics API into the landing directory (QUALTRICS_API_TOKEN, QUALTRICS_BASE_URL; docs/QUALTRICS_API.md)"
	@echo "make codebook QSF=<survey.qsf> [COMPARE_TO=<earlier codebook.yaml or survey.qsf>]  a new wave's codebook from its QSF, with comparable_to proposals (docs/ADD_A_WAVE.md)"
	@echo "make dbt ARGS=\"build -s my_model+\"  dbt on the development copy warehouse/dev/warehouse.duckdb, never the published file (FRESH=1: copy it again)"
	@echo "WAREHOUSE_TARGET=postgres make run   the same, into the PostgreSQL server the PG* variables name (docs/POSTGRES.md)"

# VERBOSE=1 (`make run VERBOSE=1`): every command and all of its output as it comes. Without it the two
# bootstrap steps below print one line each when they run (nothing when .venv and the manifest are there),
# their output kept in a file that is shown only if they fail, and `make run` prints one line per stage
# and the summary, the full dbt and Dagster log going to a file it names (orchestration/run_progress.py).
VERBOSE ?=
VERBOSE_FLAG := $(if $(filter-out 0,$(VERBOSE)),--verbose)
ifeq ($(VERBOSE_FLAG),)
Q := @
# $(call quietly,what it does,log file,shell command)
quietly = echo "$(1) ... (output: $(patsubst $(CURDIR)/%,%,$(2)))"; mkdir -p $(dir $(2)); \
  if ! ( $(3) ) > $(2) 2>&1; then cat $(2); echo "$(1) failed; its output above is also in $(2)" >&2; exit 1; fi
else
Q :=
quietly = $(3)
endif

$(BIN)/.installed: pyproject.toml
	$(Q)$(call quietly,setting up .venv (once),$(VENV)/install.log,{ test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); } \
	  && $(BIN)/python -m pip install --quiet --upgrade pip && $(BIN)/python -m pip install --quiet -e '.[dev]')
	@touch $@

# dagster-dbt reads manifest.json when the code location is imported: build it first.
$(MANIFEST): $(BIN)/.installed $(DBT_SOURCES)
	$(Q)$(call quietly,preparing the dbt manifest,$(CURDIR)/dbt_project/target/prepare.log,cd $(CURDIR) \
	  && $(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py)
	@touch $@

# A local instance for run history; no telemetry (these machines reach package registries only).
# Runs of the refresh job (tag warehouse_refresh) queue one at a time instead of colliding on the warehouse.
# The event log is Dagster's SQLite one with its connections kept open (orchestration/instance_storage.py).
# Checked on every run (it names its own folder, which moves with the checkout), rewritten only on a change.
# A dagster.yaml someone else wrote is left alone (add the concurrency section to it yourself).
$(DAGSTER_HOME)/dagster.yaml: FORCE
	@mkdir -p $(@D)
	@if [ -f $@ ] && ! grep -q '^# written by the Makefile' $@; then \
	  echo "$@ is not ours: left as it is (see the Makefile for the run queue it should have)"; \
	else printf '%s\n' '# written by the Makefile' 'telemetry:' '  enabled: false' 'concurrency:' '  runs:' \
	  '    tag_concurrency_limits:' '      - key: warehouse_refresh' '        limit: 1' \
	  'event_log_storage:' '  module: orchestration.instance_storage' \
	  '  class: KeptConnectionSqliteEventLogStorage' '  config:' \
	  '    base_dir: $(abspath $(@D))/history/runs' > $@.new; \
	  if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi; fi

run: $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(Q)$(BIN)/python -m synthetic --demo-landing
	$(Q)WAREHOUSE_ALLOW_DROPPED="$${WAREHOUSE_ALLOW_DROPPED:-$(ALLOW_DROPPED)}" $(BIN)/python -m orchestration.cli run $(VERBOSE_FLAG) $(if $(FORCE),--force)

# make rollback: list the kept warehouses; make rollback TO=<id>: publish that one again
rollback: $(BIN)/.installed
	$(BIN)/python -m orchestration.cli rollback $(TO)

# Two pytest workers (pytest-xdist), whole files each: module fixtures (a scenario build) stay one build;
# the session's warehouse is built once for both; files start in tests/conftest.py's order (longest first).
# sqlfluff runs beside them at a lower priority, on the CPU time they leave (dbt starts, waits); its report
# is printed once pytest ends. The exit status is pytest's, else sqlfluff's.
test: $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	@lint_log=$$(mktemp); nice -n 10 $(MAKE) --no-print-directory lint > $$lint_log 2>&1 & lint=$$!; \
	trap 'kill $$lint 2>/dev/null' INT TERM; \
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder; tests=$$?; \
	wait $$lint; linted=$$?; cat $$lint_log; rm -f $$lint_log; \
	if [ $$tests -ne 0 ]; then exit $$tests; fi; exit $$linted

# The fast tier: Python tests, the lineage and docs checks, and the dbt unit tests of the rules; no test
# that builds a whole warehouse (marker `e2e`). `make test` runs those too.
test-fast: $(MANIFEST)
	$(BIN)/python -m pytest -q -m "not e2e"

# Two processes: templating and linting 90 files is CPU work (39 s on one core, 25 s on two).
lint: $(MANIFEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint --processes 2 dbt_project/models dbt_project/tests

ui: $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml

# make query SQL="select * from marts.mart_report_figures where not matches_report"
query: $(BIN)/.installed
	$(BIN)/python -m orchestration.cli query "$(SQL)"

# A wave's full codebook derived from Qualtrics' survey definition, printed for review (contract §5.1).
codebook: $(BIN)/.installed
	@test -n "$(QSF)" || { echo "usage: make codebook QSF=<survey.qsf> [COMPARE_TO=<earlier codebook.yaml or survey.qsf>]" >&2; exit 2; }
	@$(BIN)/python -m orchestration.cli codebook "$(QSF)" $(if $(COMPARE_TO),--compare-to "$(COMPARE_TO)")

# Responses straight from the Qualtrics API into the landing directory (contract §5.2); `make run` builds from them.
pull: $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(Q)$(BIN)/python -m orchestration.cli pull $(if $(WAVE),--wave "$(WAVE)")

# Analysts' files from the published warehouse (orchestration/deliverables); `make run` also writes them.
export: $(BIN)/.installed
	$(BIN)/python -m orchestration.deliverables export

report: $(BIN)/.installed
	$(BIN)/python -m orchestration.deliverables report

# The municipality scans (internal) beside each wave's report; `make run` also writes them.
scan: $(BIN)/.installed
	$(BIN)/python -m orchestration.deliverables scan

docs: $(MANIFEST)
	$(BIN)/python -m orchestration.deliverables docs

# make dbt ARGS="build -s my_model+": the venv's dbt in dbt_project/ on warehouse/dev/warehouse.duckdb, a copy
# of the published warehouse made when missing or with FRESH=1 (orchestration/dbt_dev.py; docs/ARCHITECTURE.md).
dbt: $(BIN)/.installed
	$(BIN)/python -m orchestration.dbt_dev $(if $(FRESH),--fresh) -- $(ARGS)

sample: $(BIN)/.installed
	$(BIN)/python -m synthetic --landing-dir "$$($(BIN)/python -c 'from orchestration.settings import landing_dir; print(landing_dir())')" --force

# The side-by-side comparisons of bench/README.md (the 1 000 000-respondent run: add SIZES=...).
SIZES ?= 10000,100000
bench: $(MANIFEST) | $(DAGSTER_HOME)
	$(BIN)/python bench/run_benchmarks.py --sizes $(SIZES) --make-test

clean:
	rm -rf dbt_project/target dbt_project/target_lint dbt_project/logs .dagster_home

FORCE:
