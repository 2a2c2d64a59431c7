"""The one Dagster code location of the warehouse."""

from dagster import Definitions, in_process_executor

from orchestration.assets.dbt import warehouse_dbt_models
from orchestration.assets.landing import landing_directory
from orchestration.assets.publish import published_warehouse, warehouse_draft
from orchestration.assets.qualtrics import (
    pull_qualtrics_job,
    qualtrics_pull_schedule,
    qualtrics_resource,
    qualtrics_responses,
)
from orchestration.assets.reference import reference_tables
from orchestration.assets.survey import qualtrics_exports, wave_codebooks
from orchestration.assets.taskforce import municipality_name_overrides, taskforce_snapshots
from orchestration.deliverables.assets import DELIVERABLE_ASSETS
from orchestration.freshness import taskforce_latest_snapshot
from orchestration.jobs import refresh_taskforce_job, refresh_warehouse_job
from orchestration.resources import default_resources
from orchestration.schedules import nightly_refresh_schedule
from orchestration.sensors import landing_files_sensor

ALL_ASSETS = [
    warehouse_draft,
    landing_directory,
    reference_tables,
    wave_codebooks,
    qualtrics_exports,
    municipality_name_overrides,
    taskforce_snapshots,
    warehouse_dbt_models,
    published_warehouse,
    *DELIVERABLE_ASSETS,
]

# The pull from the Qualtrics API writes the landing directory, outside the refresh jobs (contract §5.2).
defs = Definitions(
    assets=[*ALL_ASSETS, qualtrics_responses, taskforce_latest_snapshot],
    jobs=[refresh_warehouse_job, refresh_taskforce_job, pull_qualtrics_job],
    schedules=[nightly_refresh_schedule, qualtrics_pull_schedule],
    sensors=[landing_files_sensor],
    resources={**default_resources(), "qualtrics": qualtrics_resource()},
    # Assets materialised outside the job (a selection in the UI) also run in one process, so the
    # refresh lock taken by the first step holds until the run ends.
    executor=in_process_executor,
)
