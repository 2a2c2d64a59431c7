"""Where the warehouse is stored: one module per backend behind one small interface, chosen once.

`backend_for(target)` gives the backend of a WAREHOUSE_TARGET (`duckdb`: orchestration/backends/duckdb.py,
one file published by a rename; `postgres`: orchestration/backends/postgres.py, `draft_*` schemas published
by renaming them), `current_backend()` the one the environment names. Everything the rest of the project
does with storage goes through a `Backend` or the connection functions below: nothing outside this package
knows which backend runs. The storage itself lives beside them: `duckdb_io` (connections, whole-table and
per-wave writes to a DuckDB file), `publishing` (the refresh lock, the guard against lost waves, the build
record, the kept warehouses), `postgres_io` (the same on a PostgreSQL server, and the analysts' role).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

import pandas as pd

from orchestration import settings
from orchestration.backends import duckdb_io, postgres_io, publishing
from orchestration.backends.duckdb import DuckDBBackend
from orchestration.backends.postgres import PostgresBackend


class Backend(Protocol):
    """One warehouse's storage: its draft, publishing, and the published warehouse."""

    name: str  # the WAREHOUSE_TARGET
    published_path: Path  # the DuckDB file (on PostgreSQL: where the deliverables are written beside)
    draft_path: Path  # the DuckDB draft file (on PostgreSQL: only named in metadata and dbt's profile)
    supports_partial_refresh: bool  # a draft that copies everything published (one wave, the Taskforce only)
    runs_python_models: bool  # dbt builds the Python marts itself
    rollback_refusal: str | None  # why `rollback` cannot run here, or None
    published_is_duckdb_file: bool  # else the deliverables read a DuckDB snapshot (`published_duckdb`)
    docs_refusal: str | None  # why `make docs` cannot run here, or None

    def location(self) -> str: ...  # where the published warehouse is, for messages
    def describe(self) -> str: ...  # what `make run` calls the published warehouse
    def open_hint(self) -> str: ...  # how to open it, one line
    def lock(self) -> None: ...  # the refresh lock, for the rest of the run
    def unlock(self) -> None: ...
    def start_draft(self) -> None: ...
    def ensure_draft(self) -> Path: ...
    def connect_draft(self, *, read_only: bool = False): ...  # a context manager: a connection to the draft
    def publish(self, build: publishing.BuildInfo | None = None) -> list[str]: ...
    def open_published(self): ...  # a context manager: a read-only connection to the published warehouse
    def published_duckdb(self): ...  # a context manager: a DuckDB file holding the published marts
    def published_build(self) -> dict | None: ...
    def print_query(self, connection, sql: str) -> None: ...
    def dbt_environment(self, db_path: str) -> dict[str, str]: ...  # what dbt's profiles.yml reads
    def dbt_build_args(self) -> list[str]: ...
    def run_log_dir(self) -> Path: ...
    def size_metadata(self) -> dict: ...


BACKENDS = {"duckdb": DuckDBBackend, "postgres": PostgresBackend}


def backend_for(target: str | None = None, db_path: str | Path | None = None, draft_dir: str = "") -> Backend:
    """The backend of `target` (default WAREHOUSE_TARGET) for the warehouse at `db_path` (default
    WAREHOUSE_DB_PATH; on PostgreSQL the folder the deliverables go to)."""
    target = target or settings.warehouse_target()
    if target not in BACKENDS:
        raise ValueError(f"unknown warehouse target {target!r} (one of {', '.join(BACKENDS)})")
    return BACKENDS[target](Path(db_path) if db_path else settings.warehouse_db_path(), draft_dir)


def current_backend() -> Backend:
    """The backend the environment names (WAREHOUSE_TARGET, WAREHOUSE_DB_PATH)."""
    return backend_for()


# --- Connections of either backend --------------------------------------------------------------------
# A draft or published connection is a DuckDB connection or a PostgresWarehouse; these do the same on both.


def _on_postgres(connection) -> bool:
    return isinstance(connection, postgres_io.PostgresWarehouse)


def replace_tables(connection, schema: str, frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    """Create or replace `schema.<name>` from each frame, all or nothing. Returns row counts."""
    if _on_postgres(connection):
        return connection.replace_tables(schema, frames)
    return duckdb_io.replace_tables(connection, schema, frames)


def wave_tables(connection, schema: str, wave_ids: list[str] | None):
    """Replaces some waves' rows of raw tables from frames appended piece by piece (duckdb_io.WaveTables)."""
    if _on_postgres(connection):
        return connection.wave_tables(schema, wave_ids)
    return duckdb_io.WaveTables(connection, schema, wave_ids)


def contents(connection) -> dict[str, set[str]]:
    """The waves and Taskforce dates a warehouse holds (what publishing must not lose)."""
    if _on_postgres(connection):
        return connection.contents()
    return publishing.contents(connection)


def table_exists(connection, schema: str, name: str) -> bool:
    if _on_postgres(connection):
        return connection.table_exists(schema, name)
    return bool(
        connection.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def frame(connection, sql: str) -> pd.DataFrame:
    """The result of `sql` as a DataFrame."""
    return connection.frame(sql) if _on_postgres(connection) else connection.execute(sql).df()


@contextlib.contextmanager
def published_connection() -> Iterator[object]:
    """The published warehouse of the environment's backend, read-only."""
    with current_backend().open_published() as connection:
        yield connection
