"""The pull from the Qualtrics API in Dagster (contract §5.2): the asset `qualtrics/responses` (one
partition per wave), its job, and the schedule that runs it during each connected wave's fieldwork.

The asset writes into the wave's landing folder only (orchestration/qualtrics/pull.py); the landing sensor
(orchestration/sensors.py) sees the new export and refreshes that wave. It is not part of the refresh
jobs (orchestration/jobs.py leaves the group `qualtrics` out): a refresh never calls Qualtrics.

The account is the resource `qualtrics`: `QUALTRICS_BASE_URL` and `QUALTRICS_API_TOKEN` as Dagster
`EnvVar`s (the UI shows the variables' names, never the token). Without them the resource is unset, the
schedule skips and the asset materializes nothing: nothing changes for a warehouse without Qualtrics.
A wave whose last pull is older than 26 hours shows as stale in the UI (its freshness policy); `make run`
lists it too while the wave is in fieldwork (orchestration/freshness.py).
"""

import datetime as dt
import os
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    ConfigurableResource,
    DefaultScheduleStatus,
    EnvVar,
    Failure,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    asset,
    define_asset_job,
    in_process_executor,
    schedule,
)

from orchestration import settings
from orchestration.partitions import registered_waves, wave_partitions
from orchestration.qualtrics.client import (
    API_TOKEN_VARIABLE,
    BASE_URL_VARIABLE,
    DEADLINE_SECONDS,
    QualtricsClient,
)
from orchestration.qualtrics.pull import STALE_AFTER, PullError, connected_waves, local_today, pull_wave
from orchestration.resources import WarehouseResource

GROUP = "qualtrics"
PULL_KEY = AssetKey([GROUP, "responses"])
PULL_FRESHNESS = FreshnessPolicy.time_window(fail_window=STALE_AFTER)


class QualtricsResource(ConfigurableResource):
    """The Qualtrics account a pull uses; both fields come from the environment as EnvVars
    (`qualtrics_resource()`), empty when the variables are not set."""

    base_url: str = ""
    api_token: str = ""
    deadline_seconds: float = DEADLINE_SECONDS

    @property
    def configured(self) -> bool:
        return bool(self.base_url.strip() and self.api_token.strip())

    def client(self) -> QualtricsClient:
        return QualtricsClient(self.base_url, self.api_token, deadline_seconds=self.deadline_seconds)


def qualtrics_configured() -> bool:
    return bool(os.environ.get(API_TOKEN_VARIABLE, "").strip() and os.environ.get(BASE_URL_VARIABLE, "").strip())


def qualtrics_resource() -> QualtricsResource:
    """EnvVars when both variables are set (the values are read when a run starts, never stored), else an
    account that is not configured."""
    if qualtrics_configured():
        return QualtricsResource(base_url=EnvVar(BASE_URL_VARIABLE), api_token=EnvVar(API_TOKEN_VARIABLE))
    return QualtricsResource()


@asset(
    key=PULL_KEY,
    group_name=GROUP,
    partitions_def=wave_partitions,
    output_required=False,
    freshness_policy=PULL_FRESHNESS,
    kinds={"csv"},
    description="Responses pulled from the Qualtrics API into the wave's landing folder (contract §5.2): "
    "`waves/<wave_id>/qualtrics_<UTC time>.csv`, `survey.qsf` and the continuation token in "
    "`.qualtrics_state.json`. Stale when the last pull is older than 26 hours.",
)
def qualtrics_responses(context: AssetExecutionContext, warehouse: WarehouseResource, qualtrics: QualtricsResource):
    """One pull of the partition's wave; nothing when the account is not configured or the wave has no
    `qualtrics: {survey_id: …}`. A failed pull changes nothing and fails the run with the reason."""
    wave_id = context.partition_key
    if not qualtrics.configured:
        context.log.info(f"{API_TOKEN_VARIABLE} and {BASE_URL_VARIABLE} are not set: nothing pulled")
        return
    waves, problems = connected_waves(warehouse.landing_path)
    mine = [problem for problem in problems if problem.startswith(f"waves/{wave_id}/")]
    if mine:
        raise Failure(description="; ".join(mine))
    wave = next((w for w in waves if w.wave_id == wave_id), None)
    if wave is None:
        context.log.info(f"wave {wave_id} has no `qualtrics: {{survey_id: …}}` in its codebook.yaml: nothing pulled")
        return
    try:
        with qualtrics.client() as client:
            result = pull_wave(wave, client, log=context.log.info)
    except PullError as error:
        raise Failure(description=str(error)) from None
    metadata = {
        "summary": result.summary(),
        "survey_id": result.survey_id,
        "pulled_at": result.pulled_at.isoformat(timespec="seconds"),
        "responses": result.n_responses,
        "new_responses": result.n_responses - result.n_seen_before,
        "modified_responses": result.n_seen_before,
        "file": MetadataValue.path(str(result.file)) if result.file else "(none: nothing new)",
        "survey_qsf_updated": result.qsf_changed,
        "exported_everything": result.first_pull or result.restarted,
    }
    metadata.update(fieldwork_metadata(warehouse, wave_id))
    yield MaterializeResult(metadata=metadata)


def fieldwork_metadata(warehouse: WarehouseResource, wave_id: str) -> dict:
    """The wave's fieldwork monitor as the published warehouse has it (before this pull's refresh)."""
    try:
        from orchestration.deliverables.fieldwork import monitor_metadata

        with warehouse.published_duckdb() as db_path:
            return monitor_metadata(db_path, wave_id) if db_path.exists() else {}
    except Exception:  # noqa: BLE001 - the monitor is extra information, never a reason for a pull to fail
        return {}


pull_qualtrics_job = define_asset_job(
    name="pull_qualtrics",
    selection=AssetSelection.assets(qualtrics_responses),
    executor_def=in_process_executor,
    description="Pull a wave's responses from the Qualtrics API into its landing folder (the landing sensor "
    "then refreshes the wave).",
)


@schedule(
    job=pull_qualtrics_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Brussels",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every morning at 06:00, a pull of each connected wave in fieldwork (fieldwork_start to "
    "fieldwork_end plus 7 days); skips when none is, or QUALTRICS_* are not set.",
)
def qualtrics_pull_schedule(context: ScheduleEvaluationContext):
    when = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    return plan_pulls(settings.landing_dir(), local_today(when), set(registered_waves(context.instance)))


def plan_pulls(landing: Path, today: dt.date, registered: set[str]) -> SkipReason | list[RunRequest]:
    """The schedule's tick: one run per connected wave in fieldwork on `today` (one per wave and day)."""
    if not qualtrics_configured():
        return SkipReason(f"{API_TOKEN_VARIABLE} and {BASE_URL_VARIABLE} are not set")
    if not landing.is_dir():
        return SkipReason(f"landing directory {landing} does not exist")
    waves, _ = connected_waves(landing)
    due = [wave.wave_id for wave in waves if wave.in_fieldwork(today)]
    if not due:
        connected = ", ".join(wave.wave_id for wave in waves) or "none"
        return SkipReason(f"no connected wave is in fieldwork on {today} (connected: {connected})")
    requests = [
        RunRequest(run_key=f"{wave_id}:{today}", partition_key=wave_id) for wave_id in due if wave_id in registered
    ]
    if not requests:
        return SkipReason(
            f"wave(s) {', '.join(due)} are not partitions yet (the landing sensor adds them within a minute)"
        )
    return requests
