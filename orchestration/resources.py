"""Thin resources: where the warehouse and the landing directory are, and the dbt CLI."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource

from orchestration import settings
from orchestration.dbt_project import dbt_project
from orchestration.warehouse_io import connect


class WarehouseResource(ConfigurableResource):
    """The DuckDB file the warehouse is written to and the landing directory it is read from."""

    db_path: str
    landing_dir: str

    def connect(self, *, read_only: bool = False):
        return connect(self.db_path, read_only=read_only)

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir)


def dbt_resource() -> DbtCliResource:
    """dbt from this interpreter's environment, so nobody has to put the virtualenv on PATH."""
    candidates = [Path(sys.prefix) / "bin" / "dbt", Path(sys.executable).parent / "dbt"]
    executable = next((str(path) for path in candidates if path.exists()), shutil.which("dbt") or "dbt")
    return DbtCliResource(project_dir=dbt_project, dbt_executable=executable)


def default_resources() -> dict[str, object]:
    """Resources from the environment (WAREHOUSE_DB_PATH, WAREHOUSE_LANDING_DIR) or the defaults."""
    return {
        "warehouse": WarehouseResource(
            db_path=str(settings.warehouse_db_path()), landing_dir=str(settings.landing_dir())
        ),
        "dbt": dbt_resource(),
    }
