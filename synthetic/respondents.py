"""SYNTHETIC respondents: spread each municipality's designed answers over one to three colleagues.

The primary (complete, Progress 100) answers almost everything. Extra colleagues answer a few
sections, or stop half-way (partial responses), and either *complement* the primary (answer what it
skipped, add codes that the union rule merges) or *contradict* it (another single answer, which loses
to the primary; an exclusive code such as Q5 `Nee` next to the primary's codes, which the union rule
drops). Display logic holds per respondent: a colleague only answers what its own earlier answers show.
After drafting, every municipality is replayed through the contract rules (`consolidate`) and repaired
until it yields exactly the design; the order primary-first must not depend on how answers are counted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from orchestration.survey.codebook import Codebook, Question
from synthetic import texts
from synthetic.consolidate import consolidate, effective_answers, is_answered
from synthetic.responses import SEEN_UNANSWERED, SurveyResponse

CONTENT_SECTIONS = ("beleidskeuzes", "opvang", "tewerkstelling", "vrijwilligers", "samenwerking", "overheden", "lessen")
LATE_STOP_QUESTION = "Q38"  # partial primaries stop right after this question
FORCED_SCENARIOS = (
    "q5_exclusive",
    "contradict_single",
    "complement_single",
    "union_multi",
    "complement_question",
    "gate_split",
)


@dataclass
class Respondent:
    """A response row before it becomes a `SurveyResponse` (metadata is added later)."""

    key: str  # stable internal id, replaced by a ResponseId later
    nis_code: str | None
    kind: str  # primary, extra, partial_extra, partial_primary, or a junk kind
    answers: dict[str, object] = field(default_factory=dict)
    other_texts: dict[tuple[str, int], str] = field(default_factory=dict)
    progress: int = 100
    sections: tuple[str, ...] = CONTENT_SECTIONS
    stop_position: int | None = None  # last question position reached (partial responses)
    scenario: str | None = None


class Context:
    """What every drafting step needs: the codebook, its gates and positions, and one random stream."""

    def __init__(self, codebook: Codebook, respondent_texts: frozenset[str], rng: random.Random):
        self.codebook = codebook
        self.rng = rng
        self.respondent_texts = respondent_texts
        self.gates = frozenset(q.shown_if.question for q in codebook.questions if q.shown_if)
        self.positions = {q.id: q.position for q in codebook.questions}

    def designed(self, question: Question) -> bool:
        """Questions whose municipality-level answer is designed (not Q1/Q2/Q14/respondent texts)."""
        return (
            question.id not in ("Q1", "Q2") and question.type != "number" and question.id not in self.respondent_texts
        )


def progress_at(codebook: Codebook, position: int) -> int:
    return max(1, min(99, round(100 * position / len(codebook.questions))))


def _add_other_texts(ctx: Context, respondent: Respondent, question: Question, value: object) -> None:
    if question.other_text is None or not isinstance(value, (int, frozenset)):
        return
    codes = {value} if isinstance(value, int) else value
    if question.other_text in codes and texts.has_other_text(question.id, question.other_text):
        if ctx.rng.random() < 0.85:
            respondent.other_texts[(question.id, question.other_text)] = texts.other_text(
                question.id, question.other_text, ctx.rng
            )


def _skip(ctx: Context, respondent: Respondent, question: Question) -> None:
    """Seen but not answered: Qualtrics' -99 for some, an empty cell for others."""
    if ctx.rng.random() < 0.4:
        respondent.answers[question.id] = SEEN_UNANSWERED
    else:
        respondent.answers.pop(question.id, None)


def _draft_primary(ctx: Context, nis: str, design: dict[str, object], kind: str) -> Respondent:
    respondent = Respondent(key=f"{nis}-p", nis_code=nis, kind=kind)
    stop = ctx.positions[LATE_STOP_QUESTION] if kind == "partial_primary" else None
    if stop is not None:
        respondent.stop_position = stop
        respondent.progress = progress_at(ctx.codebook, stop)
    for question in ctx.codebook.questions:
        if stop is not None and question.position > stop:
            break
        if not ctx.designed(question):
            continue
        if question.id in design:
            value = design[question.id]
            respondent.answers[question.id] = texts.open_text(question.id, ctx.rng) if value is True else value
            _add_other_texts(ctx, respondent, question, value)
        elif _shown_to(ctx, respondent, question):
            _skip(ctx, respondent, question)
    return respondent


