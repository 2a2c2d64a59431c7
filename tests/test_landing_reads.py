"""Landing files are read once and whole; nothing half-copied or garbled is published (issue 18, items 1-3).

Unit tests of `orchestration/survey/file_reads.py`, then runs on copies of the sample with one change
each: an export with mixed line endings (a full build: the marts must equal the session's), an export
that grows after it was read (a slow upload: the loads and the models up to the resolution mart, stopped
at publishing), and a UTF-8 export with one stray byte (stopped at the load, before dbt).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

import orchestration.assets.survey as survey_assets
import orchestration.survey.file_reads as file_reads
from conftest import build_warehouse
from marts_compare import mart_differences
from orchestration.backends.publishing import read_build_info
from orchestration.survey.file_reads import (
    LandingFileChanged,
    changes_since_read,
    read_landing_file,
    reads_frame,
    record_reads,
    recorded_reads,
)
from orchestration.survey.landing import (
    discover_landing,
    landing_fingerprint,
    landing_parts,
    part_fingerprints,
    relative_name,
)
from orchestration.survey.qualtrics_reader import file_sha256, read_export
from synthetic import write_sample_landing
from test_failures import RAW_LOADS_TO_RESOLUTION, failure_text

W1_EXPORT = "waves/w1_2023/SYNTHETIC_w1_2023_export_2023-04-07.csv"
W2_EXPORT = "waves/w2_2025/SYNTHETIC_w2_2025_export_2025-04-07.csv"
HEADER = (
    'StartDate,ResponseId,Q1\r\nStart Date,Response ID,Gemeente?\r\n"{""ImportId"":""startDate""}",'
    '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}"\r\n'
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- one read, whole -------------------------------------------------------------------------------------


def test_a_file_is_read_once_and_its_bytes_are_what_is_hashed_and_parsed(tmp_path, monkeypatch):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "x,R_1,Gent\r\n", encoding="utf-8")
    monkeypatch.setattr(file_reads, "IN_MEMORY_LIMIT", 10)  # this copy goes to a temporary file
    copy = read_landing_file(path)
    stat = path.stat()
    assert (copy.read.size, copy.read.mtime_ns, copy.read.sha256) == (stat.st_size, stat.st_mtime_ns, sha256(path))
    assert copy.data() == path.read_bytes()
    path.write_text(HEADER + "x,R_1,Brugge\r\nx,R_2,Ieper\r\n", encoding="utf-8")  # replaced after the read
    parsed = read_export(copy)
    assert [row.fields for row in parsed.rows] == [["x", "R_1", "Gent"]]  # the parser never goes back
    assert parsed.file.sha256 == copy.read.sha256


def test_a_file_that_grows_while_it_is_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "x,R_1,Gent\r\n", encoding="utf-8")
    blocks = file_reads._blocks

    def appended_after_the_first_block(handle):
        for number, block in enumerate(blocks(handle)):
            if number == 0:
                with open(path, "ab") as more:
                    more.write(b"x,R_2,Ieper\r\n")
            yield block

    monkeypatch.setattr(file_reads, "_blocks", appended_after_the_first_block)
    with pytest.raises(LandingFileChanged) as error:
        read_landing_file(path)
    assert str(error.value).startswith(f"{path}: changed while it was read (")
    assert str(error.value).endswith("still being copied? wait until it is complete and run again")


def test_changes_since_read_compare_size_time_and_content(tmp_path):
    names = ["waves/w1/same.csv", "waves/w1/grown.csv", "waves/w1/rewritten.csv", "taskforce/gone.csv"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"a,b\n1,2\n")
    frame = reads_frame(
        [(name, read_landing_file(tmp_path / name).read) for name in names],
        kind="export",
        run_id="r",
        loaded_at="2026-01-01T00:00:00Z",
    )
    assert changes_since_read(tmp_path, frame) == []
    with open(tmp_path / names[1], "ab") as more:
        more.write(b"3,4\n")
    rewritten = tmp_path / names[2]
    stat = rewritten.stat()
    rewritten.write_bytes(b"a,b\n9,9\n")  # same size, and the old modification time put back
    os.utime(rewritten, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (tmp_path / names[3]).unlink()
    assert changes_since_read(tmp_path, frame) == [
        "waves/w1/grown.csv: changed while it was read (8 bytes when read, 12 now): still being copied? wait "
        "until it is complete and run again",
        "waves/w1/rewritten.csv: changed while it was read (its content differs from what was read): still "
        "being copied? wait until it is complete and run again",
        "taskforce/gone.csv: removed after it was read",
    ]


def test_a_loader_replaces_only_its_own_reads_of_the_parts_it_loaded(tmp_path):
    for name in ("waves/w1/a.csv", "waves/w2/b.csv", "taskforce/t.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)

    def frame(kind, names, run_id):
        return reads_frame(
            [(name, read_landing_file(tmp_path / name).read) for name in names],
            kind=kind,
            run_id=run_id,
            loaded_at="2026-01-01T00:00:00Z",
        )

    with duckdb.connect() as connection:
        record_reads(connection, frame("export", ["waves/w1/a.csv", "waves/w2/b.csv"], "first"), kind="export")
        record_reads(connection, frame("taskforce", ["taskforce/t.csv"], "first"), kind="taskforce")
        record_reads(connection, frame("export", ["waves/w2/b.csv"], "second"), kind="export", parts=["wave:w2"])
        reads = recorded_reads(connection)
    assert sorted(zip(reads["source_file"], reads["part"], reads["run_id"])) == [
        ("taskforce/t.csv", "taskforce", "first"),
        ("waves/w1/a.csv", "wave:w1", "first"),
        ("waves/w2/b.csv", "wave:w2", "second"),
    ]
    # The build record's parts, made from these reads, are what the sensor computes from the files.
    assert part_fingerprints(
        zip(reads["source_file"], reads["size_bytes"], reads["mtime_ns"]), ["wave:w1", "wave:w2"]
    ) == landing_parts(tmp_path)


# --- runs on copies of the sample -------------------------------------------------------------------------


def mixed_line_endings(data: bytes) -> bytes:
    """Every line break, between records and inside quoted cells, in turn `\\n`, `\\r\\n`, `\\r`."""
    endings = itertools.cycle((b"\n", b"\r\n", b"\r"))
    return re.sub(rb"\r?\n", lambda _: next(endings), data)


def test_mixed_line_endings_give_the_same_marts_and_the_record_describes_what_was_read(warehouse_db, tmp_path):
    landing = tmp_path / "landing"
    write_sample_landing(landing)
    export = landing / W1_EXPORT
    export.write_bytes(mixed_line_endings(export.read_bytes()))
    assert b"\r\n" in export.read_bytes() and re.search(rb"[^\r]\n", export.read_bytes())
    db_path = tmp_path / "warehouse.duckdb"
    result = build_warehouse(db_path, landing)
    assert result.success, failure_text(result)
    assert mart_differences(warehouse_db, db_path) == []

    on_disk = {relative_name(path, landing): file_sha256(path) for path in discover_landing(landing).all_paths()}
    with duckdb.connect(str(db_path), read_only=True) as connection:
        build = read_build_info(connection)
        exports = dict(connection.execute("select source_file, file_sha256 from raw.export_files").fetchall())
    assert build["file_sha256"] == on_disk and build["files"] == sorted(on_disk)
    assert build["landing_fingerprint"] == landing_fingerprint(on_disk)
    assert build["landing_parts"] == landing_parts(landing)  # the sensor finds nothing left to do
    assert exports == {
        name: sha for name, sha in on_disk.items() if name.startswith("waves/") and name.endswith(".csv")
    }


@pytest.fixture
def published_sample(warehouse_db, tmp_path):
    """A published warehouse (a copy of the session's) and the sample's landing, to change one file in."""
    db_path = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_db, db_path)
    landing = tmp_path / "landing"
    write_sample_landing(landing)
    return db_path, landing


def test_an_export_still_being_copied_is_not_published(published_sample, monkeypatch):
    """The upload has written the first half when the run reads the file, the rest arrives after: the
    run must stop before publishing, naming the file, and leave the published warehouse as it was."""
    db_path, landing = published_sample
    before = sha256(db_path)
    export = landing / W1_EXPORT
    whole = export.read_bytes()
    half = whole.index(b"\r\n", len(whole) // 2) + 2
    export.write_bytes(whole[:half])
    read = survey_assets.read_landing_file

    def upload_goes_on(path):
        copy = read(path)
        if Path(path) == export:
            with open(export, "ab") as rest:
                rest.write(whole[half:])
        return copy

    monkeypatch.setattr(survey_assets, "read_landing_file", upload_goes_on)
    result = build_warehouse(db_path, landing, RAW_LOADS_TO_RESOLUTION)
    assert not result.success
    failures = [event for event in result.all_events if event.is_step_failure]
    assert [event.step_key for event in failures] == ["published_warehouse"]
    assert (
        f"{W1_EXPORT}: changed while it was read ({half} bytes when read, {len(whole)} now): still being "
        "copied? wait until it is complete and run again"
    ) in failure_text(result)
    assert sha256(db_path) == before


def test_a_utf8_export_with_one_stray_byte_is_refused_naming_the_byte(published_sample):
    db_path, landing = published_sample
    before = sha256(db_path)
    export = landing / W2_EXPORT
    data = export.read_bytes()
    offset = data.index("ë".encode())  # one character saved in Windows-1252: a lone 0xeb
    export.write_bytes(data[:offset] + b"\xeb" + data[offset + 2 :])
    line = data.count(b"\n", 0, offset) + 1  # the sample's lines end in \r\n or \n
    column = len(data[data.rfind(b"\n", 0, offset) + 1 : offset].decode("utf-8")) + 1
    result = build_warehouse(db_path, landing, RAW_LOADS_TO_RESOLUTION)
    assert not result.success
    assert (
        f"{W2_EXPORT}: line {line}, column {column}: byte 0xeb (byte offset {offset}) is not UTF-8, but "
        "the file is UTF-8"
    ) in failure_text(result)
    assert sha256(db_path) == before
