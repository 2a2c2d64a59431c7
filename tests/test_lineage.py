"""One-way lineage over dbt's manifest: sources → staging → intermediate → marts, nothing doubles back.

A model's layer is its folder under `dbt_project/models/` (`staging/`, `intermediate/`, `marts/`; the
dimensions are `marts/core/`). Staging reads sources only; intermediate reads staging and intermediate;
marts read intermediate and the dimensions; no model reads any other mart, and no data test of a staging
or intermediate model needs a mart. The Python read-outs of the
published warehouse (`orchestration/reporting.py`, `orchestration/cli.py`, the exports, reports and docs
site in `orchestration/deliverables/`) read marts only.
"""

from __future__ import annotations

import json
import re

import pytest

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

ALLOWED_PARENTS = {
    "staging": {"source"},
    "intermediate": {"staging", "intermediate"},
    "marts": {"intermediate", "dimension"},
    "dimension": {"intermediate", "dimension"},
}


def layer(node: dict) -> str:
    if node["resource_type"] == "source":
        return "source"
    folders = node["original_file_path"].split("/")  # models/<layer>/<domain>/<file>
    if folders[1] == "marts" and folders[2] == "core":
        return "dimension"
    return folders[1]


def lineage_violations(manifest: dict) -> list[str]:
    nodes = manifest["nodes"] | manifest["sources"]
    violations = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        child = layer(node)
        assert child in ALLOWED_PARENTS, f"{node['original_file_path']}: not under staging/, intermediate/ or marts/"
        for parent_id in node["depends_on"]["nodes"]:
            parent = layer(nodes[parent_id])
            if parent not in ALLOWED_PARENTS[child]:
                violations.append(f"{node['name']} ({child}) reads {nodes[parent_id]['name']} ({parent})")
    return sorted(violations)


def mart_reads_by_lower_tests(manifest: dict) -> list[str]:
    """A data test of a staging or intermediate model must not need a mart (it would run after it)."""
    nodes = manifest["nodes"] | manifest["sources"]
    found = []
    for node in manifest["nodes"].values():
        attached = node.get("attached_node")
        if node["resource_type"] != "test" or not attached or layer(nodes[attached]) not in ("staging", "intermediate"):
            continue
        found += [
            f"{node['name']} reads {nodes[parent]['name']}"
            for parent in node["depends_on"]["nodes"]
            if layer(nodes[parent]) in ("marts", "dimension")
        ]
    return sorted(found)


def manifest() -> dict:
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_every_model_reads_only_its_own_layer_or_the_one_below():
    assert lineage_violations(manifest()) == []


def test_tests_below_the_marts_read_no_mart():
    assert mart_reads_by_lower_tests(manifest()) == []


def test_the_rule_catches_an_intermediate_model_reading_a_mart():
    doubled_back = manifest()
    model = next(node for node in doubled_back["nodes"].values() if node["name"] == "int_responding_municipalities")
    mart_id = next(key for key, node in doubled_back["nodes"].items() if node["name"] == "mart_report_figures")
    model["depends_on"]["nodes"].append(mart_id)
    assert lineage_violations(doubled_back) == [
        "int_responding_municipalities (intermediate) reads mart_report_figures (marts)"
    ]


READ_OUTS = [
    "orchestration/reporting.py",
    "orchestration/cli.py",
    *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "orchestration" / "deliverables").glob("*.py")),
]


@pytest.mark.parametrize("path", READ_OUTS)
def test_python_read_outs_read_marts_only(path):
    text = (PROJECT_ROOT / path).read_text(encoding="utf-8")
    schemas = set(re.findall(r"\b(raw|reference|staging|intermediate|marts)\.[a-z_]+", text))
    assert schemas <= {"marts"}, f"{path} reads {sorted(schemas - {'marts'})}"
