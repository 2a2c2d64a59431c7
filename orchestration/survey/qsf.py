"""Qualtrics' survey definition (`survey.qsf`) plus an overlay `codebook.yaml` → the wave's Codebook
(contract §5.1).

`read_survey_definition` reads a QSF the way Qualtrics means it and returns the questionnaire in the
full codebook's shape (the dicts `parse_codebook` reads), with a finding for everything it cannot tabulate.
`load_qsf_codebook` lays the overlay over it (the `wave:` block and only what a QSF cannot say) and gives
the same `Codebook` a hand-written codebook.yaml gives; every overlay mistake is one line of one
`CodebookError` that names the file, the question and the fix.

What Qualtrics writes, and how it is read (tests/test_qsf.py has one test per quirk):

- the file is JSON, `SurveyEntry` + `SurveyElements`; the API's `survey-definitions` endpoint wraps it in
  `{"result": …, "meta": …}`. Ids are strings or numbers (`ChoiceOrder: ["1", "2"]` or `[1, 2]`), and so
  are recode values and flags (`TextEntry: "true"`, `true` or `1`);
- the blocks (`Element: "BL"`, a list or an object of blocks) hold the questions in `BlockElements`; a block
  of `Type: "Trash"` holds deleted questions, which do not exist; the survey flow (`Element: "FL"`) gives
  the order, walked depth first through `BlockRandomizer`, `Group`, `Branch` and the like (a randomiser
  shows its blocks in any order: they are listed in flow order); a block the flow never reaches is never
  shown, so its questions are a finding;
- a question (`Element: "SQ"`) is named by its `DataExportTag` (what the CSV columns use); its `QuestionID`
  (`QID12`) is what display logic refers to. Texts are HTML: tags are removed, entities decoded and
  white space folded;
- `Choices` is an object keyed by choice id, or a list whose index is the choice id; a choice's code is
  `RecodeValues[choice id]` when there are recode values (an object, a list, or `[]` for none);
  `VariableNaming` only names the choices in SPSS and is no recode;
- matrices: rows are `Choices` (row code = choice id), columns are `Answers` (code = recode value);
  `ChoiceDataExportTags` other than `false` renames every row's export column, which the contract's
  `<tag>_<row>` columns cannot hold;
- `DB` (descriptive text), `Meta` (browser meta info) and `Timing` are no questions; any other type the
  warehouse does not tabulate is a finding, never an error.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.survey.codebook import (
    _ID_PATTERN,
    Codebook,
    CodebookError,
    _parse_question,
    parse_codebook,
    read_codebook_yaml,
)
from orchestration.survey.landing import QSF_NAME

NOT_TABULATED = "question not tabulated"
LOGIC_NOT_READ = "display logic not read"
TEXT_ENTRY_NOT_TABULATED = "text entry not tabulated"
FINDING_TYPES = (NOT_TABULATED, LOGIC_NOT_READ, TEXT_ENTRY_NOT_TABULATED)

SINGLE_SELECTORS = {"SAVR", "SAHR", "SACOL", "DL", "SB"}
MULTI_SELECTORS = {"MAVR", "MAHR", "MACOL", "MSB"}
TEXT_SELECTORS = {"SL", "ML", "ESTB"}
NO_QUESTION_TYPES = {"DB", "Meta", "Timing"}
# Names of the types and selectors a finding speaks of (Qualtrics' own words).
TYPE_NAMES = {
    "RO": "rank order",
    "Slider": "slider",
    "CS": "constant sum",
    "PGR": "pick, group and rank",
    "SBS": "side by side",
    "DD": "drill down",
    "HotSpot": "hot spot",
    "HeatMap": "heat map",
    "HL": "highlight",
    "FileUpload": "file upload",
    "Draw": "signature",
    "Captcha": "captcha",
    "GAP": "gap analysis",
    "TreeSelect": "tree select",
    "Timing": "timing",
    "Meta": "meta info",
}
SELECTOR_NAMES = {
    ("MC", "NPS"): "net promoter score",
    ("MC", "GRB"): "graphic multiple choice",
    ("TE", "FORM"): "text entry form",
    ("TE", "PW"): "password",
    ("Matrix", "MaxDiff"): "MaxDiff",
    ("Matrix", "CS"): "constant sum matrix",
    ("Matrix", "RO"): "rank order matrix",
    ("Matrix", "TE"): "text entry matrix",
    ("Matrix", "Bipolar"): "bipolar matrix",
}
_TRUE = {"true", "1", "yes", "on"}
_LOCATOR = re.compile(r"^q://(QID\d+)/SelectableChoice/(\d+)$")
_TAG = re.compile(r"<[^>]*>")
# Overlay keys per level (contract §5.1): only what a QSF cannot say.
OVERLAY_QUESTION_KEYS = {
    "id",
    "role",
    "unit",
    "required",
    "note",
    "type",
    "comparable_to",
    "report_count",
    "any_of_report",
    "choices",
    "rows",
    "columns",
}
OVERLAY_LEVEL_KEYS = {"choices": "report", "rows": "report_prefix", "columns": "report_suffix"}
# Keys of a full codebook that a QSF says: in an overlay they are refused unless they agree with the QSF.
QSF_QUESTION_KEYS = {"label", "section", "exclusive", "exclusive_columns", "other_text", "shown_if", "display_logic"}


@dataclass(frozen=True)
class Finding:
    """Something of the QSF the warehouse does not tabulate: the question (export tag, else QID), the kind
    (one of FINDING_TYPES) and what, in words."""

    question: str
    kind: str
    text: str


@dataclass(frozen=True)
class SurveyDefinition:
    """A QSF read: its questions in survey-flow order in the full codebook's shape, and the findings."""

    source: str
    name: str
    questions: tuple[dict, ...]
    findings: tuple[Finding, ...]

    def question(self, question_id: str) -> dict | None:
        return next((question for question in self.questions if question["id"] == question_id), None)

    def not_tabulated(self, question_id: str) -> Finding | None:
        return next(
            (finding for finding in self.findings if finding.question == question_id and finding.kind == NOT_TABULATED),
            None,
        )


