"""Tests against a PostgreSQL server (WAREHOUSE_TARGET=postgres, issue #11).

They use the server the libpq variables name (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); `.ci/run`
starts a throwaway one (`.ci/postgres.sh`). Without a reachable server they are left out and the run
says so in one line; with WAREHOUSE_REQUIRE_POSTGRES=1 (CI) a missing server fails them instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from postgres_support import connect_admin, server_problem

HERE = Path(__file__).parent
_left_out: list[str] = []


def _required() -> bool:
    return os.environ.get("WAREHOUSE_REQUIRE_POSTGRES") == "1"


def pytest_collection_modifyitems(config, items):
    """No server: leave every test of this folder out, reported once (not one SKIPPED line per test)."""
    ours = [item for item in items if HERE in Path(item.path).parents]
    for item in ours:  # they build warehouses or start dbt: not part of `make test-fast`
        if {"postgres_build", "postgres_database", "postgres_server"} & set(item.fixturenames):
            item.add_marker(pytest.mark.e2e)
    if not ours or _required():
        return
    problem = server_problem()
    if problem:
        _left_out.append(f"{len(ours)} PostgreSQL tests skipped: {problem} (.ci/run starts one; docs/POSTGRES.md)")
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if item not in ours]


def pytest_terminal_summary(terminalreporter):
    for line in _left_out:
        terminalreporter.write_line(f"SKIPPED {line}", yellow=True)


@pytest.fixture(scope="session")
def postgres_server() -> dict[str, str]:
    """The libpq settings of the reachable server (in CI a missing one is an error, not a skip)."""
    problem = server_problem()
    if problem:
        pytest.fail(f"WAREHOUSE_REQUIRE_POSTGRES=1 but {problem}")
    return {name: os.environ[name] for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE") if name in os.environ}


@pytest.fixture
def admin(postgres_server):
    """An autocommit connection as PGUSER."""
    connection = connect_admin()
    yield connection
    connection.close()
