"""Publishing the warehouse without ever publishing something wrong or losing somebody's work.

- **One refresh at a time per warehouse**: `<db>.lock` beside the warehouse carries an OS file lock
  (`flock`) for as long as a run works on the draft. The kernel releases it when the process dies, even
  by `kill -9`, so a killed run never leaves it stuck; the file's text (pid, time) only names the holder.
- **Never delete or replace a file another process holds**: before a run copies the published file into
  its draft, replaces the draft, or publishes, it checks that no other process has that DuckDB file open
  for writing (DuckDB's own lock on the file says so, for root too), and fails naming that process.
- **Never publish a warehouse that silently lost a wave or a Taskforce date** the published one has,
  unless `WAREHOUSE_ALLOW_DROPPED` names them (or is `all`).
- **Keep the last published warehouses** in `<db>.history/` with what each was built from
  (`meta.warehouse_build` inside each file), so `make rollback` can put one back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.backends.duckdb_io import replace_tables, rewrite_reason, write_compatible_copy
from orchestration.settings import PROJECT_ROOT

KEEP_PUBLISHED = 5  # previous published warehouses kept in <db>.history/
BUILD_SCHEMA, BUILD_TABLE = "meta", "warehouse_build"
ALLOW_DROPPED_VARIABLE = "WAREHOUSE_ALLOW_DROPPED"

# What a published warehouse must not lose without the engineer saying so (read from the file itself).
WAVES_QUERY = "select distinct wave_id from marts.mart_respondent_resolution where status = 'valid'"
TASKFORCE_DATES_QUERY = (
    "select distinct cast(reference_date as varchar) from staging.stg_taskforce__counts where row_issue is null"
)


class PublishError(RuntimeError):
    """The run stops before anything is published; the message says why and what to do."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def history_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".history")


def wal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".wal")


# ---------------------------------------------------------------------------------------------------
# One refresh at a time

_held_locks: dict[Path, int] = {}  # lock file -> open descriptor, in this process


def acquire_refresh_lock(db_path: Path, purpose: str = "refresh") -> None:
    """Takes the warehouse's refresh lock for this process (again is a no-op) or fails naming the holder."""
    path = lock_path(Path(db_path))
    if path in _held_locks:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)  # not inherited by dbt's subprocess
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _read_holder(descriptor)
        os.close(descriptor)
        raise PublishError(
            f"another {holder.get('purpose', 'refresh')} of {db_path} is running since "
            f"{holder.get('since', 'an unknown time')}, pid {holder.get('pid', 'unknown')}"
            f"{' on ' + holder['host'] if holder.get('host') not in (None, socket.gethostname()) else ''}; "
            "this run stopped before touching the warehouse. Wait for it to finish (a killed run frees the "
            "lock by itself)."
        ) from None
    holder = {
        "pid": os.getpid(),
        "since": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "purpose": purpose,
    }
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, (json.dumps(holder) + "\n").encode("utf-8"), 0)
    _held_locks[path] = descriptor


def release_refresh_lock(db_path: Path) -> None:
    descriptor = _held_locks.pop(lock_path(Path(db_path)), None)
    if descriptor is not None:
        os.close(descriptor)  # closing drops the flock; the file stays (deleting it would race)


@contextlib.contextmanager
def refresh_lock(db_path: Path, purpose: str = "refresh") -> Iterator[None]:
    already_held = lock_path(Path(db_path)) in _held_locks
    acquire_refresh_lock(db_path, purpose)
    try:
        yield
    finally:
        if not already_held:
            release_refresh_lock(db_path)


def _read_holder(descriptor: int) -> dict:
    # The holder writes its details right after locking: give it a moment.
    for _ in range(20):
        try:
            text = os.pread(descriptor, 4096, 0).decode("utf-8")
            if text.strip():
                return json.loads(text)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    return {}


# ---------------------------------------------------------------------------------------------------
# Files other processes hold

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def open_for_writing_by(db_path: Path) -> str | None:
    """Who has this DuckDB file open for writing (a read-write connection), if anybody: DuckDB takes an
    exclusive lock on the file for that, which our read-only attempt runs into. Readers do not count, and
    neither does a file that cannot be read for another reason (`require_published_database` reports that)."""
    return _read_only_open(db_path)[0]


def _read_only_open(db_path: Path) -> tuple[str | None, str | None]:
    """(who holds the file for writing, why DuckDB cannot open it otherwise) from one read-only attempt;
    (None, None) for a file that opens, or does not exist."""
    if not Path(db_path).exists():
        return None, None
    try:
        duckdb.connect(str(db_path), read_only=True).close()
    except duckdb.Error as error:
        text = str(error)
        found = _LOCK_HOLDER.search(text)
        if found:
            return f"pid {found['pid']} ({found['program']})", None
        if "different configuration" in text:
            return f"this process (pid {os.getpid()})", None
        if "lock" in text.lower():
            return text, None
        # Unreadable for another reason (not a DuckDB file, a draft a killed run left half-written): nobody holds it.
        return None, text
    return None, None


