"""The QSF reader (orchestration/survey/qsf.py) on a hand-written survey definition in the shape Qualtrics
writes (tests/fixtures/qsf/real_world_shaped.qsf: a Trash block, a block the flow never reaches, a
randomiser inside a group, a branch, a loop-and-merge block, unsupported question types, HTML, recodes,
mixed string and number ids), one test per quirk, and the overlay's errors (contract §5.1). The fixture
follows the shape of public QSF files (the survey definitions in the test data of fflewddur/sp and in
ropensci/qualtRics' recorded survey-definitions response, and the display-logic, loop-and-merge and
validation payloads other Qualtrics tools write); none of them is copied."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from orchestration.survey.codebook import CodebookError, parse_codebook
from orchestration.survey.qsf import (
    LOGIC_NOT_READ,
    NOT_TABULATED,
    TEXT_ENTRY_NOT_TABULATED,
    apply_overlay,
    clean_text,
    load_qsf_codebook,
    parse_survey_definition,
    read_survey_definition,
)

FIXTURES = Path(__file__).parent / "fixtures" / "qsf"
QSF = FIXTURES / "real_world_shaped.qsf"
OVERLAY = FIXTURES / "real_world_shaped_overlay.yaml"


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(QSF.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def survey():
    return read_survey_definition(QSF)


def question(survey, question_id: str) -> dict:
    found = survey.question(question_id)
    assert found is not None, f"{question_id} not read; findings: {survey.findings}"
    return found


def finding(survey, question_id: str, kind: str = NOT_TABULATED):
    found = [f for f in survey.findings if f.question == question_id and f.kind == kind]
    assert found, f"no {kind!r} finding for {question_id}: {survey.findings}"
    return found[0]


def payload(document: dict, qid: str) -> dict:
    return next(
        e["Payload"] for e in document["SurveyElements"] if e["Element"] == "SQ" and e["PrimaryAttribute"] == qid
    )


def element(document: dict, kind: str):
    return next(e for e in document["SurveyElements"] if e["Element"] == kind)


def edited(document: dict, edit) -> object:
    changed = copy.deepcopy(document)
    edit(changed)
    return parse_survey_definition(changed, "edited.qsf")


def ids(survey) -> list[str]:
    return [q["id"] for q in survey.questions]


# --- the file -------------------------------------------------------------------------------------------


def test_escaped_slashes_and_unicode_escapes_are_json(survey):
    """PHP's json_encode writes `\\/` and `\\u00f6`: plain JSON, read as such."""
    assert "\\/" in QSF.read_text(encoding="utf-8")
    assert question(survey, "Q2")["choices"][2]["label"] == "Coördinator of afdelingshoofd"


def test_byte_order_mark_is_allowed(tmp_path):
    path = tmp_path / "survey.qsf"
    path.write_bytes(b"\xef\xbb\xbf" + QSF.read_bytes())
    assert ids(read_survey_definition(path)) == ids(read_survey_definition(QSF))


def test_api_response_wrapper_is_unwrapped(document, survey):
    """GET /API/v3/survey-definitions/{id}?format=qsf returns {"result": <the QSF>, "meta": …}."""
    wrapped = parse_survey_definition({"result": document, "meta": {"httpStatus": "200 - OK"}})
    assert wrapped.questions == survey.questions


def test_not_a_survey_definition_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "survey.qsf"
    path.write_text('{"questions": []}', encoding="utf-8")
    with pytest.raises(CodebookError, match="no `SurveyElements`") as raised:
        read_survey_definition(path)
    assert str(path) in str(raised.value)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CodebookError, match="cannot read the survey definition as JSON"):
        read_survey_definition(path)


def test_blocks_payload_as_list_or_object(document, survey):
    """The BL element's Payload is a list in some exports and an object keyed "1", "2", … in others."""

    def as_object(doc):
        blocks = element(doc, "BL")
        blocks["Payload"] = {str(i): block for i, block in enumerate(blocks["Payload"], start=1)}

    assert edited(document, as_object).questions == survey.questions


# --- which questions exist, in which order --------------------------------------------------------------


def test_order_is_the_survey_flow_not_the_block_list(document):
    """Blocks listed beleidskeuzes-before-opvang but the flow shows opvang first: the flow decides."""

    def swap(doc):
        flow = element(doc, "FL")["Payload"]["Flow"]
        flow[2], flow[3] = flow[3], flow[2]

    reordered = edited(document, swap)
    assert ids(reordered)[:5] == ["Q1", "Q2", "Q7", "Q8", "Q9"]
    assert ids(reordered).index("Q3") > ids(reordered).index("Q12")


