"""The SYNTHETIC follow-up wave `w2_2025` through the warehouse: what the generator intended (rows, answers,
Taskforce counts) is what the marts hold, and its trend and panel marts follow contract §4 as recomputed
here, independently, from both waves' intended answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from orchestration.settings import REFERENCE_DIR
from orchestration.survey.codebook import Codebook
from readback import intended_verdicts, municipality_level, recovered_answers, row_verdicts
from synthetic import build_wave1_sample, build_wave2_sample
from synthetic.consolidate import effective_answers

WAVE2 = "w2_2025"


@pytest.fixture(scope="module")
def wave1():
    return build_wave1_sample()


@pytest.fixture(scope="module")
def wave2(wave1):
    return build_wave2_sample(wave1)


@pytest.fixture(scope="module")
def successor() -> dict[str, str]:
    """Every NIS code of either map -> its municipality on the 2025 map."""
    mergers = pd.read_csv(REFERENCE_DIR / "municipality_mergers.csv", dtype=str)
    codes = pd.read_csv(REFERENCE_DIR / "municipalities_2019_2024.csv", dtype=str)["nis_code"].tolist()
    codes += pd.read_csv(REFERENCE_DIR / "municipalities_2025.csv", dtype=str)["nis_code"].tolist()
    out = {code: code for code in codes}
    out.update(dict(zip(*mergers[mergers.effective_date == "2025-01-01"][["old_nis_code", "new_nis_code"]].values.T)))
    return out


def pct(count: int, base: int) -> float:
    return math.floor((2000 * count + base) / (2 * base)) / 10


def test_the_sample_is_deterministic_and_synthetic(wave1, wave2):
    again = build_wave2_sample(wave1)
    assert [r.answers for r in again.responses] == [r.answers for r in wave2.responses]
    assert again.taskforce.equals(wave2.taskforce)
    assert wave2.codebook.wave.municipality_map == "2025" and "SYNTHETIC" in wave2.codebook.wave.title
    assert all(export.name.startswith("SYNTHETIC_") for export in wave2.exports)


def test_every_row_gets_the_intended_verdict(warehouse, wave2):
    assert row_verdicts(warehouse, WAVE2) == intended_verdicts(wave2)


def test_respondents_type_old_and_new_names(warehouse, successor):
    methods = dict(
        warehouse.execute(
            "select method, count(*) from marts.mart_respondent_resolution where wave_id = ? and status = 'valid' "
            "group by method",
            [WAVE2],
        ).fetchall()
    )
    assert methods.get("merged_name", 0) >= 3 and methods.get("exact_name", 0) >= 100
    old_names = set(
        pd.read_csv(REFERENCE_DIR / "municipality_mergers.csv", dtype=str).query("effective_date == '2025-01-01'")[
            "old_name_nl"
        ]
    )
    typed = {
        text
        for (text,) in warehouse.execute(
            "select municipality_text from marts.mart_respondent_resolution where wave_id = ? and method = 'merged_name'",
            [WAVE2],
        ).fetchall()
    }
    assert typed and typed <= old_names


def test_consolidated_answers_are_the_intended_ones(warehouse, wave2):
    assert municipality_level(wave2.codebook, recovered_answers(warehouse, WAVE2)) == municipality_level(
        wave2.codebook, wave2.intended_answers
    )


def test_the_questionnaire_keeps_drops_adds_and_recodes(wave2):
    compared = {q.id: q.comparable_to for q in wave2.codebook.questions if q.comparable_to}
    assert any(c.recode for c in compared.values())  # recoded
    assert any(c.question != qid for qid, c in compared.items())  # renumbered
    assert any(q.has_choices and not q.comparable_to for q in wave2.codebook.questions)  # added
    wave1_closed = {q.id for q in build_wave1_sample().codebook.questions if q.has_choices}
    assert wave1_closed - {c.question for c in compared.values()}  # dropped


# ---------------------------------------------------------------------------------------------------
# Trend and panel, recomputed from the intended answers
# ---------------------------------------------------------------------------------------------------


def units(sample, question_id: str) -> dict[str, object]:
    """unit -> answer to the question, over the question's unit (municipality, or valid respondent)."""
    question = sample.codebook.question(question_id)
    if question.unit == "municipality":
        return {nis: given[question_id] for nis, given in sample.intended_answers.items() if question_id in given}
    valid = {row.response_id for row in sample.intended_rows if row.status == "valid"}
    out = {}
    for response in sample.responses:
        if response.response_id in valid:
            answer = effective_answers(sample.codebook, response.answers).get(question_id)
            if answer is not None:
                out[response.response_id] = answer
    return out


def row_answers(answers: dict[str, object], row: int | None) -> dict[str, frozenset]:
    out = {}
    for unit, value in answers.items():
        value = value.get(row) if row is not None else value
        if value is not None:
            out[unit] = frozenset({value}) if isinstance(value, int) else frozenset(value)
    return out


def rows_of(codebook: Codebook, question_id: str) -> list[int | None]:
    return [row.code for row in codebook.question(question_id).rows] or [None]


