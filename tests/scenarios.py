"""A small hand-made wave: each respondent exists to exercise one rule of the contract.

`write_scenario_landing` writes it as a landing directory (real codebook, real export format) so the
tests run the whole pipeline on it and check each rule's outcome by ResponseId or municipality.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import load_codebook
from synthetic.qualtrics_writer import ExportTable, build_export, write_export
from synthetic.responses import SEEN_UNANSWERED, SurveyResponse

CODEBOOK_PATH = SURVEY_SEEDS_DIR / "w1_2023_codebook.yaml"
GENT, KORTRIJK, PELT, ANTWERPEN, AARTSELAAR, LEUVEN = "44021", "34022", "72043", "11002", "11001", "24062"

BASE_ANSWERS = {"Q2": 1, "Q3": frozenset({1}), "Q6": 2, "Q11": 1, "Q12": frozenset({1}), "Q18": 2, "Q25": 2}


def response(
    response_id: str,
    municipality: str,
    *,
    progress: int = 100,
    end: str = "2023-03-20 10:00:00",
    status: str = "0",
    answers: dict | None = None,
) -> SurveyResponse:
    return SurveyResponse(
        response_id=response_id,
        metadata={
            "StartDate": "2023-03-20 09:30:00",
            "EndDate": end,
            "RecordedDate": end,
            "Status": status,
            "Progress": str(progress),
            "Finished": "1" if progress == 100 else "0",
            "Duration (in seconds)": "1800",
            "IPAddress": "192.0.2.10",
            "RecipientEmail": "iemand@example.org",
            "DistributionChannel": "anonymous",
            "UserLanguage": "NL",
        },
        answers={"Q1": municipality, **BASE_ANSWERS, **(answers or {})},
    )


def scenario_responses() -> list[SurveyResponse]:
    return [
        # Gent, three colleagues: primary by Progress; union with an exclusive code; a conflict; a complement.
        response(
            "R_gent_primary",
            "Stad Gent",
            answers={
                "Q3": frozenset({1, 2}),
                "Q5": frozenset({4}),
                "Q6": 1,
                "Q9": SEEN_UNANSWERED,
                "Q31": {1: frozenset({7}), 2: frozenset({8})},
                "Q14": 120,
            },
        ),
        response(
            "R_gent_second",
            "gent",
            progress=80,
            answers={
                "Q3": frozenset({3}),
                "Q5": frozenset({1}),
                "Q6": 2,
                "Q9": 1,
                "Q10": "De visie, werd ruimer.",
                "Q31": {1: frozenset({1, 2}), 2: frozenset({7})},
                "Q14": 150,
            },
        ),
        response("R_gent_postal", "9000", progress=80, end="2023-03-19 10:00:00", answers={"Q6": 3}),
        # Kortrijk: a typo and the French name; tie on Progress and answers, the later EndDate is primary.
        response("R_kortrijk_typo", "Kortrjik", end="2023-03-21 10:00:00", answers={"Q6": 1}),
        response("R_kortrijk_french", "Courtrai", end="2023-03-22 10:00:00", answers={"Q6": 2}),
        # Pelt by its former name; Antwerpen by a deelgemeente; Aartselaar only through the override file.
        response("R_neerpelt", "Neerpelt"),
        # Display logic: Q13 needs Q12 to include 3, which this respondent did not choose.
        response("R_ekeren", "Ekeren", answers={"Q12": frozenset({1}), "Q13": frozenset({1})}),
        response("R_override", "Gem. A'laar", answers={"Q6": 1}),
        # Leuven: identical repeat (one is excluded), Status preview, only Q1/Q2, a partial respondent.
        response("R_leuven", "Leuven"),
        response("R_leuven", "Leuven"),
        response("R_preview", "Leuven", status="1"),
        SurveyResponse(
            "R_only_profile",
            {"Status": "0", "Progress": "10", "Finished": "0", "EndDate": "2023-03-20 10:00:00"},
            {"Q1": "Leuven", "Q2": 2},
        ),
        # Unresolvable: nothing matches; an ambiguous deelgemeente; a postal code of a 2025 merger.
        response("R_vlaanderen", "Vlaanderen"),
        response("R_deurne", "Deurne"),
        response("R_postal_merged", "1570"),
        # One ResponseId, two different rows: both quarantined.
        response("R_clash", "Leuven", answers={"Q6": 1}),
        response("R_clash", "Leuven", answers={"Q6": 2}),
    ]


EXPECTED_RESOLUTION = {
    # response_id: (status, nis_code, method)
    "R_gent_primary": ("valid", GENT, "exact_name"),
    "R_gent_second": ("valid", GENT, "exact_name"),
    "R_gent_postal": ("valid", GENT, "postal_code"),
    "R_kortrijk_typo": ("valid", KORTRIJK, "closest_name"),
    "R_kortrijk_french": ("valid", KORTRIJK, "exact_name"),
    "R_neerpelt": ("valid", PELT, "merged_name"),
    "R_ekeren": ("valid", ANTWERPEN, "deelgemeente"),
    "R_override": ("valid", AARTSELAAR, "override"),
    "R_preview": ("excluded", LEUVEN, "exact_name"),
    "R_only_profile": ("excluded", LEUVEN, "exact_name"),
    "R_vlaanderen": ("quarantined", None, "unresolved"),
    "R_deurne": ("quarantined", None, "unresolved"),
    "R_postal_merged": ("quarantined", None, "unresolved"),
}


TYPED_NUMBERS = {"R_leuven": "1.250", "R_override": "ongeveer 40"}  # Q14 as people type it


def typed_numbers(table: ExportTable) -> ExportTable:
    """Q14 written with a Dutch thousands separator, and as words, on two respondents."""
    names = [name for name, _, _ in table.columns]
    response_id, q14 = names.index("ResponseId"), names.index("Q14")
    rows = [
        [TYPED_NUMBERS.get(row[response_id], value) if i == q14 else value for i, value in enumerate(row)]
        for row in table.rows
    ]
    return ExportTable(table.columns, rows)


def write_scenario_landing(
    landing: Path, *, multi_layout: str = "combined", values: str = "numeric", dialect: str = "qualtrics"
) -> Path:
    codebook = load_codebook(CODEBOOK_PATH)
    wave_dir = landing / "waves" / codebook.wave.id
    wave_dir.mkdir(parents=True, exist_ok=True)
    (wave_dir / "codebook.yaml").write_text(CODEBOOK_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    table = typed_numbers(build_export(codebook, scenario_responses(), multi_layout=multi_layout, values=values))
    write_export(table, wave_dir / "scenario_export.csv", dialect=dialect)
    (landing / "overrides").mkdir(exist_ok=True)
    (landing / "overrides" / "municipality_names.csv").write_text(
        f"raw_text,nis_code\nGem. A'laar,{AARTSELAAR}\n", encoding="utf-8"
    )
    (landing / "taskforce").mkdir(exist_ok=True)
    (landing / "taskforce" / "snapshot.csv").write_text(
        "peildatum,nis_code,gemeente,personen,minderjarigen\n"
        f"2023-03-15,{GENT},Gent,1000,300\n2023-04-15,{GENT},Gent,1100,350\n"
        f"2023-05-15,{GENT},Gent,1300,400\nnot-a-date,{GENT},Gent,5,1\n2023-04-15,99999,Nergens,5,1\n",
        encoding="utf-8",
    )
    return landing


def labels_in_split_columns(table: ExportTable) -> ExportTable:
    """What Qualtrics itself writes in a choice-text split export: the choice's label instead of `1`."""
    labels = [label.rsplit(" - ", 1)[-1] for _, label, _ in table.columns]
    split = [
        json.loads(meta).get("choiceId") is not None and not name.endswith("_TEXT") for name, _, meta in table.columns
    ]
    rows = [[labels[i] if split[i] and value == "1" else value for i, value in enumerate(row)] for row in table.rows]
    return ExportTable(table.columns, rows)


