"""What `make run` prints (orchestration/run_progress.py): a line per stage, warnings in full, a failure's error
once with its fix, and everything else in the run's log file. Small stand-in jobs whose steps carry the real
step names, so the stages are those of the refresh job; no warehouse is built."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from dagster import Definitions, Failure, MaterializeResult, asset, define_asset_job, in_process_executor
from dagster._utils.error import SerializableErrorInfo

from orchestration import run_progress
from orchestration.run_progress import Progress, RunConsole, explain, failure_lines

STAGE_LINE = re.compile(r"^(?P<stage>[a-z ]+?) +(?P<counter>\S+) +(?P<seconds>\d+\.\d)s(?:  (?P<detail>.*))?$")


def dbt_lines(total: int) -> list[str]:
    lines = [
        "Running with dbt=1.11.16",
        "1 of 1 START hook: project.on-run-start.0 ........ [RUN]",
        "1 of 1 OK hook: project.on-run-start.0 ........... [\x1b[32mOK\x1b[0m in 0.02s]",
    ]
    for number in range(1, total + 1):
        name = f"staging.stg_{number}" if number <= 2 else f"not_null_stg_{number}"
        lines.append(f"{number} of {total} START sql view model {name} ....... [RUN]")
        status = "OK created sql view model" if number <= 2 else ("WARN 2" if number == total else "PASS")
        lines.append(f"{number} of {total} {status} {name} ....... [\x1b[32m{status.split()[0]}\x1b[0m in 0.05s]")
    return lines + [f"Done. PASS={total - 3} WARN=1 ERROR=0 SKIP=0 NO-OP=0 TOTAL={total + 1}"]


def stand_in_job(failing: str | None = None, error: Exception | None = None):
    """landing -> codebooks -> dbt -> publish -> exports, named as the refresh job's steps."""

    def step(name: str, deps=(), body=None):
        @asset(name=name, deps=list(deps))
        def _asset(context):
            if name == failing:
                raise error
            return body(context) if body else MaterializeResult()

        return _asset

    def landing(context):
        context.log.warning("the landing directory holds SYNTHETIC files (not real survey data): 3")
        return MaterializeResult(metadata={"waves": "w1_2023", "files": "- `a.csv`\n- `b.csv`\n- `c.yaml`"})

    def dbt(_):
        for line in dbt_lines(5):
            print(line)
        return MaterializeResult()

    def exports(_):
        return MaterializeResult(metadata={"folder": "/data/exports", "files": "- `x.csv`\n- `y.xlsx`"})

    assets = [
        step("landing_directory", body=landing),
        step("wave_codebooks", ["landing_directory"]),
        step("warehouse_dbt_models", ["wave_codebooks"], body=dbt),
        step("published_warehouse", ["warehouse_dbt_models"]),
        step("wave_exports", ["published_warehouse"], body=exports),
    ]
    return Definitions(
        assets=assets, jobs=[define_asset_job("refresh", executor_def=in_process_executor)]
    ).resolve_job_def("refresh")


def run_job(job, tmp_path, verbose=False):
    out, run_id = io.StringIO(), str(uuid.uuid4())
    console = RunConsole(
        [node.name for node in job.graph.nodes_in_topological_order],
        tmp_path / "logs",
        run_id,
        verbose=verbose,
        out=out,
    )
    with console:
        result = job.with_logger_defs(console.logger_defs()).execute_in_process(
            raise_on_error=False, run_config=console.run_config(), run_id=run_id
        )
    return result, out.getvalue().splitlines(), console.log_path.read_text(encoding="utf-8")


def test_a_run_prints_one_line_per_stage_and_its_warning_and_logs_the_rest(tmp_path):
    result, lines, log = run_job(stand_in_job(), tmp_path)
    assert result.success
    assert (
        lines[0] == "warning (landing_directory): the landing directory holds SYNTHETIC files (not real survey data): 3"
    )
    stages = [STAGE_LINE.match(line) for line in lines[1:]]
    assert all(stages), lines
    assert [(m["stage"], m["counter"], m["detail"]) for m in stages] == [
        ("landing inventory", "1/1", "3 files, waves w1_2023"),
        ("raw loads", "1/1", "1 table"),
        ("dbt models and tests", "5/5", "2 models, 2 tests passed; 1 warned"),  # dbt's hook is not a node
        ("publish", "1/1", "1 asset"),
        ("exports", "1/1", "2 files in /data/exports"),
    ]
    # the full log: dbt's own lines and Dagster's events, none of which reached the terminal
    assert "3 of 5 PASS not_null_stg_3" in log and "STEP_SUCCESS" in log and "RUN_SUCCESS" in log
    assert not any("STEP_" in line or " of 5 " in line for line in lines)


