"""The warehouse on a PostgreSQL server (WAREHOUSE_TARGET=postgres; docs/POSTGRES.md).

The server is the one the libpq variables name (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); PGUSER
builds the warehouse. Analysts get a read-only group role that reads the published `marts` and nothing
else: `raw` holds the personal columns (names, e-mail addresses, IP addresses of respondents).
"""

from __future__ import annotations

import contextlib
import csv
import decimal
import io
import os
import re
from collections.abc import Iterator

import duckdb
import pandas as pd

from orchestration.backends.publishing import (
    BUILD_SCHEMA,
    BUILD_TABLE,
    TASKFORCE_DATES_QUERY,
    WAVES_QUERY,
    PublishError,
    check_nothing_dropped,
)
from orchestration.backends.wave_tables import WaveTablesBase

ANALYST_ROLE = "warehouse_analyst"
# Schemas analysts may read. Everything else (raw, reference, staging, intermediate) stays closed.
ANALYST_SCHEMAS = ("marts",)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def analyst_role() -> str:
    return os.environ.get("WAREHOUSE_ANALYST_ROLE") or ANALYST_ROLE


def quote_identifier(name: str) -> str:
    """A role or schema name we create: lower-case letters, digits and `_` only, so quoting is trivial."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain PostgreSQL identifier (lower case, digits, _; max 63)")
    return f'"{name}"'


@contextlib.contextmanager
def connect(*, autocommit: bool = False, **overrides) -> Iterator[psycopg2.extensions.connection]:  # noqa: F821
    """A connection to the server named by the PG* variables (libpq reads them itself); `overrides`
    (dbname, user, password, ...) replace single settings."""
    import psycopg2

    connection = psycopg2.connect("", connect_timeout=10, application_name="oekraine_opvang_warehouse", **overrides)
    connection.autocommit = autocommit
    try:
        yield connection
    finally:
        connection.close()


def grant_analyst_access_sql(role: str, schemas: tuple[str, ...] = ANALYST_SCHEMAS) -> list[str]:
    """Statements that let `role` read every table and view of the analysts' schemas that exist now.
    Run after each publish too: a published schema is a new schema, so it carries no grants yet."""
    quoted = quote_identifier(role)
    statements = []
    for schema in schemas:
        statements += [
            f"grant usage on schema {quote_identifier(schema)} to {quoted}",
            f"grant select on all tables in schema {quote_identifier(schema)} to {quoted}",
        ]
    return statements


def create_analyst_role(
    connection, role: str | None = None, login: str | None = None, password: str | None = None
) -> str:
    """Creates (or refreshes) the read-only group role, and optionally a login role that is a member of it.
    The group cannot log in, owns nothing and is granted `marts` only. Nothing needs revoking: a new
    schema (raw, reference, staging, intermediate) grants PUBLIC nothing, and the builder creates none of
    the warehouse's tables in `public`."""
    role = role or analyst_role()
    with connection.cursor() as cursor:
        cursor.execute("select 1 from pg_roles where rolname = %s", (role,))
        if cursor.fetchone() is None:
            cursor.execute(f"create role {quote_identifier(role)} nologin")
        cursor.execute("select nspname from pg_namespace where nspname = any(%s)", (list(ANALYST_SCHEMAS),))
        existing = tuple(name for (name,) in cursor.fetchall())  # a first publish grants the others
        for statement in grant_analyst_access_sql(role, existing):
            cursor.execute(statement)
        if login:
            cursor.execute("select 1 from pg_roles where rolname = %s", (login,))
            verb = "alter" if cursor.fetchone() else "create"
            cursor.execute(
                f"{verb} role {quote_identifier(login)} login inherit" + (" password %s" if password else ""),
                (password,) if password else None,
            )
            cursor.execute(f"grant {quote_identifier(role)} to {quote_identifier(login)}")
    return role


# --- Loading and publishing (WAREHOUSE_TARGET=postgres) ------------------------------------------------
# A run builds every schema as `draft_<schema>`: the raw loaders write there, dbt gets
# `--vars {"schema_prefix": "draft_"}` (generate_schema_name and the sources add it). Publishing renames
# the draft schemas over the published ones in one transaction, so analysts see the old warehouse or the
# new one, never a mix; a run that fails before publishing leaves the published schemas untouched.
# Views survive the rename: PostgreSQL binds a view to the tables themselves, not to their names.
DRAFT_PREFIX = "draft_"
WAREHOUSE_SCHEMAS = ("raw", "reference", "staging", "intermediate", "marts", "meta")
# What the Python loads write (tables only): a draft starts with the published copies of these, so a run
# for one wave partition replaces that wave's rows and keeps the others, as the DuckDB draft file does.
LOADED_SCHEMAS = ("raw", "reference")
REFRESH_LOCK_KEY = "oekraine_opvang_warehouse_refresh"
_QUALIFIED = re.compile(r"\b(" + "|".join(WAREHOUSE_SCHEMAS) + r")\.(?=\"?[a-z_])", re.IGNORECASE)