def require_not_open_for_writing(db_path: Path, what: str) -> None:
    holder = open_for_writing_by(db_path)
    if holder:
        raise PublishError(
            f"{what} {db_path} is open for writing by {holder}; the refresh stopped so that process's "
            "writes are not lost and the file is not broken. Close that connection (analysts: open the "
            "warehouse read-only, `duckdb -readonly` or `duckdb.connect(path, read_only=True)`) and run again."
        )


def require_published_database(db_path: Path, variable: str = "WAREHOUSE_DB_PATH") -> None:
    """The published file, checked once as a run starts: nobody has it open for writing
    (`require_not_open_for_writing`), and it is a DuckDB database (or not there yet). A file that is
    something else (a CSV, a text file, a folder) stops the run here, named once, instead of being copied
    into the draft and failing every load that opens the copy."""
    holder, unreadable = _read_only_open(db_path)
    if holder:
        require_not_open_for_writing(db_path, "the published warehouse")
    if unreadable:
        # DuckDB's words without its "IO Error:" and without the path, which the message names once.
        for name in {str(Path(db_path).absolute()), str(db_path)}:
            unreadable = unreadable.replace(f' "{name}"', "")
        reason = re.sub(r"^[A-Za-z ]*Error: ", "", unreadable).rstrip("!. ")
        reason = reason[:1].lower() + reason[1:]
        raise PublishError(
            f"{variable}={db_path} is not a DuckDB database (DuckDB: {reason}); "
            "point it at a warehouse file or a new path"
        )


