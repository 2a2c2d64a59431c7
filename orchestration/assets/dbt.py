"""The dbt project as Dagster assets; dbt tests become asset checks (one per model: assets/dbt_checks.py)."""

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    Failure,
    MetadataValue,
    Output,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration import settings
from orchestration.assets import dbt_checks
from orchestration.backends import backend_for, replace_tables
from orchestration.dbt_project import dbt_project
from orchestration.deliverables.weighting import PYTHON_MARTS
from orchestration.reporting import (
    mismatches_markdown,
    not_loaded_sentence,
    report_figure_mismatches,
    report_waves_not_loaded,
    wave_findings_markdown,
    wave_resolution_markdown,
)
from orchestration.resources import WarehouseResource

REPORT_FIGURES = AssetKey(["marts", "mart_report_figures"])
RESOLUTION = AssetKey(["marts", "mart_respondent_resolution"])
FINDINGS = AssetKey(["marts", "mart_data_quality_findings"])
# dbt Python models (weighting.PYTHON_MARTS); on PostgreSQL (no Python in dbt) this asset writes their
# tables between two dbt runs.
PYTHON_MART_KEYS = {model: AssetKey(["marts", model]) for model in PYTHON_MARTS}


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Keys models by schema (`marts/mart_report_figures`), groups them by domain folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        schema = dbt_resource_props.get("config", {}).get("schema")
        if dbt_resource_props["resource_type"] == "model" and schema:
            return AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) > 2 and fqn[1] in ("staging", "intermediate"):
            return fqn[2]
        if len(fqn) > 1 and fqn[1] == "marts":
            return "marts"
        return super().get_group_name(dbt_resource_props)

    def get_asset_check_spec(
        self, asset_spec: AssetSpec, manifest: Mapping[str, Any], unique_id: str, project
    ) -> AssetCheckSpec | None:
        """One `dbt_tests` check per model for all its tests (orchestration/assets/dbt_checks.py)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        return None if spec is None else dbt_checks.summary_check_spec(spec.asset_key)


PARTIAL_PARSE = "partial_parse.msgpack"
PARSE_CACHE_DIR = settings.DBT_PROJECT_DIR / "target" / "partial_parse_by_profile"
PARSE_CACHE_KEEP = 8
# Each dbt invocation writes its own target folder (compiled SQL, run_results.json, dbt.log; ~20 MB):
# the latest ones are kept to debug a run, older ones removed so a scheduled deployment does not fill its disk.
RUN_TARGETS_KEEP = 10
RUN_TARGET_MIN_AGE_S = 3600  # never one of a run that may still be going on (test workers, a second deployment)


def dbt_environment(db_path: str, target: str = "duckdb") -> dict[str, str]:
    """What dbt's profiles.yml reads: the run's database file (absolute; dbt runs inside dbt_project/),
    DuckDB's memory limit and spill folder. Environment variables, not `--vars` (any change of `--vars`
    makes dbt re-parse everything). On PostgreSQL: the server (the PG* variables, already set). Each
    backend says its own (`dbt_environment` in orchestration/backends/)."""
    return backend_for(target).dbt_environment(db_path)


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` in os.environ while dbt's process starts (DbtCliResource passes os.environ on), then restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def parse_cache_file(environment_values: Mapping[str, str]) -> Path:
    """dbt checks a partial parse against the profile's connection values (dbt-duckdb: the path and the
    settings), so it is kept per profile: the packaged one matches no run's draft path."""
    key = hashlib.sha256(json.dumps(dict(environment_values), sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return PARSE_CACHE_DIR / f"{key}.msgpack"


def reuse_partial_parse(environment_values: Mapping[str, str], target_path: Path) -> None:
    """Start the run's dbt target folder from the partial parse of the last run with the same profile
    (dagster-dbt copies the packaged one only when there is none). dbt re-parses changed files itself."""
    cached = parse_cache_file(environment_values)
    if cached.exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target_path / PARTIAL_PARSE)


def keep_partial_parse(environment_values: Mapping[str, str], target_path: Path) -> None:
    written = target_path / PARTIAL_PARSE
    if written.exists():
        cached = parse_cache_file(environment_values)
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{cached.name}.{uuid.uuid4().hex[:7]}")
        shutil.copyfile(written, partial)
        os.replace(partial, cached)  # atomic: a concurrent run reads the old or the new file, never half
        try:  # test runs use a new path each time: keep the recent ones
            kept = sorted(PARSE_CACHE_DIR.glob("*.msgpack"), key=lambda path: path.stat().st_mtime, reverse=True)
            for stale in kept[PARSE_CACHE_KEEP:]:
                stale.unlink(missing_ok=True)
        except OSError:  # another run pruned at the same time
            pass


def prune_run_targets(op_name: str, keep: int = RUN_TARGETS_KEEP) -> list[Path]:
    """Removes the op's run target folders beyond the `keep` newest, if older than an hour; returns them."""
    folders = sorted(
        (path for path in (settings.DBT_PROJECT_DIR / "target").glob(f"{op_name}-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    now = time.time()
    removed = [path for path in folders[keep:] if now - path.stat().st_mtime > RUN_TARGET_MIN_AGE_S]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def dbt_build_args(target: str) -> list[str]:
    """`dbt build` and the backend's arguments (`dbt_build_args` in orchestration/backends/)."""
    return backend_for(target).dbt_build_args()


TRANSLATOR = WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def as_asset_event(event):
    """An event of a dbt run made without the asset's context (its materializations and test results are
    reported as for another asset) as this asset's own output or check result."""
    if isinstance(event, AssetMaterialization):
        return Output(None, output_name=event.asset_key.to_python_identifier(), metadata=event.metadata)
    if isinstance(event, AssetCheckEvaluation):
        return AssetCheckResult(
            asset_key=event.asset_key,
            check_name=event.check_name,
            passed=event.passed,
            metadata=event.metadata,
            severity=event.severity,
        )
    return event


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
)
def warehouse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Builds and tests every model, then adds row counts and, on mart_report_figures, the figures that
    do not match. Outputs wait until dbt has finished: DuckDB lets one process write at a time."""
    if dbt.target != settings.DBT_TARGETS[warehouse.target]:
        raise Failure(
            description=f"dbt builds target {dbt.target!r} but the warehouse is {warehouse.target!r}; "
            "give both the same WAREHOUSE_TARGET"
        )
    outputs = []
    values = dbt_environment(str(warehouse.ensure_draft()), warehouse.target)
    invocations = [dbt_build_args(warehouse.target)]
    if not warehouse.backend.runs_python_models:
        # dbt-postgres runs no Python models: build everything else, write the weighted estimates here with
        # the models' own functions, then let dbt check (and test) those tables.
        python_marts = [m for m, key in PYTHON_MART_KEYS.items() if key in context.selected_asset_keys]
        invocations = [invocations[0] + ["--exclude", " ".join(PYTHON_MART_KEYS)]]
        if python_marts:
            invocations.append(dbt_build_args(warehouse.target) + ["--select", " ".join(python_marts)])
    for number, args in enumerate(invocations):
        if number == 1:
            write_weighted_estimate(warehouse, python_marts)
        run = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
        target_path = settings.DBT_PROJECT_DIR / "target" / run
        reuse_partial_parse(values, target_path)
        with environment(values):
            if number == 0:
                invocation = dbt.cli(args, context=context, target_path=target_path)
            else:  # with the context, dagster-dbt would add the run's whole selection to `--select`
                invocation = dbt.cli(
                    args, manifest=dbt_project.manifest_path, target_path=target_path, dagster_dbt_translator=TRANSLATOR
                )
        try:
            events = dbt_checks.dagster_events(
                invocation.stream_raw_events(),
                context,
                invocation.manifest,
                invocation.dagster_dbt_translator,
                dbt_project,
                target_path,
            )
            for event in events:
                event = as_asset_event(event)
                if isinstance(event, Output):
                    outputs.append(event)
                else:
                    yield event
        finally:
            keep_partial_parse(values, target_path)
            prune_run_targets(context.op_execution_context.op.name)
    with warehouse.connect(read_only=True) as connection:
        for output in outputs:
            asset_key = context.asset_key_for_output(output.output_name)
            metadata = {"dagster/row_count": row_count(connection, asset_key)}
            if asset_key == REPORT_FIGURES:
                rows = report_figure_mismatches(connection)
                not_loaded = report_waves_not_loaded(connection)
                if not_loaded:
                    context.log.info(not_loaded_sentence(not_loaded))
                metadata |= {
                    "figures_not_matching": len(rows),
                    "report_waves_not_loaded": ", ".join(not_loaded),
                    "not_matching": MetadataValue.md(mismatches_markdown(rows, not_loaded)),
                }
            elif asset_key == RESOLUTION:
                metadata |= {"per_wave": MetadataValue.md(wave_resolution_markdown(connection))}
            elif asset_key == FINDINGS:
                metadata |= {"per_wave": MetadataValue.md(wave_findings_markdown(connection))}
            yield output.with_metadata({**output.metadata, **metadata})


def write_weighted_estimate(warehouse: WarehouseResource, models=tuple(PYTHON_MARTS)) -> None:
    """The Python marts (marts.mart_weighted_estimate, …) in the draft, computed as the dbt Python models
    compute them on DuckDB."""
    with warehouse.connect() as connection:
        frames = {}
        for model in models:
            inputs, compute = PYTHON_MARTS[model]
            frames[model] = compute(*(connection.frame(f"select * from {schema}.{name}") for schema, name in inputs))
        replace_tables(connection, "marts", frames)


def row_count(connection, asset_key: AssetKey) -> int:
    schema, table = asset_key.path
    return connection.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
