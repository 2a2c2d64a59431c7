"""Refresh when the landing directory changes: a new wave export, a new Taskforce snapshot, an override."""

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from orchestration.jobs import refresh_warehouse_job
from orchestration.resources import WarehouseResource
from orchestration.survey.landing import landing_fingerprint


# Running by default: with `make ui` (which starts the daemon) a file dropped in the landing directory
# refreshes the warehouse within a minute.
@sensor(job=refresh_warehouse_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING)
def landing_files_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    """One run per distinct state of the landing files (the fingerprint is the run key and the cursor)."""
    if not warehouse.landing_path.is_dir():
        return SkipReason(f"landing directory {warehouse.landing_path} does not exist yet")
    fingerprint = landing_fingerprint(warehouse.landing_path)
    if fingerprint == context.cursor:
        return SkipReason("no landing file changed since the last run")
    context.update_cursor(fingerprint)
    return RunRequest(run_key=fingerprint, tags={"landing_fingerprint": fingerprint})