@contextlib.contextmanager
def read_only_hold(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the published file kept open while it is replaced: DuckDB's shared lock
    makes anyone opening it for writing in that moment get an error instead of writing into a file that
    is being moved away."""
    require_not_open_for_writing(db_path, "the published warehouse")
    if not Path(db_path).exists():
        yield None
        return
    connection = duckdb.connect(str(db_path), read_only=True)
    try:
        yield connection
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------------
# What a warehouse holds, and what it was built from


def _values(connection: duckdb.DuckDBPyConnection, query: str) -> set[str]:
    try:
        return {str(value) for (value,) in connection.execute(query).fetchall() if value is not None}
    except duckdb.CatalogException:
        return set()


def contents(connection: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """What a DuckDB warehouse holds that publishing must not lose (`PostgresWarehouse.contents` on
    PostgreSQL; `backends.contents` takes either connection)."""
    return {"waves": _values(connection, WAVES_QUERY), "taskforce dates": _values(connection, TASKFORCE_DATES_QUERY)}


def allowed_drops(value: str | None = None) -> set[str]:
    value = os.environ.get(ALLOW_DROPPED_VARIABLE, "") if value is None else value
    return {item.strip() for item in value.split(",") if item.strip()}


def check_nothing_dropped(
    published: dict[str, set[str]],
    draft: dict[str, set[str]],
    db_path: Path,
    allowed: set[str],
    what: str = "the new warehouse",
) -> list[str]:
    """Stops when the draft lacks a wave or Taskforce date the published warehouse has, unless allowed.
    Returns what is dropped with permission (for the run log)."""
    dropped = {kind: sorted(published[kind] - draft[kind]) for kind in published}
    names = [name for kind in dropped for name in dropped[kind]]
    if not names or "all" in allowed or set(names) <= allowed:
        return names
    listing = "; ".join(f"{kind}: {', '.join(values)}" for kind, values in dropped.items() if values)
    raise PublishError(
        f"not published: {what} lacks what the published {db_path} has ({listing}). A landing "
        "file may be missing or unreadable. If dropping them is intended, run again with "
        f"{ALLOW_DROPPED_VARIABLE}={','.join(names)} (make run ALLOW_DROPPED={','.join(names)}, or `all`)."
    )


def git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return result.stdout.strip() + ("+uncommitted changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@dataclass(frozen=True)
class BuildInfo:
    run_id: str
    landing_dir: str
    landing_fingerprint: str
    files: list[str]
    waves: list[str]
    taskforce_dates: list[str]
    commit: str
    built_at: str
    # One fingerprint per refreshable part of the landing (`landing_parts`): what the sensor compares with.
    landing_parts: dict[str, str] = field(default_factory=dict)
    # Per landing file the warehouse was built from: the sha256 of the bytes read (`files`, the same names).
    file_sha256: dict[str, str] = field(default_factory=dict)
    # The project's code, models, seeds and output settings it was built with (`build_inputs`).
    project_fingerprint: str = ""

    def frame(self) -> pd.DataFrame:
        row = {**self.__dict__, **{key: json.dumps(getattr(self, key)) for key in JSON_FIELDS}}
        return pd.DataFrame([row])


JSON_FIELDS = ("files", "waves", "taskforce_dates", "landing_parts", "file_sha256")


def read_build_info(connection) -> dict | None:
    """`meta.warehouse_build` of a DuckDB connection or a PostgresWarehouse, or None if it has none."""
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [BUILD_SCHEMA, BUILD_TABLE],
    ).fetchone()[0]
    if not found:
        return None
    cursor = connection.execute(f"select * from {BUILD_SCHEMA}.{BUILD_TABLE}")
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return None
    row = dict(zip(names, rows[0]))
    for key in JSON_FIELDS:
        if key in row:  # warehouses built before landing_parts (file_sha256) was recorded lack it
            row[key] = json.loads(row[key])
    return row


# ---------------------------------------------------------------------------------------------------
# Publishing and the history of published warehouses


def publish_draft(
    draft: Path,
    published: Path,
    *,
    build: BuildInfo | None,
    allowed: set[str],
    guard: bool = True,
    rewrite: bool = True,
) -> list[str]:
    """Replaces `published` by `draft` (the caller holds the refresh lock). The old file goes to the
    history, with its `.wal` if a crashed writer left one: nothing is deleted. Returns drops allowed.
    `rewrite=False` publishes the file as it is (a kept warehouse was written compatibly when first published)."""
    draft, published = Path(draft), Path(published)
    require_not_open_for_writing(draft, "the draft")
    with duckdb.connect(str(draft)) as connection:
        new = contents(connection)
        if build is not None:
            replace_tables(connection, BUILD_SCHEMA, {BUILD_TABLE: build.frame()})
        rewrite_because = rewrite and rewrite_reason(connection)
    if wal_path(draft).exists():
        raise PublishError(f"the draft {draft} still has a write-ahead log after closing; not published")
    if rewrite_because:  # readable by DuckDB's LTS line (README: which versions open it), compacted
        logging.getLogger(__name__).info(f"rewriting the draft before publishing it: {rewrite_because}")
        write_compatible_copy(draft)
    with read_only_hold(published) as old:
        dropped = check_nothing_dropped(contents(old), new, published, allowed) if old is not None and guard else []
        if old is not None:
            _keep_in_history(published, old)
        os.replace(draft, published)
    try:
        prune_history(published)
    except OSError as error:  # published already; an old copy left behind is no reason to fail the run
        logging.getLogger(__name__).warning(f"could not remove old kept warehouses: {error}")
    return dropped


def _keep_in_history(published: Path, connection: duckdb.DuckDBPyConnection) -> None:
    folder = history_dir(published)
    folder.mkdir(exist_ok=True)
    info = read_build_info(connection) or {}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stamp}.duckdb"
    try:
        os.link(published, target)  # the same bytes, no copy; the published name is then re-pointed
    except OSError:
        shutil.copy2(published, target)
    if wal_path(published).exists():  # left by a writer that crashed: it belongs to this file
        os.replace(wal_path(published), wal_path(target))
    (folder / f"{stamp}.json").write_text(
        json.dumps({"kept_at": stamp, **info}, indent=2, default=str), encoding="utf-8"
    )


@dataclass(frozen=True)
class KeptWarehouse:
    id: str
    path: Path
    info: dict


def kept_warehouses(published: Path) -> list[KeptWarehouse]:
    """Previous published warehouses, newest first."""
    folder = history_dir(Path(published))
    if not folder.is_dir():
        return []
    kept = []
    for path in sorted(folder.glob("*.duckdb"), reverse=True):
        sidecar = path.with_suffix(".json")
        info = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        kept.append(KeptWarehouse(path.stem, path, info))
    return kept


def prune_history(published: Path, keep: int = KEEP_PUBLISHED) -> None:
    for old in kept_warehouses(published)[keep:]:
        if open_for_writing_by(old.path):
            continue
        for leftover in (old.path, wal_path(old.path), old.path.with_suffix(".json")):
            leftover.unlink(missing_ok=True)


def rollback(published: Path, kept_id: str) -> KeptWarehouse:
    """Publishes a copy of a kept warehouse again (the current one goes to the history, as at every
    publish). Takes the refresh lock, so it never runs into a refresh."""
    published = Path(published)
    chosen = next((kept for kept in kept_warehouses(published) if kept.id == kept_id), None)
    if chosen is None:
        ids = ", ".join(kept.id for kept in kept_warehouses(published)) or "none"
        raise PublishError(f"no kept warehouse {kept_id!r} for {published} (kept: {ids})")
    restore = published.with_name(published.name + ".rollback")
    with refresh_lock(published, purpose="rollback"):
        require_not_open_for_writing(chosen.path, "the kept warehouse")
        restore.unlink(missing_ok=True)
        shutil.copy2(chosen.path, restore)
        if wal_path(chosen.path).exists():
            shutil.copy2(wal_path(chosen.path), wal_path(restore))
            duckdb.connect(str(restore)).close()  # replays that log into the copy
        # the kept bytes, not a rewrite of them: a rollback restores exactly what was published
        publish_draft(restore, published, build=None, allowed=set(), guard=False, rewrite=False)
    return chosen
