"""The contract's rules (§2), each on a hand-made respondent of tests/scenarios.py, through the whole pipeline."""

from __future__ import annotations

import duckdb
import pytest

from conftest import build_warehouse
from scenarios import (
    AARTSELAAR,
    EXPECTED_2025_RESOLUTION,
    EXPECTED_RESOLUTION,
    GENT,
    HASSELT_2025,
    KORTRIJK,
    LEUVEN,
    MAP_2025_WAVE,
    VARIANTS,
    write_map2025_wave,
    write_scenario_landing,
    write_variant_landing,
)

# Each module build runs the whole pipeline on the scenario landing (a minute or more).
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("scenario")
    landing = write_map2025_wave(write_variant_landing(write_scenario_landing(root / "landing")))
    result = build_warehouse(root / "warehouse.duckdb", landing)
    assert result.success
    connection = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def consolidated(scenario, nis_code: str, question_id: str, wave_id: str = "w1_2023") -> dict:
    rows = scenario.execute(
        "select row_code, choice_code from marts.fct_municipality_answers "
        "where wave_id = ? and nis_code = ? and question_id = ?",
        [wave_id, nis_code, question_id],
    ).fetchall()
    answer: dict = {}
    for row_code, choice_code in rows:
        answer.setdefault(row_code, set()).add(choice_code)
    return answer


def resolution(scenario) -> list[tuple]:
    return scenario.execute(
        "select response_id, status, nis_code, method, reason from marts.mart_respondent_resolution "
        "where wave_id = 'w1_2023' order by source_row"
    ).fetchall()


@pytest.mark.parametrize("response_id", sorted(EXPECTED_RESOLUTION))
def test_each_resolution_path(scenario, response_id):
    rows = [row for row in resolution(scenario) if row[0] == response_id]
    assert [row[1:4] for row in rows] == [EXPECTED_RESOLUTION[response_id]]
    if rows[0][1] != "valid":
        assert rows[0][4], "a row that does not count must say why"


def test_ambiguity_and_unknown_are_quarantined_with_the_reason(scenario):
    reasons = {row[0]: row[4] for row in resolution(scenario)}
    assert "ambiguous: deelgemeente points to 2 municipalities" in reasons["R_deurne"]
    assert "ambiguous: postal_code points to 3 municipalities" in reasons["R_postal_merged"]
    assert "no municipality, former municipality, deelgemeente, postal code or close name" in reasons["R_vlaanderen"]


def test_override_wins(scenario):
    assert (AARTSELAAR,) in scenario.execute(
        "select nis_code from marts.mart_respondent_resolution where response_id = 'R_override'"
    ).fetchall()


def test_identical_repeat_counts_once_and_a_clashing_id_not_at_all(scenario):
    statuses = [row[1] for row in resolution(scenario) if row[0] == "R_leuven"]
    assert sorted(statuses) == ["excluded", "valid"]
    assert [row[1] for row in resolution(scenario) if row[0] == "R_clash"] == ["quarantined", "quarantined"]


def test_every_export_row_is_accounted_for(scenario):
    exported = scenario.execute("select count(*) from raw.export_rows where wave_id = 'w1_2023'").fetchone()[0]
    assert len(resolution(scenario)) == exported == 17


def test_multi_select_is_the_union_of_respondents(scenario):
    assert consolidated(scenario, GENT, "Q3") == {None: {1, 2, 3}}


def test_exclusive_code_is_dropped_when_a_colleague_chose_a_real_option(scenario):
    assert consolidated(scenario, GENT, "Q5") == {None: {1}}


def test_single_answer_comes_from_the_primary_respondent(scenario):
    assert consolidated(scenario, GENT, "Q6") == {None: {1}}


def test_primary_order_falls_back_to_the_latest_end_date(scenario):
    # Same Progress and number of answers: the French-named response ended later, so it is primary.
    assert consolidated(scenario, KORTRIJK, "Q6") == {None: {2}}


def test_a_colleague_fills_in_what_the_primary_skipped(scenario):
    assert consolidated(scenario, GENT, "Q9") == {None: {1}}


def test_matrix_rows_are_consolidated_row_by_row(scenario):
    # Row 1: "Nee" (exclusive) beside a colleague's two yes-codes -> the yes-codes.
    # Row 2: two exclusive codes -> the primary's.
    assert consolidated(scenario, GENT, "Q31") == {1: {1, 2}, 2: {8}}