def test_flow_is_walked_through_group_randomizer_and_branch(survey):
    """Q22 is in a block reached only inside a Branch; the Group holds a BlockRandomizer (SubSet "1")."""
    assert ids(survey) == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9", "Q10", "Q11", "Q12", "Q22"]
    assert question(survey, "Q22")["section"] == "nazorg"
    # Q15 is in the randomised block "toekomst A": reached (not tabulated for its type, not for the flow)
    assert "rank order" in finding(survey, "Q15").text and "never shows" not in finding(survey, "Q15").text


def test_trash_block_questions_do_not_exist(survey):
    """QID28 (Q25) is in the Trash; QID29 in the Trash reuses tag Q3, which is no clash."""
    assert survey.question("Q25") is None
    assert not [f for f in survey.findings if f.question == "Q25"]
    assert question(survey, "Q3")["type"] == "multi"


def test_block_the_flow_never_reaches_is_a_finding(survey):
    assert survey.question("Q24") is None
    assert "oude vragen" in finding(survey, "Q24").text and "survey flow" in finding(survey, "Q24").text


def test_section_is_the_block_description(survey):
    assert [question(survey, q)["section"] for q in ("Q1", "Q3", "Q7")] == ["profiel", "beleidskeuzes", "opvang"]


def test_descriptive_text_meta_and_timing_are_no_questions(survey):
    """DB (QID1, QID30), Meta (tag `Q1.2`) and Timing: neither questions nor findings."""
    named = ids(survey) + [f.question for f in survey.findings]
    assert not {"Q0", "Q30", "Q1.2", "Q2_timing"} & set(named)


# --- ids and texts --------------------------------------------------------------------------------------


def test_question_id_is_the_export_tag_not_the_qid(survey):
    """QID5 has DataExportTag Q4: the export's columns are Q4…, so the question is Q4."""
    assert question(survey, "Q4")["label"].startswith("Zorgt de opvang")
    assert survey.question("QID5") is None


def test_html_is_removed_entities_decoded_white_space_folded(survey):
    assert question(survey, "Q4")["label"] == (
        "Zorgt de opvang voor verschuivingen in personeelscapaciteit & impact op de reguliere dienstverlening?"
    )
    assert question(survey, "Q3")["label"] == "Wie is binnen uw lokaal bestuur betrokken?"
    assert clean_text("<p>Een&nbsp;tekst<br>met&hellip; <span style='x'>HTML</span></p>") == "Een tekst met… HTML"


def test_label_is_question_text_not_question_description(document, survey):
    assert payload(document, "QID5")["QuestionDescription"] == "Impact op personeel"
    assert "Impact op personeel" not in question(survey, "Q4")["label"]


def test_required_when_force_response_is_on(document, survey):
    assert question(survey, "Q1").get("required") and question(survey, "Q7").get("required")
    assert not question(survey, "Q2").get("required")

    def request_only(doc):  # "request response" asks, it does not force
        payload(doc, "QID8")["Validation"]["Settings"]["ForceResponse"] = "RequestResponse"

    assert not edited(document, request_only).question("Q7").get("required")


# --- types ---------------------------------------------------------------------------------------------


def test_selectors_give_single_and_multi(survey):
    """SAVR, SAHR, DL → single; MAVR, MSB → multi."""
    assert [question(survey, q)["type"] for q in ("Q2", "Q4", "Q6", "Q3", "Q22")] == [
        "single",
        "single",
        "single",
        "multi",
        "multi",
    ]


def test_numeric_validation_gives_number(survey):
    assert question(survey, "Q9")["type"] == "number"
    assert question(survey, "Q5")["type"] == "text"  # TE ML without validation


def test_multiple_answer_matrix_rows_are_choices_columns_are_answers(survey):
    q12 = question(survey, "Q12")
    assert q12["type"] == "matrix_multi"
    assert list(q12["rows"]) == [1, 2, 3]
    assert q12["rows"][2]["label"] == "De Vlaamse overheid"


@pytest.mark.parametrize(
    "tag, words",
    [
        ("Q13", "single-answer matrix"),
        ("Q14", "net promoter score"),
        ("Q15", "rank order"),
        ("Q16", "text entry form"),
        ("Q18", "constant sum"),
        ("Q19", "slider"),
        ("Q20", "side by side"),
    ],
)
def test_unsupported_types_are_findings_not_errors(survey, tag, words):
    assert survey.question(tag) is None
    assert words in finding(survey, tag).text and "raw.export_cells" in finding(survey, tag).text


