"""Weighted estimates against results computed another way: by hand on a population of 10 municipalities,
textbook formulas (Cochran's variance of a proportion, Clopper-Pearson intervals, t tables), an explicit
regression for the raking residuals, and a simulation of repeated samples. R's own numbers for the sample:
tests/test_survey_statistics_r.py.

Population (N = 10): region A has 6 municipalities, region B 4. Sample (n = 5): a1, a2 from A and b1, b2,
b3 from B. Raking on the one margin "region" is post-stratification: w = N_h / n_h, so
w(A) = 6 / 2 = 3 and w(B) = 4 / 3. Answers y (1 = chose the choice): a1 = 1, a2 = 0, b1 = 1, b2 = 1, b3 = 0.

Everyone answered:
  p = (3·1 + 3·0 + 4/3·(1 + 1 + 0)) / 10 = (3 + 8/3) / 10 = 0.566667
  u_i = (y_i − p) / 10 = 0.043333, −0.056667 | 0.043333, 0.043333, −0.056667
  raking residuals (the region's plain mean of u taken out; one round is enough for one margin):
  mean_A = −0.006667, mean_B = 0.01 → 0.05, −0.05 | 0.033333, 0.033333, −0.066667
  x = w · residual = 0.15, −0.15 | 0.044444, 0.044444, −0.088889  (= (N_h/n_h)(y_i − ȳ_h)/N)
  Σ x² = 0.045 + 2 · 0.0019753 + 0.0079012 = 0.0568519
  v = (1 − 5/10) · 5/4 · 0.0568519 = 0.0355324; se = 0.188500 (0.190698 with the weights held fixed)
  design effect: v / (p(1 − p) · 5/4 · (1/5 − 1/10)) = 0.0355324 / 0.0306944 = 1.157619
b3 did not answer (a domain of the sample; b3 stays in the design with u = 0):
  Σ_A w = 8.666667; p = 5.666667 / 8.666667 = 0.653846
  u = 0.039941, −0.075444 | 0.039941, 0.039941, 0 ; mean_A = −0.017751, mean_B = 0.026627
  x = 3 · (0.057692, −0.057692) | 4/3 · (0.013314, 0.013314, −0.026627)
  v = 0.625 · (2 · 0.1730769² + 2 · 0.0177515² + 0.0355030²) = 0.625 · 0.0618019 = 0.0386262
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from orchestration.deliverables.weighting import (
    CI_BETA,
    CI_BETA_DEFF1,
    CI_CENSUS,
    domain_estimates,
    korn_graubard,
    pct_of_counts,
    rake,
    raking_residuals,
    srs_variance,
    wave_design,
    weighted_changes,
    weighted_estimates,
)

POPULATION = pd.DataFrame(
    {
        "wave_id": "w",
        "nis_code": [f"a{i}" for i in range(1, 7)] + [f"b{i}" for i in range(1, 5)],
        "region": ["A"] * 6 + ["B"] * 4,
        "size": ["S", "L", "S", "S", "L", "L", "S", "L", "L", "S"],
    }
)
SAMPLE_CODES = ["a1", "a2", "b1", "b2", "b3"]
Y = np.array([1, 0, 1, 1, 0.0])


def sample():
    return POPULATION[POPULATION["nis_code"].isin(SAMPLE_CODES)].reset_index(drop=True)


def hand_design(margins=("region",)):
    return wave_design("w", POPULATION, pd.DataFrame({"wave_id": "w", "nis_code": SAMPLE_CODES}), margins)


# --- raking ---------------------------------------------------------------------------------------------


def test_raking_on_one_margin_is_post_stratification():
    weights, notes = rake(sample(), POPULATION, ("region",))
    assert weights == pytest.approx([3, 3, 4 / 3, 4 / 3, 4 / 3])
    assert notes == []


def test_raking_on_two_margins_matches_both_and_keeps_weights_multiplicative():
    # The raking solution is the one set of weights w = a(region) · b(size) that reproduces both margins.
    frame = sample()
    weights, _ = rake(frame, POPULATION, ("region", "size"))
    for margin in ("region", "size"):
        assert pd.Series(weights).groupby(frame[margin].to_numpy()).sum().to_dict() == pytest.approx(
            POPULATION[margin].value_counts().to_dict()
        )
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


# --- the share and its variance ----------------------------------------------------------------------


def test_share_variance_and_design_effect_match_the_hand_calculation():
    result = hand_design().estimate(np.ones(5), Y)
    assert result.share[0] == pytest.approx(0.566667, abs=1e-6)
    assert result.variance[0] == pytest.approx(0.0355324, abs=1e-7)
    assert result.design_effect[0] == pytest.approx(1.157619, abs=1e-5)
    assert (result.n_domain[0], result.domain_weight[0]) == (5, pytest.approx(10))


def test_post_stratified_variance_is_the_textbook_within_stratum_formula():
    # One margin: x_i = (N_h / n_h)(y_i − ȳ_h) / N, the post-stratified mean's linearisation.
    design = hand_design()
    x = np.array([3 * (1 - 0.5), 3 * (0 - 0.5)] + [4 / 3 * (v - 2 / 3) for v in (1, 1, 0)]) / 10
    assert design.estimate(np.ones(5), Y).variance[0] == pytest.approx(srs_variance(x, 5, 10)[0])


def test_a_unit_that_did_not_answer_stays_in_the_design_with_weight_zero():
    result = hand_design().estimate(np.array([1, 1, 1, 1, 0.0]), Y)
    assert result.share[0] == pytest.approx(0.653846, abs=1e-6)
    assert result.variance[0] == pytest.approx(0.0386262, abs=1e-7)
    assert result.n_domain[0] == 4


def test_the_finite_population_correction_vanishes_when_everyone_responded():
    population = POPULATION[POPULATION["nis_code"].isin(["a1", "a2", "b1", "b2"])]
    design = wave_design(
        "w", population, pd.DataFrame({"wave_id": "w", "nis_code": ["a1", "a2", "b1", "b2"]}), ("region",)
    )
    result = design.estimate(np.ones(4), np.array([1, 0, 1, 1.0]))
    assert result.variance[0] == 0.0
    assert korn_graubard(result.share[0], result.variance[0], 4, 4, population_n=4) == (0.75, 0.75, CI_CENSUS)


def test_without_calibration_the_variance_is_cochrans_and_the_design_effect_1():
    # One margin with one category: simple random sampling. Cochran: v(p) = (1 − n/N) · p(1 − p) / (n − 1);
    # here n = 8, N = 20, p = 3/8.
    population = pd.DataFrame({"wave_id": "w", "nis_code": [f"m{i:02d}" for i in range(20)], "all": "x"})
    design = wave_design("w", population, population.head(8), ("all",))
    result = design.estimate(np.ones(8), np.array([1, 1, 1, 0, 0, 0, 0, 0.0]))
    assert result.share[0] == 0.375
    assert result.variance[0] == pytest.approx((1 - 8 / 20) * 0.375 * 0.625 / 7)
    assert result.design_effect[0] == pytest.approx(1.0)


def test_ten_rounds_of_raking_residuals_are_the_regression_residuals_on_the_margins():
    # survey::svyrecvar's backfitting against an explicit least-squares fit of u on every margin's categories
    # (Särndal, Swensson and Wretman's g-weighted residuals): 300 units, three margins.
    rng = np.random.default_rng(22)
    categories = [rng.integers(0, k, 300) for k in (5, 5, 6)]
    u = rng.normal(size=(300, 4)) + categories[0][:, None] * 0.3
    dummies = np.column_stack([np.eye(codes.max() + 1)[codes] for codes in categories])
    coefficients, *_ = np.linalg.lstsq(dummies, u, rcond=None)
    assert raking_residuals(u, categories, rounds=200) == pytest.approx(u - dummies @ coefficients, abs=1e-10)
    ten = raking_residuals(u, categories)
    assert np.sqrt((ten**2).sum(axis=0)) == pytest.approx(
        np.sqrt(((u - dummies @ coefficients) ** 2).sum(axis=0)), rel=1e-3
    )


def test_repeated_samples_the_variance_estimate_matches_the_spread_of_the_estimates():
    """A finite population of 300 with three margins that explain much of y; 250 samples of 172 drawn
    without replacement, each raked: the mean estimated variance is close to the variance of the estimates
    (linearisation runs a little low at this size) and well below the fixed-weight one, and the 95 %
    intervals cover the population share about 95 % of the time."""
    rng = np.random.default_rng(2023)
    big_n, n, replicates = 300, 172, 250
    population = pd.DataFrame(
        {
            "wave_id": "w",
            "nis_code": [f"{i:05d}" for i in range(big_n)],
            "province_name_nl": rng.choice(list("ABCDE"), big_n),
            "size_class": rng.choice(list("12345"), big_n),
            "belfius_type_code": rng.choice(list("uvwxyz"), big_n),
        }
    )
    signal = (
        population["province_name_nl"].map(dict(A=-1, B=0, C=0.5, D=1, E=-0.5))
        + population["size_class"].astype(int) * 0.4
    )
    y = (signal + rng.normal(0, 1, big_n) > np.quantile(signal, 0.6)).to_numpy(dtype=float)
    answers = rng.random(big_n) < 0.9
    target = y[answers].mean()
    estimates, variances, fixed, covered = [], [], [], 0
    for _ in range(replicates):
        drawn = np.sort(rng.choice(big_n, n, replace=False))
        design = wave_design("w", population, population.iloc[drawn][["wave_id", "nis_code"]])
        result = design.estimate(answers[drawn].astype(float), y[drawn])
        share, variance = result.share[0], result.variance[0]
        lower, upper, _ = korn_graubard(share, variance, n, int(result.n_domain[0]), big_n)
        estimates.append(share)
        variances.append(variance)
        covered += lower <= target <= upper
        w, a = design.weights, answers[drawn]
        z = np.where(a, w * (y[drawn] - share) / (w * a).sum(), 0)
        fixed.append(srs_variance(z, n, big_n)[0])
    spread = np.var(estimates)
    assert abs(np.mean(estimates) - target) < 0.01
    assert 0.75 < np.mean(variances) / spread < 1.1
    assert np.mean(fixed) > 1.2 * np.mean(variances)
    assert 0.9 <= covered / replicates <= 0.99


# --- intervals -----------------------------------------------------------------------------------------


def test_korn_graubard_without_design_effect_is_clopper_pearson():
    # 3 of 10: the exact (Clopper-Pearson) interval is [0.0667, 0.6525] (e.g. Agresti and Coull 1998).
    lower, upper, method = korn_graubard(0.3, 0.3 * 0.7 / 10, n_rows=10, n_domain=10)
    assert (round(lower, 4), round(upper, 4), method) == (0.0667, 0.6525, CI_BETA)


def test_none_or_all_chose_it_design_effect_1_closed_form():
    # 0 of 20: upper = 1 − 0.025^(1/20); 20 of 20: lower = 0.025^(1/20).
    assert korn_graubard(0.0, 0.0, 20, 20) == (0.0, pytest.approx(1 - 0.025 ** (1 / 20)), CI_BETA_DEFF1)
    assert korn_graubard(1.0, 0.0, 20, 20) == (pytest.approx(0.025 ** (1 / 20)), 1.0, CI_BETA_DEFF1)


def test_a_domain_shrinks_the_effective_sample_size_by_the_t_quantiles():
    # svyciprop: n_eff · (t_{n−1} / t_{n_A−1})²; t tables: t(0.975; 45) = 2.014103, t(0.975; 171) = 1.973934.
    share, variance = 0.3, 0.3 * 0.7 / 46
    factor = (1.973934 / 2.014103) ** 2
    expected = korn_graubard(share, share * (1 - share) / (46 * factor), n_rows=46, n_domain=46)
    assert korn_graubard(share, variance, n_rows=172, n_domain=46) == pytest.approx(expected, abs=1e-6)


def test_no_interval_below_two_units():
    assert korn_graubard(1.0, 0.0, 172, 1) == (None, None, None)


def test_unweighted_pct_rounds_half_up_like_the_contract():
    assert pct_of_counts(132, 172) == 76.7 and pct_of_counts(1, 8) == 12.5 and pct_of_counts(1, 0) is None


# --- the marts' rows ----------------------------------------------------------------------------------

FRAME = POPULATION.rename(columns={"region": "province_name_nl", "size": "size_class"})
RESPONDING = pd.DataFrame({"wave_id": "w", "nis_code": SAMPLE_CODES})
ITEMS = pd.DataFrame({"wave_id": "w", "question_id": "Q", "row_code": [pd.NA], "choice_code": [1]})
ANSWERS = pd.DataFrame(
    {"wave_id": "w", "nis_code": SAMPLE_CODES, "question_id": "Q", "row_code": pd.NA, "choice_code": [1, 2, 1, 1, 2]}
)


def test_weighted_estimates_rows_carry_both_shares_the_se_and_the_interval():
    (row,) = weighted_estimates(FRAME, RESPONDING, ITEMS, ANSWERS, margins=("province_name_nl",)).to_dict("records")
    assert (row["n_answered"], row["population_n"], row["pct_unweighted"]) == (5, 10, 60.0)
    assert (row["pct_weighted"], row["se_weighted"], row["design_effect"]) == (56.7, 18.850, 1.158)
    lower, upper, method = korn_graubard(17 / 30, 0.0355324, 5, 5, 10)
    assert (row["ci_lower"], row["ci_upper"], row["ci_method"]) == (
        round(100 * lower, 1),
        round(100 * upper, 1),
        CI_BETA,
    )
    assert row["ci_lower"] < row["pct_weighted"] < row["ci_upper"]


def test_domain_estimates_keep_only_n_for_a_small_base():
    frame = domain_estimates(FRAME, RESPONDING, ITEMS, ANSWERS, min_units=3, margins=("province_name_nl",))
    rows = {(r["domain_kind"], r["domain"]): r for r in frame.to_dict("records")}
    assert set(rows) == {("province", "A"), ("province", "B"), ("size_class", "L"), ("size_class", "S")}
    a, b = rows[("province", "A")], rows[("province", "B")]
    assert (a["n_answered"], a["population_n"], a["is_small_base"]) == (2, 6, True)
    assert all(pd.isna(a[c]) for c in ("pct_unweighted", "pct_weighted", "se_weighted", "ci_lower", "ci_method"))
    # Province B raked to its own count: 2 of its 3 sampled units chose it, each weighing 4/3.
    assert (b["n_answered"], b["population_n"], b["is_small_base"], b["pct_weighted"]) == (3, 4, False, 66.7)
    assert b["ci_method"] == CI_BETA and b["ci_lower"] < 66.7 < b["ci_upper"]


def test_change_is_the_difference_with_both_variances():
    later = FRAME.assign(wave_id="w2")
    frame = pd.concat([FRAME, later])
    responding = pd.concat([RESPONDING, RESPONDING.assign(wave_id="w2")])
    answers = pd.concat([ANSWERS, ANSWERS.assign(wave_id="w2", choice_code=[1, 1, 1, 1, 2])])
    trend = pd.DataFrame(
        {
            "wave_id": ["w2"],
            "question_id": "Q",
            "row_code": [pd.NA],
            "choice_code": [1],
            "choice_label": "ja",
            "unit": "municipality",
            "compared_wave_id": "w",
            "compared_question_id": "Q",
            "compared_choice_codes": ["1"],
        }
    )
    (row,) = weighted_changes(frame, responding, trend, answers, margins=("province_name_nl",)).to_dict("records")
    earlier = hand_design().estimate(np.ones(5), Y)
    now = hand_design().estimate(np.ones(5), np.array([1, 1, 1, 1, 0.0]))
    change = now.share[0] - earlier.share[0]
    se = math.sqrt(now.variance[0] + earlier.variance[0])
    assert (row["pct_weighted"], row["compared_pct_weighted"]) == (round(100 * now.share[0], 1), 56.7)
    assert row["change_pct_points"] == round(100 * change, 1) and row["change_se"] == round(100 * se, 3)
    assert row["change_ci_lower"] == round(100 * (change - 1.959964 * se), 1)
    assert row["change_excludes_zero"] == bool(row["change_ci_lower"] > 0 or row["change_ci_upper"] < 0)


def test_a_new_choice_without_earlier_codes_gets_no_change():
    trend = pd.DataFrame(
        {
            "wave_id": ["w"],
            "question_id": "Q",
            "row_code": [pd.NA],
            "choice_code": [1],
            "choice_label": "ja",
            "unit": "municipality",
            "compared_wave_id": "w",
            "compared_question_id": "Q",
            "compared_choice_codes": [None],
        }
    )
    (row,) = weighted_changes(FRAME, RESPONDING, trend, ANSWERS, margins=("province_name_nl",)).to_dict("records")
    assert row["pct_weighted"] == 56.7 and pd.isna(row["change_pct_points"]) and pd.isna(row["change_excludes_zero"])
