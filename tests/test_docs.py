"""The docs name only files that exist: every repository path in README.md, docs/*.md (and the other
READMEs) written as `code` or as a relative link must be there, so a rename cannot leave a doc behind."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT

DOCS = sorted(
    [
        PROJECT_ROOT / "README.md",
        *(PROJECT_ROOT / "docs").glob("*.md"),
        PROJECT_ROOT / "bench" / "README.md",
        PROJECT_ROOT / "warehouse" / "README.md",
        *(PROJECT_ROOT / "seeds").rglob("*.md"),
    ]
)
TOP_LEVEL = {path.name for path in PROJECT_ROOT.iterdir() if not path.name.startswith(".")} - {"LICENSE"}
# File names the docs use for things that are not in the repository: the landing directory's layout,
# files dbt, make, Dagster, the sample generator or the benchmarks write.
NOT_IN_REPOSITORY = {
    "codebook.yaml",
    "municipality_names.csv",
    "README_SYNTHETIC.md",
    "manifest.json",
    "run_results.json",
    "warehouse.duckdb",
    "dagster.yaml",
    "summary.md",
    "summary.csv",
    "dbt_nodes.csv",
    "results.json",
    "survey_wave1_codebook.yaml",
}  # the contract's name for seeds/survey/w1_2023_codebook.yaml
# Paths git ignores (the warehouse file, the default landing directory, benchmark results) are made by runs.
IGNORED = [
    line.strip()
    for line in (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


def generated(path: str) -> bool:
    path = path.rstrip("/")
    ignored = False
    for pattern in IGNORED:
        negated, pattern = pattern.startswith("!"), pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            ignored = not negated
    return ignored


FILE_NAME = re.compile(r"^[\w.*-]+\.(py|sql|yml|yaml|md|csv|toml|txt|json)$")
CODE = re.compile(r"`([^`\s]+)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
REPOSITORY_FILES = [
    path
    for path in PROJECT_ROOT.rglob("*")
    if not {".git", ".venv", "target", "__pycache__"} & set(path.relative_to(PROJECT_ROOT).parts)
]
BASENAMES = {path.name for path in REPOSITORY_FILES}


def exists(pattern: str, base: Path = PROJECT_ROOT) -> bool:
    pattern = pattern.rstrip("/")
    return any(base.glob(pattern)) if "*" in pattern else (base / pattern).exists()


def named_paths(doc: Path) -> list[str]:
    """Paths a doc names that do not exist (placeholders like `<wave_id>` are not paths)."""
    text = doc.read_text(encoding="utf-8")
    missing = []
    for token in CODE.findall(text):
        token = token.strip("().,:;")
        if "<" in token or "://" in token or "=" in token:
            continue
        first = token.split("/")[0]
        if "/" in token and first in TOP_LEVEL:
            if not exists(token) and not generated(token):
                missing.append(token)
        elif "/" not in token and FILE_NAME.match(token) and token not in NOT_IN_REPOSITORY:
            if "*" not in token and token not in BASENAMES:
                missing.append(token)
    for target in LINK.findall(text):
        if "://" not in target and not target.startswith("mailto:") and not exists(target, doc.parent):
            missing.append(target)
    return missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(PROJECT_ROOT)))
def test_docs_name_only_files_that_exist(doc):
    assert named_paths(doc) == []


def test_the_check_catches_a_missing_file(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "See `orchestration/checks.py`, `checks.py`, [the contract](WAREHOUSE_CONTRACT.md) and "
        "`orchestration/settings.py`.",
        encoding="utf-8",
    )
    assert named_paths(doc) == ["orchestration/checks.py", "checks.py", "WAREHOUSE_CONTRACT.md"]
