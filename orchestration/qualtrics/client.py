"""The Qualtrics API v3 calls of a pull (contract §5.2): the survey definition and the response export.

- `GET /API/v3/survey-definitions/{surveyId}?format=qsf`: the QSF, as `result`;
- `POST /API/v3/surveys/{surveyId}/export-responses` (CSV, compressed, codes not labels, sorted by last
  modification, with `allowContinuation` on a first pull and the stored `continuationToken` after), then
  `GET …/export-responses/{progressId}` until `result.status` is `complete` (with `fileId` and the next
  `continuationToken`) or `failed`, then `GET …/export-responses/{fileId}/file`: a ZIP holding one CSV.

HTTP is `requests`, with urllib3's `Retry` on the session: 429 waits for `Retry-After`, 500/502/503/504
and dropped connections are retried with exponential backoff, at most `tries` tries per request (a
download that breaks off mid-file is fetched again within the same count). Every wait counts against one
deadline per pull (`deadline_seconds`, 10 minutes), after which the pull stops. 401/403 (and 400 about
the token header), 404 and a `failed` export stop at once with an error that names what to check.

The API token travels in the `X-API-TOKEN` header only. No message of this module holds it: requests'
exceptions carry URLs, not headers, and everything Qualtrics answers is passed through `redact` before
it becomes part of an error. Redirects are not followed (a custom header would go along to any host).
"""

from __future__ import annotations

import math
import re
import time
import urllib.parse
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

API_TOKEN_VARIABLE = "QUALTRICS_API_TOKEN"
BASE_URL_VARIABLE = "QUALTRICS_BASE_URL"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
# The export of contract §5.2, step 2; the first pull adds allowContinuation, later ones continuationToken.
EXPORT_OPTIONS = {"format": "csv", "compress": True, "useLabels": False, "sortByLastModifiedDate": True}
DEADLINE_SECONDS = 600.0
TRIES = 5
CHUNK_BYTES = 1 << 16


class QualtricsError(Exception):
    """A pull cannot go on. The message says what to check; it never holds the API token."""


class NotConfigured(QualtricsError):
    """QUALTRICS_API_TOKEN or QUALTRICS_BASE_URL is missing or unusable."""


class TokenRefused(QualtricsError):
    """HTTP 401/403 (or 400 about the X-API-TOKEN header): the token, or the data center it belongs to."""


class SurveyNotFound(QualtricsError):
    """HTTP 404: no such survey at this data center."""


class ExportFailed(QualtricsError):
    """Qualtrics reported the export as `failed`."""


class QualtricsUnavailable(QualtricsError):
    """Qualtrics could not be reached, or kept answering 429/5xx, or the file kept breaking off."""


class PullTimedOut(QualtricsError):
    """The pull's deadline passed."""


class ContinuationRefused(QualtricsError):
    """The stored continuation token was refused (they are valid for a week): export everything again."""


def redact(text: str, secret: str | None) -> str:
    """`text` without `secret` in it (an error body that echoes a header, a URL someone built wrongly)."""
    return text.replace(secret, "[QUALTRICS_API_TOKEN]") if secret else text


def normalise_base_url(value: str | None) -> str:
    """`fra1.qualtrics.com`, `https://fra1.qualtrics.com/`, `https://fra1.qualtrics.com/API/v3` or a
    full `http://127.0.0.1:8000` → the URL the API paths are appended to."""
    text = (value or "").strip()
    if not text.rstrip("/"):
        raise NotConfigured(
            f"{BASE_URL_VARIABLE} is not set: set it to your account's data center host, such as "
            "fra1.qualtrics.com (Qualtrics: Account settings › Qualtrics IDs › Datacenter ID)"
        )
    if "://" not in text:
        text = "https://" + text
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query:
        raise NotConfigured(
            f"{BASE_URL_VARIABLE}={value!r} is not a data center host such as fra1.qualtrics.com "
            "or a URL such as https://fra1.qualtrics.com"
        )
    path = parts.path.rstrip("/")
    if path.lower().endswith("/api/v3"):
        path = path[: -len("/api/v3")]
    return f"{parts.scheme}://{parts.netloc}{path}"


class _DeadlineRetry(Retry):
    """urllib3's Retry that refuses to wait past the pull's deadline (a class attribute: Retry copies
    itself with `type(self)(...)` after every try, so the subclass made per client keeps it)."""

    deadline: float = math.inf

    def sleep(self, response=None) -> None:
        wait = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        if wait is None:
            wait = self.get_backoff_time()
        if time.monotonic() + wait > self.deadline:
            raise PullTimedOut(
                f"the pull would have to wait {wait:.0f} s more for Qualtrics (HTTP "
                f"{getattr(response, 'status', 'error')}), past its limit: nothing was changed; "
                "the next pull starts again from the stored continuation token"
            )
        super().sleep(response)