_PANDAS_TYPES = {"i": "bigint", "u": "bigint", "f": "double precision", "b": "boolean"}


def column_type(dtype, values=()) -> str:
    """The PostgreSQL type a DataFrame column is stored as (what DuckDB infers when it registers a frame):
    a column of Python lists becomes an array (bigint[] when every element is a whole number)."""
    lists = [value for value in values if isinstance(value, (list, tuple))]
    if lists:
        elements = [element for value in lists for element in value]
        whole = all(isinstance(e, int) and not isinstance(e, bool) for e in elements)
        return "bigint[]" if whole else "text[]"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp"
    return _PANDAS_TYPES.get(getattr(dtype, "kind", "O"), "text")


def array_literal(value):
    """A Python list as PostgreSQL's array text (`{"1","2"}`); anything else unchanged."""
    if not isinstance(value, (list, tuple)):
        return value
    quoted = ('"' + str(element).replace("\\", "\\\\").replace('"', '\\"') + '"' for element in value)
    return "{" + ",".join(quoted) + "}"


class PostgresWarehouse:
    """A connection to the warehouse's schemas: the draft ones (`prefix="draft_"`) or the published ones.

    `execute` takes the SQL the DuckDB code paths use (`marts.mart_report_figures`, ...) and reads the same
    tables in this prefix's schemas; it returns the cursor, so `.fetchall()` / `.fetchone()` work as on
    DuckDB. `replace_tables` is duckdb_io.replace_tables for PostgreSQL.
    """

    def __init__(self, connection, prefix: str = ""):
        self.connection = connection
        self.prefix = prefix

    def schema(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def qualify(self, sql: str) -> str:
        return _QUALIFIED.sub(lambda match: f"{self.prefix}{match.group(1).lower()}.", sql) if self.prefix else sql

    def execute(self, sql: str, parameters=None):
        """`?` placeholders (DuckDB's) become psycopg2's `%s`; only when there are parameters."""
        cursor = self.connection.cursor()
        sql = self.qualify(sql)
        if parameters is not None:
            sql = sql.replace("%", "%%").replace("?", "%s")
        cursor.execute(sql, parameters)
        return cursor

    def frame(self, sql: str):
        """The result of `sql` as a DataFrame (what DuckDB's `.df()` gives)."""
        cursor = self.execute(sql)
        frame = pd.DataFrame(cursor.fetchall(), columns=[column.name for column in cursor.description])
        for name in frame.columns:  # numeric arrives as Decimal objects; DuckDB's DataFrames hold floats
            if frame[name].map(lambda value: isinstance(value, decimal.Decimal)).any():
                frame[name] = frame[name].astype("float64")
        return frame

    def table_exists(self, schema: str, name: str) -> bool:
        cursor = self.connection.cursor()
        cursor.execute(
            "select to_regclass(%s) is not null",
            (f"{quote_identifier_any(self.schema(schema))}.{quote_identifier_any(name)}",),
        )
        return cursor.fetchone()[0]

    def contents(self) -> dict[str, set[str]]:
        """What the DuckDB file's `publishing.contents` says, on these schemas (a table not built yet holds nothing)."""
        result = {}
        for kind, query, schema, table in (
            ("waves", WAVES_QUERY, "marts", "mart_respondent_resolution"),
            ("taskforce dates", TASKFORCE_DATES_QUERY, "staging", "stg_taskforce__counts"),
        ):
            exists = self.table_exists(schema, table)
            result[kind] = {str(v) for (v,) in self.execute(query).fetchall() if v is not None} if exists else set()
        return result

    def wave_tables(self, schema: str, wave_ids: list[str] | None) -> PostgresWaveTables:
        return PostgresWaveTables(self, schema, wave_ids)

    def replace_tables(self, schema: str, frames) -> dict[str, int]:
        """Create or replace `<prefix><schema>.<name>` from each frame, all or nothing (COPY, CSV)."""
        target = quote_identifier(self.schema(schema))
        with self.connection, self.connection.cursor() as cursor:  # one transaction; rolled back on error
            cursor.execute(f"create schema if not exists {target}")
            for name, frame in frames.items():
                table = f"{target}.{quote_identifier_any(name)}"
                cursor.execute(f"drop table if exists {table} cascade")
                copy_frame(cursor, table, frame, create=True)
        return {name: len(frame) for name, frame in frames.items()}

    def start_draft(self) -> None:
        """New draft schemas holding copies of the published raw and reference tables (no draft left over
        from a failed run survives: its schemas are dropped first)."""
        self.drop_draft()
        with self.connection, self.connection.cursor() as cursor:
            for schema in LOADED_SCHEMAS:
                cursor.execute("select tablename from pg_tables where schemaname = %s order by 1", (schema,))
                tables = [name for (name,) in cursor.fetchall()]
                cursor.execute(f"create schema {quote_identifier(DRAFT_PREFIX + schema)}")
                for name in tables:
                    cursor.execute(
                        f"create table {quote_identifier(DRAFT_PREFIX + schema)}.{quote_identifier_any(name)}"
                        f" as table {quote_identifier(schema)}.{quote_identifier_any(name)}"
                    )

    def drop_draft(self) -> None:
        with self.connection, self.connection.cursor() as cursor:
            for schema in WAREHOUSE_SCHEMAS:
                cursor.execute(f"drop schema if exists {quote_identifier(DRAFT_PREFIX + schema)} cascade")

    def publish_draft(
        self, role: str | None = None, *, build=None, allowed: set[str] = frozenset(), guard: bool = True
    ) -> list[str]:
        """Renames every draft schema over its published one in one transaction, then grants the analysts'
        role the new `marts` (a new schema has no grants). As on DuckDB (`publishing.publish_draft`) it
        first refuses a draft that lost a wave or Taskforce date the published warehouse has (unless
        `allowed`), and records `build` in `meta.warehouse_build`. Returns what was dropped with permission."""
        role = role or analyst_role()
        new = self.contents()
        old = PostgresWarehouse(self.connection).contents()
        self.connection.rollback()  # end the reads' transaction before the publishing one
        dropped = check_nothing_dropped(old, new, location(), allowed) if guard and any(old.values()) else []
        if build is not None:
            self.replace_tables(BUILD_SCHEMA, {BUILD_TABLE: build.frame()})
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute("set local lock_timeout = '60s'")  # an analyst's long query delays, never blocks forever
            for schema in WAREHOUSE_SCHEMAS:
                cursor.execute("select 1 from pg_namespace where nspname = %s", (DRAFT_PREFIX + schema,))
                if cursor.fetchone() is None:
                    continue
                cursor.execute(f"drop schema if exists {quote_identifier(schema)} cascade")
                cursor.execute(
                    f"alter schema {quote_identifier(DRAFT_PREFIX + schema)} rename to {quote_identifier(schema)}"
                )
            cursor.execute("select 1 from pg_roles where rolname = %s", (role,))
            if cursor.fetchone():
                for statement in grant_analyst_access_sql(role, ANALYST_SCHEMAS):
                    cursor.execute(statement)
        return dropped


class PostgresWaveTables(WaveTablesBase):
    """duckdb_io.WaveTables on PostgreSQL (backends/wave_tables.py says how): pieces are copied into
    `_loading_<table>` tables of the draft schema as they come, each in its own transaction."""

    def __init__(self, warehouse: PostgresWarehouse, schema: str, wave_ids: list[str] | None):
        super().__init__(warehouse.schema(schema), wave_ids)
        self.warehouse, self.connection = warehouse, warehouse.connection

    def _table(self, name: str) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier_any(name)}"

    def _create_schema(self) -> None:
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {quote_identifier(self.schema)}")

    def _discard(self) -> None:
        self.connection.rollback()
        with self.connection, self.connection.cursor() as cursor:
            for name in self.rows:
                cursor.execute(f"drop table if exists {self._table('_loading_' + name)}")

    def append(self, name: str, frame) -> None:
        with self.connection, self.connection.cursor() as cursor:
            loading = self._table("_loading_" + name)
            if name not in self.rows:
                cursor.execute(f"drop table if exists {loading}")
                self.rows[name] = 0
            copy_frame(cursor, loading, frame, create=self.rows[name] == 0 and not _exists(cursor, loading))
        self.rows[name] += len(frame)

    def _swap_in(self) -> None:
        with self.connection, self.connection.cursor() as cursor:
            for name in self.rows:
                table, loading = self._table(name), self._table("_loading_" + name)
                held: set[str] = set()
                if _exists(cursor, table) and self.wave_ids is not None:
                    cursor.execute(f"select distinct wave_id from {table}")
                    held = {wave for (wave,) in cursor.fetchall()}
                if self.recreates(_exists(cursor, table), held):
                    cursor.execute(f"drop table if exists {table} cascade")
                    cursor.execute(f"alter table {loading} rename to {quote_identifier_any(name)}")
                    continue
                cursor.execute(f"delete from {table} where wave_id = any(%s)", (self.wave_ids,))
                cursor.execute(
                    "select column_name from information_schema.columns where table_schema = %s"
                    " and table_name = %s order by ordinal_position",
                    (self.schema, "_loading_" + name),
                )
                columns = ", ".join(quote_identifier_any(column) for (column,) in cursor.fetchall())
                cursor.execute(f"insert into {table} ({columns}) select {columns} from {loading}")
                cursor.execute(f"drop table {loading}")


