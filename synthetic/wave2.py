"""SYNTHETIC follow-up wave `w2_2025` (spring 2025, on the 2025 map) and Taskforce snapshots through 2025.

There is no published second wave, so nothing is calibrated: answers are drawn at random (display logic
respected) from the bundled questionnaire `seeds/survey/w2_2025_codebook.yaml`, which keeps, drops, adds
and recodes wave-1 questions. What the sample exercises:

- respondents type the 2025 name of their municipality, or the name of a municipality that merged into
  it on 1 January 2025 (`Kortessem` for Hasselt, `Borsbeek` for Antwerpen), with `Stad` / `Gemeente`;
- a few municipalities have a second, partial respondent (consolidation), one preview row is excluded
  and one unresolvable text is quarantined;
- merged municipalities whose predecessors both answered wave 1 take part, so the panel marts meet
  predecessors that answered differently;
- Taskforce snapshots continue monthly after wave 1 (2023-05 .. 2025-12): written with 2019–2024 codes
  until 2024, with 2025 codes from January 2025.

`build_wave2_sample(wave1, seed)` is deterministic; its random streams are named `synthetic-<seed>-w2-…`,
so the wave-1 sample is untouched. Like wave 1 it carries what the warehouse must find
(`intended_rows`, `intended_answers`), obtained by replaying the contract's rules (`synthetic.consolidate`).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
import unicodedata

import pandas as pd

from orchestration.settings import REFERENCE_DIR, SURVEY_SEEDS_DIR
from orchestration.survey.codebook import Codebook, Question, load_codebook
from synthetic import consolidate as rules
from synthetic import metadata as meta
from synthetic import texts
from synthetic.consolidate import effective_answers
from synthetic.refdata import load_reference
from synthetic.responses import SurveyResponse
from synthetic.sample import ExportFile, RowExpectation, SyntheticWave

WAVE_ID = "w2_2025"
CODEBOOK_PATH = SURVEY_SEEDS_DIR / f"{WAVE_ID}_codebook.yaml"
FIELDWORK_START = dt.datetime(2025, 3, 10, 9, 0, 0)
FIELDWORK_END = dt.datetime(2025, 4, 4, 17, 0, 0)
EXPORT_NAME = f"SYNTHETIC_{WAVE_ID}_export_2025-04-07.csv"
TASKFORCE_NAME = "SYNTHETIC_taskforce_2023-05_2025-12.csv"
N_RESPONDING = 150
N_SECOND_RESPONDENTS = 20
MAP_2025_FROM = dt.date(2025, 1, 1)
# 2025 mergers that always take part (their predecessors answer wave 1 in the sample, most of them).
ALWAYS_RESPONDING = ("71072", "73111", "11002", "46030", "23106", "44088", "46029", "37022")
# Open questions of wave 2 whose answers borrow the texts written for a wave-1 question.
TEXT_TEMPLATES = {"Q44": "Q41"}
SKIP_SHARE = 0.1
UNRESOLVABLE_TEXT = "Vlaanderen"
PEILDATA = tuple(dt.date(2023 + (month - 1) // 12, (month - 1) % 12 + 1, 15) for month in range(5, 37))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("-", " ").strip()


class Map2025:
    """The 285 municipalities of 2025 and the 2019–2024 municipalities merged into them."""

    def __init__(self) -> None:
        names = pd.read_csv(REFERENCE_DIR / "municipalities_2025.csv", dtype=str)
        mergers = pd.read_csv(REFERENCE_DIR / "municipality_mergers.csv", dtype=str)
        self.names: dict[str, str] = dict(zip(names["nis_code"], names["name_nl"]))
        self.codes = sorted(self.names)
        merged = mergers[mergers["effective_date"] == MAP_2025_FROM.isoformat()]
        self.predecessors: dict[str, list[tuple[str, str]]] = {}
        for row in merged.itertuples(index=False):
            self.predecessors.setdefault(row.new_nis_code, []).append((row.old_nis_code, row.old_name_nl))
        self.successor: dict[str, str] = {code: code for code in load_reference().codes}
        for new, olds in self.predecessors.items():
            for old, _ in olds:
                self.successor[old] = new

    def old_names(self, nis_code: str) -> list[str]:
        """Names of merged-away predecessors that name no other 2025 municipality (so they resolve to this one)."""
        taken = {_fold(name) for code, name in self.names.items() if code != nis_code}
        return [
            name
            for _, name in self.predecessors.get(nis_code, [])
            if _fold(name) not in taken and _fold(name) != _fold(self.names[nis_code])
        ]

    def province(self, nis_code: str) -> str:
        reference = load_reference()
        olds = [old for old, _ in self.predecessors.get(nis_code, [])] or [nis_code]
        return reference.municipalities[olds[0]].province


def municipality_text(rng: random.Random, nis_code: str, map2025: Map2025, *, old_name: bool) -> str:
    """What a respondent types: the 2025 name (sometimes with `Stad` / `Gemeente`, or lower case), or the
    name of a municipality that merged into it in 2025."""
    olds = map2025.old_names(nis_code)
    if old_name and olds:
        return rng.choice(olds)
    name = map2025.names[nis_code]
    return rng.choice((name, name, f"Gemeente {name}", f"Stad {name}", name.lower()))


def draft_answers(
    codebook: Codebook, rng: random.Random, stop_after: int | None = None
) -> tuple[dict[str, object], dict[tuple[str, int], str]]:
    """Random well-formed answers in questionnaire order, display logic respected; `stop_after` = the last
    question position reached (a partial response)."""
    answers: dict[str, object] = {}
    other_texts: dict[tuple[str, int], str] = {}
    for question in codebook.questions:
        if stop_after is not None and question.position > stop_after:
            break
        if question.role == "municipality":
            continue
        condition = question.shown_if
        if condition is not None:
            gate = effective_answers(codebook, answers).get(condition.question)
            if not condition.holds(gate if isinstance(gate, (int, frozenset)) else None):
                continue
        if rng.random() < SKIP_SHARE and question.unit != "respondent":
            continue
        value = _answer(question, rng)
        if value is None:
            continue
        answers[question.id] = value
        codes = {value} if isinstance(value, int) else value if isinstance(value, frozenset) else set()
        if question.other_text in codes and texts.has_other_text(question.id, question.other_text):
            other_texts[(question.id, question.other_text)] = texts.other_text(question.id, question.other_text, rng)
    return answers, other_texts


def _answer(question: Question, rng: random.Random) -> object:
    if question.type in ("single", "likert5"):
        return rng.choice(question.choice_codes)
    if question.type == "multi":
        if question.exclusive_codes and rng.random() < 0.1:
            return frozenset({rng.choice(sorted(question.exclusive_codes))})
        plain = [code for code in question.choice_codes if code not in question.exclusive_codes]
        return frozenset(rng.sample(plain, rng.randint(1, min(3, len(plain)))))
    if question.type == "matrix_multi":
        plain = [code for code in question.choice_codes if code not in question.exclusive_codes]
        rows = {}
        for row in question.rows:
            if rng.random() < 0.2 and question.exclusive_codes:
                rows[row.code] = frozenset({rng.choice(sorted(question.exclusive_codes))})
            else:
                rows[row.code] = frozenset(rng.sample(plain, rng.randint(1, 2)))
        return rows
    if question.type == "number":
        return rng.randint(5, 400)
    if rng.random() < 0.5:
        return None
    return texts.open_text(TEXT_TEMPLATES.get(question.id, question.id), rng)


def build_wave2_sample(wave1: SyntheticWave, seed: int = 2023) -> SyntheticWave:
    """The SYNTHETIC follow-up wave; `wave1` gives the Taskforce counts the new snapshots continue from."""
    codebook = load_codebook(CODEBOOK_PATH)
    map2025 = Map2025()
    rng = random.Random(f"synthetic-{seed}-w2-structure")
    others = [code for code in map2025.codes if code not in ALWAYS_RESPONDING]
    responding = sorted(set(ALWAYS_RESPONDING) | set(rng.sample(others, N_RESPONDING - len(ALWAYS_RESPONDING))))
    seconds = set(rng.sample(responding, N_SECOND_RESPONDENTS))

    answers_rng = random.Random(f"synthetic-{seed}-w2-answers")
    names_rng = random.Random(f"synthetic-{seed}-w2-names")
    meta_rng = random.Random(f"synthetic-{seed}-w2-metadata")
    last_position = codebook.questions[-1].position
    drafted = []  # (nis, progress, answers, other_texts, text, status, reason, status_code)
    for nis in responding:
        answers, other = draft_answers(codebook, answers_rng)
        if not set(answers) - {"Q2"}:
            answers["Q3"] = frozenset({1})
        text = municipality_text(names_rng, nis, map2025, old_name=names_rng.random() < 0.4)
        drafted.append((nis, 100, answers, other, text, "valid", "", "0"))
        if nis in seconds:
            stop = answers_rng.randint(4, last_position - 3)
            answers, other = draft_answers(codebook, answers_rng, stop_after=stop)
            if not set(answers) - {"Q2"}:  # something besides the profile, or the row would not count
                answers["Q3"] = frozenset({1})
            text = municipality_text(names_rng, nis, map2025, old_name=True)
            progress = max(10, min(95, round(100 * stop / last_position)))
            drafted.append((nis, progress, answers, other, text, "valid", "", "0"))
    preview_nis = rng.choice(responding)
    answers, other = draft_answers(codebook, answers_rng)
    drafted.append(
        (
            preview_nis,
            100,
            answers,
            other,
            map2025.names[preview_nis],
            "excluded",
            "preview or test response (status not real)",
            "1",
        )
    )
    answers, other = draft_answers(codebook, answers_rng)
    drafted.append((None, 100, answers, other, UNRESOLVABLE_TEXT, "quarantined", "municipality not resolved", "0"))

    taken: set[str] = set()
    entries = []
    for nis, progress, answers, other, text, status, reason, status_code in drafted:
        recorded = meta.recorded_time(meta_rng, FIELDWORK_START, FIELDWORK_END)
        province = map2025.province(nis) if nis else None
        metadata, extra = meta.metadata_row(
            meta_rng, recorded=recorded, progress=progress, province=province, status=status_code
        )
        response_id = meta.new_response_id(meta_rng, taken)
        response = SurveyResponse(
            response_id=response_id,
            metadata=dict(metadata, ResponseId=response_id),
            answers={"Q1": text, **answers},
            other_texts=dict(other),
            extra_columns=extra,
        )
        entries.append((recorded, response, status, nis if status != "quarantined" else None, reason))
    entries.sort(key=lambda entry: (entry[0], entry[1].response_id))
    responses = [copy.deepcopy(entry[1]) for entry in entries]
    intended_rows = [
        RowExpectation(EXPORT_NAME, position, response.response_id, status, nis, reason)
        for position, (_, response, status, nis, reason) in enumerate(entries, start=1)
    ]
    wave = SyntheticWave(
        seed=seed,
        codebook=codebook,
        responses=responses,
        intended_answers={},
        intended_respondents={row.response_id: (row.status, row.nis_code) for row in intended_rows},
        taskforce=build_taskforce_2025(wave1.taskforce, map2025, random.Random(f"synthetic-{seed}-w2-taskforce")),
        overrides=[],
        exports=[
            ExportFile(
                EXPORT_NAME, "combined", "numeric", "qualtrics", True, "Europe/Brussels", tuple(range(len(responses)))
            )
        ],
        intended_rows=intended_rows,
        responding=responding,
        wave_id=WAVE_ID,
        taskforce_name=TASKFORCE_NAME,
    )
    wave.intended_answers = intended_answers(wave)
    return wave


def intended_answers(wave: SyntheticWave) -> dict[str, dict[str, object]]:
    """Consolidated answers per municipality, by replaying the contract's rules on the valid rows."""
    grouped: dict[str, list[SurveyResponse]] = {}
    for row, response in zip(wave.intended_rows, wave.responses):
        if row.status == "valid":
            grouped.setdefault(row.nis_code, []).append(response)
    out = {}
    for nis, group in sorted(grouped.items()):
        order = rules.robust_order(wave.codebook, group)
        if order is None:
            raise RuntimeError(f"{nis}: primary-first order depends on how answers are counted")
        out[nis] = rules.consolidate(wave.codebook, order)
    if sorted(out) != wave.responding:
        raise RuntimeError("valid respondents do not cover exactly the responding municipalities")
    return out


