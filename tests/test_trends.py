"""Contract §4 on a two-wave landing the warehouse has never seen (tests/scenarios.py): a hand-made wave 1 on
the 2019–2024 map and a follow-up `wb_2025` on the 2025 map with a changed questionnaire (split codes,
folded codes, a matrix, a new question). Every expected value below is worked out by hand from the
respondents in `FOLLOW_UP_WAVE1` / `FOLLOW_UP_WAVE2`."""

from __future__ import annotations

import duckdb
import pytest

from conftest import build_warehouse
from orchestration.reporting import mismatches_markdown, report_waves_not_loaded
from scenarios import (
    ANTWERPEN,
    BORGLOON,
    EXPECTED_FOLLOW_UP_RESOLUTION,
    FOLLOW_UP_WAVE,
    GENT,
    HASSELT_2019,
    HASSELT_2025,
    KORTESSEM,
    KORTRIJK,
    LEUVEN,
    PAJOTTEGEM,
    TONGEREN,
    TONGEREN_BORGLOON,
    write_follow_up_landing,
)


@pytest.fixture(scope="module")
def follow_up(tmp_path_factory):
    root = tmp_path_factory.mktemp("follow_up")
    result = build_warehouse(root / "warehouse.duckdb", write_follow_up_landing(root / "landing"))
    assert result.success
    connection = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_old_and_new_names_resolve_on_the_2025_map(follow_up):
    rows = dict(
        follow_up.execute(
            "select response_id, nis_code from marts.mart_respondent_resolution where wave_id = ? and status = 'valid'",
            [FOLLOW_UP_WAVE],
        ).fetchall()
    )
    assert rows == EXPECTED_FOLLOW_UP_RESOLUTION


def trend(follow_up, question_id: str, row_code: int | None = None) -> list[tuple]:
    return follow_up.execute(
        "select choice_code, n_selected, n_answered, pct, compared_wave_id, compared_question_id, "
        "compared_choice_codes, compared_n_selected, compared_n_answered, compared_pct, pct_point_change "
        "from marts.mart_question_trend where wave_id = ? and question_id = ? and row_code is not distinct from ? "
        "order by choice_code",
        [FOLLOW_UP_WAVE, question_id, row_code],
    ).fetchall()


def test_trend_of_a_single_question_with_a_split_code(follow_up):
    # Later QA over 6 municipalities: Hasselt 2, Tongeren-Borgloon 1, Gent 3, Antwerpen 4, Leuven 3, Pajottegem 1.
    # Earlier Q6 over 8: code 1 Hasselt, Kortessem, Gent; 2 Tongeren, Leuven, Kortrijk; 3 Borgloon, Antwerpen.
    assert trend(follow_up, "QA") == [
        (1, 2, 6, 33.3, "w1_2023", "Q6", "1", 3, 8, 37.5, -4.2),
        (2, 1, 6, 16.7, "w1_2023", "Q6", "1", 3, 8, 37.5, -20.8),
        (3, 2, 6, 33.3, "w1_2023", "Q6", "2", 3, 8, 37.5, -4.2),
        (4, 1, 6, 16.7, "w1_2023", "Q6", "3", 2, 8, 25.0, -8.3),
    ]


def test_trend_of_a_multi_question_with_folded_codes_counts_units_once(follow_up):
    # Later QB over 3: Hasselt {1,3} (two respondents' union), Gent {1}, Leuven {2}. Earlier Q3 over 8:
    # codes 1 or 2 held by six municipalities (Hasselt holds both: counted once), 3 by Kortessem, 4 by Leuven.
    assert trend(follow_up, "QB") == [
        (1, 2, 3, 66.7, "w1_2023", "Q3", "1,2", 6, 8, 75.0, -8.3),
        (2, 1, 3, 33.3, "w1_2023", "Q3", "3", 1, 8, 12.5, 20.8),
        (3, 1, 3, 33.3, "w1_2023", "Q3", "4,5", 1, 8, 12.5, 20.8),
    ]