@dataclass(frozen=True)
class ExportOutcome:
    """What an export gave: the ZIP written to the destination, the token to store, and whether the stored
    token was refused so that everything was exported again."""

    continuation_token: str | None
    restarted: bool
    progress_id: str
    file_id: str


class QualtricsClient:
    """The calls of one pull, against one data center, under one deadline (counted from construction)."""

    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        deadline_seconds: float = DEADLINE_SECONDS,
        tries: int = TRIES,
        backoff_factor: float = 2.0,
        backoff_max: float = 60.0,
        poll_interval: float = 1.0,
        poll_interval_max: float = 10.0,
        timeout: tuple[float, float] = (10.0, 60.0),
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not (api_token or "").strip():
            raise NotConfigured(
                f"{API_TOKEN_VARIABLE} is not set: set it to the API token of a Qualtrics account "
                "that may export the survey (Account settings › Qualtrics IDs › API)"
            )
        self.base_url = normalise_base_url(base_url)
        self._token = api_token.strip()
        self.tries = tries
        self.deadline_seconds = deadline_seconds
        self._deadline = time.monotonic() + deadline_seconds
        self._backoff_factor, self._backoff_max = backoff_factor, backoff_max
        self._poll_interval, self._poll_interval_max = poll_interval, poll_interval_max
        self._timeout = timeout
        self._sleep = sleep
        retry_class = type("PullRetry", (_DeadlineRetry,), {"deadline": self._deadline})
        retry = retry_class(
            total=tries - 1,
            connect=tries - 1,
            read=tries - 1,
            status=tries - 1,
            other=tries - 1,
            redirect=0,
            allowed_methods=None,  # POST too: a repeated export request only starts a second export
            status_forcelist=RETRIED_STATUSES,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            raise_on_status=False,
            respect_retry_after_header=True,
            retry_after_max=int(deadline_seconds),
        )
        self._session = requests.Session()
        self._session.mount("https://", HTTPAdapter(max_retries=retry))
        self._session.mount("http://", HTTPAdapter(max_retries=retry))
        self._session.headers.update({"X-API-TOKEN": self._token, "Accept": "application/json"})
        self._session.trust_env = False  # no proxy or .netrc from the environment gets the header

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> QualtricsClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the calls ------------------------------------------------------------------------------------

    def survey_definition(self, survey_id: str) -> dict:
        """The survey's QSF (`result` of survey-definitions with format=qsf)."""
        what = f"reading the definition of survey {survey_id}"
        payload = self._json(
            self._request("GET", f"/survey-definitions/{_quote(survey_id)}", what, params={"format": "qsf"}),
            what,
            survey_id,
        )
        result = payload.get("result")
        if not isinstance(result, dict) or "SurveyElements" not in result:
            raise self._error(
                QualtricsError,
                f"Qualtrics' definition of survey {survey_id} is not a QSF (no SurveyElements in `result`)",
            )
        return result

    def export_responses(
        self,
        survey_id: str,
        continuation_token: str | None,
        destination: Path,
        log: Callable[[str], None] = lambda message: None,
    ) -> ExportOutcome:
        """Exports the responses since `continuation_token` (all of them without one) as a ZIP at
        `destination`; a refused token (expired after a week) is said in `log` and everything is exported."""
        restarted = False
        try:
            progress_id = self._start_export(survey_id, continuation_token)
        except ContinuationRefused as refused:
            log(
                f"{refused}; exporting every response of survey {survey_id} again (the repeats are harmless: "
                "the latest pull's row of a response is the one that counts)"
            )
            restarted = True
            progress_id = self._start_export(survey_id, None)
        file_id, token = self._wait_for_export(survey_id, progress_id)
        self._download(survey_id, file_id, destination)
        return ExportOutcome(continuation_token=token, restarted=restarted, progress_id=progress_id, file_id=file_id)

    def _start_export(self, survey_id: str, continuation_token: str | None) -> str:
        body = dict(EXPORT_OPTIONS)
        if continuation_token:
            body["continuationToken"] = continuation_token
        else:
            body["allowContinuation"] = True
        what = f"starting the export of survey {survey_id}"
        response = self._request("POST", f"/surveys/{_quote(survey_id)}/export-responses", what, json=body)
        if continuation_token and response.status_code == 400 and not _about_api_token(response):
            raise ContinuationRefused(
                self._clean(f"Qualtrics refused the stored continuation token of survey {survey_id}{_detail(response)}")
            )
        result = self._json(response, what, survey_id).get("result") or {}
        progress_id = result.get("progressId")
        if not progress_id:
            raise self._error(QualtricsError, f"Qualtrics started no export of survey {survey_id} (no progressId)")
        return str(progress_id)

    def _wait_for_export(self, survey_id: str, progress_id: str) -> tuple[str, str | None]:
        interval = self._poll_interval
        what = f"following the export of survey {survey_id}"
        while True:
            response = self._request(
                "GET", f"/surveys/{_quote(survey_id)}/export-responses/{_quote(progress_id)}", what
            )
            result = self._json(response, what, survey_id).get("result") or {}
            status = str(result.get("status", "")).strip()
            if status == "complete":
                if not result.get("fileId"):
                    raise self._error(
                        QualtricsError, f"Qualtrics completed the export of survey {survey_id} without a fileId"
                    )
                token = result.get("continuationToken")
                return str(result["fileId"]), (str(token) if token else None)
            if status == "failed":
                raise self._error(
                    ExportFailed,
                    (
                        f"Qualtrics' export of survey {survey_id} failed (progress {progress_id}{_detail(response)}): "
                        "nothing was changed; pull again later, and if it keeps failing export the responses by hand "
                        "(docs/QUALTRICS_API.md)"
                    ),
                )
            if status not in ("inProgress", "queued", ""):
                raise self._error(
                    QualtricsError, f"Qualtrics' export of survey {survey_id} has the unknown status {status!r}"
                )
            if time.monotonic() + interval > self._deadline:
                raise self._error(
                    PullTimedOut,
                    (
                        f"the export of survey {survey_id} was still at {result.get('percentComplete', '?')} % when the "
                        f"pull's {self.deadline_seconds / 60:g} minutes were up: nothing was changed; the next pull "
                        "starts again from the stored continuation token"
                    ),
                )
            self._sleep(interval)
            interval = min(interval * 1.5, self._poll_interval_max)

    def _download(self, survey_id: str, file_id: str, destination: Path) -> None:
        """The export's ZIP into `destination`, fetched again when the connection drops mid-file (within
        the request's tries) or what arrived is not a whole ZIP."""
        what = f"downloading the export of survey {survey_id}"
        path = f"/surveys/{_quote(survey_id)}/export-responses/{_quote(file_id)}/file"
        used = 0
        while True:
            response = self._request("GET", path, what, stream=True)
            history = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
            used += len(history) + 1
            try:
                self._require_success(response, what, survey_id)
                with destination.open("wb") as handle:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        handle.write(chunk)
                        if time.monotonic() > self._deadline:
                            raise self._error(
                                PullTimedOut,
                                (
                                    f"{what} took longer than the pull's {self.deadline_seconds / 60:g} minutes: nothing "
                                    "was changed; the next pull starts again from the stored continuation token"
                                ),
                            )
                _check_zip(destination)
                return
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ConnectionError,
                urllib3.exceptions.HTTPError,
                zipfile.BadZipFile,
                _BrokenFile,
            ) as error:
                if used >= self.tries:
                    raise self._error(
                        QualtricsUnavailable,
                        (
                            f"{what} broke off {used} times ({_reason(error)}): nothing was changed; the next pull starts "
                            "again from the stored continuation token"
                        ),
                    ) from None
                self._backoff(used, what)
            finally:
                response.close()

    # --- HTTP ---------------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, what: str, **kwargs) -> requests.Response:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise self._error(
                PullTimedOut,
                (
                    f"the pull's {self.deadline_seconds / 60:g} minutes were up before {what}: nothing was changed; the "
                    "next pull starts again from the stored continuation token"
                ),
            )
        timeout = (min(self._timeout[0], remaining), min(self._timeout[1], remaining))
        try:
            return self._session.request(
                method, self.base_url + "/API/v3" + path, timeout=timeout, allow_redirects=False, **kwargs
            )
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
            raise self._error(
                QualtricsUnavailable,
                (
                    f"cannot reach Qualtrics at {self.base_url} while {what}, after {self.tries} tries "
                    f"({_reason(error)}): check {BASE_URL_VARIABLE} (your data center, such as fra1.qualtrics.com) and "
                    "the network; nothing was changed"
                ),
            ) from None
        except requests.exceptions.RequestException as error:
            raise self._error(
                QualtricsUnavailable,
                f"the request to Qualtrics failed while {what} ({_reason(error)}); nothing was changed",
            ) from None

    def _require_success(self, response: requests.Response, what: str, survey_id: str) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        detail = _detail(response)
        if status in (401, 403) or (status == 400 and _about_api_token(response)):
            raise self._error(
                TokenRefused,
                (
                    f"Qualtrics refused the API token (HTTP {status}{detail}) while {what}: check {API_TOKEN_VARIABLE} "
                    f"(the token of an account that may export survey {survey_id}) and that {BASE_URL_VARIABLE} "
                    f"({self.base_url}) is that account's data center"
                ),
            )
        if status == 404:
            raise self._error(
                SurveyNotFound,
                (
                    f"Qualtrics at {self.base_url} has no survey {survey_id} (HTTP 404{detail}) while {what}: check "
                    f"`qualtrics: {{survey_id: …}}` in the wave's codebook.yaml, and that {BASE_URL_VARIABLE} is the "
                    "data center of the account that owns the survey"
                ),
            )
        if status in RETRIED_STATUSES:
            raise self._error(
                QualtricsUnavailable,
                (
                    f"Qualtrics answered HTTP {status} {self.tries} times while {what}{detail}: nothing was changed; "
                    "the next pull starts again from the stored continuation token"
                ),
            )
        if 300 <= status < 400:
            raise self._error(
                QualtricsError,
                (
                    f"Qualtrics at {self.base_url} redirects {what} to {response.headers.get('Location', '?')} (HTTP "
                    f"{status}): set {BASE_URL_VARIABLE} to the data center it names"
                ),
            )
        raise self._error(QualtricsError, f"Qualtrics answered HTTP {status} while {what}{detail}")

    def _json(self, response: requests.Response, what: str, survey_id: str) -> dict:
        self._require_success(response, what, survey_id)
        try:
            payload = response.json()
        except ValueError:
            raise self._error(
                QualtricsError,
                f"Qualtrics' answer while {what} is not JSON (is {BASE_URL_VARIABLE}={self.base_url} the API's host?)",
            ) from None
        if not isinstance(payload, dict):
            raise self._error(QualtricsError, f"Qualtrics' answer while {what} is not a JSON object")
        return payload

    def _backoff(self, attempt: int, what: str) -> None:
        wait = min(self._backoff_factor * (2 ** (attempt - 1)), self._backoff_max)
        if time.monotonic() + wait > self._deadline:
            raise self._error(
                PullTimedOut,
                f"{what} did not succeed within the pull's {self.deadline_seconds / 60:g} minutes: nothing was changed",
            )
        self._sleep(wait)

    def redact(self, message: str) -> str:
        """`message` without this client's token."""
        return redact(message, self._token)

    def _clean(self, message: str) -> str:
        return self.redact(message)

    def _error(self, kind: type[QualtricsError], message: str) -> QualtricsError:
        return kind(self._clean(message))


