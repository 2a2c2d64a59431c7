"""dbt tests as Dagster asset checks: one check per model (`dbt_tests`) summarising its tests.

Why: dagster-dbt turns every dbt test into its own check, each planned when a run is created and
evaluated when dbt reports it: with ~490 tests that was ~900 events per run, which the Dagster process
writes one by one (bench/README.md). A summary keeps what the UI needs per model: passed or not, how many
tests, which failed (by name: a defect in a shipped reference file is named there) and with how many
rows. An error-level test still fails the run (dbt's exit code), whatever the checks say.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dagster import AssetCheckKey, AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue
from dagster_dbt.asset_utils import get_asset_check_key_for_test

SUMMARY_CHECK = "dbt_tests"


def summary_check_spec(asset_key: AssetKey) -> AssetCheckSpec:
    return AssetCheckSpec(
        SUMMARY_CHECK,
        asset=asset_key,
        blocking=True,
        description="Every dbt test of this model (unique, not_null, relationships, accepted values, row-level "
        "rules): passes when all pass; the failing ones are listed with their failing rows.",
    )


@dataclass
class TestSummary:
    """The dbt test results of one model in one run."""

    passed: list[str] = field(default_factory=list)
    warned: list[tuple[str, Any]] = field(default_factory=list)
    failed: list[tuple[str, Any]] = field(default_factory=list)

    def add(self, name: str, status: str, failures: Any) -> None:
        if status == "pass":
            self.passed.append(name)
        elif status == "warn":
            self.warned.append((name, failures))
        else:  # fail, error
            self.failed.append((name, failures))

    def result(self, asset_key: AssetKey) -> AssetCheckResult:
        listing = [f"- `{name}` failed: {rows} rows" for name, rows in self.failed]
        listing += [f"- `{name}` warned: {rows} rows" for name, rows in self.warned]
        return AssetCheckResult(
            check_name=SUMMARY_CHECK,
            asset_key=asset_key,
            passed=not (self.failed or self.warned),
            severity=AssetCheckSeverity.ERROR if self.failed else AssetCheckSeverity.WARN,
            metadata={
                "tests": len(self.passed) + len(self.warned) + len(self.failed),
                "failed": len(self.failed),
                "warned": len(self.warned),
                "not_passing": MetadataValue.md("\n".join(listing) or "none"),
            },
        )


def dagster_events(
    raw_events: Iterable, context, manifest: Mapping[str, Any], translator, project, target_path
) -> Iterator:
    """dagster-dbt's events for each dbt event, except test results, which are collected and yielded as
    one `dbt_tests` result per model once dbt has finished (also when it fails)."""
    selected = set(context.selected_asset_check_keys)
    summaries: dict[AssetCheckKey, TestSummary] = {}

    def collected(event) -> bool:
        unique_id = event.raw_event["data"].get("node_info", {}).get("unique_id", "")
        if not (unique_id.startswith("test.") and event.is_result_event):
            return False
        key = get_asset_check_key_for_test(manifest, translator, unique_id, project=project)
        summary_key = key and AssetCheckKey(key.asset_key, SUMMARY_CHECK)
        if summary_key not in selected:
            return False
        data = event.raw_event["data"]
        status = str(data["node_info"].get("node_status") or data.get("status") or "").lower()
        summaries.setdefault(summary_key, TestSummary()).add(
            manifest["nodes"][unique_id]["name"], status, data.get("num_failures")
        )
        return True

    error = None
    try:
        for event in raw_events:
            if not collected(event):
                yield from event.to_default_asset_events(
                    manifest=manifest,
                    dagster_dbt_translator=translator,
                    context=context,
                    target_path=target_path,
                    project=project,
                )
    except Exception as exc:  # dbt failed (e.g. an error-level test): the summaries still show which
        error = exc
    for key, summary in summaries.items():
        yield summary.result(key.asset_key)
    if error is not None:
        raise error
