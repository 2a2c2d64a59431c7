"""`python -m orchestration.deliverables export|report|scan|docs`: the analysts' files from the published
warehouse (`make export`, `make report`, `make scan`, `make docs`), written next to it."""

from __future__ import annotations

import argparse
import sys

from orchestration import settings
from orchestration.backends import current_backend


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.deliverables", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    # The small-base rule of the public files and the report is EXPORT_MIN_UNITS (default 5; 0: none),
    # read in one place (orchestration/deliverables/small_bases.py), not an option of one command.
    commands.add_parser("export", help="CSV, Excel, SPSS and Parquet files per wave (exports/<wave_id>/)")
    commands.add_parser("report", help="the HTML report and the fieldwork page per wave (reports/<wave_id>/)")
    commands.add_parser("docs", help="dbt's documentation site as one HTML file (dbt_docs.html)")
    commands.add_parser("scan", help="the municipality scans per wave (reports/<wave_id>/municipalities/)")
    arguments = parser.parse_args(argv)
    try:
        settings.export_min_units()  # a wrong EXPORT_MIN_UNITS is said at once, not as a stack trace
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2

    db_path = settings.warehouse_db_path()
    backend = current_backend()
    if not backend.published_is_duckdb_file:
        return from_snapshot(arguments, db_path.parent, backend)
    if not db_path.exists():
        print(f"no published warehouse at {db_path}: run `make run` first", file=sys.stderr)
        return 1
    if arguments.command == "export":
        from orchestration.deliverables.exports import write_exports

        paths = write_exports(db_path, db_path.parent / "exports")
    elif arguments.command == "report":
        from orchestration.deliverables.fieldwork import PAGE_NAME, write_fieldwork_pages
        from orchestration.deliverables.report import write_reports

        paths = [p for p in write_reports(db_path, db_path.parent / "reports") if p.name == "report.html"]
        paths += [p for p in write_fieldwork_pages(db_path, db_path.parent / "reports") if p.name == PAGE_NAME]
    elif arguments.command == "scan":
        from orchestration.deliverables.scan import INDEX, write_scans

        paths = [p for p in write_scans(db_path, db_path.parent / "reports") if p.name == INDEX]
    else:
        from orchestration.deliverables.docs_site import write_docs_site

        paths = [write_docs_site(db_path, db_path.parent / "dbt_docs.html")]
    for path in paths:
        print(path)
    return 0


def from_snapshot(arguments, folder, backend) -> int:
    """A warehouse that is no DuckDB file (PostgreSQL): exports and report from the backend's DuckDB
    snapshot of the published marts, written into the folder WAREHOUSE_DB_PATH names; dbt's docs site
    reads a DuckDB catalog only (docs/POSTGRES.md)."""
    if arguments.command == "docs":
        print(backend.docs_refusal, file=sys.stderr)
        return 1
    with backend.published_duckdb() as db_path:
        if arguments.command == "export":
            from orchestration.deliverables.exports import write_exports

            paths = write_exports(db_path, folder / "exports")
        elif arguments.command == "scan":
            from orchestration.deliverables.scan import INDEX, write_scans

            paths = [p for p in write_scans(db_path, folder / "reports") if p.name == INDEX]
        else:
            from orchestration.deliverables.fieldwork import PAGE_NAME, write_fieldwork_pages
            from orchestration.deliverables.report import write_reports

            paths = [p for p in write_reports(db_path, folder / "reports") if p.name == "report.html"]
            paths += [p for p in write_fieldwork_pages(db_path, folder / "reports") if p.name == PAGE_NAME]
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
