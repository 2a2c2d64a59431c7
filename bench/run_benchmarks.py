"""Benchmarks: reading a Qualtrics export and building the whole warehouse, for growing exports.

    .venv/bin/python bench/run_benchmarks.py [--sizes 195,5000,20000] [--out bench/results/]

For every size N (respondents) the script

1. writes a landing directory (setup, timed for information only): the 195 valid responses of the
   SYNTHETIC wave-1 sample (`synthetic.build_wave1_sample`) replicated to N rows, every
   copy with a fresh unique ResponseId (`<id>_<copy>`) but its own municipality text, answers and
   metadata, so the warehouse resolves, ranks and consolidates N real-looking respondents. Layout:
   `waves/w1_2023/codebook.yaml` (copy of the seed codebook), one export CSV (`build_export` +
   `write_export`, combined/numeric, qualtrics dialect), `taskforce/x.csv` (the sample's snapshots) and
   `overrides/municipality_names.csv` (the sample's analyst fix, so no copy is quarantined for it);
2. times `read_export` + `export_frames` (orchestration/survey/qualtrics_reader.py);
3. times the whole warehouse build in-process through Dagster, as tests/conftest.py does:
   `materialize(ALL_ASSETS, resources={"warehouse": ..., "dbt": dbt_resource()})` on an ephemeral
   instance; per-asset step durations come from the run's event log, dbt's per-node timings from the
   run's own `dbt_project/target/<op>-<run id>-<uuid>/run_results.json`.

Each stage runs in its own child process, so the peak RSS reported per stage (`resource.getrusage`,
`ru_maxrss`) belongs to that stage and size only; the build also reports the peak of its children
(the dbt subprocess, where DuckDB does the work).

Results: a table on stdout and, in `--out` (git-ignored), `summary.csv`, `summary.md`,
`dbt_nodes.csv` (every model and test per size) and `results.json`. Needs dbt's manifest
(`make bench` builds it first).
"""

from __future__ import annotations

import argparse
import copy
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
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

DEFAULT_SIZES = "195,5000,20000"
DEFAULT_OUT = BENCH_DIR / "results"
WAVE_ID = "w1_2023"
EXPORT_NAME = "SYNTHETIC_bench_export.csv"
TOP_MODELS = 8
TOP_TESTS = 5


# --- helpers ------------------------------------------------------------------------------------------