ANONYMISED_AWAY = {
    "Status",
    "IPAddress",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "LocationLatitude",
    "LocationLongitude",
}


def anonymised(table: ExportTable) -> ExportTable:
    """An anonymised export: no Status and no personal columns (so without the preview row, too)."""
    keep = [i for i, (name, _, _) in enumerate(table.columns) if name not in ANONYMISED_AWAY]
    status = [name for name, _, _ in table.columns].index("Status")
    rows = [[row[i] for i in keep] for row in table.rows if row[status] == "0"]
    return ExportTable([table.columns[i] for i in keep], rows)


# Every export variant the contract accepts, each as its own wave of the same questionnaire, so one
# warehouse build shows whether they all read to the same answers.
VARIANTS = {
    "v_numeric_combined": {"multi_layout": "combined", "values": "numeric", "dialect": "qualtrics"},
    "v_numeric_split": {"multi_layout": "split", "values": "numeric", "dialect": "qualtrics"},
    "v_text_combined": {"multi_layout": "combined", "values": "choice_text", "dialect": "qualtrics"},
    "v_text_split": {"multi_layout": "split", "values": "choice_text", "dialect": "qualtrics"},
    "v_text_split_labels": {
        "multi_layout": "split",
        "values": "choice_text",
        "dialect": "qualtrics",
        "transform": labels_in_split_columns,
    },
    "v_excel": {"multi_layout": "combined", "values": "numeric", "dialect": "excel"},
    "v_tab": {"multi_layout": "split", "values": "numeric", "dialect": "tab"},
    "v_legacy": {"multi_layout": "combined", "values": "numeric", "dialect": "legacy"},
    "v_anonymised": {"multi_layout": "combined", "values": "numeric", "dialect": "qualtrics", "transform": anonymised},
}


