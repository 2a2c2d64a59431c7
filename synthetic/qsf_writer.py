"""A SYNTHETIC wave's questionnaire as Qualtrics would export it: `survey.qsf` and the overlay `codebook.yaml`
beside it (contract §5.1), written from the wave's hand-written codebook.

The QSF is what Qualtrics writes, in the shape real exports have (tests/test_qsf.py reads the same quirks
from a hand-written fixture): blocks per section listed in a `BL` element, a survey flow (`FL`) with
embedded data, a block randomiser and an end of survey, a Trash block holding a deleted question,
descriptive text, meta-info and timing "questions" that are no questions, question ids (`QID…`) that are
not the export tags, HTML question texts, recoded choice ids, `TextEntry` written as `"true"`, `true` or
`1`, `ChoiceOrder` as strings and `AnswerOrder` as numbers, display logic on choice ids. The overlay holds
only what a QSF cannot say: the `wave:` block and, per question, `role`, `unit`, `note`, `type: likert5`,
`comparable_to` and the report keys. Reading the two back (`orchestration.survey.qsf.load_qsf_codebook`)
gives the codebook they were written from (tests/test_wave2_sample.py).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from orchestration.survey.codebook import Codebook, Question

SURVEY_ID = "SV_0SyntheticW2025"
# Choice ids that are not the choice's code, as when a choice was added after the others (Qualtrics numbers
# choices in the order they were made; the recode values keep the codes in display order).
CHOICE_IDS = {"Q6": {1: 1, 2: 5, 3: 2, 4: 3}}
# Blocks whose order the flow randomises (Qualtrics' BlockRandomizer): still listed in flow order.
RANDOMISED_SECTIONS = ("vrijwilligers", "samenwerking")
# The question moved to the trash while the wave was prepared (its tag does not exist in the export).
TRASHED = {
    "tag": "Q4",
    "text": "Welke elementen zijn bepalend in de keuze van uw aanpak?",
    "choices": ["Personeelsinzet", "Gemeentelijke infrastructuur", "Beschikbare budgetten"],
}
TEXT_ENTRY_FLAGS = ("true", True, 1)  # how Qualtrics has written TextEntry over the years


def choice_id(question: Question, code: int) -> int:
    return CHOICE_IDS.get(question.id, {}).get(code, code)


def _block_id(number: int) -> str:
    return f"BL_{number:02d}Synth{'abcdefghij'[number % 10]}Block"


def survey_definition(codebook: Codebook, title: str | None = None) -> dict:
    """The QSF document (a dict to write as JSON) of the codebook's questionnaire."""
    qids = {question.id: f"QID{index * 2 + 3}" for index, question in enumerate(codebook.questions)}
    sections: dict[str, list[str]] = {}
    for question in codebook.questions:
        sections.setdefault(question.section or "vragen", []).append(question.id)
    blocks, block_of_section = [], {}
    for number, (section, question_ids) in enumerate(sections.items(), start=1):
        block_id = _block_id(number)
        block_of_section[section] = block_id
        elements = []
        if number == 1:
            elements.append({"Type": "Question", "QuestionID": "QID1"})  # the welcome text
        for position, question_id in enumerate(question_ids):
            if position:
                elements.append({"Type": "Page Break"})
            elements.append({"Type": "Question", "QuestionID": qids[question_id]})
        if number == len(sections):
            elements.append({"Type": "Question", "QuestionID": "QID2"})  # page timing
        blocks.append(
            {
                "Type": "Default" if number == 1 else "Standard",
                "SubType": "",
                "Description": section,
                "ID": block_id,
                "BlockElements": elements,
                "Options": {"BlockLocking": "false", "RandomizeQuestions": "false", "BlockVisibility": "Collapsed"},
            }
        )
    blocks.append(
        {
            "Type": "Trash",
            "Description": "Trash / Unused Questions",
            "ID": "BL_99SynthTrash",
            "BlockElements": [{"Type": "Question", "QuestionID": "QID99"}],
        }
    )

    flow: list[dict] = [
        {
            "Type": "EmbeddedData",
            "FlowID": "FL_2",
            "EmbeddedData": [
                {
                    "Description": "bron",
                    "Type": "Recipient",
                    "Field": "bron",
                    "VariableType": "String",
                    "DataVisibility": [],
                    "AnalyzeText": False,
                }
            ],
        }
    ]
    randomiser = None
    for number, section in enumerate(sections, start=1):
        node = {
            "Type": "Block" if number == 1 else "Standard",
            "ID": block_of_section[section],
            "FlowID": f"FL_{number + 2}",
            "Autofill": [],
        }
        if section in RANDOMISED_SECTIONS:
            if randomiser is None:
                randomiser = {
                    "Type": "BlockRandomizer",
                    "FlowID": "FL_90",
                    "SubSet": str(len(RANDOMISED_SECTIONS)),
                    "EvenPresentation": True,
                    "Flow": [],
                }
                flow.append(
                    {
                        "Type": "Group",
                        "FlowID": "FL_91",
                        "Description": "Vrijwilligers en samenwerking",
                        "Flow": [randomiser],
                    }
                )
            randomiser["Flow"].append(node)
        else:
            flow.append(node)
    flow.append({"Type": "EndSurvey", "FlowID": "FL_99"})

    elements = [
        {
            "SurveyID": SURVEY_ID,
            "Element": "BL",
            "PrimaryAttribute": "Survey Blocks",
            "SecondaryAttribute": None,
            "TertiaryAttribute": None,
            "Payload": blocks,
        },
        {
            "SurveyID": SURVEY_ID,
            "Element": "FL",
            "PrimaryAttribute": "Survey Flow",
            "SecondaryAttribute": None,
            "TertiaryAttribute": None,
            "Payload": {
                "Type": "Root",
                "FlowID": "FL_1",
                "Flow": flow,
                "Properties": {"Count": 99, "RemovedFieldsets": []},
            },
        },
        {
            "SurveyID": SURVEY_ID,
            "Element": "SO",
            "PrimaryAttribute": "Survey Options",
            "SecondaryAttribute": None,
            "TertiaryAttribute": None,
            "Payload": {
                "BackButton": "true",
                "SaveAndContinue": "true",
                "SurveyProtection": "PublicSurvey",
                "SurveyLanguage": "NL",
                "PartialData": "+1 week",
                "NextButton": " → ",
            },
        },
        {
            "SurveyID": SURVEY_ID,
            "Element": "QC",
            "PrimaryAttribute": "Survey Question Count",
            "SecondaryAttribute": str(len(codebook.questions) + 3),
            "TertiaryAttribute": None,
            "Payload": None,
        },
        _element(
            "QID1",
            {
                "QuestionText": "<p><strong>SYNTHETISCHE</strong> vragenlijst&nbsp;— geen echte bevraging.</p>",
                "DataExportTag": "Q0",
                "QuestionType": "DB",
                "Selector": "TB",
                "ChoiceOrder": [],
            },
        ),
        _element(
            "QID2",
            {
                "QuestionText": "Timing",
                "DataExportTag": "Q45",
                "QuestionType": "Timing",
                "Selector": "PageTimer",
                "Choices": {
                    "1": {"Display": "First Click"},
                    "2": {"Display": "Last Click"},
                    "3": {"Display": "Page Submit"},
                    "4": {"Display": "Click Count"},
                },
            },
        ),
        _element(
            "QID98",
            {
                "QuestionText": "Browser Meta Info",
                "DataExportTag": "Q46",
                "QuestionType": "Meta",
                "Selector": "Browser",
                "Choices": {"1": {"Display": "Browser", "TextEntry": 1}, "2": {"Display": "Version", "TextEntry": 1}},
            },
        ),
        _element(
            "QID99",
            {
                "QuestionText": f"<div>{html.escape(TRASHED['text'])}</div>",
                "DataExportTag": TRASHED["tag"],
                "QuestionType": "MC",
                "Selector": "MAVR",
                "SubSelector": "TX",
                "Choices": {str(i): {"Display": label} for i, label in enumerate(TRASHED["choices"], 1)},
                "ChoiceOrder": [str(i) for i in range(1, len(TRASHED["choices"]) + 1)],
            },
        ),
    ]
    elements += [
        _element(qids[question.id], _payload(codebook, question, qids, index))
        for index, question in enumerate(codebook.questions)
    ]
    return {
        "SurveyEntry": {
            "SurveyID": SURVEY_ID,
            "SurveyName": title or codebook.wave.title,
            "SurveyDescription": None,
            "SurveyOwnerID": "UR_0Synthetic",
            "SurveyBrandID": "example",
            "DivisionID": None,
            "SurveyLanguage": "NL",
            "SurveyActiveResponseSet": "RS_0Synthetic",
            "SurveyStatus": "Inactive",
            "SurveyStartDate": "0000-00-00 00:00:00",
            "SurveyExpirationDate": "0000-00-00 00:00:00",
            "SurveyCreationDate": f"{codebook.wave.fieldwork_start.isoformat()} 09:00:00",
            "CreatorID": "UR_0Synthetic",
            "LastModified": f"{codebook.wave.fieldwork_start.isoformat()} 09:30:00",
            "LastAccessed": "0000-00-00 00:00:00",
            "LastActivated": "0000-00-00 00:00:00",
            "Deleted": None,
        },
        "SurveyElements": elements,
    }


