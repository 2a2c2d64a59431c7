"""Assemble the SYNTHETIC wave-1 sample: municipalities, respondents, junk rows, metadata, exports.

`build_wave1_sample(seed)` is deterministic: every concern draws from its own `random.Random` stream
named after the seed, so changing one part does not reshuffle the others. The result carries what the
warehouse must find (`intended_answers`, `intended_respondents`, `intended_rows`) next to the rows it
must read (`responses`, split over `exports`). The generator replays the contract rules on its own
output before returning and raises if anything drifts from the calibration.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field

import pandas as pd

from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import Codebook, load_codebook
from synthetic import consolidate as rules
from synthetic import metadata as meta
from synthetic.junk import random_answers
from synthetic.municipalities import UNRESOLVABLE_TEXTS, assign_municipality_texts, select_responding
from synthetic.refdata import Reference, load_reference
from synthetic.respondents import (
    FORCED_SCENARIOS,
    Context,
    Respondent,
    add_display_violations,
    assign_functions,
    assign_reception_counts,
    assign_respondent_texts,
    build_municipality,
)
from synthetic.responses import SurveyResponse
from synthetic.targets import Figure, build_targets, load_figures
from synthetic.taskforce import build_taskforce

CODEBOOK_PATH = SURVEY_SEEDS_DIR / "w1_2023_codebook.yaml"
WAVE_ID = "w1_2023"
N_PARTIAL_PRIMARIES = 2
N_PARTIAL_EXTRAS = 3
N_Q2_SKIPPING_EXTRAS = 5
N_LATER_ONLY = 18
N_CROSS_FILE_REPEATS = 3
MIN_ANSWER_LEAD = 5  # equal Progress: the primary answers at least this many questions more, however counted


@dataclass(frozen=True)
class ExportFile:
    """One export file of the wave and how `qualtrics_writer` must write it."""

    name: str
    multi_layout: str
    values: str
    dialect: str
    bom: bool
    time_zone: str
    rows: tuple[int, ...]  # indexes into SyntheticWave.responses, in file order


@dataclass(frozen=True)
class RowExpectation:
    """What `mart_respondent_resolution` must say about one export row (row = 1-based data row)."""

    source_file: str
    row: int
    response_id: str
    status: str
    nis_code: str | None
    reason: str


@dataclass
class SyntheticWave:
    """The sample and what the warehouse must make of it.

    - `responses`: every export row, junk included, main export first then the later one (a row repeated
      in both files appears twice); `exports` says which rows go to which file and how it is written.
    - `intended_answers`: nis -> question -> consolidated answer for the 172 responding municipalities:
      int (single/likert5), frozenset (multi), dict row -> frozenset (matrix), True for an answered text
      question (Q1 included). Q2 (unit respondent) holds the first-answering respondent's code; its
      published counts are per respondent. Q14 (number) is never consolidated.
    - `intended_respondents`: ResponseId -> (valid/excluded/quarantined, resolved nis or None); for an
      identically repeated row the kept copy's status. `intended_rows` has the status per file row.
    - `display_violations`: (ResponseId, question) answers given although not shown; the rules drop them.
    """

    seed: int
    codebook: Codebook
    responses: list[SurveyResponse]
    intended_answers: dict[str, dict[str, object]]
    intended_respondents: dict[str, tuple[str, str | None]]
    taskforce: pd.DataFrame
    overrides: list[tuple[str, str]]
    exports: list[ExportFile] = field(default_factory=list)
    intended_rows: list[RowExpectation] = field(default_factory=list)
    display_violations: list[tuple[str, str]] = field(default_factory=list)
    responding: list[str] = field(default_factory=list)
    wave_id: str = WAVE_ID
    taskforce_name: str = "SYNTHETIC_taskforce_2022-03_2023-04.csv"


def _stream(seed: int, name: str) -> random.Random:
    return random.Random(f"synthetic-{seed}-{name}")


def _figure_count(figures: dict[str, Figure], figure_id: str) -> int:
    count = figures[figure_id].count
    if count is None:
        raise ValueError(f"figure {figure_id} has no count")
    return count


def build_wave1_sample(seed: int = 2023) -> SyntheticWave:
    """The whole synthetic wave-1 sample for `seed` (default 2023, the calibrated one)."""
    reference = load_reference()
    codebook = load_codebook(CODEBOOK_PATH)
    figures = load_figures()
    responding = select_responding(reference, _stream(seed, "select"))
    n_valid = _figure_count(figures, "s3_questionnaires")
    if len(responding) != _figure_count(figures, "s3_municipalities"):
        raise RuntimeError("responding municipalities do not match the report")

    # Who fills in what: extra colleagues, partial responses, municipalities without profile data.
    srng = _stream(seed, "structure")
    n_extras = n_valid - len(responding)
    weights = {c: reference.municipalities[c].population ** 0.5 for c in responding}
    multi = _weighted_pick(srng, responding, n_extras - 1, weights)  # one municipality gets two extras
    extras_per = {nis: 1 for nis in multi}
    extras_per[multi[0]] = 2
    singles = [c for c in responding if c not in extras_per]
    partial_primaries = set(srng.sample(singles, N_PARTIAL_PRIMARIES))
    no_profile = set(
        srng.sample(
            [c for c in singles if c not in partial_primaries],
            len(responding) - _figure_count(figures, "s3_1_profile_munis"),
        )
    )

    taskforce = build_taskforce(reference, responding, _stream(seed, "taskforce"))
    final_counts = taskforce[taskforce["peildatum"] == taskforce["peildatum"].max()].set_index("nis_code")["personen"]
    design = build_targets(codebook, reference, responding, _stream(seed, "targets"), frozenset(partial_primaries))

    # Extra colleagues: kinds and the forced scenarios (each rule exercised at least once).
    extra_slots = [(nis, i) for nis in multi for i in range(extras_per[nis])]
    partial_slots = {(multi[0], 1)} | set(
        srng.sample([s for s in extra_slots if s[0] != multi[0]], N_PARTIAL_EXTRAS - 1)
    )
    kinds = {slot: ("partial_extra" if slot in partial_slots else "extra") for slot in extra_slots}
    scenarios = _place_scenarios(srng, design, [s for s in extra_slots if kinds[s] == "extra"])

    ctx = Context(codebook, frozenset(_respondent_text_counts(codebook, figures)), _stream(seed, "respondents"))
    by_muni: dict[str, list[Respondent]] = {}
    for nis in responding:
        n = extras_per.get(nis, 0)
        by_muni[nis] = build_municipality(
            ctx,
            nis,
            design[nis],
            n,
            "partial_primary" if nis in partial_primaries else "primary",
            [kinds[(nis, i)] for i in range(n)],
            [scenarios.get((nis, i)) for i in range(n)],
        )
    valid = [r for nis in responding for r in by_muni[nis]]
    if len(valid) != n_valid:
        raise RuntimeError(f"{len(valid)} valid respondents, expected {n_valid}")

    q2_counts = {c.code: _figure_count(figures, c.report) for c in codebook.question("Q2").choices if c.report}
    assign_functions(ctx, valid, q2_counts, no_profile, N_Q2_SKIPPING_EXTRAS)
    assign_respondent_texts(
        ctx, valid, _respondent_text_counts(codebook, figures), _figure_count(figures, "s10_3_covid")
    )
    assign_reception_counts(ctx, valid, final_counts.to_dict())
    violations = add_display_violations(ctx, by_muni, design)

    texts_rng = _stream(seed, "names")
    q1_texts, overrides = assign_municipality_texts(reference, texts_rng, [(r.key, r.nis_code) for r in valid])
    for respondent in valid:
        respondent.answers = {"Q1": q1_texts[respondent.key], **respondent.answers}

    junk = _junk_rows(codebook, reference, responding, _stream(seed, "junk"))
    wave = _assemble(
        seed, codebook, reference, by_muni, valid, junk, taskforce, overrides, violations, _stream(seed, "metadata")
    )
    wave.responding = sorted(responding)
    _self_check(wave, design, by_muni)
    return wave


def _weighted_pick(rng: random.Random, units: list[str], k: int, weights: dict[str, float]) -> list[str]:
    keyed = sorted(units, key=lambda u: rng.random() ** (1.0 / weights[u]), reverse=True)
    return keyed[:k]


def _respondent_text_counts(codebook: Codebook, figures: dict[str, Figure]) -> dict[str, int]:
    """Open questions whose printed count is per respondent (Q32-Q35, Q41)."""
    out = {}
    for question in codebook.questions:
        figure = figures.get(question.report_count) if question.report_count else None
        if question.type == "text" and figure is not None and figure.unit == "respondent":
            out[question.id] = figure.count
    return out


def _place_scenarios(
    rng: random.Random, design: dict[str, dict[str, object]], slots: list[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    checks = {
        "q5_exclusive": lambda d: "Q5" in d and bool(d["Q5"] - {4}),
        "contradict_single": lambda d: "Q6" in d,
        "complement_single": lambda d: "Q38" in d,
        "union_multi": lambda d: len(d.get("Q3", ())) >= 2,
        "complement_question": lambda d: "Q7" in d,
        "gate_split": lambda d: 3 in d.get("Q12", ()) and len(d["Q12"]) >= 2 and "Q13" in d,
    }
    placed: dict[tuple[str, int], str] = {}
    free = list(slots)
    rng.shuffle(free)
    for scenario in FORCED_SCENARIOS:
        slot = next((s for s in free if checks[scenario](design[s[0]])), None)
        if slot is None:
            raise RuntimeError(f"no municipality can host scenario {scenario}")
        placed[slot] = scenario
        free.remove(slot)
    return placed


# ---------------------------------------------------------------------------------------------------
# Junk rows
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Junk:
    respondent: Respondent
    status: str
    reason: str
    status_code: str = "0"
    channel: str | None = None
    export: str = "main"
    shared_id_group: int | None = None


def _junk_rows(codebook: Codebook, reference: Reference, responding: list[str], rng: random.Random) -> list[_Junk]:
    munis = reference.municipalities
    silent = [c for c in reference.codes if c not in responding]
    rows: list[_Junk] = []
    previews = [
        ("1", "preview", "test", "main"),
        ("Survey Preview", "preview", "Testgemeente", "main"),
        ("2", "test", f"Stad {munis[rng.choice(responding)].name_nl}", "main"),
        ("Survey Test", "test", munis[rng.choice(silent)].name_nl, "later"),
    ]
    for i, (status, channel, q1, export) in enumerate(previews):
        respondent = Respondent(key=f"junk-preview-{i}", nis_code=_resolved(reference, q1), kind="preview")
        respondent.answers["Q1"] = q1
        random_answers(codebook, rng, respondent)
        rows.append(
            _Junk(respondent, "excluded", "preview or test response (status not real)", status, channel, export)
        )
    for i, q1 in enumerate(UNRESOLVABLE_TEXTS):
        respondent = Respondent(key=f"junk-unlinkable-{i}", nis_code=None, kind="unlinkable")
        if q1:
            respondent.answers["Q1"] = q1
        random_answers(codebook, rng, respondent)
        rows.append(
            _Junk(respondent, "quarantined", "municipality not resolved", export="later" if q1 == "xxx" else "main")
        )
    twin_code = rng.choice(silent)
    for i, q1 in enumerate((f"Gemeente {munis[twin_code].name_nl}", munis[twin_code].name_nl.lower())):
        respondent = Respondent(key=f"junk-twin-{i}", nis_code=twin_code, kind="shared_id")
        respondent.answers["Q1"] = q1
        random_answers(codebook, rng, respondent)
        rows.append(_Junk(respondent, "quarantined", "ResponseId shared by different rows", shared_id_group=1))
    only_code = rng.choice(responding)
    respondent = Respondent(key="junk-profile-only", nis_code=only_code, kind="profile_only", progress=5)
    respondent.answers["Q1"] = munis[only_code].name_nl
    respondent.answers["Q2"] = rng.choice(codebook.question("Q2").choice_codes[:5])
    rows.append(_Junk(respondent, "excluded", "no answers besides Q1/Q2"))
    for junk in rows:
        expected = junk.respondent.nis_code
        q1 = junk.respondent.answers.get("Q1", "")
        if not reference.resolves_robustly(q1, expected):
            raise RuntimeError(f"junk municipality text {q1!r} does not resolve robustly to {expected}")
    return rows


def _resolved(reference: Reference, text: str) -> str | None:
    return reference.resolve(text)[0]


# ---------------------------------------------------------------------------------------------------
# Metadata, files, expectations
# ---------------------------------------------------------------------------------------------------


def _to_response(
    respondent: Respondent, response_id: str, metadata: dict[str, str], extra: dict[str, str]
) -> SurveyResponse:
    metadata = dict(metadata, ResponseId=response_id)
    return SurveyResponse(
        response_id=response_id,
        metadata=metadata,
        answers=dict(respondent.answers),
        other_texts=dict(respondent.other_texts),
        extra_columns=dict(extra),
    )


def _assemble(seed, codebook, reference, by_muni, valid, junk, taskforce, overrides, violations, rng) -> SyntheticWave:
    taken: set[str] = set()
    window = (meta.LATER_EXPORT_FROM, meta.MAIN_EXPORT_AT)
    order = list(valid)
    rng.shuffle(order)
    later_only = {r.key for r in order[:N_LATER_ONLY]}
    repeated = {r.key for r in order[N_LATER_ONLY : N_LATER_ONLY + N_CROSS_FILE_REPEATS]}
    entries = []  # (recorded, export, response, status, nis, reason)
    ids: dict[str, str] = {}
    for respondent in valid:
        if respondent.key in later_only:
            recorded = meta.recorded_time(rng, meta.MAIN_EXPORT_AT, meta.FIELDWORK_END)
        elif respondent.key in repeated:
            recorded = meta.recorded_time(rng, meta.LATER_EXPORT_FROM, meta.MAIN_EXPORT_AT)
        else:
            recorded = meta.recorded_time(rng, meta.FIELDWORK_START, meta.LATER_EXPORT_FROM, avoid=window)
        province = reference.municipalities[respondent.nis_code].province
        metadata, extra = meta.metadata_row(rng, recorded=recorded, progress=respondent.progress, province=province)
        rid = meta.new_response_id(rng, taken)
        ids[respondent.key] = rid
        response = _to_response(respondent, rid, metadata, extra)
        exports = (
            ["later"]
            if respondent.key in later_only
            else (["main", "later"] if respondent.key in repeated else ["main"])
        )
        for export in exports:
            entries.append((recorded, export, response, "valid", respondent.nis_code, ""))
    shared_ids: dict[int, str] = {}
    for item in junk:
        r = item.respondent
        if item.export == "later":
            recorded = meta.recorded_time(rng, meta.MAIN_EXPORT_AT, meta.FIELDWORK_END)
        else:
            recorded = meta.recorded_time(rng, meta.FIELDWORK_START, meta.LATER_EXPORT_FROM, avoid=window)
        province = reference.municipalities[r.nis_code].province if r.nis_code else None
        metadata, extra = meta.metadata_row(
            rng,
            recorded=recorded,
            progress=r.progress,
            province=province,
            status=item.status_code,
            channel=item.channel,
        )
        if item.shared_id_group is not None:
            rid = shared_ids.setdefault(item.shared_id_group, meta.new_response_id(rng, taken))
        else:
            rid = meta.new_response_id(rng, taken)
        entries.append(
            (recorded, item.export, _to_response(r, rid, metadata, extra), item.status, r.nis_code, item.reason)
        )
    # Rows inside one file in recording order, as Qualtrics exports them.
    entries.sort(key=lambda e: (e[0], e[2].response_id))
    responses: list[SurveyResponse] = []
    rows_by_file: dict[str, list[int]] = {"main": [], "later": []}
    expectations: list[tuple[str, SurveyResponse, str, str | None, str]] = []
    seen_in_main: set[str] = set()
    for _recorded, export, response, status, nis, reason in entries:
        copy_ = copy.deepcopy(response)
        responses.append(copy_)
        rows_by_file[export].append(len(responses) - 1)
        if export == "later" and response.response_id in seen_in_main and status == "valid":
            expectations.append((export, copy_, "excluded", nis, "identical repeat of an earlier row"))
        else:
            expectations.append((export, copy_, status, nis, reason))
        if export == "main":
            seen_in_main.add(response.response_id)
    # One identical repeat inside the main export, appended at its end (a hand-merged file).
    main_valid = [i for i in rows_by_file["main"] if expectations[i][2] == "valid"]
    source = responses[rng.choice(main_valid)]
    responses.append(copy.deepcopy(source))
    rows_by_file["main"].append(len(responses) - 1)
    expectations.append(
        (
            "main",
            responses[-1],
            "excluded",
            expectations[responses.index(source)][3],
            "identical repeat of an earlier row",
        )
    )

    names = {
        "main": f"SYNTHETIC_{WAVE_ID}_export_2023-04-07.csv",
        "later": f"SYNTHETIC_{WAVE_ID}_export_2023-04-12_choicetext_split.csv",
    }
    exports = [
        ExportFile(
            names["main"], "combined", "numeric", "qualtrics", True, "Europe/Brussels", tuple(rows_by_file["main"])
        ),
        ExportFile(
            names["later"], "split", "choice_text", "qualtrics", True, "Europe/Brussels", tuple(rows_by_file["later"])
        ),
    ]
    intended_rows = []
    for export in exports:
        for position, index in enumerate(export.rows, start=1):
            _, response, status, nis, reason = expectations[index]
            intended_rows.append(RowExpectation(export.name, position, response.response_id, status, nis, reason))
    intended_respondents: dict[str, tuple[str, str | None]] = {}
    for row in intended_rows:
        current = intended_respondents.get(row.response_id)
        if current is None or current[0] == "excluded" and row.status == "valid":
            intended_respondents[row.response_id] = (row.status, row.nis_code)
    # Responses in file order: main export first, then the later one.
    ordered_indexes = list(exports[0].rows) + list(exports[1].rows)
    remap = {old: new for new, old in enumerate(ordered_indexes)}
    responses = [responses[i] for i in ordered_indexes]
    exports = [
        ExportFile(e.name, e.multi_layout, e.values, e.dialect, e.bom, e.time_zone, tuple(remap[i] for i in e.rows))
        for e in exports
    ]
    violation_ids = [(ids[key], qid) for key, qid in violations]
    return SyntheticWave(
        seed=seed,
        codebook=codebook,
        responses=responses,
        intended_answers={},
        intended_respondents=intended_respondents,
        taskforce=taskforce,
        overrides=overrides,
        exports=exports,
        intended_rows=intended_rows,
        display_violations=violation_ids,
    )


def _self_check(
    wave: SyntheticWave, design: dict[str, dict[str, object]], by_muni: dict[str, list[Respondent]]
) -> None:
    """Replay the rules on the final rows; fill `intended_answers`; raise on any drift from the design."""
    codebook = wave.codebook
    valid_ids = {rid for rid, (status, _) in wave.intended_respondents.items() if status == "valid"}
    by_id: dict[str, SurveyResponse] = {}
    for response in wave.responses:
        if response.response_id in valid_ids:
            by_id.setdefault(response.response_id, response)
    grouped: dict[str, list[SurveyResponse]] = {}
    for rid, response in by_id.items():
        grouped.setdefault(wave.intended_respondents[rid][1], []).append(response)
    intended: dict[str, dict[str, object]] = {}
    for nis, group in sorted(grouped.items()):
        order = rules.robust_order(codebook, group)
        if order is None:
            raise RuntimeError(f"{nis}: primary-first order depends on how answers are counted")
        for first, second in zip(order, order[1:]):
            if first.metadata["Progress"] != second.metadata["Progress"]:
                continue
            lead = min(rules.answer_count(codebook, first.answers, **v) for v in rules.COUNT_VARIANTS) - max(
                rules.answer_count(codebook, second.answers, **v) + len(second.other_texts)
                for v in rules.COUNT_VARIANTS
            )
            if lead < MIN_ANSWER_LEAD:
                raise RuntimeError(f"{nis}: {first.response_id} leads {second.response_id} by only {lead} answers")
        if len(order) != len(by_muni[nis]) or order[0].metadata["Progress"] != str(by_muni[nis][0].progress):
            raise RuntimeError(f"{nis}: the designed primary does not come first")
        result = rules.consolidate(codebook, order)
        for qid, value in design[nis].items():
            if result.get(qid) != value:
                raise RuntimeError(f"{nis} {qid}: consolidation gives {result.get(qid)!r}, design {value!r}")
        for qid in result:
            question = codebook.question(qid)
            if qid not in design[nis] and question.type != "text" and qid != "Q2":
                raise RuntimeError(f"{nis} {qid}: answered after consolidation but not in the design")
        intended[nis] = result
    if sorted(intended) != wave.responding:
        raise RuntimeError("valid respondents do not cover exactly the responding municipalities")
    wave.intended_answers = intended