def _exists(cursor, table: str) -> bool:
    cursor.execute("select to_regclass(%s) is not null", (table,))
    return cursor.fetchone()[0]


def copy_frame(cursor, table: str, frame, *, create: bool) -> None:
    """Appends `frame` to `table` with COPY (CSV), creating the table first when `create`."""
    types = {c: column_type(t, frame[c] if pd.api.types.is_object_dtype(t) else ()) for c, t in frame.dtypes.items()}
    if create:
        columns = ", ".join(f"{quote_identifier_any(str(c))} {t}" for c, t in types.items())
        cursor.execute(f"create table {table} ({columns})")
    frame = frame.assign(**{c: frame[c].map(array_literal) for c, t in types.items() if t.endswith("[]")})
    # Missing values travel as \N and every column is FORCE_NULL, so '' stays an empty string.
    buffer = io.StringIO()
    frame.to_csv(
        buffer,
        index=False,
        header=False,
        na_rep="\\N",
        quoting=csv.QUOTE_NONNUMERIC,
        date_format="%Y-%m-%d %H:%M:%S.%f%z",
    )
    buffer.seek(0)
    all_columns = ", ".join(quote_identifier_any(str(c)) for c in frame.columns)
    options = f"format csv, null '\\N', force_null ({all_columns})" if len(frame.columns) else "format csv"
    cursor.copy_expert(f"copy {table} ({all_columns}) from stdin with ({options})", buffer)


