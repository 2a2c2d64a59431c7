"""One warehouse built per test session from the synthetic sample, in a temporary folder.

Building it (landing sample, raw loads, every dbt model and test) is the expensive part of the suite,
so tests that only read marts share it; tests that need other input build their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import AssetSelection, DagsterInstance, materialize

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from synthetic import build_wave1_sample, build_wave2_sample, write_landing


def _prepare_stale_manifest() -> None:
    """`make test` prepares dbt's manifest; a bare `pytest` after editing a model or its YAML would load
    the old one (dagster-dbt reads it at import), so re-prepare it here when any dbt file is newer."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    sources = [DBT_PROJECT_DIR / "dbt_project.yml"] + [
        path for folder in ("models", "macros", "tests") for path in (DBT_PROJECT_DIR / folder).rglob("*")
        if path.suffix in (".sql", ".yml", ".py")
    ]  # not target/: every run leaves a folder of compiled SQL there
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    venv_bin = Path(sys.prefix) / "bin"  # dagster-dbt calls `dbt` from PATH
    subprocess.run(
        [str(venv_bin / "dagster-dbt"), "project", "prepare-and-package", "--file", "orchestration/dbt_project.py"],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
        env={**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"},
    )


_prepare_stale_manifest()

from orchestration.definitions import ALL_ASSETS  # noqa: E402  (needs the manifest)
from orchestration.deliverables.assets import wave_exports, wave_report  # noqa: E402
from orchestration.resources import WarehouseResource, dbt_resource  # noqa: E402


# Tests that build a whole warehouse through Dagster (minutes) are `e2e`; `make test-fast` leaves them out.
# The other fixtures named here build their own warehouse (a spoiled landing, hand-made follow-up waves).
E2E_FIXTURES = {"warehouse_build", "spoiled_warehouse", "follow_up", "follow_up_only"}


def pytest_collection_modifyitems(items):
    for item in items:
        if E2E_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.e2e)


def pytest_collection_finish(session):
    """The dbt unit tests run in a dbt subprocess: start it now and check its results last."""
    dbt_items = [item for item in session.items if item.get_closest_marker("dbt")]
    if dbt_items:
        from test_dbt_unit import start_unit_tests

        if not os.environ.get("PYTEST_XDIST_WORKER"):  # under xdist every worker collects: start on first use
            start_unit_tests()
        session.items[:] = [item for item in session.items if item not in dbt_items] + dbt_items


# The files for people (per-wave exports and the HTML report with its charts: ~15 s of CPU a build) come
# from the session build only, which tests/test_deliverables.py reads; the other builds test the warehouse.
FILES_FOR_PEOPLE = AssetSelection.assets(wave_exports, wave_report)


def build_warehouse(db_path: Path, landing_dir: Path, selection=None, *, with_files: bool = False):
    if selection is None and not with_files:
        selection = AssetSelection.all() - FILES_FOR_PEOPLE
    resources = {
        "warehouse": WarehouseResource(db_path=str(db_path), landing_dir=str(landing_dir)),
        "dbt": dbt_resource(target="duckdb"),  # the DuckDB suite, whatever WAREHOUSE_TARGET says
    }
    return materialize(
        ALL_ASSETS, resources=resources, instance=DagsterInstance.ephemeral(), selection=selection,
        raise_on_error=False,
    )


@pytest.fixture(scope="session")
def wave1_sample():
    """The SYNTHETIC wave-1 sample (seed 2023), built once per session: tests only read it."""
    return build_wave1_sample()


@pytest.fixture(scope="session")
def warehouse_build(tmp_path_factory, wave1_sample):
    """The run that built the session's warehouse from the synthetic sample (both waves, as `make run`)."""
    root = tmp_path_factory.mktemp("warehouse")
    db_path = root / "warehouse.duckdb"
    write_landing(wave1_sample, root / "landing", follow_ups=[build_wave2_sample(wave1_sample, 2023)])
    result = build_warehouse(db_path, root / "landing", with_files=True)
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
