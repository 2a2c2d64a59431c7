"""The municipality scan ("gemeentescan", issue 22): per wave one page per responding municipality, in Dutch,
written from the published warehouse (read-only) to `reports/<wave_id>/municipalities/<nis_code>.html`, and
an index with a search box beside them (`index.html`). Pages from the Jinja2 templates in `templates/`
(`scan_municipality.html.j2`, `scan_index.html.j2`), their style in `templates/scan.css` on top of the
shared `style.css`, with a print layout (A4): a scan is handed on as PDF.

A page shows, for every closed municipality-level question (matrix row) and choice, the municipality's own
answer beside the shares of its Belfius cluster, province, size class and the centrumsteden (when it is one)
(mart_municipality_benchmark: responding municipalities, itself counted) and the weighted Flanders estimate
with its 95 % interval (mart_weighted_estimate); its Taskforce reception per 1 000 inhabitants beside the
medians of the same groups (mart_municipality_reception_benchmark); what changed since its own answer in the
compared wave (mart_municipality_panel, on the 2025 map); and its own open answers (mart_open_answers, contact
details masked in staging).

Privacy: the pages are internal (next to the internal exports). A peer group is shown only when at least
`EXPORT_MIN_UNITS` *other* responding municipalities of it answered (the small-base rule, `small_bases.py`);
otherwise the cell says "groep te klein".
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.deliverables.pages import render_page
from orchestration.deliverables.small_bases import SmallBaseRule, small_base_rule

FOLDER = "municipalities"
INDEX = "index.html"
TOO_SMALL = "groep te klein"
# Peer groups: key in the marts' column names, heading on the page.
GROUPS = (
    ("cluster", "Belfius-cluster"),
    ("province", "Provincie"),
    ("size_class", "Grootteklasse"),
    ("centrumsteden", "Centrumsteden"),
)
STATUS_NL = {
    "unchanged": "ongewijzigd",
    "changed": "gewijzigd",
    "only_this_wave": "alleen nu beantwoord",
    "only_compared_wave": "alleen toen beantwoord",
    "predecessors_differ": "niet vergeleken: de gemeenten waaruit ze ontstond, antwoordden verschillend",
}


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def _code(value) -> int | None:
    return None if _missing(value) else int(value)


def _codes(text) -> list[int]:
    return [] if _missing(text) or not str(text).strip() else [int(c) for c in str(text).split(",")]


def _dutch_number(value, decimals: int = 1) -> str:
    return "–" if _missing(value) else f"{float(value):.{decimals}f}".replace(".", ",")


@dataclass
class Cell:
    """One peer group's figure for a choice: its text, or why it is not shown."""

    text: str
    n: int | None = None
    shown: bool = True


def peer_cell(rule: SmallBaseRule, n_answered, value, self_counted: bool, decimals: int = 1, unit: str = "%") -> Cell:
    """A peer group's share (or median) over `n_answered` units of which the municipality itself is one when
    `self_counted`: shown when the others are at least the small-base rule's minimum."""
    if _missing(n_answered):
        return Cell("–", None, False)
    others = int(n_answered) - (1 if self_counted else 0)
    if not rule.shown(others) or others <= 0:
        return Cell(TOO_SMALL, int(n_answered), False)
    return Cell(f"{_dutch_number(value, decimals)}{' ' + unit if unit else ''}", int(n_answered))


@dataclass
class ChoiceLine:
    label: str
    chosen: bool | None  # None: the question (row) was not answered
    cells: dict[str, Cell]
    flanders: str
    interval: str
    choice_code: int


@dataclass
class QuestionBlock:
    question_id: str
    label: str
    section: str
    answered: bool
    rows: list[tuple[str | None, list[ChoiceLine]]]  # (matrix row label, its choices)


@dataclass
class ScanPage:
    wave_id: str
    nis_code: str
    name: str
    province: str
    size_class: str
    cluster: str | None
    is_centrumstad: bool
    groups: list[tuple[str, str]]
    questions: list[QuestionBlock]
    reception: dict | None
    changes: list[dict] = field(default_factory=list)
    open_answers: list[dict] = field(default_factory=list)


@dataclass
class ScanWave:
    wave_id: str
    title: str
    synthetic: bool
    compared_wave_id: str | None
    pages: list[ScanPage]


def _frame(connection, sql: str, params=()) -> pd.DataFrame:
    return connection.execute(sql, list(params)).df()


def wave_ids(connection) -> list[str]:
    return [
        row[0]
        for row in connection.execute(
            "select wave_id from marts.mart_wave_loads where in_landing order by 1"
        ).fetchall()
    ]


