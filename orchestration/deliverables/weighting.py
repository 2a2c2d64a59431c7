"""Flanders-wide and domain estimates from the responding municipalities, computed as R's survey package
computes them (survey 4.1: `svydesign(ids = ~1, fpc = ~N)`, `rake()`, `subset()`, `svymean()`,
`svyciprop(method = "beta")`, `svyby()`), in plain numpy/pandas so the formulas are all here to read
(docs/DECISIONS.md: why no survey library, and a worked example). tests/r/survey_estimates.R computes the
same with R, and tests/test_survey_statistics_r.py compares every estimate of the sample (where R is there).
The dbt Python models `mart_weighted_estimate`, `mart_weighted_domain_estimate` and
`mart_weighted_question_trend` call the `*_from_models` functions at the end.

Notation: the frame U holds the N municipalities on the wave's map, the sample S the n responding ones.
- Design: simple random sampling without replacement of n out of N (`svydesign(ids = ~1, fpc = ~N)`),
  starting weights d_i = N / n.
- Raking (`rake`, iterative proportional fitting): rescale the weights in turn so that their sum in every
  category of each margin (province, size class, Belfius type) equals the population count, until no
  weight moves any more. Raking on one margin is post-stratification on it.
- A choice's share over the units that answered the item (the domain A of S, as `subset(design, answered)`:
  the others stay in the design with weight 0) is the ratio p = sum_A w_i y_i / sum_A w_i.
- Its variance (`svymean` → `svyrecvar`): the linearised values x_i = w_i (y_i - p) / sum_A w_i on A and 0
  elsewhere in S, replaced by their residuals from the raking: with u_i = x_i / w_i, ten rounds of
  "for each margin, subtract from u_i the plain mean of u over the units of S in its category" (a
  backfitting of u on the margins' categories), then x_i = w_i u_i; and
  v(p) = (1 - n/N) * n/(n - 1) * sum_S (x_i - mean x)^2. The residuals take out what the margins explain:
  the variance the raking removes.
- Design effect (`svymean(deff = TRUE)`): v(p) over the variance of simple random sampling of n_A units
  from a population of sum_A w_i: p(1 - p) * n_A/(n_A - 1) * (1/n_A - 1/sum_A w_i).
- 95 % interval: Korn and Graubard's beta interval (`svyciprop(method = "beta")`): the effective sample
  size n_eff = p(1 - p) / v(p) * (t_{n-1} / t_{n_A-1})^2 (t: the 2.5 % quantile of Student's t), and
  [Beta^-1(0.025; n_eff p, n_eff (1 - p) + 1), Beta^-1(0.975; n_eff p + 1, n_eff (1 - p))]. It stays
  inside 0–100 % and does not collapse near the ends. When every or no unit of A chose the choice the
  variance is 0 and R returns no interval; the mart then takes the design effect as 1 (n_eff = n_A times
  the same t factor: the Clopper-Pearson interval), and names that in `ci_method`.
- Change between two waves (`mart_weighted_question_trend`): the two waves are independent samples
  (each its own raking and variance), so v(p2 - p1) = v(p2) + v(p1) and the 95 % interval is
  p2 - p1 +/- 1.959964 sqrt(v); docs/DECISIONS.md says why that is conservative for the panel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

MARGINS = ("province_name_nl", "size_class", "belfius_type_code")
MARGIN_LABELS = {"province_name_nl": "province", "size_class": "size class", "belfius_type_code": "Belfius type"}
Z_95 = 1.959963984540054
ALPHA = 0.05
# survey::svyrecvar iterates the raking residuals a fixed ten rounds (not to convergence): so do we.
RESIDUAL_ROUNDS = 10
# The domains of mart_weighted_domain_estimate (`svyby`): their kind and the frame column that holds them.
DOMAIN_KINDS = {"province": "province_name_nl", "size_class": "size_class"}

# ci_method, per row: how its interval was computed.
CI_BETA = "beta"  # svyciprop(method = "beta"): Korn-Graubard with the design's effective sample size
CI_BETA_DEFF1 = "beta_deff1"  # Korn-Graubard with design effect 1: all or none chose it (no variance)
CI_CENSUS = "census"  # every municipality of the map responded: no sampling error (v = 0)
CI_METHODS = (CI_BETA, CI_BETA_DEFF1, CI_CENSUS)


class WeightingError(ValueError):
    """Weights cannot be computed (no sample, or a unit outside the frame)."""


def rake(
    sample: pd.DataFrame,
    population: pd.DataFrame,
    margins: tuple[str, ...],
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> tuple[np.ndarray, list[str]]:
    """Raking weights for `sample` rows so that each margin's weighted counts equal `population`'s counts.

    A margin with a population category that has no sampled unit cannot be matched; it is left out and
    named in the returned notes (the estimate then rests on the other margins). Returns (weights, notes).
    """
    weights, _, notes = _rake(sample, population, margins, tolerance, max_iterations)
    return weights, notes


def _rake(
    sample: pd.DataFrame,
    population: pd.DataFrame,
    margins: tuple[str, ...],
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> tuple[np.ndarray, tuple[str, ...], list[str]]:
    """(weights, the margins raked on, notes)."""
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
            notes.append(
                f"{MARGIN_LABELS.get(margin, margin)} left out (no respondent in {', '.join(map(str, missing))})"
            )
        else:
            usable.append(margin)
    weights = np.full(n, big_n / n, dtype=float)
    # Per margin: each unit's category index and the population count of every category.
    steps = []
    for margin in usable:
        codes, labels = pd.factorize(sample[margin])
        steps.append((codes, population[margin].value_counts().reindex(labels).to_numpy(dtype=float)))
    for _ in range(max_iterations):
        previous = weights.copy()
        for codes, targets in steps:  # postStratify on the margin: its categories' sums become the counts
            weights = weights * (targets / np.bincount(codes, weights=weights, minlength=targets.size))[codes]
        if np.max(np.abs(weights - previous)) < tolerance:
            return weights, tuple(usable), notes
    notes.append(f"raking stopped after {max_iterations} iterations without converging")
    return weights, tuple(usable), notes


MISSING_CATEGORY = "(no value)"


def _with_missing_category(frame: pd.DataFrame, margins: tuple[str, ...]) -> pd.DataFrame:
    return frame.assign(**{m: frame[m].astype(object).where(frame[m].notna(), MISSING_CATEGORY) for m in margins})


def raking_residuals(u: np.ndarray, categories: list[np.ndarray], rounds: int = RESIDUAL_ROUNDS) -> np.ndarray:
    """`u` (n × k) with, `rounds` times, each margin's plain category means taken out in turn (svyrecvar's
    `x - psw * ave(x / psw, margin)` with u = x / psw). `categories`: per margin, each unit's category index."""
    u = np.array(u, dtype=float, copy=True)
    if u.ndim == 1:
        return raking_residuals(u[:, None], categories, rounds)[:, 0]
    for _ in range(rounds):
        for codes in categories:
            counts = np.bincount(codes)
            sums = np.zeros((counts.size, u.shape[1]))
            np.add.at(sums, codes, u)
            u -= (sums / counts[:, None])[codes]
    return u


