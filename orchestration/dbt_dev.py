"""`make dbt ARGS="build -s my_model+"`: dbt as dbt users run it, on a development copy of the warehouse.

The development copy, `warehouse/dev/warehouse.duckdb` (settings.DEFAULT_DEV_DB_PATH), is a copy of the
published warehouse (WAREHOUSE_DB_PATH), so it holds the raw and reference tables dbt's sources read and
every model as published; dbt then builds into it as a run builds into its draft. `make dbt` is exactly a
plain `cd dbt_project && ../.venv/bin/dbt ...` once the copy is there: profiles.yml's fallbacks (the settings'
defaults) name this file, so both ways see one copy and share dbt's partial parse.

The copy is made when it is missing, when it was copied from another published file, or with
`make dbt FRESH=1` (`--fresh`); otherwise it is kept, with whatever earlier `make dbt` runs built in it.
The published file is only ever read (copied, refusing a file somebody is writing to), and a development
copy that would be the published file, its draft or one of its kept versions is refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration import settings
from orchestration.backends.publishing import history_dir, open_for_writing_by, wal_path


class DevCopyError(RuntimeError):
    """`make dbt` stops before dbt runs; the message says why and what to do."""


def source_file(dev: Path) -> Path:
    """Beside the copy: which published file it was copied from, and when."""
    return dev.with_name(dev.name + ".source.json")


def dev_environment(dev: Path) -> dict[str, str]:
    """What profiles.yml reads, as a run sets it for its draft (`dbt_environment()` in
    orchestration/assets/dbt.py, which this equals: importing that module costs three seconds of Dagster)."""
    return {
        "DBT_DUCKDB_PATH": str(dev),
        "WAREHOUSE_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit(),
        "WAREHOUSE_DUCKDB_TEMP_DIR": str(settings.duckdb_temp_dir(dev)),
    }


# Set in a shell, these would take dbt elsewhere: to another file (even the published one) or to PostgreSQL.
ELSEWHERE = ("DBT_DUCKDB_PATH", "WAREHOUSE_DUCKDB_TEMP_DIR", "DBT_TARGET", "WAREHOUSE_TARGET")


def _same_file(one: Path, other: Path) -> bool:
    return one.resolve() == other.resolve() or (one.exists() and other.exists() and one.samefile(other))


def refuse_published(published: Path, dev: Path) -> None:
    """A development copy is never the published warehouse, its draft, or one of its kept versions."""
    forbidden = [published, published.with_name(published.name + ".draft")]
    if (
        _same_file(dev, forbidden[0])
        or _same_file(dev, forbidden[1])
        or history_dir(published).resolve() in dev.resolve().parents
    ):
        raise DevCopyError(
            f"the development copy {dev} would be the published warehouse {published} (or its draft "
            "or history); dbt by hand never builds there. Give WAREHOUSE_DB_PATH another file."
        )


def prepare_dev_copy(published: Path, dev: Path, *, fresh: bool = False) -> list[str]:
    """Makes or keeps the development copy of `published` at `dev`; returns what to tell the engineer."""
    published, dev = Path(published).absolute(), Path(dev).absolute()
    refuse_published(published, dev)
    if not published.exists():
        raise DevCopyError(
            f"no published warehouse at {published} to copy: run `make run` first (it builds one "
            "from the landing directory, the synthetic sample when that is empty), then this again."
        )
    source = _read_source(dev)
    if dev.exists() and not fresh and source.get("published") in (None, str(published)):
        return [
            f"dbt builds into the development copy {dev}{_copied(source)}; the published warehouse "
            f"{published} is not touched."
        ] + _staleness(published, source)
    if dev.exists() and not fresh:
        reason = f"copied again (the old copy was of {source['published']})"
    else:
        reason = "copied again (FRESH=1)" if dev.exists() else "new"
    holder = open_for_writing_by(dev) if dev.exists() else None
    if holder:
        raise DevCopyError(
            f"the development copy {dev} is open for writing by {holder}: close that connection "
            "(or let that dbt finish), then this again."
        )
    holder = open_for_writing_by(published)
    if holder:
        raise DevCopyError(
            f"the published warehouse {published} is open for writing by {holder} (a run "
            "publishing, or a read-write session): a copy now could miss its writes. Try again "
            "once it is closed."
        )
    dev.parent.mkdir(parents=True, exist_ok=True)
    partial = dev.with_name(dev.name + ".copying")
    copied = _copy(published, partial)
    wal_path(dev).unlink(missing_ok=True)  # the old copy's log must not be replayed onto the new one
    os.replace(partial, dev)
    source = {
        "published": str(published),
        "published_mtime_ns": copied.st_mtime_ns,
        "copied_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    source_file(dev).write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    return [
        f"Development copy {dev}: {reason}, from the published warehouse {published}; dbt builds into "
        "the copy, the published warehouse is not touched."
    ]


def _copy(published: Path, destination: Path) -> os.stat_result:
    """Copies one open file (a publish that renames another file over `published` meanwhile is not mixed
    in) and returns that file's status, to tell later whether the published warehouse changed since."""
    with published.open("rb") as source, destination.open("wb") as copy:
        shutil.copyfileobj(source, copy, 1 << 24)
        return os.fstat(source.fileno())


