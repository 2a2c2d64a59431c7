"""Bad input fails loudly and names the problem; the published warehouse stays as it was."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from dagster import AssetKey, AssetSelection

from conftest import build_warehouse, draft_path
from orchestration.backends.publishing import BUILD_SCHEMA, BUILD_TABLE
from synthetic import write_sample_landing

# Every test here runs the job on spoilt input: a full build each.
pytestmark = pytest.mark.e2e

SNAPSHOT_QUERIES = (
    "select count(*), sum(count) from marts.mart_report_figures",
    "select count(*) from raw.export_cells",
    "select count(*) from marts.mart_respondent_resolution",
)


# A partial refresh: the draft, the raw loads and the models up to the resolution mart, and publishing.
RAW_LOADS_TO_RESOLUTION = (
    AssetSelection.assets("warehouse_draft", "published_warehouse")
    | AssetSelection.assets(AssetKey(["marts", "mart_respondent_resolution"]))
    .upstream()
    .required_multi_asset_neighbors()
)


def snapshot(db_path) -> list:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return [connection.execute(query).fetchall() for query in SNAPSHOT_QUERIES]


@pytest.fixture
def published_copy(warehouse_db, tmp_path):
    """A copy of the session's warehouse, and a landing directory with the same sample to spoil."""
    db_path = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_db, db_path)
    landing = tmp_path / "landing"
    write_sample_landing(landing)
    return db_path, landing


def failure_text(result) -> str:
    return "\n".join(str(event.event_specific_data.error) for event in result.all_events if event.is_step_failure)


def test_invalid_codebook_stops_the_run_and_keeps_the_marts(published_copy):
    db_path, landing = published_copy
    before = snapshot(db_path)
    codebook = landing / "waves" / "w1_2023" / "codebook.yaml"
    codebook.write_text(
        codebook.read_text(encoding="utf-8").replace("type: multi", "type: multiple", 1), encoding="utf-8"
    )
    result = build_warehouse(db_path, landing)
    assert not result.success
    assert "type 'multiple' is not one of" in failure_text(result)
    assert snapshot(db_path) == before


def test_a_bad_comparable_to_stops_the_run_listing_every_problem_and_keeps_the_marts(published_copy):
    db_path, landing = published_copy
    before = snapshot(db_path)
    codebook = landing / "waves" / "w2_2025" / "codebook.yaml"
    text = codebook.read_text(encoding="utf-8")
    text = text.replace("recode: {1: [1], 2: [1], 3: [2], 4: [3]}", "recode: {1: [1], 2: [7], 3: [2], 9: [3]}")
    text = text.replace("question: Q25}", "question: Q99}").replace(
        "{wave: w1_2023, question: Q31}", "{wave: w1_2023, question: Q8}"
    )
    codebook.write_text(text, encoding="utf-8")
    result = build_warehouse(db_path, landing)
    assert not result.success
    message = failure_text(result)
    assert "waves/w2_2025/codebook.yaml" in message
    for problem in (
        "question Q6: comparable_to w1_2023 Q6: recode target 7 (of code 2) is not a code of w1_2023 Q6",
        "recode key 9 is not a code of Q6",
        "code 4 has no recode and w1_2023 Q6 has no code 4",
        "question Q19: comparable_to w1_2023 Q99: wave w1_2023 has no question Q99",
        "question Q31: comparable_to w1_2023 Q8: types do not agree",
    ):
        assert problem in message, message
    assert snapshot(db_path) == before


def test_unreadable_export_names_file_and_line_and_keeps_the_marts(published_copy):
    db_path, landing = published_copy
    before = snapshot(db_path)
    (landing / "waves" / "w1_2023" / "broken.csv").write_text('a,b\n"unclosed,2\n', encoding="utf-8")
    result = build_warehouse(db_path, landing)
    assert not result.success
    message = failure_text(result)
    assert "broken.csv" in message and "line" in message
    assert snapshot(db_path) == before