def test_a_failure_is_printed_once_with_its_fix_and_the_steps_it_left_out_in_one_line(tmp_path):
    problem = Failure(
        description="codebooks not loaded; the warehouse is unchanged:\n"
        "invalid codebook /landing/waves/w1_2023/codebook.yaml: line 19, column 18"
    )
    result, lines, log = run_job(stand_in_job("wave_codebooks", problem), tmp_path)
    assert not result.success
    assert lines[-2].startswith("raw loads") and "FAILED: wave_codebooks (the error is below)" in lines[-2]
    assert lines[-1] == "not run (an earlier step failed): dbt models and tests, publish, exports"
    assert not any("Dependencies for step" in line or "codebook.yaml" in line for line in lines)
    report = failure_lines(result.all_events)
    assert report == [
        "wave_codebooks failed: codebooks not loaded; the warehouse is unchanged:",
        "invalid codebook /landing/waves/w1_2023/codebook.yaml: line 19, column 18",
        "Fix: correct the landing file(s) named above, then run `make run` again.",
    ]
    assert "Stack Trace" in log and "Dependencies for step" in log  # all of it is in the log file


def test_an_unexpected_error_keeps_its_type_and_points_to_the_stack_trace_in_the_log(tmp_path):
    result, _, log = run_job(stand_in_job("published_warehouse", KeyError("size_mb")), tmp_path)
    report = failure_lines(result.all_events)
    assert report[0] == "published_warehouse failed: KeyError: 'size_mb'"
    assert report[1] == "An unexpected error: its stack trace is in the log file below."
    assert len(report) == 2 and "KeyError" in log


def test_verbose_streams_the_log_instead_of_the_stages(tmp_path):
    result, lines, log = run_job(stand_in_job(), tmp_path, verbose=True)
    assert result.success
    assert "\n".join(lines) + "\n" == log  # the terminal gets the log file's lines, as they are written
    assert "4 of 5 PASS not_null_stg_4 ....... [\x1b[32mPASS\x1b[0m in 0.05s]" in lines
    assert not any(STAGE_LINE.match(line) for line in lines)


def test_a_dbt_error_is_shortened_to_dbts_own_errors_and_its_debug_log():
    message = (
        "dagster_dbt.errors.DagsterDbtCliRuntimeError: The dbt CLI process with command\n\n"
        "`/venv/bin/dbt build --select very long selection`\n\n"
        "failed with exit code `1`. Check the stdout in the Dagster compute logs for the full information about "
        "the error, or view the dbt debug log: /repo/dbt_project/target/run-1/dbt.log.\n\n"
        "Errors parsed from dbt logs:\n\n"
        "\x1b[31mFailure in test not_null_mart_x_id (models/marts/_marts.yml)\x1b[0m\n\n"
        "  Got 3 results, configured to fail if != 0"
    )
    error = SerializableErrorInfo(message=message, stack=[], cls_name="DagsterDbtCliRuntimeError")
    lines, fix = explain(error, "warehouse_dbt_models")
    assert lines[0] == "dbt build failed (exit code 1):"
    assert lines[1:3] == [
        "Failure in test not_null_mart_x_id (models/marts/_marts.yml)",  # no colours, no blank lines
        "  Got 3 results, configured to fail if != 0",
    ]
    assert lines[-1] == "dbt's debug log: /repo/dbt_project/target/run-1/dbt.log"
    assert not any("very long selection" in line or "compute logs" in line for line in lines)
    assert fix.startswith("Fix: correct the data (or the model) behind the dbt model(s) or test(s) named above")


def test_on_a_terminal_the_running_stage_is_a_counter_updated_in_place():
    now = [0.0]
    out = io.StringIO()
    progress = Progress(out, ["warehouse_dbt_models"], live=True, clock=lambda: now[0], width=lambda: 120)

    class Started:  # the parts of Dagster's STEP_START event Progress reads
        from dagster import DagsterEventType

        event_type, step_key = DagsterEventType.STEP_START, "warehouse_dbt_models"

    progress.record(10, "warehouse_dbt_models", Started, "")
    for line in dbt_lines(5):
        now[0] += 1.0
        progress.dbt_line(line)
    screens = out.getvalue().split("\r\x1b[K")
    assert "\n" not in out.getvalue()  # nothing is finished yet: one line, rewritten
    assert any(
        screen.startswith("dbt models and tests       3/5  [############........]")
        and screen.endswith("not_null_stg_3")
        for screen in screens
    ), screens
    progress.close()  # the counter's line becomes the stage's line
    assert (
        out.getvalue().rpartition("\r\x1b[K")[2]
        == "dbt models and tests       5/5    14.0s  2 models, 2 tests passed; 1 warned\n"
    )


def test_every_step_of_the_refresh_job_belongs_to_a_named_stage():
    from orchestration.definitions import defs

    for name in ("refresh_warehouse", "refresh_taskforce"):
        steps = [node.name for node in defs.resolve_job_def(name).graph.nodes_in_topological_order]
        assert set(steps) <= set(run_progress.STAGES), set(steps) - set(run_progress.STAGES)


def test_old_run_logs_are_pruned(tmp_path):
    for number in range(25):
        (tmp_path / f"run-2026010{number:02d}-000000-abc.log").write_text("x")
    run_progress.prune_logs(tmp_path, keep=20)
    assert len(list(tmp_path.glob("run-*.log"))) == 20


@pytest.mark.parametrize("target, expected", [("duckdb", "w.duckdb.logs"), ("postgres", "postgres.logs")])
def test_the_run_log_lies_beside_the_warehouse(monkeypatch, tmp_path, target, expected):
    monkeypatch.setenv("WAREHOUSE_DB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("WAREHOUSE_TARGET", target)
    assert run_progress.run_log_dir().name == expected
