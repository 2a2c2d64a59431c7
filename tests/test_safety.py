"""Nothing wrong is ever published (issue 7): one test per case.

Cases 1 and 2 (a mistyped or too-deep landing directory) are in test_failures.py and
test_synthetic_sample.py. Here: 3 two refreshes at once and a killed run, 4 a choice code used twice in
a codebook, 5 a question without a column in an export, 6 contact details in open answers, 7 Taskforce
rows that disagree, 8 a negative Q14, 9 an analyst holding the published file open for writing; and the
publish guard, the kept warehouses and `rollback`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import DagsterInstance

from conftest import build_warehouse, draft_path
from orchestration.backends.publishing import (
    ALLOW_DROPPED_VARIABLE,
    BUILD_SCHEMA,
    BUILD_TABLE,
    acquire_refresh_lock,
    kept_warehouses,
    lock_path,
    open_for_writing_by,
    publish_draft,
    release_refresh_lock,
)
from orchestration.cli import main as cli_main
from orchestration.cli import summary_lines
from orchestration.jobs import REFRESH_TAG
from orchestration.reporting import MISSING_QUESTION_FINDING, missing_question_findings
from orchestration.resources import WarehouseResource
from orchestration.settings import PROJECT_ROOT
from orchestration.survey.codebook import CodebookError, load_codebook
from scenarios import CODEBOOK_PATH, response, write_scenario_landing
from synthetic.qualtrics_writer import ExportTable, build_export, write_export
from test_failures import failure_text, published_copy  # noqa: F401  (a fixture)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cli_env(db_path: Path, landing: Path, dagster_home: Path) -> dict[str, str]:
    """What `make run` gives the CLI: the warehouse, the landing folder and an instance with the Makefile's
    dagster.yaml."""
    subprocess.run(
        ["make", "-s", str(dagster_home / "dagster.yaml"), f"DAGSTER_HOME={dagster_home}"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return {
        **os.environ,
        "WAREHOUSE_DB_PATH": str(db_path),
        "WAREHOUSE_LANDING_DIR": str(landing),
        "DAGSTER_HOME": str(dagster_home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def wait_for_lock_holder(db_path: Path, pid: int, process: subprocess.Popen, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the first refresh ended before it took the lock"
        try:
            holder = json.loads(lock_path(db_path).read_text(encoding="utf-8"))
            if holder.get("pid") == pid:
                return holder
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError("the first refresh never took the lock")


def live_members(process_group: int) -> list[int]:
    """Processes of the group that still run (zombies hold no file and no lock: not counted)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == process_group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def wait_until_gone(process_group: int, draft: Path, timeout: float = 60) -> None:
    """Until the killed group has no live member and its last process has let go of the draft (a process
    that is exiting may still hold the file's lock, and may no longer show in /proc)."""
    deadline = time.monotonic() + timeout
    while live_members(process_group) or open_for_writing_by(draft):
        assert time.monotonic() < deadline, f"group {process_group} or its hold on {draft} outlived kill -9"
        time.sleep(0.1)


# --- case 3 -------------------------------------------------------------------------------------------


def test_a_second_refresh_is_refused_while_one_runs_and_a_killed_run_frees_the_lock(published_copy, tmp_path):
    """Two `python -m orchestration.cli run` on one warehouse: the second stops naming the first (pid, since)
    and says truly that it left the warehouse alone; `kill -9` of the first leaves the published file
    intact and no lock behind, and the next run starts a fresh draft over the killed run's one."""
    db_path, landing = published_copy
    before = sha256(db_path)
    env = cli_env(db_path, landing, tmp_path / "dagster_home")
    warehouse = WarehouseResource(db_path=str(db_path), landing_dir=str(landing))  # as the CLI configures it
    command = [sys.executable, "-m", "orchestration.cli", "run"]
    first = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        holder = wait_for_lock_holder(db_path, first.pid, first)
        second = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert first.poll() is None, "the first refresh must still be running for this test to mean anything"
        assert second.returncode == 1
        assert f"another refresh of {db_path} is running since {holder['since']}, pid {first.pid}" in second.stderr
        assert f"this run left the warehouse at {db_path} as it was" in second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # kill -9 of the run and its dbt
        first.wait()
        wait_until_gone(first.pid, warehouse.draft_path)  # its dbt child may take a moment longer to die
    assert sha256(db_path) == before
    assert warehouse.draft_path.exists()  # the killed run's half-built draft
    acquire_refresh_lock(db_path)  # not stuck
    release_refresh_lock(db_path)
    try:
        warehouse.start_draft()
        assert sha256(warehouse.draft_path) == before
    finally:
        release_refresh_lock(db_path)


