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