def _read_source(dev: Path) -> dict:
    try:
        return json.loads(source_file(dev).read_text(encoding="utf-8")) if dev.exists() else {}
    except (OSError, ValueError):
        return {}


def _copied(source: dict) -> str:
    return f" (copied {source['copied_at']} from the published warehouse)" if source.get("copied_at") else ""


def _staleness(published: Path, source: dict) -> list[str]:
    recorded = source.get("published_mtime_ns")
    if recorded is not None and published.stat().st_mtime_ns != recorded:
        return ["The published warehouse changed since (a newer run): `make dbt FRESH=1 ARGS=...` copies it again."]
    if recorded is None:
        return [
            "Where this copy came from is not recorded: `make dbt FRESH=1 ARGS=...` copies the published "
            "warehouse again."
        ]
    return []


def dbt_executable() -> str:
    """This environment's dbt (the virtualenv's), as `dbt_resource()` picks it."""
    for candidate in (Path(sys.prefix) / "bin" / "dbt", Path(sys.executable).parent / "dbt"):
        if candidate.exists():
            return str(candidate)
    return "dbt"


def run_dbt(args: list[str], dev: Path | None = None, extra_env: dict[str, str] | None = None) -> int:
    """dbt in dbt_project/ on a development copy (profile output `dev`); dbt's exit status. The checkout's
    own copy (`dev` None) is left to profiles.yml's fallbacks, so this is exactly a plain `dbt` in
    dbt_project/ and both (and `make`'s parse of the project) share dbt's partial parse; another copy is
    named in the environment, as a run names its draft. WAREHOUSE_DUCKDB_MEMORY_LIMIT is honoured."""
    env = {name: value for name, value in os.environ.items() if name not in ELSEWHERE}
    if dev is not None:
        env |= dev_environment(Path(dev).absolute())
    env |= extra_env or {}
    return subprocess.run([dbt_executable(), *args], cwd=settings.DBT_PROJECT_DIR, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make dbt", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="copy the published warehouse again (make dbt FRESH=1)")
    parser.add_argument(
        "dbt_args", nargs=argparse.REMAINDER, help='dbt\'s arguments (make dbt ARGS="build -s my_model+")'
    )
    options = parser.parse_args(argv)
    args = options.dbt_args[1:] if options.dbt_args[:1] == ["--"] else options.dbt_args
    if (os.environ.get("WAREHOUSE_TARGET") or "").strip().lower() == "postgres":
        print(
            "make dbt works on a DuckDB development copy; WAREHOUSE_TARGET=postgres is ignored here.", file=sys.stderr
        )
    try:
        messages = prepare_dev_copy(settings.warehouse_db_path(), settings.DEFAULT_DEV_DB_PATH, fresh=options.fresh)
    except DevCopyError as error:
        print(f"make dbt: {error}", file=sys.stderr)
        return 1
    print("\n".join(messages), flush=True)
    if not args:  # `make dbt FRESH=1` alone: the copy only
        print('Then: make dbt ARGS="build -s my_model+" (or cd dbt_project && ../.venv/bin/dbt build -s my_model+).')
        return 0
    return run_dbt(args)


if __name__ == "__main__":
    raise SystemExit(main())
