"""Wave 1 end to end: the synthetic sample through the whole warehouse reproduces the report.

`warehouse` (conftest) is built by the real job from an empty landing directory, so it also proves that
the job writes the bundled sample first.
"""

from __future__ import annotations

import csv

import pytest

from orchestration.settings import SURVEY_SEEDS_DIR
from readback import intended_verdicts, municipality_level, recovered_answers, row_verdicts
from synthetic import build_wave1_sample

PUBLISHED = {row["figure_id"]: row for row in csv.DictReader(open(SURVEY_SEEDS_DIR / "report_figures_w1_2023.csv"))}
FLAGGED_KINDS = {"inconsistency", "population_dependent"}


@pytest.fixture(scope="module")
def figures(warehouse) -> dict[str, dict]:
    cursor = warehouse.execute("select * from marts.mart_report_figures")
    names = [column[0] for column in cursor.description]
    return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}


def test_mart_has_exactly_the_contract_columns_and_every_figure(warehouse, figures):
    columns = [row[0] for row in warehouse.execute("describe marts.mart_report_figures").fetchall()]
    assert columns == [
        "figure_id",
        "count",
        "base_n",
        "pct",
        "count_printed",
        "base_n_printed",
        "pct_printed",
        "kind",
        "matches_report",
    ]
    assert set(figures) == set(PUBLISHED)


@pytest.mark.parametrize(
    "figure_id", sorted(f for f, row in PUBLISHED.items() if row["kind"] in ("exact", "derived_n"))
)
def test_every_exact_and_derived_figure_is_reproduced(figures, figure_id):
    printed, ours = PUBLISHED[figure_id], figures[figure_id]
    assert ours["count"] == float(printed["count"])
    if printed["base_n"]:
        assert ours["base_n"] == int(printed["base_n"])
    assert ours["matches_report"], ours


@pytest.mark.parametrize("figure_id", sorted(f for f, row in PUBLISHED.items() if row["kind"] == "qualitative"))
def test_qualitative_figures_hold_in_their_words(figures, figure_id):
    assert figures[figure_id]["matches_report"], figures[figure_id]


def test_only_flagged_rows_do_not_match(figures):
    not_matching = {figure_id for figure_id, row in figures.items() if not row["matches_report"]}
    assert {figure_id for figure_id in not_matching if figures[figure_id]["kind"] not in FLAGGED_KINDS} == set()
    # The report's own inconsistencies can never match, whatever the data.
    assert {"t4_3_vrije_tijd", "s5_1_meerdere_vormen"} <= not_matching


def test_the_report_inconsistencies_are_flagged_with_the_right_numbers(figures):
    vrije_tijd = figures["t4_3_vrije_tijd"]
    assert (vrije_tijd["count"], vrije_tijd["base_n"], vrije_tijd["pct"], vrije_tijd["pct_printed"]) == (
        132,
        172,
        76.7,
        76.6,
    )
    several_forms = figures["s5_1_meerdere_vormen"]
    assert several_forms["base_n"] == 172 and several_forms["count"] < 172


def test_population_dependent_differences_are_explained(warehouse, figures):
    # Size classes from the 2020 population: the responding counts are the report's, the bases are not.
    bases = {
        figure_id: figures[figure_id]["base_n"]
        for figure_id in ("t3_2_lt10k", "t3_2_10_20k", "t3_2_20_30k", "t3_2_30_50k", "t3_2_gt50k")
    }
    assert bases == {"t3_2_lt10k": 69, "t3_2_10_20k": 129, "t3_2_20_30k": 51, "t3_2_30_50k": 38, "t3_2_gt50k": 13}
    assert all(figures[f]["count"] == float(PUBLISHED[f]["count"]) for f in bases)
    explanations = dict(
        warehouse.execute(
            "select figure_id, explanation from marts.mart_report_figure_comparison where not matches_report"
        ).fetchall()
    )
    for figure_id, explanation in explanations.items():
        assert explanation and ("population" in explanation or "inconsistent" in explanation), figure_id


def test_taskforce_statistics_of_the_responding_municipalities(warehouse):
    summary = warehouse.execute(
        "select n_municipalities_with_count, persons_total, persons_min, persons_max, persons_median, "
        "minors_share_pct, per_1000_mean, per_1000_median, per_1000_min from marts.mart_taskforce_summary "
        "where wave_id = 'w1_2023'"
    ).fetchone()
    n, total, low, high, median, minors, mean_1000, median_1000, min_1000 = summary
    assert (n, total, low, high, median) == (172, 24864, 6, 7388, 60)
    assert 30 <= minors <= 36.7
    assert (round(mean_1000, 1), round(median_1000, 1), round(min_1000, 1)) == (3.7, 3.3, 0.7)


def test_coverage_matches_tables_3_1_and_3_3(warehouse):
    rows = dict(
        ((d, v), (n, r))
        for d, v, n, r in warehouse.execute(
            "select dimension, dimension_value, n_municipalities, n_responding from marts.mart_response_coverage"
            " where wave_id = 'w1_2023'"
        ).fetchall()
    )
    assert rows[("all", "all")] == (300, 172)
    assert rows[("province", "Antwerpen")] == (69, 46)
    assert rows[("belfius_type", "kustgemeenten")] == (8, 5)


def test_round_trip_recovers_the_intended_municipality_answers(warehouse):
    """The answers the generator meant, per municipality and question, are exactly what the marts hold."""
    sample = build_wave1_sample()
    assert municipality_level(sample.codebook, recovered_answers(warehouse, "w1_2023")) == municipality_level(
        sample.codebook, sample.intended_answers
    )


def test_round_trip_recovers_every_row_verdict(warehouse):
    assert row_verdicts(warehouse, "w1_2023") == intended_verdicts(build_wave1_sample())