def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far, in MiB (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _landing_dir(work: Path) -> Path:
    return work / "landing"


# --- stage 1: write the landing directory (setup) -------------------------------------------------------

def replicate_valid_responses(sample, size: int) -> list:
    """`size` responses: the sample's valid ones, in file order, repeated with `_<copy>` ResponseIds.

    Copy 0 keeps the original ids (so size 195 is the sample's valid respondents exactly); each row
    keeps its municipality text (Q1), answers and metadata. An identical repeat is taken once.
    """
    valid_ids = {rid for rid, (status, _) in sample.intended_respondents.items() if status == "valid"}
    base, seen = [], set()
    for response in sample.responses:
        if response.response_id in valid_ids and response.response_id not in seen:
            seen.add(response.response_id)
            base.append(response)
    out = []
    for index in range(size):
        source = base[index % len(base)]
        copy_number = index // len(base)
        if copy_number == 0:
            out.append(source)
            continue
        response = copy.copy(source)  # answers etc. are only read by the writer: share them
        response.response_id = f"{source.response_id}_{copy_number}"
        response.metadata = dict(source.metadata, ResponseId=response.response_id)
        out.append(response)
    return out


def stage_write(size: int, work: Path) -> dict:
    from synthetic.qualtrics_writer import build_export, write_export
    from synthetic.sample import CODEBOOK_PATH, build_wave1_sample

    started = time.perf_counter()
    sample = build_wave1_sample()
    sample_seconds = time.perf_counter() - started
    responses = replicate_valid_responses(sample, size)

    landing = _landing_dir(work)
    if landing.exists():
        shutil.rmtree(landing)
    wave_dir = landing / "waves" / WAVE_ID
    wave_dir.mkdir(parents=True)
    shutil.copyfile(CODEBOOK_PATH, wave_dir / "codebook.yaml")
    (landing / "taskforce").mkdir()
    sample.taskforce.to_csv(landing / "taskforce" / "x.csv", index=False, lineterminator="\n", encoding="utf-8")
    (landing / "overrides").mkdir()
    lines = ["raw_text,nis_code"] + [
        ('"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text) + f",{code}"
        for text, code in sample.overrides
    ]
    (landing / "overrides" / "municipality_names.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    started = time.perf_counter()
    table = build_export(sample.codebook, responses)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    path = write_export(table, wave_dir / EXPORT_NAME)
    write_seconds = time.perf_counter() - started
    return {
        "export_path": str(path),
        "rows": len(table.rows),
        "columns": len(table.columns),
        "cells": len(table.rows) * len(table.columns),
        "file_mb": path.stat().st_size / 1e6,
        "sample_seconds": sample_seconds,
        "build_export_seconds": build_seconds,
        "write_export_seconds": write_seconds,
        "write_peak_rss_mb": _peak_rss_mb(),
    }


# --- stage 2: read the export ------------------------------------------------------------------------------

def stage_read(size: int, work: Path) -> dict:
    from orchestration.survey.qualtrics_reader import export_frames, read_export

    path = _landing_dir(work) / "waves" / WAVE_ID / EXPORT_NAME
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    parsed = read_export(path)
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    frames = export_frames(parsed, wave_id=WAVE_ID, source_file=f"waves/{WAVE_ID}/{EXPORT_NAME}",
                           loaded_at=dt.datetime.now(dt.UTC))
    frames_seconds = time.perf_counter() - started
    return {
        "read_rows": len(parsed.rows),
        "nonblank_cells": len(frames["export_cells"]),
        "read_export_seconds": parse_seconds,
        "export_frames_seconds": frames_seconds,
        "read_seconds": parse_seconds + frames_seconds,
        "read_baseline_rss_mb": baseline,
        "read_peak_rss_mb": _peak_rss_mb(),
    }


# --- stage 3: build the warehouse through Dagster --------------------------------------------------------

def _step_durations(instance, run_id: str) -> dict[str, float]:
    durations = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.event_type_value == "STEP_SUCCESS":
            durations[event.step_key] = event.event_specific_data.duration_ms / 1000
    return durations


def _run_results(run_id: str) -> Path | None:
    """This run's run_results.json: dagster-dbt names the target dir `<op>-<run id[:7]>-<uuid[:7]>`."""
    from orchestration.settings import DBT_PROJECT_DIR

    candidates = sorted((DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*/run_results.json"),
                        key=lambda path: path.stat().st_mtime)
    return candidates[-1] if candidates else None


def _dbt_nodes(run_results: dict) -> list[dict]:
    nodes = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        nodes.append({
            "unique_id": unique_id,
            "kind": unique_id.split(".", 1)[0],
            "name": unique_id.split(".")[2] if unique_id.startswith("model.") else unique_id.split(".", 2)[-1],
            "status": result.get("status"),
            "seconds": round(float(result.get("execution_time") or 0.0), 4),
        })
    return nodes


def _dbt_log_timings(log_path: Path) -> dict:
    """From dbt's JSON log (dagster-dbt puts it in the run's target dir): start-up + parse time, whether
    partial parsing was refused (and why), and dbt's whole process time."""
    if not log_path.exists():
        return {}
    stamps, partial_parse_refused = {}, []
    first = last = None
    for line in log_path.read_text(encoding="utf-8").splitlines():
        try:
            info = json.loads(line)["info"]
        except (ValueError, KeyError):
            continue
        stamp = dt.datetime.fromisoformat(info["ts"].replace("Z", "+00:00"))
        first = first or stamp
        last = stamp
        stamps.setdefault(info.get("name"), stamp)
        if info.get("name") == "UnableToPartialParse":
            partial_parse_refused.append(info.get("msg"))
    out = {"dbt_process_seconds": (last - first).total_seconds() if first else None,
           "dbt_partial_parse_refused": partial_parse_refused}
    if first and "FoundStats" in stamps:  # "Found N models, ..." closes parsing
        out["dbt_parse_seconds"] = (stamps["FoundStats"] - first).total_seconds()
    return out


def _warehouse_counts(db_path: Path) -> dict:
    import duckdb

    queries = {
        "raw_export_rows": "select count(*) from raw.export_rows",
        "raw_export_cells": "select count(*) from raw.export_cells",
        "valid_respondents": "select count(*) from marts.mart_respondent_resolution where status = 'valid'",
        "responding_municipalities": "select count(distinct nis_code) from marts.mart_respondent_resolution "
                                     "where status = 'valid'",
    }
    counts = {}
    with duckdb.connect(str(db_path), read_only=True) as connection:
        for name, sql in queries.items():
            try:
                counts[name] = connection.execute(sql).fetchone()[0]
            except duckdb.Error as error:  # a failed build may lack a table: report, don't crash
                counts[name] = f"error: {error}".splitlines()[0]
    return counts


def stage_build(size: int, work: Path, keep_dbt_target: bool) -> dict:
    from dagster import DagsterInstance, materialize

    from orchestration.definitions import ALL_ASSETS
    from orchestration.resources import WarehouseResource, dbt_resource

    db_path = work / "warehouse.duckdb"
    for leftover in (db_path, db_path.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    instance = DagsterInstance.ephemeral()
    resources = {
        "warehouse": WarehouseResource(db_path=str(db_path), landing_dir=str(_landing_dir(work))),
        "dbt": dbt_resource(),
    }
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    result = materialize(ALL_ASSETS, resources=resources, instance=instance, raise_on_error=False)
    build_seconds = time.perf_counter() - started

    out = {
        "build_success": result.success,
        "build_seconds": build_seconds,
        "steps": _step_durations(instance, result.run_id),
        "build_baseline_rss_mb": baseline,
        "build_peak_rss_mb": _peak_rss_mb(),
        "dbt_peak_rss_mb": _peak_rss_mb(resource.RUSAGE_CHILDREN),
        "db_mb": db_path.stat().st_size / 1e6 if db_path.exists() else None,
        "dbt_nodes": [],
        "dbt_elapsed_seconds": None,
        "dbt_parse_seconds": None,
    }
    if not result.success:
        failures = [event.message for event in result.all_events if event.is_failure]
        out["failures"] = [message[:2000] for message in failures if message]
    results_path = _run_results(result.run_id)
    if results_path is not None:
        run_results = json.loads(results_path.read_text(encoding="utf-8"))
        out["dbt_nodes"] = _dbt_nodes(run_results)
        out["dbt_elapsed_seconds"] = run_results.get("elapsed_time")
        out.update(_dbt_log_timings(results_path.parent / "dbt.log"))
        if not keep_dbt_target:
            shutil.rmtree(results_path.parent, ignore_errors=True)  # only this run's own target dir
    if db_path.exists():
        out["counts"] = _warehouse_counts(db_path)
    return out


# --- orchestration of one size ----------------------------------------------------------------------------

def run_worker(args: argparse.Namespace) -> None:
    stage, size, work = args.worker, args.worker_size, Path(args.worker_dir)
    if stage == "write":
        result = stage_write(size, work)
    elif stage == "read":
        result = stage_read(size, work)
    else:
        result = stage_build(size, work, args.keep_dbt_target)
    (work / f"{stage}.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


def run_stage(stage: str, size: int, work: Path, keep_dbt_target: bool) -> dict:
    """One stage in a fresh interpreter (own peak RSS, no warm caches from another stage)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", stage,
               "--worker-size", str(size), "--worker-dir", str(work)]
    if keep_dbt_target:
        command.append("--keep-dbt-target")
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    (work / f"{stage}.log").write_text(completed.stdout + completed.stderr, encoding="utf-8")
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr[-8000:])
        tail = completed.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        raise RuntimeError(f"stage {stage} for size {size} failed (exit {completed.returncode}): {tail[0]}")
    result = json.loads((work / f"{stage}.json").read_text(encoding="utf-8"))
    result[f"{stage}_process_seconds"] = wall
    return result


def measure(size: int, work_root: Path, keep_dbt_target: bool, skip_build: bool) -> dict:
    work = work_root / f"n{size}"
    work.mkdir(parents=True, exist_ok=True)
    row = {"size": size}
    for stage in ("write", "read") + (() if skip_build else ("build",)):
        print(f"  size {size}: {stage} ...", flush=True)
        try:
            row.update(run_stage(stage, size, work, keep_dbt_target))
        except RuntimeError as error:  # keep the other sizes; the failure goes into results.json
            row["error"] = str(error)
            row["build_success"] = False
            break
    return row


# --- reporting ---------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = [
    ("size", "respondents", "{}"),
    ("rows", "rows", "{}"),
    ("columns", "cols", "{}"),
    ("cells", "cells", "{}"),
    ("nonblank_cells", "non-blank cells", "{}"),
    ("file_mb", "file MB", "{:.1f}"),
    ("write_seconds", "write s (setup)", "{:.2f}"),
    ("read_export_seconds", "read_export s", "{:.2f}"),
    ("export_frames_seconds", "export_frames s", "{:.2f}"),
    ("read_seconds", "read s", "{:.2f}"),
    ("read_rows_per_s", "read rows/s", "{:,.0f}"),
    ("read_peak_rss_mb", "read peak RSS MB", "{:.0f}"),
    ("raw_load_seconds", "raw exports step s", "{:.2f}"),
    ("dbt_step_seconds", "dbt step s", "{:.1f}"),
    ("dbt_parse_seconds", "dbt parse s", "{:.1f}"),
    ("dbt_elapsed_seconds", "dbt elapsed s", "{:.1f}"),
    ("dbt_process_seconds", "dbt log span s", "{:.1f}"),
    ("build_seconds", "build s", "{:.1f}"),
    ("build_rows_per_s", "build rows/s", "{:,.0f}"),
    ("build_peak_rss_mb", "build peak RSS MB (dagster)", "{:.0f}"),
    ("dbt_peak_rss_mb", "peak RSS MB (dbt child)", "{:.0f}"),
    ("valid_respondents", "valid in mart", "{}"),
    ("build_success", "ok", "{}"),
]


def summarise(row: dict) -> dict:
    flat = dict(row)
    flat["write_seconds"] = row.get("build_export_seconds", 0) + row.get("write_export_seconds", 0)
    flat["read_rows_per_s"] = row["rows"] / row["read_seconds"] if row.get("read_seconds") and row.get("rows") else None
    flat["build_rows_per_s"] = None
    steps = row.get("steps", {})
    flat["raw_load_seconds"] = steps.get("qualtrics_exports")
    flat["dbt_step_seconds"] = steps.get("warehouse_dbt_models")
    if row.get("build_seconds") and row.get("build_success"):
        flat["build_rows_per_s"] = row["rows"] / row["build_seconds"]
    flat["valid_respondents"] = (row.get("counts") or {}).get("valid_respondents")
    return flat


def _fmt(value, pattern: str) -> str:
    if value is None:
        return "-"
    try:
        return pattern.format(value)
    except (ValueError, TypeError):
        return str(value)


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def node_table(rows: list[dict], kind: str, top: int) -> tuple[list[str], list[list[str]]]:
    """The slowest dbt nodes of `kind` (model/test) at the largest size, with their time at every size."""
    built = [row for row in rows if row.get("dbt_nodes")]
    if not built:
        return [], []
    largest = max(built, key=lambda row: row["size"])
    nodes = sorted((n for n in largest["dbt_nodes"] if n["kind"] == kind), key=lambda n: -n["seconds"])
    headers = [f"dbt {kind} (slowest at largest size)"] + [f"s @ {row['size']}" for row in built]
    by_size = {row["size"]: {n["unique_id"]: n["seconds"] for n in row["dbt_nodes"]} for row in built}
    table = [[node["name"][:90]] + [f"{by_size[row['size']].get(node['unique_id'], 0):.2f}" for row in built]
             for node in nodes[:top]]
    count = {row["size"]: sum(1 for n in row["dbt_nodes"] if n["kind"] == kind) for row in built}
    table.append([f"all {kind}s ({count[largest['size']]})"] + [
        f"{sum(n['seconds'] for n in row['dbt_nodes'] if n['kind'] == kind):.2f}" for row in built])
    return headers, table


def write_outputs(rows: list[dict], out: Path, meta: dict) -> str:
    out.mkdir(parents=True, exist_ok=True)
    flat = [summarise(row) for row in rows]
    keys = [key for key, _, _ in SUMMARY_COLUMNS]
    with (out / "summary.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(keys)
        for row in flat:
            writer.writerow(["" if row.get(key) is None else row.get(key) for key in keys])
    with (out / "dbt_nodes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["size", "kind", "name", "status", "seconds", "unique_id"])
        for row in rows:
            for node in row.get("dbt_nodes", []):
                writer.writerow([row["size"], node["kind"], node["name"], node["status"], node["seconds"],
                                 node["unique_id"]])
    (out / "results.json").write_text(json.dumps({"meta": meta, "sizes": rows}, indent=1, default=str),
                                      encoding="utf-8")

    summary = markdown_table([label for _, label, _ in SUMMARY_COLUMNS],
                             [[_fmt(row.get(key), pattern) for key, _, pattern in SUMMARY_COLUMNS] for row in flat])
    step_names = sorted({step for row in rows for step in row.get("steps", {})})
    steps = markdown_table(["dagster step"] + [f"s @ {row['size']}" for row in rows],
                           [[name] + [_fmt(row.get("steps", {}).get(name), "{:.2f}") for row in rows]
                            for name in step_names]) if step_names else ""
    headers, models = node_table(rows, "model", TOP_MODELS)
    test_headers, tests = node_table(rows, "test", TOP_TESTS)
    text = (f"# Benchmark results\n\n{meta['date']} on {meta['machine']}, Python {meta['python']}, "
            f"commit {meta.get('git', 'unknown')}\n\n"
            f"{summary}\n")
    if steps:
        text += f"\n## Dagster steps\n\n{steps}\n"
    if models:
        text += f"\n## dbt models\n\n{markdown_table(headers, models)}\n"
    if tests:
        text += f"\n## dbt tests\n\n{markdown_table(test_headers, tests)}\n"
    (out / "summary.md").write_text(text, encoding="utf-8")
    return text


def print_table(rows: list[dict]) -> None:
    columns = [("size", "size", "{}"), ("rows", "rows", "{}"), ("cells", "cells", "{}"),
               ("read_seconds", "read s", "{:.2f}"), ("build_seconds", "build s", "{:.1f}"),
               ("read_rows_per_s", "read rows/s", "{:,.0f}"), ("build_rows_per_s", "build rows/s", "{:,.0f}"),
               ("read_peak_rss_mb", "read RSS MB", "{:.0f}"), ("build_peak_rss_mb", "build RSS MB", "{:.0f}"),
               ("dbt_peak_rss_mb", "dbt RSS MB", "{:.0f}")]
    flat = [summarise(row) for row in rows]
    cells = [[label for _, label, _ in columns]] + [[_fmt(row.get(k), p) for k, _, p in columns] for row in flat]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    for line in cells:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths)))


def _git_describe() -> str:
    """Commit the numbers belong to, `+dirty` when the working tree differs (others commit meanwhile)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"respondents per run, comma-separated "
                        f"(default {DEFAULT_SIZES})")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="results directory (default bench/results/)")
    parser.add_argument("--work-dir", help="where landing dirs and warehouses go (default: a temporary "
                        "directory, removed afterwards)")
    parser.add_argument("--skip-build", action="store_true", help="only write and read the exports")
    parser.add_argument("--keep-dbt-target", action="store_true",
                        help="keep this run's dbt_project/target/<op>-<run>-<uuid>/ dirs")
    parser.add_argument("--worker", choices=("write", "read", "build"), help=argparse.SUPPRESS)
    parser.add_argument("--worker-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0

    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        parser.error("--sizes needs positive integers, e.g. 195,5000,20000")
    out = Path(args.out)
    out = out if out.is_absolute() else Path.cwd() / out
    meta = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sizes": sizes,
        "git": _git_describe(),
    }
    temporary = None
    if args.work_dir:
        work_root = Path(args.work_dir).resolve()
        work_root.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.TemporaryDirectory(prefix="warehouse-bench-")
        work_root = Path(temporary.name)
    rows = []
    started = time.perf_counter()
    try:
        for size in sizes:
            rows.append(measure(size, work_root, args.keep_dbt_target, args.skip_build))
            write_outputs(rows, out, meta)  # partial results survive an interrupted run
    finally:
        if temporary is not None:
            temporary.cleanup()
    print()
    print_table(rows)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; results in {out}")
    failed = [row["size"] for row in rows if row.get("build_success") is False]
    if failed:
        print(f"warehouse build FAILED for sizes {failed}: see {out / 'results.json'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