def _element(qid: str, payload: dict) -> dict:
    payload = {
        **payload,
        "Configuration": {"QuestionDescriptionOption": "UseText"},
        "QuestionDescription": payload.get("QuestionDescription") or _plain(payload["QuestionText"])[:50],
        "Language": [],
        "QuestionID": qid,
    }
    payload.setdefault("Validation", {"Settings": {"ForceResponse": "OFF", "ForceResponseType": "ON", "Type": "None"}})
    return {
        "SurveyID": SURVEY_ID,
        "Element": "SQ",
        "PrimaryAttribute": qid,
        "SecondaryAttribute": payload["QuestionDescription"],
        "TertiaryAttribute": None,
        "Payload": payload,
    }


def _plain(text: str) -> str:
    from orchestration.survey.qsf import clean_text

    return clean_text(text)


def _payload(codebook: Codebook, question: Question, qids: dict[str, str], index: int) -> dict:
    label = html.escape(question.label, quote=False)
    text = f"<div>{label}</div>" if index % 2 else f"<p>{label}<br></p>"
    payload: dict = {
        "QuestionText": text,
        "DefaultChoices": False,
        "DataExportTag": question.id,
        "QuestionDescription": f"{question.id} {question.section or ''}".strip(),
    }
    if question.type in ("single", "likert5", "multi"):
        payload.update(
            QuestionType="MC",
            Selector={"single": "SAVR", "likert5": "SAHR", "multi": "MAVR"}[question.type],
            SubSelector="TX",
        )
        choices, recodes = {}, {}
        for choice in question.choices:
            spec: dict = {"Display": html.escape(choice.label, quote=False)}
            if choice.exclusive:
                spec["ExclusiveAnswer"] = True
            if choice.code in question.other_text_codes:
                spec["TextEntry"] = TEXT_ENTRY_FLAGS[index % len(TEXT_ENTRY_FLAGS)]
                spec.update(InputHeight=29, InputWidth=200)
            identifier = str(choice_id(question, choice.code))
            choices[identifier] = spec
            recodes[identifier] = str(choice.code)
        payload["Choices"] = dict(sorted(choices.items(), key=lambda item: int(item[0])))
        payload["ChoiceOrder"] = list(choices)
        if any(identifier != code for identifier, code in recodes.items()):
            payload["RecodeValues"] = recodes
        payload["VariableNaming"] = {
            identifier: f"{question.id.lower()}_{code}" for identifier, code in recodes.items()
        }
        payload["NextChoiceId"] = max(int(identifier) for identifier in choices) + 1
    elif question.type == "matrix_multi":
        payload.update(
            QuestionType="Matrix",
            Selector="Likert",
            SubSelector="MultipleAnswer",
            Choices={str(row.code): {"Display": html.escape(row.label, quote=False)} for row in question.rows},
            ChoiceOrder=[str(row.code) for row in question.rows],
            Answers={
                str(choice.code): {
                    "Display": html.escape(choice.label, quote=False),
                    **({"ExclusiveAnswer": True} if choice.exclusive else {}),
                }
                for choice in question.choices
            },
            AnswerOrder=[choice.code for choice in question.choices],
            ChoiceDataExportTags=False,
        )
    else:  # text, number
        payload.update(QuestionType="TE", Selector="SL" if question.type == "number" or question.role else "ML")
        if question.type == "number":
            payload["Validation"] = {
                "Settings": {
                    "ForceResponse": "ON" if question.required else "OFF",
                    "ForceResponseType": "ON",
                    "Type": "ContentType",
                    "MinChars": "1",
                    "ContentType": "ValidNumber",
                    "ValidNumber": {"Min": "0", "Max": "100000", "NumDecimals": "0"},
                }
            }
    if question.required and "ValidNumber" not in json.dumps(payload.get("Validation", {})):
        payload["Validation"] = {"Settings": {"ForceResponse": "ON", "ForceResponseType": "ON", "Type": "None"}}
    if question.shown_if is not None:
        payload["DisplayLogic"] = _display_logic(codebook, question, qids)
    return payload