def test_carried_forward_choices_are_a_finding(survey):
    assert "carried forward from Q8" in finding(survey, "Q17").text


def test_loop_and_merge_block_is_a_finding(survey):
    assert "loop and merge" in finding(survey, "Q23").text


def test_export_tag_the_warehouse_cannot_split_is_a_finding(survey):
    """Columns are split at `_` and codebook ids are letters and digits: `Q21.b` is reported, not loaded."""
    assert "Q21b" in finding(survey, "Q21.b").text


def test_one_export_tag_on_two_questions_is_a_finding(document):
    def clash(doc):
        payload(doc, "QID27")["DataExportTag"] = "Q7"  # …in a block the flow never shows: still no clash
        payload(doc, "QID12")["DataExportTag"] = "Q7"

    survey = edited(document, clash)
    assert survey.question("Q7") is None
    assert "used by 3 questions" in finding(survey, "Q7").text


# --- choices and codes ---------------------------------------------------------------------------------


def test_choice_order_entries_as_numbers_or_strings(survey):
    """Q3's ChoiceOrder is [1, 2, …] (numbers); Q4's is ["1", "4", "2", "3"] (strings): order follows it."""
    assert list(question(survey, "Q3")["choices"]) == [1, 2, 3, 4, 5, 6, 8]
    assert [c["label"] for c in question(survey, "Q4")["choices"].values()] == [
        "Ja, een grote impact",
        "Ja, een beperkte impact",
        "Nee",
        "Weet ik niet",
    ]


def test_code_is_the_recode_value_of_the_choice(survey):
    """Q4: choice 4 ("Ja, een beperkte impact", added later) has recode value 2."""
    assert question(survey, "Q4")["choices"][2]["label"] == "Ja, een beperkte impact"
    assert question(survey, "Q3")["choices"][8]["label"] == "Niemand"  # choice 7, recoded 8


def test_variable_naming_is_no_recode(document, survey):
    assert payload(document, "QID4")["VariableNaming"]["7"] == "niemand"
    assert 7 not in question(survey, "Q3")["choices"]


def test_choices_as_a_list_whose_index_is_the_choice_id(survey):
    """Q6: Choices and RecodeValues are JSON lists (ids 0, 1, 2, recoded 1, 2, 3)."""
    assert question(survey, "Q6")["choices"] == {1: {"label": "Nooit"}, 2: {"label": "Soms"}, 3: {"label": "Vaak"}}


def test_two_choices_with_one_recode_value_are_a_finding(document):
    def merge(doc):
        payload(doc, "QID5")["RecodeValues"]["4"] = "1"

    assert "same recode value 1" in finding(edited(document, merge), "Q4").text


def test_exclusive_answer_on_choices_and_matrix_columns(survey):
    assert question(survey, "Q3")["exclusive"] == [8]
    assert question(survey, "Q12")["exclusive_columns"] == [7, 8]


@pytest.mark.parametrize("flag", ["true", True, 1])
def test_text_entry_as_string_boolean_or_number(document, flag):
    def set_flag(doc):
        payload(doc, "QID3")["Choices"]["4"]["TextEntry"] = flag

    assert edited(document, set_flag).question("Q2")["other_text"] == 4


def test_several_text_entries_give_a_list_of_codes(survey):
    assert question(survey, "Q3")["other_text"] == [5, 6]


def test_text_entry_on_a_recoded_choice_keeps_its_choice_id(survey):
    """Q8's "Op een andere manier" is choice 4, recode 5: the export's text column is Q8_4_TEXT."""
    q8 = question(survey, "Q8")
    assert q8["other_text"] == 5 and q8["choices"][5] == {"label": "Op een andere manier", "choice_id": 4}
    codebook = load_qsf_codebook(QSF, OVERLAY)
    assert codebook.question("Q8").text_column_id(5) == 4 and codebook.question("Q8").other_text == 5


def test_matrix_columns_are_recoded_rows_keep_their_choice_ids(survey):
    q12 = question(survey, "Q12")
    assert list(q12["columns"]) == [1, 2, 7, 8]  # AnswerOrder [1, 2, 3, 4], RecodeValues 3 → 7, 4 → 8


def test_text_entry_on_a_matrix_row_is_a_finding(survey):
    assert "row 3" in finding(survey, "Q12", TEXT_ENTRY_NOT_TABULATED).text
    assert question(survey, "Q12")["rows"][3]["label"] == "Een andere overheid, namelijk"


