"""Refresh when the landing directory changes, with the smallest job that covers the change:

- only Taskforce snapshots changed: `refresh_taskforce` (the snapshots and what depends on them);
- only one wave's folder changed (a new wave, or a wave's files replaced): `refresh_warehouse` for that
  wave's partition (its files are reloaded, the other waves' raw rows stay; every dbt model is rebuilt);
- anything else, or no published warehouse yet: `refresh_warehouse` over every wave.

The change is measured from the last state a run was requested for (the cursor) or, on a first tick, from
what the published warehouse was built from (`meta.warehouse_build`): the landing `make run` has just built
starts nothing. New wave folders become partitions of `waves` in the same tick, and the partitions of
folders that are gone (or of another landing) are deleted.
"""

from __future__ import annotations

import hashlib
import json

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.jobs import refresh_taskforce_job, refresh_warehouse_job
from orchestration.partitions import all_waves_tags, partition_changes, registered_waves, wave_partitions
from orchestration.resources import WarehouseResource
from orchestration.survey.landing import landing_parts

WAVE = "wave:"


def plan_refresh(previous: dict[str, str] | None, current: dict[str, str], published: bool) -> tuple[str, str | None]:
    """(job name, wave id for a one-wave run or None) for a change from `previous` to `current` parts."""
    changed = {key for key in set(current) | set(previous or {}) if current.get(key) != (previous or {}).get(key)}
    if previous is not None and published:
        if changed == {"taskforce"} and "taskforce" in current:
            return refresh_taskforce_job.name, None
        if len(changed) == 1 and next(iter(changed)).startswith(WAVE) and next(iter(changed)) in current:
            return refresh_warehouse_job.name, next(iter(changed)).removeprefix(WAVE)
    return refresh_warehouse_job.name, None


def read_cursor(cursor: str | None) -> dict[str, str] | None:
    """The parts' fingerprints of the last run; None for none, or for the one-hash cursor of older versions."""
    try:
        previous = json.loads(cursor) if cursor else None
    except ValueError:
        return None
    return previous if isinstance(previous, dict) else None


def built_parts(build: dict | None, landing: str) -> dict[str, str] | None:
    """The landing parts the published warehouse was built from, if it was built from this landing."""
    if not build or build.get("landing_dir") != landing:
        return None
    return build.get("landing_parts") or None


# Running by default: with `make ui` (which starts the daemon) a file dropped in the landing directory
# refreshes the warehouse within a minute.
@sensor(
    jobs=[refresh_warehouse_job, refresh_taskforce_job],
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
)
def landing_files_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    """One run per distinct state of the landing files that the published warehouse was not built from;
    the cursor holds each part's fingerprint. The wave partitions follow the landing's wave folders."""
    if not warehouse.landing_path.is_dir():
        return SkipReason(f"landing directory {warehouse.landing_path} does not exist yet")
    current = landing_parts(warehouse.landing_path)
    waves = sorted(key.removeprefix(WAVE) for key in current if key.startswith(WAVE))
    registered = registered_waves(context.instance)
    new, gone = partition_changes(registered, waves)
    partition_requests = ([wave_partitions.build_add_request(new)] if new else []) + (
        [wave_partitions.build_delete_request(gone)] if gone else []
    )
    state = json.dumps(current, sort_keys=True)
    built = built_parts(warehouse.published_build(), str(warehouse.landing_path))
    if built == current:  # e.g. `make run` built it before the UI started: nothing to do
        return SensorResult(
            skip_reason="the published warehouse was built from these landing files",
            cursor=state,
            dynamic_partitions_requests=partition_requests,
        )
    previous = read_cursor(context.cursor)
    if current == previous:  # a run for this state was requested already (and failed, or is queued)
        return SensorResult(
            skip_reason="no landing file changed since the last run",
            cursor=state,
            dynamic_partitions_requests=partition_requests,
        )
    # On PostgreSQL every change is a full refresh: the smaller jobs need a draft that copies everything
    # published, which only the DuckDB file is (docs/POSTGRES.md).
    published = warehouse.supports_partial_refresh and warehouse.published_path.exists()
    job_name, wave_id = plan_refresh(previous if previous is not None else built, current, published)
    run_key = hashlib.sha256(state.encode("utf-8")).hexdigest()
    tags = {"landing_change": job_name if wave_id is None else f"wave {wave_id}"}
    if wave_id is not None:
        request = RunRequest(run_key=run_key, job_name=job_name, partition_key=wave_id, tags=tags)
    elif job_name == refresh_taskforce_job.name:
        request = RunRequest(run_key=run_key, job_name=job_name, tags=tags)
    else:
        after = [wave for wave in registered if wave not in gone] + new
        request = RunRequest(run_key=run_key, job_name=job_name, tags=tags | all_waves_tags(after))
    return SensorResult(run_requests=[request], cursor=state, dynamic_partitions_requests=partition_requests)
