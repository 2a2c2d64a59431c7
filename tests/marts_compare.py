"""Compare the marts of two DuckDB warehouses row for row: what every "gives the same marts" test asks."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Columns that say when a build ran, not what it holds.
BUILD_TIME_COLUMNS = {"loaded_at"}


def mart_differences(expected: Path, actual: Path, ignore: dict[str, set[str]] | None = None) -> list[str]:
    """One line per mart that is missing, has other columns, or holds other rows (as multisets); `ignore`
    names columns per mart whose values may differ (they must still exist in both)."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{expected}' as expected (read_only)")
        connection.execute(f"attach '{actual}' as actual (read_only)")

        def columns(database: str) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for table, column in connection.execute(
                "select table_name, column_name from information_schema.columns where table_catalog = ? "
                "and table_schema = 'marts' order by table_name, ordinal_position",
                [database],
            ).fetchall():
                found.setdefault(table, []).append(column)
            return found

        wanted, got = columns("expected"), columns("actual")
        problems = [f"{table}: missing" for table in sorted(set(wanted) - set(got))]
        problems += [f"{table}: not expected" for table in sorted(set(got) - set(wanted))]
        for table in sorted(set(wanted) & set(got)):
            if wanted[table] != got[table]:
                problems.append(f"{table}: columns {got[table]} instead of {wanted[table]}")
                continue
            skipped = BUILD_TIME_COLUMNS | (ignore or {}).get(table, set())
            kept = ", ".join(f'"{name}"' for name in wanted[table] if name not in skipped)
            for left, right in (("expected", "actual"), ("actual", "expected")):
                extra = connection.execute(
                    f"select count(*) from (select {kept} from {left}.marts.{table} "
                    f"except all select {kept} from {right}.marts.{table})"
                ).fetchone()[0]
                if extra:
                    problems.append(f"{table}: {extra} row(s) only in {left}")
        return problems
