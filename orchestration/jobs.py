"""Jobs. DuckDB allows one writer, so every job runs its steps one at a time in one process, and runs of
the refresh job queue behind each other: the tag below is limited to one run at a time in the instance's
`dagster.yaml` (written by the Makefile). The refresh lock (orchestration/backends/publishing.py) covers runs the
queue does not see (`make run`, a second Dagster instance). Every job builds into the run's draft and
publishes it at the end (orchestration/assets/publish.py)."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from orchestration.assets.publish import warehouse_draft
from orchestration.assets.taskforce import taskforce_snapshots

REFRESH_TAG = "warehouse_refresh"

# Everything: landing files and reference seeds into DuckDB, then every dbt model and test. The raw wave
# tables are partitioned by wave: a run for one wave reloads that wave's files only; a run over the range
# of every wave is the full refresh. Not the pull from the Qualtrics API (group `qualtrics`), which writes
# the landing directory and has its own job and schedule (orchestration/assets/qualtrics.py).
refresh_warehouse_job = define_asset_job(
    name="refresh_warehouse",
    selection=AssetSelection.all() - AssetSelection.groups("qualtrics"),
    executor_def=in_process_executor,
    tags={REFRESH_TAG: "refresh_warehouse"},
    description="Load the landing directory and the reference seeds, then build and test every dbt model.",
)

# A new Taskforce snapshot: reload the snapshots and rebuild only the dbt models (and their tests) that
# depend on them; everything else comes unchanged from the published warehouse the draft starts from.
refresh_taskforce_job = define_asset_job(
    name="refresh_taskforce",
    selection=AssetSelection.assets(taskforce_snapshots).downstream() | AssetSelection.assets(warehouse_draft),
    executor_def=in_process_executor,
    tags={REFRESH_TAG: "refresh_taskforce"},  # queues behind (and ahead of) full refreshes
    description="Reload the Taskforce snapshots and rebuild, test and publish only what depends on them.",
)