def read_scan_wave(connection, wave_id: str, rule: SmallBaseRule) -> ScanWave:
    info = connection.execute(
        "select title, is_synthetic from marts.mart_wave_loads where wave_id = ?", [wave_id]
    ).fetchone() or (wave_id, False)
    benchmark = _frame(
        connection,
        """
        select b.*, c.question_label, c.section, c.question_position, c.row_label, c.choice_position
        from marts.mart_municipality_benchmark as b
        inner join marts.mart_codebook as c
            on b.wave_id = c.wave_id and b.question_id = c.question_id
            and b.row_code is not distinct from c.row_code and b.choice_code = c.choice_code
        where b.wave_id = ?
        order by b.nis_code, c.question_position, b.row_code nulls first, c.choice_position""",
        [wave_id],
    )
    estimates = _frame(
        connection,
        "select question_id, row_code, choice_code, pct_weighted, ci_lower, ci_upper, "
        "n_answered from marts.mart_weighted_estimate where wave_id = ?",
        [wave_id],
    )
    flanders = {(r.question_id, _code(r.row_code), int(r.choice_code)): r for r in estimates.itertuples(index=False)}
    reception = {
        r.nis_code: r._asdict()
        for r in _frame(
            connection, "select * from marts.mart_municipality_reception_benchmark where wave_id = ?", [wave_id]
        ).itertuples(index=False)
    }
    changes, compared_wave_id = read_changes(connection, wave_id)
    answers = _frame(
        connection,
        "select nis_code, question_id, question_label, other_choice_code, answer_text "
        "from marts.mart_open_answers where wave_id = ? "
        "order by nis_code, question_id, response_id",
        [wave_id],
    )
    open_answers = {nis: group.to_dict("records") for nis, group in answers.groupby("nis_code", sort=False)}
    pages = []
    for nis_code, rows in groupby(benchmark.to_dict("records"), key=lambda r: r["nis_code"]):
        pages.append(
            scan_page(
                wave_id,
                nis_code,
                list(rows),
                flanders,
                reception.get(nis_code),
                rule,
                changes.get(nis_code, []),
                open_answers.get(nis_code, []),
            )
        )
    pages.sort(key=lambda page: (page.name.lower(), page.nis_code))
    return ScanWave(wave_id, info[0], bool(info[1]), compared_wave_id, pages)


def scan_page(
    wave_id: str,
    nis_code: str,
    rows: list[dict],
    flanders: dict,
    reception: dict | None,
    rule: SmallBaseRule,
    changes: list[dict],
    open_answers: list[dict],
) -> ScanPage:
    """`rows`: the municipality's mart_municipality_benchmark rows with their codebook labels, in the
    questionnaire's order."""
    first = rows[0]
    centrumstad = bool(first["is_centrumstad"])
    cluster = None if _missing(first["belfius_cluster_code"]) else str(first["belfius_cluster_code"])
    # The centrumsteden for a centrumstad only; no cluster column for a merger across clusters.
    groups = [
        (key, title)
        for key, title in GROUPS
        if (key != "centrumsteden" or centrumstad) and (key != "cluster" or cluster)
    ]
    questions = []
    for _, question_rows in groupby(rows, key=lambda r: r["question_id"]):
        question_rows = list(question_rows)
        head = question_rows[0]
        blocks: list[tuple[str | None, list[ChoiceLine]]] = []
        for _, choice_rows in groupby(question_rows, key=lambda r: _code(r["row_code"])):
            choice_rows = list(choice_rows)
            row_label = choice_rows[0]["row_label"]
            blocks.append(
                (
                    None if _missing(row_label) else str(row_label),
                    [choice_line(r, groups, flanders, rule) for r in choice_rows],
                )
            )
        questions.append(
            QuestionBlock(
                str(head["question_id"]),
                str(head["question_label"]),
                str(head["section"]),
                any(bool(r["has_answered"]) for r in question_rows),
                blocks,
            )
        )
    return ScanPage(
        wave_id,
        nis_code,
        str(first["name_nl"]),
        str(first["province_name_nl"]),
        str(first["size_class"]),
        cluster,
        centrumstad,
        groups,
        questions,
        reception_view(reception, groups, rule),
        changes,
        open_answers,
    )


def choice_line(row: dict, groups, flanders: dict, rule: SmallBaseRule) -> ChoiceLine:
    answered = bool(row["has_answered"])
    cells = {key: peer_cell(rule, row[f"{key}_n_answered"], row[f"{key}_pct"], answered) for key, _ in groups}
    estimate = flanders.get((row["question_id"], _code(row["row_code"]), int(row["choice_code"])))
    if estimate is None or not rule.shown(estimate.n_answered):
        share, interval = "–", "–"
    else:
        share = f"{_dutch_number(estimate.pct_weighted)} %"
        interval = (
            "–"
            if _missing(estimate.ci_lower)
            else f"{_dutch_number(estimate.ci_lower)} – {_dutch_number(estimate.ci_upper)}"
        )
    return ChoiceLine(
        str(row["choice_label"]),
        bool(row["is_chosen"]) if answered else None,
        cells,
        share,
        interval,
        int(row["choice_code"]),
    )


