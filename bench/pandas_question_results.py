"""What an analyst would write instead of the warehouse: `marts.mart_question_result` in plain pandas.

Benchmark baseline only (bench/run_benchmarks.py), not production code. It follows the contract's rules
as far as a short script does: real statuses, duplicate ResponseIds, Q1 resolved by override or exact
(normalised) Dutch/French name on the 2019–2024 map, primary-first consolidation per municipality
(single: first answer; multi and matrix rows: union, exclusive codes dropped next to others), the
respondent unit for `unit: respondent` questions, pct rounded half-up. It leaves out what takes a
warehouse: merged-away names, deelgemeenten, postal codes, edit distance, display logic, other layouts.
The bench reports how many of its rows agree with the mart.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

REAL_STATUSES = {"0", "4", "16", "IP Address", "Imported", "Offline"}
PREFIXES = ("stad ", "gemeente ", "gemeentebestuur ", "stadsbestuur ", "ocmw ", "lokaal bestuur ")
NOT_ANSWERED = {"", "-99"}


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", str(text).lower())
    folded = "".join(char if char.isalnum() else " " for char in folded if not unicodedata.combining(char))
    folded = " ".join(folded.split())
    stripped = True
    while stripped:
        stripped = False
        for prefix in PREFIXES:
            if folded.startswith(prefix):
                folded, stripped = folded[len(prefix) :], True
    return folded


def codes(cell: str) -> list[int]:
    return [int(part) for part in cell.split(",") if part.strip() and part.strip() not in NOT_ANSWERED]


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def resolver(municipalities: Path, overrides: Path | None):
    """Q1 text -> NIS code: override, exact name (nl/fr), merged-away name, unique deelgemeente, one unique
    closest name within edit distance 2; else None."""
    reference = municipalities.parent
    names = pd.read_csv(municipalities, dtype=str)
    exact = {
        normalise(name): code
        for column in ("name_nl", "name_fr")
        for name, code in zip(names[column], names["nis_code"])
    }
    mergers = pd.read_csv(reference / "municipality_mergers.csv", dtype=str)
    merged = {
        normalise(name): code
        for name, code in zip(mergers["old_name_nl"], mergers["new_nis_code"])
        if code in set(names["nis_code"])
    }
    parts = pd.read_csv(reference / "deelgemeenten.csv", dtype=str)
    parts = parts.assign(key=parts["name_nl"].map(normalise)).groupby("key")["nis_code"].unique()
    deelgemeenten = {key: codes[0] for key, codes in parts.items() if len(codes) == 1}
    fixes = {}
    if overrides is not None and overrides.exists():
        table = pd.read_csv(overrides, dtype=str, keep_default_na=False)
        fixes = {normalise(text): code for text, code in zip(table["raw_text"], table["nis_code"])}

    def resolve(text: str) -> str | None:
        key = normalise(text)
        for lookup in (fixes, exact, merged, deelgemeenten):
            if key in lookup:
                return lookup[key]
        distances = sorted(
            (edit_distance(key, name), code) for name, code in exact.items() if abs(len(name) - len(key)) <= 2
        )
        close = (
            [code for distance, code in distances if distance <= 2 and distance == distances[0][0]] if distances else []
        )
        return close[0] if len(set(close)) == 1 else None

    return resolve


def question_results(export: Path, codebook, municipalities: Path, overrides: Path | None) -> pd.DataFrame:
    frame = pd.read_csv(export, skiprows=[1, 2], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame[frame["Status"].isin(REAL_STATUSES)].drop_duplicates()
    frame = frame[~frame["ResponseId"].duplicated(keep=False)]

    resolve = resolver(municipalities, overrides)
    texts = {text: resolve(text) for text in frame["Q1"].unique()}  # few distinct texts: resolve each once
    frame = frame.assign(nis_code=frame["Q1"].map(texts))
    frame = frame[frame["nis_code"].notna()]

    closed = [
        q
        for q in codebook.questions
        if q.type in ("single", "likert5", "multi", "matrix_multi", "text") and q.role != "municipality"
    ]
    columns = {q.id: [f"{q.id}_{row.code}" for row in q.rows] if q.type == "matrix_multi" else [q.id] for q in closed}
    present = [c for cols in columns.values() for c in cols if c in frame.columns]
    answered = (~frame[present].isin(NOT_ANSWERED)).sum(axis=1)
    frame = frame[answered > (1 if "Q2" in frame.columns else 0)]
    frame = frame.assign(_progress=pd.to_numeric(frame["Progress"], errors="coerce"), _answered=answered)
    frame = frame.sort_values(
        ["nis_code", "_progress", "_answered", "EndDate", "ResponseId"], ascending=[True, False, False, False, True]
    )

    rows = []
    for question in closed:
        unit_key = "ResponseId" if question.unit == "respondent" else "nis_code"
        parts = [(row.code, f"{question.id}_{row.code}") for row in question.rows] or [(None, question.id)]
        for row_code, column in parts:
            if column not in frame.columns:
                continue
            cells = frame.loc[~frame[column].isin(NOT_ANSWERED), [unit_key, column]]
            if question.type == "text":
                n = cells[unit_key].nunique()
                rows.append((question.id, row_code, None, None, question.unit, n, n))
                continue
            if question.type in ("single", "likert5"):
                chosen = cells.groupby(unit_key, sort=False)[column].first().map(lambda cell: set(codes(cell)))
            else:
                exclusive = question.exclusive_codes
                union = cells.groupby(unit_key, sort=False)[column].agg(lambda cells: set().union(*map(codes, cells)))
                chosen = union.map(
                    lambda selected, exclusive=exclusive: selected - exclusive if selected - exclusive else selected
                )
            chosen = chosen[chosen.map(bool)]
            counts = pd.Series([code for selected in chosen for code in selected]).value_counts()
            for choice in question.choices:
                n_selected = int(counts.get(choice.code, 0))
                rows.append((question.id, row_code, choice.code, choice.label, question.unit, n_selected, len(chosen)))
    result = pd.DataFrame(
        rows, columns=["question_id", "row_code", "choice_code", "choice_label", "unit", "n_selected", "n_answered"]
    )
    result["pct"] = [
        None if n == 0 else float(Decimal(100 * s / n).quantize(Decimal("0.1"), ROUND_HALF_UP))
        for s, n in zip(result["n_selected"], result["n_answered"])
    ]
    return result
