"""What `make run` prints while the refresh job runs, and the run's full log (`python -m orchestration.cli run`).

The terminal gets one line per stage (landing inventory, raw loads, dbt models and tests, publish, exports,
report) with its count and duration, warnings in full as they come, and on a failure the root error once,
with the fix (`failure_lines`). On a terminal the running stage is a counter updated in place (a carriage
return); elsewhere (CI, a pipe) only the finished stage lines are printed. Everything else -- dbt's line per
model and test, Dagster's whole event log with its stack traces -- goes to the run's log file
(`run_log_dir()`: `<warehouse file>.logs/run-<time>-<run id>.log`), whose path the CLI prints.
`verbose` (`make run VERBOSE=1`) streams that log to the terminal as it is written, instead of the stages.

How: the CLI runs the job with two Dagster loggers (`RunConsole.logger_defs`), one feeding every event of the
run to `Progress`, one writing it to the log file. dbt's output does not pass through Dagster's loggers:
dagster-dbt writes it to `sys.stdout`, which `RunConsole` points at the log file for the run (so does
anything else printed meanwhile). The dbt asset holds its outputs until dbt has finished (DuckDB has one
writer), so its counter is driven by dbt's own "N of M" result lines.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from dagster import DagsterEventType, LoggerDefinition

from orchestration.backends import current_backend

# The job's steps, by stage, in the order they run; a step not listed is a stage of its own.
STAGES = {
    "landing_directory": "landing inventory",
    "warehouse_draft": "raw loads",  # the draft the loads write to (a copy of the published warehouse)
    "municipality_name_overrides": "raw loads",
    "open_answer_theme_dictionary": "raw loads",
    "qualtrics_exports": "raw loads",
    "reference_tables": "raw loads",
    "taskforce_snapshots": "raw loads",
    "wave_codebooks": "raw loads",
    "warehouse_dbt_models": "dbt models and tests",
    "published_warehouse": "publish",
    "wave_exports": "exports",
    "wave_report": "report",
    "fieldwork_monitor": "report",  # the fieldwork page beside the report (orchestration/deliverables/fieldwork.py)
    "wave_scans": "report",  # the municipality scans beside the report (orchestration/deliverables/scan.py)
}
DBT_STAGE = "dbt models and tests"
# Steps that read the landing directory: an error they raise names a landing file.
LANDING_STEPS = {
    "landing_directory",
    "municipality_name_overrides",
    "open_answer_theme_dictionary",
    "qualtrics_exports",
    "taskforce_snapshots",
    "wave_codebooks",
}
LOGS_KEPT = 20
LOG_FORMAT = "%(asctime)s - dagster - %(levelname)s - %(message)s"  # Dagster's console format

# dbt's result lines: "12 of 579 OK created sql view model staging.x ...", "13 of 579 PASS not_null_x ..."
DBT_NODE_LINE = re.compile(r"^\s*(\d+) of (\d+) (START|OK|PASS|WARN|FAIL|ERROR|SKIP|NO-OP)\b(.*)")
DBT_RESULT_KINDS = {
    "OK": "built",
    "NO-OP": "built",
    "PASS": "passed",
    "WARN": "warned",
    "FAIL": "failed",
    "ERROR": "failed",
    "SKIP": "skipped",
}
DBT_NODE_TAIL = re.compile(r"\s*(\.{3,}.*|\[.*\])\s*$")  # the dots and "[OK in 0.16s]" after the node's name
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def stage_of(step_key: str | None) -> str:
    return STAGES.get(step_key or "", step_key or "run")


@dataclass
class Stage:
    name: str
    steps: list[str]
    started: float | None = None
    ended: float | None = None
    running: str = ""
    finished: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    materialized: int = 0
    metadata: dict[str, object] = field(default_factory=dict)  # of its materializations, by name
    # dbt: its result lines (an invocation counts on from the one before: two on PostgreSQL)
    nodes_done: int = 0
    nodes_total: int = 0
    nodes_before: int = 0
    results: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.finished >= set(self.steps)

    def counter(self) -> str:
        if self.name == DBT_STAGE and self.started is not None:  # dbt's nodes (unknown until dbt has parsed)
            return f"{self.nodes_done}/{self.nodes_total}" if self.nodes_total else "..."
        return f"{len(self.finished)}/{len(self.steps)}"

    def fraction(self) -> float:
        if self.name == DBT_STAGE:
            return self.nodes_done / self.nodes_total if self.nodes_total else 0.0
        return len(self.finished) / len(self.steps) if self.steps else 0.0

    def detail(self) -> str:
        parts = []
        meta = self.metadata
        if self.name == DBT_STAGE and self.results:
            parts.append(f"{self.results.get('built', 0)} models, {self.results.get('passed', 0)} tests passed")
            parts += [
                f"{self.results[kind]} {kind}" for kind in ("warned", "failed", "skipped") if self.results.get(kind)
            ]
        elif self.name == "landing inventory" and "waves" in meta:
            parts.append(f"{plural(markdown_items(meta.get('files')), 'file')}, waves {meta['waves']}")
        elif self.name == "raw loads" and self.materialized:
            parts.append(plural(self.materialized, "table"))
        elif self.name == "publish" and "path" in meta:
            size = f" ({meta['size_mb']} MB)" if "size_mb" in meta else ""
            parts.append(f"{meta['path']}{size}")
        elif "folder" in meta:
            parts.append(f"{plural(markdown_items(meta.get('files')), 'file')} in {meta['folder']}")
        elif self.materialized:
            parts.append(plural(self.materialized, "asset"))
        if self.failed:
            parts.append(f"FAILED: {', '.join(self.failed)} (the error is below)")
        if self.skipped:
            parts.append(f"skipped: {', '.join(self.skipped)}")
        return "; ".join(parts)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def markdown_items(value) -> int:
    """The number of items of a markdown list (`- ...` lines), as the assets give their files."""
    return sum(1 for line in str(value or "").splitlines() if line.startswith("- "))


def metadata_value(value) -> object:
    return getattr(value, "value", value)


class Progress:
    """The stage lines, from the run's Dagster events (`record`) and dbt's output (`dbt_line`)."""

    def __init__(
        self,
        out: TextIO,
        step_keys: Sequence[str],
        live: bool = False,
        clock: Callable[[], float] = time.monotonic,
        width: Callable[[], int] | None = None,
    ):
        self.out, self.live, self.clock = out, live, clock
        self.width = width or (lambda: shutil.get_terminal_size((100, 20)).columns)
        self.stages: dict[str, Stage] = {}
        for step_key in step_keys:
            self.stages.setdefault(stage_of(step_key), Stage(stage_of(step_key), [])).steps.append(step_key)
        self.current: Stage | None = None
        self._line_open = False
        self._drawn_at = float("-inf")
        self._lock = threading.RLock()

    def stage(self, step_key: str | None) -> Stage:
        name = stage_of(step_key)
        if name not in self.stages:
            self.stages[name] = Stage(name, [step_key] if step_key else [])
        return self.stages[name]

    # -- what comes in ----------------------------------------------------------------------------------

    def record(self, level: int, step_key: str | None, event, message: str) -> None:
        """One record of the run's Dagster log: an event (`event`, a DagsterEvent) or a message."""
        with self._lock:
            if event is None:
                # Dagster's own word for each step left out after a failure: the "not run" line says it once.
                if level >= logging.WARNING and not message.startswith("Dependencies for step"):
                    self.print(f"{'error' if level >= logging.ERROR else 'warning'} ({step_key or 'run'}): {message}")
                return
            self._event(event, level, message)

    def _event(self, event, level: int, message: str) -> None:
        kind, now = event.event_type, self.clock()
        if kind in (DagsterEventType.RUN_FAILURE, DagsterEventType.STEP_FAILURE) and event.step_key is None:
            return  # the run's failure: its error is printed once, after the run (failure_lines)
        stage = self.stage(event.step_key) if event.step_key else None
        if stage is None:
            if level >= logging.WARNING and kind != DagsterEventType.RUN_FAILURE:
                self.print(f"warning: {message}")
            return
        if kind == DagsterEventType.STEP_START:
            if stage.started is None:
                stage.started = now
            stage.running = event.step_key
            self.current = stage
            self.draw(force=True)
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE, DagsterEventType.STEP_SKIPPED):
            if kind == DagsterEventType.STEP_FAILURE:
                stage.failed.append(event.step_key)
            elif kind == DagsterEventType.STEP_SKIPPED:
                stage.skipped.append(event.step_key)
            stage.finished.add(event.step_key)
            if stage.started is None:
                stage.started = now
            if stage.complete:
                self.finish(stage)
            else:
                self.draw(force=True)
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            stage.materialized += 1
            materialization = event.event_specific_data.materialization
            stage.metadata.update({name: metadata_value(value) for name, value in materialization.metadata.items()})
            self.draw()
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            # A failing error-level check fails the run and is named in its error; a warning is shown here.
            if not evaluation.passed and getattr(evaluation.severity, "value", "") == "WARN":
                listing = str(metadata_value(evaluation.metadata.get("not_passing", "")) or "not passing")
                self.print(
                    f"warning (check {evaluation.check_name} of {evaluation.asset_key.to_user_string()}): "
                    + listing.removeprefix("- ").replace("\n- ", "; ")
                )
        elif level >= logging.WARNING:
            self.print(f"{'error' if level >= logging.ERROR else 'warning'} ({event.step_key}): {message}")

    def dbt_line(self, line: str) -> None:
        """One line dbt printed: a node's result advances the counter of the dbt stage."""
        with self._lock:
            stage = self.stages.get(DBT_STAGE)
            if stage is None:
                return
            if line.startswith("Running with dbt="):  # a new invocation counts on from the last one
                stage.nodes_before = stage.nodes_total
            match = DBT_NODE_LINE.match(ANSI.sub("", line))
            if not match or match.group(4).lstrip().startswith("hook:"):  # dbt's on-run-start hooks
                return
            stage.nodes_total = max(stage.nodes_total, stage.nodes_before + int(match.group(2)))
            words = DBT_NODE_TAIL.sub("", match.group(4)).split()
            stage.running = words[-1] if words else stage.running  # the model or test
            if match.group(3) != "START":
                stage.nodes_done += 1
                result = DBT_RESULT_KINDS[match.group(3)]
                stage.results[result] = stage.results.get(result, 0) + 1
            self.draw()

    # -- what goes out -----------------------------------------------------------------------------------

    def line(self, stage: Stage, now: float) -> str:
        seconds = ((stage.ended or now) - stage.started) if stage.started is not None else 0.0
        detail = stage.detail()
        return f"{stage.name:<21}{stage.counter():>9}  {seconds:6.1f}s" + (f"  {detail}" if detail else "")

    def finish(self, stage: Stage) -> None:
        stage.ended = self.clock()
        if self.current is stage:
            self.current = None
        self.print(self.line(stage, stage.ended))

    def close(self) -> None:
        """After the run: the stages still open, and one line for those that never ran."""
        with self._lock:
            for stage in self.stages.values():
                if stage.started is not None and stage.ended is None:
                    self.finish(stage)
            never = [stage.name for stage in self.stages.values() if stage.started is None]
            if never:
                self.print(f"not run (an earlier step failed): {', '.join(never)}")
            self._clear()

    def print(self, text: str) -> None:
        with self._lock:
            self._clear()
            self.out.write(text + "\n")
            self.out.flush()
            self.draw(force=True)

    def _clear(self) -> None:
        if self._line_open:
            self.out.write("\r\x1b[K")
            self._line_open = False

    def draw(self, force: bool = False) -> None:
        """On a terminal: the running stage, its counter and a bar, in place (at most ten times a second)."""
        if not self.live or self.current is None:
            return
        now = self.clock()
        if not force and now - self._drawn_at < 0.1:
            return
        self._drawn_at = now
        stage = self.current
        filled = int(20 * stage.fraction())
        seconds = now - stage.started if stage.started is not None else 0.0
        text = f"{stage.name:<21}{stage.counter():>9}  [{'#' * filled}{'.' * (20 - filled)}] {seconds:5.0f}s  {stage.running}"
        self.out.write("\r\x1b[K" + text[: max(self.width() - 1, 20)])
        self.out.flush()
        self._line_open = True


