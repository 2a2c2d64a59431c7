"""Implausible Taskforce values are findings and stay out of the series (issue 18, item 6).

The sample's own snapshots give no finding; a copy of it with one more snapshot file (a date after the
load, a count above the population, a count lower than an earlier snapshot, more minors than persons) is
refreshed by the Taskforce job, and every such row is a finding with file and row, absent from the series.
The rules themselves are dbt unit tests (dbt_project/models/staging/taskforce/_taskforce__unit_tests.yml).
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from dagster import DagsterInstance, materialize

from conftest import dbt_resource, warehouse_resource
from orchestration.definitions import ALL_ASSETS
from orchestration.jobs import refresh_taskforce_job

pytestmark = pytest.mark.e2e

AARTSELAAR, BOECHOUT, BOOM, BORSBEEK = "11001", "11004", "11005", "11007"
ADDED = "taskforce/implausible.csv"
DAY = "2024-06-20"  # between two monthly snapshots of the sample


def test_the_samples_own_snapshots_give_no_taskforce_finding(warehouse):
    assert warehouse.execute(
        "select count(*) from marts.mart_data_quality_findings where finding_type like '%Taskforce%'"
    ).fetchone() == (0,)
    assert warehouse.execute(
        "select count(*) from staging.stg_taskforce__counts where row_issue is not null"
    ).fetchone() == (0,)


@pytest.fixture(scope="module")
def refreshed(warehouse_db, tmp_path_factory):
    """(before, after): the session warehouse and a copy refreshed with one implausible snapshot file."""
    root = tmp_path_factory.mktemp("implausible")
    landing, published = root / "landing", root / "warehouse.duckdb"
    shutil.copytree(warehouse_db.parent / "landing", landing)
    shutil.copyfile(warehouse_db, published)
    with duckdb.connect(str(warehouse_db), read_only=True) as before:
        ((boom, boom_minors),) = before.execute(
            "select persons, minors from staging.stg_taskforce__counts where nis_code = ? and reference_date < ? "
            "order by reference_date desc limit 1",
            [BOOM, DAY],
        ).fetchall()
        ((borsbeek,),) = before.execute(
            "select persons from staging.stg_taskforce__counts where nis_code = ? and reference_date < ? "
            "order by reference_date desc limit 1",
            [BORSBEEK, DAY],
        ).fetchall()
    (landing / ADDED).write_text(
        "peildatum,nis_code,gemeente,personen,minderjarigen\n"
        f"2030-06-30,{AARTSELAAR},Aartselaar,999999,10\n"
        f"{DAY},{BOECHOUT},Boechout,50000,10\n"
        f"{DAY},{BOOM},Boom,{boom - 1},{boom_minors}\n"
        f"{DAY},{BORSBEEK},Borsbeek,{borsbeek},{borsbeek + 1}\n",
        encoding="utf-8",
    )
    result = materialize(
        ALL_ASSETS,
        resources={"warehouse": warehouse_resource(published, landing), "dbt": dbt_resource(target="duckdb")},
        instance=DagsterInstance.ephemeral(),
        selection=refresh_taskforce_job.selection,
        raise_on_error=False,
    )
    assert result.success
    before = duckdb.connect(str(warehouse_db), read_only=True)
    after = duckdb.connect(str(published), read_only=True)
    yield before, after, boom - 1
    before.close()
    after.close()


def test_each_implausible_row_is_a_finding_with_file_and_row(refreshed):
    _, after, dip = refreshed
    findings = dict(
        after.execute(
            "select source_row, finding from marts.mart_data_quality_findings "
            "where source_file = ? and finding_type = 'unusable Taskforce row'",
            [ADDED],
        ).fetchall()
    )
    assert sorted(findings) == [1, 2, 3, 4]
    assert findings[1].startswith("peildatum 2030-06-30 lies after the day the file was loaded (")
    assert findings[2].startswith("personen 50000 is more than the ") and f"nis_code {BOECHOUT}" in findings[2]
    assert findings[3].startswith(f"personen {dip} on {DAY} is lower than {dip + 1} on ")
    assert findings[4].startswith("more minors than persons: minderjarigen ")


def test_the_snapshots_a_fall_contradicts_are_findings_too(refreshed):
    before, after, dip = refreshed
    contradicted = before.execute(
        "select source_file, source_row from staging.stg_taskforce__counts "
        "where nis_code = ? and reference_date < ? and persons > ? order by all",
        [BOOM, DAY, dip],
    ).fetchall()
    assert contradicted
    found = after.execute(
        "select source_file, source_row, finding from marts.mart_data_quality_findings "
        "where finding_type = 'unusable Taskforce row' and source_file != ? order by all",
        [ADDED],
    ).fetchall()
    assert [row[:2] for row in found] == contradicted  # nothing else of the sample
    assert all(f"on the later {DAY} ({ADDED} row 3)" in finding for *_, finding in found)
    # ... and leave the series: Boom has no count on their dates
    dates = (
        "select cast(reference_date as date) from staging.stg_taskforce__counts "
        "where nis_code = ? and reference_date < ? and persons > ? order by 1"
    )
    missing = (
        "select cast(snapshot_date as date) from marts.mart_taskforce_timeseries "
        "where nis_code = ? and persons is null order by 1"
    )
    assert after.execute(missing, [BOOM]).fetchall() == before.execute(dates, [BOOM, DAY, dip]).fetchall()


def test_implausible_rows_stay_out_of_the_series(refreshed):
    before, after, _ = refreshed
    dates = "select distinct cast(snapshot_date as date) from marts.mart_taskforce_timeseries order by 1"
    assert after.execute(dates).fetchall() == before.execute(dates).fetchall()  # no 2030, no 2024-06-20
    flanders = (
        "select snapshot_date, persons, persons_per_1000 from marts.mart_taskforce_timeseries "
        "where area_level = 'flanders' and persons_per_1000 > 100"
    )
    assert after.execute(flanders).fetchall() == []
    # Boom's contradicted snapshots leave the series (no count on those dates); every other count is as before.
    series = (
        "select snapshot_date, nis_code, persons from marts.mart_taskforce_timeseries "
        "where area_level = 'municipality' and nis_code != ? order by all"
    )
    assert after.execute(series, [BOOM]).fetchall() == before.execute(series, [BOOM]).fetchall()
    # Boom's counts at the waves' reference dates are not among them: the waves' figures are as before.
    for query in (
        "select * from marts.mart_taskforce_summary order by all",
        "select * from marts.mart_report_figures order by all",
    ):
        assert after.execute(query).fetchall() == before.execute(query).fetchall()
