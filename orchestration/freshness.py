"""What goes stale, in the Dagster UI and in `make run`'s summary (issue 20, part 5).

- A wave connected to Qualtrics whose last successful pull is older than 26 hours: the pull asset
  `qualtrics/responses` has a freshness policy of 26 hours (orchestration/assets/qualtrics.py); the summary
  lists such a wave while it is in fieldwork (fieldwork_start to fieldwork_end plus 7 days), from the
  pull's state file (`.qualtrics_state.json`).
- The Taskforce snapshot: `taskforce/latest_snapshot` (an external asset) is materialized, by the load of
  the snapshots, each time a newer reference date (peildatum) arrives; its freshness policy says stale
  after 35 days (the snapshots come monthly). The summary lists it when the newest peildatum is older
  than the usual interval between the snapshots' dates (their median gap). The bundled synthetic
  snapshots (`SYNTHETIC_*` files only) are a demo and are never called stale.

Dagster evaluates the policies in its daemon (`make ui`); the summary computes its lines itself, from the
landing directory and the published marts, so `make run` lists them without a daemon.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

from dagster import AssetKey, AssetMaterialization, AssetSpec, FreshnessPolicy

from orchestration.qualtrics.pull import STALE_AFTER, connected_waves, last_pulled_at, local_today

TASKFORCE_SNAPSHOT_KEY = AssetKey(["taskforce", "latest_snapshot"])
TASKFORCE_FRESHNESS = FreshnessPolicy.time_window(fail_window=dt.timedelta(days=35), warn_window=dt.timedelta(days=31))
taskforce_latest_snapshot = AssetSpec(
    # No dependency edge on raw/taskforce_counts: the refresh_taskforce job selects what is downstream of
    # the snapshots, and this asset is recorded by their load, not run.
    key=TASKFORCE_SNAPSHOT_KEY,
    group_name="taskforce",
    freshness_policy=TASKFORCE_FRESHNESS,
    description="The newest Taskforce reference date (peildatum) the warehouse loaded: materialized when a newer "
    "snapshot arrives, so it goes stale (35 days) when none has come for longer than the monthly interval.",
)


def report_latest_snapshot(instance, dates) -> str | None:
    """Records a materialization of `taskforce/latest_snapshot` when the newest of `dates` (ISO strings as
    loaded; invalid ones and dates after today are ignored, as dbt sets them aside) is newer than the one
    recorded last; returns that date, or None when nothing newer came."""
    today = dt.date.today()
    valid = sorted({day for day in (_date(value) for value in dates) if day is not None and day <= today})
    if not valid:
        return None
    newest = valid[-1]
    event = instance.get_latest_materialization_event(TASKFORCE_SNAPSHOT_KEY)
    recorded = event.asset_materialization.metadata.get("peildatum") if event and event.asset_materialization else None
    if recorded is not None and _date(recorded.value) is not None and _date(recorded.value) >= newest:
        return None
    instance.report_runless_asset_event(
        AssetMaterialization(
            asset_key=TASKFORCE_SNAPSHOT_KEY,
            metadata={
                "peildatum": newest.isoformat(),
                "snapshot_dates": len(valid),
                "usual_interval_days": usual_interval(valid),
            },
        )
    )
    return newest.isoformat()


def stale_lines(connection, landing_dir: Path | None = None, now: dt.datetime | None = None) -> list[str]:
    """`make run`'s lines about what is stale (none when nothing is)."""
    from orchestration import settings

    landing = Path(landing_dir or settings.landing_dir())
    now = now or dt.datetime.now(dt.UTC)
    items = pull_staleness(landing, now)
    dates = [
        row[0]
        for row in connection.execute(
            "select distinct snapshot_date from marts.mart_taskforce_timeseries where snapshot_date is not null "
            "order by 1"
        ).fetchall()
    ]
    items += taskforce_staleness(dates, local_today(now), synthetic=_synthetic_taskforce(landing))
    if not items:
        return []
    return ["Stale:"] + [f"  {item}" for item in items]


def pull_staleness(landing: Path, now: dt.datetime) -> list[str]:
    """A connected wave in fieldwork whose last pull is older than 26 hours, or that was never pulled."""
    if not landing.is_dir():
        return []
    waves, _ = connected_waves(landing)
    items = []
    for wave in waves:
        if not wave.in_fieldwork(local_today(now)):
            continue
        last = last_pulled_at(wave.folder)
        if last is None:
            items.append(
                f"wave {wave.wave_id} is in fieldwork and was never pulled from Qualtrics (survey "
                f"{wave.survey_id}): `make pull`"
            )
        elif now - last > STALE_AFTER:
            hours = (now - last).total_seconds() / 3600
            items.append(
                f"wave {wave.wave_id} was last pulled from Qualtrics {hours:.0f} hours ago "
                f"({last.isoformat(timespec='minutes')}), more than {STALE_AFTER.total_seconds() / 3600:.0f}: "
                "`make pull` (is the schedule running in `make ui`?)"
            )
    return items


def taskforce_staleness(dates: list, today: dt.date, *, synthetic: bool = False) -> list[str]:
    """The newest snapshot when it is older than the usual interval between snapshots."""
    days = sorted({day for day in (_date(value) for value in dates) if day is not None})
    interval = usual_interval(days)
    if synthetic or interval is None:
        return []
    age = (today - days[-1]).days
    if age <= interval:
        return []
    return [
        f"the newest Taskforce snapshot is of {days[-1].isoformat()}, {age} days ago; they usually come every "
        f"{interval} days: add the newer one to taskforce/"
    ]


def usual_interval(days: list[dt.date]) -> int | None:
    """The median gap in days between consecutive dates (None with fewer than two)."""
    gaps = [(later - earlier).days for earlier, later in zip(days, days[1:])]
    return round(statistics.median(gaps)) if gaps else None


def _synthetic_taskforce(landing: Path) -> bool:
    files = list((landing / "taskforce").glob("*.csv")) if (landing / "taskforce").is_dir() else []
    return bool(files) and all(path.name.startswith("SYNTHETIC_") for path in files)


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None
