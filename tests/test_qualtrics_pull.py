"""Pulling a wave's responses from the Qualtrics API (contract §5.2), against a real local HTTP server that
answers as the API does (tests/qualtrics_fake.py): first and incremental pulls, modified responses, 429,
503, dropped connections, a wrong token, an unknown survey, a failed export, a refused continuation token,
the pull's deadline. Every failure leaves the wave folder byte for byte as it was, and the next pull
resumes from the stored token. No warehouse is built here (tests/test_qualtrics_warehouse.py does)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from orchestration.qualtrics.client import (
    EXPORT_OPTIONS,
    NotConfigured,
    QualtricsClient,
    normalise_base_url,
)
from orchestration.qualtrics.pull import (
    STATE_NAME,
    TEMP_PREFIX,
    ConnectedWave,
    PullError,
    connected_waves,
    pull_files,
    pull_wave,
    read_state,
)
from orchestration.survey.codebook import CodebookError, parse_codebook
from qualtrics_fake import FakeQualtrics

TOKEN = "QT0ken-for-tests-7f3a9c1e5b"
SURVEY = "SV_1aBcDeFgHiJkLmN"
WAVE = "w9_2025"
HEADER = [
    ["StartDate", "EndDate", "Status", "Progress", "Finished", "RecordedDate", "ResponseId", "LastModifiedDate", "Q1"],
    [
        "Start Date",
        "End Date",
        "Response Type",
        "Progress",
        "Finished",
        "Recorded Date",
        "Response ID",
        "Last Modified Date",
        "Voor welke gemeente?",
    ],
    [
        '{"ImportId":"startDate","timeZone":"Z"}',
        '{"ImportId":"endDate","timeZone":"Z"}',
        '{"ImportId":"status"}',
        '{"ImportId":"progress"}',
        '{"ImportId":"finished"}',
        '{"ImportId":"recordedDate","timeZone":"Z"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"lastModifiedDate","timeZone":"Z"}',
        '{"ImportId":"QID2_TEXT"}',
    ],
]
QSF = {"SurveyEntry": {"SurveyID": SURVEY, "SurveyName": "Opvang"}, "SurveyElements": [{"Element": "FL"}]}


def response(response_id: str, municipality: str, day: int = 12, modified: int = 0) -> list[str]:
    recorded = f"2025-03-{day:02d} 09:00:00"
    return [
        recorded,
        recorded,
        "0",
        "100",
        "1",
        recorded,
        response_id,
        f"2025-03-{day + modified:02d} 10:00:00",
        municipality,
    ]


@pytest.fixture
def fake():
    server = FakeQualtrics(TOKEN).start()
    server.add_survey(SURVEY, QSF, HEADER)
    yield server
    server.stop()


@pytest.fixture
def landing(tmp_path) -> Path:
    folder = tmp_path / "landing" / "waves" / WAVE
    folder.mkdir(parents=True)
    (folder / "codebook.yaml").write_text(
        f"wave:\n  id: {WAVE}\n  fieldwork_start: 2025-03-10\n  fieldwork_end: 2025-04-04\n"
        f"  municipality_map: 2025\n  qualtrics: {{survey_id: {SURVEY}}}\nquestions: []\n",
        encoding="utf-8",
    )
    return tmp_path / "landing"


def client(fake: FakeQualtrics, token: str = TOKEN, **options) -> QualtricsClient:
    settings = {"poll_interval": 0.01, "backoff_factor": 0.05} | options
    return QualtricsClient(fake.url, token, **settings)


def wave(landing: Path, survey_id: str = SURVEY) -> ConnectedWave:
    found, problems = connected_waves(landing)
    assert not problems and [w.wave_id for w in found] == [WAVE]
    return ConnectedWave(WAVE, found[0].folder, survey_id, found[0].fieldwork_start, found[0].fieldwork_end)


def pull(fake, landing, **options):
    with client(fake, **options) as api:
        return pull_wave(wave(landing), api)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, hidden ones too, with its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    return [dict(zip(lines[0], line)) for line in lines[3:]]


# --- first and later pulls ------------------------------------------------------------------------------------


def test_a_first_pull_writes_the_qsf_the_export_and_then_the_token(fake, landing):
    for number, name in enumerate(("Gent", "Aalst", "Brugge"), start=1):
        fake.record(SURVEY, response(f"R_{number}", name))
    result = pull(fake, landing)
    folder = landing / "waves" / WAVE
    assert result.first_pull and result.n_responses == 3 and result.n_seen_before == 0 and result.qsf_changed
    assert [path.name for path in pull_files(folder)] == [result.file.name]
    assert result.file.name.startswith("qualtrics_") and len(result.file.stem) == len(
        "qualtrics_20250312T090000123456Z"
    )
    assert [row["ResponseId"] for row in rows(result.file)] == ["R_1", "R_2", "R_3"]
    assert json.loads((folder / "survey.qsf").read_text(encoding="utf-8")) == QSF
    state = read_state(folder)
    assert state["survey_id"] == SURVEY and state["continuation_token"] in fake.tokens
    assert not list(folder.glob(f"{TEMP_PREFIX}*"))
    # the export as the contract asks for it, with the token in its header
    start = fake.calls("start")[0]
    assert start["body"] == EXPORT_OPTIONS | {"allowContinuation": True}
    assert fake.calls("definition")[0]["query"] == "format=qsf"
    assert all(request["token_sent"] for request in fake.requests)


def test_a_later_pull_brings_only_new_and_modified_responses(fake, landing):
    fake.record(SURVEY, response("R_1", "Gent"))
    fake.record(SURVEY, response("R_2", "Aalst"))
    first = pull(fake, landing)
    token = read_state(landing / "waves" / WAVE)["continuation_token"]
    fake.record(SURVEY, response("R_3", "Brugge", day=14))
    fake.record(SURVEY, response("R_1", "Gent (gewijzigd)", modified=3))  # modified since the first pull
    second = pull(fake, landing)
    assert fake.calls("start")[-1]["body"] == EXPORT_OPTIONS | {"continuationToken": token}
    assert {row["ResponseId"]: row["Q1"] for row in rows(second.file)} == {"R_3": "Brugge", "R_1": "Gent (gewijzigd)"}
    assert (second.n_responses, second.n_seen_before, second.first_pull, second.qsf_changed) == (2, 1, False, False)
    assert [path.name for path in pull_files(landing / "waves" / WAVE)] == [first.file.name, second.file.name]
    # nothing new: no file, but the token moves on
    before = snapshot(landing)
    third = pull(fake, landing)
    assert third.file is None and third.n_responses == 0
    after = snapshot(landing)
    assert set(after) == set(before) and {name for name in after if after[name] != before[name]} == {
        f"waves/{WAVE}/{STATE_NAME}"
    }


def test_a_refused_continuation_token_exports_everything_again(fake, landing):
    fake.record(SURVEY, response("R_1", "Gent"))
    pull(fake, landing)
    fake.refused_tokens.add(read_state(landing / "waves" / WAVE)["continuation_token"])  # older than a week
    fake.record(SURVEY, response("R_2", "Aalst"))
    said: list[str] = []
    with client(fake) as api:
        result = pull_wave(wave(landing), api, log=said.append)
    assert result.restarted and sorted(row["ResponseId"] for row in rows(result.file)) == ["R_1", "R_2"]
    assert fake.calls("start")[-1]["body"] == EXPORT_OPTIONS | {"allowContinuation": True}
    assert any("refused the stored continuation token" in line and "exporting every response" in line for line in said)
    assert "continuation token was refused" in result.summary()


# --- what Qualtrics throws at a pull --------------------------------------------------------------------------


def test_429_waits_for_retry_after(fake, landing):
    fake.record(SURVEY, response("R_1", "Gent"))
    fake.fail("start", "status", status=429, headers={"Retry-After": "1"}, message="Too many requests")
    result = pull(fake, landing)
    starts = fake.calls("start")
    assert result.n_responses == 1 and len(starts) == 2
    assert starts[1]["time"] - starts[0]["time"] >= 0.95


def test_503_and_dropped_connections_are_tried_again(fake, landing):
    fake.record(SURVEY, response("R_1", "Gent"))
    fake.fail("definition", "drop_before")  # the connection closes before any answer
    fake.fail("progress", "status", times=2, status=503)
    fake.fail("file", "drop_mid_file")  # half the ZIP, then the connection is gone
    result = pull(fake, landing)
    assert result.n_responses == 1 and [row["ResponseId"] for row in rows(result.file)] == ["R_1"]
    assert len(fake.calls("definition")) == 2 and len(fake.calls("progress")) == 3 and len(fake.calls("file")) == 2


@pytest.mark.parametrize(
    "case", ["wrong token", "unknown survey", "failed export", "503 five times", "dropped five times", "deadline"]
)
def test_a_failed_pull_changes_nothing_and_the_next_one_resumes(fake, landing, case):
    fake.record(SURVEY, response("R_1", "Gent"))
    pull(fake, landing)
    token = read_state(landing / "waves" / WAVE)["continuation_token"]
    fake.record(SURVEY, response("R_2", "Aalst"))
    before = snapshot(landing)
    options, survey_id = {}, SURVEY
    if case == "wrong token":
        options["token"] = "not-the-token"
        words = ["HTTP 401", "QUALTRICS_API_TOKEN", "QUALTRICS_BASE_URL"]
    elif case == "unknown survey":
        survey_id = "SV_doesNotExist1"
        words = ["HTTP 404", "SV_doesNotExist1", "codebook.yaml"]
    elif case == "failed export":
        fake.fail("start", "failed")
        words = ["failed", SURVEY, "nothing was changed"]
    elif case == "503 five times":
        fake.fail("start", "status", times=5, status=503)
        words = ["HTTP 503 5 times", "continuation token"]
    elif case == "dropped five times":
        fake.fail("file", "drop_mid_file", times=5)
        words = ["broke off 5 times"]
    else:
        fake.fail("file", "stall", seconds=3)
        options["deadline_seconds"] = 1.5
        words = ["nothing was changed"]
    token_used = options.pop("token", TOKEN)
    with client(fake, token_used, **options) as api:
        with pytest.raises(PullError) as raised:
            pull_wave(wave(landing, survey_id), api)
    message = str(raised.value)
    assert message.startswith(f"wave {WAVE} (survey {survey_id}): ")
    assert all(word in message for word in words), message
    assert TOKEN not in message and "not-the-token" not in message
    assert snapshot(landing) == before  # byte for byte, hidden files included
    fake.release.set()
    resumed = pull(fake, landing)
    assert fake.calls("start")[-1]["body"]["continuationToken"] == token
    assert [row["ResponseId"] for row in rows(resumed.file)] == ["R_2"]


def test_a_missing_token_header_is_said_as_such(fake):
    import requests

    answer = requests.get(f"{fake.url}/API/v3/survey-definitions/{SURVEY}?format=qsf", timeout=5)
    assert answer.status_code == 400 and "X-API-TOKEN" in answer.json()["meta"]["error"]["errorMessage"]
    with pytest.raises(NotConfigured, match="QUALTRICS_API_TOKEN is not set"):
        QualtricsClient(fake.url, "  ")


def test_a_survey_without_api_access_is_a_token_problem(fake, landing):
    fake.fail("definition", "status", status=403, message="You do not have permission")
    with client(fake) as api, pytest.raises(PullError, match="HTTP 403.*QUALTRICS_API_TOKEN"):
        pull_wave(wave(landing), api)


# --- configuration ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, url",
    [
        ("fra1.qualtrics.com", "https://fra1.qualtrics.com"),
        ("https://fra1.qualtrics.com/", "https://fra1.qualtrics.com"),
        ("https://fra1.qualtrics.com/API/v3/", "https://fra1.qualtrics.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_the_base_url_is_a_data_center_host_or_a_url(value, url):
    assert normalise_base_url(value) == url


@pytest.mark.parametrize("value", ["", "ftp://x", "https://user:pw@fra1.qualtrics.com", "https://"])
def test_an_unusable_base_url_names_the_variable(value):
    with pytest.raises(NotConfigured, match="QUALTRICS_BASE_URL"):
        normalise_base_url(value)


def test_the_codebook_accepts_the_qualtrics_block_and_refuses_a_wrong_one(tmp_path):
    base = {
        "id": "w9_2025",
        "title": "t",
        "fieldwork_start": "2025-03-10",
        "fieldwork_end": "2025-04-04",
        "municipality_map": "2025",
    }
    questions = [
        {"id": "Q1", "type": "text", "label": "Gemeente?", "role": "municipality"},
        {"id": "Q2", "type": "text", "label": "Iets?"},
    ]
    codebook = parse_codebook({"wave": base | {"qualtrics": {"survey_id": SURVEY}}, "questions": questions})
    assert codebook.wave.qualtrics_survey_id == SURVEY
    assert parse_codebook({"wave": base, "questions": questions}).wave.qualtrics_survey_id is None
    for wrong in ({"survey_id": "12345"}, {"survey": SURVEY}, SURVEY):
        with pytest.raises(CodebookError, match="wave.qualtrics"):
            parse_codebook({"wave": base | {"qualtrics": wrong}, "questions": questions})


def test_connected_waves_and_their_fieldwork_window(landing):
    other = landing / "waves" / "w1_2023"
    other.mkdir()
    (other / "codebook.yaml").write_text("wave:\n  id: w1_2023\n  fieldwork_start: 2023-03-15\n", encoding="utf-8")
    broken = landing / "waves" / "w8_2025"
    broken.mkdir()
    (broken / "codebook.yaml").write_text("wave:\n  id: w8_2025\n  qualtrics: SV_x\n", encoding="utf-8")
    found, problems = connected_waves(landing)
    assert [w.wave_id for w in found] == [WAVE]
    assert len(problems) == 1 and problems[0].startswith("waves/w8_2025/codebook.yaml: wave.qualtrics must be")
    connected = found[0]
    assert not connected.in_fieldwork(dt.date(2025, 3, 9)) and connected.in_fieldwork(dt.date(2025, 3, 10))
    assert connected.in_fieldwork(dt.date(2025, 4, 11)) and not connected.in_fieldwork(dt.date(2025, 4, 12))


def test_two_pulls_of_one_wave_never_run_at_once(fake, landing):
    import threading

    fake.record(SURVEY, response("R_1", "Gent"))
    fake.fail("file", "stall", seconds=5)
    errors: list[str] = []
    first = threading.Thread(target=lambda: pull(fake, landing))
    first.start()
    assert fake.download_started.wait(10)
    with client(fake) as api:
        try:
            pull_wave(wave(landing), api)
        except PullError as error:
            errors.append(str(error))
    fake.release.set()
    first.join(20)
    assert errors and "another pull of this wave is running" in errors[0]
    assert len(pull_files(landing / "waves" / WAVE)) == 1


def test_the_pull_waits_no_longer_than_its_deadline(fake, landing):
    fake.record(SURVEY, response("R_1", "Gent"))
    fake.fail("progress", "in_progress", times=1000)
    started = time.monotonic()
    with (
        client(fake, deadline_seconds=1.0, poll_interval=0.2) as api,
        pytest.raises(PullError, match="still at 42.0 %"),
    ):
        pull_wave(wave(landing), api)
    assert time.monotonic() - started < 3
