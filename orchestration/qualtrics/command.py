"""`python -m orchestration.cli pull [--wave ID]` (`make pull`): every connected wave of the landing
directory (or one) pulled from the Qualtrics API, each as a run of the `pull_qualtrics` job in this process
(so the Dagster UI's history and the asset's freshness know about it), then one line per wave.

It only writes the landing directory; `make run` (or, with `make ui`, the landing sensor) builds from it.
Exit status: 0 when every pull succeeded, 1 when one failed (its reason is printed; it changed nothing),
2 when nothing can be pulled at all (the variables, no connected wave, an unknown --wave).
"""

from __future__ import annotations

import os
import sys

from dagster import DagsterEventType, DagsterInstance

from orchestration import settings
from orchestration.partitions import sync_wave_partitions
from orchestration.qualtrics.client import API_TOKEN_VARIABLE, BASE_URL_VARIABLE, NotConfigured
from orchestration.qualtrics.pull import account_from_environment, connected_waves
from orchestration.survey.landing import discover_landing

# The pull's own lines are printed here; Dagster's event log goes to the instance, not the terminal.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def pull(wave_id: str | None = None) -> int:
    landing = settings.landing_dir()
    try:
        account_from_environment()
    except NotConfigured as error:
        print(str(error), file=sys.stderr)
        return 2
    if not landing.is_dir():
        print(f"landing directory {landing} does not exist (check WAREHOUSE_LANDING_DIR)", file=sys.stderr)
        return 2
    waves, problems = connected_waves(landing)
    for problem in problems:
        print(problem, file=sys.stderr)
    if wave_id is not None:
        chosen = [wave for wave in waves if wave.wave_id == wave_id]
        if not chosen:
            known = ", ".join(wave.wave_id for wave in waves) or "none"
            print(
                f"wave {wave_id} is not connected to a Qualtrics survey in {landing} (connected: {known}); add "
                f"`qualtrics: {{survey_id: SV_…}}` to the wave: block of waves/{wave_id}/codebook.yaml",
                file=sys.stderr,
            )
            return 2
        waves = chosen
    if not waves:
        print(
            f"no wave of {landing} is connected to a Qualtrics survey: add `qualtrics: {{survey_id: SV_…}}` to the "
            "wave: block of its codebook.yaml (docs/QUALTRICS_API.md)",
            file=sys.stderr,
        )
        return 1 if problems else 2
    from orchestration.definitions import defs

    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    sync_wave_partitions(instance, sorted(discover_landing(landing).waves))
    job = defs.resolve_job_def("pull_qualtrics")
    print(f"Pulling from Qualtrics ({os.environ.get(BASE_URL_VARIABLE, '').strip()}) into {landing} ...", flush=True)
    failed = bool(problems)
    for wave in waves:
        result = job.execute_in_process(
            instance=instance, partition_key=wave.wave_id, raise_on_error=False, run_config=QUIET
        )
        materialized = [
            event for event in result.all_events if event.event_type == DagsterEventType.ASSET_MATERIALIZATION
        ]
        if result.success and materialized:
            metadata = materialized[-1].materialization.metadata
            print(f"  {metadata['summary'].value}")
        elif result.success:
            print(f"  {wave.wave_id}: nothing pulled")
        else:
            failed = True
            print(f"  {wave.wave_id}: the pull failed and changed nothing: {failure_text(result)}", file=sys.stderr)
    if not failed:
        print("Next: `make run` builds the warehouse from them (with `make ui` running, the landing sensor does).")
    return 1 if failed else 0


def failure_text(result) -> str:
    """The reason a pull run failed, as the asset said it (a Failure's description)."""
    for event in result.all_events:
        if event.event_type != DagsterEventType.STEP_FAILURE:
            continue
        data = event.step_failure_data
        if data.user_failure_data is not None and data.user_failure_data.description:
            return data.user_failure_data.description
        if data.error is not None:
            return data.error.message.strip().splitlines()[-1]
    return f"run {result.run_id} failed (Dagster UI, or {API_TOKEN_VARIABLE}/{BASE_URL_VARIABLE})"