def expected_trend(wave1, wave2) -> dict[tuple, tuple]:
    expected = {}
    for question in wave2.codebook.questions:
        comparison = question.comparable_to
        if comparison is None:
            continue
        for row in rows_of(wave2.codebook, question.id):
            later = row_answers(units(wave2, question.id), row)
            earlier = row_answers(units(wave1, comparison.question), row)
            if not later or not earlier:
                continue
            for code in question.choice_codes:
                codes = comparison.compared_codes(code)
                n_selected = sum(code in answer for answer in later.values())
                compared = sum(bool(answer & set(codes)) for answer in earlier.values())
                change = round(pct(n_selected, len(later)) - pct(compared, len(earlier)), 1)
                expected[(question.id, row, code)] = (
                    n_selected,
                    len(later),
                    pct(n_selected, len(later)),
                    comparison.question,
                    ",".join(map(str, codes)),
                    compared,
                    len(earlier),
                    pct(compared, len(earlier)),
                    change,
                )
    return expected


def test_question_trend_matches_the_intended_answers(warehouse, wave1, wave2):
    actual = {
        (q, row, code): tuple(rest)
        for q, row, code, *rest in warehouse.execute(
            "select question_id, row_code, choice_code, n_selected, n_answered, pct, compared_question_id, "
            "compared_choice_codes, compared_n_selected, compared_n_answered, compared_pct, pct_point_change "
            "from marts.mart_question_trend where wave_id = ? and compared_wave_id = 'w1_2023'",
            [WAVE2],
        ).fetchall()
    }
    expected = expected_trend(wave1, wave2)
    assert len(expected) > 50 and {key[0] for key in expected} >= {"Q2", "Q6", "Q21", "Q31"}
    assert actual == expected


def expected_panel(wave1, wave2, successor) -> dict[tuple, str]:
    """(question, row, 2025 municipality) -> comparison status, by this file's own reading of the rule."""
    expected = {}
    for question in wave2.codebook.questions:
        comparison = question.comparable_to
        if comparison is None or question.unit != "municipality":
            continue
        targets = {value for code in question.choice_codes for value in comparison.compared_codes(code)}
        for row in rows_of(wave2.codebook, question.id):
            later = row_answers(units(wave2, question.id), row)
            by_successor: dict[str, set[frozenset]] = {}
            for nis, answer in row_answers(units(wave1, comparison.question), row).items():
                by_successor.setdefault(successor[nis], set()).add(answer)
            for nis in set(later) | set(by_successor):
                before = by_successor.get(nis)
                if nis not in later:
                    status = "only_compared_wave"
                elif before is None:
                    status = "only_this_wave"
                elif len(before) > 1:
                    status = "predecessors_differ"
                else:
                    (earlier,) = before
                    now = later[nis]
                    covered = {v for code in now for v in comparison.compared_codes(code)}
                    held = all(
                        earlier & set(comparison.compared_codes(code))
                        for code in now
                        if comparison.compared_codes(code)
                    )
                    status = "unchanged" if held and (earlier & targets) <= covered else "changed"
                expected[(question.id, row, nis)] = status
    return expected


def test_municipality_panel_follows_the_rule(warehouse, wave1, wave2, successor):
    actual = {
        (q, row, nis): status
        for q, row, nis, status in warehouse.execute(
            "select question_id, row_code, nis_code, comparison_status from marts.mart_municipality_panel "
            "where wave_id = ?",
            [WAVE2],
        ).fetchall()
    }
    expected = expected_panel(wave1, wave2, successor)
    statuses = set(expected.values())
    assert statuses == {"unchanged", "changed", "only_this_wave", "only_compared_wave", "predecessors_differ"}
    assert actual == expected


def test_panel_trend_counts_the_compared_municipalities(warehouse, wave1, wave2, successor):
    panel = expected_panel(wave1, wave2, successor)
    compared = sum(
        status in ("changed", "unchanged") for (q, row, _), status in panel.items() if (q, row) == ("Q6", None)
    )
    differ = sum(status == "predecessors_differ" for (q, row, _), status in panel.items() if (q, row) == ("Q6", None))
    rows = warehouse.execute(
        "select distinct n_municipalities, n_predecessors_differ from marts.mart_panel_question_trend "
        "where wave_id = ? and question_id = 'Q6'",
        [WAVE2],
    ).fetchall()
    assert rows == [(compared, differ)]


def test_taskforce_series_sums_every_snapshot_on_the_2025_map(warehouse, wave1, wave2, successor):
    snapshots = pd.concat([wave1.taskforce, wave2.taskforce])
    snapshots["nis_2025"] = snapshots["nis_code"].map(successor)
    expected = {
        (date, nis): int(persons)
        for (date, nis), persons in snapshots.groupby(["peildatum", "nis_2025"])["personen"].sum().items()
    }
    actual = {
        (str(date), nis): persons
        for date, nis, persons in warehouse.execute(
            "select snapshot_date, nis_code, persons from marts.mart_taskforce_timeseries "
            "where area_level = 'municipality'"
        ).fetchall()
    }
    assert actual == expected and len({date for date, _ in actual}) == snapshots["peildatum"].nunique()
    flanders = dict(
        warehouse.execute(
            "select strftime(snapshot_date, '%Y-%m-%d'), persons from marts.mart_taskforce_timeseries "
            "where area_level = 'flanders'"
        ).fetchall()
    )
    assert flanders == {date: int(total) for date, total in snapshots.groupby("peildatum")["personen"].sum().items()}
