"""`make codebook` (orchestration/survey/codebook_draft.py): the codebook printed from a QSF, and its
comparable_to proposals — on the sample's w2_2025 survey definition against w1_2023 exactly the hand-written
codebook's, and nothing where no partner convinces (contract §5.1)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from orchestration.cli import main as cli
from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import load_codebook, parse_codebook
from orchestration.survey.codebook_draft import Questionnaire, draft, match_labels, propose, read_side
from synthetic.qsf_writer import qsf_text, survey_definition, write_definition

WAVE1 = SURVEY_SEEDS_DIR / "w1_2023_codebook.yaml"
WAVE2 = SURVEY_SEEDS_DIR / "w2_2025_codebook.yaml"


@pytest.fixture(scope="module")
def wave2():
    return load_codebook(WAVE2)


@pytest.fixture()
def bare_qsf(tmp_path, wave2) -> Path:
    """The sample's w2_2025 survey.qsf alone in its wave folder (no overlay: nothing says comparable_to)."""
    path = tmp_path / "w2_2025" / "survey.qsf"
    path.parent.mkdir()
    path.write_text(qsf_text(survey_definition(wave2)), encoding="utf-8")
    return path


def handwritten(codebook) -> dict[str, dict]:
    out = {}
    for question in codebook.questions:
        if question.comparable_to:
            entry = {"wave": question.comparable_to.wave, "question": question.comparable_to.question}
            if question.comparable_to.recode is not None:
                entry["recode"] = {code: list(targets) for code, targets in question.comparable_to.recode}
            out[question.id] = entry
    return out


def test_proposals_for_the_sample_w2_2025_are_the_handwritten_comparable_to(bare_qsf, wave2):
    proposals, _ = propose(read_side(bare_qsf), read_side(WAVE1))
    assert {question_id: proposal.as_entry() for question_id, proposal in proposals.items()} == handwritten(wave2)


def test_printed_codebook_is_the_handwritten_one_once_reviewed(bare_qsf, wave2, capsys):
    """The CLI prints YAML; with the wave block, the municipality role and likert5 filled in by the reviewer it
    loads as exactly the hand-written w2_2025 codebook, comparable_to and recodes included."""
    assert cli(["codebook", str(bare_qsf), "--compare-to", str(WAVE1)]) == 0
    printed = capsys.readouterr().out
    assert "# PROPOSED, review: same text; labels: 1 of 3 labels the same, 2 merged or split" in printed  # Q21
    data = yaml.safe_load(printed)
    assert data["wave"]["id"] == "TODO"
    assert {q["id"]: q["comparable_to"] for q in data["questions"] if "comparable_to" in q} == handwritten(wave2)
    reviewed = copy.deepcopy(data)
    reviewed["wave"] = yaml.safe_load(WAVE2.read_text(encoding="utf-8"))["wave"]
    for question in reviewed["questions"]:
        if question["id"] == "Q1":
            question["role"] = "municipality"
        if question["id"] == "Q2":
            question["unit"] = "respondent"
        if question["id"] == "Q38":
            question["type"] = "likert5"
    assert parse_codebook(reviewed).questions == wave2.questions


def test_overlay_beside_the_qsf_is_applied_and_checked_against_the_proposals(tmp_path, wave2):
    folder = tmp_path / "w2_2025"
    write_definition(wave2, folder)
    printed = draft(folder / "survey.qsf", WAVE1)
    data = yaml.safe_load(printed)
    assert data["wave"]["id"] == "w2_2025" and data["wave"]["municipality_map"] == 2025
    assert printed.count("# comparable_to from the overlay; the comparison agrees") == len(handwritten(wave2))
    assert "PROPOSED" not in printed
    assert parse_codebook(data).questions == wave2.questions


def test_earlier_wave_id_from_its_overlay_or_its_folder(tmp_path):
    w1 = load_codebook(WAVE1)
    named = tmp_path / "w1_2023" / "survey.qsf"
    named.parent.mkdir()
    named.write_text(qsf_text(survey_definition(w1)), encoding="utf-8")
    assert read_side(named).wave_id == "w1_2023"  # no overlay: the folder's name
    write_definition(w1, tmp_path / "elsewhere")
    assert read_side(tmp_path / "elsewhere" / "survey.qsf").wave_id == "w1_2023"  # the overlay's wave.id
    assert read_side(tmp_path / "elsewhere" / "codebook.yaml").wave_id == "w1_2023"


def test_earlier_wave_as_a_qsf_gives_the_same_proposals(tmp_path, bare_qsf, wave2):
    write_definition(load_codebook(WAVE1), tmp_path / "w1_2023")
    proposals, _ = propose(read_side(bare_qsf), read_side(tmp_path / "w1_2023" / "survey.qsf"))
    assert {question_id: proposal.as_entry() for question_id, proposal in proposals.items()} == handwritten(wave2)


