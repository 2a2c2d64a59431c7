"""Where things live. Every path the warehouse uses is resolved here, from the environment.

`WAREHOUSE_DB_PATH` and `WAREHOUSE_LANDING_DIR` are honoured by `make run` and Dagster (dbt gets the
run's absolute draft path as `DBT_DUCKDB_PATH` in its environment, read by `dbt_project/profiles.yml`: an
environment variable, unlike `--vars`, keeps dbt's partial parsing valid). dbt run by hand never reads
`WAREHOUSE_DB_PATH`: without `DBT_DUCKDB_PATH` it builds the development copy `DEFAULT_DEV_DB_PATH`
(`make dbt` makes it from the published file: orchestration/dbt_dev.py), never the published warehouse.

DuckDB's memory: `WAREHOUSE_DUCKDB_MEMORY_LIMIT` (default 2.5GB, every DuckDB connection of a run: the
Python loads and dbt) with spilling to `<warehouse file>.tmp/` (`WAREHOUSE_DUCKDB_TEMP_DIR` for dbt), so a
large export is bounded by disk, not memory; when both run out the run fails and the published warehouse
stays as it was.

The defaults below are the only ones the orchestration uses: the Makefile exports none, and every dbt
invocation of a run and of `make docs` gets them in its environment (`dbt_environment()`,
orchestration/assets/dbt.py). profiles.yml repeats three of them as fallbacks, for one reason: a plain
`cd dbt_project && dbt build` has no Python in front of it to pass them on (dbt's Jinja cannot import this
module). Those are `DEFAULT_DEV_DB_PATH` (as `../warehouse/dev/warehouse.duckdb`, relative to dbt_project/),
`DEFAULT_DUCKDB_MEMORY_LIMIT` and the temp folder of `duckdb_temp_dir()`; tests/test_dbt_dev.py checks
that they render to the values here. `make dbt` on the default copy relies on them too, so that it is
exactly a plain dbt (one partial parse for both); parsing the project opens no database and needs none.

`WAREHOUSE_TARGET` picks the database: `duckdb` (default) or `postgres` (the server named by the libpq
variables PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; docs/POSTGRES.md).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
REFERENCE_DIR = SEEDS_DIR / "reference"
SURVEY_SEEDS_DIR = SEEDS_DIR / "survey"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

DEFAULT_DB_PATH = PROJECT_ROOT / "warehouse" / "warehouse.duckdb"
# Where a data engineer's dbt builds: `make dbt` copies the published warehouse here; a plain `dbt` in
# dbt_project/ builds here too (profiles.yml's default). One per checkout, whatever WAREHOUSE_DB_PATH is.
DEFAULT_DEV_DB_PATH = PROJECT_ROOT / "warehouse" / "dev" / "warehouse.duckdb"
DEFAULT_LANDING_DIR = PROJECT_ROOT / "warehouse" / "landing"
WAREHOUSE_TARGETS = ("duckdb", "postgres")


def _absolute(value: str | os.PathLike[str]) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def warehouse_db_path() -> Path:
    return _absolute(os.environ.get("WAREHOUSE_DB_PATH") or DEFAULT_DB_PATH)


def landing_dir() -> Path:
    return _absolute(os.environ.get("WAREHOUSE_LANDING_DIR") or DEFAULT_LANDING_DIR)


def export_min_units() -> int:
    """Figures over fewer units than this never leave the internal folder (`EXPORT_MIN_UNITS`, default 5;
    0: nothing suppressed): the rule is `orchestration/deliverables/small_bases.py`."""
    raw = (os.environ.get("EXPORT_MIN_UNITS") or "").strip()
    if not raw:
        return 5
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"EXPORT_MIN_UNITS={raw!r}: expected a whole number of units, 0 or more (0: suppress nothing)")
    return int(raw)


DEFAULT_DUCKDB_MEMORY_LIMIT = "2.5GB"


def duckdb_memory_limit() -> str:
    return os.environ.get("WAREHOUSE_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT


def duckdb_temp_dir(db_path: str | os.PathLike[str]) -> Path:
    """Where DuckDB spills what does not fit in memory: beside the database file it works on."""
    path = Path(db_path)
    return path.with_name(path.name + ".tmp")


def warehouse_target() -> str:
    """`duckdb` or `postgres`; picks the dbt profile output (`dbt_target`)."""
    target = (os.environ.get("WAREHOUSE_TARGET") or "duckdb").strip().lower()
    if target not in WAREHOUSE_TARGETS:
        raise ValueError(f"WAREHOUSE_TARGET={target!r}: expected one of {', '.join(WAREHOUSE_TARGETS)}")
    return target


# WAREHOUSE_TARGET -> the output of dbt_project/profiles.yml dbt runs against (`dev` is the DuckDB file).
DBT_TARGETS = {"duckdb": "dev", "postgres": "postgres"}


def dbt_target() -> str:
    return DBT_TARGETS[warehouse_target()]
