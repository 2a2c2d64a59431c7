"""The codebook loader: the shipped wave-1 codebook is valid, and each kind of defect is named."""

from __future__ import annotations

import copy
import time

import pytest
import yaml
from dagster import DagsterInstance, materialize

from orchestration.assets.landing import landing_directory
from orchestration.assets.publish import warehouse_draft
from orchestration.assets.survey import wave_codebooks
from orchestration.resources import WarehouseResource
from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import (
    CodebookError,
    codebook_frames,
    comparison_problems,
    load_codebook,
    parse_codebook,
)

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
        (
            lambda d: question(d, "Q12").update(shown_if={"question": "Q13", "includes": 3}),
            "refers to Q13, which does not come earlier",
        ),
        (lambda d: question(d, "Q12").update(shown_if={"question": "Q99", "equals": 1}), "unknown question Q99"),
        (
            lambda d: question(d, "Q12").update(shown_if={"question": "Q11", "equals": 7}),
            "names code 7, which Q11 does not have",
        ),
        (
            lambda d: question(d, "Q12").update(shown_if={"question": "Q3", "equals": 1}),
            "shown_if.equals cannot be used on multi question Q3",
        ),
        (lambda d: question(d, "Q3").update(other_text=9), "other_text names code 9"),
        (lambda d: question(d, "Q4")["choices"][2].update(label="Personeelsinzet"), "is used twice"),
        (lambda d: question(d, "Q1").update(role=None), "exactly one question needs role: municipality"),
        (lambda d: question(d, "Q6").update(shown_iff={"question": "Q5", "includes": 1}), "unknown key `shown_iff`"),
        (lambda d: d["wave"].update(municipality_map="2030"), "is not one of 2019-2024, 2025"),
        (
            lambda d: question(d, "Q38").update(choices={1: {"label": "a"}, 2: {"label": "b"}}),
            "likert5 needs exactly the codes 1 to 5",
        ),
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


# ---------------------------------------------------------------------------------------------------
# comparable_to (contract §4): checked against the earlier wave's codebook
# ---------------------------------------------------------------------------------------------------

WAVE2 = SURVEY_SEEDS_DIR / "w2_2025_codebook.yaml"


@pytest.fixture(scope="module")
def wave2_data() -> dict:
    return yaml.safe_load(WAVE2.read_text(encoding="utf-8"))


def earlier_waves(wave_id: str):
    return load_codebook(WAVE1) if wave_id == "w1_2023" else None


def test_bundled_follow_up_codebook_compares_cleanly():
    codebook = load_codebook(WAVE2)
    assert comparison_problems(codebook, earlier_waves) == []
    assert codebook.wave.municipality_map == "2025"
    q6 = codebook.question("Q6").comparable_to
    assert (q6.wave, q6.question, q6.compared_codes(2), q6.compared_codes(4)) == ("w1_2023", "Q6", (1,), (3,))
    assert codebook.question("Q3").comparable_to.compared_codes(5) == (5,)  # no recode: the same code
    assert codebook.question("Q19").comparable_to.question == "Q25"
    assert codebook.question("Q42").comparable_to is None


def test_comparisons_become_one_raw_row_per_code_pair():
    frames = codebook_frames(load_codebook(WAVE2), source_file="c.yaml", file_sha256="0", loaded_at=None)
    pairs = frames["codebook_comparisons"]
    q21 = pairs[pairs.question_id == "Q21"][["choice_code", "compared_choice_code"]].values.tolist()
    assert q21 == [[1, 1], [1, 2], [2, 3], [3, 4], [3, 5]]
    q31 = pairs[pairs.question_id == "Q31"]
    assert len(q31) == 8 and (q31.choice_code == q31.compared_choice_code).all()
    questions = frames["codebook_questions"].set_index("question_id")
    assert questions.loc["Q19", ["comparable_wave_id", "comparable_question_id"]].tolist() == ["w1_2023", "Q25"]


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda d: question(d, "Q3").update(comparable_to={"wave": "w0_2020", "question": "Q3"}),
            "question Q3: comparable_to w0_2020 Q3: unknown wave w0_2020",
        ),
        (
            lambda d: question(d, "Q3").update(comparable_to={"wave": "w1_2023", "question": "Q99"}),
            "wave w1_2023 has no question Q99",
        ),
        (
            lambda d: question(d, "Q3").update(comparable_to={"wave": "w1_2023", "question": "Q6"}),
            "types do not agree (multi here, single in w1_2023",
        ),
        (
            lambda d: question(d, "Q21").update(comparable_to={"wave": "w1_2023", "question": "Q31"}),
            "types do not agree (single here, matrix_multi in w1_2023",
        ),
        (
            lambda d: question(d, "Q6").update(
                comparable_to={"wave": "w1_2023", "question": "Q6", "recode": {1: [1], 2: [1], 3: [2], 4: [3], 7: [3]}}
            ),
            "recode key 7 is not a code of Q6",
        ),
        (
            lambda d: question(d, "Q6").update(
                comparable_to={"wave": "w1_2023", "question": "Q6", "recode": {1: [1], 2: [9], 3: [2], 4: [3]}}
            ),
            "recode target 9 (of code 2) is not a code of w1_2023 Q6",
        ),
        (
            lambda d: question(d, "Q6").update(comparable_to={"wave": "w1_2023", "question": "Q6"}),
            "code 4 has no recode and w1_2023 Q6 has no code 4",
        ),
        (lambda d: question(d, "Q31")["rows"].pop(3), "matrix rows differ ({1, 2} here, {1, 2, 3} in w1_2023)"),
        (lambda d: question(d, "Q31")["columns"].update({9: {"label": "Misschien"}}), "matrix columns differ"),
        (lambda d: question(d, "Q31")["comparable_to"].update(recode={1: [2]}), "`recode` is not allowed"),
        (
            lambda d: question(d, "Q3").update(comparable_to={"wave": "w2_2025", "question": "Q3"}),
            "cannot continue a question of its own wave",
        ),
    ],
)
def test_each_comparison_problem_is_named_with_the_question(wave2_data, edit, expected):
    problems = comparison_problems(parse_codebook(broken(wave2_data, edit)), earlier_waves)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda d: question(d, "Q40").update(comparable_to={"wave": "w1_2023", "question": "Q40"}),
            "a text question cannot be compared",
        ),
        (lambda d: question(d, "Q3").update(comparable_to={"wave": "w1_2023"}), "needs `wave` and `question`"),
        (
            lambda d: question(d, "Q3").update(comparable_to={"wave": "w1_2023", "question": "Q3", "recodes": {}}),
            "unknown key `recodes`",
        ),
        (
            lambda d: question(d, "Q3").update(comparable_to={"wave": "w1_2023", "question": "Q3", "recode": {1: "a"}}),
            "is not an integer code",
        ),
    ],
)
def test_malformed_comparable_to_is_a_codebook_error(wave2_data, edit, expected):
    with pytest.raises(CodebookError) as error:
        parse_codebook(broken(wave2_data, edit), source="w2/codebook.yaml")
    assert any(expected in problem for problem in error.value.problems), error.value.problems


