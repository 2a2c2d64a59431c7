"""`make pull` then a build gives the marts of the same responses delivered by hand (issue 20, "done when").

The follow-up wave of the synthetic sample (w2_2025) is connected to its survey and its hand-delivered
export removed; a local Qualtrics (tests/qualtrics_fake.py) holds the same responses, with the API's
header rows and dates in UTC (`"timeZone":"Z"`). Two pulls through `python -m orchestration.cli pull`:
one mid-fieldwork (the responses recorded by 20 March, three of them in an earlier version: not yet
complete), one at the end (the rest, and the three again, modified since). The warehouse built from
that landing holds the marts of the session's warehouse (the same responses exported by hand), the three
earlier rows being `superseded by a later pull`; the fieldwork monitor agrees with the resolution mart and
its page with the marts; the API token is in no file the pulls and the build wrote, the Dagster event
log and the published DuckDB file included. One warehouse build (the session's is shared)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import duckdb
import pytest

from conftest import build_warehouse
from marts_compare import mart_differences
from orchestration.settings import PROJECT_ROOT
from qualtrics_fake import FakeQualtrics
from synthetic import build_wave2_sample, write_landing
from synthetic.qsf_writer import SURVEY_ID
from synthetic.qualtrics_writer import build_export

TOKEN = "QTpull-3e8d5a1c9f7b2e40"
WAVE = "w2_2025"
FIRST_PULL_UNTIL = "2025-03-20"
MODIFIED = 3
BRUSSELS = ZoneInfo("Europe/Brussels")
DATE_COLUMNS = ("StartDate", "EndDate", "RecordedDate")


def in_utc(text: str) -> str:
    """A Brussels export date as the API writes it (UTC)."""
    if not text:
        return text
    local = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BRUSSELS)
    return local.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def as_pulled(response, modified: str):
    """The response as an API export holds it: dates in UTC and a LastModifiedDate column."""
    metadata = dict(response.metadata) | {name: in_utc(response.metadata.get(name, "")) for name in DATE_COLUMNS}
    return dataclasses.replace(
        response, metadata=metadata, extra_columns=dict(response.extra_columns) | {"LastModifiedDate": modified}
    )


def earlier_version(response):
    """The response before its respondent finished it: its last answer not given yet."""
    answers = dict(response.answers)
    answers.pop(sorted(key for key in answers if key != "Q1")[-1])
    return dataclasses.replace(
        response, answers=answers, metadata=response.metadata | {"Finished": "0", "Progress": "80"}
    )


def cli_pull(env: dict) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("QUALTRICS_")} | env
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "pull"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def pulled(tmp_path_factory, wave1_sample):
    root = tmp_path_factory.mktemp("pulled")
    landing, wave2 = root / "landing", build_wave2_sample(wave1_sample, 2023)
    write_landing(wave1_sample, landing, follow_ups=[wave2])
    folder = landing / "waves" / WAVE
    overlay = (folder / "codebook.yaml").read_text(encoding="utf-8")
    (folder / "codebook.yaml").write_text(
        overlay.replace(f"\n  id: {WAVE}\n", f"\n  id: {WAVE}\n  qualtrics: {{survey_id: {SURVEY_ID}}}\n", 1),
        encoding="utf-8",
    )
    (export,) = wave2.exports
    (folder / export.name).unlink()  # not delivered by hand: Qualtrics has the responses

    responses = [wave2.responses[index] for index in export.rows]
    early = [r for r in responses if r.metadata["RecordedDate"][:10] <= FIRST_PULL_UNTIL]
    valid = {rid for rid, (status, _) in wave2.intended_respondents.items() if status == "valid"}
    revised = [r.response_id for r in early if r.response_id in valid and len(r.answers) > 4][:MODIFIED]
    table = build_export(
        wave2.codebook,
        [as_pulled(r, "") for r in responses],
        multi_layout=export.multi_layout,
        values=export.values,
        time_zone="Z",
    )
    header = [list(part) for part in zip(*table.columns)]

    def cells(response, modified: str) -> list[str]:
        return build_export(
            wave2.codebook,
            [as_pulled(response, modified)],
            multi_layout=export.multi_layout,
            values=export.values,
            time_zone="Z",
        ).rows[0]

    fake = FakeQualtrics(TOKEN).start()
    try:
        fake.add_survey(SURVEY_ID, json.loads((folder / "survey.qsf").read_text(encoding="utf-8")), header)
        qsf_before = (folder / "survey.qsf").read_bytes()
        for response in early:
            version = earlier_version(response) if response.response_id in revised else response
            fake.record(SURVEY_ID, cells(version, "2025-03-20 12:00:00"))
        env = {
            "WAREHOUSE_LANDING_DIR": str(landing),
            "WAREHOUSE_DB_PATH": str(root / "warehouse.duckdb"),
            "DAGSTER_HOME": str(root / "dagster_home"),
            "QUALTRICS_API_TOKEN": TOKEN,
            "QUALTRICS_BASE_URL": fake.url,
        }
        (root / "dagster_home").mkdir()
        first = cli_pull(env)
        early_ids = {response.response_id for response in early}
        for response in responses:
            if response.response_id not in early_ids or response.response_id in revised:
                fake.record(SURVEY_ID, cells(response, "2025-04-05 12:00:00"))
        second = cli_pull(env)
        starts = fake.calls("start")
    finally:
        fake.stop()
    result = build_warehouse(root / "warehouse.duckdb", landing)
    assert result.success, "building the warehouse from the pulled landing failed"
    return {
        "root": root,
        "db": root / "warehouse.duckdb",
        "landing": landing,
        "result": result,
        "starts": starts,
        "outputs": first.stdout + first.stderr + second.stdout + second.stderr,
        "revised": revised,
        "n_early": len(early),
        "n_all": len(responses),
        "qsf_unchanged": (folder / "survey.qsf").read_bytes() == qsf_before,
    }


def test_the_second_pull_fetches_only_what_changed(pulled):
    folder = pulled["landing"] / "waves" / WAVE
    files = sorted(folder.glob("qualtrics_*.csv"))
    counts = []
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            counts.append(sum(1 for _ in csv.reader(handle)) - 3)
    assert counts == [pulled["n_early"], pulled["n_all"] - pulled["n_early"] + MODIFIED]
    first, second = pulled["starts"]
    assert "allowContinuation" in first["body"] and "continuationToken" in second["body"]
    assert pulled["qsf_unchanged"]  # the same definition: survey.qsf is not rewritten
    assert (
        f"({pulled['n_all'] - pulled['n_early']} new, {MODIFIED} modified since an earlier pull)" in pulled["outputs"]
    )


def test_pulled_responses_give_the_marts_of_the_same_responses_delivered_by_hand(pulled, warehouse_db):
    differences = mart_differences(
        warehouse_db,
        pulled["db"],
        ignore={
            # where each row came from: one hand-made file, or two pulls (not named SYNTHETIC_*)
            "mart_respondent_resolution": {"source_file", "source_row"},
            "mart_data_quality_findings": {"source_file", "source_row"},
            "mart_wave_loads": {"n_files", "n_file_rows", "is_synthetic"},
        },
    )
    # the only difference: the three earlier versions, kept as excluded (and listed as such)
    assert differences == [
        f"mart_data_quality_findings: {MODIFIED} row(s) only in actual",
        f"mart_respondent_resolution: {MODIFIED} row(s) only in actual",
    ], differences
    first_file = min(path.name for path in (pulled["landing"] / "waves" / WAVE).glob("qualtrics_*.csv"))
    with duckdb.connect(str(pulled["db"]), read_only=True) as connection:
        superseded = connection.execute(
            "select response_id, status, source_file from marts.mart_respondent_resolution "
            "where reason = 'superseded by a later pull' order by response_id"
        ).fetchall()
        findings = connection.execute(
            "select count(*) from marts.mart_data_quality_findings where finding = 'superseded by a later pull'"
        ).fetchone()
    assert sorted(pulled["revised"]) == [rid for rid, _, _ in superseded]
    assert {(status, file) for _, status, file in superseded} == {("excluded", f"waves/{WAVE}/{first_file}")}
    assert findings == (MODIFIED,)


def test_the_monitor_agrees_with_the_resolution_and_its_page_with_the_marts(pulled):
    with duckdb.connect(str(pulled["db"]), read_only=True) as connection:
        valid, covered = connection.execute(
            "select count(*), count(distinct nis_code) from marts.mart_respondent_resolution "
            "where wave_id = ? and status = 'valid'",
            [WAVE],
        ).fetchone()
        last = connection.execute(
            "select day, responses_recorded, valid_responses, municipalities_covered, municipalities_on_map, "
            "coverage_pct from marts.mart_fieldwork_progress where wave_id = ? order by day desc limit 1",
            [WAVE],
        ).fetchone()
        ids = connection.execute(
            "select count(distinct response_id) from marts.mart_respondent_resolution where wave_id = ?", [WAVE]
        ).fetchone()[0]
        missing = connection.execute(
            "select nis_code, answered_previous_wave from marts.mart_fieldwork_nonresponse "
            "where wave_id = ? order by nis_code",
            [WAVE],
        ).fetchall()
    day, recorded, valid_by_then, covered_by_then, on_map, coverage = last
    assert (recorded, valid_by_then, covered_by_then, on_map) == (ids, valid, covered, 285)
    assert len(missing) == on_map - covered and coverage == round(100 * covered / on_map + 1e-9, 1)
    folder = pulled["db"].parent / "reports" / WAVE
    page = (folder / "fieldwork.html").read_text(encoding="utf-8")
    assert (
        f'data-day="{day}" data-covered="{covered}" data-on-map="{on_map}" data-coverage-pct="{coverage}" '
        f'data-missing="{len(missing)}"'
    ) in " ".join(page.split())
    with (folder / "reminders.csv").open(encoding="utf-8-sig", newline="") as handle:
        listed = [(row["nis_code"], row["answered_previous_wave"]) for row in csv.DictReader(handle)]
    assert listed and sorted(listed) == [
        (nis, "" if answered is None else "yes" if answered else "no") for nis, answered in missing
    ]
    metadata = next(
        event.materialization.metadata
        for event in pulled["result"].get_asset_materialization_events()
        if event.asset_key.to_user_string() == "fieldwork_monitor"
    )
    assert metadata[f"{WAVE} coverage_pct"].value == coverage
    assert metadata[f"{WAVE} municipalities_missing"].value == len(missing)


def test_the_token_is_in_no_file_the_pulls_and_the_build_wrote(pulled):
    root = pulled["root"]
    holding = [str(path) for path in root.rglob("*") if path.is_file() and TOKEN.encode() in path.read_bytes()]
    assert holding == []
    assert (root / "dagster_home").is_dir() and pulled["db"].is_file()  # the event log and the warehouse were looked at
    assert TOKEN not in pulled["outputs"]
    from dagster import serialize_value

    assert TOKEN not in serialize_value(list(pulled["result"].all_events))  # the build's own event log
    with duckdb.connect(str(pulled["db"]), read_only=True) as connection:
        for schema, table, column in connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns where data_type = 'VARCHAR'"
        ).fetchall():
            hits = connection.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" like ?', [f"%{TOKEN}%"]
            ).fetchone()[0]
            assert hits == 0, (schema, table, column)