def test_trend_of_a_matrix_compares_row_by_row_where_both_waves_answered(follow_up):
    row1 = {choice: values for choice, *values in trend(follow_up, "QM", 1)}
    assert sorted(row1) == list(range(1, 9))
    assert row1[1][:2] == [1, 1] and row1[1][5:] == ["1", 1, 1, 100.0, 0.0]
    assert row1[2][:2] == [0, 1] and row1[2][5:] == ["2", 1, 1, 100.0, -100.0]
    assert {choice: values[0] for choice, *values in trend(follow_up, "QM", 2)}[7] == 1
    assert trend(follow_up, "QM", 3) == []  # nobody answered row 3 in either wave: no row


def test_new_and_open_questions_have_no_trend(follow_up):
    questions = {
        q
        for (q,) in follow_up.execute(
            "select distinct question_id from marts.mart_question_trend where wave_id = ?", [FOLLOW_UP_WAVE]
        ).fetchall()
    }
    assert questions == {"QA", "QB", "QM"}


def test_trend_counts_equal_mart_question_result(follow_up):
    differing = follow_up.execute("""
        select count(*) from marts.mart_question_trend as trend
        join marts.mart_question_result as result using (wave_id, question_id, choice_code)
        where trend.row_code is not distinct from result.row_code
          and (trend.n_selected, trend.n_answered, trend.pct) != (result.n_selected, result.n_answered, result.pct)
    """).fetchone()[0]
    assert differing == 0


def panel(follow_up, question_id: str) -> dict[str, tuple]:
    return {
        nis: rest
        for nis, *rest in follow_up.execute(
            "select nis_code, comparison_status, answer_codes, compared_answer_codes, compared_answers_by_municipality "
            "from marts.mart_municipality_panel where wave_id = ? and question_id = ?",
            [FOLLOW_UP_WAVE, question_id],
        ).fetchall()
    }


def test_panel_compares_the_same_municipalities_on_the_2025_map(follow_up):
    qa = panel(follow_up, "QA")
    # Hasselt's predecessors both said 1; "Ja, beperkt" (2) stands for that 1: unchanged, not changed.
    assert qa[HASSELT_2025] == ["unchanged", "2", "1", f"{HASSELT_2019}: 1 | {KORTESSEM}: 1"]
    assert qa[GENT][:3] == ["changed", "3", "1"]
    assert qa[LEUVEN][:3] == ["unchanged", "3", "2"]
    assert qa[ANTWERPEN][:3] == ["unchanged", "4", "3"]  # typed as Borsbeek; Borsbeek itself did not answer
    assert qa[PAJOTTEGEM][0] == "only_this_wave"
    assert qa[KORTRIJK][0] == "only_compared_wave"


def test_predecessors_that_answered_differently_are_flagged_not_averaged(follow_up):
    qa = panel(follow_up, "QA")
    assert qa[TONGEREN_BORGLOON] == ["predecessors_differ", "1", None, f"{BORGLOON}: 3 | {TONGEREN}: 2"]
    qb = panel(follow_up, "QB")
    assert qb[HASSELT_2025][0] == "predecessors_differ" and qb[HASSELT_2025][2] is None
    assert qb[LEUVEN][:3] == ["changed", "2", "4"]
    assert qb[GENT][:3] == ["unchanged", "1", "1"]


def test_panel_trend_counts_only_municipalities_that_answered_both_waves(follow_up):
    rows = follow_up.execute(
        "select choice_code, n_municipalities, n_selected, pct, compared_n_selected, compared_pct, "
        "n_predecessors_differ, n_changed, pct_point_change from marts.mart_panel_question_trend "
        "where wave_id = ? and question_id = 'QA' order by choice_code",
        [FOLLOW_UP_WAVE],
    ).fetchall()
    # Compared: Hasselt (2 vs 1), Gent (3 vs 1), Leuven (3 vs 2), Antwerpen (4 vs 3); Tongeren-Borgloon left out.
    assert rows == [
        (1, 4, 0, 0.0, 2, 50.0, 1, 1, -50.0),
        (2, 4, 1, 25.0, 2, 50.0, 1, 1, -25.0),
        (3, 4, 2, 50.0, 1, 25.0, 1, 1, 25.0),
        (4, 4, 1, 25.0, 1, 25.0, 1, 1, 0.0),
    ]