def _shown_to(ctx: Context, respondent: Respondent, question: Question) -> bool:
    condition = question.shown_if
    if condition is None:
        return True
    gate = effective_answers(ctx.codebook, respondent.answers).get(condition.question)
    return condition.holds(gate if isinstance(gate, (int, frozenset)) else None)


def _contradicting_code(ctx: Context, question: Question, value: int) -> int:
    options = [c for c in question.choice_codes if c != value]
    return ctx.rng.choice(options)


def _subset(ctx: Context, codes: frozenset[int]) -> frozenset[int]:
    pool = sorted(codes)
    size = ctx.rng.randint(1, len(pool))
    return frozenset(ctx.rng.sample(pool, size))


def _draft_extra(
    ctx: Context, nis: str, index: int, design: dict[str, object], kind: str, scenario: str | None
) -> Respondent:
    rng = ctx.rng
    respondent = Respondent(key=f"{nis}-x{index}", nis_code=nis, kind=kind, scenario=scenario)
    if kind == "partial_extra":
        stop_question = rng.choice(("Q6", "Q8", "Q12", "Q16", "Q20", "Q25"))
        respondent.stop_position = ctx.positions[stop_question]
        respondent.progress = progress_at(ctx.codebook, respondent.stop_position)
    else:
        sections = set(rng.sample(CONTENT_SECTIONS, rng.randint(2, 3)))
        needed = {
            "q5_exclusive": "beleidskeuzes",
            "contradict_single": "beleidskeuzes",
            "complement_single": "lessen",
            "union_multi": "beleidskeuzes",
            "complement_question": "beleidskeuzes",
            "gate_split": "opvang",
        }.get(scenario or "")
        if needed:
            sections.add(needed)
        respondent.sections = tuple(s for s in CONTENT_SECTIONS if s in sections)
    for question in ctx.codebook.questions:
        if respondent.stop_position is not None and question.position > respondent.stop_position:
            break
        if not ctx.designed(question) or not _shown_to(ctx, respondent, question):
            continue
        if question.section not in respondent.sections or question.id not in design:
            if rng.random() < 0.3:
                respondent.answers[question.id] = SEEN_UNANSWERED
            continue
        value = design[question.id]
        answer = _extra_answer(ctx, question, value, scenario)
        if answer is None:
            continue
        respondent.answers[question.id] = answer
        _add_other_texts(ctx, respondent, question, answer)
    return respondent


def _extra_answer(ctx: Context, question: Question, value: object, scenario: str | None) -> object | None:
    rng = ctx.rng
    if question.type == "text":
        return texts.open_text(question.id, rng) if rng.random() < 0.4 else None
    if question.type in ("single", "likert5"):
        if scenario == "contradict_single" and question.id == "Q6":
            return _contradicting_code(ctx, question, value)
        if rng.random() < 0.2:
            return _contradicting_code(ctx, question, value)
        return value
    if question.type == "multi":
        plain = value - question.exclusive_codes
        if scenario == "q5_exclusive" and question.id == "Q5":
            return frozenset(question.exclusive_codes)
        if plain and question.exclusive_codes and rng.random() < 0.12:
            return frozenset({rng.choice(sorted(question.exclusive_codes))})
        if scenario == "gate_split" and question.id == "Q12" and 3 in value:
            return frozenset({3})
        return value if not plain or rng.random() < 0.4 else _subset(ctx, plain)
    # matrix_multi
    rows = {}
    for row, codes in value.items():
        plain = codes - question.exclusive_codes
        if plain and rng.random() < 0.15:
            rows[row] = frozenset({rng.choice(sorted(question.exclusive_codes))})
        elif rng.random() < 0.8:
            rows[row] = codes if not plain or rng.random() < 0.5 else _subset(ctx, plain)
    return rows or None


