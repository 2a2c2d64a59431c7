"""The codebook loader: the shipped wave-1 codebook is valid, and each kind of defect is named."""

from __future__ import annotations

import copy

import pytest
import yaml

from orchestration.survey.codebook import CodebookError, load_codebook, parse_codebook
from orchestration.settings import SURVEY_SEEDS_DIR

WAVE1 = SURVEY_SEEDS_DIR / "w1_2023_codebook.yaml"


@pytest.fixture(scope="module")
def wave1_data() -> dict:
    return yaml.safe_load(WAVE1.read_text(encoding="utf-8"))


def test_wave1_codebook_loads_typed():
    codebook = load_codebook(WAVE1)
    assert codebook.wave.id == "w1_2023" and codebook.wave.municipality_map == "2019-2024"
    assert len(codebook.questions) == 41
    assert codebook.municipality_question.id == "Q1"
    assert codebook.question("Q5").exclusive_codes == frozenset({4})
    assert codebook.question("Q31").exclusive_codes == frozenset({7, 8})
    assert codebook.question("Q13").shown_if.codes == (3,)
    assert codebook.question("Q2").unit == "respondent"


def broken(wave1_data: dict, edit) -> dict:
    data = copy.deepcopy(wave1_data)
    edit(data)
    return data


def question(data: dict, question_id: str) -> dict:
    return next(q for q in data["questions"] if q["id"] == question_id)


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda d: d["questions"].append(dict(question(d, "Q3"))), "id is used twice"),
        (lambda d: question(d, "Q6").update(type="ranking"), "type 'ranking' is not one of"),
        (lambda d: question(d, "Q5").update(exclusive=[9]), "`exclusive` names code 9, which is not a choice"),
        (lambda d: question(d, "Q12").update(shown_if={"question": "Q13", "includes": 3}),
         "refers to Q13, which does not come earlier"),
        (lambda d: question(d, "Q12").update(shown_if={"question": "Q99", "equals": 1}), "unknown question Q99"),
        (lambda d: question(d, "Q12").update(shown_if={"question": "Q11", "equals": 7}),
         "names code 7, which Q11 does not have"),
        (lambda d: question(d, "Q12").update(shown_if={"question": "Q3", "equals": 1}),
         "shown_if.equals cannot be used on multi question Q3"),
        (lambda d: question(d, "Q3").update(other_text=9), "other_text names code 9"),
        (lambda d: question(d, "Q4")["choices"][2].update(label="Personeelsinzet"), "is used twice"),
        (lambda d: question(d, "Q1").update(role=None), "exactly one question needs role: municipality"),
        (lambda d: question(d, "Q6").update(shown_iff={"question": "Q5", "includes": 1}), "unknown key `shown_iff`"),
        (lambda d: d["wave"].update(municipality_map="2030"), "is not one of 2019-2024, 2025"),
        (lambda d: question(d, "Q38").update(choices={1: {"label": "a"}, 2: {"label": "b"}}),
         "likert5 needs exactly the codes 1 to 5"),
        (lambda d: question(d, "Q7")["choices"][1].update(report="t4_1_college"), "claimed by"),
    ],
)
def test_each_defect_is_reported_with_the_question(wave1_data, edit, expected):
    with pytest.raises(CodebookError) as error:
        parse_codebook(broken(wave1_data, edit), source="w9/codebook.yaml")
    assert "w9/codebook.yaml" in str(error.value)
    assert any(expected in problem for problem in error.value.problems), error.value.problems


def test_all_problems_are_reported_at_once(wave1_data):
    def two_defects(data):
        question(data, "Q6").update(type="ranking")
        question(data, "Q5").update(exclusive=[9])

    with pytest.raises(CodebookError) as error:
        parse_codebook(broken(wave1_data, two_defects))
    assert len(error.value.problems) == 2


def test_unreadable_yaml_is_a_codebook_error(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("wave: [unclosed", encoding="utf-8")
    with pytest.raises(CodebookError, match="cannot read YAML"):
        load_codebook(path)
