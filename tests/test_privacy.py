"""PII (IP address, names, e-mail, location) exists in the raw layer only."""

from __future__ import annotations

import re

PUBLISHED_SCHEMAS = ("staging", "intermediate", "marts")
PII_COLUMN = re.compile(r"ip_?address|e_?mail|recipient|latitude|longitude", re.IGNORECASE)
PII_VALUE = r"(@example\.org|^(192\.0\.2|198\.51\.100|203\.0\.113)\.)"


def published_columns(warehouse) -> list[tuple[str, str, str, str]]:
    return warehouse.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        f"where table_schema in {PUBLISHED_SCHEMAS}"
    ).fetchall()


def test_the_sample_does_carry_pii_in_raw(warehouse):
    # Otherwise the checks below would prove nothing.
    hits = warehouse.execute(
        f"select count(*) from raw.export_cells where regexp_matches(cell_value, '{PII_VALUE}')"
    ).fetchone()[0]
    assert hits > 0


def test_no_pii_column_outside_raw(warehouse):
    assert [column for column in published_columns(warehouse) if PII_COLUMN.search(column[2])] == []


def test_no_pii_value_outside_raw(warehouse):
    text_columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, data_type in published_columns(warehouse):
        if data_type == "VARCHAR":
            text_columns.setdefault((schema, table), []).append(column)
    leaks = []
    for (schema, table), columns in text_columns.items():
        condition = " or ".join(f"regexp_matches(\"{column}\", '{PII_VALUE}')" for column in columns)
        if warehouse.execute(f'select count(*) from "{schema}"."{table}" where {condition}').fetchone()[0]:
            leaks.append(f"{schema}.{table}")
    assert leaks == []
