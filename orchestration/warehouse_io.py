"""Writing to the DuckDB warehouse: whole tables, replaced in one transaction.

Every Python asset lands its tables through `replace_tables`, so a load that fails half-way leaves the
previous tables (and everything dbt built on them) exactly as they were.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, Mapping

import duckdb
import pandas as pd


@contextlib.contextmanager
def connect(db_path: str | Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    db_path = Path(db_path)
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(db_path), read_only=read_only)
    try:
        yield connection
    finally:
        connection.close()


def replace_tables(
    connection: duckdb.DuckDBPyConnection, schema: str, frames: Mapping[str, pd.DataFrame]
) -> dict[str, int]:
    """Create or replace `schema.<name>` from each frame, all or nothing. Returns row counts.
    (A PostgresWarehouse, WAREHOUSE_TARGET=postgres, does the same in its draft schemas.)"""
    if hasattr(connection, "replace_tables"):
        return connection.replace_tables(schema, frames)
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


def read_csv_as_text(path: str | Path) -> pd.DataFrame:
    """A reference CSV exactly as written: every column text, nothing inferred (dbt staging types it)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
