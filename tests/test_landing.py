"""Landing-directory discovery, the sensor's and the build record's fingerprints and `source_file` names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.survey.landing import (
    discover_landing,
    landing_fingerprint,
    landing_parts,
    relative_name,
    unused_files,
)


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    touch(tmp_path / "waves/w1_2023/codebook.yaml")
    touch(tmp_path / "waves/w1_2023/b_export.csv")
    touch(tmp_path / "waves/w1_2023/a_export.CSV")
    touch(tmp_path / "waves/w1_2023/~$a_export.csv")  # Excel lock file
    touch(tmp_path / "waves/w1_2023/notes.txt")
    touch(tmp_path / "waves/w2_2024/export.csv")  # no codebook yet
    touch(tmp_path / "taskforce/2023-04-15.csv")
    touch(tmp_path / "taskforce/.~lock.2023-04-15.csv#")
    touch(tmp_path / "README.md")
    return tmp_path


def test_discover_landing(landing: Path):
    inventory = discover_landing(landing)
    assert list(inventory.waves) == ["w1_2023", "w2_2024"]
    w1 = inventory.waves["w1_2023"]
    assert w1.codebook_path == landing / "waves/w1_2023/codebook.yaml"
    assert [path.name for path in w1.export_paths] == ["a_export.CSV", "b_export.csv"]
    assert inventory.waves["w2_2024"].codebook_path is None
    assert [path.name for path in inventory.taskforce_paths] == ["2023-04-15.csv"]
    assert inventory.override_path is None

    touch(landing / "overrides/municipality_names.csv")
    assert discover_landing(landing).override_path == landing / "overrides/municipality_names.csv"


def test_missing_landing_dir_is_an_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        discover_landing(tmp_path / "nowhere")


def test_parts_change_only_with_landing_files(landing: Path):
    before = landing_parts(landing)
    assert sorted(before) == ["taskforce", "wave:w1_2023", "wave:w2_2024"]
    assert landing_parts(landing) == before
    touch(landing / "README.md", "changed")
    touch(landing / "waves/w1_2023/notes.txt", "changed")
    assert landing_parts(landing) == before

    export = landing / "waves/w1_2023/b_export.csv"
    stat = export.stat()
    os.utime(export, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = landing_parts(landing)
    assert [part for part in before if after[part] != before[part]] == ["wave:w1_2023"]
    touch(landing / "overrides/open_answer_themes.csv")  # both override files are one part
    assert "overrides" in landing_parts(landing)


def test_the_landing_fingerprint_is_of_names_and_contents():
    hashes = {"waves/w1/a.csv": "1" * 64, "taskforce/t.csv": "2" * 64}
    assert landing_fingerprint(hashes) == landing_fingerprint(dict(reversed(hashes.items())))
    assert landing_fingerprint(hashes) != landing_fingerprint({**hashes, "taskforce/t.csv": "3" * 64})
    assert landing_fingerprint(hashes) != landing_fingerprint({"waves/w1/b.csv": "1" * 64, "taskforce/t.csv": "2" * 64})


def test_relative_name(landing: Path):
    path = landing / "waves/w1_2023/b_export.csv"
    assert relative_name(path, landing) == "waves/w1_2023/b_export.csv"
    assert relative_name(path.resolve(), landing) == "waves/w1_2023/b_export.csv"
    with pytest.raises(ValueError, match="not inside the landing directory"):
        relative_name(landing.parent / "elsewhere.csv", landing)


def test_files_outside_the_layout_are_reported(landing: Path):
    touch(landing / "waves/w1_2023/export.xlsx")
    touch(landing / "stray_export.csv")
    unused = [path.relative_to(landing).as_posix() for path in unused_files(discover_landing(landing))]
    assert unused == ["stray_export.csv", "waves/w1_2023/export.xlsx"]