def write_variant_landing(landing: Path) -> Path:
    codebook = load_codebook(CODEBOOK_PATH)
    codebook_text = CODEBOOK_PATH.read_text(encoding="utf-8")
    for wave_id, variant in VARIANTS.items():
        wave_dir = landing / "waves" / wave_id
        wave_dir.mkdir(parents=True, exist_ok=True)
        (wave_dir / "codebook.yaml").write_text(
            codebook_text.replace(f"id: {codebook.wave.id}", f"id: {wave_id}", 1), encoding="utf-8"
        )
        table = build_export(
            codebook, scenario_responses(), multi_layout=variant["multi_layout"], values=variant["values"]
        )
        table = variant.get("transform", lambda unchanged: unchanged)(table)
        write_export(table, wave_dir / f"export_{wave_id}.csv", dialect=variant["dialect"])
    return landing


# A later wave on the 2025 map (285 municipalities): former names and postal codes resolve to the
# merged municipalities, and their attributes come from their predecessors.
MAP_2025_WAVE = "w2_2025"
HASSELT_2025, PAJOTTEGEM, BKZ = "71072", "23106", "46030"
EXPECTED_2025_RESOLUTION = {
    "R25_hasselt": (HASSELT_2025, "exact_name"),
    "R25_kortessem": (HASSELT_2025, "merged_name"),
    "R25_borsbeek": (ANTWERPEN, "merged_name"),
    "R25_postal_galmaarden": (PAJOTTEGEM, "postal_code"),
    "R25_zwijndrecht": (BKZ, "merged_name"),
}


