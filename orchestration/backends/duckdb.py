"""The DuckDB backend (WAREHOUSE_TARGET=duckdb): the warehouse is one file, the draft a copy of it.

The draft is `<db_path>.draft` (or that name in `draft_dir`), published by a rename
(`orchestration.backends.publishing`); the refresh lock is `<db_path>.lock`.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import duckdb

from orchestration import settings
from orchestration.backends import duckdb_io
from orchestration.backends.publishing import (
    BuildInfo,
    acquire_refresh_lock,
    allowed_drops,
    publish_draft,
    read_build_info,
    release_refresh_lock,
    require_not_open_for_writing,
    require_published_database,
)


class DuckDBBackend:
    name = "duckdb"
    supports_partial_refresh = True
    runs_python_models = True
    rollback_refusal = None
    published_is_duckdb_file = True  # the deliverables read the published file itself
    docs_refusal = None

    def __init__(self, db_path: Path, draft_dir: str = ""):
        self.published_path = Path(db_path)
        folder = Path(draft_dir) if draft_dir else self.published_path.parent
        self.draft_path = folder / (self.published_path.name + ".draft")

    def location(self) -> str:
        return str(self.published_path)

    def describe(self) -> str:
        return str(self.published_path)

    def open_hint(self) -> str:
        return f'Open it read-only:  duckdb -readonly {self.published_path}   (or: make query SQL="...")'

    def lock(self) -> None:
        acquire_refresh_lock(self.published_path)

    def unlock(self) -> None:
        release_refresh_lock(self.published_path)

    def start_draft(self) -> None:
        """A fresh draft: a copy of the published warehouse, or an empty file in the published storage
        format when there is none yet (publishing then needs no rewrite: duckdb_io). Refuses a published
        file somebody has open for writing (the copy would miss their writes) and a draft that a process
        of a killed run (an orphaned dbt) still writes to."""
        self.lock()
        require_published_database(self.published_path)
        require_not_open_for_writing(self.draft_path, "the draft")
        remove_database(self.draft_path)
        if self.published_path.exists():
            self.draft_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.published_path, self.draft_path)
        else:
            duckdb_io.create_compatible_database(self.draft_path)

    def ensure_draft(self) -> Path:
        self.lock()
        if not self.draft_path.exists():
            self.start_draft()
        return self.draft_path

    def connect_draft(self, *, read_only: bool = False):
        return duckdb_io.connect(self.ensure_draft(), read_only=read_only)

    def publish(self, build: BuildInfo | None = None) -> list[str]:
        self.lock()
        return publish_draft(self.draft_path, self.published_path, build=build, allowed=allowed_drops())

    def open_published(self):
        return duckdb_io.connect(self.published_path, read_only=True)

    @contextlib.contextmanager
    def published_duckdb(self):
        yield self.published_path

    def published_build(self) -> dict | None:
        if not self.published_path.exists():
            return None
        try:
            with duckdb_io.connect(self.published_path, read_only=True) as connection:
                return read_build_info(connection)
        except duckdb.Error:  # not readable as a warehouse: nothing is known about what it was built from
            return None

    def print_query(self, connection, sql: str) -> None:
        connection.sql(sql).show(max_rows=100, max_width=200)

    def dbt_environment(self, db_path: str) -> dict[str, str]:
        return {
            "DBT_DUCKDB_PATH": db_path,
            "WAREHOUSE_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit(),
            "WAREHOUSE_DUCKDB_TEMP_DIR": str(settings.duckdb_temp_dir(db_path)),
        }

    def dbt_build_args(self) -> list[str]:
        return ["build"]

    def run_log_dir(self) -> Path:
        return self.published_path.with_name(self.published_path.name + ".logs")

    def size_metadata(self) -> dict:
        return {"size_mb": round(self.published_path.stat().st_size / 1e6, 1)}


def remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