class _BrokenFile(Exception):
    pass


def _check_zip(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise _BrokenFile("what arrived is not a ZIP file")
    with zipfile.ZipFile(path) as archive:
        broken = archive.testzip()
    if broken is not None:
        raise _BrokenFile(f"{broken} in the ZIP is damaged")


def _quote(part: str) -> str:
    return urllib.parse.quote(str(part), safe="")


def _error_fields(response: requests.Response) -> tuple[str, str]:
    """(Qualtrics' errorMessage, its requestId) from `meta`, when the body is the API's JSON."""
    try:
        meta = response.json().get("meta") or {}
    except (ValueError, AttributeError):
        return "", ""
    error = meta.get("error") or {}
    message = error.get("errorMessage") if isinstance(error, dict) else None
    return str(message or "")[:300], str(meta.get("requestId") or "")


def _detail(response: requests.Response) -> str:
    message, request_id = _error_fields(response)
    parts = [f'"{message}"' if message else "", f"requestId {request_id}" if request_id else ""]
    text = ", ".join(part for part in parts if part)
    return f": {text}" if text else ""


def _about_api_token(response: requests.Response) -> bool:
    message = _error_fields(response)[0].lower()
    return bool(re.search(r"x-api-token|api[ _-]?token|authenticat|authoriz", message))


def _reason(error: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, short: `ConnectionRefusedError`, `Read timed out`."""
    text = str(error)
    match = re.search(r"Caused by (\w+)\(", text)
    if match:
        return match.group(1)
    return (text.split(": ")[-1] or type(error).__name__)[:200]
