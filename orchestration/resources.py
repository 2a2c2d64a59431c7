"""Thin resources: where the warehouse and the landing directory are, and the dbt CLI."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource

from orchestration import settings
from orchestration.dbt_project import dbt_project
from orchestration.warehouse_io import connect, write_compatible_copy


class WarehouseResource(ConfigurableResource):
    """The published DuckDB file, its draft, and the landing directory.

    A run writes only to the draft (`<db_path>.draft`); `publish()` moves it over `db_path` in one rename
    once everything is built and tested. Analysts reading `db_path` never block a refresh, and a run that
    fails leaves the published file exactly as it was.
    """

    db_path: str
    landing_dir: str

    @property
    def published_path(self) -> Path:
        return Path(self.db_path)

    @property
    def draft_path(self) -> Path:
        return self.published_path.with_name(self.published_path.name + ".draft")

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir)

    def start_draft(self) -> None:
        """A fresh draft: a copy of the published warehouse, or nothing when there is none yet."""
        remove_database(self.draft_path)
        if self.published_path.exists():
            self.draft_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.published_path, self.draft_path)

    def ensure_draft(self) -> Path:
        """The draft, started from the published file if this run has none yet (e.g. one asset re-run)."""
        if not self.draft_path.exists():
            self.start_draft()
        return self.draft_path

    def connect(self, *, read_only: bool = False):
        return connect(self.ensure_draft(), read_only=read_only)

    def publish(self) -> None:
        write_compatible_copy(self.draft_path)  # readable by DuckDB 1.4 LTS and later
        os.replace(self.draft_path, self.published_path)
        remove_database(self.published_path.with_name(self.published_path.name + ".wal"))


def remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


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
