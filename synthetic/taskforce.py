"""SYNTHETIC Taskforce Oekraïne snapshots: persons received per municipality, cumulative since March 2022.

Report section 5.2 gives, for the 172 responding municipalities on 2023-04-15: total 24 864, minimum 6,
maximum 7 388 (Antwerpen), median 60, about one third minors, and per 1 000 inhabitants a mean of 3.7,
median 3.3, minimum 0.7 and maximum 13.6.

The printed maximum per 1 000 cannot be met together with Antwerpen's 7 388: on the 2020 population
(529 247) that alone is 14.0 per 1 000. Antwerpen keeps 7 388 (an exact figure) and therefore tops the
per-1 000 ranking at 14.0; the second highest municipality is put at 13.6 so the printed value is at
least visible. Mean, median and minimum per 1 000 are met after rounding to one decimal.

Counts are found by a small hill climb on integers (numpy, a few thousand moves): a model draft
(rate rising with population, log-normal spread) followed by moves that keep the total fixed and never
make the objective worse. Non-responding municipalities get plausible counts with no target.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
import pandas as pd

from synthetic.refdata import Reference

ANTWERPEN = "11002"
TOTAL = 24864
MIN_PERSONS = 6
MAX_PERSONS = 7388
MEDIAN_PERSONS = 60
RATE_MEAN, RATE_MEDIAN, RATE_MIN, RATE_SECOND_MAX = 3.7, 3.3, 0.7, 13.6
MINOR_SHARE = (0.33, 0.35)
PEILDATA = tuple(dt.date(2022 + (month - 1) // 12, (month - 1) % 12 + 1, 15) for month in range(3, 17))
# Share of the final count already received on each peildatum (arrivals peaked in spring 2022).
ARRIVAL_CURVE = (0.22, 0.52, 0.66, 0.74, 0.79, 0.83, 0.86, 0.89, 0.915, 0.935, 0.955, 0.97, 0.985, 1.0)


def _round1(value: float) -> float:
    """Half-up to one decimal, as the contract rounds percentages."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


class _Objective:
    def __init__(self, population: np.ndarray, fixed: int):
        self.pop = population.astype(float)
        self.fixed = fixed
        self.n = len(population)

    def __call__(self, x: np.ndarray) -> float:
        rates = 1000.0 * x / self.pop
        others = np.delete(rates, self.fixed)
        xs = np.sort(x)
        rs = np.sort(rates)
        mid = self.n // 2
        penalty = abs(int(x.sum()) - TOTAL) * 10.0
        penalty += abs(int(xs[0]) - MIN_PERSONS) * 20.0
        penalty += abs((xs[mid - 1] + xs[mid]) / 2 - MEDIAN_PERSONS) * 20.0
        penalty += max(0.0, abs(rates.mean() - RATE_MEAN) - 0.02) * 500
        penalty += max(0.0, abs((rs[mid - 1] + rs[mid]) / 2 - RATE_MEDIAN) - 0.02) * 500
        penalty += max(0.0, abs(rs[0] - RATE_MIN) - 0.02) * 500
        penalty += max(0.0, abs(others.max() - RATE_SECOND_MAX) - 0.02) * 50
        penalty += max(0, int(np.delete(x, self.fixed).max()) - (MAX_PERSONS - 1)) * 10.0
        return penalty


def calibrate_final_counts(reference: Reference, responding: list[str], rng: random.Random) -> dict[str, int]:
    """Persons received by 2023-04-15 for the responding municipalities, meeting report 5.2."""
    codes = list(responding)
    pop = np.array([reference.municipalities[c].population for c in codes], dtype=float)
    fixed = codes.index(ANTWERPEN)
    nrng = np.random.default_rng(rng.randrange(2**32))
    objective = _Objective(pop, fixed)
    logpop = np.log(pop)
    z = (logpop - np.median(logpop)) / logpop.std()
    noise = nrng.normal(0.0, 0.55, len(codes))
    best_x, best_f = None, float("inf")
    for slope in np.linspace(0.0, 0.6, 25):
        rates = RATE_MEDIAN * np.exp(slope * z + noise - np.median(slope * z + noise))
        x = np.maximum(MIN_PERSONS, np.round(rates * pop / 1000.0))
        x[fixed] = MAX_PERSONS
        f = objective(x)
        if f < best_f:
            best_x, best_f = x.copy(), f
    x = best_x.astype(np.int64)
    x[fixed] = MAX_PERSONS
    big = [i for i in range(len(codes)) if pop[i] > 60000 and i != fixed]
    movable = [i for i in range(len(codes)) if i != fixed]
    f = objective(x)
    for _ in range(60000):
        if f == 0:
            break
        candidate = x.copy()
        kind = nrng.integers(0, 6)
        i = movable[nrng.integers(len(movable))]
        if kind == 0:  # move persons between two municipalities (total unchanged)
            j = movable[nrng.integers(len(movable))]
            delta = int(nrng.choice((1, 2, 3, 5, 10, 25)))
            candidate[i] -= delta
            candidate[j] += delta
        elif kind == 1:  # nudge the total through a big city (rates barely move)
            j = big[nrng.integers(len(big))]
            candidate[j] += int(np.sign(TOTAL - x.sum())) * int(min(abs(TOTAL - x.sum()), nrng.integers(1, 60)) or 1)
        elif kind == 2:  # put one municipality exactly on the median, paid by a big city
            near = np.flatnonzero(np.abs(x - MEDIAN_PERSONS) <= 12)
            if len(near):
                i = int(near[nrng.integers(len(near))])
                if i != fixed:
                    j = big[nrng.integers(len(big))]
                    candidate[j] += candidate[i] - MEDIAN_PERSONS
                    candidate[i] = MEDIAN_PERSONS
        elif kind == 3:  # set a rate exactly (min / median / second max / mean)
            target = float(nrng.choice((RATE_MIN, RATE_MEDIAN, RATE_SECOND_MAX, RATE_MEAN)))
            new = int(round(target * pop[i] / 1000.0))
            j = big[nrng.integers(len(big))]
            candidate[j] += candidate[i] - new
            candidate[i] = new
        elif kind == 4:  # the smallest count exactly 6
            new = MIN_PERSONS
            j = big[nrng.integers(len(big))]
            candidate[j] += candidate[i] - new
            candidate[i] = new
        else:  # relative shake
            factor = float(nrng.uniform(0.85, 1.15))
            j = big[nrng.integers(len(big))]
            new = max(MIN_PERSONS, int(round(candidate[i] * factor)))
            candidate[j] += candidate[i] - new
            candidate[i] = new
        if candidate.min() < MIN_PERSONS or candidate[fixed] != MAX_PERSONS:
            continue
        new_f = objective(candidate)
        if new_f <= f:
            x, f = candidate, new_f
    if f != 0:
        raise RuntimeError(f"Taskforce calibration did not converge (objective {f})")
    x = _declump(x, objective, big, fixed, nrng)
    return dict(zip(codes, (int(v) for v in x)))