def srs_variance(x: np.ndarray, n: int, population_n: int) -> np.ndarray:
    """Variance of a total of x (n × k) under simple random sampling without replacement, as survey's
    one-stage `onestrat`: (1 - n/N) * n/(n - 1) * sum (x_i - mean x)^2, per column."""
    x = np.atleast_2d(np.asarray(x, dtype=float).T).T
    if n < 2:
        return np.full(x.shape[1], np.nan)
    fpc = (population_n - n) / population_n
    return fpc * n / (n - 1) * ((x - x.mean(axis=0)) ** 2).sum(axis=0)


@dataclass
class Estimates:
    """Per column of a domain × indicator matrix: n_domain (units in the domain), domain_weight (sum of
    their weights), share, variance (NaN when n < 2), design_effect (NaN when undefined)."""

    n_domain: np.ndarray
    domain_weight: np.ndarray
    share: np.ndarray
    variance: np.ndarray
    design_effect: np.ndarray


@dataclass
class WaveDesign:
    """One wave's raked design: the responding units (sorted by nis_code) and their weights."""

    wave_id: str
    units: pd.DataFrame
    population: pd.DataFrame
    weights: np.ndarray
    margins: tuple[str, ...]
    notes: list[str]
    categories: list[np.ndarray] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def population_n(self) -> int:
        return len(self.population)

    def position(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.units["nis_code"])}

    def estimate(self, in_domain: np.ndarray, chosen: np.ndarray) -> Estimates:
        """`svymean(~y, subset(design, domain), deff = TRUE)` for every column of `in_domain` and `chosen`
        (n × k, 0/1): the share of `chosen` among the units of the domain."""
        d = np.atleast_2d(np.asarray(in_domain, dtype=float).T).T
        y = np.atleast_2d(np.asarray(chosen, dtype=float).T).T * d
        w = self.weights[:, None]
        n_domain = d.sum(axis=0)
        total = (w * d).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, (w * y).sum(axis=0) / np.where(total > 0, total, 1), np.nan)
            u = d * (y - share) / np.where(total > 0, total, 1)  # x_i / w_i
        u = np.where(np.isfinite(u), u, 0.0)
        x = self.weights[:, None] * raking_residuals(u, self.categories)
        variance = srs_variance(x, self.n, self.population_n)
        variance = np.where(n_domain > 0, variance, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            srs = share * (1 - share) * n_domain / (n_domain - 1) * (total - n_domain) / (total * n_domain)
            deff = np.where(
                (n_domain > 1) & (total > n_domain) & (srs > 0), variance / np.where(srs > 0, srs, 1), np.nan
            )
        return Estimates(n_domain.astype(int), total, share, variance, deff)


def wave_design(
    wave_id: str, frame: pd.DataFrame, sample: pd.DataFrame, margins: tuple[str, ...] = MARGINS
) -> WaveDesign | None:
    """The raked design of one wave: `frame` and `sample` as in `weighted_estimates`; None without respondents."""
    population = frame[frame["wave_id"] == wave_id].reset_index(drop=True)
    codes = sample.loc[sample["wave_id"] == wave_id, "nis_code"]
    responding = population[population["nis_code"].isin(codes)].sort_values("nis_code").reset_index(drop=True)
    outside = set(codes) - set(responding["nis_code"])
    if outside:
        raise WeightingError(f"wave {wave_id}: responding municipalities not on the wave's map: {sorted(outside)}")
    if responding.empty:
        return None
    weights, used, notes = _rake(responding, population, margins)
    filled = _with_missing_category(responding, used)
    categories = [pd.factorize(filled[m])[0] for m in used]
    return WaveDesign(wave_id, responding, population, weights, used, notes, categories)


def korn_graubard(
    share: float, variance: float, n_rows: int, n_domain: int, population_n: int | None = None
) -> tuple[float | None, float | None, str | None]:
    """(lower, upper, ci_method) of the 95 % interval of `share` as svyciprop(method = "beta") computes it
    (n_rows: the design's rows, n_domain: its units with a weight, degf + 1; population_n: N, when every
    unit of it is in the sample there is no sampling error). None without an interval."""
    if n_domain < 2 or n_rows < 2 or share is None or math.isnan(share) or variance is None or math.isnan(variance):
        return None, None, None
    if population_n is not None and n_rows >= population_n:
        return share, share, CI_CENSUS
    from scipy import special  # here, not at import: the code location and dbt load this module

    t_factor = (special.stdtrit(n_rows - 1, ALPHA / 2) / special.stdtrit(n_domain - 1, ALPHA / 2)) ** 2
    if abs(share - round(share)) < 1e-12:  # all or none (a hair from 0 or 1 after summing weights)
        share = float(round(share))
    if 0 < share < 1 and variance > 0:
        n_eff, method = share * (1 - share) / variance * t_factor, CI_BETA
    else:
        n_eff, method = n_domain * t_factor, CI_BETA_DEFF1
    lower = 0.0 if share <= 0 else float(special.betaincinv(n_eff * share, n_eff * (1 - share) + 1, ALPHA / 2))
    upper = 1.0 if share >= 1 else float(special.betaincinv(n_eff * share + 1, n_eff * (1 - share), 1 - ALPHA / 2))
    return lower, upper, method


def pct(value: float | None, digits: int = 1) -> float | None:
    """A share as a percentage, rounded half-up to `digits` decimals (one: as the contract rounds)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(100 * float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def rounded(value: float | None, digits: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def pct_of_counts(count: int, base: int) -> float | None:
    """100 × count / base, half-up to one decimal in integers (exactly as the contract's pct)."""
    return (2 * 1000 * count + base) // (2 * base) / 10 if base else None


def _code(value) -> int | None:
    return None if pd.isna(value) else int(value)


def method_text(design: WaveDesign, margins: tuple[str, ...]) -> str:
    return (
        "raking on "
        + " × ".join(MARGIN_LABELS.get(m, m) for m in margins)
        + " (survey::rake); share over the municipalities that answered (a domain of the sample); "
        "linearised variance with the raking residuals and the finite-population correction (svymean); "
        "95 % interval per ci_method (svyciprop)" + "".join(f"; {note}" for note in design.notes)
    )


class AnswerIndex:
    """Who answered each item and who chose each choice: (question_id, row_code) → set of nis_code, and
    (question_id, row_code, choice_code) → set."""

    def __init__(self, answers: pd.DataFrame):
        self.answered: dict[tuple, set] = {}
        self.chosen: dict[tuple, set] = {}
        for answer in answers.itertuples(index=False):
            item_key = (answer.question_id, _code(answer.row_code))
            self.answered.setdefault(item_key, set()).add(answer.nis_code)
            self.chosen.setdefault(item_key + (_code(answer.choice_code),), set()).add(answer.nis_code)

    def indicators(self, design: WaveDesign, keys: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
        """(answered, chosen), n × len(keys) 0/1 matrices; a key is (question_id, row_code, choice codes)."""
        position = design.position()
        answered = np.zeros((design.n, len(keys)))
        chosen = np.zeros((design.n, len(keys)))
        for j, (question_id, row_code, codes) in enumerate(keys):
            item_key = (question_id, _code(row_code))
            answered[[position[c] for c in self.answered.get(item_key, ()) if c in position], j] = 1
            holding = set().union(*(self.chosen.get(item_key + (code,), set()) for code in codes)) if codes else set()
            chosen[[position[c] for c in holding if c in position], j] = 1
        return answered, chosen


def _designs(frame: pd.DataFrame, sample: pd.DataFrame, waves, margins) -> dict[str, WaveDesign]:
    designs = {}
    for wave_id in sorted(set(waves)):
        design = wave_design(wave_id, frame, sample, margins)
        if design is not None:
            designs[wave_id] = design
    return designs


def _estimate_values(design: WaveDesign, result: Estimates, j: int) -> dict:
    """The mart columns of column j of `result` (percentages and intervals rounded as the marts round)."""
    share, variance = float(result.share[j]), float(result.variance[j])
    lower, upper, ci_method = korn_graubard(share, variance, design.n, int(result.n_domain[j]), design.population_n)
    return {
        "pct_weighted": pct(share),
        "se_weighted": pct(math.sqrt(variance), 3) if not math.isnan(variance) else None,
        "ci_lower": pct(lower),
        "ci_upper": pct(upper),
        "design_effect": rounded(float(result.design_effect[j]), 3),
        "ci_method": ci_method,
    }


ESTIMATE_COLUMNS = [
    "wave_id",
    "question_id",
    "row_code",
    "choice_code",
    "n_answered",
    "population_n",
    "pct_unweighted",
    "pct_weighted",
    "se_weighted",
    "ci_lower",
    "ci_upper",
    "design_effect",
    "ci_method",
    "method",
]


def weighted_estimates(
    frame: pd.DataFrame,
    sample: pd.DataFrame,
    items: pd.DataFrame,
    answers: pd.DataFrame,
    margins: tuple[str, ...] = MARGINS,
) -> pd.DataFrame:
    """One row per wave × item (question, matrix row) × choice, as in `marts.mart_weighted_estimate`.

    frame: wave_id, nis_code and the margins (every municipality on the wave's map);
    sample: wave_id, nis_code (responding municipalities);
    items: wave_id, question_id, row_code, choice_code (every closed choice to estimate);
    answers: wave_id, nis_code, question_id, row_code, choice_code (consolidated chosen codes).
    """
    rows = []
    designs = _designs(frame, sample, items["wave_id"], margins)
    for wave_id, wave_items in items.groupby("wave_id", sort=True):
        design = designs.get(wave_id)
        if design is None:
            continue
        index = AnswerIndex(answers[answers["wave_id"] == wave_id])
        keys = [(i.question_id, i.row_code, (_code(i.choice_code),)) for i in wave_items.itertuples(index=False)]
        answered, chosen = index.indicators(design, keys)
        result = design.estimate(answered, chosen)
        method = method_text(design, margins)
        for j, item in enumerate(wave_items.itertuples(index=False)):
            n_answered = int(result.n_domain[j])
            rows.append(
                {
                    "wave_id": wave_id,
                    "question_id": item.question_id,
                    "row_code": item.row_code,
                    "choice_code": item.choice_code,
                    "n_answered": n_answered,
                    "population_n": design.population_n,
                    "pct_unweighted": pct_of_counts(int(chosen[:, j].sum()), n_answered),
                    **_estimate_values(design, result, j),
                    "method": method,
                }
            )
    return _typed(pd.DataFrame(rows, columns=ESTIMATE_COLUMNS))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    types = {
        "row_code": "Int64",
        "choice_code": "Int64",
        "n_answered": "int64",
        "population_n": "int64",
        "compared_n_answered": "Int64",
    }
    floats = [
        c
        for c in frame.columns
        if c.startswith(("pct", "se_", "ci_l", "ci_u", "design", "compared_pct", "compared_se", "change_"))
        and c != "change_excludes_zero"
    ]
    return frame.astype({c: t for c, t in types.items() if c in frame.columns} | {c: "float64" for c in floats})


DOMAIN_COLUMNS = [
    "wave_id",
    "domain_kind",
    "domain",
    "question_id",
    "row_code",
    "choice_code",
    "n_answered",
    "population_n",
    "is_small_base",
    "pct_unweighted",
    "pct_weighted",
    "se_weighted",
    "ci_lower",
    "ci_upper",
    "design_effect",
    "ci_method",
    "method",
]


def domain_estimates(
    frame: pd.DataFrame,
    sample: pd.DataFrame,
    items: pd.DataFrame,
    answers: pd.DataFrame,
    min_units: int,
    margins: tuple[str, ...] = MARGINS,
) -> pd.DataFrame:
    """`svyby(~y, ~domain, subset(design, answered), svymean)` per province and per size class: one row per
    wave × domain kind × domain (every value on the wave's map) × item × choice, as in
    `marts.mart_weighted_domain_estimate`. A domain where fewer than `min_units` municipalities answered
    (the small-base rule, `small_bases.py`) gets its n_answered and population only."""
    rows = []
    designs = _designs(frame, sample, items["wave_id"], margins)
    for wave_id, wave_items in items.groupby("wave_id", sort=True):
        design = designs.get(wave_id)
        if design is None:
            continue
        index = AnswerIndex(answers[answers["wave_id"] == wave_id])
        keys = [(i.question_id, i.row_code, (_code(i.choice_code),)) for i in wave_items.itertuples(index=False)]
        answered, chosen = index.indicators(design, keys)
        method = method_text(design, margins) + "; domain estimate (svyby)"
        for kind, column in DOMAIN_KINDS.items():
            for domain in sorted(design.population[column].dropna().unique()):
                member = (design.units[column] == domain).to_numpy()[:, None]
                result = design.estimate(answered * member, chosen)
                population_n = int((design.population[column] == domain).sum())
                for j, item in enumerate(wave_items.itertuples(index=False)):
                    n_answered = int(result.n_domain[j])
                    small = min_units > 0 and n_answered < min_units
                    values = {
                        "pct_unweighted": None,
                        "pct_weighted": None,
                        "se_weighted": None,
                        "ci_lower": None,
                        "ci_upper": None,
                        "design_effect": None,
                        "ci_method": None,
                        "method": None,
                    }
                    if not small and n_answered > 0:
                        n_chosen = int((chosen[:, j] * answered[:, j] * member[:, 0]).sum())
                        values = {
                            "pct_unweighted": pct_of_counts(n_chosen, n_answered),
                            **_estimate_values(design, result, j),
                            "method": method,
                        }
                    rows.append(
                        {
                            "wave_id": wave_id,
                            "domain_kind": kind,
                            "domain": domain,
                            "question_id": item.question_id,
                            "row_code": item.row_code,
                            "choice_code": item.choice_code,
                            "n_answered": n_answered,
                            "population_n": population_n,
                            "is_small_base": small,
                            **values,
                        }
                    )
    return _typed(pd.DataFrame(rows, columns=DOMAIN_COLUMNS))


CHANGE_COLUMNS = [
    "wave_id",
    "question_id",
    "row_code",
    "choice_code",
    "choice_label",
    "compared_wave_id",
    "compared_question_id",
    "compared_choice_codes",
    "n_answered",
    "compared_n_answered",
    "pct_weighted",
    "se_weighted",
    "compared_pct_weighted",
    "compared_se_weighted",
    "change_pct_points",
    "change_se",
    "change_ci_lower",
    "change_ci_upper",
    "change_excludes_zero",
    "method",
]
CHANGE_METHOD = (
    "difference of the two waves' raked estimates (each as in mart_weighted_estimate); the waves "
    "taken as independent samples: variance v(later) + v(earlier), 95 % Wald interval "
    "(± 1.96 se); the change is called real when the interval excludes 0"
)


def weighted_changes(
    frame: pd.DataFrame,
    sample: pd.DataFrame,
    trend: pd.DataFrame,
    answers: pd.DataFrame,
    margins: tuple[str, ...] = MARGINS,
) -> pd.DataFrame:
    """The weighted change of every municipality-level pair of `mart_question_trend` (`trend`: its rows,
    or int_question_trend's),
    as in `marts.mart_weighted_question_trend`. The earlier side is the share of the earlier wave's
    municipalities whose answer holds any of compared_choice_codes (none: no change is computed)."""
    trend = trend[trend["unit"] == "municipality"]
    designs = _designs(frame, sample, list(trend["wave_id"]) + list(trend["compared_wave_id"]), margins)
    indexes = {wave_id: AnswerIndex(answers[answers["wave_id"] == wave_id]) for wave_id in designs}
    rows = []
    for pair in trend.itertuples(index=False):
        later, earlier = designs.get(pair.wave_id), designs.get(pair.compared_wave_id)
        codes = (
            tuple(int(c) for c in str(pair.compared_choice_codes).split(","))
            if not pd.isna(pair.compared_choice_codes)
            else ()
        )
        row = {
            "wave_id": pair.wave_id,
            "question_id": pair.question_id,
            "row_code": pair.row_code,
            "choice_code": pair.choice_code,
            "choice_label": pair.choice_label,
            "compared_wave_id": pair.compared_wave_id,
            "compared_question_id": pair.compared_question_id,
            "compared_choice_codes": pair.compared_choice_codes,
        }
        sides = []
        for design, question_id, side_codes in (
            (later, pair.question_id, (_code(pair.choice_code),)),
            (earlier, pair.compared_question_id, codes),
        ):
            if design is None:
                sides.append(None)
                continue
            answered, chosen = indexes[design.wave_id].indicators(design, [(question_id, pair.row_code, side_codes)])
            result = design.estimate(answered, chosen)
            sides.append((int(result.n_domain[0]), float(result.share[0]), float(result.variance[0])))
        (n2, p2, v2), (n1, p1, v1) = [side if side else (None, math.nan, math.nan) for side in sides]
        row |= {
            "n_answered": n2,
            "compared_n_answered": n1,
            "pct_weighted": pct(p2),
            "se_weighted": pct(math.sqrt(v2), 3) if v2 == v2 else None,
        }
        if codes and not any(math.isnan(value) for value in (p1, p2, v1, v2)):
            change, se = p2 - p1, math.sqrt(v1 + v2)
            lower, upper = change - Z_95 * se, change + Z_95 * se
            row |= {
                "compared_pct_weighted": pct(p1),
                "compared_se_weighted": pct(math.sqrt(v1), 3),
                "change_pct_points": pct(change),
                "change_se": pct(se, 3),
                "change_ci_lower": pct(lower),
                "change_ci_upper": pct(upper),
                # as shown: an interval printed as [0.0, 4.1] does not exclude 0
                "change_excludes_zero": bool(pct(lower) > 0 or pct(upper) < 0),
                "method": CHANGE_METHOD,
            }
        rows.append(row)
    result = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    result["change_excludes_zero"] = result["change_excludes_zero"].astype("boolean")
    return _typed(result)


# The models the Python marts are computed from, in the order their functions take them: the dbt Python
# models (DuckDB) ref them by these names, and orchestration/assets/dbt.py (PostgreSQL, where dbt runs no
# Python) reads them as (schema, model).
ESTIMATE_INPUTS = (
    "int_wave_municipalities",
    "int_responding_municipalities",
    "int_estimation_items",
    "int_municipality_choice_answers",
)


def _sorted_items(items: pd.DataFrame) -> pd.DataFrame:
    return items.sort_values(["wave_id", "question_position", "row_code", "choice_position"], na_position="first")


def estimates_from_models(
    frame: pd.DataFrame, sample: pd.DataFrame, items: pd.DataFrame, answers: pd.DataFrame
) -> pd.DataFrame:
    """`weighted_estimates` over the four models of ESTIMATE_INPUTS, items in the marts' order."""
    return weighted_estimates(frame, sample, _sorted_items(items), answers)


def domain_estimates_from_models(
    frame: pd.DataFrame, sample: pd.DataFrame, items: pd.DataFrame, answers: pd.DataFrame
) -> pd.DataFrame:
    """`domain_estimates` over ESTIMATE_INPUTS with the small-base rule's EXPORT_MIN_UNITS."""
    from orchestration.deliverables.small_bases import small_base_rule

    return domain_estimates(frame, sample, _sorted_items(items), answers, small_base_rule().min_units)


def changes_from_models(
    frame: pd.DataFrame, sample: pd.DataFrame, items: pd.DataFrame, answers: pd.DataFrame, trend: pd.DataFrame
) -> pd.DataFrame:
    """`weighted_changes` over ESTIMATE_INPUTS and int_question_trend (the pairs of
    mart_question_trend; a mart reads no other mart), in mart_question_trend's order."""
    del items  # the pairs say what to estimate
    ordered = trend.sort_values(["wave_id", "question_position", "row_code", "choice_position"], na_position="first")
    return weighted_changes(frame, sample, ordered.reset_index(drop=True), answers)


# Python marts: model → (its inputs as (schema, model), the function computing it from their frames).
PYTHON_MARTS = {
    "mart_weighted_estimate": (tuple(("intermediate", m) for m in ESTIMATE_INPUTS), estimates_from_models),
    "mart_weighted_domain_estimate": (
        tuple(("intermediate", m) for m in ESTIMATE_INPUTS),
        domain_estimates_from_models,
    ),
    "mart_weighted_question_trend": (
        tuple(("intermediate", m) for m in ESTIMATE_INPUTS + ("int_question_trend",)),
        changes_from_models,
    ),
}
