"""Machine extras: what a few tests need that a fresh machine lacks (a browser, R with its survey package,
a PostgreSQL server). A test asks for one with a marker: `@pytest.mark.needs_chromium`, `needs_r`,
`needs_postgres` (tests/postgres/ marks all its tests). Without the extra its tests are left out, and the
run ends with one line per missing extra saying what to install, also under pytest-xdist (the lines are
counted in the controller from the skip reports the workers send). `.ci/run` installs every extra and
sets WAREHOUSE_REQUIRE_EXTRAS=1: there a missing extra fails its tests instead of leaving them out.

A pytest plugin: tests/conftest.py loads it (`pytest_plugins`).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from postgres_support import server_problem

REQUIRE = "WAREHOUSE_REQUIRE_EXTRAS"  # 1 (or all): every extra; or names, comma-separated (postgres,r)
LEFT_OUT = "left out: needs "  # how the skip reason of a missing extra starts: the summary counts by it
LEFT_OUT_STAT = "left out"  # the terminal's category for those tests ("590 passed, 89 left out")


def chromium() -> str | None:
    """The browser's executable (Debian calls it chromium, some others chromium-browser)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_problem() -> str | None:
    return None if chromium() else "chromium is not on PATH"


def r_survey_problem() -> str | None:
    """Why R cannot run the survey package's estimates here, or None."""
    rscript = shutil.which("Rscript")
    if not rscript:
        return "Rscript is not on PATH"
    try:
        result = subprocess.run([rscript, "-e", "library(survey)"], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "Rscript -e 'library(survey)' did not finish in 120 s"
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or ["no message"])[0]  # the error, not "Execution halted"
        return f"R cannot load the survey package ({said})"
    return None


@dataclass(frozen=True)
class Extra:
    name: str  # the marker is needs_<name>; WAREHOUSE_REQUIRE_EXTRAS names it so
    what: str  # "a test needs <what>"
    install: str  # how to get it
    find_problem: Callable[[], str | None]  # why it cannot be used here, or None

    @property
    def marker(self) -> str:
        return f"needs_{self.name}"


EXTRAS = (
    Extra("chromium", "chromium", "apt-get install chromium; .ci/run installs it", chromium_problem),
    Extra("r", "R with the survey package", "apt-get install r-cran-survey; .ci/run installs it", r_survey_problem),
    Extra(
        "postgres",
        "a PostgreSQL server",
        "name one in the PG* variables; .ci/run starts one, docs/POSTGRES.md",
        server_problem,
    ),
)


@functools.cache
def missing(extra: Extra) -> str | None:
    """Why `extra` is missing on this machine, or None; looked for once per process."""
    return extra.find_problem()


def required(extra: Extra) -> bool:
    names = {name.strip() for name in os.environ.get(REQUIRE, "").split(",")}
    if os.environ.get("WAREHOUSE_REQUIRE_POSTGRES") == "1":  # the older name, for PostgreSQL only
        names.add("postgres")
    return bool({"1", "all", extra.name} & names)


@pytest.hookimpl(tryfirst=True)  # before the test's fixtures: a left-out test builds nothing
def pytest_runtest_setup(item: pytest.Item) -> None:
    for extra in EXTRAS:
        if item.get_closest_marker(extra.marker) is None:
            continue
        problem = missing(extra)
        if problem is None:
            continue
        if required(extra):
            pytest.fail(f"{REQUIRE} requires {extra.what}, but {problem} ({extra.install})", pytrace=False)
        pytest.skip(f"{LEFT_OUT}{extra.what} ({problem}; {extra.install})")


def skip_reason(report) -> str:
    longrepr = report.longrepr  # a skip's is (path, line, "Skipped: <reason>")
    text = longrepr[-1] if isinstance(longrepr, (tuple, list)) else str(longrepr)
    return text.removeprefix("Skipped: ")


def left_out_lines(reasons: list[str]) -> list[str]:
    """One line per missing extra from the skip reasons of its tests, in EXTRAS' order."""
    lines = []
    for extra in EXTRAS:
        prefix = f"{LEFT_OUT}{extra.what} ("
        theirs = [reason for reason in reasons if reason.startswith(prefix)]
        if theirs:
            n = len(theirs)
            tests = "1 test needs" if n == 1 else f"{n} tests need"
            lines.append(f"left out: {tests} {extra.what} ({theirs[0][len(prefix) : -1]})")
    return lines


def pytest_terminal_summary(terminalreporter) -> None:
    """The missing extras' lines, in place of one SKIPPED line per test they left out: their reports move
    from "skipped" to "left out" before `-ra` lists the skips, and the last line counts them as such."""
    stats = terminalreporter.stats
    left_out = [report for report in stats.get("skipped", []) if skip_reason(report).startswith(LEFT_OUT)]
    if not left_out:
        return
    ours = {id(report) for report in left_out}
    stats["skipped"] = [report for report in stats["skipped"] if id(report) not in ours]
    if not stats["skipped"]:
        del stats["skipped"]
    stats.setdefault(LEFT_OUT_STAT, []).extend(left_out)
    for line in left_out_lines([skip_reason(report) for report in left_out]):
        terminalreporter.write_line(line, yellow=True)