def _declump(x: np.ndarray, objective: _Objective, big: list[int], fixed: int, nrng) -> np.ndarray:
    """The median/minimum moves pile municipalities on exactly 60 and 6; spread them out again."""
    for value, keep in ((MEDIAN_PERSONS, 2), (MIN_PERSONS, 1)):
        for i in nrng.permutation(np.flatnonzero(x == value)):
            if int((x == value).sum()) <= keep or i == fixed:
                continue
            for _ in range(30):
                if value == MIN_PERSONS:
                    new = MIN_PERSONS + int(nrng.integers(1, 9))
                else:
                    new = int(round(x[i] * nrng.uniform(0.75, 1.35)))
                if new == value:
                    continue
                candidate = x.copy()
                j = big[nrng.integers(len(big))]
                candidate[j] += candidate[i] - new
                candidate[i] = new
                if objective(candidate) == 0:
                    x = candidate
                    break
    return x


def summary(reference: Reference, counts: dict[str, int]) -> dict[str, float]:
    """The report-5.2 statistics of a set of final counts (used by the generator's self-check)."""
    persons = np.array(list(counts.values()), dtype=float)
    pop = np.array([reference.municipalities[c].population for c in counts], dtype=float)
    rates = 1000 * persons / pop
    return {
        "total": int(persons.sum()),
        "min": int(persons.min()),
        "max": int(persons.max()),
        "median": float(np.median(persons)),
        "per1000_mean": _round1(rates.mean()),
        "per1000_median": _round1(float(np.median(rates))),
        "per1000_min": _round1(rates.min()),
        "per1000_max": _round1(rates.max()),
    }


def build_taskforce(reference: Reference, responding: list[str], rng: random.Random) -> pd.DataFrame:
    """Monthly cumulative snapshots (15th of each month, 2022-03 .. 2023-04) for all 300 municipalities."""
    final = calibrate_final_counts(reference, responding, rng)
    for code in reference.codes:
        if code not in final:
            m = reference.municipalities[code]
            rate = math.exp(rng.gauss(math.log(2.8), 0.6))
            final[code] = max(1, round(rate * m.population / 1000))
    minors = {code: round(persons * rng.uniform(0.27, 0.41)) for code, persons in final.items()}
    _calibrate_minor_share(final, minors, responding, rng)
    rows = []
    for code in reference.codes:
        m = reference.municipalities[code]
        shift = rng.uniform(-0.08, 0.08)
        shares = [min(1.0, max(0.0, share + shift * (1 - share))) for share in ARRIVAL_CURVE[:-1]] + [1.0]
        persons_prev = minors_prev = 0
        for peildatum, share in zip(PEILDATA, shares):
            persons = max(persons_prev, math.floor(share * final[code]))
            minor = max(minors_prev, min(persons, math.floor(share * minors[code])))
            rows.append((peildatum.isoformat(), code, m.name_nl, persons, minor))
            persons_prev, minors_prev = persons, minor
        assert rows[-1][3] == final[code] and rows[-1][4] == minors[code]
    return pd.DataFrame(rows, columns=["peildatum", "nis_code", "gemeente", "personen", "minderjarigen"])


def _calibrate_minor_share(
    final: dict[str, int], minors: dict[str, int], responding: list[str], rng: random.Random
) -> None:
    """Nudge minors until the responding municipalities' share lies in 33-35 % (report: about a third)."""
    total = sum(final[c] for c in responding)
    low, high = MINOR_SHARE[0] * total, MINOR_SHARE[1] * total
    target = (low + high) / 2
    order = sorted(responding, key=lambda c: -final[c])
    while not low <= sum(minors[c] for c in responding) <= high:
        current = sum(minors[c] for c in responding)
        code = order[rng.randrange(min(20, len(order)))]
        step = max(1, min(abs(int(target - current)), final[code] // 20))
        if current < target:
            minors[code] = min(final[code] * 45 // 100, minors[code] + step)
        else:
            minors[code] = max(final[code] * 22 // 100, minors[code] - step)
