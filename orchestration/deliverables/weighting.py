"""Flanders-wide estimates from the responding municipalities: raking weights and a ratio estimator's
variance with the finite-population correction. Plain numpy/pandas, so the formulas are all here to read
(docs/DECISIONS.md says why no survey library); `marts.mart_weighted_estimate` (a dbt Python model) calls
`weighted_estimates`.

Notation: the frame U holds the N municipalities on the wave's map, the sample S the n responding ones.
- Raking (iterative proportional fitting): start from w_i = N / n and rescale the weights in turn so that
  their sum in every category of each margin (province, size class, Belfius type) equals the population
  count, until no weight moves any more. Raking on one margin is post-stratification on it.
- A choice's share over the units that answered the item (set A in S) is the ratio
  p = sum_A w_i y_i / sum_A w_i (y_i = 1 when the unit chose the choice).
- Its variance is linearised over the whole sample (A is a domain of S): z_i = w_i (y_i - p) / sum_A w_i
  for i in A and 0 elsewhere in S; v(p) = (1 - n/N) * n/(n - 1) * sum_S (z_i - mean z)^2.
  The weights are treated as fixed, so the interval ignores the (small) gain from calibration: conservative.
- 95 % interval: p +/- 1.959964 * sqrt(v), clipped to [0, 1].
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

MARGINS = ("province_name_nl", "size_class", "belfius_type_code")
MARGIN_LABELS = {"province_name_nl": "province", "size_class": "size class", "belfius_type_code": "Belfius type"}
Z_95 = 1.959963984540054


class WeightingError(ValueError):
    """Weights cannot be computed (no sample, or a unit outside the frame)."""


def rake(sample: pd.DataFrame, population: pd.DataFrame, margins: tuple[str, ...],
         tolerance: float = 1e-10, max_iterations: int = 1000) -> tuple[np.ndarray, list[str]]:
    """Raking weights for `sample` rows so that each margin's weighted counts equal `population`'s counts.

    A margin with a population category that has no sampled unit cannot be matched; it is left out and
    named in the returned notes (the estimate then rests on the other margins). Returns (weights, notes).
    """
    n, big_n = len(sample), len(population)
    if n == 0:
        raise WeightingError("no responding unit: nothing to weight")
    # A unit without a value (on the 2025 map: a merged municipality whose predecessors had different Belfius
    # types) is a category of its own, so the weights still add up to the whole map.
    sample, population = _with_missing_category(sample, margins), _with_missing_category(population, margins)
    usable, notes = [], []
    for margin in margins:
        missing = sorted(map(str, set(population[margin]) - set(sample[margin])))
        if missing:
            notes.append(f"{MARGIN_LABELS.get(margin, margin)} left out (no respondent in {', '.join(map(str, missing))})")
        else:
            usable.append(margin)
    weights = np.full(n, big_n / n, dtype=float)
    targets = {m: population[m].value_counts() for m in usable}
    for _ in range(max_iterations):
        previous = weights.copy()
        for margin in usable:
            categories = sample[margin].to_numpy()
            sums = pd.Series(weights).groupby(categories).sum()
            factor = targets[margin].reindex(sums.index).to_numpy() / sums.to_numpy()
            weights = weights * pd.Series(factor, index=sums.index).reindex(categories).to_numpy()
        if np.max(np.abs(weights - previous)) < tolerance:
            return weights, notes
    notes.append(f"raking stopped after {max_iterations} iterations without converging")
    return weights, notes


MISSING_CATEGORY = "(no value)"


def _with_missing_category(frame: pd.DataFrame, margins: tuple[str, ...]) -> pd.DataFrame:
    return frame.assign(**{m: frame[m].astype(object).where(frame[m].notna(), MISSING_CATEGORY) for m in margins})


def ratio_estimate(weights: np.ndarray, answered: np.ndarray, chosen: np.ndarray, population_n: int
                   ) -> tuple[float | None, float | None]:
    """(share, its linearised variance with FPC) of `chosen` among `answered` units; all arrays over S."""
    answered = answered.astype(bool)
    total = float(weights[answered].sum())
    n = len(weights)
    if total == 0:
        return None, None
    share = float((weights * answered * chosen).sum() / total)
    if n < 2:
        return share, None
    z = np.where(answered, weights * (chosen - share) / total, 0.0)
    fpc = 1 - n / population_n
    variance = fpc * n / (n - 1) * float(((z - z.mean()) ** 2).sum())
    return share, variance


def interval_95(share: float, variance: float | None) -> tuple[float, float] | tuple[None, None]:
    if variance is None:
        return None, None
    half_width = Z_95 * math.sqrt(max(variance, 0.0))
    return max(0.0, share - half_width), min(1.0, share + half_width)


def pct(value: float | None) -> float | None:
    """A share as a percentage, rounded half-up to one decimal (as the contract rounds)."""
    if value is None:
        return None
    return float(Decimal(repr(100 * float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def pct_of_counts(count: int, base: int) -> float | None:
    """100 × count / base, half-up to one decimal in integers (exactly as the contract's pct)."""
    return (2 * 1000 * count + base) // (2 * base) / 10 if base else None


def _code(value) -> int | None:
    return None if pd.isna(value) else int(value)


def weighted_estimates(frame: pd.DataFrame, sample: pd.DataFrame, items: pd.DataFrame, answers: pd.DataFrame,
                       margins: tuple[str, ...] = MARGINS) -> pd.DataFrame:
    """One row per wave × item (question, matrix row) × choice, as in `marts.mart_weighted_estimate`.

    frame: wave_id, nis_code and the margins (every municipality on the wave's map);
    sample: wave_id, nis_code (responding municipalities);
    items: wave_id, question_id, row_code, choice_code (every closed choice to estimate);
    answers: wave_id, nis_code, question_id, row_code, choice_code (consolidated chosen codes).
    """
    columns = ["wave_id", "question_id", "row_code", "choice_code", "n_answered", "population_n",
               "pct_unweighted", "pct_weighted", "ci_lower", "ci_upper", "method"]
    rows = []
    for wave_id, wave_items in items.groupby("wave_id", sort=True):
        population = frame[frame["wave_id"] == wave_id]
        responding = population[population["nis_code"].isin(sample.loc[sample["wave_id"] == wave_id, "nis_code"])]
        responding = responding.sort_values("nis_code").reset_index(drop=True)
        outside = set(sample.loc[sample["wave_id"] == wave_id, "nis_code"]) - set(responding["nis_code"])
        if outside:
            raise WeightingError(f"wave {wave_id}: responding municipalities not on the wave's map: {sorted(outside)}")
        if responding.empty:
            continue
        weights, notes = rake(responding, population, margins)
        method = ("raking on " + " × ".join(MARGIN_LABELS.get(m, m) for m in margins) + "; ratio estimator, linearised variance with "
                  "finite-population correction; 95 % Wald interval" + "".join(f"; {note}" for note in notes))
        position = {code: i for i, code in enumerate(responding["nis_code"])}
        answered_by_item: dict[tuple, set] = {}
        chosen_by_choice: dict[tuple, set] = {}
        for answer in answers[answers["wave_id"] == wave_id].itertuples(index=False):
            item_key = (answer.question_id, _code(answer.row_code))
            answered_by_item.setdefault(item_key, set()).add(answer.nis_code)
            chosen_by_choice.setdefault(item_key + (_code(answer.choice_code),), set()).add(answer.nis_code)
        for item in wave_items.itertuples(index=False):
            item_key = (item.question_id, _code(item.row_code))
            answered_codes = answered_by_item.get(item_key, set())
            chosen_codes = chosen_by_choice.get(item_key + (_code(item.choice_code),), set())
            answered = np.zeros(len(responding))
            chosen = np.zeros(len(responding))
            answered[[position[c] for c in answered_codes if c in position]] = 1
            chosen[[position[c] for c in chosen_codes if c in position]] = 1
            n_answered = int(answered.sum())
            share, variance = ratio_estimate(weights, answered, chosen, len(population))
            lower, upper = interval_95(share, variance) if share is not None else (None, None)
            rows.append((wave_id, item.question_id, item.row_code, item.choice_code, n_answered, len(population),
                         pct_of_counts(int(chosen.sum()), n_answered),
                         pct(share), pct(lower), pct(upper), method))
    return pd.DataFrame(rows, columns=columns).astype(
        {"row_code": "Int64", "choice_code": "Int64", "n_answered": "int64", "population_n": "int64"})


# The models `marts.mart_weighted_estimate` is computed from (intermediate schema), in the order
# `estimates_from_models` takes them: the dbt Python model (DuckDB) refs them by these names, and
# orchestration/assets/dbt.py (PostgreSQL, where dbt runs no Python) reads them.
ESTIMATE_INPUTS = ("int_wave_municipalities", "int_responding_municipalities", "int_estimation_items",
                   "int_municipality_choice_answers")


def estimates_from_models(frame: pd.DataFrame, sample: pd.DataFrame, items: pd.DataFrame,
                          answers: pd.DataFrame) -> pd.DataFrame:
    """`weighted_estimates` over the four models of ESTIMATE_INPUTS, items in the marts' order."""
    items = items.sort_values(["wave_id", "question_position", "row_code", "choice_position"], na_position="first")
    return weighted_estimates(frame, sample, items, answers)
