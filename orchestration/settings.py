"""Where things live. Every path the warehouse uses is resolved here, from the environment.

`WAREHOUSE_DB_PATH` and `WAREHOUSE_LANDING_DIR` are honoured by `make run`, Dagster and dbt alike
(dbt gets the run's absolute path as `--vars`; run by hand it reads `WAREHOUSE_DB_PATH` in
`dbt_project/profiles.yml`).
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
DEFAULT_LANDING_DIR = PROJECT_ROOT / "warehouse" / "landing"
WAREHOUSE_TARGETS = ("duckdb", "postgres")


def _absolute(value: str | os.PathLike[str]) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def warehouse_db_path() -> Path:
    return _absolute(os.environ.get("WAREHOUSE_DB_PATH") or DEFAULT_DB_PATH)


def landing_dir() -> Path:
    return _absolute(os.environ.get("WAREHOUSE_LANDING_DIR") or DEFAULT_LANDING_DIR)



def warehouse_target() -> str:
    """`duckdb` or `postgres`; also the name of the dbt profile output that is used."""
    target = (os.environ.get("WAREHOUSE_TARGET") or "duckdb").strip().lower()
    if target not in WAREHOUSE_TARGETS:
        raise ValueError(f"WAREHOUSE_TARGET={target!r}: expected one of {', '.join(WAREHOUSE_TARGETS)}")
    return target