def test_taskforce_series_on_the_2025_map(follow_up):
    rows = {
        (str(date), nis): rest
        for date, nis, *rest in follow_up.execute(
            "select snapshot_date, nis_code, persons, minors, population_reference_date, n_codes_reported "
            "from marts.mart_taskforce_timeseries where persons is not null"
        ).fetchall()
    }
    # 2024: Hasselt and Kortessem summed into Hasselt (2025); population of 2020 is the closest shipped.
    assert (
        rows[("2024-12-15", HASSELT_2025)][:2] == [520, 155]
        and str(rows[("2024-12-15", HASSELT_2025)][2]) == "2020-01-01"
    )
    # 2025: the 2025 code's own row wins over a predecessor row of the same date.
    assert rows[("2025-03-15", HASSELT_2025)][:2] == [530, 160] and rows[("2025-03-15", HASSELT_2025)][3] == 1
    # A 2019 snapshot uses the 2019 population.
    assert str(rows[("2019-03-01", HASSELT_2025)][2]) == "2019-01-01"
    assert rows[("2024-12-15", "02000")][:2] == [1520, 455]
    n_dates = follow_up.execute("select count(distinct snapshot_date) from marts.mart_taskforce_timeseries").fetchone()[
        0
    ]
    per_date = follow_up.execute(
        "select count(*) from marts.mart_taskforce_timeseries group by snapshot_date"
    ).fetchall()
    assert n_dates == 3 and per_date == [(286,)] * 3  # 285 municipalities and Flanders


def test_per_1000_uses_the_population_of_the_date_used(follow_up):
    persons, population, per_1000, summed = follow_up.execute(
        """
        select persons, population, persons_per_1000,
               (select sum(population) from staging.stg_reference__population
                where nis_code in ('71022', '73040') and reference_date = '2020-01-01')
        from marts.mart_taskforce_timeseries where snapshot_date = '2024-12-15' and nis_code = ?
    """,
        [HASSELT_2025],
    ).fetchone()
    assert population == summed and per_1000 == pytest.approx(1000 * persons / population)


# ---------------------------------------------------------------------------------------------------
# A landing with only the follow-up wave: compared against the bundled wave-1 codebook, no report check
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def follow_up_only(tmp_path_factory):
    root = tmp_path_factory.mktemp("follow_up_only")
    landing = write_follow_up_landing(root / "landing")
    for path in sorted((landing / "waves" / "w1_2023").iterdir()):
        path.unlink()
    (landing / "waves" / "w1_2023").rmdir()
    result = build_warehouse(root / "warehouse.duckdb", landing)
    assert result.success
    connection = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield connection, result
    connection.close()


def test_without_the_report_wave_no_figure_is_listed_as_not_matching(follow_up_only):
    connection, result = follow_up_only
    assert connection.execute("select count(*) from marts.mart_report_figures").fetchone() == (0,)
    assert report_waves_not_loaded(connection) == ["w1_2023"]
    metadata = next(
        event.event_specific_data.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == "marts/mart_report_figures"
    )
    assert metadata["figures_not_matching"].value == 0
    text = metadata["not_matching"].value
    assert text.count("w1_2023") == 1 and "not in the landing directory" in text
    assert "not in the landing directory" in mismatches_markdown([], ["w1_2023"])


def test_make_run_summary_says_once_that_the_report_wave_is_not_loaded(follow_up_only):
    from orchestration.cli import summary_lines

    connection, _ = follow_up_only
    lines = summary_lines(connection)
    assert [line for line in lines if "w1_2023" in line] == [
        "Published figures of w1_2023 not checked: that wave is not in the landing directory."
    ]
    assert not any("not matching" in line or "reproduced" in line for line in lines)
    assert f"Waves: {FOLLOW_UP_WAVE} (2025 map)" in lines


def test_a_follow_up_alone_builds_but_has_no_trend_without_earlier_answers(follow_up_only):
    connection, _ = follow_up_only
    assert connection.execute("select count(*) from marts.mart_question_trend").fetchone() == (0,)
    assert connection.execute(
        "select count(distinct compared_wave_id) from staging.stg_codebook__comparisons"
    ).fetchone() == (1,)
