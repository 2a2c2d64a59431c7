"""One seam for DuckDB and PostgreSQL (issue 21, part 1): the backend is chosen once, from WAREHOUSE_TARGET,
and nothing outside orchestration/backends/ asks which one runs."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration import backends
from orchestration.backends import Backend, backend_for, contents, current_backend, replace_tables, wave_tables
from orchestration.backends.duckdb import DuckDBBackend
from orchestration.backends.postgres import PostgresBackend
from orchestration.backends.postgres_io import PostgresWarehouse
from orchestration.resources import WarehouseResource

ORCHESTRATION = Path(__file__).resolve().parents[1] / "orchestration"
# What knowing the backend looks like: the old flag, a comparison with a target's name, duck typing on a
# connection's methods.
KNOWING = re.compile(
    r"on_postgres|warehouse_target\(\) *[!=]= *|target *[!=]= *[\"'](postgres|duckdb)[\"']"
    r"|hasattr\(connection"
)


def test_the_environment_chooses_the_backend_once(monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE_DB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.delenv("WAREHOUSE_TARGET", raising=False)
    assert isinstance(current_backend(), DuckDBBackend)
    assert current_backend().published_path == tmp_path / "w.duckdb"
    monkeypatch.setenv("WAREHOUSE_TARGET", "postgres")
    assert isinstance(current_backend(), PostgresBackend)
    with pytest.raises(ValueError, match="unknown warehouse target"):
        backend_for("sqlite")


def test_every_backend_has_the_whole_interface():
    wanted = {name for name in Backend.__annotations__} | {
        name for name, member in inspect.getmembers(Backend, inspect.isfunction) if not name.startswith("_")
    }
    for backend in backends.BACKENDS.values():
        assert wanted <= set(dir(backend(Path("/tmp/w.duckdb")))), backend


def test_the_resource_only_configures_and_delegates(tmp_path):
    resource = WarehouseResource(
        db_path=str(tmp_path / "w.duckdb"), landing_dir=str(tmp_path), draft_dir=str(tmp_path / "drafts")
    )
    assert isinstance(resource.backend, DuckDBBackend)
    assert resource.draft_path == tmp_path / "drafts" / "w.duckdb.draft"
    assert resource.supports_partial_refresh
    on_postgres = WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir="", target="postgres")
    assert not on_postgres.supports_partial_refresh and isinstance(on_postgres.backend, PostgresBackend)


def test_nothing_outside_the_backends_knows_which_backend_runs():
    found = [
        f"{path.relative_to(ORCHESTRATION.parent)}:{number}: {line.strip()}"
        for path in sorted(ORCHESTRATION.rglob("*.py"))
        if "backends" not in path.relative_to(ORCHESTRATION).parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if KNOWING.search(line)
    ]
    assert found == []


def test_the_connection_functions_take_a_duckdb_connection():
    with duckdb.connect() as connection:
        assert replace_tables(connection, "raw", {"t": pd.DataFrame({"wave_id": ["w1"], "x": [1]})}) == {"t": 1}
        with wave_tables(connection, "raw", ["w2"]) as writer:
            writer.append("t", pd.DataFrame({"wave_id": ["w2"], "x": [2]}))
        assert connection.execute("select wave_id, x from raw.t order by 1").fetchall() == [("w1", 1), ("w2", 2)]
        assert contents(connection) == {"waves": set(), "taskforce dates": set()}


def test_a_postgres_connection_is_dispatched_to_its_own_methods():
    calls = []

    class Recording(PostgresWarehouse):
        def replace_tables(self, schema, frames):
            calls.append(("replace", schema))
            return {}

        def contents(self):
            calls.append(("contents",))
            return {}

    recording = Recording(connection=None, prefix="draft_")
    replace_tables(recording, "raw", {})
    contents(recording)
    assert calls == [("replace", "raw"), ("contents",)]
