"""SYNTHETIC municipality-level answers: what the warehouse must recover after consolidation.

Every printed count comes from `report_figures_w1_2023.csv` through the codebook's `report`,
`report_prefix`/`report_suffix`, `any_of_report` and `report_count` links, so a corrected figure file
re-calibrates the sample. Codes the report never prints (e.g. Q5 code 3, Q22, Q26) get the plausible
counts in `FREE_COUNTS`, chosen to honour the report's qualitative statements (`ruim 80 %`, `meer dan
de helft`, ...). Display logic is respected at municipality level: a question gated by an earlier answer
is only answered where that gate holds (Q13 exactly where Q12 includes 3, and so on).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass

from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import Codebook, Question
from synthetic.refdata import Reference

FIGURES_PATH = SURVEY_SEEDS_DIR / "report_figures_w1_2023.csv"
COUNTED_KINDS = ("exact", "derived_n", "inconsistency")

# Counts the report does not print, per question and code (exclusive codes included).
FREE_COUNTS: dict[str, dict[int, int]] = {
    "Q5": {3: 12, 4: 31},  # 140 of 171 chose a code 1-3: 81.9 %, "ruim 80 %"
    "Q6": {3: 1},
    "Q9": {2: 109},
    "Q13": {4: 15},
    "Q15": {3: 40, 4: 8},
    "Q16": {4: 30, 5: 35, 7: 10},
    "Q17": {5: 8},  # 101 answered, 93 chose a condition (s6_2_voorwaarden)
    "Q22": {1: 101, 2: 84, 3: 109, 4: 78, 5: 52, 6: 41, 7: 30, 8: 45, 9: 8},  # codes 1-4 > half of 133
    "Q24": {1: 62, 2: 33, 3: 5, 4: 33},  # 46.6 % / 24.8 % / 3.8 % / 24.8 %
    "Q25": {1: 132, 2: 37},  # 37 / 169 = 21.9 % Nee
    "Q26": {1: 88, 2: 95, 3: 70, 4: 35, 5: 28, 6: 40, 7: 12, 8: 5},
    "Q27": {2: 7, 3: 3},
    "Q29": {3: 47, 4: 78, 5: 35},  # 113 / 160 = 70.6 % positive, none negative
    "Q36": {2: 36},
    "Q38": {1: 1, 2: 5, 3: 26},
}
# Bases (municipalities answering) where no printed figure gives one.
FREE_BASES = {"Q25": 169, "Q29": 160, "Q17": 101}
# Municipality-level texts without a printed count: how many wrote something.
FREE_TEXT_COUNTS = {"Q10": 48, "Q19": 27}
Q8_SEVEN_OR_MORE = 133  # 77.3 % of 172: "ruim 75 %" offered 7 or more of codes 1-13


@dataclass(frozen=True)
class Figure:
    figure_id: str
    unit: str
    count: int | None
    base_n: int | None
    kind: str


def _int_or_none(text: str) -> int | None:
    """Counts are integers; per-1 000 statistics (3.7) are not counts and are left to the Taskforce."""
    try:
        return int(text)
    except ValueError:
        return None


def load_figures(path=FIGURES_PATH) -> dict[str, Figure]:
    with open(path, encoding="utf-8") as handle:
        return {
            row["figure_id"]: Figure(
                row["figure_id"],
                row["unit"],
                _int_or_none(row["count"]),
                _int_or_none(row["base_n"]),
                row["kind"],
            )
            for row in csv.DictReader(handle)
        }


@dataclass
class QuestionTarget:
    """Counts for one question (or one matrix row): base and per-code counts."""

    base: int
    counts: dict[int, int]


def question_targets(codebook: Codebook, figures: dict[str, Figure]) -> dict[tuple[str, int | None], QuestionTarget]:
    """(question, matrix row) -> target counts, merging printed figures with FREE_COUNTS."""
    out: dict[tuple[str, int | None], QuestionTarget] = {}
    for q in codebook.questions:
        if q.type not in ("single", "multi", "likert5", "matrix_multi") or q.unit != "municipality":
            continue
        rows = [row.code for row in q.rows] if q.type == "matrix_multi" else [None]
        for row in rows:
            counts: dict[int, int] = {}
            bases = set()
            for choice in q.choices:
                if row is None:
                    figure_id = choice.report
                else:
                    prefix = q.rows[rows.index(row)].report_prefix
                    figure_id = f"{prefix}_{choice.report_suffix}" if prefix and choice.report_suffix else None
                figure = figures.get(figure_id) if figure_id else None
                if figure is not None and figure.kind in COUNTED_KINDS and figure.count is not None:
                    counts[choice.code] = figure.count
                    if figure.base_n:
                        bases.add(figure.base_n)
            counts.update(FREE_COUNTS.get(q.id, {}))
            if len(bases) > 1:
                raise ValueError(f"{q.id}: figures disagree on the base: {sorted(bases)}")
            if bases:
                base = bases.pop()
            elif q.id in FREE_BASES:
                base = FREE_BASES[q.id]
            elif q.type in ("single", "likert5") and len(counts) == len(q.choices):
                base = sum(counts.values())
            else:
                base = -1  # follows from a gate (filled in by build_targets)
            out[(q.id, row)] = QuestionTarget(base, counts)
    # Singles whose printed counts leave one code open: the rest of the base.
    for (qid, _row), target in out.items():
        q = codebook.question(qid)
        missing = [c.code for c in q.choices if c.code not in target.counts]
        if q.type in ("single", "likert5") and target.base > 0 and len(missing) == 1:
            target.counts[missing[0]] = target.base - sum(target.counts.values())
    return out


# ---------------------------------------------------------------------------------------------------
# Sampling helpers
# ---------------------------------------------------------------------------------------------------


def weighted_sample(rng: random.Random, units: list[str], k: int, weight: dict[str, float]) -> list[str]:
    """k distinct units, probability rising with weight (Efraimidis-Spirakis keys)."""
    if k > len(units):
        raise ValueError(f"cannot pick {k} of {len(units)}")
    keyed = sorted(units, key=lambda u: -math.log(rng.random() or 1e-12) / max(weight.get(u, 1.0), 1e-9))
    return keyed[:k]


def assign_single(
    rng: random.Random,
    units: list[str],
    counts: dict[int, int],
    weight: dict[str, float],
    high_codes: tuple[int, ...] = (),
) -> dict[str, int]:
    """Exact counts per code; `high_codes` go preferably to high-weight units."""
    if sum(counts.values()) != len(units):
        raise ValueError(f"single counts {counts} do not add up to {len(units)} units")
    left = list(units)
    out: dict[str, int] = {}
    for code in sorted(counts, key=lambda c: (c not in high_codes, c)):
        w = weight if code in high_codes else {u: 1.0 for u in left}
        for unit in weighted_sample(rng, left, counts[code], w):
            out[unit] = code
        left = [u for u in left if u not in out]
    return out


def assign_multi(
    rng: random.Random, units: list[str], counts: dict[int, int], exclusive: frozenset[int], weight: dict[str, float]
) -> dict[str, frozenset[int]]:
    """Every unit gets a non-empty set; non-exclusive code i lands on exactly counts[i] units.

    Exclusive codes go alone to the lowest-weight units. The others: each remaining unit first gets one
    code (largest-remainder shares, so no code overshoots), then every code is topped up to its count on
    units that lack it, preferring high-weight units (engaged municipalities tick more boxes).
    """
    units = list(units)
    sets: dict[str, set[int]] = {}
    inverse = {u: 1.0 / weight.get(u, 1.0) for u in units}
    left = list(units)
    for code in sorted(c for c in counts if c in exclusive):
        for unit in weighted_sample(rng, left, counts[code], inverse):
            sets[unit] = {code}
        left = [u for u in left if u not in sets]
    plain = {c: n for c, n in counts.items() if c not in exclusive and n > 0}
    total = sum(plain.values())
    if left and (total < len(left) or any(n > len(left) for n in plain.values())):
        raise ValueError(f"infeasible multi counts {plain} for {len(left)} units")
    if left:
        shares = {c: n * len(left) / total for c, n in plain.items()}
        first = {c: int(s) for c, s in shares.items()}
        for c in sorted(plain, key=lambda c: -(shares[c] - first[c]))[: len(left) - sum(first.values())]:
            first[c] += 1
        pool = [c for c in sorted(first) for _ in range(first[c])]
        rng.shuffle(pool)
        order = list(left)
        rng.shuffle(order)
        for unit, code in zip(order, pool):
            sets[unit] = {code}
        for code in sorted(plain):
            need = plain[code] - first[code]
            candidates = [u for u in left if code not in sets[u]]
            for unit in weighted_sample(rng, candidates, need, weight):
                sets[unit].add(code)
    return {unit: frozenset(codes) for unit, codes in sets.items()}


def fill_binary_matrix(
    rng: random.Random, units: list[str], row_sums: dict[str, int], col_sums: dict[int, int]
) -> dict[str, set[int]]:
    """A 0/1 matrix with given row and column sums (Ryser's greedy: each column to the neediest rows)."""
    remaining = dict(row_sums)
    out: dict[str, set[int]] = {u: set() for u in units}
    jitter = {u: rng.random() for u in units}
    for code in sorted(col_sums, key=lambda c: -col_sums[c]):
        ranked = sorted(units, key=lambda u: (-remaining[u], jitter[u]))
        chosen = ranked[: col_sums[code]]
        if col_sums[code] and remaining[chosen[-1]] <= 0:
            raise ValueError("row/column sums are not realisable")
        for unit in chosen:
            out[unit].add(code)
            remaining[unit] -= 1
        jitter = {u: rng.random() for u in units}
    if any(remaining.values()):
        raise ValueError("row sums not met")
    return out


# ---------------------------------------------------------------------------------------------------
# The municipality-level design
# ---------------------------------------------------------------------------------------------------


def build_targets(
    codebook: Codebook,
    reference: Reference,
    responding: list[str],
    rng: random.Random,
    no_late_texts: frozenset[str] = frozenset(),
) -> dict[str, dict[str, object]]:
    """nis -> question -> consolidated answer (int, frozenset, dict row->frozenset, or True for text).

    `no_late_texts` are municipalities whose only respondent stopped before Q39 (partial responses):
    they cannot have answered the last open questions.
    """
    figures = load_figures()
    targets = question_targets(codebook, figures)
    units = sorted(responding)
    logpop = {u: math.log(reference.municipalities[u].population) for u in units}
    mean = sum(logpop.values()) / len(units)
    engagement = {u: (logpop[u] - mean) + rng.gauss(0.0, 0.7) for u in units}
    weight = {u: math.exp(0.8 * engagement[u]) for u in units}
    answers: dict[str, dict[str, object]] = {u: {"Q1": True} for u in units}

    def put(mapping: dict[str, object], qid: str) -> None:
        for unit, value in mapping.items():
            answers[unit][qid] = value

    def base_units(qid: str, eligible: list[str], row: int | None = None) -> list[str]:
        base = targets[(qid, row)].base
        if base < 0 or base == len(eligible):
            return list(eligible)
        if base > len(eligible):
            raise ValueError(f"{qid}: base {base} exceeds the {len(eligible)} eligible municipalities")
        return sorted(weighted_sample(rng, eligible, base, weight))

    def multi(qid: str, eligible: list[str]) -> None:
        q = codebook.question(qid)
        chosen = base_units(qid, eligible)
        put(assign_multi(rng, chosen, targets[(qid, None)].counts, q.exclusive_codes, weight), qid)

    def single(qid: str, eligible: list[str], high: tuple[int, ...] = ()) -> None:
        chosen = base_units(qid, eligible)
        put(assign_single(rng, chosen, targets[(qid, None)].counts, weight, high), qid)

    def where(qid: str, test) -> list[str]:
        return [u for u in units if qid in answers[u] and test(answers[u][qid])]

    # Beleidskeuzes
    multi("Q3", units)
    multi("Q4", units)
    multi("Q5", units)
    single("Q6", units, high=(1,))
    multi("Q7", units)
    _design_q8(codebook, targets, units, weight, rng, answers)
    single("Q9", units, high=(1,))
    # Opvang
    put({u: 1 for u in units}, "Q11")
    multi("Q12", units)
    multi("Q13", where("Q12", lambda a: 3 in a))
    multi("Q15", where("Q8", lambda a: 3 in a))
    # Tewerkstelling
    multi("Q16", where("Q8", lambda a: 2 in a))
    q17_pool = where("Q8", lambda a: 2 in a)
    not_focus = [u for u in q17_pool if answers[u].get("Q16") == frozenset({6})]
    q17 = sorted(weighted_sample(rng, [u for u in q17_pool if u not in not_focus], targets[("Q17", None)].base, weight))
    put(assign_multi(rng, q17, targets[("Q17", None)].counts, codebook.question("Q17").exclusive_codes, weight), "Q17")
    # Vrijwilligers: working with volunteers goes with ticking Q8 code 6.
    volunteer_weight = {u: (8.0 if 6 in answers[u]["Q8"] else 1.0) for u in units}
    q18_counts = targets[("Q18", None)].counts
    yes = set(weighted_sample(rng, units, q18_counts[1], volunteer_weight))
    put({u: (1 if u in yes else 2) for u in units}, "Q18")
    volunteers = sorted(yes)
    for qid in ("Q20", "Q21", "Q22", "Q23"):
        multi(qid, volunteers)
    single("Q24", volunteers)
    # Samenwerking
    single("Q25", units, high=(1,))
    multi("Q26", where("Q25", lambda a: a == 1))
    partners = where("Q26", lambda a: bool(a & {1, 2, 3, 4, 5, 6, 7}))
    single("Q27", partners, high=(1,))
    multi("Q28", units)
    single("Q29", units, high=(4, 5))
    _design_q31(codebook, targets, units, weight, rng, answers)
    # Lessen
    single("Q36", units, high=(1,))
    single("Q38", units, high=(4, 5))

    # Municipality-level open questions (respondent-level ones are decided per respondent).
    text_counts = dict(FREE_TEXT_COUNTS)
    for q in codebook.questions:
        figure = figures.get(q.report_count) if q.report_count else None
        if q.type == "text" and figure is not None and figure.unit == "municipality":
            text_counts[q.id] = figure.count
    for qid, count in sorted(text_counts.items(), key=lambda item: codebook.question(item[0]).position):
        q = codebook.question(qid)
        eligible = [u for u in units if _shown(q, answers[u])]
        if codebook.question(qid).position > codebook.question("Q38").position:
            eligible = [u for u in eligible if u not in no_late_texts]
        for unit in weighted_sample(rng, eligible, count, weight):
            answers[unit][qid] = True
    return answers


def _shown(question: Question, answers: dict[str, object]) -> bool:
    condition = question.shown_if
    if condition is None:
        return True
    value = answers.get(condition.question)
    if value is None or value is True:
        return False
    return condition.holds(value)


def _design_q8(
    codebook: Codebook,
    targets,
    units: list[str],
    weight: dict[str, float],
    rng: random.Random,
    answers: dict[str, dict[str, object]],
) -> None:
    """Q8 codes 1-13 with exactly Q8_SEVEN_OR_MORE municipalities ticking 7 or more of them."""
    counts = targets[("Q8", None)].counts
    listed = {c: n for c, n in counts.items() if c <= 13}
    total = sum(listed.values())
    ranked = sorted(units, key=lambda u: -weight[u] * rng.uniform(0.6, 1.4))
    high, low = ranked[:Q8_SEVEN_OR_MORE], ranked[Q8_SEVEN_OR_MORE:]
    row_sums = {u: rng.randint(3, 6) for u in low}
    row_sums.update({u: 7 for u in high})
    extra = total - sum(row_sums.values())
    while extra > 0:
        unit = rng.choice(high)
        if row_sums[unit] < 13:
            row_sums[unit] += 1
            extra -= 1
    if extra < 0:
        raise ValueError("Q8: the low group ticks too many codes")
    matrix = fill_binary_matrix(rng, units, row_sums, listed)
    others = set(weighted_sample(rng, units, counts[14], weight))
    for unit in units:
        answers[unit]["Q8"] = frozenset(matrix[unit] | ({14} if unit in others else set()))


def _design_q31(
    codebook: Codebook,
    targets,
    units: list[str],
    weight: dict[str, float],
    rng: random.Random,
    answers: dict[str, dict[str, object]],
) -> None:
    """Q31: the same municipalities answer all three rows (the report's n=166 for every row)."""
    q = codebook.question("Q31")
    base = {targets[("Q31", row.code)].base for row in q.rows}
    if len(base) != 1:
        raise ValueError(f"Q31 rows have different bases {base}")
    chosen = sorted(weighted_sample(rng, units, base.pop(), weight))
    rows = {
        row.code: assign_multi(rng, chosen, targets[("Q31", row.code)].counts, q.exclusive_codes, weight)
        for row in q.rows
    }
    for unit in chosen:
        answers[unit]["Q31"] = {row: rows[row][unit] for row in sorted(rows)}
