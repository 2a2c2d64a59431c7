"""The analysts' read-only role on PostgreSQL reads `marts` and nothing of `raw` (issue #11)."""

from __future__ import annotations

import secrets

import psycopg2
import psycopg2.errors
import pytest

from orchestration.backends import postgres_io


@pytest.fixture
def scratch_database(admin):
    """A database of its own with a `raw` table holding personal columns and a `marts` table."""
    name = f"access_test_{secrets.token_hex(4)}"
    with admin.cursor() as cursor:
        cursor.execute(f"create database {name}")
    with postgres_io.connect(autocommit=True, dbname=name) as connection, connection.cursor() as cursor:
        cursor.execute("create schema raw")
        cursor.execute("create table raw.export_cells (response_id text, column_name text, cell_value text)")
        cursor.execute("insert into raw.export_cells values ('R_1', 'RecipientEmail', 'someone@example.org')")
        cursor.execute("create schema marts")
        cursor.execute("create table marts.mart_question_result (question_id text, n integer)")
        cursor.execute("insert into marts.mart_question_result values ('Q3', 12)")
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f"drop database {name} with (force)")


@pytest.fixture
def analyst_login(admin, scratch_database):
    """A login role made by the documented command's function, member of a fresh analysts' group."""
    group, login, password = (
        f"analysts_{secrets.token_hex(4)}",
        f"analyst_{secrets.token_hex(4)}",
        secrets.token_hex(12),
    )
    with postgres_io.connect(autocommit=True, dbname=scratch_database) as connection:
        postgres_io.create_analyst_role(connection, role=group, login=login, password=password)
    yield {"dbname": scratch_database, "user": login, "password": password}
    with admin.cursor() as cursor:
        cursor.execute(f"drop role {login}")
    with postgres_io.connect(autocommit=True, dbname=scratch_database) as connection, connection.cursor() as cursor:
        cursor.execute(f"drop owned by {group}")
        cursor.execute(f"drop role {group}")


def test_analyst_role_reads_marts(analyst_login):
    with postgres_io.connect(**analyst_login) as connection, connection.cursor() as cursor:
        cursor.execute("select question_id, n from marts.mart_question_result")
        assert cursor.fetchall() == [("Q3", 12)]


def test_analyst_role_cannot_read_raw_tables(analyst_login):
    with postgres_io.connect(**analyst_login) as connection, connection.cursor() as cursor:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute("select cell_value from raw.export_cells")


def test_analyst_role_cannot_change_marts(analyst_login):
    with postgres_io.connect(**analyst_login) as connection, connection.cursor() as cursor:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute("delete from marts.mart_question_result")


def test_role_names_must_be_plain_identifiers():
    with pytest.raises(ValueError, match="plain PostgreSQL identifier"):
        postgres_io.quote_identifier('analysts"; drop table raw.export_cells; --')
