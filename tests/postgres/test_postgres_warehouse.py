"""The whole job on PostgreSQL (WAREHOUSE_TARGET=postgres): the same marts as on DuckDB, published by a
schema swap, readable by the analysts' role, and left as they were by a failing run (issue #11).

The PostgreSQL warehouse is built once per session into a database of its own, from the same synthetic
landing as the session's DuckDB warehouse (tests/conftest.py: w1_2023 and the follow-up w2_2025), which
it is compared with mart by mart.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import secrets

import psycopg2.errors
import pytest
from dagster import DagsterInstance, materialize

from orchestration.backends import postgres_io
from orchestration.backends.publishing import PublishError
from orchestration.definitions import ALL_ASSETS
from orchestration.resources import WarehouseResource, dbt_resource
from synthetic import build_wave2_sample, write_landing


def build_on_postgres(landing, tmp_path):
    resources = {
        "warehouse": WarehouseResource(
            db_path=str(tmp_path / "unused.duckdb"), landing_dir=str(landing), target="postgres"
        ),
        "dbt": dbt_resource(target="postgres"),
    }
    return materialize(ALL_ASSETS, resources=resources, instance=DagsterInstance.ephemeral(), raise_on_error=False)


@pytest.fixture(scope="session")
def postgres_database(postgres_server, tmp_path_factory):
    """A fresh database on the server, named in PGDATABASE for the session (dbt and the loaders read it)."""
    name = f"warehouse_test_{secrets.token_hex(4)}"
    with postgres_io.connect(autocommit=True) as admin, admin.cursor() as cursor:
        cursor.execute(f"create database {name}")
    before = os.environ.get("PGDATABASE")
    os.environ["PGDATABASE"] = name
    yield name
    if before is None:
        os.environ.pop("PGDATABASE")
    else:
        os.environ["PGDATABASE"] = before
    with postgres_io.connect(autocommit=True) as admin, admin.cursor() as cursor:
        cursor.execute(f"drop database {name} with (force)")


def write_session_landing(sample, landing) -> None:
    """The landing of the session's DuckDB warehouse (tests/conftest.py `warehouse_build`)."""
    write_landing(sample, landing, follow_ups=[build_wave2_sample(sample, 2023)])


@pytest.fixture(scope="session")
def postgres_build(postgres_database, tmp_path_factory, wave1_sample):
    root = tmp_path_factory.mktemp("postgres_warehouse")
    write_session_landing(wave1_sample, root / "landing")
    result = build_on_postgres(root / "landing", root)
    assert result.success, "building the warehouse on PostgreSQL from the synthetic sample failed"
    return root


@pytest.fixture
def pg(postgres_build):
    with postgres_io.connect() as connection:
        yield postgres_io.PostgresWarehouse(connection)


def normalised(rows):
    """Rows comparable across the two databases: numerics as rounded floats, then sorted."""

    def value(v):
        if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
            return round(float(v), 9)
        if isinstance(v, dt.datetime) and v.tzinfo is not None:
            return v.astimezone(dt.UTC).replace(tzinfo=None)
        return v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def columns(connection, table: str) -> list[str]:
    """Column names of marts.<table> in order (the name comes from information_schema, not from input)."""
    return [
        name
        for (name,) in connection.execute(
            "select column_name from information_schema.columns"
            f" where table_schema = 'marts' and table_name = '{table}' order by ordinal_position"
        ).fetchall()
    ]


def duckdb_marts(warehouse) -> list[str]:
    return [
        name
        for (name,) in warehouse.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
    ]


def test_every_mart_is_published_with_the_contract_columns(pg, warehouse):
    for table in duckdb_marts(warehouse):
        assert columns(pg, table) == columns(warehouse, table), table
    drafts = pg.execute("select nspname from pg_namespace where nspname like 'draft\\_%'").fetchall()
    assert drafts == [], "publishing renames every draft schema"


def test_mart_question_result_is_identical_on_duckdb_and_postgres(pg, warehouse):
    duck = warehouse.execute("select * from marts.mart_question_result").fetchall()
    assert duck, "the DuckDB build has results to compare"
    assert normalised(pg.execute("select * from marts.mart_question_result").fetchall()) == normalised(duck)


def test_every_w1_2023_figure_is_the_same_on_postgres(pg, warehouse):
    sql = "select * from marts.mart_report_figures"
    assert normalised(pg.execute(sql).fetchall()) == normalised(warehouse.execute(sql).fetchall())
    not_matching = pg.execute(
        "select figure_id from marts.mart_report_figures where not matches_report "
        "and kind not in ('inconsistency', 'population_dependent')"
    ).fetchall()
    assert not_matching == []


def test_every_mart_holds_the_same_rows_on_both(pg, warehouse):
    differ = []
    for table in duckdb_marts(warehouse):
        # when each build loaded its files differs, of course; every other column must be equal
        kept = [name for name in columns(warehouse, table) if name != "loaded_at"]
        sql = f"select {', '.join(kept)} from marts.{table}"
        if normalised(pg.execute(sql).fetchall()) != normalised(warehouse.execute(sql).fetchall()):
            differ.append(table)
    assert differ == [], "these marts differ between DuckDB and PostgreSQL"


def test_the_analyst_role_reads_published_marts_and_not_raw(pg, postgres_database):
    login, password = f"analyst_{secrets.token_hex(4)}", secrets.token_hex(12)
    role = f"analysts_{secrets.token_hex(4)}"
    postgres_io.create_analyst_role(pg.connection, role=role, login=login, password=password)
    pg.connection.commit()
    try:
        with postgres_io.connect(user=login, password=password) as analyst, analyst.cursor() as cursor:
            cursor.execute("select count(*) from marts.mart_question_result")
            assert cursor.fetchone()[0] > 0
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute("select * from raw.export_cells limit 1")
    finally:
        with pg.connection.cursor() as cursor:
            cursor.execute(f"drop owned by {role}; drop role {login}; drop role {role}")
        pg.connection.commit()


def test_a_failing_run_leaves_the_published_marts_as_they_were(pg, tmp_path, wave1_sample):
    before = pg.execute("select count(*), sum(n_selected) from marts.mart_question_result").fetchall()
    landing = tmp_path / "landing"
    write_session_landing(wave1_sample, landing)
    (landing / "waves" / "w1_2023" / "broken.csv").write_text('a,b\n"unclosed,2\n', encoding="utf-8")
    pg.connection.commit()
    result = build_on_postgres(landing, tmp_path)
    assert not result.success
    assert pg.execute("select count(*), sum(n_selected) from marts.mart_question_result").fetchall() == before


def test_a_second_refresh_waits_for_the_first(postgres_database):
    """The refresh lock on PostgreSQL is a session advisory lock: while a run holds it, another stops."""
    with postgres_io.connect(autocommit=True) as holder, holder.cursor() as cursor:
        cursor.execute("select pg_advisory_lock(hashtext(%s))", (postgres_io.REFRESH_LOCK_KEY,))
        with pytest.raises(PublishError, match="another refresh of PostgreSQL"):
            postgres_io.acquire_refresh_lock()
    postgres_io.acquire_refresh_lock()  # free again once the holder's session ended
    postgres_io.release_refresh_lock()