def test_disagreements_are_recorded(scenario):
    conflicts = scenario.execute(
        "select question_id, conflict_type from marts.mart_answer_conflicts where nis_code = ?", [GENT]
    ).fetchall()
    assert ("Q6", "different answers") in conflicts
    assert ("Q14", "different numbers") in conflicts
    assert ("Q5", "exclusive code dropped by the union") in conflicts


def test_answers_hidden_by_display_logic_are_discarded_and_logged(scenario):
    assert consolidated(scenario, "11002", "Q13") == {}
    logged = scenario.execute(
        "select question_id, shown_if_question_id from intermediate.int_display_logic_violations"
        " where wave_id = 'w1_2023'"
    ).fetchall()
    assert logged == [("Q13", "Q12")]


def test_numbers_stay_per_respondent_beside_the_taskforce_count(scenario):
    rows = scenario.execute(
        "select response_id, reported, taskforce_persons from marts.mart_reported_vs_taskforce "
        "where wave_id = 'w1_2023' order by response_id"
    ).fetchall()
    # The Taskforce count on the reference date (2023-04-15), not the later snapshot; `1.250` is 1250.
    assert rows == [("R_gent_primary", 120, 1100), ("R_gent_second", 150, 1100), ("R_leuven", 1250, None)]


def test_a_number_in_words_is_reported_not_guessed(scenario):
    findings = scenario.execute(
        "select column_name, finding from marts.mart_data_quality_findings "
        "where wave_id = 'w1_2023' and finding_type = 'undecodable cell'"
    ).fetchall()
    assert findings == [("Q14", 'not a whole number: "ongeveer 40"')]


def test_unusable_taskforce_rows_are_reported_not_dropped(scenario):
    findings = scenario.execute(
        "select finding from marts.mart_data_quality_findings where finding_type = 'unusable Taskforce row'"
    ).fetchall()
    assert findings == [('peildatum "not-a-date" is not a date',)]
    unknown = scenario.execute(
        "select finding from marts.mart_data_quality_findings "
        "where finding_type = 'Taskforce row for an unknown municipality'"
    ).fetchall()
    assert unknown == [("nis_code 99999 is on no municipality map",)]


def test_leuven_counts_once_in_coverage(scenario):
    assert scenario.execute(
        "select n_questionnaires from intermediate.int_responding_municipalities where wave_id = 'w1_2023' and nis_code = ?",
        [LEUVEN],
    ).fetchone() == (1,)


@pytest.mark.parametrize("wave_id", sorted(set(VARIANTS) - {"v_numeric_combined"}))
def test_every_export_variant_reads_to_the_same_answers(scenario, wave_id):
    query = (
        "select nis_code, question_id, row_code, choice_code, n_respondents from marts.fct_municipality_answers "
        "where wave_id = ? order by all"
    )
    reference = scenario.execute(query, ["v_numeric_combined"]).fetchall()
    assert reference, "the reference variant decoded nothing"
    assert scenario.execute(query, [wave_id]).fetchall() == reference
    texts = "select nis_code, question_id, answer_text from marts.mart_open_answers where wave_id = ? order by all"
    assert scenario.execute(texts, [wave_id]).fetchall() == scenario.execute(texts, ["v_numeric_combined"]).fetchall()
    findings = scenario.execute(
        "select finding_type, finding from marts.mart_data_quality_findings "
        "where wave_id = ? and finding_type = 'undecodable cell'",
        [wave_id],
    ).fetchall()
    assert findings == []


def test_a_wave_on_the_2025_map_resolves_to_the_merged_municipalities(scenario):
    rows = scenario.execute(
        "select response_id, nis_code, method, status from marts.mart_respondent_resolution where wave_id = ?",
        [MAP_2025_WAVE],
    ).fetchall()
    assert {row[0]: row[1:3] for row in rows} == EXPECTED_2025_RESOLUTION
    assert {row[3] for row in rows} == {"valid"}


def test_a_2025_wave_gets_its_attributes_from_the_predecessors(scenario):
    hasselt = scenario.execute(
        "select persons, population, has_responded from marts.mart_taskforce_reception "
        "where wave_id = ? and nis_code = ?",
        [MAP_2025_WAVE, HASSELT_2025],
    ).fetchone()
    predecessors = scenario.execute(
        "select sum(population) from marts.dim_municipality where nis_code in ('71022', '73040')"
    ).fetchone()[0]
    assert hasselt == (900, predecessors, True)
    coverage = scenario.execute(
        "select n_municipalities, n_responding from marts.mart_response_coverage "
        "where wave_id = ? and dimension = 'all'",
        [MAP_2025_WAVE],
    ).fetchone()
    assert coverage == (285, 4)