def question(question_id, label, choices, kind="single", **more) -> dict:
    return {
        "id": question_id,
        "type": kind,
        "label": label,
        "choices": {code: {"label": text} for code, text in enumerate(choices, start=1)},
        **more,
    }


def proposed(new: list[dict], earlier: list[dict]):
    return propose(Questionnaire("w9_new", new), Questionnaire("w8_old", earlier))


def test_same_export_tag_with_another_question_behind_it_gets_nothing():
    """A yes/no question with the tag of an earlier yes/no question but another text: labels alone prove nothing."""
    proposals, declined = proposed(
        [question("Q5", "Heeft u een noodplan?", ["Ja", "Nee"])],
        [question("Q5", "Werkt u met vrijwilligers?", ["Ja", "Nee"])],
    )
    assert proposals == {} and "another text" in declined["Q5"]


def test_two_equally_good_partners_get_nothing():
    text = "Werkt uw bestuur samen met het OCMW?"
    proposals, declined = proposed(
        [question("Q9", text, ["Ja", "Nee"])],
        [question("Q3", text, ["Ja", "Nee"]), question("Q4", text, ["Ja", "Nee"])],
    )
    assert proposals == {} and "two equally good partners" in declined["Q9"]


def test_labels_that_do_not_account_for_every_code_get_nothing():
    text = "Hoe beoordeelt u de samenwerking?"
    proposals, declined = proposed(
        [question("Q7", text, ["Goed", "Slecht", "Geen mening"])], [question("Q7", text, ["Goed", "Slecht"])]
    )
    assert proposals == {} and "do not account" in declined["Q7"]


def test_other_type_gets_nothing():
    proposals, declined = proposed(
        [question("Q7", "Welke noden?", ["Huisvesting", "Werk"], kind="multi")],
        [question("Q7", "Welke noden?", ["Huisvesting", "Werk"])],
    )
    assert proposals == {} and "single question" in declined["Q7"]


def test_likert5_and_single_compare_and_renumbered_codes_get_a_recode():
    proposals, _ = proposed(
        [question("Q2", "Hoe tevreden bent u?", ["Tevreden", "Ontevreden"])],
        [question("Q8", "Hoe tevreden bent u?", ["Ontevreden", "Tevreden"], kind="likert5")],
    )
    assert proposals["Q2"].as_entry() == {"wave": "w8_old", "question": "Q8", "recode": {1: [2], 2: [1]}}


def test_one_earlier_question_is_continued_by_one_new_question_only():
    text = "Biedt u opvang aan?"
    proposals, declined = proposed(
        [question("Q1", text, ["Ja", "Nee"]), question("Q2", text + " (nog)", ["Ja", "Nee"])],
        [question("Q1", text, ["Ja", "Nee"])],
    )
    assert set(proposals) == {"Q1"} and "continued more plausibly by Q1" in declined["Q2"]


def test_matrix_with_other_rows_gets_nothing():
    def matrix(rows):
        return {
            "id": "Q31",
            "type": "matrix_multi",
            "label": "Steun door ...?",
            "rows": {code: {"label": label} for code, label in enumerate(rows, start=1)},
            "columns": {1: {"label": "Ja"}, 2: {"label": "Nee"}},
        }

    proposals, declined = proposed([matrix(["Federaal", "Vlaams", "Provincie"])], [matrix(["Federaal", "Vlaams"])])
    assert proposals == {} and "matrix rows differ" in declined["Q31"]
    proposals, _ = proposed([matrix(["Federaal", "Vlaams"])], [matrix(["Federaal", "Vlaams"])])
    assert proposals["Q31"].as_entry() == {"wave": "w8_old", "question": "Q31"}


def test_label_matching_merges_and_splits():
    mapping, notes = match_labels(
        {1: "Negatief", 2: "Noch positief, noch negatief", 3: "Positief"},
        {
            1: "Zeer negatief",
            2: "Eerder negatief",
            3: "Noch positief, noch negatief",
            4: "Eerder positief",
            5: "Zeer positief",
        },
    )
    assert mapping == {1: [1, 2], 2: [3], 3: [4, 5]}
    mapping, _ = match_labels({1: "Ja, een grote impact", 2: "Ja, een beperkte impact", 3: "Nee"}, {1: "Ja", 2: "Nee"})
    assert mapping == {1: [1], 2: [1], 3: [2]}


def test_cli_error_names_the_file(tmp_path, capsys):
    missing = tmp_path / "w3" / "survey.qsf"
    assert cli(["codebook", str(missing)]) == 1
    assert str(missing) in capsys.readouterr().err


def test_findings_are_printed_as_comments(capsys):
    qsf = Path(__file__).parent / "fixtures" / "qsf" / "real_world_shaped.qsf"
    assert cli(["codebook", str(qsf)]) == 0
    printed = capsys.readouterr().out
    assert "#   question not tabulated: Q14 (QID15) is not tabulated: a net promoter score question" in printed
    assert "display_logic:" in printed and yaml.safe_load(printed)["questions"][0]["id"] == "Q1"
