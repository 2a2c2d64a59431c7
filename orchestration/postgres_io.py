"""The warehouse on a PostgreSQL server (WAREHOUSE_TARGET=postgres; docs/POSTGRES.md).

The server is the one the libpq variables name (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); PGUSER
builds the warehouse. Analysts get a read-only group role that reads the published `marts` and nothing
else: `raw` holds the personal columns (names, e-mail addresses, IP addresses of respondents).
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import Iterator

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
def connect(*, autocommit: bool = False, **overrides) -> Iterator["psycopg2.extensions.connection"]:  # noqa: F821
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


def create_analyst_role(connection, role: str | None = None, login: str | None = None, password: str | None = None) -> str:
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
            cursor.execute(f"{verb} role {quote_identifier(login)} login inherit" + (" password %s" if password else ""),
                           (password,) if password else None)
            cursor.execute(f"grant {quote_identifier(role)} to {quote_identifier(login)}")
    return role



# --- Loading and publishing (WAREHOUSE_TARGET=postgres) ------------------------------------------------
# A run builds every schema as `draft_<schema>`: the raw loaders write there, dbt gets
# `--vars {"schema_prefix": "draft_"}` (generate_schema_name and the sources add it). Publishing renames
# the draft schemas over the published ones in one transaction, so analysts see the old warehouse or the
# new one, never a mix; a run that fails before publishing leaves the published schemas untouched.
# Views survive the rename: PostgreSQL binds a view to the tables themselves, not to their names.
DRAFT_PREFIX = "draft_"
WAREHOUSE_SCHEMAS = ("raw", "reference", "staging", "intermediate", "marts")
_QUALIFIED = re.compile(r"\b(" + "|".join(WAREHOUSE_SCHEMAS) + r")\.(?=\"?[a-z_])", re.IGNORECASE)

_PANDAS_TYPES = {"i": "bigint", "u": "bigint", "f": "double precision", "b": "boolean"}


def column_type(dtype, values=()) -> str:
    """The PostgreSQL type a DataFrame column is stored as (what DuckDB infers when it registers a frame):
    a column of Python lists becomes an array (bigint[] when every element is a whole number)."""
    import pandas as pd

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
    DuckDB. `replace_tables` is warehouse_io.replace_tables for PostgreSQL.
    """

    def __init__(self, connection, prefix: str = ""):
        self.connection = connection
        self.prefix = prefix

    def schema(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def qualify(self, sql: str) -> str:
        return _QUALIFIED.sub(lambda match: f"{self.prefix}{match.group(1).lower()}.", sql) if self.prefix else sql

    def execute(self, sql: str, parameters=None):
        cursor = self.connection.cursor()
        cursor.execute(self.qualify(sql), parameters)
        return cursor

    def replace_tables(self, schema: str, frames) -> dict[str, int]:
        """Create or replace `<prefix><schema>.<name>` from each frame, all or nothing (COPY, CSV)."""
        import csv
        import io

        target = quote_identifier(self.schema(schema))
        with self.connection, self.connection.cursor() as cursor:  # one transaction; rolled back on error
            cursor.execute(f"create schema if not exists {target}")
            for name, frame in frames.items():
                table = f"{target}.{quote_identifier_any(name)}"
                types = {c: column_type(t, frame[c] if t == object else ()) for c, t in frame.dtypes.items()}
                columns = ", ".join(f"{quote_identifier_any(str(c))} {t}" for c, t in types.items())
                frame = frame.assign(**{c: frame[c].map(array_literal) for c, t in types.items() if t.endswith("[]")})
                cursor.execute(f"drop table if exists {table} cascade")
                cursor.execute(f"create table {table} ({columns})")
                # Missing values travel as \N and every column is FORCE_NULL, so '' stays an empty string.
                buffer = io.StringIO()
                frame.to_csv(buffer, index=False, header=False, na_rep="\\N", quoting=csv.QUOTE_NONNUMERIC,
                             date_format="%Y-%m-%d %H:%M:%S.%f%z")
                buffer.seek(0)
                all_columns = ", ".join(quote_identifier_any(str(c)) for c in frame.columns)
                options = f"format csv, null '\\N', force_null ({all_columns})" if len(frame.columns) else "format csv"
                cursor.copy_expert(f"copy {table} from stdin with ({options})", buffer)
        return {name: len(frame) for name, frame in frames.items()}

    def drop_draft(self) -> None:
        with self.connection, self.connection.cursor() as cursor:
            for schema in WAREHOUSE_SCHEMAS:
                cursor.execute(f"drop schema if exists {quote_identifier(DRAFT_PREFIX + schema)} cascade")

    def publish_draft(self, role: str | None = None) -> list[str]:
        """Renames every draft schema over its published one in one transaction, then grants the analysts'
        role the new `marts` (a new schema has no grants). Returns the schemas published."""
        role = role or analyst_role()
        published = []
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute("set local lock_timeout = '60s'")  # an analyst's long query delays, never blocks forever
            for schema in WAREHOUSE_SCHEMAS:
                cursor.execute("select 1 from pg_namespace where nspname = %s", (DRAFT_PREFIX + schema,))
                if cursor.fetchone() is None:
                    continue
                cursor.execute(f"drop schema if exists {quote_identifier(schema)} cascade")
                cursor.execute(f"alter schema {quote_identifier(DRAFT_PREFIX + schema)} rename to {quote_identifier(schema)}")
                published.append(schema)
            cursor.execute("select 1 from pg_roles where rolname = %s", (role,))
            if cursor.fetchone():
                for statement in grant_analyst_access_sql(role, tuple(s for s in ANALYST_SCHEMAS if s in published)):
                    cursor.execute(statement)
        return published


def quote_identifier_any(name: str) -> str:
    """Any name (a table or column the loaders were given), quoted the PostgreSQL way."""
    return '"' + name.replace('"', '""') + '"'
