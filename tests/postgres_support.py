"""Reaching the PostgreSQL server of the tests (tests/postgres/)."""

from __future__ import annotations

import os


def server_problem() -> str | None:
    """Why the PostgreSQL tests cannot run, or None when the server named by PGHOST answers."""
    if not os.environ.get("PGHOST"):
        return "PGHOST is not set"
    try:
        connect_admin().close()
    except Exception as error:  # any driver error means: no usable server
        return f"cannot connect to {os.environ['PGHOST']}:{os.environ.get('PGPORT', '5432')} ({str(error).strip()})"
    return None


def connect_admin():
    import psycopg2

    connection = psycopg2.connect("", connect_timeout=5)  # libpq reads the PG* variables
    connection.autocommit = True
    return connection
