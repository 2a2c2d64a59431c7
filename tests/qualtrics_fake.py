"""A local stand-in for the Qualtrics API v3 endpoints a pull uses (contract §5.2), for the tests: a real
HTTP server (http.server in a thread, bound to 127.0.0.1) answering in the API's shapes —
`{"result": …, "meta": {"httpStatus": "200 - OK", "requestId": …}}`, errors as `meta.error.errorMessage`;
export progress with `progressId`, `percentComplete`, `status`, then `fileId` and `continuationToken`;
the file as a ZIP holding one CSV named after the survey (the shapes of ropensci/qualtRics' recorded
fixtures).

A survey holds the three header rows of its export and its responses; recording a response again (same
ResponseId) is a modification, which a later export since a continuation token brings again. Faults are
queued per endpoint (`definition`, `start`, `progress`, `file`) and used up in order.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Fault:
    kind: str  # status | drop_before | drop_mid_file | stall | failed | in_progress
    status: int = 0
    headers: dict = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0


@dataclass
class FakeSurvey:
    survey_id: str
    name: str
    qsf: dict
    header: list[list[str]]  # the export's three header rows
    responses: dict[str, tuple[int, list[str]]] = field(default_factory=dict)  # ResponseId -> (version, cells)


class FakeQualtrics:
    def __init__(self, token: str):
        self.token = token
        self.surveys: dict[str, FakeSurvey] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.requests: list[dict] = []
        self.tokens: dict[str, int] = {}  # continuation token -> the version it continues from
        self.refused_tokens: set[str] = set()
        self.exports: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        self.version = itertools.count(1)
        self.download_started = threading.Event()
        self.release = threading.Event()  # a `stall` fault waits for it (or its seconds)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeQualtrics:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # --- what the tests set up ------------------------------------------------------------------------

    def add_survey(
        self, survey_id: str, qsf: dict, header: list[list[str]], name: str = "Opvang Oekraïne"
    ) -> FakeSurvey:
        survey = FakeSurvey(survey_id, name, qsf, header)
        self.surveys[survey_id] = survey
        return survey

    def record(self, survey_id: str, cells: list[str]) -> None:
        """A response recorded or modified (same ResponseId) now."""
        survey = self.surveys[survey_id]
        key = cells[survey.header[0].index("ResponseId")]
        with self.lock:
            survey.responses[key] = (next(self.version), list(cells))

    def fail(self, endpoint: str, kind: str, times: int = 1, **settings) -> None:
        self.faults.setdefault(endpoint, []).extend(Fault(kind, **settings) for _ in range(times))

    def calls(self, endpoint: str) -> list[dict]:
        return [request for request in self.requests if request["endpoint"] == endpoint]

    # --- the API --------------------------------------------------------------------------------------

    def next_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(endpoint) or []
            return queue.pop(0) if queue else None

    def export_csv(self, survey: FakeSurvey, since: int) -> bytes:
        rows = sorted((version, cells) for version, cells in survey.responses.values() if version > since)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows(survey.header)
        writer.writerows(cells for _, cells in rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _envelope(result=None, status: str = "200 - OK", error: str | None = None) -> bytes:
    meta = {"httpStatus": status, "requestId": str(uuid.uuid4())}
    if error is not None:
        meta["error"] = {"errorMessage": error, "errorCode": "ERR"}
    body = {"meta": meta} if result is None else {"result": result, "meta": meta}
    return json.dumps(body).encode("utf-8")


STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _handler(fake: FakeQualtrics):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def _send(self, status: int, body: bytes, content_type: str = "application/json", headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str, headers: dict | None = None):
            self._send(
                status, _envelope(status=f"{status} - {STATUS_TEXT.get(status, '')}", error=message), headers=headers
            )

        def _serve(self, method: str):
            parts = urlsplit(self.path)
            segments = [segment for segment in parts.path.split("/") if segment]
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null") if length else None
            endpoint = _endpoint(method, segments)
            fake.requests.append(
                {
                    "endpoint": endpoint,
                    "method": method,
                    "path": parts.path,
                    "query": parts.query,
                    "body": body,
                    "token_sent": self.headers.get("X-API-TOKEN") == fake.token,
                    "time": time.monotonic(),
                }
            )
            if endpoint == "file":
                fake.download_started.set()
            fault = fake.next_fault(endpoint)
            if fault and fault.kind == "status":
                return self._error(fault.status, fault.message or STATUS_TEXT.get(fault.status, "error"), fault.headers)
            if fault and fault.kind == "drop_before":
                self.close_connection = True
                return
            if self.headers.get("X-API-TOKEN") is None:
                return self._error(400, "Missing X-API-TOKEN header")
            if self.headers.get("X-API-TOKEN") != fake.token:
                return self._error(401, "Authentication failed. Please check your API token.")
            survey = fake.surveys.get(segments[3] if len(segments) > 3 else "")
            if endpoint is None:
                return self._error(404, "Not found")
            if survey is None:
                return self._error(404, "Survey not found")
            if endpoint == "definition":
                return self._send(200, _envelope(survey.qsf))
            if endpoint == "start":
                token = (body or {}).get("continuationToken")
                if token is not None and (token not in fake.tokens or token in fake.refused_tokens):
                    return self._error(400, "Invalid continuation token")
                since = fake.tokens[token] if token else 0
                progress_id = f"ES_{uuid.uuid4().hex[:15]}"
                with fake.lock:
                    latest = max((version for version, _ in survey.responses.values()), default=since)
                    data = fake.export_csv(survey, since)
                fake.exports[progress_id] = {
                    "survey": survey.survey_id,
                    "data": data,
                    "until": max(latest, since),
                    "failed": bool(fault and fault.kind == "failed"),
                    "polls": 0,
                    "continuation": bool((body or {}).get("allowContinuation") or token),
                }
                return self._send(
                    200, _envelope({"progressId": progress_id, "percentComplete": 0.0, "status": "inProgress"})
                )
            if endpoint == "progress":
                export = fake.exports.get(segments[5])
                if export is None:
                    return self._error(404, "Export not found")
                export["polls"] += 1
                if export["failed"]:
                    return self._send(200, _envelope({"percentComplete": 0.0, "status": "failed"}))
                if fault and fault.kind == "in_progress":
                    return self._send(200, _envelope({"percentComplete": 42.0, "status": "inProgress"}))
                file_id = f"{uuid.uuid4()}-def"
                archive = io.BytesIO()
                with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
                    zipped.writestr(f"{survey.name}.csv", export["data"])
                fake.files[file_id] = archive.getvalue()
                result = {"fileId": file_id, "percentComplete": 100.0, "status": "complete"}
                if export["continuation"]:
                    token = f"CT_{uuid.uuid4().hex}"
                    fake.tokens[token] = export["until"]
                    result["continuationToken"] = token
                return self._send(200, _envelope(result))
            if endpoint == "file":
                data = fake.files.get(segments[5])
                if data is None:
                    return self._error(404, "File not found")
                if fault and fault.kind == "stall":
                    fake.release.wait(fault.seconds or None)
                if fault and fault.kind == "drop_mid_file":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/zip")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                return self._send(
                    200, data, "application/zip", {"Content-Disposition": f'attachment; filename="{survey.name}.zip"'}
                )

    return Handler


def _endpoint(method: str, segments: list[str]) -> str | None:
    """Which of the four endpoints a path is (None: another path)."""
    if segments[:2] != ["API", "v3"]:
        return None
    rest = segments[2:]
    if method == "GET" and len(rest) == 2 and rest[0] == "survey-definitions":
        return "definition"
    if len(rest) >= 3 and rest[0] == "surveys" and rest[2] == "export-responses":
        if method == "POST" and len(rest) == 3:
            return "start"
        if method == "GET" and len(rest) == 4:
            return "progress"
        if method == "GET" and len(rest) == 5 and rest[4] == "file":
            return "file"
    return None
