"""One warehouse built per test session from the synthetic sample, in a temporary folder.

Building it (landing sample, raw loads, every dbt model and test) is the expensive part of the suite,
so tests that only read marts share it; tests that need other input build their own.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize
from orchestration.definitions import ALL_ASSETS
from orchestration.resources import WarehouseResource, dbt_resource


def build_warehouse(db_path: Path, landing_dir: Path, selection: str | None = None):
    resources = {
        "warehouse": WarehouseResource(db_path=str(db_path), landing_dir=str(landing_dir)),
        "dbt": dbt_resource(),
    }
    return materialize(
        ALL_ASSETS, resources=resources, instance=DagsterInstance.ephemeral(), selection=selection,
        raise_on_error=False,
    )


@pytest.fixture(scope="session")
def warehouse_build(tmp_path_factory):
    """The run that built the session's warehouse from an empty landing directory."""
    root = tmp_path_factory.mktemp("warehouse")
    db_path = root / "warehouse.duckdb"
    result = build_warehouse(db_path, root / "landing")
    assert result.success, "building the warehouse from the synthetic sample failed"
    return db_path, result


@pytest.fixture(scope="session")
def warehouse_db(warehouse_build) -> Path:
    return warehouse_build[0]


@pytest.fixture(scope="session")
def warehouse(warehouse_db):
    connection = duckdb.connect(str(warehouse_db), read_only=True)
    yield connection
    connection.close()