def _display_logic(codebook: Codebook, question: Question, qids: dict[str, str]) -> dict:
    condition = question.shown_if
    target = codebook.question(condition.question)
    qid = qids[target.id]
    group: dict = {}
    for number, code in enumerate(condition.codes):
        locator = f"q://{qid}/SelectableChoice/{choice_id(target, code)}"
        expression = {
            "LogicType": "Question",
            "QuestionID": qid,
            "QuestionIsInLoop": "no",
            "ChoiceLocator": locator,
            "Operator": "Selected",
            "QuestionIDFromLocator": qid,
            "LeftOperand": locator,
            "Type": "Expression",
            "Description": f'<span class="ConjDesc">{"Or" if number else "If"}</span> '
            f'<span class="QuestionDesc">{html.escape(target.label[:40])}</span> '
            f'<span class="LeftOpDesc">{html.escape(target.choice(code).label)}</span> '
            '<span class="OpDesc">Is Selected</span> ',
        }
        if number:
            expression["Conjuction"] = "Or"  # sic: Qualtrics' spelling
        group[str(number)] = expression
    group["Type"] = "If"
    return {"0": group, "Type": "BooleanExpression", "inPage": False}


def qsf_text(document: dict) -> str:
    """JSON as Qualtrics writes it: ASCII with \\u escapes, and `/` escaped as `\\/` (PHP's json_encode)."""
    return json.dumps(document, indent=4, ensure_ascii=True).replace("/", "\\/") + "\n"


