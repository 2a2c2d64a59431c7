"""`python -m orchestration.cli run`: what `make run` does — the main job, in-process, then a summary.
`python -m orchestration.cli query "select ..."`: one read-only query on the published warehouse.
`python -m orchestration.cli analyst-role [--login NAME]`: on PostgreSQL, the analysts' read-only role."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from dagster import DagsterInstance

from orchestration import settings
from orchestration.reporting import report_figure_mismatches
from orchestration.warehouse_io import connect


@contextlib.contextmanager
def published_warehouse():
    """The published warehouse, read-only: the DuckDB file, or the PostgreSQL schemas (WAREHOUSE_TARGET)."""
    if settings.warehouse_target() == "postgres":
        from orchestration import postgres_io

        with postgres_io.connect() as connection:
            connection.set_session(readonly=True)
            yield postgres_io.PostgresWarehouse(connection)
    else:
        with connect(settings.warehouse_db_path(), read_only=True) as connection:
            yield connection

EXAMPLE_QUERY = (
    "select figure_id, count, base_n, pct, pct_printed, matches_report\n"
    "from marts.mart_report_figures order by figure_id limit 10;"
)


def run() -> int:
    from orchestration.definitions import defs

    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    print(f"Building the warehouse from {settings.landing_dir()} (run history: Dagster UI, `make ui`) ...")
    # Warnings and errors only on the console; every event is in the run's log in the Dagster UI.
    result = defs.resolve_job_def("refresh_warehouse").execute_in_process(
        instance=instance, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    db_path = settings.warehouse_db_path() if settings.warehouse_target() == "duckdb" else "PostgreSQL (PG* variables)"
    if not result.success:
        print(f"refresh_warehouse failed; the previous warehouse at {db_path} is left as it was.", file=sys.stderr)
        return 1
    print(f"\nWarehouse: {db_path}")
    print(f"Landing directory: {settings.landing_dir()}")
    with published_warehouse() as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        print("Marts: " + ", ".join(f"marts.{name}" for (name,) in tables))
        statuses = dict(connection.execute(
            "select status, count(*) from marts.mart_respondent_resolution group by status"
        ).fetchall())
        print("Export rows: " + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())))
        mismatches = report_figure_mismatches(connection)
        total = connection.execute("select count(*) from intermediate.int_report_figure_comparison").fetchone()[0]
        print(f"Published figures reproduced: {total - len(mismatches)} of {total}")
        for wave_id, figure_id, kind, *_, explanation in mismatches:
            print(f"  not matching: {wave_id} {figure_id} ({kind}): {explanation}")
    if settings.warehouse_target() == "duckdb":
        print(f"\nOpen it read-only:  duckdb -readonly {db_path}   (or: make query SQL=\"...\")")
    else:
        print("\nQuery it:  psql (PG* variables)   (or: make query SQL=\"...\"); analysts: docs/POSTGRES.md")
    print(f"Example query:\n{EXAMPLE_QUERY}")
    return 0


def query(sql: str) -> int:
    """Runs one SQL statement on the published warehouse, read-only, and prints the result."""
    with published_warehouse() as connection:
        if settings.warehouse_target() == "duckdb":
            connection.sql(sql).show(max_rows=100, max_width=200)
            return 0
        cursor = connection.execute(sql)
        print(" | ".join(column.name for column in cursor.description or []))
        for row in cursor.fetchmany(100):
            print(" | ".join("" if value is None else str(value) for value in row))
    return 0


def analyst_role(login: str | None) -> int:
    """Creates or refreshes the read-only role on the PostgreSQL server the PG* variables name; with
    `--login`, also a login role in it (password from ANALYST_PASSWORD, if set)."""
    from orchestration import postgres_io

    with postgres_io.connect(autocommit=True) as connection:
        role = postgres_io.create_analyst_role(connection, login=login, password=os.environ.get("ANALYST_PASSWORD"))
    print(f"role {role}: reads schema {', '.join(postgres_io.ANALYST_SCHEMAS)}, nothing else"
          + (f"; login {login} is a member" if login else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="build the warehouse (the refresh_warehouse job) and print a summary")
    query_parser = commands.add_parser("query", help="run one SQL statement on the published warehouse, read-only")
    query_parser.add_argument("sql")
    role_parser = commands.add_parser("analyst-role", help="PostgreSQL: create the analysts' read-only role")
    role_parser.add_argument("--login", help="also create this login role as a member (password: ANALYST_PASSWORD)")
    arguments = parser.parse_args(argv)
    if arguments.command == "analyst-role":
        return analyst_role(arguments.login)
    return run() if arguments.command == "run" else query(arguments.sql)


if __name__ == "__main__":
    sys.exit(main())
