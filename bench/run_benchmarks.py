"""Benchmarks, side by side in one run: what the warehouse costs next to what it could cost.

    .venv/bin/python bench/run_benchmarks.py [--sizes 10000,100000] [--refresh-size 10000] [--make-test]

Compared (ratios, not only seconds):

- the main job (`make run`'s path: `refresh_warehouse` over every wave, in-process, with a local Dagster
  instance) vs a bare `dbt build` of the same models on the same loaded raw tables: orchestration overhead;
- at `--refresh-size`: a Taskforce-only refresh (`refresh_taskforce` after a new snapshot) and an
  add-a-wave refresh (one wave partition) vs the full refresh they replace;
- at every size: the main job end to end (from an empty warehouse) vs a bare DuckDB `read_csv` scan of the
  same export (the practical limit) and vs a plain pandas implementation of `mart_question_result`
  (bench/pandas_question_results.py: what an analyst would write instead);
- the peak RSS of every process (each measurement runs in its own interpreter; dbt's is its child's);
- `make test` wall time (`--make-test`).

Setup per size N (not measured): a landing directory with the 195 valid responses of the SYNTHETIC
wave-1 sample replicated to N rows, each copy with its own ResponseId (`<id>_<copy>`), streamed to disk
so any N fits in memory; the sample's Taskforce snapshots and analyst override. dbt's partial parse is
warmed for each database path first, as it is for every run after the first on a deployment.

Results: the table on stdout and in `--out` (git-ignored): `summary.md`, `results.json`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
for path in (PROJECT_ROOT, BENCH_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

DEFAULT_SIZES = "10000,100000"
DEFAULT_OUT = BENCH_DIR / "results"
WAVE_ID = "w1_2023"
COPY_WAVE_ID = "w0_copy"
EXPORT_NAME = "SYNTHETIC_bench_export.csv"
LATER_SNAPSHOT = "2024-12-31"
RSS_GOAL_MIB = 4096


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# --- setup: landing directory ---------------------------------------------------------------------------


def write_landing(size: int, landing: Path) -> dict:
    """The sample's valid responses replicated to `size` rows, written row by row (constant memory)."""
    from synthetic.qualtrics_writer import build_export
    from synthetic.sample import CODEBOOK_PATH, build_wave1_sample

    sample = build_wave1_sample()
    valid = {rid for rid, (status, _) in sample.intended_respondents.items() if status == "valid"}
    base, seen = [], set()
    for response in sample.responses:
        if response.response_id in valid and response.response_id not in seen:
            seen.add(response.response_id)
            base.append(response)
    table = build_export(sample.codebook, base)
    id_column = [name for name, _, _ in table.columns].index("ResponseId")

    if landing.exists():
        shutil.rmtree(landing)
    wave_dir = landing / "waves" / WAVE_ID
    wave_dir.mkdir(parents=True)
    shutil.copyfile(CODEBOOK_PATH, wave_dir / "codebook.yaml")
    (landing / "taskforce").mkdir()
    sample.taskforce.to_csv(landing / "taskforce" / "snapshots.csv", index=False, lineterminator="\n")
    (landing / "overrides").mkdir()
    with (landing / "overrides" / "municipality_names.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["raw_text", "nis_code"])
        writer.writerows(sample.overrides)
    export = wave_dir / EXPORT_NAME
    with export.open("w", encoding="utf-8-sig", newline="") as handle:  # the qualtrics dialect
        writer = csv.writer(handle, delimiter=",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerows([list(part) for part in zip(*table.columns)])
        for index in range(size):
            row = table.rows[index % len(base)]
            copy_number = index // len(base)
            if copy_number:
                row = list(row)
                row[id_column] = f"{row[id_column]}_{copy_number}"
            writer.writerow(row)
    return {"rows": size, "columns": len(table.columns), "file_mb": export.stat().st_size / 1e6}


def add_taskforce_snapshot(landing: Path) -> None:
    """A later snapshot: the last date's rows again, dated LATER_SNAPSHOT, in a file of its own."""
    lines = (landing / "taskforce" / "snapshots.csv").read_text(encoding="utf-8").splitlines()
    last = max(line.split(",")[0] for line in lines[1:])
    later = [LATER_SNAPSHOT + line[len(last) :] for line in lines[1:] if line.startswith(last + ",")]
    (landing / "taskforce" / "later.csv").write_text("\n".join([lines[0], *later]) + "\n", encoding="utf-8")


def add_wave_copy(landing: Path) -> None:
    """A second wave: the first wave's files under another wave id."""
    copy = landing / "waves" / COPY_WAVE_ID
    shutil.copytree(landing / "waves" / WAVE_ID, copy)
    codebook = copy / "codebook.yaml"
    codebook.write_text(
        codebook.read_text(encoding="utf-8").replace(f"id: {WAVE_ID}", f"id: {COPY_WAVE_ID}"), encoding="utf-8"
    )


# --- measured stages (each in its own interpreter) ------------------------------------------------------


def dbt_parse(values: dict[str, str]) -> None:
    """Warm dbt's partial parse for one database path (setup, as after a deployment's first run)."""
    from orchestration.assets.dbt import keep_partial_parse, reuse_partial_parse
    from orchestration.settings import DBT_PROJECT_DIR

    target = Path(tempfile.mkdtemp(prefix="bench-parse-", dir=DBT_PROJECT_DIR / "target"))
    reuse_partial_parse(values, target)
    subprocess.run(
        [str(Path(sys.prefix) / "bin" / "dbt"), "parse", "--target", "dev"],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **values, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)},
        check=True,
        capture_output=True,
    )
    keep_partial_parse(values, target)
    shutil.rmtree(target, ignore_errors=True)


