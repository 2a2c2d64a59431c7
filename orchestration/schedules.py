"""A nightly rebuild, so marts follow reference or code changes even when no landing file moved."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from orchestration.jobs import refresh_warehouse_job

nightly_refresh_schedule = ScheduleDefinition(
    job=refresh_warehouse_job,
    cron_schedule="30 5 * * *",
    execution_timezone="Europe/Brussels",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Rebuild the whole warehouse every morning at 05:30 (turn on in the UI).",
)