def write_map2025_wave(landing: Path) -> Path:
    codebook_text = CODEBOOK_PATH.read_text(encoding="utf-8")
    for old, new in (
        ("id: w1_2023", f"id: {MAP_2025_WAVE}"),
        ("municipality_map: 2019-2024", "municipality_map: 2025"),
        ("2023-03-15", "2025-03-15"),
        ("2023-04-11", "2025-04-11"),
        ("2023-04-15", "2025-04-15"),
    ):
        codebook_text = codebook_text.replace(old, new, 1)
    wave_dir = landing / "waves" / MAP_2025_WAVE
    wave_dir.mkdir(parents=True, exist_ok=True)
    (wave_dir / "codebook.yaml").write_text(codebook_text, encoding="utf-8")
    texts = {
        "R25_hasselt": "Stad Hasselt",
        "R25_kortessem": "Kortessem",
        "R25_borsbeek": "Borsbeek",
        "R25_postal_galmaarden": "1570",
        "R25_zwijndrecht": "gemeente Zwijndrecht",
    }
    responses = [response(response_id, text, end="2025-03-20 10:00:00") for response_id, text in texts.items()]
    write_export(build_export(load_codebook(CODEBOOK_PATH), responses), wave_dir / "export_2025.csv")
    with (landing / "taskforce" / "snapshot.csv").open("a", encoding="utf-8") as snapshot:
        snapshot.write(f"2025-04-15,{HASSELT_2025},Hasselt,900,300\n")
    return landing


# A hand-made follow-up wave the warehouse has never seen: on the 2025 map, with a changed questionnaire
# continuing a hand-made wave 1 (scenario respondents of the 2019–2024 map, incl. predecessors of 2025
# mergers that answer differently). Expected trend and panel values are worked out by hand in
# tests/test_trends.py.
FOLLOW_UP_WAVE = "wb_2025"
HASSELT_2019, KORTESSEM, TONGEREN, BORGLOON = "71022", "73040", "73083", "73009"
TONGEREN_BORGLOON = "73111"

FOLLOW_UP_CODEBOOK = {
    "wave": {
        "id": FOLLOW_UP_WAVE,
        "title": "Hand-made follow-up",
        "fieldwork_start": "2025-03-01",
        "fieldwork_end": "2025-03-31",
        "municipality_map": "2025",
    },
    "questions": [
        {"id": "Q1", "type": "text", "role": "municipality", "label": "Gemeente?"},
        # Q6 of wave 1 with its "Ja" split in two
        {
            "id": "QA",
            "type": "single",
            "label": "Impact op de dienstverlening?",
            "comparable_to": {"wave": "w1_2023", "question": "Q6", "recode": {1: [1], 2: [1], 3: [2], 4: [3]}},
            "choices": {
                1: {"label": "Ja, groot"},
                2: {"label": "Ja, beperkt"},
                3: {"label": "Nee"},
                4: {"label": "Weet ik niet"},
            },
        },
        # Q3 of wave 1 with choices folded together
        {
            "id": "QB",
            "type": "multi",
            "label": "Wie is betrokken?",
            "comparable_to": {"wave": "w1_2023", "question": "Q3", "recode": {1: [1, 2], 2: [3], 3: [4, 5]}},
            "choices": {1: {"label": "Politiek en OCMW"}, 2: {"label": "Managementteam"}, 3: {"label": "Anderen"}},
        },
        # Q31 of wave 1 with the same rows and columns
        {
            "id": "QM",
            "type": "matrix_multi",
            "label": "Ondersteund door?",
            "comparable_to": {"wave": "w1_2023", "question": "Q31"},
            "rows": {1: {"label": "Federaal"}, 2: {"label": "Vlaams"}, 3: {"label": "AGII"}},
            "columns": {code: {"label": f"Kolom {code}"} for code in range(1, 9)},
            "exclusive_columns": [7, 8],
        },
        {"id": "QN", "type": "single", "label": "Nieuwe vraag?", "choices": {1: {"label": "Ja"}, 2: {"label": "Nee"}}},
    ],
}