def test_every_comparison_problem_is_listed_at_once(wave2_data):
    def three_defects(data):
        question(data, "Q3")["comparable_to"]["question"] = "Q99"
        question(data, "Q6")["comparable_to"]["recode"] = {1: [1], 2: [8], 3: [2], 4: [9]}
        question(data, "Q31")["rows"].pop(3)

    problems = comparison_problems(parse_codebook(broken(wave2_data, three_defects)), earlier_waves)
    assert len(problems) == 4, problems


# ---------------------------------------------------------------------------------------------------
# YAML aliases (issue 18, item 5): a "billion laughs" must not hold the refresh lock for minutes
# ---------------------------------------------------------------------------------------------------


def alias_bomb(levels: int = 9) -> str:
    """The wave-1 codebook with nine levels of nine aliases each in a question's note (about 1 KB more):
    9**9 strings once expanded."""
    lines = ["laughs:", '  - &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  - &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]" for level in range(1, levels)]
    return (
        "\n".join(lines)
        + "\n"
        + WAVE1.read_text(encoding="utf-8").replace("  - id: Q3\n", f"  - id: Q3\n    note: *l{levels - 1}\n", 1)
    )


def test_a_yaml_alias_bomb_is_refused_within_a_second_of_cpu_naming_file_and_line(tmp_path):
    path = tmp_path / "waves" / "w1_2023" / "codebook.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(alias_bomb(), encoding="utf-8")
    assert len(path.read_bytes()) - len(WAVE1.read_bytes()) < 1200
    started = time.process_time()
    with pytest.raises(CodebookError) as error:
        load_codebook(path)  # what wave_codebooks calls for every codebook, the earlier waves' included
    assert time.process_time() - started < 1.0
    assert str(path) in str(error.value)
    assert error.value.problems == ["line 3: YAML aliases (*l0) are not allowed in a codebook: write the value out"]


def test_a_single_alias_or_merge_key_is_refused_too(tmp_path):
    path = tmp_path / "codebook.yaml"
    text = WAVE1.read_text(encoding="utf-8")
    path.write_text(text.replace("wave:\n", "wave: &wave\n", 1) + "copy:\n  <<: *wave\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"line \d+: YAML aliases \(\*wave\) are not allowed in a codebook"):
        load_codebook(path)


@pytest.mark.parametrize("path", sorted(SURVEY_SEEDS_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_the_bundled_codebooks_use_no_anchors_or_aliases(path):
    events = list(yaml.parse(path.read_text(encoding="utf-8")))
    assert [event for event in events if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None)] == []
    assert load_codebook(path).wave.id == path.name.removesuffix("_codebook.yaml")


def test_wave_codebooks_refuses_the_alias_bomb_with_the_file_and_line(tmp_path):
    """The asset itself, on a landing whose wave-1 codebook is the bomb: it fails at once, naming the file."""
    landing = tmp_path / "landing"
    (landing / "waves" / "w1_2023").mkdir(parents=True)
    (landing / "waves" / "w1_2023" / "codebook.yaml").write_text(alias_bomb(), encoding="utf-8")
    warehouse = WarehouseResource(
        db_path=str(tmp_path / "warehouse.duckdb"), landing_dir=str(landing), draft_dir=str(tmp_path / "drafts")
    )
    started = time.monotonic()
    result = materialize(
        [warehouse_draft, landing_directory, wave_codebooks],
        resources={"warehouse": warehouse},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert time.monotonic() - started < 60  # minutes (the refresh lock held) before
    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    message = str(failure.event_specific_data.error)
    assert failure.step_key == "wave_codebooks", message
    assert "waves/w1_2023/codebook.yaml" in message
    assert "line 3: YAML aliases (*l0) are not allowed in a codebook: write the value out" in message
    assert not (tmp_path / "warehouse.duckdb").exists()
