"""Errors point at their file and place, once (issue 18, item 8): each case is a copy of the sample with one
change, built through Dagster. The run stops in its first steps, before dbt, with one failure that names
the file and the place exactly once; nothing is published."""

from __future__ import annotations

import pytest

from conftest import build_warehouse
from orchestration.survey.qualtrics_reader import ExportFormatError, is_time_zone, read_export
from synthetic import write_sample_landing

# Dagster builds on a spoilt sample (they fail within seconds, but load the code location and the sample).
pytestmark = pytest.mark.e2e


def step_failures(result) -> dict[str, str]:
    """Each failed step's own message (the step's exception, not Dagster's wrapper or its stack)."""
    failures = {}
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            while error.cause is not None:
                error = error.cause
            failures[event.step_key] = error.message
    return failures


def everything_reported(result) -> str:
    """Every failed step's whole error, causes and stack traces included."""
    return "\n".join(str(event.event_specific_data.error) for event in result.all_events if event.is_step_failure)


@pytest.fixture
def sample(tmp_path):
    """A landing with the synthetic sample and a warehouse path where nothing is published yet."""
    write_sample_landing(tmp_path / "landing")
    return tmp_path / "warehouse.duckdb", tmp_path / "landing"


def test_time_zones_are_iana_names_or_z():
    assert all(map(is_time_zone, ("Z", "z", "UTC", "Europe/Brussels", "europe/brussels", "America/Denver")))
    assert not any(map(is_time_zone, ("Mars/Olympus", "", " Europe/Brussels", "Brussels")))


def test_an_unknown_time_zone_in_row_3_names_file_line_and_columns_once(sample):
    db_path, landing = sample
    export = sorted((landing / "waves" / "w1_2023").glob("*.csv"))[0]
    text = export.read_text(encoding="utf-8-sig")
    head, rest = text.split("\n", 2)[:2], text.split("\n", 2)[2]
    assert rest.count('""timeZone"":""Europe/Brussels""') == 3  # StartDate, EndDate, RecordedDate on row 3
    export.write_text("\n".join(head) + "\n" + rest.replace("Europe/Brussels", "Mars/Olympus"), encoding="utf-8")
    with pytest.raises(ExportFormatError) as raised:  # the reader itself, when the file is read
        read_export(export)
    assert raised.value.line == 3

    result = build_warehouse(db_path, landing)

    assert not result.success
    failures = step_failures(result)
    assert list(failures) == ["qualtrics_exports"], failures  # before dbt: no "Unknown TimeZone" minutes later
    message = failures["qualtrics_exports"]
    assert message.count(export.name) == 1 and everything_reported(result).count(export.name) == 1, message
    assert message.count("line 3") == 1, message
    assert message.count("'Mars/Olympus'") == 1, message
    assert "columns 1 (StartDate), 2 (EndDate), 8 (RecordedDate)" in message, message
    assert not db_path.exists()


def test_an_invalid_codebook_is_reported_once_without_errors_in_the_wave_that_continues_it(sample):
    db_path, landing = sample
    codebook = landing / "waves" / "w1_2023" / "codebook.yaml"
    text = codebook.read_text(encoding="utf-8")
    assert text.count("  - id: Q3\n") == 1
    codebook.write_text(text.replace("  - id: Q3\n", "  - id: Q3!\n"), encoding="utf-8")

    result = build_warehouse(db_path, landing)

    assert not result.success
    failures = step_failures(result)
    assert list(failures) == ["wave_codebooks"], failures
    message = failures["wave_codebooks"]
    assert everything_reported(result).count("waves/w1_2023/codebook.yaml") == 1, message
    assert message.count("'Q3!'") == 1, message
    assert "unknown wave" not in message and "w2_2025" not in message, message
    assert not db_path.exists()


def test_a_warehouse_path_that_is_not_duckdb_is_named_once_before_anything_runs(sample):
    db_path, landing = sample
    db_path.write_text("nis_code,name\n11001,Aartselaar\n", encoding="utf-8")

    result = build_warehouse(db_path, landing)

    assert not result.success
    failures = step_failures(result)
    assert list(failures) == ["warehouse_draft"], failures  # the loads never start on a copy of it
    message = failures["warehouse_draft"].strip()
    assert message.endswith(
        f": WAREHOUSE_DB_PATH={db_path} is not a DuckDB database (DuckDB: the file exists, "
        "but it is not a valid DuckDB database file); point it at a warehouse file or a new path"
    )
    # once in everything the run reports, stack traces included, and never as "the draft"
    assert everything_reported(result).count(str(db_path)) == 1 and "draft " not in message, message
    assert db_path.read_text(encoding="utf-8") == "nis_code,name\n11001,Aartselaar\n"