def test_taskforce_file_without_its_columns_is_refused(published_copy):
    db_path, landing = published_copy
    before = snapshot(db_path)
    (landing / "taskforce" / "wrong.csv").write_text("datum,gemeente\n2023-04-15,Gent\n", encoding="utf-8")
    result = build_warehouse(db_path, landing)
    assert not result.success
    assert "wrong.csv" in failure_text(result) and "personen" in failure_text(result)
    assert snapshot(db_path) == before


@pytest.mark.parametrize("layout", ["missing", "empty", "taskforce_only", "waves_folder", "wave_folder"])
def test_a_landing_without_a_wave_stops_the_run_and_keeps_the_marts(published_copy, tmp_path, layout):
    """A mistyped or too-deep WAREHOUSE_LANDING_DIR never publishes an emptier (or synthetic) warehouse."""
    db_path, sample_landing = published_copy
    before = snapshot(db_path)
    landing = {
        "missing": tmp_path / "landnig",
        "empty": tmp_path / "empty",
        "taskforce_only": sample_landing / "taskforce",
        "waves_folder": sample_landing / "waves",
        "wave_folder": sample_landing / "waves" / "w1_2023",
    }[layout]
    if layout == "empty":
        landing.mkdir()
    if layout == "taskforce_only":
        landing = tmp_path / "tf_only"
        shutil.copytree(sample_landing / "taskforce", landing / "taskforce")
    files_before = sorted(landing.rglob("*")) if landing.exists() else None
    result = build_warehouse(db_path, landing)
    assert not result.success
    message = failure_text(result)
    assert str(landing) in message
    expected = {
        "missing": "does not exist",
        "empty": "is empty",
        "taskforce_only": "has no waves/",
        "waves_folder": "looks like the waves/ folder",
        "wave_folder": "looks like one wave's folder",
    }
    assert expected[layout] in message
    assert snapshot(db_path) == before
    # nothing is written into a configured landing directory (no synthetic sample)
    assert (sorted(landing.rglob("*")) if landing.exists() else None) == files_before


def test_a_known_wave_without_its_codebook_uses_the_bundled_one(published_copy):
    db_path, landing = published_copy
    (landing / "waves" / "w1_2023" / "codebook.yaml").unlink()
    # The loads and the models up to the respondents' resolution; the draft keeps the session build's others.
    result = build_warehouse(db_path, landing, selection=RAW_LOADS_TO_RESOLUTION)
    assert result.success, failure_text(result)
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.execute(
            "select source_file from raw.codebook_waves where wave_id = 'w1_2023'"
        ).fetchall() == [("(bundled) w1_2023_codebook.yaml",)]
        assert connection.execute(
            "select count(*) from marts.mart_respondent_resolution where status = 'valid' and wave_id = 'w1_2023'"
        ).fetchone() == (195,)


def test_an_unknown_wave_without_a_codebook_is_refused(published_copy):
    db_path, landing = published_copy
    before = snapshot(db_path)
    (landing / "waves" / "w9_2030").mkdir()
    (landing / "waves" / "w9_2030" / "export.csv").write_text("x\n", encoding="utf-8")
    result = build_warehouse(db_path, landing)
    assert not result.success
    assert "waves/w9_2030/: no codebook.yaml" in failure_text(result)
    assert snapshot(db_path) == before


def test_an_analyst_reading_the_published_file_does_not_block_a_refresh(published_copy):
    """What touches the published file (starting the draft from it, replacing it by the draft) while an
    analyst's read-only session is open on it: the publish step alone starts its draft from the published
    file when the run has none; the models in that draft are the session build's."""
    db_path, landing = published_copy
    build_query = f"select run_id from {BUILD_SCHEMA}.{BUILD_TABLE}"
    analyst = duckdb.connect(str(db_path), read_only=True)
    try:
        before = analyst.execute(build_query).fetchone()
        result = build_warehouse(db_path, landing, selection="published_warehouse")
        assert result.success, failure_text(result)
        # The open session keeps reading the warehouse it opened; new sessions get the new one (a new
        # connection in this process would share the open session's database: it is read after closing).
        assert analyst.execute(build_query).fetchone() == before != (result.run_id,)
    finally:
        analyst.close()
    with duckdb.connect(str(db_path), read_only=True) as later:
        assert later.execute(build_query).fetchone() == (result.run_id,)
    assert not draft_path(db_path).exists()
