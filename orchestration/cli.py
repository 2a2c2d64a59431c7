"""`python -m orchestration.cli run`: what `make run` does — the main job, in-process, then a summary.
`python -m orchestration.cli query "select ..."`: one read-only query on the published warehouse.
`python -m orchestration.cli rollback [ID]`: list the kept warehouses, or publish one of them again.
`python -m orchestration.cli analyst-role [--login NAME]`: on PostgreSQL, the analysts' read-only role.
`python -m orchestration.cli codebook QSF [--compare-to EARLIER]`: a wave's codebook from its survey.qsf, with
comparable_to proposals against an earlier wave (orchestration/survey/codebook_draft.py).
`python -m orchestration.cli pull [--wave ID]`: the connected waves' responses from the Qualtrics API into the
landing directory (orchestration/qualtrics/command.py)."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import uuid

from dagster import DagsterInstance

from orchestration import settings
from orchestration.backends import current_backend, postgres_io
from orchestration.backends.publishing import PublishError, kept_warehouses
from orchestration.backends.publishing import rollback as rollback_to
from orchestration.build_inputs import nothing_changed
from orchestration.partitions import all_waves_tags, sync_wave_partitions
from orchestration.reporting import (
    missing_question_findings,
    not_loaded_sentence,
    report_figure_mismatches,
    report_waves_not_loaded,
)
from orchestration.resources import default_resources
from orchestration.survey.landing import discover_landing


def published_warehouse():
    """The published warehouse, read-only (a context manager; the backend WAREHOUSE_TARGET names)."""
    return current_backend().open_published()


EXAMPLE_QUERY = (
    "select figure_id, count, base_n, pct, pct_printed, matches_report\n"
    "from marts.mart_report_figures order by figure_id limit 10;"
)


def run(verbose: bool = False, force: bool = False) -> int:
    """The refresh job, in-process: one line per stage while it runs, then the summary (or the error, once).
    The full dbt and Dagster log goes to a file whose path is printed (orchestration/run_progress.py);
    `verbose` streams that log as it is written. Unless `force`, a published warehouse built from exactly
    this landing and this project (orchestration/build_inputs.py) is left as it is, and said so."""
    db_path = current_backend().describe()
    if not force:
        build = default_resources()["warehouse"].published_build()
        if nothing_changed(build, settings.landing_dir()):
            print(
                f"Nothing changed since {db_path} was built ({build['built_at']}): the same landing files, "
                "code, models and seeds. Nothing was rebuilt (`make run FORCE=1` rebuilds anyway)."
            )
            print_published(db_path)
            return 0
    from orchestration import run_progress
    from orchestration.definitions import defs  # the code location, loaded only when there is work

    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    print(f"Building the warehouse from {settings.landing_dir()} (run history: Dagster UI, `make ui`) ...", flush=True)
    # Every wave folder is a partition; the run covers all of them (a missing landing directory is
    # reported by the run itself).
    waves = sorted(discover_landing(settings.landing_dir()).waves) if settings.landing_dir().is_dir() else []
    job = defs.resolve_job_def("refresh_warehouse")
    run_id = str(uuid.uuid4())  # given to the run, so that the log file's name carries it
    console = run_progress.RunConsole(
        [node.name for node in job.graph.nodes_in_topological_order],
        run_progress.run_log_dir(),
        run_id,
        verbose=verbose,
        header=[
            f"refresh_warehouse run {run_id}: landing {settings.landing_dir()}, "
            f"warehouse {db_path}, started {datetime.datetime.now().astimezone().isoformat()}"
        ],
    )
    with console:
        result = job.with_logger_defs(console.logger_defs()).execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=all_waves_tags(sync_wave_partitions(instance, waves)),
            run_config=console.run_config(),
            run_id=run_id,
        )
    if not result.success:
        print("", file=sys.stderr)
        for line in run_progress.failure_lines(result.all_events):
            print(line, file=sys.stderr)
        # Only the last step replaces the file, in one rename: if it did not succeed, this run changed nothing
        # (another run may have published meanwhile, which is why the file itself is not compared).
        published = any(
            event.is_step_success and event.step_key == "published_warehouse" for event in result.all_events
        )
        if not published:
            print(f"refresh_warehouse failed; this run left the warehouse at {db_path} as it was.", file=sys.stderr)
        else:
            print(
                f"refresh_warehouse published {db_path} but then failed; the previous warehouse is kept "
                "(`make rollback`).",
                file=sys.stderr,
            )
        print(f"Full log (dbt and Dagster): {console.log_path}", file=sys.stderr)
        return 1
    print(f"Full log (dbt and Dagster): {console.log_path}")
    print_published(db_path)
    return 0


def print_published(db_path) -> None:
    """Where the published warehouse is, what it holds, and how to open it."""
    print(f"\nWarehouse: {db_path}")
    print(f"Landing directory: {settings.landing_dir()}")
    with published_warehouse() as connection:
        print("\n".join(summary_lines(connection)))
    print(f"\n{current_backend().open_hint()}")
    print(f"Example query:\n{EXAMPLE_QUERY}")


def summary_lines(connection) -> list[str]:
    """What `make run` prints about the published warehouse: marts, waves, rows, figure check, and
    questions an export has no column for."""
    tables = connection.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    ).fetchall()
    lines = ["Marts: " + ", ".join(f"marts.{name}" for (name,) in tables)]
    waves = connection.execute(
        "select wave_id, municipality_map from marts.mart_wave_loads where in_landing order by wave_id"
    ).fetchall()
    lines.append("Waves: " + ", ".join(f"{wave_id} ({municipality_map} map)" for wave_id, municipality_map in waves))
    trend_rows = connection.execute("select count(*) from marts.mart_question_trend").fetchone()[0]
    lines.append(f"Trend rows (marts.mart_question_trend, questions with comparable_to): {trend_rows}")
    statuses = dict(
        connection.execute("select status, count(*) from marts.mart_respondent_resolution group by status").fetchall()
    )
    lines.append("Export rows: " + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())))
    mismatches = report_figure_mismatches(connection)
    total = connection.execute("select count(*) from marts.mart_report_figure_comparison").fetchone()[0]
    if total:
        lines.append(f"Published figures reproduced: {total - len(mismatches)} of {total}")
    not_loaded = report_waves_not_loaded(connection)
    if not_loaded:
        lines.append(not_loaded_sentence(not_loaded))
    for wave_id, figure_id, kind, *_, explanation in mismatches:
        lines.append(f"  not matching: {wave_id} {figure_id} ({kind}): {explanation}")
    missing = missing_question_findings(connection)
    if missing:
        lines.append(
            f"Data quality: {len(missing)} question(s) without a column in an export "
            "(their n counts only the other exports; marts.mart_data_quality_findings):"
        )
        lines.extend(f"  {finding}" for finding in missing)
    from orchestration.freshness import stale_lines  # a connected wave's last pull, the Taskforce snapshot

    lines.extend(stale_lines(connection))
    return lines


def query(sql: str) -> int:
    """Runs one SQL statement on the published warehouse, read-only, and prints the result."""
    backend = current_backend()
    with backend.open_published() as connection:
        backend.print_query(connection, sql)
    return 0


def analyst_role(login: str | None) -> int:
    """Creates or refreshes the read-only role on the PostgreSQL server the PG* variables name; with
    `--login`, also a login role in it (password from ANALYST_PASSWORD, if set)."""
    with postgres_io.connect(autocommit=True) as connection:
        role = postgres_io.create_analyst_role(connection, login=login, password=os.environ.get("ANALYST_PASSWORD"))
    print(
        f"role {role}: reads schema {', '.join(postgres_io.ANALYST_SCHEMAS)}, nothing else"
        + (f"; login {login} is a member" if login else "")
    )
    return 0


def rollback(kept_id: str | None) -> int:
    """Without an id: the kept warehouses, newest first, with what each was built from. With one: publish it."""
    refusal = current_backend().rollback_refusal
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    db_path = settings.warehouse_db_path()
    if not kept_id:
        kept = kept_warehouses(db_path)
        print(f"Warehouses kept for {db_path} (newest first; `make rollback TO=<id>` publishes one again):")
        for warehouse in kept:
            info = warehouse.info
            dates = info.get("taskforce_dates") or []
            date_range = f"{len(dates)} ({dates[0]} … {dates[-1]})" if dates else "?"
            print(
                f"  {warehouse.id}  built {info.get('built_at', '?')}  waves {','.join(info.get('waves', [])) or '?'}  "
                f"Taskforce dates {date_range}  commit {info.get('commit', '?')[:12]}\n"
                f"      from {info.get('landing_dir', '?')} ({len(info.get('files', []))} files, "
                f"fingerprint {info.get('landing_fingerprint', '?')[:12]})"
            )
        if not kept:
            print("  (none yet: a warehouse is kept when a run replaces it)")
        return 0
    try:
        chosen = rollback_to(db_path, kept_id)
    except PublishError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(f"{db_path} is now the warehouse kept as {chosen.id}; the one it replaced is kept too.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="build the warehouse (the refresh_warehouse job) and print a summary")
    run_parser.add_argument(
        "--verbose",
        action="store_true",
        help="stream dbt's output and Dagster's event log (otherwise in the run's log file)",
    )
    run_parser.add_argument(
        "--force", action="store_true", help="rebuild even when nothing changed since the published warehouse was built"
    )
    query_parser = commands.add_parser("query", help="run one SQL statement on the published warehouse, read-only")
    query_parser.add_argument("sql")
    rollback_parser = commands.add_parser("rollback", help="list the kept warehouses, or publish one again")
    rollback_parser.add_argument("id", nargs="?", help="the kept warehouse's id (from the list)")
    role_parser = commands.add_parser("analyst-role", help="PostgreSQL: create the analysts' read-only role")
    role_parser.add_argument("--login", help="also create this login role as a member (password: ANALYST_PASSWORD)")
    codebook_parser = commands.add_parser(
        "codebook",
        help="print a wave's codebook derived from its survey.qsf (with an earlier wave: comparable_to proposals)",
    )
    codebook_parser.add_argument("qsf", help="the wave's survey.qsf (an overlay codebook.yaml beside it is applied)")
    codebook_parser.add_argument("--compare-to", help="an earlier wave's codebook.yaml or survey.qsf")
    pull_parser = commands.add_parser(
        "pull",
        help="pull the connected waves' responses from the Qualtrics API "
        "into the landing directory (QUALTRICS_API_TOKEN, QUALTRICS_BASE_URL)",
    )
    pull_parser.add_argument("--wave", help="only this wave (its folder name)")
    arguments = parser.parse_args(argv)
    if arguments.command == "codebook":
        from orchestration.survey.codebook_draft import main as print_codebook

        return print_codebook(arguments.qsf, arguments.compare_to)
    if arguments.command == "pull":
        from orchestration.qualtrics.command import pull

        return pull(arguments.wave)
    if arguments.command == "rollback":
        return rollback(arguments.id)
    if arguments.command == "analyst-role":
        return analyst_role(arguments.login)
    return run(arguments.verbose, arguments.force) if arguments.command == "run" else query(arguments.sql)


if __name__ == "__main__":
    sys.exit(main())