def write_duckdb_snapshot(path) -> None:
    """The published marts copied into a new DuckDB file at `path`, so the deliverables, written for DuckDB
    (Parquet via COPY, DataFrames), read the PostgreSQL warehouse as they read the DuckDB one. They read
    marts only (tests/test_lineage.py), so no personal column leaves the server. A few MB; written after
    publishing, from the published schema only."""
    with connect() as connection:
        connection.set_session(readonly=True)
        published = PostgresWarehouse(connection)
        marts = [
            f"marts.{name}"
            for (name,) in published.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        target = duckdb.connect(str(path))
        try:
            for qualified in marts:
                schema, name = qualified.split(".")
                frame = published.frame(f'select * from {schema}."{name}"')
                target.execute(f'create schema if not exists "{schema}"')
                target.register("_snapshot_frame", frame)
                target.execute(f'create table "{schema}"."{name}" as select * from _snapshot_frame')
                target.unregister("_snapshot_frame")
        finally:
            target.close()


def location() -> str:
    """The server and database the PG* variables name, for messages."""
    return "PostgreSQL " + "/".join(os.environ.get(v, "?") for v in ("PGHOST", "PGPORT", "PGDATABASE"))


def draft_exists() -> bool:
    with connect() as connection, connection.cursor() as cursor:
        cursor.execute("select 1 from pg_namespace where nspname like %s limit 1", (DRAFT_PREFIX + "%",))
        return cursor.fetchone() is not None


# One refresh at a time: a session-level advisory lock, held by a connection kept open for the run (the
# server frees it when that connection ends, also when the process is killed).
_lock_connection = None


def acquire_refresh_lock() -> None:
    global _lock_connection
    if _lock_connection is not None and not _lock_connection.closed:
        return
    import psycopg2

    connection = psycopg2.connect("", connect_timeout=10, application_name="oekraine_opvang_warehouse refresh")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("select pg_try_advisory_lock(hashtext(%s))", (REFRESH_LOCK_KEY,))
        if cursor.fetchone()[0]:
            _lock_connection = connection
            return
        cursor.execute(
            "select activity.pid, activity.backend_start, activity.client_addr from pg_locks as locks"
            " join pg_stat_activity as activity on activity.pid = locks.pid"
            " where locks.locktype = 'advisory' and locks.granted and locks.objid = hashtext(%s)::oid",
            (REFRESH_LOCK_KEY,),
        )
        holder = cursor.fetchone()
    connection.close()
    since = f" since {holder[1]:%Y-%m-%d %H:%M:%S%z}, server pid {holder[0]}" if holder else ""
    raise PublishError(
        f"another refresh of {location()} is running{since}; this run stopped before touching "
        "the warehouse. Wait for it to finish (a killed run frees the lock by itself)."
    )


def release_refresh_lock() -> None:
    global _lock_connection
    if _lock_connection is not None:
        _lock_connection.close()
        _lock_connection = None


def quote_identifier_any(name: str) -> str:
    """Any name (a table or column the loaders were given), quoted the PostgreSQL way."""
    return '"' + name.replace('"', '""') + '"'