def test_refresh_runs_queue_in_the_dagster_instance_the_makefile_writes(tmp_path):
    """`make run` / `make ui` write DAGSTER_HOME/dagster.yaml with a run queue that allows one run with the
    refresh job's tag at a time, so a sensor run and a manual run queue instead of colliding."""
    subprocess.run(
        ["make", "-s", str(tmp_path / "dagster.yaml"), f"DAGSTER_HOME={tmp_path}"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    limits = yaml.safe_load((tmp_path / "dagster.yaml").read_text())["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": REFRESH_TAG, "limit": 1} in limits
    from orchestration.definitions import defs

    assert REFRESH_TAG in defs.resolve_job_def("refresh_warehouse").tags
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        config = instance.get_concurrency_config().run_queue_config
        assert {"key": REFRESH_TAG, "limit": 1} in config.tag_concurrency_limits


# --- case 4 -------------------------------------------------------------------------------------------


def test_a_choice_code_used_twice_is_a_codebook_error(published_copy):
    db_path, landing = published_copy
    before = sha256(db_path)
    codebook = landing / "waves" / "w1_2023" / "codebook.yaml"
    text = codebook.read_text(encoding="utf-8")
    spoiled = text.replace(
        '      2: {label: "Coördinator of afdelingshoofd"', '      1: {label: "Coördinator of afdelingshoofd"', 1
    )
    assert spoiled != text
    codebook.write_text(spoiled, encoding="utf-8")
    with pytest.raises(CodebookError, match=r"question Q2 › choices: code `1` appears twice"):
        load_codebook(codebook)
    result = build_warehouse(db_path, landing)
    assert not result.success
    message = failure_text(result)
    assert "codebook.yaml" in message and "question Q2 › choices: code `1` appears twice" in message
    assert sha256(db_path) == before


# --- cases 5 to 8: one warehouse built from a landing directory with each of those defects ---------------

BRUGGE, OOSTENDE, BRUGGE_NAMES = "31005", "35013", ("Griet", "Vandenberghe")
CONTACT_TEXT = (
    "Bel Griet Vandenberghe op 0470 12 34 56 of +32 9 123 45 67, of mail griet.vdb@brugge.be. "
    "Sinds 2023 ongeveer 1.250 mensen in 8000 Brugge; VANDENBERGHE-griet tekende."
)
MASKED_TEXT = (
    "Bel [naam] [naam] op [telefoon] of [telefoon], of mail [e-mail]. "
    "Sinds 2023 ongeveer 1.250 mensen in 8000 Brugge; [naam]-[naam] tekende."
)


def without_question(table: ExportTable, question_id: str) -> ExportTable:
    keep = [i for i, (name, _, _) in enumerate(table.columns) if name.split("_")[0] != question_id]
    return ExportTable([table.columns[i] for i in keep], [[row[i] for i in keep] for row in table.rows])


@pytest.fixture(scope="module")
def spoiled_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("spoiled")
    landing = write_scenario_landing(root / "landing")
    codebook = load_codebook(CODEBOOK_PATH)
    contact = response("R_contact", "Brugge", answers={"Q9": 1, "Q10": CONTACT_TEXT})
    contact.metadata.update({"RecipientFirstName": BRUGGE_NAMES[0], "RecipientLastName": BRUGGE_NAMES[1]})
    negative = response("R_negative", "Oostende", answers={"Q14": -5})
    # case 5: a second export of the wave without the Q6 column; case 6 and 8 ride along in it
    table = without_question(build_export(codebook, [contact, negative]), "Q6")
    write_export(table, landing / "waves" / "w1_2023" / "second_export.csv")
    # case 7: Brugge twice on one date with different counts; Oostende twice with the same
    (landing / "taskforce" / "repeats.csv").write_text(
        "peildatum,nis_code,gemeente,personen,minderjarigen\n"
        f"2023-04-15,{BRUGGE},Brugge,500,100\n2023-04-15,{OOSTENDE},Oostende,300,50\n"
        f"2023-04-15,{BRUGGE},Brugge,520,100\n2023-04-15,{OOSTENDE},Oostende,300,50\n",
        encoding="utf-8",
    )
    db_path = root / "warehouse.duckdb"
    result = build_warehouse(db_path, landing)
    assert result.success, failure_text(result)
    connection = duckdb.connect(str(db_path), read_only=True)
    yield connection
    connection.close()


def findings(connection, finding_type: str) -> list[tuple]:
    return connection.execute(
        "select source_file, source_row, column_name, finding from marts.mart_data_quality_findings "
        "where finding_type = ? order by all",
        [finding_type],
    ).fetchall()


def test_a_question_without_a_column_in_an_export_is_named(spoiled_warehouse):
    rows = findings(spoiled_warehouse, MISSING_QUESTION_FINDING)
    assert [(source_file, column) for source_file, _, column, _ in rows] == [("waves/w1_2023/second_export.csv", "Q6")]
    assert missing_question_findings(spoiled_warehouse) == [f"waves/w1_2023/second_export.csv: {rows[0][3]}"]
    summary = "\n".join(summary_lines(spoiled_warehouse))  # what `make run` prints
    assert "waves/w1_2023/second_export.csv: question Q6" in summary


def test_contact_details_in_open_answers_are_masked_outside_raw(spoiled_warehouse):
    answers = spoiled_warehouse.execute(
        "select answer_text from marts.mart_open_answers where response_id = 'R_contact'"
    ).fetchall()
    assert answers == [(MASKED_TEXT,)]
    raw = spoiled_warehouse.execute(
        "select cell_value from raw.export_cells where column_name = 'Q10' and cell_value like 'Bel Griet%'"
    ).fetchall()
    assert raw == [(CONTACT_TEXT,)]  # the raw layer keeps what arrived
    for schema, table, column in spoiled_warehouse.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts') and data_type = 'VARCHAR'"
    ).fetchall():
        leaks = spoiled_warehouse.execute(
            f'select count(*) from "{schema}"."{table}" where regexp_matches("{column}", \'brugge\\.be|0470 12|Griet\')'
        ).fetchone()[0]
        assert leaks == 0, f"{schema}.{table}.{column}"


def test_taskforce_rows_that_disagree_are_set_aside_and_repeats_count_once(spoiled_warehouse):
    rows = findings(spoiled_warehouse, "unusable Taskforce row")
    conflicts = [row for row in rows if row[0] == "taskforce/repeats.csv"]
    assert [source_row for _, source_row, _, _ in conflicts] == [1, 3]
    assert all(f"other counts for nis_code {BRUGGE} on 2023-04-15" in finding for *_, finding in conflicts)
    reception = dict(
        spoiled_warehouse.execute(
            "select nis_code, persons from marts.mart_taskforce_reception where wave_id = 'w1_2023' and nis_code in (?, ?)",
            [BRUGGE, OOSTENDE],
        ).fetchall()
    )
    assert reception == {BRUGGE: None, OOSTENDE: 300}


def test_a_negative_number_in_q14_is_a_finding_not_a_count(spoiled_warehouse):
    rows = findings(spoiled_warehouse, "undecodable cell")
    assert [
        (column, finding) for source_file, _, column, finding in rows if source_file.endswith("second_export.csv")
    ] == [("Q14", 'a negative number is not a count: "-5"')]
    reported = spoiled_warehouse.execute(
        "select count(*) from intermediate.int_respondent_answers where response_id = 'R_negative' "
        "and question_id = 'Q14'"
    ).fetchone()[0]
    assert reported == 0


# --- case 9 -------------------------------------------------------------------------------------------

ANALYST = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1])  # read-write, as an analyst might
connection.execute("create table main.analyst_notes as select 42 as answer")
print("ready", flush=True)
sys.stdin.readline()
connection.execute("insert into main.analyst_notes values (43)")
connection.close()
"""


def test_an_analyst_holding_the_published_file_for_writing_gets_an_error_not_a_loss(published_copy):
    db_path, landing = published_copy
    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert analyst.stdout.readline().strip() == "ready"
        wal = db_path.with_name(db_path.name + ".wal")
        assert wal.exists()  # their writes live in the log until they close
        result = build_warehouse(db_path, landing)
        assert not result.success
        message = failure_text(result)
        assert f"the published warehouse {db_path} is open for writing by pid {analyst.pid}" in message
        assert "read-only" in message
        assert wal.exists()
        analyst.communicate("go\n", timeout=60)
        assert analyst.returncode == 0
    finally:
        if analyst.poll() is None:
            analyst.kill()
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.execute("select list(answer order by answer) from main.analyst_notes").fetchone() == (
            [42, 43],
        )
        assert connection.execute("select count(*) from marts.mart_report_figures").fetchone()[0] > 0


# --- the publish guard, kept warehouses and rollback ---------------------------------------------------


def spoil_draft(db_path: Path, *statements: str) -> Path:
    """A draft as a run would leave it before publishing: a copy of the published file, then changed."""
    draft = draft_path(db_path)
    shutil.copy(db_path, draft)
    with duckdb.connect(str(draft)) as connection:
        for statement in statements:
            connection.execute(statement)
    return draft


def test_a_warehouse_that_lost_a_wave_or_taskforce_date_is_published_only_when_allowed(published_copy, monkeypatch):
    db_path, landing = published_copy
    before = sha256(db_path)
    with duckdb.connect(str(db_path), read_only=True) as connection:
        dropped_date = connection.execute("select min(peildatum) from raw.taskforce_counts").fetchone()[0]
    spoil_draft(
        db_path,
        "delete from marts.mart_respondent_resolution where wave_id = 'w1_2023'",
        f"delete from raw.taskforce_counts where peildatum = '{dropped_date}'",
    )
    monkeypatch.delenv(ALLOW_DROPPED_VARIABLE, raising=False)
    result = build_warehouse(db_path, landing, selection="published_warehouse")
    assert not result.success
    message = failure_text(result)
    assert "waves: w1_2023" in message and f"taskforce dates: {dropped_date}" in message
    assert f"{ALLOW_DROPPED_VARIABLE}=w1_2023,{dropped_date}" in message and "ALLOW_DROPPED=" in message
    assert sha256(db_path) == before
    monkeypatch.setenv(ALLOW_DROPPED_VARIABLE, "w1_2023")  # naming only part of it is not enough
    assert not build_warehouse(db_path, landing, selection="published_warehouse").success
    assert sha256(db_path) == before
    monkeypatch.setenv(ALLOW_DROPPED_VARIABLE, f"w1_2023,{dropped_date}")
    result = build_warehouse(db_path, landing, selection="published_warehouse")
    assert result.success, failure_text(result)
    assert sha256(db_path) != before
    assert [sha256(kept.path) for kept in kept_warehouses(db_path)] == [before]


def test_published_warehouses_are_kept_with_what_they_were_built_from_and_rollback_restores_one(
    published_copy, monkeypatch, capsys
):
    db_path, landing = published_copy
    original = sha256(db_path)
    for marker in ("first", "second"):
        spoil_draft(db_path, f"create or replace table main.marker as select '{marker}' as name")
        result = build_warehouse(db_path, landing, selection="published_warehouse")
        assert result.success, failure_text(result)
    kept = kept_warehouses(db_path)
    assert len(kept) == 2 and sha256(kept[-1].path) == original
    built_from = kept[-1].info  # the session's build, recorded when it was published
    with duckdb.connect(str(db_path), read_only=True) as connection:  # the waves the published file holds
        waves = [
            wave
            for (wave,) in connection.execute(
                "select distinct wave_id from marts.mart_respondent_resolution order by 1"
            ).fetchall()
        ]
    assert built_from["waves"] == waves and built_from["taskforce_dates"]
    assert len(built_from["landing_fingerprint"]) == 64 and built_from["commit"]
    assert any(name.endswith("codebook.yaml") for name in built_from["files"])
    with duckdb.connect(str(db_path), read_only=True) as connection:
        build = connection.execute(f"select landing_dir, waves from {BUILD_SCHEMA}.{BUILD_TABLE}").fetchone()
        assert build == (str(landing), json.dumps(waves))
        assert connection.execute("select name from main.marker").fetchone() == ("second",)
    monkeypatch.setenv("WAREHOUSE_DB_PATH", str(db_path))
    assert cli_main(["rollback"]) == 0
    listing = capsys.readouterr().out
    assert kept[0].id in listing and kept[-1].id in listing and "waves w1_2023" in listing
    assert cli_main(["rollback", kept[-1].id]) == 0
    assert sha256(db_path) == original
    assert len(kept_warehouses(db_path)) == 3  # the replaced one ("second") is kept too
    assert cli_main(["rollback", "no-such-id"]) == 1
    assert "no kept warehouse 'no-such-id'" in capsys.readouterr().err


def test_a_draft_is_published_in_the_format_older_duckdb_reads_rewritten_only_when_it_is_not(tmp_path):
    """A draft that starts empty is created in the published storage format and published as it is; a draft
    in DuckDB's newest format (a file made elsewhere) is rewritten before it is published."""
    from orchestration.backends.duckdb_io import PUBLISHED_STORAGE_VERSION, storage_version

    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    try:
        warehouse.start_draft()
        with duckdb.connect(str(warehouse.draft_path)) as draft:
            draft.execute("create schema marts; create table marts.answers as select range as n from range(1000)")
        written = sha256(warehouse.draft_path)
        publish_draft(warehouse.draft_path, warehouse.published_path, build=None, allowed=set())
    finally:
        release_refresh_lock(warehouse.published_path)
    assert sha256(warehouse.published_path) == written  # not rewritten

    # a refresh that replaced most tables: the free blocks go (and the format stays) with a rewrite
    mostly_free = tmp_path / "mostly_free.duckdb"
    shutil.copyfile(warehouse.published_path, mostly_free)
    with duckdb.connect(str(mostly_free)) as draft:
        draft.execute("create table marts.wide as select hash(range) as n, hash(-range) as m from range(1000000)")
        draft.execute("checkpoint")
        draft.execute("create table marts.after_it as select range as n from range(100000)")
        draft.execute("checkpoint")
        draft.execute("drop table marts.wide")  # its blocks are free now, in the middle of the file
    grown = mostly_free.stat().st_size
    publish_draft(mostly_free, tmp_path / "compacted.duckdb", build=None, allowed=set())
    assert (tmp_path / "compacted.duckdb").stat().st_size < grown / 4
    with duckdb.connect(str(tmp_path / "compacted.duckdb"), read_only=True) as published:
        assert storage_version(published) == f"{PUBLISHED_STORAGE_VERSION}+"
        assert published.execute("select count(*) from marts.answers").fetchone() == (1000,)

    newest = tmp_path / "newest.duckdb"
    with duckdb.connect(str(newest)) as draft:
        draft.execute("create table answers as select range as n from range(1000)")
        assert storage_version(draft) != f"{PUBLISHED_STORAGE_VERSION}+"
    publish_draft(newest, tmp_path / "published_newest.duckdb", build=None, allowed=set())
    with duckdb.connect(str(tmp_path / "published_newest.duckdb"), read_only=True) as published:
        assert storage_version(published) == f"{PUBLISHED_STORAGE_VERSION}+"
        assert published.execute("select count(*) from answers").fetchone() == (1000,)
