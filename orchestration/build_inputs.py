"""Everything a build depends on, as fingerprints: the landing files by content, and the project itself
(its Python code, dbt project, seeds, the packages that run them, the settings that change what is
written). A refresh whose fingerprints equal the published warehouse's build record (`meta.warehouse_build`)
has nothing to do: `make run` says so and stops within seconds (`make run FORCE=1` rebuilds anyway), and
so does the nightly schedule."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path

from orchestration import settings
from orchestration.survey.landing import discover_landing, landing_fingerprint, relative_name

# What the project's output is made from, besides the landing (paths under the project root).
PROJECT_INPUTS = (
    "orchestration",
    "dbt_project/models",
    "dbt_project/macros",
    "dbt_project/tests",
    "seeds",
    "dbt_project/dbt_project.yml",
    "dbt_project/profiles.yml",
    "pyproject.toml",
)
PACKAGES = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "pandas")
SOURCE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".md", ".toml", ".jinja", ".html", ".css", ".json"}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def project_fingerprint() -> str:
    """One hash of the project's code, models, seeds, package versions and output settings."""
    entries = []
    for name in PROJECT_INPUTS:
        root = settings.PROJECT_ROOT / name
        paths = (
            [root]
            if root.is_file()
            else sorted(
                path
                for path in root.rglob("*")
                if path.is_file() and path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts
            )
        )
        entries += [(str(path.relative_to(settings.PROJECT_ROOT)), _file_sha256(path)) for path in paths]
    entries += [(f"package:{package}", importlib.metadata.version(package)) for package in PACKAGES]
    entries += [
        ("setting:target", settings.warehouse_target()),
        ("setting:export_min_units", str(settings.export_min_units())),
    ]
    return hashlib.sha256(json.dumps(entries).encode("utf-8")).hexdigest()


def current_landing_fingerprint(landing: Path) -> str:
    """`landing_fingerprint` of the landing as it is now (contents hashed), as a run records it."""
    return landing_fingerprint(
        {relative_name(path, landing): _file_sha256(path) for path in discover_landing(landing).all_paths()}
    )


def nothing_changed(build: dict | None, landing: Path) -> bool:
    """Whether the published warehouse was built from exactly this landing and this project."""
    if not build or build.get("landing_dir") != str(landing) or not build.get("project_fingerprint"):
        return False
    if not landing.is_dir() or build["project_fingerprint"] != project_fingerprint():
        return False
    return build.get("landing_fingerprint") == current_landing_fingerprint(landing)
