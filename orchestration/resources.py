"""Thin resources: where the warehouse and the landing directory are, and the dbt CLI."""

from __future__ import annotations

import contextlib
import importlib.metadata
import shutil
import sys
import tempfile
from functools import cached_property
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration import postgres_io, settings
from orchestration.dbt_project import dbt_project
from orchestration.publishing import (
    BuildInfo,
    acquire_refresh_lock,
    allowed_drops,
    publish_draft,
    read_build_info,
    release_refresh_lock,
    require_not_open_for_writing,
    require_published_database,
)
from orchestration.warehouse_io import connect, create_compatible_database


class WarehouseResource(ConfigurableResource):
    """The published warehouse, its draft, and the landing directory.

    A run writes only to the draft; `publish()` replaces the published warehouse by it in one step once
    everything is built and tested. Analysts never see a half-built warehouse, and a run that fails leaves
    the published one exactly as it was. Touching the draft takes the warehouse's refresh lock for the rest
    of the run, so two runs never share a draft. On DuckDB (`target="duckdb"`) the draft is the file
    `<db_path>.draft` (or that name in `draft_dir`), published by a rename (`orchestration.publishing`); on PostgreSQL
    (`target="postgres"`, the server the PG* variables name) it is the `draft_*` schemas, published by
    renaming schemas in one transaction (`orchestration.postgres_io`).
    """

    db_path: str
    landing_dir: str
    target: str = "duckdb"
    # Where the DuckDB draft is built; default: beside the published file. It must be on the published
    # file's filesystem (publishing renames it) and serve this warehouse only. The tests give each worker
    # one folder: dbt then sees the same database path build after build and keeps its partial parse.
    draft_dir: str = ""

    @property
    def on_postgres(self) -> bool:
        return self.target == "postgres"

    def location(self) -> str:
        """Where the published warehouse is, for messages."""
        if self.on_postgres:
            return postgres_io.location()
        return str(self.published_path)

    @property
    def published_path(self) -> Path:
        return Path(self.db_path)

    @property
    def draft_path(self) -> Path:
        folder = Path(self.draft_dir) if self.draft_dir else self.published_path.parent
        return folder / (self.published_path.name + ".draft")

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir)

    def start_draft(self) -> None:
        """A fresh draft: a copy of the published warehouse, or an empty file in the published storage
        format when there is none yet (publishing then needs no rewrite: warehouse_io). Refuses a
        published file somebody has open for writing (the copy would miss their writes) and a draft that
        a process of a killed run (an orphaned dbt) still writes to. (PostgreSQL: the published raw and
        reference tables copied into new draft schemas; dbt rebuilds the rest.)"""
        if self.on_postgres:
            postgres_io.acquire_refresh_lock()
            with postgres_io.connect() as connection:
                postgres_io.PostgresWarehouse(connection, postgres_io.DRAFT_PREFIX).start_draft()
            return
        acquire_refresh_lock(self.published_path)
        require_published_database(self.published_path)
        require_not_open_for_writing(self.draft_path, "the draft")
        remove_database(self.draft_path)
        if self.published_path.exists():
            self.draft_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.published_path, self.draft_path)
        else:
            create_compatible_database(self.draft_path)

    def ensure_draft(self) -> Path:
        """The draft, started from the published file if this run has none yet (e.g. one asset re-run)."""
        if self.on_postgres:
            postgres_io.acquire_refresh_lock()
            if not postgres_io.draft_exists():
                self.start_draft()
            return self.draft_path
        acquire_refresh_lock(self.published_path)
        if not self.draft_path.exists():
            self.start_draft()
        return self.draft_path

    @contextlib.contextmanager
    def published_duckdb(self):
        """A DuckDB file holding what the deliverables read from the published warehouse: the file itself,
        or on PostgreSQL a temporary snapshot of the published marts (postgres_io.write_duckdb_snapshot)."""
        if not self.on_postgres:
            yield self.published_path
            return
        with tempfile.TemporaryDirectory(prefix="warehouse-snapshot-") as scratch:
            path = Path(scratch) / "published_marts.duckdb"
            postgres_io.write_duckdb_snapshot(path)
            yield path

    def published_build(self) -> dict | None:
        """What the published warehouse was built from (`meta.warehouse_build`), None when there is none."""
        if self.on_postgres:
            with postgres_io.connect() as connection:
                return read_build_info(postgres_io.PostgresWarehouse(connection))
        if not self.published_path.exists():
            return None
        try:
            with connect(self.published_path, read_only=True) as connection:
                return read_build_info(connection)
        except duckdb.Error:  # not readable as a warehouse: nothing is known about what it was built from
            return None

    def connect(self, *, read_only: bool = False):
        """The draft: a DuckDB connection, or a PostgresWarehouse on the draft schemas."""
        if self.on_postgres:
            self.ensure_draft()
            return _postgres_draft()
        return connect(self.ensure_draft(), read_only=read_only)

    def publish(self, build: BuildInfo | None = None) -> list[str]:
        """Publishes the draft (see `publish_draft`); returns the waves/dates dropped with permission."""
        if self.on_postgres:
            postgres_io.acquire_refresh_lock()
            with postgres_io.connect() as connection:
                return postgres_io.PostgresWarehouse(connection, postgres_io.DRAFT_PREFIX).publish_draft(
                    build=build, allowed=allowed_drops())
        acquire_refresh_lock(self.published_path)
        return publish_draft(self.draft_path, self.published_path, build=build, allowed=allowed_drops())

    def teardown_after_execution(self, context) -> None:
        # End of the run (in-process executor): free the lock whether the run published or failed.
        if self.on_postgres:
            postgres_io.release_refresh_lock()
            return
        release_refresh_lock(self.published_path)


@contextlib.contextmanager
def _postgres_draft():
    with postgres_io.connect() as connection:
        yield postgres_io.PostgresWarehouse(connection, postgres_io.DRAFT_PREFIX)


def remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


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
    return WarehouseDbtCliResource(project_dir=dbt_project, dbt_executable=executable,
                                   target=settings.DBT_TARGETS[target or settings.warehouse_target()])


def default_resources() -> dict[str, object]:
    """Resources from the environment (WAREHOUSE_DB_PATH, WAREHOUSE_LANDING_DIR, WAREHOUSE_TARGET) or the
    defaults."""
    return {
        "warehouse": WarehouseResource(
            db_path=str(settings.warehouse_db_path()), landing_dir=str(settings.landing_dir()),
            target=settings.warehouse_target(),
        ),
        "dbt": dbt_resource(),
    }
