"""SYNTHETIC rows the rules must keep out of every count: previews, unlinkable answers, duplicates.

Their answers are random but well-formed (display logic respected), so the only reason they do not
count is the rule under test, never a parse error.
"""

from __future__ import annotations

import random

from orchestration.survey.codebook import Codebook
from synthetic import texts
from synthetic.consolidate import effective_answers
from synthetic.respondents import Respondent


def random_answers(
    codebook: Codebook, rng: random.Random, respondent: Respondent, stop_after: str | None = None
) -> None:
    """Fill a junk respondent with plausible random answers, in questionnaire order."""
    for question in codebook.questions:
        if question.id == "Q1":
            continue
        condition = question.shown_if
        if condition is not None:
            gate = effective_answers(codebook, respondent.answers).get(condition.question)
            if not condition.holds(gate if isinstance(gate, (int, frozenset)) else None):
                continue
        if rng.random() < 0.12 and question.id != "Q2":
            continue
        if question.type in ("single", "likert5"):
            value = rng.choice(question.choice_codes)
        elif question.type == "multi":
            plain = [c for c in question.choice_codes if c not in question.exclusive_codes]
            value = frozenset(rng.sample(plain, rng.randint(1, min(3, len(plain)))))
        elif question.type == "matrix_multi":
            value = {row.code: frozenset(rng.sample(range(1, 7), rng.randint(1, 2))) for row in question.rows}
        elif question.type == "number":
            value = rng.randint(5, 400)
        elif question.role == "municipality":
            continue
        else:
            if rng.random() < 0.5:
                continue
            value = texts.open_text(question.id, rng)
        respondent.answers[question.id] = value
        if question.other_text is not None and isinstance(value, (int, frozenset)):
            codes = {value} if isinstance(value, int) else value
            if question.other_text in codes and texts.has_other_text(question.id, question.other_text):
                respondent.other_texts[(question.id, question.other_text)] = texts.other_text(
                    question.id, question.other_text, rng
                )
        if stop_after is not None and question.id == stop_after:
            break
