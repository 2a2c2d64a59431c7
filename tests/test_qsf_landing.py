"""A wave folder with survey.qsf and an overlay codebook.yaml (contract §5.1) loads through wave_codebooks,
and the sample's w2_2025 — written as survey.qsf + overlay by the synthetic package, as `make run` lands
it — gives every mart the same landing with full codebooks gives; mart_codebook says where each item
came from."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize

from conftest import build_warehouse
from marts_compare import mart_differences
from orchestration.assets.landing import landing_directory
from orchestration.assets.publish import warehouse_draft
from orchestration.assets.survey import wave_codebooks
from orchestration.resources import WarehouseResource
from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import load_codebook
from orchestration.survey.landing import discover_landing, landing_parts, unused_files
from orchestration.survey.qsf import load_qsf_codebook
from synthetic import build_wave2_sample, write_landing

FIXTURES = Path(__file__).parent / "fixtures" / "qsf"


def qsf_wave(landing: Path, overlay_text: str | None = None) -> Path:
    """The hand-written real-world-shaped QSF as wave w9_2025 of `landing`, with its overlay."""
    folder = landing / "waves" / "w9_2025"
    folder.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "real_world_shaped.qsf", folder / "survey.qsf")
    overlay = overlay_text or (FIXTURES / "real_world_shaped_overlay.yaml").read_text(encoding="utf-8")
    (folder / "codebook.yaml").write_text(overlay, encoding="utf-8")
    return folder


def load_codebooks(tmp_path: Path, landing: Path):
    warehouse = WarehouseResource(
        db_path=str(tmp_path / "warehouse.duckdb"), landing_dir=str(landing), draft_dir=str(tmp_path / "drafts")
    )
    result = materialize(
        [warehouse_draft, landing_directory, wave_codebooks],
        resources={"warehouse": warehouse},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    return result, warehouse


def test_a_real_world_shaped_qsf_loads_with_its_findings(tmp_path):
    landing = tmp_path / "landing"
    qsf_wave(landing)
    result, warehouse = load_codebooks(tmp_path, landing)
    assert result.success
    with duckdb.connect(str(warehouse.draft_path), read_only=True) as connection:
        findings = connection.execute(
            "select question_id, finding_type, source_file from raw.codebook_findings order by question_id"
        ).fetchall()
        sources = dict(connection.execute("select question_id, item_source from raw.codebook_questions").fetchall())
        source_file = connection.execute("select source_file from raw.codebook_waves").fetchone()[0]
    assert ("Q13", "question not tabulated", "waves/w9_2025/survey.qsf") in findings  # single-answer matrix
    assert ("Q24", "question not tabulated", "waves/w9_2025/survey.qsf") in findings  # block outside the flow
    assert ("Q10", "display logic not read", "waves/w9_2025/survey.qsf") in findings
    assert {"Q15", "Q16", "Q17", "Q18", "Q19", "Q20", "Q23"} <= {question_id for question_id, *_ in findings}
    assert "Q25" not in sources  # in the Trash
    assert (sources["Q1"], sources["Q2"], sources["Q7"]) == ("overlay", "overlay", "qsf")
    assert source_file == "waves/w9_2025/survey.qsf"


def test_an_overlay_mistake_stops_the_load_naming_file_question_and_fix(tmp_path):
    landing = tmp_path / "landing"
    overlay = (FIXTURES / "real_world_shaped_overlay.yaml").read_text(encoding="utf-8")
    qsf_wave(landing, overlay.replace("  municipality_map: 2025\n", "").replace("{id: Q2,", "{id: Q99,"))
    result, _ = load_codebooks(tmp_path, landing)
    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    message = str(failure.event_specific_data.error)
    assert "waves/w9_2025/codebook.yaml: question Q99 is not a question of survey.qsf" in message, message
    assert "wave: add `municipality_map: 2019-2024` or `municipality_map: 2025`" in message, message


def test_a_qsf_without_its_overlay_stops_the_load(tmp_path):
    landing = tmp_path / "landing"
    (qsf_wave(landing) / "codebook.yaml").unlink()
    result, _ = load_codebooks(tmp_path, landing)
    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert "needs an overlay codebook.yaml beside it" in str(failure.event_specific_data.error)


def test_the_sample_lands_w2_2025_as_survey_qsf_with_an_overlay(tmp_path, wave1_sample):
    landing = tmp_path / "landing"
    write_landing(wave1_sample, landing, follow_ups=[build_wave2_sample(wave1_sample, 2023)])
    folder = landing / "waves" / "w2_2025"
    assert (folder / "survey.qsf").is_file() and not (landing / "waves" / "w1_2023" / "survey.qsf").exists()
    loaded = load_qsf_codebook(folder / "survey.qsf", folder / "codebook.yaml")
    handwritten = load_codebook(SURVEY_SEEDS_DIR / "w2_2025_codebook.yaml")
    assert (loaded.wave, loaded.questions) == (handwritten.wave, handwritten.questions)
    assert loaded.findings == ()  # its Trash block, randomiser, timing and descriptive text leave nothing untabulated
    assert "label" not in (folder / "codebook.yaml").read_text(encoding="utf-8")  # only what a QSF cannot say


def test_the_landing_inventory_holds_survey_qsf(tmp_path):
    landing = tmp_path / "landing"
    folder = qsf_wave(landing)
    inventory = discover_landing(landing)
    files = inventory.waves["w9_2025"]
    assert (files.qsf_path, files.codebook_path) == (folder / "survey.qsf", folder / "codebook.yaml")
    assert folder / "survey.qsf" in inventory.all_paths() and unused_files(inventory) == []
    before = landing_parts(landing)["wave:w9_2025"]
    (folder / "survey.qsf").write_text((folder / "survey.qsf").read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert landing_parts(landing)["wave:w9_2025"] != before  # a new export of the QSF refreshes the wave


@pytest.fixture(scope="module")
def full_codebook_warehouse(tmp_path_factory, wave1_sample) -> Path:
    """The session's sample landed with full codebooks for every wave (as before survey.qsf)."""
    root = tmp_path_factory.mktemp("full_codebooks")
    write_landing(wave1_sample, root / "landing", follow_ups=[build_wave2_sample(wave1_sample, 2023)], qsf_waves=())
    assert not (root / "landing" / "waves" / "w2_2025" / "survey.qsf").exists()
    result = build_warehouse(root / "warehouse.duckdb", root / "landing")
    assert result.success
    return root / "warehouse.duckdb"