# Wave 1 (w1_2023 codebook, 2019–2024 map): municipality text -> answers on top of BASE_ANSWERS.
FOLLOW_UP_WAVE1 = {
    "R1_hasselt": ("Hasselt", {"Q6": 1, "Q3": frozenset({1, 2})}),
    "R1_kortessem": ("Kortessem", {"Q6": 1, "Q3": frozenset({3})}),
    "R1_tongeren": ("Tongeren", {"Q6": 2}),
    "R1_borgloon": ("Borgloon", {"Q6": 3}),
    "R1_gent": ("Gent", {"Q6": 1, "Q31": {1: frozenset({1, 2}), 2: frozenset({7})}}),
    "R1_leuven": ("Leuven", {"Q6": 2, "Q3": frozenset({4})}),
    "R1_antwerpen": ("Antwerpen", {"Q6": 3}),
    "R1_kortrijk": ("Kortrijk", {}),
}
# The follow-up (2025 map): old and new names; Kortessem's respondent adds to Hasselt's answer.
FOLLOW_UP_WAVE2 = {
    "R2_hasselt": ("Stad Hasselt", 100, {"QA": 2, "QB": frozenset({1}), "QN": 1}),
    "R2_kortessem": ("Kortessem", 80, {"QA": 1, "QB": frozenset({3})}),
    "R2_tongeren": ("Tongeren", 100, {"QA": 1}),
    "R2_gent": ("Gent", 100, {"QA": 3, "QB": frozenset({1}), "QM": {1: frozenset({1}), 2: frozenset({7})}}),
    "R2_borsbeek": ("Borsbeek", 100, {"QA": 4}),
    "R2_leuven": ("gemeente Leuven", 100, {"QA": 3, "QB": frozenset({2})}),
    "R2_pajottegem": ("Pajottegem", 100, {"QA": 1}),
}
EXPECTED_FOLLOW_UP_RESOLUTION = {
    "R2_hasselt": HASSELT_2025,
    "R2_kortessem": HASSELT_2025,
    "R2_tongeren": TONGEREN_BORGLOON,
    "R2_gent": GENT,
    "R2_borsbeek": ANTWERPEN,
    "R2_leuven": LEUVEN,
    "R2_pajottegem": PAJOTTEGEM,
}


def write_follow_up_landing(landing: Path) -> Path:
    """Hand-made wave 1 (as `w1_2023`) and the follow-up wave `wb_2025`, each with its own codebook."""
    import yaml

    from orchestration.survey.codebook import parse_codebook

    wave1 = load_codebook(CODEBOOK_PATH)
    wave_dir = landing / "waves" / "w1_2023"
    wave_dir.mkdir(parents=True, exist_ok=True)
    (wave_dir / "codebook.yaml").write_text(CODEBOOK_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    responses = [response(rid, text, answers=answers) for rid, (text, answers) in FOLLOW_UP_WAVE1.items()]
    write_export(build_export(wave1, responses), wave_dir / "wave1.csv")

    wave_dir = landing / "waves" / FOLLOW_UP_WAVE
    wave_dir.mkdir(parents=True, exist_ok=True)
    (wave_dir / "codebook.yaml").write_text(yaml.safe_dump(FOLLOW_UP_CODEBOOK, allow_unicode=True), encoding="utf-8")
    follow_up = parse_codebook(FOLLOW_UP_CODEBOOK)
    responses = []
    for rid, (text, progress, answers) in FOLLOW_UP_WAVE2.items():
        base = response(rid, text, progress=progress, end="2025-03-20 10:00:00")
        base.answers = {"Q1": text, **answers}
        responses.append(base)
    write_export(build_export(follow_up, responses), wave_dir / "follow_up.csv")
    (landing / "taskforce").mkdir(exist_ok=True)
    (landing / "taskforce" / "snapshots.csv").write_text(
        "peildatum,nis_code,gemeente,personen,minderjarigen\n"
        f"2019-03-01,{HASSELT_2019},Hasselt,1,0\n"
        f"2024-12-15,{HASSELT_2019},Hasselt,500,150\n2024-12-15,{KORTESSEM},Kortessem,20,5\n"
        f"2024-12-15,{GENT},Gent,1000,300\n"
        f"2025-03-15,{HASSELT_2025},Hasselt,530,160\n2025-03-15,{HASSELT_2019},Hasselt,999,999\n",
        encoding="utf-8",
    )
    return landing
