"""A nightly rebuild, so marts follow reference or code changes even when no landing file moved."""

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, SkipReason, schedule

from orchestration.build_inputs import nothing_changed
from orchestration.jobs import refresh_warehouse_job
from orchestration.partitions import all_waves_tags, registered_waves
from orchestration.resources import WarehouseResource


@schedule(
    job=refresh_warehouse_job,
    cron_schedule="30 5 * * *",
    execution_timezone="Europe/Brussels",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Rebuild the whole warehouse, every wave, every morning at 05:30 (turn on in the UI); "
    "skipped when the published warehouse was built from the same landing and project.",
)
def nightly_refresh_schedule(context: ScheduleEvaluationContext, warehouse: WarehouseResource):
    if nothing_changed(warehouse.published_build(), warehouse.landing_path):
        return SkipReason("nothing changed since the published warehouse was built")
    return RunRequest(tags=all_waves_tags(registered_waves(context.instance)))