def test_qsf_with_overlay_gives_the_marts_of_full_codebooks(warehouse_db, full_codebook_warehouse):
    """Every mart, row for row; only mart_codebook.item_source tells the two apart."""
    assert mart_differences(full_codebook_warehouse, warehouse_db, ignore={"mart_codebook": {"item_source"}}) == []
    with (
        duckdb.connect(str(warehouse_db), read_only=True) as qsf,
        duckdb.connect(str(full_codebook_warehouse), read_only=True) as full,
    ):
        query = "select wave_id, item_source, count(*) from marts.mart_codebook group by all order by all"
        assert [row[:2] for row in full.execute(query).fetchall()] == [("w1_2023", "codebook"), ("w2_2025", "codebook")]
        assert [row[:2] for row in qsf.execute(query).fetchall()] == [
            ("w1_2023", "codebook"),
            ("w2_2025", "overlay"),
            ("w2_2025", "qsf"),
        ]
        per_question = dict(
            qsf.execute(
                "select distinct question_id, item_source from marts.mart_codebook where wave_id = 'w2_2025'"
            ).fetchall()
        )
    assert (per_question["Q1"], per_question["Q6"], per_question["Q10"], per_question["Q42"]) == (
        "overlay",
        "overlay",
        "qsf",
        "qsf",
    )  # role / comparable_to from the overlay; the rest from the QSF