def test_matrix_row_export_tags_are_a_finding(document):
    def tag_rows(doc):
        payload(doc, "QID13")["ChoiceDataExportTags"] = {"1": "fed", "2": "vla", "3": "ander"}

    assert "ChoiceDataExportTags" in finding(edited(document, tag_rows), "Q12").text


# --- display logic -------------------------------------------------------------------------------------


def test_display_logic_on_a_recoded_single_choice(survey):
    """Q5 is shown when QID5's choice 4 is selected; choice 4 has recode value 2."""
    assert question(survey, "Q5")["shown_if"] == {"question": "Q4", "equals": 2}


def test_display_logic_on_a_multi_question(survey):
    assert question(survey, "Q12")["shown_if"] == {"question": "Q8", "includes": 2}


def test_display_logic_joined_by_or(survey):
    """Q9: choice 1 or choice 5 (recode 3) of Q8, the second expression carrying `"Conjuction": "Or"`."""
    assert question(survey, "Q9")["shown_if"] == {"question": "Q8", "includes_any": [1, 3]}


def test_display_logic_joined_by_or_on_a_single_question(document):
    def either(doc):
        logic = payload(doc, "QID6")["DisplayLogic"]["0"]
        logic["1"] = {
            **logic["0"],
            "ChoiceLocator": "q://QID5/SelectableChoice/1",
            "LeftOperand": "q://QID5/SelectableChoice/1",
            "Conjuction": "Or",
        }

    survey = edited(document, either)
    assert survey.question("Q5")["shown_if"] == {"question": "Q4", "includes_any": [2, 1]}
    parse_codebook(
        {
            "wave": {
                "id": "w9_2025",
                "fieldwork_start": "2025-03-01",
                "fieldwork_end": "2025-03-31",
                "municipality_map": "2025",
            },
            "questions": [{**q, **({"role": "municipality"} if q["id"] == "Q1" else {})} for q in survey.questions],
        }
    )  # the codebook format accepts it


@pytest.mark.parametrize("tag, text", [("Q10", "Is Not Selected"), ("Q11", "bron Is Equal to brief")])
def test_other_display_logic_is_kept_as_text_and_listed(survey, tag, text):
    """And, other operators, embedded data: no shown_if (no answer is discarded), the logic as text."""
    read = question(survey, tag)
    assert "shown_if" not in read and text in read["display_logic"]
    assert text in finding(survey, tag, LOGIC_NOT_READ).text


def test_display_logic_on_a_later_question_is_not_read(document):
    def later(doc):
        logic = payload(doc, "QID6")["DisplayLogic"]["0"]["0"]
        logic["ChoiceLocator"] = logic["LeftOperand"] = "q://QID8/SelectableChoice/1"

    survey = edited(document, later)
    assert "shown_if" not in survey.question("Q5")
    finding(survey, "Q5", LOGIC_NOT_READ)


# --- the overlay ----------------------------------------------------------------------------------------


def test_qsf_with_overlay_loads_and_lists_what_it_does_not_tabulate():
    codebook = load_qsf_codebook(QSF, OVERLAY)
    assert codebook.wave.id == "w9_2025" and codebook.wave.municipality_map == "2025"
    assert codebook.municipality_question.id == "Q1"
    assert codebook.question("Q2").unit == "respondent"
    assert codebook.question("Q3").choice(1).report == "t_college"
    assert codebook.question("Q3").other_text_codes == (5, 6)
    assert codebook.question("Q12").rows[0].report_prefix == "steun_fed"
    assert codebook.question("Q12").choice(7).report_suffix == "nee"
    assert codebook.question("Q9").shown_if.codes == (1, 3)
    assert codebook.origin == "qsf"
    assert {("Q1",), ("Q2",), ("Q3", "choice", 1), ("Q3", "choice", 8), ("Q12", "row", 1), ("Q12", "column", 7)} == set(
        codebook.overlaid
    )
    kinds = {(question_id, kind) for question_id, kind, _ in codebook.findings}
    assert {
        ("Q13", NOT_TABULATED),
        ("Q24", NOT_TABULATED),
        ("Q10", LOGIC_NOT_READ),
        ("Q12", TEXT_ENTRY_NOT_TABULATED),
    } <= kinds


def overlay_problems(survey, overlay: dict) -> list[str]:
    return apply_overlay(survey, overlay, "waves/w9_2025/codebook.yaml")[2]


