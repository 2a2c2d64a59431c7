"""Thin resources: where the warehouse and the landing directory are (storage: orchestration/backends/),
and the dbt CLI."""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
from functools import cached_property
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration import settings
from orchestration.backends import Backend, backend_for
from orchestration.backends.publishing import BuildInfo
from orchestration.dbt_project import dbt_project


class WarehouseResource(ConfigurableResource):
    """Where the warehouse and the landing directory are, and which backend stores the warehouse; every
    storage operation is the backend's (`orchestration/backends/`), chosen once from `target`.

    A run writes only to the draft; `publish()` replaces the published warehouse by it in one step once
    everything is built and tested. Analysts never see a half-built warehouse, and a run that fails leaves
    the published one exactly as it was. Touching the draft takes the warehouse's refresh lock for the rest
    of the run, so two runs never share a draft. On DuckDB (`target="duckdb"`) the draft is the file
    `<db_path>.draft` (or that name in `draft_dir`), published by a rename (`backends/duckdb.py`); on
    PostgreSQL (`target="postgres"`, the server the PG* variables name) it is the `draft_*` schemas,
    published by renaming schemas in one transaction (`backends/postgres.py`).
    """

    db_path: str
    landing_dir: str
    target: str = "duckdb"
    # Where the DuckDB draft is built; default: beside the published file. It must be on the published
    # file's filesystem (publishing renames it) and serve this warehouse only. The tests give each worker
    # one folder: dbt then sees the same database path build after build and keeps its partial parse.
    draft_dir: str = ""

    @property
    def backend(self) -> Backend:
        return backend_for(self.target, self.db_path, self.draft_dir)

    @property
    def supports_partial_refresh(self) -> bool:
        return self.backend.supports_partial_refresh

    def location(self) -> str:
        """Where the published warehouse is, for messages."""
        return self.backend.location()

    @property
    def published_path(self) -> Path:
        return Path(self.db_path)

    @property
    def draft_path(self) -> Path:
        return self.backend.draft_path

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir)

    def start_draft(self) -> None:
        """A fresh draft from the published warehouse (the backend's `start_draft`)."""
        self.backend.start_draft()

    def ensure_draft(self) -> Path:
        """The draft, started from the published warehouse if this run has none yet (e.g. one asset re-run)."""
        return self.backend.ensure_draft()

    def published_duckdb(self):
        """A DuckDB file holding what the deliverables read from the published warehouse (a context manager)."""
        return self.backend.published_duckdb()

    def published_build(self) -> dict | None:
        """What the published warehouse was built from (`meta.warehouse_build`), None when there is none."""
        return self.backend.published_build()

    def connect(self, *, read_only: bool = False):
        """The draft: a DuckDB connection, or a PostgresWarehouse on the draft schemas."""
        return self.backend.connect_draft(read_only=read_only)

    def publish(self, build: BuildInfo | None = None) -> list[str]:
        """Publishes the draft; returns the waves/dates dropped with permission."""
        return self.backend.publish(build)

    def teardown_after_execution(self, context) -> None:
        # End of the run (in-process executor): free the lock whether the run published or failed.
        self.backend.unlock()


ENVIRONMENT_DBT = (Path(sys.prefix) / "bin" / "dbt", Path(sys.executable).parent / "dbt")


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI without two start-up costs of every invocation that this project does not use
    (5.6 s of a 10 000-respondent run, bench/README.md): `dbt --version` in a subprocess to learn the
    version, and a dbt adapter opened in the Dagster process, which only `fetch_row_counts()` and
    `fetch_column_metadata()` use (the dbt asset counts rows itself, after dbt has finished)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) in ENVIRONMENT_DBT:  # this environment's dbt: its dbt-core package
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource(target: str | None = None) -> WarehouseDbtCliResource:
    """dbt from this interpreter's environment, so nobody has to put the virtualenv on PATH, on the
    profile output of the warehouse's target (`target`: `duckdb` or `postgres`; default WAREHOUSE_TARGET;
    profiles.yml calls the DuckDB output `dev`)."""
    executable = next((str(path) for path in ENVIRONMENT_DBT if path.exists()), shutil.which("dbt") or "dbt")
    return WarehouseDbtCliResource(
        project_dir=dbt_project,
        dbt_executable=executable,
        target=settings.DBT_TARGETS[target or settings.warehouse_target()],
    )


def default_resources() -> dict[str, object]:
    """Resources from the environment (WAREHOUSE_DB_PATH, WAREHOUSE_LANDING_DIR, WAREHOUSE_TARGET) or the
    defaults."""
    return {
        "warehouse": WarehouseResource(
            db_path=str(settings.warehouse_db_path()),
            landing_dir=str(settings.landing_dir()),
            target=settings.warehouse_target(),
        ),
        "dbt": dbt_resource(),
    }