def stage_job(work: Path, job: str, partition: str | None, ephemeral: bool = False) -> dict:
    """A job as `make run` / the landing sensor start it: one in-process run on a local instance
    (`ephemeral`: on an in-memory instance, as the tests run it: no event storage on disk)."""
    os.environ["WAREHOUSE_DB_PATH"] = str(work / "warehouse.duckdb")
    os.environ["WAREHOUSE_LANDING_DIR"] = str(work / "landing")
    os.environ["DAGSTER_HOME"] = str(work / "dagster_home")
    # the instance `make run` has (the Makefile writes its dagster.yaml)
    home = work / "dagster_home"
    subprocess.run(
        ["make", "-s", str(home / "dagster.yaml"), f"DAGSTER_HOME={home}"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    from dagster import DagsterInstance

    from orchestration.assets.dbt import dbt_environment
    from orchestration.definitions import defs
    from orchestration.partitions import all_waves_tags, sync_wave_partitions
    from orchestration.survey.landing import discover_landing

    warehouse = defs.resources["warehouse"]
    dbt_parse(dbt_environment(str(warehouse.draft_path)))
    instance = DagsterInstance.ephemeral() if ephemeral else DagsterInstance.get()
    registered = sync_wave_partitions(instance, sorted(discover_landing(work / "landing").waves))
    tags = {} if job == "refresh_taskforce" or partition else all_waves_tags(registered)
    baseline = peak_rss_mib()
    started = time.perf_counter()
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags=tags,
        partition_key=partition,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    seconds = time.perf_counter() - started
    out = {
        "seconds": seconds,
        "success": result.success,
        "rss_mib": peak_rss_mib(),
        "baseline_rss_mib": baseline,
        "dbt_rss_mib": peak_rss_mib(resource.RUSAGE_CHILDREN),
        "steps": step_durations(instance, result.run_id),
        "dagster_events": dagster_event_count(instance, result.run_id),
    }
    results = run_results(result.run_id)
    if results is not None:
        out |= dbt_timings(results)
        if result.success:  # a failed run's dbt logs stay for reading
            shutil.rmtree(results.parent, ignore_errors=True)
    if not result.success:
        out["failures"] = [(event.message or "")[:2000] for event in result.all_events if event.is_failure]
    return out


def stage_bare_dbt(work: Path) -> dict:
    """`dbt build` of every model on a copy of the published warehouse (the raw tables the job loaded)."""
    from orchestration.assets.dbt import dbt_environment, keep_partial_parse, reuse_partial_parse
    from orchestration.settings import DBT_PROJECT_DIR

    database = work / "bare_dbt.duckdb"
    shutil.copyfile(work / "warehouse.duckdb", database)
    values = dbt_environment(str(database))
    dbt_parse(values)
    target = Path(tempfile.mkdtemp(prefix="bench-bare-", dir=DBT_PROJECT_DIR / "target"))
    reuse_partial_parse(values, target)
    started = time.perf_counter()
    completed = subprocess.run(
        [str(Path(sys.prefix) / "bin" / "dbt"), "build", "--target", "dev"],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            **values,
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(target),
            "DBT_LOG_FORMAT_FILE": "json",
        },
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    out = {
        "seconds": seconds,
        "success": completed.returncode == 0,
        "dbt_rss_mib": peak_rss_mib(resource.RUSAGE_CHILDREN),
    }
    out |= dbt_timings(target / "run_results.json")
    if completed.returncode:
        out["failures"] = [completed.stdout[-3000:]]
    keep_partial_parse(values, target)
    shutil.rmtree(target, ignore_errors=True)
    database.unlink(missing_ok=True)
    return out


def stage_scan(work: Path) -> dict:
    """DuckDB reading the export once (every record, every column as text): the practical limit."""
    import duckdb

    from orchestration.backends.duckdb_io import duckdb_config

    export = work / "landing" / "waves" / WAVE_ID / EXPORT_NAME
    started = time.perf_counter()
    with duckdb.connect(config=duckdb_config(work / "scan.duckdb")) as connection:
        rows, cells = connection.execute(
            "select count(*), sum(list_count(list_filter([*columns(*)], lambda v: v <> ''))) "
            "from read_csv(?, header = false, skip = 3, all_varchar = true, delim = ',')",
            [str(export)],
        ).fetchone()
    return {
        "seconds": time.perf_counter() - started,
        "success": True,
        "rss_mib": peak_rss_mib(),
        "rows": rows,
        "cells": cells,
    }


def stage_pandas(work: Path) -> dict:
    """bench/pandas_question_results.py on the same export; afterwards (not timed) its rows vs the mart."""
    import duckdb
    import pandas as pd
    from pandas_question_results import question_results

    from orchestration.settings import REFERENCE_DIR
    from orchestration.survey.codebook import load_codebook

    landing = work / "landing"
    codebook = load_codebook(landing / "waves" / WAVE_ID / "codebook.yaml")
    started = time.perf_counter()
    result = question_results(
        landing / "waves" / WAVE_ID / EXPORT_NAME,
        codebook,
        REFERENCE_DIR / "municipalities_2019_2024.csv",
        landing / "overrides" / "municipality_names.csv",
    )
    seconds = time.perf_counter() - started
    out = {"seconds": seconds, "success": True, "rss_mib": peak_rss_mib(), "rows": len(result)}
    database = work / "warehouse.duckdb"
    if database.exists():
        with duckdb.connect(str(database), read_only=True) as connection:
            mart = connection.execute(
                "select question_id, row_code, choice_code, n_selected, n_answered, pct "
                "from marts.mart_question_result where wave_id = ?",
                [WAVE_ID],
            ).df()
            units = connection.execute(
                "select count(distinct nis_code) from marts.mart_respondent_resolution "
                "where wave_id = ? and status = 'valid'",
                [WAVE_ID],
            ).fetchall()[0][0]
        key = ["question_id", "row_code", "choice_code"]
        for frame in (mart, result):
            for column in ("row_code", "choice_code"):
                frame[column] = pd.to_numeric(frame[column]).astype("Int64").fillna(-1)  # NULL joins NULL
        both = mart.merge(result, on=key, how="left", suffixes=("", "_pandas"))
        same = (both["n_selected"] == both["n_selected_pandas"]) & (both["n_answered"] == both["n_answered_pandas"])
        out["agrees_with_mart"] = f"{int(same.fillna(False).sum())}/{len(mart)} rows"
        out["max_pct_difference"] = float((both["pct"] - both["pct_pandas"]).abs().max())
        out["municipalities"] = (
            f"pandas {result.loc[result['unit'] == 'municipality', 'n_answered'].max()}, mart {units}"
        )
    return out


def step_durations(instance, run_id: str) -> dict[str, float]:
    durations = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.event_type_value == "STEP_SUCCESS":
            durations[event.step_key] = round(event.event_specific_data.duration_ms / 1000, 2)
    return durations


def dagster_event_count(instance, run_id: str) -> int:
    """Dagster events the run wrote (the planned ones included): each is one write to the event storage."""
    return sum(1 for entry in instance.all_logs(run_id) if entry.dagster_event is not None)


def run_results(run_id: str) -> Path | None:
    """This run's run_results.json (target dir `<op>-<run id[:7]>-<uuid[:7]>`)."""
    from orchestration.settings import DBT_PROJECT_DIR

    found = sorted(
        (DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*/run_results.json"), key=lambda path: path.stat().st_mtime
    )
    return found[-1] if found else None


def dbt_timings(results_path: Path) -> dict:
    """dbt's own account: models and tests seconds, slowest models, parse time, refused partial parses."""
    if not results_path.exists():
        return {}
    results = json.loads(results_path.read_text(encoding="utf-8"))
    nodes = [(r["unique_id"], float(r.get("execution_time") or 0)) for r in results.get("results", [])]
    out = {
        "dbt_elapsed": results.get("elapsed_time"),
        "dbt_models_s": round(sum(s for uid, s in nodes if uid.startswith("model.")), 1),
        "dbt_tests_s": round(sum(s for uid, s in nodes if uid.startswith("test.")), 1),
        "dbt_nodes": len(nodes),
        "dbt_errors": [
            (r["unique_id"].split(".")[-1], r.get("status"), (r.get("message") or "")[:300])
            for r in results.get("results", [])
            if r.get("status") in ("error", "fail")
        ][:10],
        "slowest_models": [
            (uid.split(".")[-1], round(s, 1))
            for uid, s in sorted((n for n in nodes if n[0].startswith("model.")), key=lambda n: -n[1])[:5]
        ],
    }
    log = results_path.parent / "dbt.log"
    if log.exists():
        first = found = None
        refused = []
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                info = json.loads(line)["info"]
            except (ValueError, KeyError, TypeError):
                continue
            stamp = dt.datetime.fromisoformat(info["ts"].replace("Z", "+00:00"))
            first = first or stamp
            if info.get("name") == "FoundStats" and found is None:
                found = stamp
            if info.get("name") == "UnableToPartialParse":
                refused.append(info.get("msg"))
        out["dbt_parse_s"] = round((found - first).total_seconds(), 1) if first and found else None
        out["partial_parse_refused"] = refused
    return out


STAGES = {"write": None, "job": None, "bare_dbt": stage_bare_dbt, "scan": stage_scan, "pandas": stage_pandas}


def run_worker(args: argparse.Namespace) -> None:
    work = Path(args.worker_dir)
    if args.worker == "write":
        result = write_landing(args.worker_size, work / "landing") | {"rss_mib": peak_rss_mib()}
    elif args.worker == "job":
        result = stage_job(work, args.job, args.partition, args.ephemeral)
    else:
        result = STAGES[args.worker](work)
    (work / "stage.json").write_text(json.dumps(result, default=str), encoding="utf-8")


def run_stage(
    work: Path,
    stage: str,
    *,
    size: int = 0,
    job: str = "",
    partition: str | None = None,
    label: str = "",
    ephemeral: bool = False,
) -> dict:
    """One measurement in a fresh interpreter, at low priority (the machine is shared)."""
    command = [
        "nice",
        "-n",
        "5",
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        stage,
        "--worker-dir",
        str(work),
        "--worker-size",
        str(size),
        "--job",
        job,
    ]
    if partition:
        command += ["--partition", partition]
    if ephemeral:
        command.append("--ephemeral")
    print(f"  {work.name}: {label or stage} ...", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    (work / f"{label or stage}.log").write_text(completed.stdout + completed.stderr, encoding="utf-8")
    if completed.returncode != 0:
        return {"success": False, "process_seconds": wall, "failures": [completed.stderr[-3000:]]}
    result = json.loads((work / "stage.json").read_text(encoding="utf-8"))
    result["process_seconds"] = wall
    if result.get("success") is False:
        print(f"    FAILED: {str(result.get('failures'))[:500]}", flush=True)
    return result


def measure_size(size: int, root: Path, refresh: bool, bare_dbt: bool) -> dict:
    work = root / f"n{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = {"size": size, "write": run_stage(work, "write", size=size)}
    out["end_to_end"] = run_stage(work, "job", job="refresh_warehouse", label="main job (empty warehouse)")
    if bare_dbt or refresh:
        # The run a deployment repeats (schedule, sensor, `make run` again): published warehouse present.
        out["full"] = run_stage(work, "job", job="refresh_warehouse", label="main job, repeated (full refresh)")
    if bare_dbt:
        out["bare_dbt"] = run_stage(work, "bare_dbt", label="bare dbt build")
        out["in_memory"] = run_stage(
            work, "job", job="refresh_warehouse", ephemeral=True, label="main job, in-memory Dagster instance"
        )
    out["scan"] = run_stage(work, "scan", label="duckdb read_csv")
    out["pandas"] = run_stage(work, "pandas", label="pandas")
    if refresh:
        add_taskforce_snapshot(work / "landing")
        out["taskforce"] = run_stage(work, "job", job="refresh_taskforce", label="taskforce refresh")
        add_wave_copy(work / "landing")
        out["add_wave"] = run_stage(work, "job", job="refresh_warehouse", partition=COPY_WAVE_ID, label="add a wave")
        out["full_two_waves"] = run_stage(work, "job", job="refresh_warehouse", label="full refresh, two waves")
    if all(stage.get("success") is not False for stage in out.values() if isinstance(stage, dict)):
        shutil.rmtree(work, ignore_errors=True)  # a failure's landing, warehouse and logs stay
    return out


def measure_make_test() -> dict:
    print("  make test ...", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(["nice", "-n", "5", "make", "test"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return {
        "seconds": time.perf_counter() - started,
        "success": completed.returncode == 0,
        "tail": completed.stdout[-500:],
    }


# --- the table -------------------------------------------------------------------------------------------


def seconds(stage: dict | None) -> float | None:
    return stage.get("seconds") if stage and stage.get("success") else None


def ratio_row(
    what: str, size, a_name: str, a: dict | None, b_name: str, b: dict | None, goal: str, met=None
) -> list[str]:
    sa, sb = seconds(a), seconds(b)
    value = sa / sb if sa is not None and sb else None
    verdict = "-" if value is None or met is None else ("yes" if met(value) else "NO")
    return [
        what,
        f"{size:,}" if isinstance(size, int) else str(size),
        f"{a_name} {fmt(sa)} s",
        f"{b_name} {fmt(sb)} s",
        fmt(value, "{:.2f}"),
        goal,
        verdict,
    ]


def fmt(value, pattern: str = "{:.1f}") -> str:
    return "-" if value is None else pattern.format(value)


def table(sizes: list[dict], make_test: dict | None) -> str:
    rows = []
    for row in sizes:
        n = row["size"]
        if "bare_dbt" in row:
            rows.append(
                ratio_row(
                    "main job / bare dbt build",
                    n,
                    "job",
                    row["end_to_end"],
                    "dbt",
                    row["bare_dbt"],
                    "≤ 1.3",
                    lambda v: v <= 1.3,
                )
            )
            rows.append(
                ratio_row(
                    "main job repeated (full refresh) / bare dbt build",
                    n,
                    "job",
                    row.get("full"),
                    "dbt",
                    row["bare_dbt"],
                    "≤ 1.3",
                    lambda v: v <= 1.3,
                )
            )
            rows.append(
                ratio_row(
                    "main job, in-memory instance / bare dbt build",
                    n,
                    "job",
                    row.get("in_memory"),
                    "dbt",
                    row["bare_dbt"],
                    "≤ 1.3",
                    lambda v: v <= 1.3,
                )
            )
        if "taskforce" in row:
            rows.append(
                ratio_row(
                    "Taskforce-only refresh / full refresh",
                    n,
                    "taskforce",
                    row["taskforce"],
                    "full",
                    row["full"],
                    "≤ 0.5",
                    lambda v: v <= 0.5,
                )
            )
            rows.append(
                ratio_row(
                    "add-a-wave refresh / full refresh of both waves",
                    n,
                    "one wave",
                    row["add_wave"],
                    "full",
                    row["full_two_waves"],
                    "(none)",
                )
            )
        rows.append(
            ratio_row(
                "end to end / DuckDB read_csv scan", n, "job", row["end_to_end"], "scan", row["scan"], "(the limit)"
            )
        )
        rows.append(
            ratio_row(
                "pandas / end to end (speed-up)",
                n,
                "pandas",
                row["pandas"],
                "job",
                row["end_to_end"],
                "≥ 10",
                lambda v: v >= 10,
            )
        )
        peaks = {
            "dagster": row["end_to_end"].get("rss_mib"),
            "dbt": row["end_to_end"].get("dbt_rss_mib"),
            "scan": row["scan"].get("rss_mib"),
            "pandas": row["pandas"].get("rss_mib"),
        }
        known = [v for k, v in peaks.items() if v is not None and k in ("dagster", "dbt")]
        worst = max(known) if known else None
        rows.append(
            [
                "peak RSS per process, MiB",
                f"{n:,}",
                ", ".join(f"{k} {fmt(v, '{:.0f}')}" for k, v in peaks.items()),
                "",
                fmt(worst, "{:.0f}") + " (warehouse)",
                f"≤ {RSS_GOAL_MIB}",
                "-" if worst is None else ("yes" if worst <= RSS_GOAL_MIB else "NO"),
            ]
        )
    if make_test:
        value = make_test["seconds"] if make_test["success"] else None
        rows.append(
            [
                "make test wall time",
                "",
                f"{fmt(value)} s",
                "",
                "",
                "≤ 180 s",
                "-" if value is None else ("yes" if value <= 180 else "NO"),
            ]
        )
    headers = ["comparison", "respondents", "A", "B", "A / B", "goal", "met"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def details(sizes: list[dict]) -> str:
    """Where the time goes: Dagster steps, dbt's parse/models/tests, pandas' agreement with the mart."""
    lines = []
    for row in sizes:
        for name in (
            "end_to_end",
            "bare_dbt",
            "in_memory",
            "full",
            "taskforce",
            "add_wave",
            "full_two_waves",
            "scan",
            "pandas",
        ):
            stage = row.get(name)
            if not stage:
                continue
            keys = (
                "seconds",
                "process_seconds",
                "dbt_parse_s",
                "dbt_models_s",
                "dbt_tests_s",
                "dbt_nodes",
                "partial_parse_refused",
                "rows",
                "agrees_with_mart",
                "max_pct_difference",
                "municipalities",
                "rss_mib",
                "dbt_rss_mib",
                "dagster_events",
            )
            facts = ", ".join(
                f"{k} {fmt(stage[k], '{:.1f}') if isinstance(stage[k], float) else stage[k]}"
                for k in keys
                if stage.get(k) not in (None, [])
            )
            lines.append(f"- {row['size']:,} {name}: {facts}")
            if stage.get("steps"):
                slow = sorted(stage["steps"].items(), key=lambda item: -item[1])[:4]
                lines.append("  - steps: " + ", ".join(f"{k} {v:.1f}" for k, v in slow))
            if stage.get("slowest_models"):
                lines.append("  - slowest models: " + ", ".join(f"{k} {v}" for k, v in stage["slowest_models"]))
            if stage.get("success") is False:
                lines.append(f"  - FAILED: {str(stage.get('failures'))[:400]}")
            if stage.get("dbt_errors"):
                lines.append("  - dbt errors: " + "; ".join(f"{n} ({s}): {m}" for n, s, m in stage["dbt_errors"]))
    return "\n".join(lines)


def git_describe() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help=f"respondents, comma-separated (default {DEFAULT_SIZES})"
    )
    parser.add_argument(
        "--refresh-size",
        type=int,
        default=10000,
        help="size at which the Taskforce and add-a-wave refreshes are compared (default 10000)",
    )
    parser.add_argument(
        "--bare-dbt-max",
        type=int,
        default=100000,
        help="compare with a bare dbt build up to this size (default 100000)",
    )
    parser.add_argument("--make-test", action="store_true", help="also time `make test`")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--work-dir", help="where landing dirs and warehouses go (default: a temporary directory)")
    parser.add_argument("--worker", choices=tuple(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--worker-dir", help=argparse.SUPPRESS)
    parser.add_argument("--worker-size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--job", default="", help=argparse.SUPPRESS)
    parser.add_argument("--partition", help=argparse.SUPPRESS)
    parser.add_argument("--ephemeral", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0

    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "commit": git_describe(),
        "sizes": sizes,
    }
    temporary = None if args.work_dir else tempfile.TemporaryDirectory(prefix="warehouse-bench-")
    root = Path(args.work_dir or temporary.name).resolve()
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results, make_test = [], None
    try:
        for size in sizes:
            results.append(
                measure_size(size, root, refresh=size == args.refresh_size, bare_dbt=size <= args.bare_dbt_max)
            )
            (out / "results.json").write_text(json.dumps({"meta": meta, "sizes": results}, indent=1, default=str))
        if args.make_test:
            make_test = measure_make_test()
    finally:
        if temporary is not None:
            temporary.cleanup()
    text = (
        f"# Benchmark results\n\n{meta['date']}, {meta['machine']}, Python {meta['python']}, "
        f"commit {meta['commit']}\n\n{table(results, make_test)}\n\n## Details\n\n{details(results)}\n"
    )
    (out / "summary.md").write_text(text, encoding="utf-8")
    (out / "results.json").write_text(
        json.dumps({"meta": meta, "sizes": results, "make_test": make_test}, indent=1, default=str)
    )
    print()
    print(text)
    print(f"total {time.perf_counter() - started:.0f} s; results in {out}")
    failed = [
        row["size"]
        for row in results
        for stage in row.values()
        if isinstance(stage, dict) and stage.get("success") is False
    ]
    return 1 if failed or (make_test and not make_test["success"]) else 0


if __name__ == "__main__":
    sys.exit(main())
