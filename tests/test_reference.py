"""Reference seeds in DuckDB and marts.dim_municipality (issue: foundation)."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.reference import load_reference_frames, reference_problems


def counts(warehouse, column: str) -> dict[str, int]:
    rows = warehouse.execute(f"select {column}, count(*) from marts.dim_municipality group by 1").fetchall()
    return dict(rows)


def test_dim_municipality_has_the_300_municipalities_of_the_2019_2024_map(warehouse):
    assert warehouse.execute("select count(*), count(distinct nis_code) from marts.dim_municipality").fetchone() == (
        300,
        300,
    )


def test_provinces_match_table_3_1(warehouse):
    assert counts(warehouse, "province_name_nl") == {
        "Antwerpen": 69,
        "Limburg": 42,
        "Oost-Vlaanderen": 60,
        "Vlaams-Brabant": 65,
        "West-Vlaanderen": 64,
    }


def test_belfius_types_match_the_flemish_column_of_table_3_3(warehouse):
    assert counts(warehouse, "belfius_type_code") == {
        "woongemeenten": 116,
        "landelijke_gemeenten": 64,
        "economische_activiteit": 74,
        "verstedelijkte_gemeenten": 25,
        "grote_en_regionale_steden": 13,
        "kustgemeenten": 8,
    }


def test_size_classes_from_the_2020_population(warehouse):
    assert counts(warehouse, "size_class") == {
        "< 10.000": 69,
        "10.000 - 20.000": 129,
        "20.000 - 30.000": 51,
        "30.000 - 50.000": 38,
        "> 50.000": 13,
    }
    reference_dates = warehouse.execute(
        "select distinct population_reference_date from marts.dim_municipality"
    ).fetchall()
    assert [str(date) for (date,) in reference_dates] == ["2020-01-01"]


def test_the_13_centrumsteden_form_the_top_class(warehouse):
    top = warehouse.execute(
        "select count(*) filter (where is_centrumstad), count(*) from marts.dim_municipality where size_class = '> 50.000'"
    ).fetchone()
    assert top == (13, 13)


def test_every_municipality_has_a_2025_successor_on_the_2025_map(warehouse):
    orphans = warehouse.execute(
        """
        select count(*) from marts.dim_municipality as m
        left join reference.municipalities_2025 as n on m.nis_code_2025 = n.nis_code
        where n.nis_code is null
        """
    ).fetchone()[0]
    assert orphans == 0
    assert warehouse.execute("select count(distinct nis_code_2025) from marts.dim_municipality").fetchone()[0] == 285
    merged = dict(warehouse.execute("select nis_code, nis_code_2025 from marts.dim_municipality").fetchall())
    assert merged["11007"] == "11002"  # Borsbeek joined Antwerpen
    assert merged["73040"] == "71072"  # Kortessem joined Hasselt, which got a new code


def test_schemas_are_named_exactly(warehouse):
    schemas = {name for (name,) in warehouse.execute("select schema_name from information_schema.schemata").fetchall()}
    assert {"reference", "staging", "intermediate", "marts"} <= schemas
    assert not any(name.startswith("main_") for name in schemas)


def test_shipped_reference_data_passes_every_check():
    assert all(found == [] for found in reference_problems(load_reference_frames()).values())


@pytest.mark.parametrize(
    "table, column",
    [("municipalities_2019_2024", "nis_code"), ("population", "reference_date"), ("report_figure_rules", "part")],
)
def test_a_missing_key_column_is_named(table, column):
    frames = load_reference_frames()
    frames[table] = frames[table].drop(columns=[column])
    assert reference_problems(frames)[f"{table}_key_columns"] == [f"{table}: key column {column!r} missing"]


def test_a_reference_defect_fails_its_check_and_replaces_nothing(tmp_path, monkeypatch):
    from dagster import DagsterInstance, materialize

    from orchestration.assets import reference as reference_assets
    from orchestration.resources import WarehouseResource

    def broken_frames():
        frames = load_reference_frames()
        frames["population"] = frames["population"].drop(columns=["reference_date"])
        return frames

    monkeypatch.setattr(reference_assets, "load_reference_frames", broken_frames)
    result = materialize(
        [reference_assets.reference_tables],
        raise_on_error=False,
        instance=DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(tmp_path))},
    )
    assert not result.success
    checks = {
        e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert checks["population_key_columns"] is False and checks["municipalities_2019_2024_key_columns"] is True
    assert result.get_asset_materialization_events() == []


def spoilt_values():
    """A duplicated municipality, a population figure for a code on no map, a 2025 merger into nowhere."""
    frames = load_reference_frames()
    frames["municipalities_2019_2024"] = pd.concat(
        [frames["municipalities_2019_2024"], frames["municipalities_2019_2024"].head(1)], ignore_index=True
    )
    population = frames["population"]
    frames["population"] = population.assign(nis_code=population["nis_code"].where(population.index > 0, "99999"))
    mergers = frames["municipality_mergers"]
    new_code = mergers["new_nis_code"].where(
        ~mergers.index.isin(mergers.index[mergers["effective_date"] == "2025-01-01"][:1]), "12345"
    )
    frames["municipality_mergers"] = mergers.assign(new_nis_code=new_code)
    return frames


@pytest.mark.e2e
def test_reference_value_defects_fail_their_dbt_tests(tmp_path, monkeypatch):
    """The value rules live in dbt (one place): loaded as they are, they fail as asset checks and stop the run."""
    from dagster import AssetSelection

    from conftest import build_warehouse
    from orchestration.assets import reference as reference_assets

    monkeypatch.setattr(reference_assets, "load_reference_frames", spoilt_values)
    result = build_warehouse(tmp_path / "w.duckdb", tmp_path, selection=AssetSelection.groups("reference"))
    assert not result.success
    # each model's `dbt_tests` check fails and names its failing tests
    evaluations = [
        e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    failing = {
        check.asset_key.path[-1]: check.metadata["not_passing"].value for check in evaluations if not check.passed
    }
    assert "`unique_stg_reference__municipalities_nis_code` failed" in failing["stg_reference__municipalities"]
    assert "`row_count_stg_reference__municipalities_" in failing["stg_reference__municipalities"], failing
    assert "stg_reference__population_nis_code" in failing["stg_reference__population"], failing
    assert "municipality_mergers_new_nis_code" in failing["stg_reference__municipality_mergers"], failing
