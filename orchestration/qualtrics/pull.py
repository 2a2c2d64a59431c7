"""One pull of one wave from the Qualtrics API into its landing folder (contract §5.2).

A wave is connected by `qualtrics: {survey_id: SV_…}` in the `wave:` block of `waves/<id>/codebook.yaml`,
read here on its own (before any survey.qsf exists, and whether the file is a full codebook or an overlay).
A pull, under a lock on the wave folder (two never pull one wave at once):

1. the survey definition, kept in memory;
2. the export since the stored continuation token (everything on a first pull, or when Qualtrics refuses
   the token), downloaded as a ZIP under a hidden temporary name in the wave folder, its one CSV unpacked
   beside it under another;
3. only when all of that succeeded: `survey.qsf` replaced (when its content changed), the CSV renamed to
   `qualtrics_<UTC time as YYYYMMDDTHHMMSSffffffZ>.csv` (an export without responses writes no file), and
   then the new continuation token stored in `.qualtrics_state.json`, each by one rename.

Hidden files are ignored by the landing scan (orchestration/survey/landing.py), so nothing half-written
ever reaches a refresh; a pull that fails leaves the folder as it was (its temporary files removed), and
one killed mid-way leaves at most hidden temporary files, which the next pull removes. The next pull
starts from the last stored token, so nothing is lost; a response fetched twice (a pull killed between the
CSV's rename and the token's) is harmless: the latest pull's row of a response is the one that counts.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orchestration.qualtrics.client import (
    API_TOKEN_VARIABLE,
    BASE_URL_VARIABLE,
    NotConfigured,
    QualtricsClient,
    QualtricsError,
)
from orchestration.survey.codebook import SURVEY_ID_PATTERN, first_alias
from orchestration.survey.landing import CODEBOOK_NAME, QSF_NAME

STATE_NAME = ".qualtrics_state.json"
TEMP_PREFIX = ".qualtrics_pull-"  # hidden: the landing scan and the sensor never see these
PULL_PREFIX = "qualtrics_"
FILE_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
FIELDWORK_GRACE = dt.timedelta(days=7)  # the schedule pulls until fieldwork_end plus this
STALE_AFTER = dt.timedelta(hours=26)  # a wave in fieldwork whose last pull is older is stale
LOCAL_TIME_ZONE = "Europe/Brussels"


class PullError(QualtricsError):
    """A pull of one wave failed; the message starts with the wave and its survey."""


@dataclass(frozen=True)
class ConnectedWave:
    wave_id: str
    folder: Path
    survey_id: str
    fieldwork_start: dt.date | None
    fieldwork_end: dt.date | None

    def in_fieldwork(self, day: dt.date) -> bool:
        """Between fieldwork_start and fieldwork_end plus seven days (the schedule's window)."""
        if self.fieldwork_start is None or self.fieldwork_end is None:
            return False
        return self.fieldwork_start <= day <= self.fieldwork_end + FIELDWORK_GRACE


@dataclass
class PullResult:
    wave_id: str
    survey_id: str
    pulled_at: dt.datetime
    file: Path | None  # the new export, None when Qualtrics had nothing new
    n_responses: int
    n_seen_before: int  # of those, ResponseIds an earlier pull of this wave brought (modified since)
    qsf_changed: bool
    restarted: bool  # the stored continuation token was refused: everything was exported again
    first_pull: bool
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.file is None:
            what = "no new or modified responses"
        else:
            what = (
                f"{self.n_responses} response(s) ({self.n_responses - self.n_seen_before} new, "
                f"{self.n_seen_before} modified since an earlier pull) into waves/{self.wave_id}/{self.file.name}"
            )
        extras = [
            note
            for note in (
                "first pull: every response" if self.first_pull else "",
                "the stored continuation token was refused: everything exported again" if self.restarted else "",
                f"{QSF_NAME} updated" if self.qsf_changed else "",
            )
            if note
        ]
        return f"{self.wave_id} (survey {self.survey_id}): {what}" + (f"; {'; '.join(extras)}" if extras else "")


# --- which waves are connected ------------------------------------------------------------------------------


def wave_block(codebook_path: Path) -> dict:
    """The `wave:` mapping of a codebook.yaml (full or overlay), read without the rest of the file's rules."""
    text = codebook_path.read_text(encoding="utf-8-sig")
    alias = first_alias(text)
    if alias is not None:
        raise ValueError(alias)
    data = yaml.safe_load(text)
    wave = data.get("wave") if isinstance(data, dict) else None
    return wave if isinstance(wave, dict) else {}


def connected_waves(landing_dir: Path) -> tuple[list[ConnectedWave], list[str]]:
    """The wave folders whose codebook.yaml names a Qualtrics survey, and the problems of those that try to
    (an unreadable codebook, a malformed `qualtrics:` block)."""
    waves, problems = [], []
    root = Path(landing_dir) / "waves"
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        codebook = folder / CODEBOOK_NAME
        if folder.name.startswith((".", "~")) or not codebook.is_file():
            continue
        try:
            block = wave_block(codebook)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
            if "qualtrics" in codebook.read_text(encoding="utf-8", errors="replace"):
                problems.append(f"waves/{folder.name}/{CODEBOOK_NAME}: cannot read its wave block ({error})")
            continue
        raw = block.get("qualtrics")
        if raw is None:
            continue
        survey_id = str(raw.get("survey_id", "")).strip() if isinstance(raw, dict) else ""
        if not SURVEY_ID_PATTERN.match(survey_id):
            problems.append(
                f"waves/{folder.name}/{CODEBOOK_NAME}: wave.qualtrics must be `{{survey_id: SV_…}}` (found {raw!r})"
            )
            continue
        waves.append(
            ConnectedWave(
                folder.name, folder, survey_id, _date(block.get("fieldwork_start")), _date(block.get("fieldwork_end"))
            )
        )
    return waves, problems


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def account_from_environment() -> tuple[str, str]:
    """(QUALTRICS_BASE_URL, QUALTRICS_API_TOKEN); NotConfigured naming what is missing."""
    base_url, token = os.environ.get(BASE_URL_VARIABLE, "").strip(), os.environ.get(API_TOKEN_VARIABLE, "").strip()
    missing = [name for name, value in ((API_TOKEN_VARIABLE, token), (BASE_URL_VARIABLE, base_url)) if not value]
    if missing:
        raise NotConfigured(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: a pull needs "
            f"{API_TOKEN_VARIABLE} (your API token) and {BASE_URL_VARIABLE} (your data center, such as "
            "fra1.qualtrics.com); docs/QUALTRICS_API.md"
        )
    return base_url, token


def local_today(now: dt.datetime | None = None) -> dt.date:
    from zoneinfo import ZoneInfo

    return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(LOCAL_TIME_ZONE)).date()