# --- the overlay ------------------------------------------------------------------------------------------


def _flow(value) -> str:
    """A YAML flow value: mappings and lists inline, text quoted when YAML would read it otherwise."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, bool) or isinstance(value, int):
        return str(value).lower() if isinstance(value, bool) else str(value)
    text = str(value)
    if text and all(ch.isalnum() or ch in "_-." for ch in text) and not text[0].isdigit():
        return text
    return json.dumps(text, ensure_ascii=False)


def overlay_entry(question: Question) -> dict:
    """What a QSF cannot say about the question (contract §5.1), in the full codebook's keys."""
    entry: dict = {"id": question.id}
    if question.role:
        entry["role"] = question.role
    if question.unit != "municipality":
        entry["unit"] = question.unit
    if question.type == "likert5":
        entry["type"] = "likert5"
    if question.note:
        entry["note"] = question.note
    if question.report_count:
        entry["report_count"] = question.report_count
    if question.any_of_report:
        entry["any_of_report"] = {"codes": list(question.any_of_report.codes), "report": question.any_of_report.report}
    if question.comparable_to:
        comparison = question.comparable_to
        entry["comparable_to"] = {"wave": comparison.wave, "question": comparison.question}
        if comparison.recode is not None:
            entry["comparable_to"]["recode"] = {code: list(targets) for code, targets in comparison.recode}
    if question.type == "matrix_multi":
        rows = {row.code: {"report_prefix": row.report_prefix} for row in question.rows if row.report_prefix}
        columns = {c.code: {"report_suffix": c.report_suffix} for c in question.choices if c.report_suffix}
        if rows:
            entry["rows"] = rows
        if columns:
            entry["columns"] = columns
    else:
        choices = {c.code: {"report": c.report} for c in question.choices if c.report}
        if choices:
            entry["choices"] = choices
    return entry


def overlay_text(codebook: Codebook, header: str = "") -> str:
    """The overlay codebook.yaml: the wave block, then one line per question that needs one."""
    wave = codebook.wave
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    lines += [
        "wave:",
        f"  id: {wave.id}",
        f"  title: {_flow(wave.title)}",
        f"  fieldwork_start: {wave.fieldwork_start.isoformat()}",
        f"  fieldwork_end: {wave.fieldwork_end.isoformat()}",
        f"  municipality_map: {wave.municipality_map}",
    ]
    if wave.taskforce_reference_date:
        lines.append(f"  taskforce_reference_date: {wave.taskforce_reference_date.isoformat()}")
    lines += ["", "questions:"]
    for question in codebook.questions:
        entry = overlay_entry(question)
        if len(entry) > 1:
            lines.append(f"  - {_flow(entry)}")
    return "\n".join(lines) + "\n"


def write_definition(codebook: Codebook, wave_dir: Path, header: str = "") -> list[Path]:
    """`survey.qsf` and the overlay `codebook.yaml` of the codebook, in the wave's folder."""
    wave_dir.mkdir(parents=True, exist_ok=True)
    qsf, overlay = wave_dir / "survey.qsf", wave_dir / "codebook.yaml"
    qsf.write_text(qsf_text(survey_definition(codebook)), encoding="utf-8")
    overlay.write_text(overlay_text(codebook, header), encoding="utf-8")
    return [qsf, overlay]
