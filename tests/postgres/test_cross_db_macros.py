"""The cross-database macros (dbt_project/macros/cross_db/) give the same answers on DuckDB and PostgreSQL.

Each case is a macro call on literals with the value it must return; one `dbt show --inline` query per
target evaluates all of them, so both bodies of every macro are compiled and run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.backends import postgres_io
from orchestration.settings import DBT_PROJECT_DIR

CASES = {
    "int_plain": ("{{ cast_or_null(\"' 42 '\", 'integer') }}", 42),
    "int_decimal_rounds": ("{{ cast_or_null(\"'12.5'\", 'integer') }}", 13),
    "int_negative": ("{{ cast_or_null(\"'-7'\", 'bigint') }}", -7),
    "int_words": ("{{ cast_or_null(\"'ongeveer 40'\", 'integer') }}", None),
    "int_empty": ("{{ cast_or_null(\"''\", 'integer') }}", None),
    "double_plain": ("{{ cast_or_null(\"'33.3'\", 'double') }}", 33.3),
    "double_exponent": ("{{ cast_or_null(\"'1e3'\", 'double') }}", 1000.0),
    "double_words": ("{{ cast_or_null(\"'n/a'\", 'double') }}", None),
    "double_type": ("cast(0.25 as {{ type_double() }})", 0.25),
    "full_match_yes": ("{{ regexp_full_match(\"'1234'\", '[0-9]{4}') }}", True),
    "full_match_partial": ("{{ regexp_full_match(\"'12345'\", '[0-9]{4}') }}", False),
    "full_match_alternation": ("{{ regexp_full_match(\"'1, 2'\", '-?[0-9]+(\\s*,\\s*-?[0-9]+)*') }}", True),
    "contains_ci": ("{{ regexp_contains_ci(\"'Via het OCMW'\", \"'ocmw|cpas'\") }}", True),
    "contains_ci_word": ("{{ regexp_contains_ci(\"'de taal, het werk'\", \"'\\\\btaal'\") }}", True),
    "contains_ci_word_no": ("{{ regexp_contains_ci(\"'vertaal'\", \"'\\\\btaal'\") }}", False),
    "contains_ci_no": ("{{ regexp_contains_ci(\"'gemeente'\", \"'ocmw'\") }}", False),
    "strip_accents": ("{{ strip_accents(\"'Rhode-Saint-Genèse Ê ï ç'\") }}", "Rhode-Saint-Genese E i c"),
    "edit_distance": ("{{ edit_distance(\"'sintniklaas'\", \"'sintnicklaas'\") }}", 1),
    "strptime_iso": (
        "{{ try_strptime(\"'2023-03-05 14:07:09'\", '%Y-%m-%d %H:%M:%S') }}",
        dt.datetime(2023, 3, 5, 14, 7, 9),
    ),
    "strptime_t_z": (
        "{{ try_strptime(\"'2023-03-05T14:07:09Z'\", '%Y-%m-%dT%H:%M:%SZ') }}",
        dt.datetime(2023, 3, 5, 14, 7, 9),
    ),
    "strptime_day_first": ("{{ try_strptime(\"'5/3/2023 9:07'\", '%d/%m/%Y %H:%M') }}", dt.datetime(2023, 3, 5, 9, 7)),
    "strptime_dst_gap": (
        "{{ try_strptime(\"'26-03-2023 02:30'\", '%d-%m-%Y %H:%M') }}",
        dt.datetime(2023, 3, 26, 2, 30),
    ),
    "strptime_impossible": ("{{ try_strptime(\"'30/02/2023'\", '%d/%m/%Y') }}", None),
    "strptime_wrong_shape": ("{{ try_strptime(\"'2023-03-05'\", '%d/%m/%Y') }}", None),
    "arrays_overlap": ("{{ arrays_overlap('array[1, 2]', 'array[2, 3]') }}", True),
    "arrays_disjoint": ("{{ arrays_overlap('array[1, 2]', 'array[3]') }}", False),
    "median_even": ("(select {{ median('x') }} from (values (1), (2), (4), (10)) as t (x))", 3.0),
    "round_to": ("{{ round_to('cast(2.345 as ' ~ type_double() ~ ')', 1) }}", 2.3),
    "pct_exact": ("{{ pct_half_up(3, 20) }}", 15.0),
    "pct_half_up": ("{{ pct_half_up(1, 8) }}", 12.5),
    "pct_half_up_rounds_up": ("{{ pct_half_up(3, 2000) }}", 0.2),
    "integer_divide": ("{{ integer_divide('7', '2') }}", 3),
    "empty_array": ("cardinality({{ empty_array('integer') }})", 0),
    "contains_all": ("{{ array_contains_all('array[1, 2, 3]', 'array[3, 1]') }}", True),
    "contains_all_no": ("{{ array_contains_all('array[1, 2]', 'array[2, 4]') }}", False),
    "intersect": (
        "array_to_string({{ array_intersect('array[3, 1, 2]', 'array[2, 3, 5]') }}, ',') in ('2,3', '3,2')",
        True,
    ),
    "any_value": ("(select any_value(x) from (values (null), (7), (7)) as t (x))", 7),
    "day_series": (
        "(select count(distinct cast(day as date)) from (select {{ day_series(\"date '2025-03-29'\", "
        "\"date '2025-04-01'\") }} as day) as days)",
        4,
    ),
    "day_series_empty": (
        "(select count(*) from (select {{ day_series(\"date '2025-04-02'\", \"date '2025-04-01'\") }} as day) as days)",
        0,
    ),
    "name_masked": (
        "regexp_replace('Dag jan, Jan.', {{ name_word_pattern(\"'Jan'\") }}, '\\1[naam]\\2', 'g')",
        "Dag [naam], [naam].",
    ),
    "name_literal": (
        "regexp_replace('a.b axb', {{ name_word_pattern(\"'a.b'\") }}, '\\1[naam]\\2', 'g')",
        "[naam] axb",
    ),
}
# The profile outputs of the two targets (profiles.yml): `dev` is the DuckDB file.
OUTPUTS = {"duckdb": "dev", "postgres": "postgres"}


def _show(target: str, duckdb_path: Path) -> dict:
    sql = "select " + ",\n".join(f"{expression} as {name}" for name, (expression, _) in CASES.items())
    command = [
        str(Path(sys.prefix) / "bin" / "dbt"),
        "--quiet",
        "show",
        "--profiles-dir",
        ".",
        "--target",
        OUTPUTS[target],
        "--inline",
        sql,
        "--output",
        "json",
        "--target-path",
        f"target/cross_db_{target}",
    ]
    done = subprocess.run(
        command,
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DBT_DUCKDB_PATH": str(duckdb_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout[done.stdout.index("{") :])["show"][0]


def _normalise(value):
    if isinstance(value, str):
        for parse in (dt.datetime.fromisoformat,):
            try:
                return parse(value)
            except ValueError:
                pass
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


@pytest.fixture(scope="module")
def results(postgres_server, tmp_path_factory) -> dict[str, dict]:
    duckdb_path = tmp_path_factory.mktemp("cross_db") / "macros.duckdb"
    setup = subprocess.run(
        [
            str(Path(sys.prefix) / "bin" / "dbt"),
            "--quiet",
            "compile",
            "--profiles-dir",
            ".",
            "--target",
            "postgres",
            "--inline",
            "{{ cross_db_setup() }}",
            "--target-path",
            "target/cross_db_postgres",
        ],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    with postgres_io.connect(autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(setup.stdout)
    return {target: _show(target, duckdb_path) for target in ("duckdb", "postgres")}


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
@pytest.mark.parametrize("case", list(CASES))
def test_macro_gives_the_expected_value(results, target, case):
    expected = CASES[case][1]
    actual = _normalise(results[target][case])
    if isinstance(expected, float):
        assert actual == pytest.approx(expected), f"{CASES[case][0]} on {target}"
    else:
        assert actual == _normalise(expected), f"{CASES[case][0]} on {target}"
