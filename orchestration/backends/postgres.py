"""The PostgreSQL backend (WAREHOUSE_TARGET=postgres; docs/POSTGRES.md): the server the PG* variables name.

The draft is the `draft_*` schemas (the published raw and reference tables copied in; dbt rebuilds the
rest), published by renaming schemas in one transaction (`orchestration.backends.postgres_io`); the
refresh lock is a session-level advisory lock. The deliverables, written for DuckDB, read a temporary
DuckDB snapshot of the published marts.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from orchestration import settings
from orchestration.backends import postgres_io
from orchestration.backends.publishing import BuildInfo, allowed_drops, read_build_info


class PostgresBackend:
    name = "postgres"
    # The smaller jobs need a draft that copies everything published; here a draft holds the loaded tables only.
    supports_partial_refresh = False
    runs_python_models = False  # dbt-postgres runs no Python models (the dbt asset writes those marts)
    rollback_refusal = (
        "rollback keeps and restores DuckDB files only; on PostgreSQL restore the server's "
        "backup (docs/POSTGRES.md). Nothing was changed."
    )
    published_is_duckdb_file = False  # the deliverables read a snapshot (`published_duckdb`)
    docs_refusal = (
        "make docs builds dbt's site from the DuckDB warehouse only; on PostgreSQL run "
        "`dbt docs generate --target postgres` in dbt_project/ (docs/POSTGRES.md)"
    )

    def __init__(self, db_path: Path, draft_dir: str = ""):
        # WAREHOUSE_DB_PATH names the folder the deliverables go to, and dbt's profile a DuckDB path.
        self.published_path = Path(db_path)
        folder = Path(draft_dir) if draft_dir else self.published_path.parent
        self.draft_path = folder / (self.published_path.name + ".draft")

    def location(self) -> str:
        return postgres_io.location()

    def describe(self) -> str:
        return "PostgreSQL (PG* variables)"

    def open_hint(self) -> str:
        return 'Query it:  psql (PG* variables)   (or: make query SQL="..."); analysts: docs/POSTGRES.md'

    def lock(self) -> None:
        postgres_io.acquire_refresh_lock()

    def unlock(self) -> None:
        postgres_io.release_refresh_lock()

    def start_draft(self) -> None:
        self.lock()
        with postgres_io.connect() as connection:
            postgres_io.PostgresWarehouse(connection, postgres_io.DRAFT_PREFIX).start_draft()

    def ensure_draft(self) -> Path:
        self.lock()
        if not postgres_io.draft_exists():
            self.start_draft()
        return self.draft_path

    def connect_draft(self, *, read_only: bool = False):
        self.ensure_draft()
        return _draft()

    def publish(self, build: BuildInfo | None = None) -> list[str]:
        self.lock()
        with postgres_io.connect() as connection:
            return postgres_io.PostgresWarehouse(connection, postgres_io.DRAFT_PREFIX).publish_draft(
                build=build, allowed=allowed_drops()
            )

    @contextlib.contextmanager
    def open_published(self):
        with postgres_io.connect() as connection:
            connection.set_session(readonly=True)
            yield postgres_io.PostgresWarehouse(connection)

    @contextlib.contextmanager
    def published_duckdb(self):
        """A temporary snapshot of the published marts (postgres_io.write_duckdb_snapshot)."""
        with tempfile.TemporaryDirectory(prefix="warehouse-snapshot-") as scratch:
            path = Path(scratch) / "published_marts.duckdb"
            postgres_io.write_duckdb_snapshot(path)
            yield path

    def published_build(self) -> dict | None:
        with postgres_io.connect() as connection:
            return read_build_info(postgres_io.PostgresWarehouse(connection))

    def print_query(self, connection, sql: str) -> None:
        cursor = connection.execute(sql)
        print(" | ".join(column.name for column in cursor.description or []))
        for row in cursor.fetchmany(100):
            print(" | ".join("" if value is None else str(value) for value in row))

    def dbt_environment(self, db_path: str) -> dict[str, str]:
        names = ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER")
        return {"WAREHOUSE_TARGET": self.name} | {name: os.environ[name] for name in names if name in os.environ}

    def dbt_build_args(self) -> list[str]:
        """The models go to the draft schemas (`draft_<schema>`, published by renaming them); always the
        same vars, so the partial parse stays valid from run to run. The dbt unit tests (rules on hand-made
        rows written in DuckDB's SQL) run on DuckDB only (`make test-fast`); every data test runs."""
        return [
            "build",
            "--vars",
            json.dumps({"schema_prefix": postgres_io.DRAFT_PREFIX}),
            "--exclude",
            "resource_type:unit_test",
        ]

    def run_log_dir(self) -> Path:
        return settings.DEFAULT_DB_PATH.parent / "postgres.logs"

    def size_metadata(self) -> dict:
        return {}


@contextlib.contextmanager
def _draft():
    with postgres_io.connect() as connection:
        yield postgres_io.PostgresWarehouse(connection, postgres_io.DRAFT_PREFIX)