def build_taskforce_2025(wave1_taskforce: pd.DataFrame, map2025: Map2025, rng: random.Random) -> pd.DataFrame:
    """Monthly cumulative snapshots after wave 1: 2019–2024 codes until 2024, 2025 codes from 2025."""
    last = wave1_taskforce[wave1_taskforce["peildatum"] == wave1_taskforce["peildatum"].max()]
    start = {row.nis_code: (int(row.personen), int(row.minderjarigen)) for row in last.itertuples(index=False)}
    growth = {code: rng.uniform(0.001, 0.012) for code in sorted(start)}
    minor_growth = {code: rng.uniform(0.8, 1.2) for code in sorted(start)}
    names_2019 = {code: municipality.name_nl for code, municipality in load_reference().municipalities.items()}
    rows = []
    for months, peildatum in enumerate(PEILDATA, start=1):
        counts = {}
        for code, (persons, minors) in start.items():
            new_persons = math.floor(persons * (1 + growth[code]) ** months)
            new_minors = min(new_persons, minors + math.floor((new_persons - persons) * 0.35 * minor_growth[code]))
            counts[code] = (new_persons, new_minors)
        if peildatum < MAP_2025_FROM:
            rows += [(peildatum.isoformat(), code, names_2019[code], *counts[code]) for code in sorted(counts)]
            continue
        summed: dict[str, list[int]] = {}
        for code, (persons, minors) in counts.items():
            total = summed.setdefault(map2025.successor[code], [0, 0])
            total[0] += persons
            total[1] += minors
        rows += [(peildatum.isoformat(), code, map2025.names[code], *summed[code]) for code in sorted(summed)]
    return pd.DataFrame(rows, columns=["peildatum", "nis_code", "gemeente", "personen", "minderjarigen"])