# --- state ------------------------------------------------------------------------------------------------


def read_state(folder: Path) -> dict:
    """`.qualtrics_state.json` of a wave folder ({} when there is none, or it cannot be read)."""
    try:
        state = json.loads((folder / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def last_pulled_at(folder: Path) -> dt.datetime | None:
    value = read_state(folder).get("pulled_at")
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def pull_files(folder: Path) -> list[Path]:
    """The wave folder's API exports, in pull order (their names sort so)."""
    return sorted(path for path in folder.glob(f"{PULL_PREFIX}*.csv") if path.is_file())


# --- the pull ---------------------------------------------------------------------------------------------


def pull_wave(
    wave: ConnectedWave,
    client: QualtricsClient,
    *,
    now: Callable[[], dt.datetime] | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> PullResult:
    """One pull of `wave` (module docstring). Raises PullError, naming the wave, when anything fails; the
    folder is then as it was."""
    now = now or (lambda: dt.datetime.now(dt.UTC))
    try:
        with _locked(wave.folder):
            return _pull(wave, client, now, log)
    except QualtricsError as error:
        raise PullError(client.redact(f"wave {wave.wave_id} (survey {wave.survey_id}): {error}")) from None
    except OSError as error:
        raise PullError(
            f"wave {wave.wave_id} (survey {wave.survey_id}): cannot write to {wave.folder} ({error}); "
            "nothing was changed"
        ) from None


def _pull(wave: ConnectedWave, client: QualtricsClient, now, log) -> PullResult:
    folder = wave.folder
    _remove_temporary_files(folder)
    state = read_state(folder)
    token = state.get("continuation_token") if state.get("survey_id") == wave.survey_id else None
    if state and state.get("survey_id") not in (None, wave.survey_id):
        log(
            f"{wave.wave_id}: the stored continuation token is of survey {state.get('survey_id')}, not "
            f"{wave.survey_id}: exporting every response of {wave.survey_id}"
        )
    log(f"{wave.wave_id}: reading the definition of survey {wave.survey_id}")
    definition = client.survey_definition(wave.survey_id)
    temporary = f"{TEMP_PREFIX}{os.getpid()}"
    zip_path, csv_path = folder / f"{temporary}.zip", folder / f"{temporary}.csv"
    qsf_temp, state_temp = folder / f"{temporary}.qsf", folder / f"{temporary}.json"
    try:
        log(f"{wave.wave_id}: exporting the responses {'since the last pull' if token else '(all of them)'}")
        outcome = client.export_responses(
            wave.survey_id, token, zip_path, log=lambda message: log(f"{wave.wave_id}: {message}")
        )
        _unpack_csv(zip_path, csv_path, wave.survey_id)
        response_ids = _response_ids(csv_path)
        seen = set()
        for earlier in pull_files(folder):
            seen |= set(_response_ids(earlier))
        qsf_changed = _qsf_differs(folder / QSF_NAME, definition)
        # Everything is fetched: now the folder changes, one rename at a time, the token last.
        if qsf_changed:
            _write_synced(qsf_temp, json.dumps(definition, ensure_ascii=False).encode("utf-8"))
            os.replace(qsf_temp, folder / QSF_NAME)
        pulled_at = now()
        target = None
        if response_ids:
            target = folder / _file_name(folder, pulled_at)
            _sync(csv_path)
            os.replace(csv_path, target)
        new_state = {
            "survey_id": wave.survey_id,
            "continuation_token": outcome.continuation_token,
            "pulled_at": pulled_at.isoformat(),
            "last_file": target.name if target else state.get("last_file"),
            "responses_in_last_pull": len(response_ids),
        }
        _write_synced(state_temp, (json.dumps(new_state, indent=2) + "\n").encode("utf-8"))
        os.replace(state_temp, folder / STATE_NAME)
        _sync_folder(folder)
    finally:
        for leftover in (zip_path, csv_path, qsf_temp, state_temp):
            leftover.unlink(missing_ok=True)
    result = PullResult(
        wave_id=wave.wave_id,
        survey_id=wave.survey_id,
        pulled_at=pulled_at,
        file=target,
        n_responses=len(response_ids),
        n_seen_before=len(seen & set(response_ids)),
        qsf_changed=qsf_changed,
        restarted=outcome.restarted,
        first_pull=token is None,
    )
    if outcome.continuation_token is None:
        result.notes.append("Qualtrics gave no continuation token: the next pull exports everything again")
    log(result.summary())
    return result


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One pull of a wave folder at a time (the schedule's run and a `make pull` may meet): a lock on the
    folder itself, so that a pull that fails leaves no file behind (a lock file would be one)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise QualtricsError("another pull of this wave is running; nothing was changed") from None
        yield
    finally:
        os.close(descriptor)  # closing drops the lock


def _remove_temporary_files(folder: Path) -> None:
    """What a pull killed mid-way left (never seen by the landing scan, but not kept either)."""
    for leftover in folder.glob(f"{TEMP_PREFIX}*"):
        leftover.unlink(missing_ok=True)


def _unpack_csv(zip_path: Path, csv_path: Path, survey_id: str) -> None:
    with zipfile.ZipFile(zip_path) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        csvs = [info for info in members if info.filename.lower().endswith(".csv")]
        if len(csvs) != 1:
            raise QualtricsError(
                f"the export of survey {survey_id} is a ZIP with {len(csvs)} CSV files "
                f"({', '.join(info.filename for info in members) or 'none'}), not one"
            )
        with archive.open(csvs[0]) as source, csv_path.open("wb") as target:
            while chunk := source.read(1 << 20):
                target.write(chunk)


def _response_ids(path: Path) -> list[str]:
    """The ResponseId of every response row of an API export (three header rows, then one row per response)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        column = header.index("ResponseId") if "ResponseId" in header else None
        next(reader, None)
        next(reader, None)
        return [row[column] if column is not None and column < len(row) else "" for row in reader if any(row)]


def _qsf_differs(path: Path, definition: dict) -> bool:
    """Whether `definition` is other content than the folder's survey.qsf (formatting aside)."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig")) != definition
    except (OSError, ValueError):
        return True


def _file_name(folder: Path, pulled_at: dt.datetime) -> str:
    """`qualtrics_<UTC time>.csv`, later in name order than every earlier pull (a clock set back must not
    put a new pull before an old one)."""
    moment = pulled_at.astimezone(dt.UTC)
    earlier = pull_files(folder)
    if earlier:
        try:
            last = dt.datetime.strptime(earlier[-1].stem.removeprefix(PULL_PREFIX), FILE_TIME_FORMAT).replace(
                tzinfo=dt.UTC
            )
        except ValueError:  # a hand-named qualtrics_*.csv: names still have to sort after it
            last = None
        if last is not None and moment <= last:
            moment = last + dt.timedelta(microseconds=1)
    name = f"{PULL_PREFIX}{moment.strftime(FILE_TIME_FORMAT)}.csv"
    if earlier and name <= earlier[-1].name:
        raise QualtricsError(
            f"{earlier[-1].name} in {folder} sorts after a new pull's name {name}: rename or remove it "
            "(pull files sort in pull order)"
        )
    return name


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
