"""Weighted estimates against the textbook formulas, worked out by hand on a population of 10 municipalities.

Population (N = 10): region A has 6 municipalities, region B 4. Sample (n = 5): a1, a2 from A and b1, b2,
b3 from B. Raking on the one margin "region" is post-stratification: w = N_h / n_h, so
w(A) = 6 / 2 = 3 and w(B) = 4 / 3. Answers y (1 = chose the choice): a1 = 1, a2 = 0, b1 = 1, b2 = 1, b3 = 0.

Everyone answered:
  p = (3·1 + 3·0 + 4/3·(1 + 1 + 0)) / 10 = (3 + 8/3) / 10 = 0.566667
  z_i = w_i (y_i − p) / 10 = 0.13, −0.17, 0.057778, 0.057778, −0.075556 (they sum to 0)
  Σ z² = 0.0169 + 0.0289 + 2 · 0.0033383 + 0.0057086 = 0.0581852
  v = (1 − 5/10) · 5/4 · 0.0581852 = 0.0363657; se = 0.190698
  95 %: 0.566667 ± 1.959964 · 0.190698 = [0.192905, 0.940428]
b3 did not answer (a domain of the sample):
  Σ_A w = 3 + 3 + 4/3 + 4/3 = 8.666667; p = 5.666667 / 8.666667 = 0.653846
  z = 3·(1 − p)/8.6667 = 0.119822, 3·(0 − p)/8.6667 = −0.226331, 0.053254, 0.053254, 0 (b3); mean 0
  v = 0.5 · 1.25 · (0.119822² + 0.226331² + 2 · 0.053254²) = 0.0445346; se = 0.211032
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.deliverables.weighting import (
    interval_95, pct_of_counts, rake, ratio_estimate, weighted_estimates,
)

POPULATION = pd.DataFrame({
    "wave_id": "w", "nis_code": [f"a{i}" for i in range(1, 7)] + [f"b{i}" for i in range(1, 5)],
    "region": ["A"] * 6 + ["B"] * 4,
    "size": ["S", "L", "S", "S", "L", "L", "S", "L", "L", "S"],
})
SAMPLE_CODES = ["a1", "a2", "b1", "b2", "b3"]


def sample():
    return POPULATION[POPULATION["nis_code"].isin(SAMPLE_CODES)].reset_index(drop=True)


def test_raking_on_one_margin_is_post_stratification():
    weights, notes = rake(sample(), POPULATION, ("region",))
    assert weights == pytest.approx([3, 3, 4 / 3, 4 / 3, 4 / 3])
    assert notes == []


def test_ratio_estimate_and_interval_match_the_hand_calculation():
    weights = np.array([3, 3, 4 / 3, 4 / 3, 4 / 3])
    share, variance = ratio_estimate(weights, np.ones(5), np.array([1, 0, 1, 1, 0.0]), population_n=10)
    assert share == pytest.approx(0.566667, abs=1e-6)
    assert variance == pytest.approx(0.0363657, abs=1e-7)
    assert interval_95(share, variance) == pytest.approx((0.192905, 0.940428), abs=1e-6)


def test_a_unit_that_did_not_answer_stays_in_the_variance_as_zero():
    weights = np.array([3, 3, 4 / 3, 4 / 3, 4 / 3])
    share, variance = ratio_estimate(weights, np.array([1, 1, 1, 1, 0]), np.array([1, 0, 1, 1, 0.0]), 10)
    assert share == pytest.approx(0.653846, abs=1e-6)
    assert variance == pytest.approx(0.0445346, abs=1e-7)


def test_the_finite_population_correction_vanishes_when_everyone_answered():
    weights = np.ones(4)
    share, variance = ratio_estimate(weights, np.ones(4), np.array([1, 1, 0, 0.0]), population_n=4)
    assert share == 0.5 and variance == 0.0


def test_raking_on_two_margins_matches_both_and_keeps_weights_multiplicative():
    # The raking solution is the one set of weights w = a(region) · b(size) that reproduces both margins.
    frame = sample()
    weights, _ = rake(frame, POPULATION, ("region", "size"))
    for margin in ("region", "size"):
        assert pd.Series(weights).groupby(frame[margin].to_numpy()).sum().to_dict() == pytest.approx(
            POPULATION[margin].value_counts().to_dict())
    # Sampled cells: a1 = (A, S), a2 = (A, L), b1 = (B, S), b2 = b3 = (B, L). Raking weights are a product
    # a(region) · b(size), so the cross-ratio of the four cells is 1.
    w_as, w_al, w_bs, w_bl = weights[0], weights[1], weights[2], weights[3]
    assert weights[4] == pytest.approx(w_bl)
    assert w_as / w_al == pytest.approx(w_bs / w_bl)


def test_raking_that_cannot_match_both_margins_says_so():
    # Region A must weigh 6, but its only sampled size (S) may weigh 5 in all: no weights do both.
    frame = sample().assign(size=["S", "S", "S", "L", "L"])
    _, notes = rake(frame, POPULATION, ("region", "size"), max_iterations=50)
    assert notes == ["raking stopped after 50 iterations without converging"]


def test_a_margin_category_without_respondents_is_left_out_and_named():
    frame = sample()[lambda f: f["region"] == "A"].reset_index(drop=True)
    weights, notes = rake(frame, POPULATION, ("region",))
    assert notes == ["region left out (no respondent in B)"]
    assert weights.sum() == pytest.approx(10)


def test_unweighted_pct_rounds_half_up_like_the_contract():
    assert pct_of_counts(132, 172) == 76.7 and pct_of_counts(1, 8) == 12.5 and pct_of_counts(1, 0) is None


def test_weighted_estimates_rows_carry_both_shares_and_the_interval():
    frame = POPULATION.rename(columns={"region": "province_name_nl"})
    items = pd.DataFrame({"wave_id": "w", "question_id": "Q", "row_code": [pd.NA], "choice_code": [1]})
    answers = pd.DataFrame({"wave_id": "w", "nis_code": SAMPLE_CODES, "question_id": "Q", "row_code": pd.NA,
                            "choice_code": [1, 2, 1, 1, 2]})
    (row,) = weighted_estimates(frame, pd.DataFrame({"wave_id": "w", "nis_code": SAMPLE_CODES}), items, answers,
                                margins=("province_name_nl",)).to_dict("records")
    assert (row["n_answered"], row["population_n"], row["pct_unweighted"]) == (5, 10, 60.0)
    assert (row["pct_weighted"], row["ci_lower"], row["ci_upper"]) == (56.7, 19.3, 94.0)


def test_equal_weights_give_the_simple_random_sampling_variance_of_a_proportion():
    # Cochran: v(p) = (1 − n/N) · p(1 − p) / (n − 1); here n = 8, N = 20, p = 3/8.
    share, variance = ratio_estimate(np.full(8, 20 / 8), np.ones(8), np.array([1, 1, 1, 0, 0, 0, 0, 0.0]), 20)
    assert share == 0.375
    assert variance == pytest.approx((1 - 8 / 20) * 0.375 * 0.625 / 7)


def test_a_unit_without_a_margin_value_is_weighted_as_a_category_of_its_own():
    # The 2025 map leaves the Belfius type empty for a merged municipality whose predecessors differ.
    population = POPULATION.assign(size=[None, "L", "S", "S", "L", "L", None, "S", "L", "S"])
    frame = population[population["nis_code"].isin(SAMPLE_CODES)].reset_index(drop=True)
    weights, notes = rake(frame, population, ("size",))
    # Sample a1, a2, b1, b2, b3 = none, L, none, S, L; population none 2, L 4, S 4.
    assert notes == [] and weights == pytest.approx([1, 2, 1, 4, 2])


def test_units_without_a_margin_value_that_nobody_represents_are_named():
    population = POPULATION.assign(size=POPULATION["size"].where(POPULATION["nis_code"] != "a6"))
    _, notes = rake(sample(), population, ("size",))
    assert notes == ["size left out (no respondent in (no value))"]
