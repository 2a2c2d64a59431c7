"""Writing to the DuckDB warehouse file: whole tables, replaced in one transaction (the DuckDB backend).

Every Python asset lands its tables through `replace_tables`, so a load that fails half-way leaves the
previous tables (and everything dbt built on them) exactly as they were.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from orchestration import settings
from orchestration.backends.wave_tables import WaveTablesBase


def duckdb_config(db_path: str | Path) -> dict[str, str]:
    """Memory limit and spill directory of every connection to the warehouse (dbt's come from profiles.yml)."""
    return {"memory_limit": settings.duckdb_memory_limit(), "temp_directory": str(settings.duckdb_temp_dir(db_path))}


@contextlib.contextmanager
def connect(db_path: str | Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    db_path = Path(db_path)
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # A read-only connection must match other readers of the same file in this process (DuckDB refuses
        # a second configuration at connect), so readers get the memory limit by SET (the spill folder is
        # the writer's business); without it DuckDB would allow itself 80 % of the machine's memory.
        config = {} if read_only else duckdb_config(db_path)
        connection = duckdb.connect(str(db_path), read_only=read_only, config=config)
        if read_only:
            connection.execute(f"set memory_limit = '{settings.duckdb_memory_limit()}'")
    except duckdb.OutOfMemoryException as error:
        raise OutOfResources(db_path, error) from error
    try:
        yield connection
    except (duckdb.OutOfMemoryException, duckdb.IOException) as error:
        raise OutOfResources(db_path, error) from error
    finally:
        connection.close()


class OutOfResources(RuntimeError):
    """DuckDB hit its memory limit with nowhere to spill, or the disk is full."""

    def __init__(self, db_path: Path, error: Exception):
        super().__init__(
            f"{db_path}: DuckDB ran out of memory or disk (memory_limit WAREHOUSE_DUCKDB_MEMORY_LIMIT="
            f"{settings.duckdb_memory_limit()}, spilling to {settings.duckdb_temp_dir(db_path)}): raise the limit "
            f"or free disk space. The write was rolled back; the published warehouse is unchanged.\n{error}"
        )


def replace_tables(
    connection: duckdb.DuckDBPyConnection, schema: str, frames: Mapping[str, pd.DataFrame]
) -> dict[str, int]:
    """Create or replace `schema.<name>` from each frame, all or nothing. Returns row counts.
    (`PostgresWarehouse.replace_tables` does the same in its draft schemas; `backends.replace_tables`
    takes either connection.)"""
    connection.execute("begin transaction")
    try:
        connection.execute(f'create schema if not exists "{schema}"')
        for name, frame in frames.items():
            connection.register("_incoming_frame", frame)
            connection.execute(f'create or replace table "{schema}"."{name}" as select * from _incoming_frame')
            connection.unregister("_incoming_frame")
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    return {name: len(frame) for name, frame in frames.items()}


# The oldest DuckDB storage format the published file is written in: DuckDB 1.4 (the long-term-support
# line) and every later release (the 1.5 CLI, the 2.x Python package) open it. DuckDB keeps writing a file
# in the format it was created in, so a draft copied from the published file, or created empty in this
# format (`create_compatible_database`), is published as it is; any other is rewritten first.
PUBLISHED_STORAGE_VERSION = "v1.4.0"
# A refresh replaces every table; DuckDB reuses the freed blocks but never shrinks the file, which settles at
# about its data plus its largest table (17-36 % free over repeated 10 000-respondent refreshes). Past half
# free the draft is rewritten (compacted) before it is published: a file stays under twice its data.
MAX_FREE_SHARE = 1 / 2


def create_compatible_database(db_path: str | Path, storage_version: str = PUBLISHED_STORAGE_VERSION) -> None:
    """An empty DuckDB file at `db_path` in `storage_version`'s format."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    with connect(":memory:") as connection:
        connection.execute(f"attach ? as new_db (storage_version '{storage_version}')", [str(db_path)])
        connection.execute("detach new_db")


def storage_version(connection: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the connection's database, e.g. `v1.4.0+`."""
    return connection.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]


def rewrite_reason(connection: duckdb.DuckDBPyConnection) -> str | None:
    """Why the connection's database must be rewritten before it is published, or None."""
    found = storage_version(connection)
    if found != f"{PUBLISHED_STORAGE_VERSION}+":
        return f"storage format {found}, not {PUBLISHED_STORAGE_VERSION}"
    total, free = connection.execute(
        "select total_blocks, free_blocks from pragma_database_size() where database_name = current_database()"
    ).fetchone()
    if free > total * MAX_FREE_SHARE:
        return f"{free} of its {total} blocks are free"
    return None


def write_compatible_copy(db_path: str | Path, storage_version: str = PUBLISHED_STORAGE_VERSION) -> None:
    """Rewrites the DuckDB file at `db_path` in `storage_version`'s format (schemas, tables, views,
    macros), replacing it only once the copy is complete."""
    db_path = Path(db_path)
    copy_path = db_path.with_name(db_path.name + ".compatible")
    copy_path.unlink(missing_ok=True)
    with connect(":memory:") as connection:
        connection.execute("attach ? as source_db (read_only)", [str(db_path)])
        connection.execute(f"attach ? as target_db (storage_version '{storage_version}')", [str(copy_path)])
        connection.execute("copy from database source_db to target_db")
        connection.execute("detach target_db")
    copy_path.replace(db_path)


class WaveTables(WaveTablesBase):
    """Replaces some waves' rows of raw tables in a DuckDB file (backends/wave_tables.py says how). Pieces
    are committed as they come because DuckDB keeps an open transaction's appends in memory, whatever its
    memory limit."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, schema: str, wave_ids: list[str] | None):
        super().__init__(schema, wave_ids)
        self.connection = connection

    def _create_schema(self) -> None:
        self.connection.execute(f'create schema if not exists "{self.schema}"')

    def _discard(self) -> None:
        for name in self.rows:
            self.connection.execute(f"drop table if exists {self._loading(name)}")

    def _loading(self, name: str) -> str:
        return f'"{self.schema}"."_loading_{name}"'

    def append(self, name: str, frame: pd.DataFrame) -> None:
        self.connection.register("_incoming_frame", frame)
        if name not in self.rows:
            self.connection.execute(
                f"create or replace table {self._loading(name)} as select * from _incoming_frame limit 0"
            )
            self.rows[name] = 0
        self.connection.execute(f"insert into {self._loading(name)} by name select * from _incoming_frame")
        self.connection.unregister("_incoming_frame")
        self.rows[name] += len(frame)

    def _swap_in(self) -> None:
        self.connection.execute("begin transaction")
        try:
            for name in self.rows:
                table = f'"{self.schema}"."{name}"'
                exists = self.connection.execute(
                    "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                    [self.schema, name],
                ).fetchall()[0][0]
                held = set()
                if exists and self.wave_ids is not None:
                    held = {
                        wave for (wave,) in self.connection.execute(f"select distinct wave_id from {table}").fetchall()
                    }
                if self.recreates(exists, held):
                    self.connection.execute(f"create or replace table {table} as select * from {self._loading(name)}")
                else:
                    self.connection.execute(f"delete from {table} where wave_id in (select unnest(?))", [self.wave_ids])
                    self.connection.execute(f"insert into {table} by name select * from {self._loading(name)}")
                self.connection.execute(f"drop table {self._loading(name)}")
            self.connection.execute("commit")
        except Exception:
            self.connection.execute("rollback")
            raise


def read_csv_as_text(path: str | Path) -> pd.DataFrame:
    """A reference CSV exactly as written: every column text, nothing inferred (dbt staging types it)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
