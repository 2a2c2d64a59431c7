"""The PostgreSQL glue that needs no server: draft schema names, column types, array text (issue #11)."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration import settings
from orchestration.backends.postgres_io import PostgresWarehouse, array_literal, column_type, grant_analyst_access_sql


def test_draft_queries_read_the_draft_schemas_only():
    draft = PostgresWarehouse(connection=None, prefix="draft_")
    sql = "select * from marts.mart_report_figures join intermediate.int_x on raw.a = information_schema.tables.b"
    assert draft.qualify(sql) == (
        "select * from draft_marts.mart_report_figures join draft_intermediate.int_x on draft_raw.a"
        " = information_schema.tables.b"
    )
    assert PostgresWarehouse(connection=None).qualify(sql) == sql


def test_frame_columns_get_the_types_duckdb_would_infer():
    frame = pd.DataFrame(
        {
            "row": [1, 2],
            "share": [0.5, None],
            "flag": [True, False],
            "text": ["a", ""],
            "codes": [[1, 2], None],
            "loaded_at": pd.to_datetime(["2023-05-01T10:00Z", "2023-05-01T11:00Z"]),
        }
    )
    types = {
        name: column_type(dtype, frame[name] if pd.api.types.is_object_dtype(dtype) else ())
        for name, dtype in frame.dtypes.items()
    }
    assert types == {
        "row": "bigint",
        "share": "double precision",
        "flag": "boolean",
        "text": "text",
        "codes": "bigint[]",
        "loaded_at": "timestamptz",
    }


def test_lists_become_postgres_array_text():
    assert array_literal([1, 2]) == '{"1","2"}'
    assert array_literal(['say "hi"', "back\\slash"]) == '{"say \\"hi\\"","back\\\\slash"}'
    assert array_literal("plain") == "plain"


def test_analysts_are_granted_marts_only():
    statements = grant_analyst_access_sql("warehouse_analyst")
    assert all('"marts"' in statement for statement in statements)
    assert not any("raw" in statement for statement in statements)


def test_an_unknown_warehouse_target_is_refused(monkeypatch):
    monkeypatch.setenv("WAREHOUSE_TARGET", "sqlite")
    with pytest.raises(ValueError, match="WAREHOUSE_TARGET='sqlite'"):
        settings.warehouse_target()