WAVE = {
    "id": "w9_2025",
    "title": "t",
    "fieldwork_start": "2025-03-03",
    "fieldwork_end": "2025-03-28",
    "municipality_map": "2025",
}


@pytest.mark.parametrize(
    "entries, expected",
    [
        ([{"id": "Q99", "unit": "respondent"}], "question Q99 is not a question of real_world_shaped.qsf"),
        ([{"id": "Q13", "note": "x"}], "question Q13: the QSF holds it but it is not tabulated"),
        ([{"id": "Q2", "label": "Iets anders"}], "question Q2: `label` contradicts the QSF"),
        ([{"id": "Q2", "choices": {9: {"report": "x"}}}], "question Q2: choice 9 is not a choice of Q2 in the QSF"),
        (
            [{"id": "Q2", "choices": {1: {"label": "Sociale dienst"}}}],
            "choice 1: label 'Sociale dienst' contradicts the QSF",
        ),
        ([{"id": "Q3", "type": "single"}], "`type: single` contradicts the QSF (multi)"),
        ([{"id": "Q4", "type": "likert5"}], "`type: likert5` needs the codes 1 to 5, but the QSF gives 1, 2, 3, 4"),
        ([{"id": "Q4", "shown_if": {"question": "Q2", "equals": 1}}], "question Q4: `shown_if` contradicts the QSF"),
        ([{"id": "Q2", "report": "s3_1"}], "question Q2: `report` belongs to a choice"),
        (
            [{"id": "Q2", "rows": {1: {"report_prefix": "x"}}}],
            "question Q2: `rows` does not apply to a single question",
        ),
        ([{"id": "Q2", "colour": "red"}], "question Q2: unknown key `colour`"),
    ],
)
def test_overlay_mistakes_name_file_question_and_fix(survey, entries, expected):
    problems = overlay_problems(survey, {"wave": WAVE, "questions": [{"id": "Q1", "role": "municipality"}, *entries]})
    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith("waves/w9_2025/codebook.yaml: ") for problem in problems)


def test_overlay_without_municipality_map_or_municipality_question(survey):
    problems = overlay_problems(
        survey,
        {
            "wave": {k: v for k, v in WAVE.items() if k != "municipality_map"},
            "questions": [{"id": "Q2", "unit": "respondent"}],
        },
    )
    assert any("add `municipality_map: 2019-2024` or `municipality_map: 2025`" in p for p in problems), problems
    assert any(
        "no question has `role: municipality`; add under questions: `- {id: Q1, role: municipality}`" in p
        for p in problems
    ), problems
    assert any("`wave:` is missing" in p for p in overlay_problems(survey, {"questions": []}))


def test_overlay_keys_that_agree_with_the_qsf_are_accepted(survey):
    assert (
        overlay_problems(
            survey,
            {
                "wave": WAVE,
                "questions": [
                    {"id": "Q1", "role": "municipality", "section": "profiel"},
                    {"id": "Q2", "choices": {2: {"label": "Coördinator of afdelingshoofd", "report": "s_coord"}}},
                    {"id": "Q7", "type": "single"},
                ],
            },
        )
        == []
    )


def test_overlay_as_a_mapping_of_question_ids(survey):
    data, overlaid, problems = apply_overlay(
        survey, {"wave": WAVE, "questions": {"Q1": {"role": "municipality"}}}, "codebook.yaml"
    )
    assert problems == [] and ("Q1",) in overlaid


def test_all_overlay_problems_in_one_error(tmp_path):
    overlay = tmp_path / "codebook.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {"wave": {k: v for k, v in WAVE.items() if k != "municipality_map"}, "questions": [{"id": "Q99"}]}
        ),
        encoding="utf-8",
    )
    with pytest.raises(CodebookError) as raised:
        load_qsf_codebook(QSF, overlay)
    assert len(raised.value.problems) == 3 and str(overlay) in str(raised.value)


def test_missing_overlay_is_an_error(tmp_path):
    with pytest.raises(CodebookError, match="needs an overlay codebook.yaml beside it"):
        load_qsf_codebook(QSF, tmp_path / "codebook.yaml")


def test_overlay_aliases_are_refused(tmp_path):
    overlay = tmp_path / "codebook.yaml"
    overlay.write_text(OVERLAY.read_text(encoding="utf-8") + "  - &a {id: Q7, note: x}\n  - *a\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="aliases"):
        load_qsf_codebook(QSF, overlay)