def _apply_moves(ctx: Context, primary: Respondent, extras: list[Respondent], design: dict[str, object]) -> None:
    """Hand parts of the primary's answers to the colleagues who also gave them (complement/union)."""
    rng = ctx.rng
    for extra in extras:
        scenario = extra.scenario
        for qid, answer in list(extra.answers.items()):
            question = ctx.codebook.question(qid)
            if answer is SEEN_UNANSWERED or qid not in design or qid not in primary.answers:
                continue
            value = design[qid]
            forced = (scenario == "complement_single" and qid == "Q38") or (
                scenario == "complement_question" and qid == "Q7"
            )
            if question.type in ("single", "likert5"):
                if answer == value and qid not in ctx.gates and (forced or rng.random() < 0.3):
                    primary.answers[qid] = SEEN_UNANSWERED
            elif question.type == "multi":
                if forced and answer == value:
                    primary.answers[qid] = SEEN_UNANSWERED
                    continue
                gate_ok = qid not in ctx.gates or (scenario == "gate_split" and qid == "Q12")
                plain = answer - question.exclusive_codes
                if not plain or not gate_ok:
                    continue
                wanted = (scenario == "union_multi" and qid == "Q3") or (scenario == "gate_split" and qid == "Q12")
                if wanted or rng.random() < 0.35:
                    keep = (
                        frozenset(primary.answers[qid]) - plain
                        if isinstance(primary.answers[qid], frozenset)
                        else frozenset()
                    )
                    if keep:
                        primary.answers[qid] = keep
                    elif answer == value and qid not in ctx.gates:
                        primary.answers[qid] = SEEN_UNANSWERED
            elif question.type == "text" and rng.random() < 0.4:
                primary.answers[qid] = SEEN_UNANSWERED


def _clean(ctx: Context, respondent: Respondent) -> None:
    """Drop answers this respondent's own earlier answers do not show (no accidental violations)."""
    kept = effective_answers(ctx.codebook, respondent.answers)
    for qid, value in list(respondent.answers.items()):
        if value is SEEN_UNANSWERED or qid in kept:
            continue
        question = ctx.codebook.question(qid)
        if is_answered(question, value):
            del respondent.answers[qid]
    for key in list(respondent.other_texts):
        value = kept.get(key[0])
        codes = {value} if isinstance(value, int) else (value if isinstance(value, frozenset) else set())
        if key[1] not in codes:
            del respondent.other_texts[key]


def _repair(ctx: Context, ordered: list[Respondent], design: dict[str, object]) -> bool:
    """Make the consolidation equal the design; returns True when something had to change."""
    changed = False
    result = consolidate(ctx.codebook, [_as_response(r) for r in ordered])
    for question in ctx.codebook.questions:
        if not ctx.designed(question):
            continue
        qid = question.id
        got, want = result.get(qid), design.get(qid)
        if got == want:
            continue
        changed = True
        if want is None:
            for respondent in ordered:
                if qid in respondent.answers:
                    respondent.answers[qid] = SEEN_UNANSWERED
            continue
        for respondent in ordered:
            if (respondent.stop_position is None or question.position <= respondent.stop_position) and _shown_to(
                ctx, respondent, question
            ):
                respondent.answers[qid] = texts.open_text(qid, ctx.rng) if want is True else want
                _add_other_texts(ctx, respondent, question, want)
                break
        else:
            raise RuntimeError(f"{ordered[0].nis_code}: nobody is shown {qid}, yet the design answers it")
        for respondent in ordered:
            _clean(ctx, respondent)
        return changed  # re-run: a gate may have changed what later questions show
    return changed


def _as_response(respondent: Respondent) -> SurveyResponse:
    return SurveyResponse(
        response_id=respondent.key, metadata={"Progress": str(respondent.progress)}, answers=respondent.answers
    )


def build_municipality(
    ctx: Context,
    nis: str,
    design: dict[str, object],
    n_extras: int,
    primary_kind: str,
    extra_kinds: list[str],
    scenarios: list[str | None],
) -> list[Respondent]:
    """Primary plus `n_extras` colleagues whose consolidation equals `design` (primary first)."""
    primary = _draft_primary(ctx, nis, design, primary_kind)
    extras = [_draft_extra(ctx, nis, i + 1, design, extra_kinds[i], scenarios[i]) for i in range(n_extras)]
    _apply_moves(ctx, primary, extras, design)
    ordered = [primary] + sorted(extras, key=lambda r: -r.progress)
    for respondent in ordered:
        _clean(ctx, respondent)
    for _ in range(200):
        if not _repair(ctx, ordered, design):
            break
    else:
        raise RuntimeError(f"{nis}: respondents could not be made to consolidate to the design")
    for extra in ordered[1:]:
        if extra.progress == primary.progress:
            _trim(ctx, ordered, extra, design)
    return ordered


