"""Before and after a change that must not change results: the sample built by two versions of the code,
compared (issue 21: "marts, exports and reports are byte-identical to before the change").

    .venv/bin/python -m tests.build_compare BEFORE [AFTER]

BEFORE and AFTER are commits (AFTER default: this checkout as it is). Each is checked out in a git
worktree under a scratch folder and builds the same synthetic landing with `python -m orchestration.cli
run --force` (WAREHOUSE_TARGET from the environment: with PG* variables and WAREHOUSE_TARGET=postgres
both build on that server, one after the other, and their published marts are compared through a DuckDB
snapshot of each). Then: the marts row for row (`tests/marts_compare.mart_differences`, `loaded_at`
aside) and every file under exports/ and reports/ byte for byte, but for what differs between two builds
of the same code (`same_file`; the chart cache is left out). Prints the differences; exit status 1
if there are any. It takes two full builds (minutes)."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from tests.marts_compare import BUILD_TIME_COLUMNS, mart_differences  # noqa: E402

BIN = Path(sys.executable).parent


def checkout(commit: str | None, scratch: Path, name: str) -> Path:
    if commit is None:
        return ROOT
    folder = scratch / name
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True, capture_output=True
    )
    return folder


def build(source: Path, out: Path, landing: Path) -> Path:
    """The sample built by the code in `source`; returns the published DuckDB file (a snapshot on PostgreSQL)."""
    out.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "WAREHOUSE_LANDING_DIR": str(landing),
        "WAREHOUSE_DB_PATH": str(out / "warehouse.duckdb"),
        "DAGSTER_HOME": str(out / "dagster_home"),
    }
    (out / "dagster_home").mkdir()
    if not (source / "dbt_project" / "target" / "manifest.json").exists():
        subprocess.run(
            [str(BIN / "dagster-dbt"), "project", "prepare-and-package", "--file", "orchestration/dbt_project.py"],
            cwd=source,
            env=env,
            check=True,
            capture_output=True,
        )
    with open(out / "run.log", "w") as log:
        subprocess.run(
            [sys.executable, "-m", "orchestration.cli", "run", "--force"],
            cwd=source,
            env=env,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    snapshot = out / "published_marts.duckdb"
    # Read with this checkout's code (BEFORE may predate orchestration/backends/): the file, or the server's marts.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import shutil, sys\nfrom orchestration.backends import current_backend\n"
            "with current_backend().published_duckdb() as path: shutil.copyfile(path, sys.argv[1])",
            str(snapshot),
        ],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    return snapshot


def same_file(left: Path, right: Path) -> bool:
    """Byte for byte, but for what differs from build to build of the same code: a Parquet file's row
    order and `loaded_at` (compared as multisets of rows without it), an Excel file's creation time
    (docProps/core.xml), an SPSS file's header time and row order (its values through pyreadstat)."""
    if filecmp.cmp(left, right, shallow=False):
        return True
    if left.suffix == ".parquet":
        with duckdb.connect() as connection:
            names = [row[0] for row in connection.execute(f"describe select * from '{left}'").fetchall()]
            kept = ", ".join(f'"{name}"' for name in names if name not in BUILD_TIME_COLUMNS) or "1"
            return all(
                connection.execute(
                    f"select count(*) from (select {kept} from '{one}' except all select {kept} from '{other}')"
                ).fetchone()[0]
                == 0
                for one, other in ((left, right), (right, left))
            )
    if left.suffix == ".xlsx":
        with zipfile.ZipFile(left) as one, zipfile.ZipFile(right) as other:
            return one.namelist() == other.namelist() and all(
                one.read(name) == other.read(name) for name in one.namelist() if name != "docProps/core.xml"
            )
    if left.suffix == ".sav":
        import pyreadstat

        (one, one_meta), (other, other_meta) = pyreadstat.read_sav(str(left)), pyreadstat.read_sav(str(right))

        def rows(frame):  # its row order is not fixed from build to build
            return frame.sort_values(list(frame.columns)).reset_index(drop=True)

        return rows(one).equals(rows(other)) and one_meta.column_names_to_labels == other_meta.column_names_to_labels
    return False


def file_differences(before: Path, after: Path) -> list[str]:
    """Files under exports/ and reports/ (not the chart cache) that only one build wrote or that differ."""
    problems = []
    for folder in ("exports", "reports"):
        left, right = before / folder, after / folder

        def files(root: Path) -> set[Path]:
            return (
                {p.relative_to(root) for p in root.rglob("*") if p.is_file() and ".chart_cache" not in p.parts}
                if root.is_dir()
                else set()
            )

        names, others = files(left), files(right)
        problems += [f"{folder}/{name}: only before" for name in sorted(names - others)]
        problems += [f"{folder}/{name}: only after" for name in sorted(others - names)]
        problems += [
            f"{folder}/{name}: differs" for name in sorted(names & others) if not same_file(left / name, right / name)
        ]
    return problems


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    before_commit, after_commit = argv[0], (argv[1] if len(argv) > 1 else None)
    scratch = Path(tempfile.mkdtemp(prefix="build-compare-"))
    landing = scratch / "landing"
    subprocess.run(
        [sys.executable, "-m", "synthetic", "--landing-dir", str(landing)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    built = [
        build(checkout(commit, scratch, name), scratch / f"{name}-build", landing)
        for commit, name in ((before_commit, "before"), (after_commit, "after"))
    ]
    problems = mart_differences(*built) + file_differences(*(path.parent for path in built))
    print("\n".join(problems) or f"the same marts, exports and reports ({scratch})")
    for name in ("before", "after"):
        if (scratch / name).exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(scratch / name)], cwd=ROOT, capture_output=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
