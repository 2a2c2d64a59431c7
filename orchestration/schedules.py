"""A nightly rebuild, so marts follow reference or code changes even when no landing file moved."""

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from orchestration.jobs import refresh_warehouse_job
from orchestration.partitions import all_waves_tags, registered_waves


@schedule(job=refresh_warehouse_job, cron_schedule="30 5 * * *", execution_timezone="Europe/Brussels",
          default_status=DefaultScheduleStatus.STOPPED,
          description="Rebuild the whole warehouse, every wave, every morning at 05:30 (turn on in the UI).")
def nightly_refresh_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    return RunRequest(tags=all_waves_tags(registered_waves(context.instance)))
