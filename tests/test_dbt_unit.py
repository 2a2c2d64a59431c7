"""The contract's rules on a few hand-made rows per model: dbt unit tests (`unit_tests:` in the models'
YAML), run once in an in-memory DuckDB, each reported here as its own test. Seconds, not minutes; the
same rules run end to end in test_rules.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.dbt

MANIFEST = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
UNIT_TESTS = sorted(test["name"] for test in MANIFEST["unit_tests"].values())
# Its own folder under target/: keeps dbt's partial parse between runs, never touches the manifest Dagster reads.
TARGET_PATH = DBT_PROJECT_DIR / "target" / "unit_tests"


_RUN: subprocess.Popen | None = None


def start_unit_tests() -> None:
    """Starts dbt in the background (conftest calls this once collection is done, and moves these tests
    to the end of the session), so dbt's start-up overlaps the Python tests instead of adding to them."""
    global _RUN
    if _RUN is None:
        venv_bin = Path(sys.prefix) / "bin"
        _RUN = subprocess.Popen(
            [
                str(venv_bin / "dbt"),
                "test",
                "--select",
                "test_type:unit",
                "--target",
                "memory",
                "--target-path",
                str(TARGET_PATH),
            ],
            cwd=DBT_PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"},
        )


@pytest.fixture(scope="module")
def unit_test_results() -> dict[str, dict]:
    start_unit_tests()
    log, _ = _RUN.communicate(timeout=600)
    run_results = TARGET_PATH / "run_results.json"
    assert run_results.exists(), log
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    return {result["unique_id"].split(".")[-1]: result for result in results} | {"_log": log}


def test_the_rule_models_have_unit_tests():
    tested = {test["depends_on"]["nodes"][0].split(".")[-1] for test in MANIFEST["unit_tests"].values()}
    assert {
        "int_response_municipality_resolution",
        "int_response_status",
        "int_respondent_priority",
        "int_municipality_choice_answers",
        "int_question_tabulation",
        "mart_question_result",
    } <= tested


@pytest.mark.parametrize("name", UNIT_TESTS)
def test_unit(unit_test_results, name):
    assert name in unit_test_results, f"{name} did not run:\n{unit_test_results['_log'][-3000:]}"
    result = unit_test_results[name]
    assert result["status"] == "pass", f"{name}: {result['message']}\n{unit_test_results['_log'][-3000:]}"
