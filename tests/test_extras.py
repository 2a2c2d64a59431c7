"""Machine extras (tests/extras.py): a missing one leaves its tests out with one line, also under two
pytest-xdist workers; WAREHOUSE_REQUIRE_EXTRAS turns it into a failure; and what finds each extra."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib

import pytest

import extras
from orchestration.settings import PROJECT_ROOT

pytest_plugins = ["pytester"]

MACHINE_TESTS = """
import pytest

@pytest.mark.needs_chromium
def test_browser():
    pass

@pytest.mark.needs_chromium
def test_browser_again():
    pass

@pytest.mark.needs_r
def test_r():
    pass

@pytest.mark.needs_postgres
def test_postgres():
    pass

def test_plain():
    pass

@pytest.mark.skip(reason="skipped for another reason")
def test_skipped():
    pass
"""
CHROMIUM = "chromium (chromium is not on PATH; apt-get install chromium; .ci/run installs it)"
R = "R with the survey package (Rscript is not on PATH; apt-get install r-cran-survey; .ci/run installs it)"
POSTGRES = (
    "a PostgreSQL server (PGHOST is not set; name one in the PG* variables; .ci/run starts one, docs/POSTGRES.md)"
)


def executable(path, script: str) -> None:
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def machine(pytester, monkeypatch, tmp_path):
    """A test project with the suite's extras plugin and its markers (strict), run where PATH holds no
    chromium and no R (only what a test puts in `bin`) and no PostgreSQL server is named."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT / "tests"))
    for name in (
        "PGHOST",
        extras.REQUIRE,
        "WAREHOUSE_REQUIRE_POSTGRES",
        "PYTEST_ADDOPTS",
        *(name for name in os.environ if name.startswith("PYTEST_XDIST")),
    ):
        monkeypatch.delenv(name, raising=False)
    markers = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    markers = markers["tool"]["pytest"]["ini_options"]["markers"]
    pytester.makeini("[pytest]\naddopts = -ra --strict-markers\nmarkers =\n" + "".join(f"    {m}\n" for m in markers))
    pytester.makeconftest('pytest_plugins = ["extras"]')
    pytester.makepyfile(test_machine=MACHINE_TESTS)
    return pytester, bin_dir


def left_out(result) -> list[str]:
    return [line for line in result.outlines if line.startswith("left out")]


def test_missing_extras_are_left_out_with_one_line_each_under_two_workers(machine):
    pytester, _ = machine
    result = pytester.runpytest_subprocess("-n", "2")
    assert result.ret == 0, result.stdout.str()
    assert left_out(result) == [
        f"left out: 2 tests need {CHROMIUM}",
        f"left out: 1 test needs {R}",
        f"left out: 1 test needs {POSTGRES}",
    ]
    # -ra still lists the other skip, and only that one; the last line counts the tests left out.
    skipped = [line for line in result.outlines if line.startswith("SKIPPED")]
    assert len(skipped) == 1
    assert re.fullmatch(r"SKIPPED \[1\] test_machine.py:\d+: skipped for another reason", skipped[0])
    assert re.search(r"\b1 passed, 1 skipped, 4 left out\b", result.outlines[-1])


def test_extras_that_are_there_run_their_tests(machine):
    pytester, bin_dir = machine
    executable(bin_dir / "chromium", "exit 0")
    executable(bin_dir / "Rscript", 'test "$2" = "library(survey)"')
    result = pytester.runpytest_subprocess("-p", "no:xdist")
    assert left_out(result) == [f"left out: 1 test needs {POSTGRES}"]
    assert re.search(r"\b4 passed, 1 skipped, 1 left out\b", result.outlines[-1])


@pytest.mark.parametrize(
    ("setting", "failing", "still_left_out"),
    [
        ({extras.REQUIRE: "1"}, {"test_browser", "test_browser_again", "test_r", "test_postgres"}, 0),
        ({extras.REQUIRE: "postgres,r"}, {"test_r", "test_postgres"}, 1),
        ({"WAREHOUSE_REQUIRE_POSTGRES": "1"}, {"test_postgres"}, 2),  # the older name
    ],
)
def test_a_required_extra_that_is_missing_fails_its_tests(machine, monkeypatch, setting, failing, still_left_out):
    pytester, _ = machine
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    result = pytester.runpytest_subprocess("-p", "no:xdist")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert set(re.findall(r"^ERROR test_machine.py::(\w+)", result.stdout.str(), re.MULTILINE)) == failing
    assert (
        f"{extras.REQUIRE} requires a PostgreSQL server, but PGHOST is not set (name one in the PG* variables; "
        ".ci/run starts one, docs/POSTGRES.md)"
    ) in result.stdout.str()
    assert len(left_out(result)) == still_left_out


def test_r_counts_only_when_it_loads_the_survey_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert extras.r_survey_problem() == "Rscript is not on PATH"
    # What R prints when the package is not installed.
    executable(
        tmp_path / "Rscript",
        "echo \"Error in library(survey) : there is no package called 'survey'\" >&2\n"
        "echo 'Execution halted' >&2\nexit 1",
    )
    assert extras.r_survey_problem() == (
        "R cannot load the survey package (Error in library(survey) : there is no package called 'survey')"
    )
    executable(tmp_path / "Rscript", 'test "$1 $2" = "-e library(survey)"')
    assert extras.r_survey_problem() is None


def test_chromium_is_found_by_either_name(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert extras.chromium() is None and extras.chromium_problem() == "chromium is not on PATH"
    executable(tmp_path / "chromium-browser", "exit 0")
    assert extras.chromium() == str(tmp_path / "chromium-browser") and extras.chromium_problem() is None


@pytest.mark.needs_r
def test_r_estimates_a_mean_with_the_survey_package():
    """Where R is there (.ci/run), it runs the survey package: the estimates' comparison with R can use it."""
    script = (
        "suppressMessages(library(survey)); design <- svydesign(ids = ~1, weights = ~w, "
        "data = data.frame(y = c(1, 2, 3, 6), w = c(1, 1, 1, 1))); cat(coef(svymean(~y, design)))"
    )
    result = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == 3.0