def reception_view(reception: dict | None, groups, rule: SmallBaseRule) -> dict | None:
    """The Taskforce block: the municipality's persons and per 1 000 beside each group's median per 1 000."""
    if reception is None:
        return None
    has_count = not _missing(reception["persons_per_1000"])
    cells = {
        key: peer_cell(
            rule,
            reception.get(f"{key}_n_with_count"),
            reception.get(f"{key}_median_per_1000"),
            has_count,
            decimals=2,
            unit="",
        )
        for key, _ in groups
    }
    cells["flanders"] = peer_cell(
        rule, reception["flanders_n_with_count"], reception["flanders_median_per_1000"], has_count, decimals=2, unit=""
    )
    return {
        "persons": None if _missing(reception["persons"]) else int(reception["persons"]),
        "per_1000": _dutch_number(reception["persons_per_1000"], 2),
        "has_count": has_count,
        "cells": cells,
    }


def read_changes(connection, wave_id: str) -> tuple[dict[str, list[dict]], str | None]:
    """Per municipality, every question (row) of the wave with `comparable_to`: its answer in the compared
    wave beside its answer now (labels of each wave's own codebook) and whether it changed."""
    panel = _frame(
        connection,
        """
        select p.*, c.question_label, c.row_label, c.question_position
        from marts.mart_municipality_panel as p
        inner join (select distinct wave_id, question_id, question_label, row_code, row_label, question_position
                    from marts.mart_codebook) as c
            on p.wave_id = c.wave_id and p.question_id = c.question_id and p.row_code is not distinct from c.row_code
        where p.wave_id = ?
        order by p.nis_code, c.question_position, p.row_code""",
        [wave_id],
    )
    if panel.empty:
        return {}, None
    compared_wave_id = str(panel["compared_wave_id"].iloc[0])
    labels = {
        (r.wave_id, r.question_id, _code(r.row_code), int(r.choice_code)): str(r.choice_label)
        for r in _frame(
            connection,
            "select wave_id, question_id, row_code, choice_code, choice_label "
            "from marts.mart_codebook where choice_code is not null",
        ).itertuples()
    }
    names = {}
    for table in ("dim_municipality", "dim_municipality_2025"):
        names |= dict(connection.execute(f"select nis_code, name_nl from marts.{table}").fetchall())

    def label_list(wave, question, row_code, codes) -> str:
        found = [labels.get((wave, question, _code(row_code), code), str(code)) for code in codes]
        return "; ".join(found) if found else "–"

    changes: dict[str, list[dict]] = {}
    for r in panel.itertuples(index=False):
        earlier = label_list(r.compared_wave_id, r.compared_question_id, r.row_code, _codes(r.compared_answer_codes))
        if r.comparison_status == "predecessors_differ":
            parts = []
            for part in str(r.compared_answers_by_municipality or "").split(" | "):
                nis, _, codes = part.partition(": ")
                parts.append(
                    f"{names.get(nis.strip(), nis.strip())}: "
                    f"{label_list(r.compared_wave_id, r.compared_question_id, r.row_code, _codes(codes))}"
                )
            earlier = " | ".join(parts)
        changes.setdefault(r.nis_code, []).append(
            {
                "question_id": r.question_id,
                "question_label": r.question_label,
                "row_label": None if _missing(r.row_label) else str(r.row_label),
                "then": earlier,
                "now": label_list(r.wave_id, r.question_id, r.row_code, _codes(r.answer_codes)),
                "status": r.comparison_status,
                "status_nl": STATUS_NL.get(r.comparison_status, r.comparison_status),
                "changed": r.comparison_status == "changed",
            }
        )
    return changes, compared_wave_id


def write_scans(
    db_path: str | Path, root: str | Path, waves: list[str] | None = None, *, min_units: int | None = None
) -> list[Path]:
    """Every wave's (or the given waves') scans under `root/<wave_id>/municipalities/` (that folder written
    afresh); returns the files written, each wave's index first."""
    rule = small_base_rule(min_units)
    with duckdb.connect(str(db_path), read_only=True) as connection:
        scan_waves = [read_scan_wave(connection, wave_id, rule) for wave_id in waves or wave_ids(connection)]
    written = []
    for wave in scan_waves:
        folder = Path(root) / wave.wave_id / FOLDER
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        index = folder / INDEX
        index.write_text(render_page("scan_index.html.j2", wave=wave, rule=rule), encoding="utf-8")
        written.append(index)
        for page in wave.pages:
            path = folder / f"{page.nis_code}.html"
            path.write_text(
                render_page("scan_municipality.html.j2", wave=wave, page=page, rule=rule, too_small=TOO_SMALL),
                encoding="utf-8",
            )
            written.append(path)
    return written