PRIMARY_MARGIN = 12
"""Questions a complete colleague must answer fewer than the primary before the respondent-level parts
(Q2, Q14, Q32-Q35, Q41) are added, so the primary still wins on answer count whatever is counted."""


SCENARIO_QUESTIONS = {
    "q5_exclusive": ("Q5",),
    "contradict_single": ("Q6",),
    "complement_single": ("Q38",),
    "union_multi": ("Q3",),
    "complement_question": ("Q7",),
    "gate_split": ("Q12", "Q13"),
}


def _trim(ctx: Context, ordered: list[Respondent], extra: Respondent, design: dict[str, object]) -> None:
    """Drop a colleague's redundant answers (consolidation unchanged) until the primary leads clearly.

    First pass: answers that merely repeat what others say. Second pass: answers the primary skipped
    are handed back to the primary (when shown to it) so the colleague's copy becomes redundant.
    """
    primary = ordered[0]
    protected = set(SCENARIO_QUESTIONS.get(extra.scenario or "", ()))

    def lead() -> int:
        return (
            len(effective_answers(ctx.codebook, primary.answers))
            - len(effective_answers(ctx.codebook, extra.answers))
            - len(extra.other_texts)
        )

    for give_back in (False, True):
        candidates = [qid for qid in extra.answers if qid not in protected]
        ctx.rng.shuffle(candidates)
        for qid in candidates:
            if lead() >= PRIMARY_MARGIN:
                return
            if extra.answers.get(qid, SEEN_UNANSWERED) is SEEN_UNANSWERED:
                continue
            saved = [(r, dict(r.answers), dict(r.other_texts)) for r in (primary, extra)]
            question = ctx.codebook.question(qid)
            if (
                give_back
                and qid in design
                and qid not in effective_answers(ctx.codebook, primary.answers)
                and reached(ctx, primary, qid)
                and _shown_to(ctx, primary, question)
            ):
                value = design[qid]
                primary.answers[qid] = texts.open_text(qid, ctx.rng) if value is True else value
                _add_other_texts(ctx, primary, question, value)
            del extra.answers[qid]
            _clean(ctx, extra)
            if not _matches(ctx, ordered, design):
                for respondent, answers, other in saved:
                    respondent.answers, respondent.other_texts = answers, other
    if lead() < PRIMARY_MARGIN:
        raise RuntimeError(f"{extra.nis_code}: a colleague answers nearly as much as the primary")


def _matches(ctx: Context, ordered: list[Respondent], design: dict[str, object]) -> bool:
    result = consolidate(ctx.codebook, [_as_response(r) for r in ordered])
    return all(result.get(q.id) == design.get(q.id) for q in ctx.codebook.questions if ctx.designed(q))


# ---------------------------------------------------------------------------------------------------
# Respondent-level parts: function (Q2), open answers counted per respondent, Q14, display violations
# ---------------------------------------------------------------------------------------------------


def reached(ctx: Context, respondent: Respondent, qid: str) -> bool:
    return respondent.stop_position is None or ctx.positions[qid] <= respondent.stop_position


def assign_functions(
    ctx: Context, valid: list[Respondent], counts: dict[int, int], no_profile: set[str], n_extra_skips: int
) -> None:
    """Q2 per respondent: exact printed counts for codes 1-5, `Andere` for the rest, some skip it.

    Everybody in the `no_profile` municipalities skips Q2 (the report's 170 of 172 with profile data).
    """
    rng = ctx.rng
    skip = {r.key for r in valid if r.nis_code in no_profile}
    others = [r for r in valid if r.kind in ("extra", "partial_extra") and r.nis_code not in no_profile]
    skip |= {r.key for r in rng.sample(others, n_extra_skips)}
    answering = [r for r in valid if r.key not in skip]
    codes = [code for code, n in sorted(counts.items()) for _ in range(n)]
    if len(codes) > len(answering):
        raise ValueError("more printed functions than respondents")
    codes += [6] * (len(answering) - len(codes))
    rng.shuffle(codes)
    question = ctx.codebook.question("Q2")
    for respondent, code in zip(answering, codes):
        respondent.answers["Q2"] = code
        _add_other_texts(ctx, respondent, question, code)
        if code == 6 and ("Q2", 6) not in respondent.other_texts:
            respondent.other_texts[("Q2", 6)] = texts.other_text("Q2", 6, rng)
    for respondent in valid:
        if respondent.key in skip and rng.random() < 0.5:
            respondent.answers["Q2"] = SEEN_UNANSWERED


