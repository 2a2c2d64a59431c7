"""One checkout, many warehouses: what a run does depends on its landing and its warehouse, never on what
the Dagster instance remembers from runs against other landings (issue: first contact)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from marts_compare import mart_differences
from orchestration.settings import PROJECT_ROOT
from synthetic import write_landing
from test_refresh import copy_of_published
from test_safety import cli_env

pytestmark = pytest.mark.e2e


def cli_run(db_path: Path, landing: Path, dagster_home: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run", *options],
        cwd=PROJECT_ROOT,
        env=cli_env(db_path, landing, dagster_home),
        capture_output=True,
        text=True,
        timeout=900,
    )


def waves_of(db_path: Path) -> list[str]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return [
            wave
            for (wave,) in connection.execute(
                "select wave_id from marts.mart_wave_loads where in_landing order by 1"
            ).fetchall()
        ]


def test_default_then_another_landing_then_a_broken_one_then_the_default_again(tmp_path, wave1_sample):
    """The sequence of the issue, on one instance (the Makefile's dagster.yaml): each run behaves as if it
    were the first, and the default warehouse comes out as it was first built."""
    home = tmp_path / "dagster_home"
    default_landing, default_db = tmp_path / "default" / "landing", tmp_path / "default" / "warehouse.duckdb"
    subprocess.run(
        [sys.executable, "-m", "synthetic", "--landing-dir", str(default_landing)],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )

    first = cli_run(default_db, default_landing, home)
    assert first.returncode == 0, first.stderr
    first_build = tmp_path / "first_build.duckdb"
    shutil.copyfile(default_db, first_build)

    # Another warehouse with other waves: wave 1's files under two other wave ids.
    other_landing, other_db = tmp_path / "other" / "landing", tmp_path / "other" / "w.duckdb"
    write_landing(wave1_sample, other_landing)
    for new_id in ("w8_y", "w9_x"):
        folder = other_landing / "waves" / new_id
        shutil.copytree(other_landing / "waves" / "w1_2023", folder)
        codebook = folder / "codebook.yaml"
        codebook.write_text(
            codebook.read_text(encoding="utf-8").replace("id: w1_2023", f"id: {new_id}"), encoding="utf-8"
        )
    shutil.rmtree(other_landing / "waves" / "w1_2023")
    other = cli_run(other_db, other_landing, home)
    assert other.returncode == 0, other.stderr
    assert waves_of(other_db) == ["w8_y", "w9_x"]

    # A landing with a broken codebook: fails, publishes nothing, leaves nothing that matters behind.
    broken_landing, broken_db = tmp_path / "broken" / "landing", tmp_path / "broken" / "w.duckdb"
    shutil.copytree(default_landing, broken_landing)
    (broken_landing / "waves" / "w2_2025" / "codebook.yaml").write_text("wave: [unclosed\n", encoding="utf-8")
    broken = cli_run(broken_db, broken_landing, home)
    assert broken.returncode == 1
    assert "codebook.yaml" in broken.stderr and "w2_2025" in broken.stderr
    assert not broken_db.exists()

    # Nothing changed for the default warehouse: a plain run says so; a forced one rebuilds it as it was.
    unchanged = cli_run(default_db, default_landing, home)
    assert unchanged.returncode == 0 and "Nothing changed since" in unchanged.stdout, unchanged.stderr
    again = cli_run(default_db, default_landing, home, "--force")
    assert again.returncode == 0, again.stderr
    assert waves_of(default_db) == ["w1_2023", "w2_2025"]
    assert mart_differences(first_build, default_db) == []


def test_a_landing_that_lost_a_wave_is_refused_with_a_fresh_instance(warehouse_db, tmp_path):
    """What the warehouse holds is read from the warehouse: a fresh DAGSTER_HOME does not make a lost wave
    pass, and the published file stays as it was."""
    db_path, landing = copy_of_published(warehouse_db, tmp_path)
    before = db_path.read_bytes()
    shutil.rmtree(landing / "waves" / "w2_2025")
    result = cli_run(db_path, landing, tmp_path / "fresh_dagster_home")
    assert result.returncode == 1
    assert "waves: w2_2025" in result.stderr and "ALLOW_DROPPED=w2_2025" in result.stderr
    assert db_path.read_bytes() == before