class RunLog:
    """The run's full log file; `echo` (verbose) gets every line as well."""

    def __init__(self, path: Path, echo: TextIO | None = None):
        self.path, self.echo = path, echo
        self._file = open(path, "a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            self._file.write(text + "\n")
            if self.echo is not None:
                self.echo.write(text + "\n")
                self.echo.flush()

    def close(self) -> None:
        self._file.close()


class RunOutput(io.TextIOBase):
    """`sys.stdout` and `sys.stderr` while the job runs: each line to the log file, and to the progress
    (dbt's lines). No `fileno()`: Dagster's compute-log capture then leaves the process's streams alone."""

    def __init__(self, log: RunLog, progress: Progress | None):
        super().__init__()
        self.log, self.progress = log, progress
        self._partial = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return "utf-8"

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
        for line in lines:
            self.log.write(line)
            if self.progress is not None:
                self.progress.dbt_line(line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            partial, self._partial = self._partial, ""
        if partial:
            self.write(partial + "\n")


class _ProgressHandler(logging.Handler):
    def __init__(self, progress: Progress):
        super().__init__(logging.DEBUG)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        self.progress.record(
            record.levelno,
            meta.get("step_key"),
            meta.get("dagster_event"),
            str(meta.get("orig_message", record.getMessage())),
        )


class _LogFileHandler(logging.Handler):
    def __init__(self, log: RunLog):
        super().__init__(logging.DEBUG)
        self.log = log
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.log.write(self.format(record))


def _python_logger(name: str, handler: logging.Handler) -> logging.Logger:
    python_logger = logging.Logger(name, logging.DEBUG)  # not the root's child: nothing propagates
    python_logger.addHandler(handler)
    return python_logger


def run_log_dir() -> Path:
    """Where the runs' logs go: `<warehouse file>.logs/` beside the DuckDB file (as its `.history/` and
    `.tmp/`); on PostgreSQL `warehouse/postgres.logs/` in the checkout. The newest LOGS_KEPT are kept."""
    return current_backend().run_log_dir()


def live_terminal(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def log_path(log_dir: Path, run_id: str, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return log_dir / f"run-{stamp}-{run_id[:8]}.log"


def prune_logs(log_dir: Path, keep: int = LOGS_KEPT) -> None:
    logs = sorted(log_dir.glob("run-*.log"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in logs[keep:]:
        stale.unlink(missing_ok=True)


class RunConsole:
    """The terminal and the log file of one run: `with RunConsole(...) as console:` around the job's
    execution, with `console.logger_defs()` and `console.run_config()` given to it."""

    def __init__(
        self,
        step_keys: Sequence[str],
        log_dir: Path,
        run_id: str,
        verbose: bool = False,
        out: TextIO | None = None,
        header: Iterable[str] = (),
    ):
        self.step_keys, self.run_id, self.verbose = list(step_keys), run_id, verbose
        self.out = out or sys.stdout
        self.log_dir = log_dir
        self.log_path = log_path(log_dir, run_id)
        self.header = list(header)
        self.progress: Progress | None = None
        self.log: RunLog | None = None

    def __enter__(self) -> RunConsole:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        prune_logs(self.log_dir, LOGS_KEPT - 1)
        self.log = RunLog(self.log_path, echo=self.out if self.verbose else None)
        for line in self.header:
            self.log.write(line)
        if not self.verbose:
            self.progress = Progress(self.out, self.step_keys, live=live_terminal(self.out))
        self._saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = RunOutput(self.log, self.progress)
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            sys.stdout.flush()
        finally:
            sys.stdout, sys.stderr = self._saved
            if self.progress is not None:
                self.progress.close()
            self.log.close()

    def logger_defs(self) -> dict[str, LoggerDefinition]:
        loggers = {
            "run_log": LoggerDefinition(
                lambda _: _python_logger("run_log", _LogFileHandler(self.log)),
                description="Every event of the run, to the run's log file (orchestration/run_progress.py).",
            )
        }
        if self.progress is not None:
            loggers["run_progress"] = LoggerDefinition(
                lambda _: _python_logger("run_progress", _ProgressHandler(self.progress)),
                description="The stage lines `make run` prints (orchestration/run_progress.py).",
            )
        return loggers

    def run_config(self) -> dict:
        return {"loggers": {name: {} for name in self.logger_defs()}}


# -- the failure, once ----------------------------------------------------------------------------------

DBT_ERROR = re.compile(r"^The dbt CLI process with command.*?failed with exit code `(\d+)`\.", re.DOTALL)
OWN_REMEDY = re.compile(r"\brun again\b|\bmake run\b|\bfix\b", re.IGNORECASE)  # the error says what to do
DBT_DEBUG_LOG = re.compile(r"view the dbt debug log: (\S+?)\.?(?:\s|$)")


def shown_error(error):
    """The error to show of a failed step: the first in its chain of causes that is not one of Dagster's
    wrappers (a step's own exception, or the `Failure` it raised)."""
    while error.cause is not None and error.message.startswith("dagster._core.errors."):
        error = error.cause
    return error


def explain(error, step_key: str | None) -> tuple[list[str], str]:
    """(the error's lines, the fix) for a failed step."""
    message = error.message.strip()
    head, separator, body = message.partition(": ")
    if not separator or " " in head:
        head, body = "", message
    expected = head.startswith(("dagster", "orchestration.", "synthetic.")) or not head
    if dbt := DBT_ERROR.match(body):
        parsed = ANSI.sub("", body.partition("Errors parsed from dbt logs:")[2]).strip()
        parsed = re.sub(r"\n\s*\n+", "\n", parsed)  # dbt's blank lines between its error lines
        debug_log = DBT_DEBUG_LOG.search(body)
        lines = [f"dbt build failed (exit code {dbt.group(1)})" + (":" if parsed else "."), *parsed.splitlines()]
        if debug_log:
            lines.append(f"dbt's debug log: {debug_log.group(1)}")
        return lines, (
            "Fix: correct the data (or the model) behind the dbt model(s) or test(s) named above, "
            "then run `make run` again; dbt's whole output is in the log file below."
        )
    lines = (body if expected else message).splitlines() or [error.cls_name]
    if not expected:
        return lines, "An unexpected error: its stack trace is in the log file below."
    if step_key in LANDING_STEPS and not OWN_REMEDY.search(body):
        return lines, "Fix: correct the landing file(s) named above, then run `make run` again."
    return lines, ""


def failure_lines(events: Iterable) -> list[str]:
    """The errors of a failed run, each once: what failed, the error (no stack trace), the fix. Dagster
    repeats a step's error in the run's failure and names every step left out after it; not here."""
    lines: list[str] = []
    seen: set[str] = set()
    run_failure = None
    for event in events:
        if event.event_type == DagsterEventType.RUN_FAILURE:
            run_failure = event
        if not event.is_step_failure or event.event_specific_data is None or event.event_specific_data.error is None:
            continue
        text, fix = explain(shown_error(event.event_specific_data.error), event.step_key)
        if "\n".join(text) in seen:
            continue
        seen.add("\n".join(text))
        lines += [f"{event.step_key} failed: {text[0]}", *text[1:]]
        if fix:
            lines.append(fix)
    if not lines and run_failure is not None:  # no step failed: the run itself (e.g. a resource)
        error = getattr(run_failure.event_specific_data, "error", None)
        text, fix = explain(shown_error(error), None) if error is not None else ([run_failure.message or ""], "")
        lines += [f"the run failed: {text[0]}", *text[1:], *([fix] if fix else [])]
    return lines