def assign_respondent_texts(ctx: Context, valid: list[Respondent], counts: dict[str, int], covid_mentions: int) -> None:
    """Open questions the report counts per respondent (Q32-Q35, Q41): exactly `counts[q]` writers."""
    rng = ctx.rng
    for qid, count in counts.items():
        eligible = [r for r in valid if reached(ctx, r, qid)]
        weights = {r.key: (4.0 if r.kind.endswith("primary") else 1.0) for r in eligible}
        keyed = sorted(eligible, key=lambda r: rng.random() ** (1.0 / weights[r.key]), reverse=True)
        writers = keyed[:count]
        covid = set(r.key for r in writers[:covid_mentions]) if qid == "Q41" else set()
        for respondent in writers:
            respondent.answers[qid] = texts.covid_text(rng) if respondent.key in covid else texts.open_text(qid, rng)
        for respondent in keyed[count:]:
            if rng.random() < 0.25:
                respondent.answers[qid] = SEEN_UNANSWERED


def assign_reception_counts(ctx: Context, valid: list[Respondent], taskforce_final: dict[str, int]) -> None:
    """Q14 near the Taskforce count: mostly close, sometimes rounded or far off, colleagues disagree."""
    rng = ctx.rng
    question = ctx.codebook.question("Q14")
    for respondent in valid:
        if not reached(ctx, respondent, "Q14") or not _shown_to(ctx, respondent, question):
            continue
        if respondent.kind not in ("primary", "partial_primary") and "opvang" not in respondent.sections:
            continue
        truth = taskforce_final[respondent.nis_code]
        draw = rng.random()
        if draw < 0.08:
            respondent.answers["Q14"] = SEEN_UNANSWERED
            continue
        if draw < 0.55:
            value = truth + rng.randint(-3, 3)
        elif draw < 0.75:
            value = round(truth, -1 if truth < 200 else -2)
        elif draw < 0.9:
            value = round(truth * rng.uniform(0.6, 0.9))
        else:
            value = round(truth * rng.uniform(1.1, 1.6))
        respondent.answers["Q14"] = max(0, value)


VIOLATIONS = (
    # (gate question, gate value meaning "not shown", question answered anyway, answer)
    ("Q9", lambda a: a == 2, {"Q10": "text"}),
    ("Q18", lambda a: a == 2, {"Q20": frozenset({1, 3}), "Q24": 1}),
    ("Q12", lambda a: 3 not in a, {"Q13": frozenset({1})}),
    ("Q36", lambda a: a == 2, {"Q37": "text"}),
    ("Q25", lambda a: a == 2, {"Q26": frozenset({2, 3})}),
    ("Q8", lambda a: 2 not in a, {"Q17": frozenset({1})}),
)


def add_display_violations(
    ctx: Context, by_municipality: dict[str, list[Respondent]], design: dict[str, dict[str, object]]
) -> list[tuple[str, str]]:
    """Answers to questions the respondent was never shown; the rules must discard them.

    Placed on single-respondent municipalities whose design lacks the question, so a pipeline that
    forgot the rule would visibly over-count. Violating answers never gate another answered question.
    """
    rng = ctx.rng
    placed: list[tuple[str, str]] = []
    used: set[str] = set()
    singles = sorted(nis for nis, rs in by_municipality.items() if len(rs) == 1)
    rng.shuffle(singles)
    for gate, not_shown, extra_answers in VIOLATIONS:
        for nis in singles:
            respondent = by_municipality[nis][0]
            if nis in used or respondent.stop_position is not None:
                continue
            value = effective_answers(ctx.codebook, respondent.answers).get(gate)
            if value is None or not not_shown(value) or any(q in design[nis] for q in extra_answers):
                continue
            for qid, answer in extra_answers.items():
                respondent.answers[qid] = texts.open_text(qid, rng) if answer == "text" else answer
                placed.append((respondent.key, qid))
            used.add(nis)
            break
        else:
            raise RuntimeError(f"no municipality to place a display-logic violation on {gate}")
    return placed
