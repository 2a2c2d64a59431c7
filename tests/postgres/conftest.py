"""Tests against a PostgreSQL server (WAREHOUSE_TARGET=postgres, issue #11).

They use the server the libpq variables name (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); `.ci/run`
starts a throwaway one (`.ci/postgres.sh`). Every test here is marked `needs_postgres` (tests/extras.py):
without a reachable server they are left out and the run says so in one line; with
WAREHOUSE_REQUIRE_EXTRAS=1 (CI) a missing server fails them instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from postgres_support import connect_admin

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE not in Path(item.path).parents:
            continue
        item.add_marker(pytest.mark.needs_postgres)
        if {"postgres_build", "postgres_database", "postgres_server"} & set(item.fixturenames):
            item.add_marker(pytest.mark.e2e)  # they build warehouses or start dbt: not part of `make test-fast`


@pytest.fixture(scope="session")
def postgres_server() -> dict[str, str]:
    """The libpq settings of the reachable server (the `needs_postgres` marker made sure there is one)."""
    return {
        name: os.environ[name]
        for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")
        if name in os.environ
    }


@pytest.fixture
def admin(postgres_server):
    """An autocommit connection as PGUSER."""
    connection = connect_admin()
    yield connection
    connection.close()
