"""Every estimate of the sample against R's survey package (issue 22): the session warehouse's inputs go to
tests/r/survey_estimates.R (rake, subset, svymean with deff, svyciprop(method = "beta"), svyby's domains),
and each row of mart_weighted_estimate, mart_weighted_domain_estimate and mart_weighted_question_trend
must agree with R's numbers: estimate within 0.05 points, standard error within 1 % (relative), interval
bounds within 0.1 points (the marts round estimates and bounds to 0.1, half a unit of which is 0.05).
Needs Rscript with the survey package (`needs_r`: left out here with one line, required in CI)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.deliverables.weighting import DOMAIN_KINDS, MARGINS, MISSING_CATEGORY

R_SCRIPT = Path(__file__).parent / "r" / "survey_estimates.R"
ESTIMATE_TOLERANCE = 0.05 + 1e-9  # points; the marts' one decimal is within 0.05 of the exact value
BOUND_TOLERANCE = 0.1 + 1e-9
SE_TOLERANCE = 0.01  # relative
SE_ROUNDING = 0.0005 + 1e-9  # the marts' three decimals
KEY = ["wave_id", "question_id", "row_code", "choice_code"]


def _frame(connection, sql: str) -> pd.DataFrame:
    return connection.execute(sql).df()


def r_inputs(connection, folder: Path) -> pd.DataFrame:
    """units.csv and estimands.csv for the R script; returns the estimands (id, wave_id, what they are)."""
    frame = _frame(connection, "select * from intermediate.int_wave_municipalities")
    responding = _frame(connection, "select * from intermediate.int_responding_municipalities")
    items = _frame(connection, "select * from intermediate.int_estimation_items")
    answers = _frame(connection, "select * from intermediate.int_municipality_choice_answers")
    trend = _frame(
        connection,
        "select * from marts.mart_question_trend where unit = 'municipality' and compared_choice_codes is not null",
    )
    # Margin values as ASCII codes (R's locale on a CI machine need not be UTF-8); a missing value is a
    # category of its own, as in weighting.py.
    units = frame[["wave_id", "nis_code"]].copy()
    codes = {}
    for margin in MARGINS:
        values = frame[margin].astype(object).where(frame[margin].notna(), MISSING_CATEGORY)
        labels = sorted(set(values))
        codes[margin] = dict(zip(labels, (f"c{i:02d}" for i in range(len(labels)))))
        units[margin] = values.map(codes[margin])
    responding_keys = set(zip(responding["wave_id"], responding["nis_code"]))
    units["responding"] = [int(key in responding_keys) for key in zip(units["wave_id"], units["nis_code"])]
    units.to_csv(folder / "units.csv", index=False)

    answered, chosen = {}, {}
    for answer in answers.itertuples(index=False):
        item = (answer.wave_id, answer.question_id, _code(answer.row_code))
        answered.setdefault(item, set()).add(answer.nis_code)
        chosen.setdefault(item + (int(answer.choice_code),), set()).add(answer.nis_code)
    estimands, cells = [], []

    def add(kind: str, wave_id: str, question_id: str, row_code, choice_codes: list[int], key: tuple) -> None:
        estimand_id = f"e{len(estimands):05d}"
        estimands.append((estimand_id, kind, *key))
        item = (wave_id, question_id, _code(row_code))
        who_answered = answered.get(item, set())
        who_chose = set().union(*(chosen.get(item + (code,), set()) for code in choice_codes))
        for nis_code in sorted(responding.loc[responding["wave_id"] == wave_id, "nis_code"]):
            cells.append((estimand_id, wave_id, nis_code, int(nis_code in who_answered), int(nis_code in who_chose)))

    for item in items.itertuples(index=False):
        add(
            "estimate",
            item.wave_id,
            item.question_id,
            item.row_code,
            [int(item.choice_code)],
            (item.wave_id, item.question_id, item.row_code, item.choice_code),
        )
    for pair in trend.itertuples(index=False):
        add(
            "compared",
            pair.compared_wave_id,
            pair.compared_question_id,
            pair.row_code,
            [int(code) for code in pair.compared_choice_codes.split(",")],
            (pair.wave_id, pair.question_id, pair.row_code, pair.choice_code),
        )
    pd.DataFrame(cells, columns=["estimand_id", "wave_id", "nis_code", "answered", "chosen"]).to_csv(
        folder / "estimands.csv", index=False
    )
    decoded = {kind: {code: label for label, code in codes[column].items()} for kind, column in DOMAIN_KINDS.items()}
    return _keyed(pd.DataFrame(estimands, columns=["estimand_id", "kind"] + KEY)), decoded


def _code(value):
    return None if pd.isna(value) else int(value)


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"row_code": "Int64", "choice_code": "Int64"})


@pytest.fixture(scope="module")
def r_results(warehouse_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("r_survey")
    connection = duckdb.connect(str(warehouse_db), read_only=True)
    try:
        estimands, decoded = r_inputs(connection, folder)
        marts = {
            name: _keyed(_frame(connection, f"select * from marts.{name}"))
            for name in ("mart_weighted_estimate", "mart_weighted_domain_estimate", "mart_weighted_question_trend")
        }
    finally:
        connection.close()
    run = subprocess.run(["Rscript", str(R_SCRIPT), str(folder)], capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    results = (
        pd.read_csv(folder / "results.csv", dtype={"domain": str})
        .rename(columns={"ci_lower": "r_lower", "ci_upper": "r_upper", "ci_method": "r_ci_method"})
        .merge(estimands, on="estimand_id")
    )
    for kind, labels in decoded.items():
        mine = results["domain_kind"] == kind
        results.loc[mine, "domain"] = results.loc[mine, "domain"].map(labels)
    return results, marts


ESTIMATE, SE, BOUND = "estimate", "se", "bound"


def differences(mart: pd.DataFrame, r: pd.DataFrame, on: list[str], columns: dict[str, tuple[str, str]]) -> list[str]:
    """Rows of `mart` that R does not have or whose values disagree beyond the tolerances; `columns`:
    mart column → (R column, what it is: ESTIMATE, SE or BOUND)."""
    joined = mart.merge(r, on=on, how="left", indicator=True, suffixes=("", "_r"))
    problems = [f"no R estimate for {row}" for row in joined.loc[joined["_merge"] != "both", on].to_dict("records")]
    both = joined[joined["_merge"] == "both"]
    for mart_column, (r_column, kind) in columns.items():
        ours, theirs = both[mart_column], 100 * both[r_column]
        allowed = {ESTIMATE: ESTIMATE_TOLERANCE, BOUND: BOUND_TOLERANCE, SE: SE_TOLERANCE * theirs + SE_ROUNDING}[kind]
        bad = ~(((ours - theirs).abs() <= allowed) | (ours.isna() & theirs.isna()))
        problems += [
            f"{mart_column}: ours {o}, R {t:.4f} at {row}"
            for o, t, row in zip(ours[bad], theirs[bad], both.loc[bad, on].to_dict("records"))
        ]
    return problems


ESTIMATE_COLUMNS = {
    "pct_weighted": ("p", ESTIMATE),
    "se_weighted": ("se", SE),
    "ci_lower": ("r_lower", BOUND),
    "ci_upper": ("r_upper", BOUND),
}


def _r(results, kind, domain_kind):
    return results[(results["kind"] == kind) & (results["domain_kind"] == domain_kind)]


@pytest.mark.needs_r
def test_flanders_estimates_agree_with_r(r_results):
    results, marts = r_results
    mart = marts["mart_weighted_estimate"]
    r = _r(results, "estimate", "all")
    assert len(mart) > 200 and set(mart["ci_method"].dropna()) <= {"beta", "beta_deff1"}
    assert differences(mart, r, KEY, ESTIMATE_COLUMNS) == []
    # The design effect too (not part of the tolerances): 1 % relative where R has one.
    joined = mart.merge(r, on=KEY)
    has = joined["deff"].notna() & joined["design_effect"].notna()
    assert (
        (joined.loc[has, "design_effect"] - joined.loc[has, "deff"]).abs() <= 0.01 * joined.loc[has, "deff"] + 0.0005
    ).all()
    assert (joined["n_answered"] == joined["n"]).all()


@pytest.mark.needs_r
def test_domain_estimates_agree_with_r(r_results):
    results, marts = r_results
    mart = marts["mart_weighted_domain_estimate"]
    mart = mart[~mart["is_small_base"] & (mart["n_answered"] > 0)]
    r = results[(results["kind"] == "estimate") & (results["domain_kind"] != "all")]
    assert len(mart) > 1000
    assert differences(mart, r, ["domain_kind", "domain"] + KEY, ESTIMATE_COLUMNS) == []


@pytest.mark.needs_r
def test_changes_between_waves_agree_with_r(r_results):
    results, marts = r_results
    mart = marts["mart_weighted_question_trend"]
    mart = mart[mart["change_pct_points"].notna()]
    later = _r(results, "estimate", "all")[KEY + ["p", "se"]]
    earlier = _r(results, "compared", "all")[KEY + ["p", "se"]]
    r = later.merge(earlier, on=KEY, suffixes=("", "_earlier"))
    r["change"] = r["p"] - r["p_earlier"]
    r["r_change_se"] = (r["se"] ** 2 + r["se_earlier"] ** 2) ** 0.5
    r["lower"], r["upper"] = r["change"] - 1.959964 * r["r_change_se"], r["change"] + 1.959964 * r["r_change_se"]
    assert len(mart) > 50
    assert (
        differences(
            mart,
            r,
            KEY,
            {
                "pct_weighted": ("p", ESTIMATE),
                "se_weighted": ("se", SE),
                "compared_pct_weighted": ("p_earlier", ESTIMATE),
                "compared_se_weighted": ("se_earlier", SE),
                "change_pct_points": ("change", ESTIMATE),
                "change_se": ("r_change_se", SE),
                "change_ci_lower": ("lower", BOUND),
                "change_ci_upper": ("upper", BOUND),
            },
        )
        == []
    )