def clean_text(value: Any) -> str:
    """A Qualtrics text without its HTML: `<br>` and block ends become spaces, tags go, entities are decoded
    (`&amp;`, `&nbsp;`, `&#233;`), white space is folded."""
    text = str(value or "")
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\s*/?\s*>", " ", text)
    text = html.unescape(_TAG.sub("", text))
    return " ".join(text.replace("\xa0", " ").split())


def is_true(value: Any) -> bool:
    """Qualtrics' flags: `true`, `"true"`, `1`, `"1"` (and `"ON"`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    return str(value).strip().lower() in _TRUE


def whole_number(value: Any) -> int | None:
    """An id or recode value as an integer (`"3"`, `3`, `3.0`), None when it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def keyed(value: Any) -> dict[str, Any]:
    """An object keyed by id, or a list whose index is the id (how PHP writes 0, 1, 2 … keys), as a dict
    keyed by the id's text; anything else (null, `false`, `[]`) is empty."""
    if isinstance(value, dict):
        return {str(key): item for key, item in value.items()}
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    return {}


def read_json(path: str | Path, data: bytes | None = None) -> Any:
    """The JSON of `path`, or of `data`, its bytes as a loader read them."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8-sig") if data is None else data.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CodebookError(
            str(path),
            [
                f"cannot read the survey definition as JSON: {error} (export it again: "
                "Tools → Import/Export → Export survey)"
            ],
        ) from error


def read_survey_definition(path: str | Path, data: bytes | None = None) -> SurveyDefinition:
    return parse_survey_definition(read_json(path, data), str(path))


def parse_survey_definition(document: Any, source: str = QSF_NAME) -> SurveyDefinition:
    """The questionnaire of a QSF document (see the module's docstring for how it is read)."""
    if (
        isinstance(document, dict)
        and isinstance(document.get("result"), dict)
        and "SurveyElements" in document["result"]
    ):
        document = document["result"]  # as the survey-definitions API returns it
    if not isinstance(document, dict) or not isinstance(document.get("SurveyElements"), list):
        raise CodebookError(
            source,
            [
                "not a Qualtrics survey definition: there is no `SurveyElements` list "
                "(export the survey as .qsf: Tools → Import/Export → Export survey)"
            ],
        )
    elements = [element for element in document["SurveyElements"] if isinstance(element, dict)]
    entry = document.get("SurveyEntry") if isinstance(document.get("SurveyEntry"), dict) else {}
    payloads = {
        str(element["Payload"].get("QuestionID") or element.get("PrimaryAttribute")): element["Payload"]
        for element in elements
        if element.get("Element") == "SQ" and isinstance(element.get("Payload"), dict)
    }
    blocks = [
        block
        for element in elements
        if element.get("Element") == "BL"
        for block in keyed(element.get("Payload")).values()
        if isinstance(block, dict)
    ]
    flow = next((element.get("Payload") for element in elements if element.get("Element") == "FL"), None)
    reader = _Reader(payloads)
    reader.read(blocks, flow)
    return SurveyDefinition(
        source=source,
        name=clean_text(entry.get("SurveyName")),
        questions=tuple(reader.questions),
        findings=tuple(reader.findings),
    )


def _walk(node: Any) -> Iterator[str]:
    """The block ids of a survey flow, depth first in flow order (randomisers, groups, branches: their
    `Flow`; everything else, such as embedded data or an end of survey, has no block)."""
    if isinstance(node, list):
        for child in node:
            yield from _walk(child)
    elif isinstance(node, dict):
        if node.get("Type") in ("Block", "Standard", "Default") and node.get("ID"):
            yield str(node["ID"])
        yield from _walk(node.get("Flow"))


class _Reader:
    def __init__(self, payloads: dict[str, dict]):
        self.payloads = payloads
        self.questions: list[dict] = []
        self.findings: list[Finding] = []
        self.by_qid: dict[str, dict] = {}  # QID → the question read from it (tabulated ones)
        self.pending: list[Finding] = []
        self.codes: dict[str, dict[int, int]] = {}  # QID → choice id → code (what display logic refers to)

    def finding(self, question: str, kind: str, text: str) -> None:
        self.findings.append(Finding(question, kind, text))

    def read(self, blocks: list[dict], flow: Any) -> None:
        by_id = {str(block.get("ID")): block for block in blocks}
        order = list(dict.fromkeys(block_id for block_id in _walk(flow) if block_id in by_id))
        if flow is None:  # no flow at all: the blocks as listed (an old or hand-made file)
            order = [block_id for block_id, block in by_id.items() if block.get("Type") != "Trash"]
        placed: set[str] = set()
        trashed = {qid for block in blocks if block.get("Type") == "Trash" for qid in self.block_qids(block)}
        tags = self.export_tags(blocks, trashed)
        for block_id in order:
            block = by_id[block_id]
            if block.get("Type") == "Trash":
                continue
            for qid in self.block_qids(block):
                if qid in placed or qid in trashed:
                    continue
                placed.add(qid)
                self.read_question(qid, block, tags)
        for block in blocks:
            if block.get("Type") == "Trash" or str(block.get("ID")) in order:
                continue
            for qid in self.block_qids(block):
                payload = self.payloads.get(qid)
                if (
                    qid in placed
                    or qid in trashed
                    or payload is None
                    or payload.get("QuestionType") in NO_QUESTION_TYPES
                ):
                    continue
                placed.add(qid)
                self.finding(
                    self.name(qid),
                    NOT_TABULATED,
                    f"{self.name(qid)} ({qid}) is in block {clean_text(block.get('Description'))!r}, which the "
                    "survey flow never shows: not tabulated (add the block to the survey flow, or move the "
                    "question to the trash)",
                )

    def block_qids(self, block: dict) -> list[str]:
        return [
            str(element.get("QuestionID"))
            for element in block.get("BlockElements") or []
            if isinstance(element, dict) and element.get("Type") == "Question" and element.get("QuestionID")
        ]

    def name(self, qid: str) -> str:
        tag = (self.payloads.get(qid) or {}).get("DataExportTag")
        return str(tag) if tag not in (None, "") else qid

    def export_tags(self, blocks: list[dict], trashed: set[str]) -> dict[str, int]:
        """How many existing questions use each export tag (Qualtrics allows two; the export cannot)."""
        counts: dict[str, int] = {}
        for block in blocks:
            if block.get("Type") == "Trash":
                continue
            for qid in dict.fromkeys(self.block_qids(block)):
                payload = self.payloads.get(qid)
                if qid not in trashed and payload and payload.get("QuestionType") not in NO_QUESTION_TYPES:
                    counts[self.name(qid)] = counts.get(self.name(qid), 0) + 1
        return counts

    def read_question(self, qid: str, block: dict, tags: dict[str, int]) -> None:
        payload = self.payloads.get(qid)
        if payload is None:
            self.finding(
                qid,
                NOT_TABULATED,
                f"block {clean_text(block.get('Description'))!r} names {qid}, "
                "which the survey definition does not hold",
            )
            return
        kind, selector = str(payload.get("QuestionType") or ""), str(payload.get("Selector") or "")
        if kind in NO_QUESTION_TYPES:
            return
        tag = self.name(qid)

        def skip(reason: str) -> None:
            self.finding(
                tag,
                NOT_TABULATED,
                f"{tag} ({qid}) is not tabulated: {reason}; its export columns stay in raw.export_cells",
            )

        reason = self.untabulated_reason(qid, tag, payload, block, tags)
        if reason:
            return skip(reason)
        question: dict[str, Any] = {"id": tag, "section": clean_text(block.get("Description")) or None}
        self.pending = []  # findings that hold only if the question is tabulated
        problem = self.answers(kind, selector, payload, question, qid)
        if problem:
            return skip(problem)
        question["label"] = clean_text(payload.get("QuestionText"))
        if _settings(payload).get("ForceResponse") == "ON":
            question["required"] = True
        condition, logic = self.display_logic(payload.get("DisplayLogic"), tag)
        if condition:
            question["shown_if"] = condition
        elif logic:
            question["display_logic"] = logic
        problems: list[str] = []  # what the codebook loader would refuse in this question on its own
        _parse_question(dict(question), len(self.questions) + 1, {}, problems)
        if problems:
            return skip("; ".join(problem.split(": ", 1)[-1] for problem in problems))
        if logic:
            self.finding(
                tag,
                LOGIC_NOT_READ,
                f"{tag} ({qid}) is shown on display logic the warehouse cannot read "
                f"({logic}): it has no shown_if, so no answer is discarded on it",
            )
        self.findings += self.pending
        self.questions.append(question)
        self.by_qid[qid] = question

    def untabulated_reason(self, qid: str, tag: str, payload: dict, block: dict, tags: dict[str, int]) -> str | None:
        """Why a question's export columns cannot be read as one codebook question, before its type is looked at."""
        if tag == qid and not payload.get("DataExportTag"):
            return "has no export tag (DataExportTag)"
        if not _ID_PATTERN.match(tag):
            return (
                f"export tag {tag!r} is not a letter followed by letters and digits, so its export columns "
                "cannot be told apart (`_` separates a tag from its codes); rename it in Qualtrics, e.g. "
                + re.sub(r"[^A-Za-z0-9]", "", tag or "Q")
            )
        if tags.get(tag, 0) > 1:
            return (
                f"export tag {tag} is used by {tags[tag]} questions, whose export columns cannot be told "
                "apart; give each its own tag in Qualtrics"
            )
        options = block.get("Options") if isinstance(block.get("Options"), dict) else {}
        if str(options.get("Looping") or "None") not in ("None", "false", ""):
            return (
                f"its block {clean_text(block.get('Description'))!r} loops (loop and merge): one column per "
                "loop, which a codebook question cannot hold"
            )
        if payload.get("DynamicChoices"):
            dynamic = payload["DynamicChoices"]
            locator = (dynamic or {}).get("Locator", "") if isinstance(dynamic, dict) else ""
            source = re.search(r"QID\d+", str(locator))
            return (
                "its choices are carried forward"
                + (f" from {self.name(source.group())}" if source else "")
                + ", so the QSF does not list them"
            )
        return None

    def answers(self, kind: str, selector: str, payload: dict, question: dict, qid: str) -> str | None:
        """The question's type and answers from its Qualtrics type, or why it cannot be tabulated."""
        if kind == "MC" and selector in SINGLE_SELECTORS | MULTI_SELECTORS:
            question["type"] = "single" if selector in SINGLE_SELECTORS else "multi"
            return self.choices(payload, question, qid)
        if kind == "Matrix" and str(payload.get("SubSelector") or "") == "MultipleAnswer":
            question["type"] = "matrix_multi"
            return self.matrix(payload, question, question["id"])
        if kind == "TE" and selector in TEXT_SELECTORS:
            question["type"] = "number" if _settings(payload).get("ContentType") == "ValidNumber" else "text"
            return None
        name = SELECTOR_NAMES.get((kind, selector)) or TYPE_NAMES.get(kind)
        sub = str(payload.get("SubSelector") or "")
        if kind == "Matrix" and not name:
            name = {"SingleAnswer": "single-answer matrix", "DL": "drop-down matrix"}.get(sub, "matrix")
        what = " ".join(part for part in (kind, selector, sub if kind == "Matrix" else "") if part)
        return (
            f"a {name} question ({what}), a type the warehouse does not tabulate"
            if name
            else f"its type {what} is not one the warehouse tabulates"
        )

    def choices(self, payload: dict, question: dict, qid: str) -> str | None:
        """`choices`, `exclusive` and `other_text` of an MC question, or why it cannot be tabulated."""
        entries, problem = _options(payload, "Choices", "ChoiceOrder", payload.get("RecodeValues"))
        if problem:
            return problem
        self.codes[qid] = {choice_id: code for choice_id, code, _ in entries}
        choices, exclusive, other = {}, [], []
        for choice_id, code, spec in entries:
            choices[code] = {"label": clean_text(spec.get("Display"))}
            if is_true(spec.get("ExclusiveAnswer")) and question["type"] == "multi":
                exclusive.append(code)
            if is_true(spec.get("TextEntry")):
                other.append(code)
                if choice_id != code:
                    choices[code]["choice_id"] = choice_id
        question["choices"] = choices
        if exclusive:
            question["exclusive"] = exclusive
        if other:
            question["other_text"] = other[0] if len(other) == 1 else other
        return None

    def matrix(self, payload: dict, question: dict, tag: str) -> str | None:
        """Rows (choice ids) and columns (recoded answers) of a multiple-answer matrix."""
        export_tags = payload.get("ChoiceDataExportTags")
        if export_tags and keyed(export_tags) and any(keyed(export_tags).values()):
            return (
                "its rows have their own export tags (ChoiceDataExportTags), so the export's columns are not "
                f"`{tag}_<row>`; remove the row export tags in Qualtrics"
            )
        rows, problem = _options(payload, "Choices", "ChoiceOrder", None)
        if problem:
            return problem
        columns, problem = _options(payload, "Answers", "AnswerOrder", payload.get("RecodeValues"))
        if problem:
            return problem
        question["rows"] = {row_code: {"label": clean_text(spec.get("Display"))} for _, row_code, spec in rows}
        question["columns"] = {code: {"label": clean_text(spec.get("Display"))} for _, code, spec in columns}
        exclusive = [code for _, code, spec in columns if is_true(spec.get("ExclusiveAnswer"))]
        if exclusive:
            question["exclusive_columns"] = exclusive
        for _, row_code, spec in rows:
            if is_true(spec.get("TextEntry")):
                self.pending.append(
                    Finding(
                        tag,
                        TEXT_ENTRY_NOT_TABULATED,
                        f"{tag} row {row_code} ({clean_text(spec.get('Display'))!r}) has a "
                        "text entry: its text column stays in raw.export_cells and is not tabulated",
                    )
                )
        return None

    def display_logic(self, logic: Any, tag: str) -> tuple[dict | None, str | None]:
        """(`shown_if`, None) for display logic the codebook can say, (None, the logic as text) for any
        other, (None, None) for none: one condition, or several joined by Or, each `Selected` on a choice of
        one earlier question (contract §5.1)."""
        if not isinstance(logic, dict) or not logic:
            return None, None
        expressions: list[dict] = []
        for _, group in sorted(
            ((key, value) for key, value in logic.items() if str(key).isdigit()), key=lambda item: int(item[0])
        ):
            if isinstance(group, dict):
                expressions += [
                    value
                    for key, value in sorted(
                        ((key, value) for key, value in group.items() if str(key).isdigit()),
                        key=lambda item: int(item[0]),
                    )
                    if isinstance(value, dict)
                ]
        if not expressions:
            return None, None
        text = " ".join(_expression_text(expression, position, self) for position, expression in enumerate(expressions))
        conjunctions = {
            str(expression.get("Conjuction") or expression.get("Conjunction") or "").lower()
            for expression in expressions[1:]
        }
        if conjunctions - {"or"}:
            return None, text
        targets, choice_ids = set(), []
        for expression in expressions:
            match = _LOCATOR.match(str(expression.get("ChoiceLocator") or expression.get("LeftOperand") or ""))
            if (
                expression.get("LogicType") != "Question"
                or expression.get("Operator") != "Selected"
                or not match
                or is_true(expression.get("QuestionIsInLoop") or "no")
            ):
                return None, text
            targets.add(match.group(1))
            choice_ids.append(int(match.group(2)))
        target_qid = targets.pop() if len(targets) == 1 else None
        target = self.by_qid.get(target_qid) if target_qid else None
        if target is None or target["type"] not in ("single", "multi"):
            return None, text  # several questions, a later or untabulated one, or not a choice question
        codes = []
        for choice_id in choice_ids:  # the locator names the choice id; the codebook speaks in codes
            code = self.codes[target_qid].get(choice_id)
            if code is None:
                return None, text
            codes.append(code)
        codes = list(dict.fromkeys(codes))
        if len(choice_ids) == 1:
            return {"question": target["id"], ("equals" if target["type"] == "single" else "includes"): codes[0]}, None
        return {"question": target["id"], "includes_any": codes}, None


def _expression_text(expression: dict, position: int, reader: _Reader) -> str:
    conjunction = (
        "" if position == 0 else str(expression.get("Conjuction") or expression.get("Conjunction") or "And") + " "
    )
    description = clean_text(expression.get("Description"))
    if description:
        description = re.sub(r"^(If|And|Or)\s+", "", description)
        return conjunction + description
    left = str(expression.get("LeftOperand") or expression.get("ChoiceLocator") or "")
    left = re.sub(r"QID\d+", lambda match: reader.name(match.group()), left)
    parts = [left, str(expression.get("Operator") or ""), str(expression.get("RightOperand") or "")]
    return conjunction + " ".join(part for part in parts if part)


def _settings(payload: dict) -> dict:
    validation = payload.get("Validation")
    settings = validation.get("Settings") if isinstance(validation, dict) else None
    return settings if isinstance(settings, dict) else {}


def _options(
    payload: dict, key: str, order_key: str, recode_values: Any
) -> tuple[list[tuple[int, int, dict]], str | None]:
    """(choice id, code, spec) in display order — `ChoiceOrder`/`AnswerOrder`, then any choice it leaves out —
    or why the options cannot be read: a choice id or recode value that is not a whole number, two choices
    with one code."""
    options = {choice_id: spec for choice_id, spec in keyed(payload.get(key)).items() if isinstance(spec, dict)}
    if not options:
        return [], f"it has no {key}"
    order = [str(item) for item in payload.get(order_key) or [] if str(item) in options]
    order += [choice_id for choice_id in options if choice_id not in order]
    recodes = keyed(recode_values)
    entries, seen = [], {}
    what = "column" if key == "Answers" else "choice"
    for choice_id in dict.fromkeys(order):
        number = whole_number(choice_id)
        if number is None:
            return [], f"{what} id {choice_id!r} is not a whole number"
        code = number
        if choice_id in recodes:
            code = whole_number(recodes[choice_id])
            if code is None:
                return [], f"the recode value {recodes[choice_id]!r} of {what} {choice_id} is not a whole number"
        if code in seen:
            return [], (
                f"{what}s {seen[code]} and {choice_id} have the same recode value {code}, which a codebook "
                "cannot tell apart (give each its own recode value in Qualtrics)"
            )
        seen[code] = choice_id
        entries.append((number, code, options[choice_id]))
    return entries, None


# --- the overlay -------------------------------------------------------------------------------------


def read_overlay(path: str | Path, data: bytes | None = None) -> Any:
    """The overlay's YAML (of `data`, when given), read like a codebook's (no aliases, no key twice)."""
    return read_codebook_yaml(path, data)


def overlay_entries(data: Any, where: str, problems: list[str]) -> list[dict]:
    """The overlay's per-question entries: a list of mappings with `id` (as in a full codebook) or a mapping
    of question id to its keys."""
    raw = data.get("questions") if isinstance(data, dict) else None
    if raw is None:
        return []
    if isinstance(raw, dict):
        raw = [{"id": key, **(value if isinstance(value, dict) else {"?": value})} for key, value in raw.items()]
    if not isinstance(raw, list):
        problems.append(f"{where}: `questions` must be a list of {{id: …, role: …}} entries")
        return []
    entries = []
    for position, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not entry.get("id"):
            problems.append(f"{where}: questions[{position}] needs an `id` (the question's export tag in the QSF)")
            continue
        entries.append(entry)
    return entries


def apply_overlay(
    definition: SurveyDefinition, overlay: Any, overlay_source: str, *, wave_required: bool = True
) -> tuple[dict, frozenset[tuple], list[str]]:
    """The full codebook data of the QSF with the overlay laid over it, the items the overlay added to, and
    every overlay problem (each naming the overlay file, the question and the fix)."""
    problems: list[str] = []
    where = overlay_source
    if overlay is None:
        overlay = {}
    if not isinstance(overlay, dict):
        problems.append(f"{where}: the overlay must be a mapping with `wave:` and `questions:`")
        overlay = {}
    for key in sorted(set(overlay) - {"wave", "questions"}):
        problems.append(f"{where}: unknown top-level key `{key}` (an overlay holds `wave:` and `questions:`)")
    wave = overlay.get("wave")
    if wave_required:
        if not isinstance(wave, dict):
            problems.append(
                f"{where}: `wave:` is missing; add the wave block (id, title, fieldwork_start, "
                "fieldwork_end, municipality_map, taskforce_reference_date): a QSF does not say them"
            )
        elif "municipality_map" not in wave:
            problems.append(
                f"{where}: wave: add `municipality_map: 2019-2024` or `municipality_map: 2025` (the map "
                "the wave's municipalities are on); a QSF does not say it"
            )
    questions = {question["id"]: dict(question) for question in definition.questions}
    overlaid: set[tuple] = set()
    for entry in overlay_entries(overlay, where, problems):
        question_id = str(entry["id"])
        place = f"{where}: question {question_id}"
        question = questions.get(question_id)
        if question is None:
            skipped = definition.not_tabulated(question_id)
            if skipped:
                problems.append(
                    f"{place}: the QSF holds it but it is not tabulated ({skipped.text}); remove it from the overlay"
                )
            else:
                known = ", ".join(question["id"] for question in definition.questions)
                problems.append(
                    f"{place} is not a question of {Path(definition.source).name} (its questions: {known}); "
                    "use the question's export tag, or remove the entry"
                )
            continue
        problems += _lay_over(question, entry, place, overlaid)
    data_questions = list(questions.values())
    if wave_required and not any(question.get("role") == "municipality" for question in data_questions):
        text_ids = [question["id"] for question in data_questions if question["type"] == "text"]
        hint = f" (the question where respondents type their municipality, e.g. {text_ids[0]})" if text_ids else ""
        problems.append(
            f"{where}: no question has `role: municipality`; add under questions: "
            f"`- {{id: {text_ids[0] if text_ids else 'Q1'}, role: municipality}}`{hint}"
        )
    data = {"wave": wave if isinstance(wave, dict) else {}, "questions": data_questions}
    return data, frozenset(overlaid), problems


def _lay_over(question: dict, entry: dict, place: str, overlaid: set[tuple]) -> list[str]:
    """Lays one overlay entry over the question the QSF gives (in place); the overlay's mistakes, each
    with the fix. What the overlay added is recorded in `overlaid` (for `item_source`)."""
    problems = _overlay_key_problems(question, entry, place)
    problems += _lay_over_question_keys(question, entry, place, overlaid)
    problems += _lay_over_items(question, entry, place, overlaid)
    return problems


def _overlay_key_problems(question: dict, entry: dict, place: str) -> list[str]:
    """Keys an overlay question may not have: what the QSF says (unless it says the same), and unknown ones."""
    problems: list[str] = []
    for key in sorted(set(entry) - OVERLAY_QUESTION_KEYS):
        if key in QSF_QUESTION_KEYS:
            if entry[key] != question.get(key):
                said = question.get(key)
                problems.append(
                    f"{place}: `{key}` contradicts the QSF ({'it says ' + repr(said) if said is not None else 'it has none'}); "
                    f"remove `{key}` from the overlay: the QSF says it"
                )
        elif key == "report":
            problems.append(
                f"{place}: `report` belongs to a choice: `choices: {{<code>: {{report: …}}}}` (or "
                "`report_count` for a text question)"
            )
        else:
            problems.append(
                f"{place}: unknown key `{key}` (an overlay question may have: "
                f"{', '.join(sorted(OVERLAY_QUESTION_KEYS - {'id'}))})"
            )
    return problems


def _lay_over_question_keys(question: dict, entry: dict, place: str, overlaid: set[tuple]) -> list[str]:
    """The question-level keys only an overlay can say (role, unit, comparable_to, …; `type: likert5`)."""
    problems: list[str] = []
    question_keys = False
    for key in ("role", "unit", "required", "note", "comparable_to", "report_count", "any_of_report"):
        if key in entry:
            question[key] = entry[key]
            question_keys = True
    if "type" in entry and entry["type"] != question["type"]:
        if entry["type"] == "likert5" and question["type"] == "single":
            codes = sorted(question["choices"])
            if codes != [1, 2, 3, 4, 5]:
                problems.append(
                    f"{place}: `type: likert5` needs the codes 1 to 5, but the QSF gives "
                    f"{', '.join(map(str, codes))}; fix the recode values in Qualtrics or remove the type"
                )
            else:
                question["type"] = "likert5"
                question_keys = True
        else:
            problems.append(
                f"{place}: `type: {entry['type']}` contradicts the QSF ({question['type']}); an overlay "
                "may only say `type: likert5`, for a single question on a 1–5 scale"
            )
    if question_keys:
        overlaid.add((question["id"],))
    return problems


def _lay_over_items(question: dict, entry: dict, place: str, overlaid: set[tuple]) -> list[str]:
    """Report keys on choices, matrix rows and columns (`report`, `report_prefix`, `report_suffix`)."""
    problems: list[str] = []
    levels = {"choices", "rows", "columns"} - (
        {"choices"} if question["type"] == "matrix_multi" else {"rows", "columns"}
    )
    for level in ("choices", "rows", "columns"):
        if level not in entry:
            continue
        if level not in levels:
            fix = (
                "use `rows:` and `columns:`"
                if question["type"] == "matrix_multi"
                else ("use `choices:`" if question.get("choices") else f"a {question['type']} question has none")
            )
            problems.append(f"{place}: `{level}` does not apply to a {question['type']} question ({fix})")
            continue
        given = entry[level]
        if not isinstance(given, dict):
            problems.append(f"{place}: `{level}` must map codes to {{{OVERLAY_LEVEL_KEYS[level]}: …}}")
            continue
        known = question.get(level, {})
        item = {"choices": "choice", "rows": "row", "columns": "column"}[level]
        for code, spec in given.items():
            if code not in known:
                problems.append(
                    f"{place}: {item} {code!r} is not a {item} of {question['id']} in the QSF (its codes: "
                    f"{', '.join(map(str, known))}); use a code the QSF gives (its recode value)"
                )
                continue
            if not isinstance(spec, dict):
                problems.append(f"{place}: {item} {code} must be a mapping such as {{{OVERLAY_LEVEL_KEYS[level]}: …}}")
                continue
            for key, value in spec.items():
                if key == OVERLAY_LEVEL_KEYS[level]:
                    known[code] = {**known[code], key: value}
                    overlaid.add((question["id"], item, code))
                elif key == "label" and clean_text(value) == known[code]["label"]:
                    continue
                elif key == "label":
                    problems.append(
                        f"{place}: {item} {code}: label {value!r} contradicts the QSF "
                        f"({known[code]['label']!r}); remove the label: the QSF says it"
                    )
                else:
                    problems.append(
                        f"{place}: {item} {code}: unknown key `{key}` (an overlay {item} may only have "
                        f"`{OVERLAY_LEVEL_KEYS[level]}`)"
                    )
    return problems


def load_qsf_codebook(
    qsf_path: str | Path,
    overlay_path: str | Path | None,
    *,
    source: str | None = None,
    qsf_data: bytes | None = None,
    overlay_data: bytes | None = None,
) -> Codebook:
    """The wave's codebook from its survey.qsf and overlay codebook.yaml (contract §5.1), read from the files
    or from their bytes as a loader read them; `CodebookError` lists every problem of the pair, each with its
    file, question and fix."""
    qsf_path = Path(qsf_path)
    definition = read_survey_definition(qsf_path, qsf_data)
    if overlay_path is None or (overlay_data is None and not Path(overlay_path).is_file()):
        overlay_name = str(Path(qsf_path).with_name("codebook.yaml"))
        raise CodebookError(
            overlay_name,
            [
                f"{overlay_name} is missing: a wave folder with {QSF_NAME} needs an overlay codebook.yaml beside it with "
                "the `wave:` block (id, title, fieldwork dates, municipality_map, taskforce_reference_date) and "
                "`questions:` naming the municipality question (`- {id: Q1, role: municipality}`); "
                "`make codebook QSF=…` prints a starting point"
            ],
        )
    overlay = read_overlay(overlay_path, overlay_data)
    data, overlaid, problems = apply_overlay(definition, overlay, str(overlay_path))
    name = source or f"{overlay_path} (overlay of {qsf_path.name})"
    if problems:
        raise CodebookError(name, problems)
    codebook = parse_codebook(data, source=name)
    return Codebook(
        wave=codebook.wave,
        questions=codebook.questions,
        source=name,
        origin="qsf",
        overlaid=overlaid,
        findings=tuple((finding.question, finding.kind, finding.text) for finding in definition.findings),
    )


def definition_sha256(paths: Iterable[Path]) -> str:
    """One sha256 over the files a codebook was read from (survey.qsf and its overlay), in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode("utf-8") + b"\0" + Path(path).read_bytes() + b"\0")
    return digest.hexdigest()
