"""The loaders write exactly the raw columns dbt's sources rely on (orchestration/survey/raw_tables.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import codebook_frames
from orchestration.survey.flat_files import (
    read_municipality_overrides,
    read_open_answer_themes,
    read_taskforce_snapshot,
)
from orchestration.survey.landing import discover_landing
from orchestration.survey.qsf import load_qsf_codebook
from orchestration.survey.qualtrics_reader import export_frames, read_export
from orchestration.survey.raw_tables import RAW_COLUMNS
from synthetic import build_wave2_sample, write_landing

LOADED_AT = dt.datetime(2023, 4, 20, tzinfo=dt.UTC)
QSF_FIXTURES = Path(__file__).parent / "fixtures" / "qsf"


@pytest.fixture(scope="module")
def loaded_frames(tmp_path_factory, wave1_sample) -> dict:
    sample = wave1_sample
    landing = tmp_path_factory.mktemp("landing")
    write_landing(sample, landing)
    inventory = discover_landing(landing)
    wave = inventory.waves["w1_2023"]
    frames = export_frames(
        read_export(wave.export_paths[0]), wave_id="w1_2023", source_file="x.csv", loaded_at=LOADED_AT
    )
    frames |= codebook_frames(sample.codebook, source_file="codebook.yaml", file_sha256="0", loaded_at=LOADED_AT)
    # Wave 1 compares with no earlier wave: the comparisons come from the follow-up wave's codebook.
    follow_up = build_wave2_sample(sample, 2023).codebook
    frames["codebook_comparisons"] = codebook_frames(
        follow_up, source_file="codebook.yaml", file_sha256="0", loaded_at=LOADED_AT
    )["codebook_comparisons"]
    # What a QSF does not tabulate: a full codebook has no findings, the hand-written QSF fixture has some.
    qsf = load_qsf_codebook(QSF_FIXTURES / "real_world_shaped.qsf", QSF_FIXTURES / "real_world_shaped_overlay.yaml")
    frames["codebook_findings"] = codebook_frames(
        qsf, source_file="waves/w9_2025/survey.qsf", file_sha256="0", loaded_at=LOADED_AT
    )["codebook_findings"]
    frames["taskforce_counts"] = read_taskforce_snapshot(
        inventory.taskforce_paths[0], source_file="t.csv", loaded_at=LOADED_AT
    )
    frames["municipality_name_overrides"] = read_municipality_overrides(
        inventory.override_path, source_file="o.csv", loaded_at=LOADED_AT
    )
    frames["open_answer_themes"] = read_open_answer_themes(
        SURVEY_SEEDS_DIR / "open_answer_themes.csv", source_file="themes.csv", loaded_at=LOADED_AT
    )
    return frames


@pytest.mark.parametrize("table", sorted(RAW_COLUMNS))
def test_loader_writes_the_listed_columns(loaded_frames, table):
    assert list(loaded_frames[table].columns) == list(RAW_COLUMNS[table])
    assert len(loaded_frames[table]) > 0


def _dtype(dtype) -> str:
    # pandas 3 infers text as `str`; RAW_COLUMNS says `string`: both are VARCHAR in DuckDB.
    return "string" if str(dtype) in ("str", "string") else str(dtype)


@pytest.mark.parametrize("table", sorted(RAW_COLUMNS))
def test_loader_writes_the_listed_types(loaded_frames, table):
    """An empty table (no file of that kind yet) is made from RAW_COLUMNS, so its types must be the loaders'."""
    loaded = {column: _dtype(dtype) for column, dtype in loaded_frames[table].dtypes.items()}
    listed = {column: _dtype(dtype) for column, dtype in RAW_COLUMNS[table].items()}
    assert loaded == listed
