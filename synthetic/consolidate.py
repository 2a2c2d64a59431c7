"""The contract's respondent rules (§2) in plain Python, used by the SYNTHETIC generator to check itself.

The generator designs municipality-level answers first and then spreads them over respondents; these
functions replay display logic, the primary-first order and consolidation on what it built, so
`intended_answers` is never just the design but what the rules actually yield. tests/test_synthetic_sample.py
imports these same functions to check the sample (there is no second Python copy). The warehouse's own
implementation of the rules is the dbt models, tested on their own rows by dbt unit tests
(`dbt_project/models/intermediate/survey/_survey__unit_tests.yml`) and end to end by tests/test_rules.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from orchestration.survey.codebook import Codebook, Question
from synthetic.responses import SEEN_UNANSWERED, SurveyResponse


def is_answered(question: Question, value: object) -> bool:
    if value is None or value is SEEN_UNANSWERED:
        return False
    if question.type == "text":
        return isinstance(value, str) and bool(value.strip())
    if question.type == "multi":
        return bool(value)
    if question.type == "matrix_multi":
        return isinstance(value, dict) and any(value.values())
    return True


def effective_answers(codebook: Codebook, answers: dict[str, object]) -> dict[str, object]:
    """Answers that survive display logic, evaluated in questionnaire order on surviving answers."""
    kept: dict[str, object] = {}
    for question in codebook.questions:
        value = answers.get(question.id)
        if not is_answered(question, value):
            continue
        condition = question.shown_if
        if condition is not None and not condition.holds(_gate_value(kept.get(condition.question))):
            continue
        if question.type == "matrix_multi":
            value = {row: codes for row, codes in value.items() if codes}
        kept[question.id] = value
    return kept


def _gate_value(value: object) -> object:
    return value if isinstance(value, (int, frozenset, set)) and not isinstance(value, bool) else None


def displayed(codebook: Codebook, question: Question, answers: dict[str, object]) -> bool:
    """Would this respondent see `question`, given its surviving earlier answers?"""
    condition = question.shown_if
    if condition is None:
        return True
    earlier = effective_answers(codebook, answers)
    return condition.holds(_gate_value(earlier.get(condition.question)))


def answer_count(
    codebook: Codebook,
    answers: dict[str, object],
    *,
    effective: bool = True,
    matrix_rows: bool = False,
    profile: bool = True,
) -> int:
    """Questions answered; the variants let the generator check that the primary wins under any reading."""
    source = (
        effective_answers(codebook, answers)
        if effective
        else {
            qid: value
            for qid, value in answers.items()
            if qid in codebook and is_answered(codebook.question(qid), value)
        }
    )
    total = 0
    for qid, value in source.items():
        if not profile and qid in ("Q1", "Q2"):
            continue
        if matrix_rows and isinstance(value, dict):
            total += sum(1 for codes in value.values() if codes)
        else:
            total += 1
    return total


def order_key(codebook: Codebook, response: SurveyResponse, **count_options) -> tuple:
    """Primary first: highest Progress, most questions answered, latest EndDate, smallest ResponseId."""
    progress = float(response.metadata.get("Progress", "0") or 0)
    end = response.metadata.get("EndDate", "")
    return (
        -progress,
        -answer_count(codebook, response.answers, **count_options),
        _Descending(end),
        response.response_id,
    )


class _Descending(str):
    def __lt__(self, other: str) -> bool:  # type: ignore[override]
        return str.__gt__(self, other)


COUNT_VARIANTS = (
    {"effective": True, "matrix_rows": False, "profile": True},
    {"effective": False, "matrix_rows": False, "profile": True},
    {"effective": True, "matrix_rows": True, "profile": False},
    {"effective": False, "matrix_rows": True, "profile": True},
)


def robust_order(codebook: Codebook, responses: list[SurveyResponse]) -> list[SurveyResponse] | None:
    """The primary-first order if every counting variant agrees on it, else None."""
    orders = {
        tuple(r.response_id for r in sorted(responses, key=lambda r: order_key(codebook, r, **v)))
        for v in COUNT_VARIANTS
    }
    if len(orders) != 1:
        return None
    by_id = {r.response_id: r for r in responses}
    return [by_id[rid] for rid in orders.pop()]


def consolidate(codebook: Codebook, ordered: Iterable[SurveyResponse]) -> dict[str, object]:
    """Municipality-level answers from respondents already in primary-first order."""
    ordered = list(ordered)
    answers = [effective_answers(codebook, r.answers) for r in ordered]
    out: dict[str, object] = {}
    for question in codebook.questions:
        if question.type == "number":
            continue
        given = [a[question.id] for a in answers if question.id in a]
        if not given:
            continue
        if question.type == "text":
            out[question.id] = True
        elif question.type in ("single", "likert5"):
            out[question.id] = given[0]
        elif question.type == "multi":
            out[question.id] = _union(given, question.exclusive_codes)
        else:
            rows: dict[int, frozenset] = {}
            for row in question.rows:
                row_given = [g[row.code] for g in given if g.get(row.code)]
                if row_given:
                    rows[row.code] = _union(row_given, question.exclusive_codes)
            if rows:
                out[question.id] = rows
    return out


def _union(given: list[frozenset], exclusive: frozenset[int]) -> frozenset:
    union = frozenset().union(*given)
    if union - exclusive:
        return union - exclusive
    return given[0]
