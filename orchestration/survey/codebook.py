"""Typed, validated wave codebook (the questionnaire a Qualtrics export is read against).

A codebook is YAML in the format of `seeds/survey/w1_2023_codebook.yaml`. `load_codebook` returns
an immutable `Codebook` or raises one `CodebookError` that lists every problem with the file name and
the question it concerns, so an analyst can fix a new wave's codebook in one pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import pandas as pd

QUESTION_TYPES = ("single", "multi", "matrix_multi", "likert5", "text", "number")
CHOICE_TYPES = ("single", "multi", "likert5")
UNITS = ("municipality", "respondent")
MUNICIPALITY_MAPS = ("2019-2024", "2025")
# `includes_any` on a single question: its one code is among them (contract §5.1, display logic from a QSF).
DISPLAY_OPERATORS = {
    "equals": ("single", "likert5"),
    "includes": ("multi",),
    "includes_any": ("multi", "single", "likert5"),
}

_WAVE_KEYS = {
    "id",
    "title",
    "fieldwork_start",
    "fieldwork_end",
    "municipality_map",
    "taskforce_reference_date",
    "qualtrics",
}
# `qualtrics: {survey_id: SV_…}` in the wave block connects the wave to its survey (contract §5.2).
SURVEY_ID_PATTERN = re.compile(r"^SV_[A-Za-z0-9]+$")
_QUESTION_KEYS = {
    "id",
    "section",
    "type",
    "label",
    "required",
    "role",
    "unit",
    "choices",
    "rows",
    "columns",
    "exclusive",
    "exclusive_columns",
    "other_text",
    "shown_if",
    "report_count",
    "any_of_report",
    "note",
    "comparable_to",
    "display_logic",
}
_COMPARABLE_KEYS = {"wave", "question", "recode"}
# Contract §4: which question types may continue which (single and likert5 are interchangeable).
COMPARABLE_TYPE_GROUPS = {"single": "single", "likert5": "single", "multi": "multi", "matrix_multi": "matrix_multi"}
_CHOICE_KEYS = {"label", "report", "report_prefix", "report_suffix", "choice_id"}
_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_WAVE_ID_PATTERN = re.compile(r"^[a-z0-9_]+$")


class CodebookError(ValueError):
    """A codebook that cannot be used; `problems` holds one line per defect."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"invalid codebook {source}: {len(problems)} problem(s)\n{listing}")


@dataclass(frozen=True)
class Choice:
    """An answer option; for matrix questions a column. `code` is the Qualtrics recode value."""

    code: int
    label: str
    report: str | None = None
    report_suffix: str | None = None
    exclusive: bool = False
    # Qualtrics' choice id when it differs from the code (a QSF with RecodeValues): the export names the
    # choice's "other" text column `<tag>_<choice id>_TEXT` (contract §5.1).
    choice_id: int | None = None


@dataclass(frozen=True)
class MatrixRow:
    code: int
    label: str
    report_prefix: str | None = None


@dataclass(frozen=True)
class DisplayCondition:
    """`shown_if`: the question is shown when an earlier answer of the same respondent matches."""

    question: str
    operator: str
    codes: tuple[int, ...]

    def holds(self, answer: int | Iterable[int] | None) -> bool:
        if answer is None:
            return False
        selected = {answer} if isinstance(answer, int) else set(answer)
        return bool(selected & set(self.codes))


@dataclass(frozen=True)
class AnyOfReport:
    """A published figure counting units that chose any of `codes`."""

    codes: tuple[int, ...]
    report: str


@dataclass(frozen=True)
class Comparison:
    """`comparable_to`: the earlier wave's question this one continues. `recode` maps each of this
    question's codes to the earlier codes it stands for; None means the same codes (contract §4)."""

    wave: str
    question: str
    recode: tuple[tuple[int, tuple[int, ...]], ...] | None = None

    def compared_codes(self, code: int) -> tuple[int, ...]:
        """The earlier codes `code` stands for: its recode entry, else the same code."""
        return dict(self.recode or ()).get(code, (code,))


@dataclass(frozen=True)
class Question:
    id: str
    position: int
    section: str | None
    type: str
    label: str
    unit: str = "municipality"
    required: bool = False
    role: str | None = None
    choices: tuple[Choice, ...] = ()
    rows: tuple[MatrixRow, ...] = ()
    # The choices with an "other, namely" text field (`other_text: 5` or `other_text: [5, 6]`).
    other_text_codes: tuple[int, ...] = ()
    shown_if: DisplayCondition | None = None
    report_count: str | None = None
    any_of_report: AnyOfReport | None = None
    note: str | None = None
    comparable_to: Comparison | None = None
    # Display logic the warehouse cannot read (from a QSF), kept as text: the question has no `shown_if`.
    display_logic: str | None = None

    @property
    def other_text(self) -> int | None:
        """The (first) choice with an "other" text field; `other_text_codes` lists them all."""
        return self.other_text_codes[0] if self.other_text_codes else None

    def text_column_id(self, code: int) -> int:
        """The id in the export's `<tag>_<id>_TEXT` column of choice `code`'s "other" text."""
        choice_id = self.choice(code).choice_id
        return code if choice_id is None else choice_id

    @property
    def has_choices(self) -> bool:
        return self.type in CHOICE_TYPES or self.type == "matrix_multi"

    @property
    def choice_codes(self) -> tuple[int, ...]:
        return tuple(choice.code for choice in self.choices)

    @property
    def exclusive_codes(self) -> frozenset[int]:
        return frozenset(choice.code for choice in self.choices if choice.exclusive)

    def choice(self, code: int) -> Choice:
        for choice in self.choices:
            if choice.code == code:
                return choice
        raise KeyError(f"{self.id} has no choice {code}")


@dataclass(frozen=True)
class Wave:
    id: str
    title: str
    fieldwork_start: dt.date
    fieldwork_end: dt.date
    municipality_map: str
    taskforce_reference_date: dt.date | None
    qualtrics_survey_id: str | None = None  # the Qualtrics survey the API pulls its responses from


@dataclass(frozen=True)
class Codebook:
    wave: Wave
    questions: tuple[Question, ...]
    source: str = ""
    _by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)
    # Where the questionnaire came from: `codebook` (a full codebook.yaml) or `qsf` (survey.qsf and its
    # overlay, orchestration/survey/qsf.py), the items the overlay added to — (question,), (question,
    # "choice", code), (question, "row", code), (question, "column", code) — and what the QSF holds that
    # is not tabulated: (question id, finding type, finding) per item.
    origin: str = field(default="codebook", compare=False)
    overlaid: frozenset[tuple] = field(default=frozenset(), compare=False, repr=False)
    findings: tuple[tuple[str, str, str], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({question.id: question for question in self.questions})

    def question(self, question_id: str) -> Question:
        return self._by_id[question_id]

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    @property
    def municipality_question(self) -> Question:
        return next(question for question in self.questions if question.role == "municipality")


def load_codebook(path: str | Path, data: bytes | None = None) -> Codebook:
    """The codebook at `path`, or of `data`, its bytes as a loader read them (so what is hashed is parsed)."""
    return parse_codebook(read_codebook_yaml(path, data), source=str(Path(path)))


def read_codebook_yaml(path: str | Path, data: bytes | None = None) -> Any:
    """The YAML of a codebook or an overlay (of `data`, when given): no aliases, no key given twice; any
    problem is a CodebookError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig") if data is None else data.decode("utf-8-sig")
        # libyaml's loader where installed (PyYAML's wheels have it): ten times the pure-Python one.
        loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        alias = first_alias(text, loader_class)
        if alias is not None:
            raise CodebookError(str(path), [alias])
        loader = loader_class(text)
        try:  # composed once: the duplicate-key check and the data read the same nodes
            node = loader.get_single_node()
            duplicates = duplicate_keys(node)
            document = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CodebookError(str(path), [f"cannot read YAML: {error}"]) from error
    if duplicates:
        raise CodebookError(str(path), duplicates)
    return document


def first_alias(text: str, loader_class=yaml.SafeLoader) -> str | None:
    """The problem of a codebook's first YAML alias (`*name`), or None when it has none. Aliases are refused
    before anything is composed: nine levels of nine aliases each (a "billion laughs", about 1 KB) stand for
    nine to the ninth values, which composing, the duplicate-key walk and parsing would each visit in turn
    (minutes, with the refresh lock held). Reading the events is linear in the file; no codebook needs an
    alias (the bundled ones have none), and a value written out is what an analyst reads anyway."""
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, yaml.AliasEvent):
            return (
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not allowed in a codebook: "
                "write the value out"
            )
    return None


def duplicate_keys(node: yaml.Node | None, where: str = "") -> list[str]:
    """Keys given twice in one mapping, anywhere in the document. YAML loaders keep the last one silently,
    so `1:` written twice under a question's choices would relabel code 1 without a word."""
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        first_line: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            name = (key.tag, key.value) if isinstance(key, yaml.ScalarNode) else (key.tag, repr(key))
            line = key.start_mark.line + 1
            if name in first_line:
                what = "code" if where.endswith(("choices", "rows", "columns")) else "key"
                problems.append(
                    f"{where or 'top level'}: {what} `{key.value}` appears twice (lines {first_line[name]} "
                    f"and {line}); every code and key must be unique"
                )
            else:
                first_line[name] = line
            label = f"{where} › {key.value}" if where else str(key.value)
            problems += duplicate_keys(value, label)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value, start=1):
            problems += duplicate_keys(item, _item_name(item, where, position))
    return problems


def _item_name(item: yaml.Node, where: str, position: int) -> str:
    """`question Q3` for a list item with an `id`, else `questions[3]`."""
    if isinstance(item, yaml.MappingNode):
        for key, value in item.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "id" and isinstance(value, yaml.ScalarNode):
                return f"question {value.value}" if where == "questions" else f"{where} {value.value}"
    return f"{where}[{position}]"


def parse_codebook(data: Any, source: str = "<codebook>") -> Codebook:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise CodebookError(source, ["top level must be a mapping with `wave` and `questions`"])
    wave = _parse_wave(data.get("wave"), problems)
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append("`questions` must be a non-empty list")
        raw_questions = []
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(raw_questions, start=1):
        question = _parse_question(raw, position, seen, problems)
        if question is not None:
            questions.append(question)
            seen[question.id] = position
    _check_cross_references(questions, problems)
    if problems or wave is None:
        raise CodebookError(source, problems or ["`wave` is missing"])
    return Codebook(wave=wave, questions=tuple(questions), source=source)


def _parse_date(value: Any, what: str, problems: list[str]) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"wave.{what}: {value!r} is not a date (YYYY-MM-DD)")
        return None


def _parse_wave(raw: Any, problems: list[str]) -> Wave | None:
    if not isinstance(raw, dict):
        problems.append("`wave` must be a mapping")
        return None
    for key in sorted(set(raw) - _WAVE_KEYS):
        problems.append(f"wave: unknown key `{key}`")
    wave_id = str(raw.get("id", ""))
    if not _WAVE_ID_PATTERN.match(wave_id):
        problems.append(f"wave.id {wave_id!r} must be lower-case letters, digits and underscores")
    municipality_map = str(raw.get("municipality_map", ""))
    if municipality_map not in MUNICIPALITY_MAPS:
        problems.append(f"wave.municipality_map {municipality_map!r} is not one of {', '.join(MUNICIPALITY_MAPS)}")
    start = _parse_date(raw.get("fieldwork_start"), "fieldwork_start", problems)
    end = _parse_date(raw.get("fieldwork_end"), "fieldwork_end", problems)
    if start and end and end < start:
        problems.append("wave.fieldwork_end lies before wave.fieldwork_start")
    reference = raw.get("taskforce_reference_date")
    reference_date = _parse_date(reference, "taskforce_reference_date", problems) if reference else None
    survey_id = parse_qualtrics_block(raw.get("qualtrics"), problems)
    if start is None or end is None:
        return None
    return Wave(
        id=wave_id,
        title=str(raw.get("title", wave_id)),
        fieldwork_start=start,
        fieldwork_end=end,
        municipality_map=municipality_map,
        taskforce_reference_date=reference_date,
        qualtrics_survey_id=survey_id,
    )


def parse_qualtrics_block(raw: Any, problems: list[str]) -> str | None:
    """The survey id of `wave.qualtrics` (`{survey_id: SV_…}`), None when the wave has no such block."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"survey_id"}:
        problems.append(
            "wave.qualtrics must be `{survey_id: SV_…}` (the survey's id, from Qualtrics' "
            "Account settings › Qualtrics IDs, or the survey's URL)"
        )
        return None
    survey_id = str(raw["survey_id"]).strip()
    if not SURVEY_ID_PATTERN.match(survey_id):
        problems.append(
            f"wave.qualtrics.survey_id {survey_id!r} is not a Qualtrics survey id (SV_ followed by letters and digits)"
        )
        return None
    return survey_id


def _parse_options(raw: Any, where: str, problems: list[str], what: str) -> list[tuple[int, dict]]:
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: `{what}` must be a non-empty mapping of code to {{label: ...}}")
        return []
    options = []
    for code, spec in raw.items():
        if isinstance(code, bool) or not isinstance(code, int):
            problems.append(f"{where}: {what} code {code!r} is not an integer")
            continue
        if not isinstance(spec, dict) or not str(spec.get("label", "")).strip():
            problems.append(f"{where}: {what} {code} has no label")
            continue
        for key in sorted(set(spec) - _CHOICE_KEYS):
            problems.append(f"{where}: {what} {code} has unknown key `{key}`")
        options.append((code, spec))
    labels = [str(spec["label"]).strip().casefold() for _, spec in options]
    for label in sorted({label for label in labels if labels.count(label) > 1}):
        problems.append(f"{where}: {what} label {label!r} is used twice (choice-text exports could not be read)")
    return options


def _code_list(raw: Any, where: str, key: str, valid: set[int], problems: list[str]) -> tuple[int, ...]:
    values = raw if isinstance(raw, list) else [raw]
    codes = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}: `{key}` value {value!r} is not an integer code")
        elif value not in valid:
            problems.append(f"{where}: `{key}` names code {value}, which is not a choice")
        else:
            codes.append(value)
    return tuple(codes)


def _parse_question(raw: Any, position: int, seen: dict[str, int], problems: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"question #{position}: must be a mapping")
        return None
    question_id = str(raw.get("id", ""))
    where = f"question {question_id or '#' + str(position)}"
    if not _ID_PATTERN.match(question_id):
        problems.append(f"{where}: id {question_id!r} must be a letter followed by letters or digits")
        return None
    if question_id in seen:
        problems.append(f"{where}: id is used twice (questions #{seen[question_id]} and #{position})")
        return None
    for key in sorted(set(raw) - _QUESTION_KEYS):
        problems.append(f"{where}: unknown key `{key}`")
    question_type = raw.get("type")
    if question_type not in QUESTION_TYPES:
        problems.append(f"{where}: type {question_type!r} is not one of {', '.join(QUESTION_TYPES)}")
        return None
    label = str(raw.get("label", "")).strip()
    if not label:
        problems.append(f"{where}: label is missing")
    unit = raw.get("unit", "municipality")
    if unit not in UNITS:
        problems.append(f"{where}: unit {unit!r} is not one of {', '.join(UNITS)}")

    choices, rows = _parse_answers(raw, question_type, where, problems)
    role = raw.get("role")
    if role is not None and role != "municipality":
        problems.append(f"{where}: role {role!r} is unknown (only `municipality`)")
    if role == "municipality" and question_type != "text":
        problems.append(f"{where}: the municipality question must be of type text")

    return Question(
        id=question_id,
        position=position,
        section=raw.get("section"),
        type=question_type,
        label=label,
        unit=unit if unit in UNITS else "municipality",
        required=bool(raw.get("required", False)),
        role=role,
        choices=tuple(choices),
        rows=tuple(rows),
        other_text_codes=_parse_other_text(raw, question_type, choices, where, problems),
        shown_if=_parse_display_condition(raw.get("shown_if"), where, problems),
        report_count=raw.get("report_count"),
        any_of_report=_parse_any_of_report(raw, choices, where, problems),
        note=raw.get("note"),
        comparable_to=_parse_comparison(raw.get("comparable_to"), question_type, where, problems),
        display_logic=raw.get("display_logic"),
    )


def _parse_answers(
    raw: dict, question_type: str, where: str, problems: list[str]
) -> tuple[list[Choice], list[MatrixRow]]:
    """A question's choices (a matrix's columns) and matrix rows; keys that do not fit its type are problems."""
    choices: list[Choice] = []
    rows: list[MatrixRow] = []
    if question_type in CHOICE_TYPES:
        options = _parse_options(raw.get("choices"), where, problems, "choice")
        exclusive = set(
            _code_list(raw.get("exclusive", []), where, "exclusive", {code for code, _ in options}, problems)
        )
        if exclusive and question_type != "multi":
            problems.append(f"{where}: `exclusive` only applies to multi questions")
        for code, spec in options:
            choice_id = spec.get("choice_id")
            if choice_id is not None and not _code_value(choice_id):
                problems.append(f"{where}: choice {code} has choice_id {choice_id!r}, which is not a whole number")
                choice_id = None
            choices.append(
                Choice(
                    code,
                    str(spec["label"]).strip(),
                    spec.get("report"),
                    None,
                    code in exclusive,
                    choice_id if choice_id != code else None,
                )
            )
        if question_type == "likert5" and sorted(c.code for c in choices) != [1, 2, 3, 4, 5]:
            problems.append(f"{where}: likert5 needs exactly the codes 1 to 5")
    elif question_type == "matrix_multi":
        for code, spec in _parse_options(raw.get("rows"), where, problems, "row"):
            rows.append(MatrixRow(code, str(spec["label"]).strip(), spec.get("report_prefix")))
        columns = _parse_options(raw.get("columns"), where, problems, "column")
        exclusive = set(
            _code_list(
                raw.get("exclusive_columns", []), where, "exclusive_columns", {code for code, _ in columns}, problems
            )
        )
        for code, spec in columns:
            choices.append(Choice(code, str(spec["label"]).strip(), None, spec.get("report_suffix"), code in exclusive))
    else:
        for key in ("choices", "rows", "columns", "exclusive", "exclusive_columns", "other_text"):
            if key in raw:
                problems.append(f"{where}: `{key}` makes no sense on a {question_type} question")
    return choices, rows


def _parse_other_text(
    raw: dict, question_type: str, choices: list[Choice], where: str, problems: list[str]
) -> tuple[int, ...]:
    """The codes whose "other, namely" text has a column of its own."""
    other_text: tuple[int, ...] = ()
    if raw.get("other_text") is None or question_type not in CHOICE_TYPES:
        return other_text
    codes = {choice.code for choice in choices}
    for value in raw["other_text"] if isinstance(raw["other_text"], list) else [raw["other_text"]]:
        if not _code_value(value) or value not in codes:
            problems.append(f"{where}: other_text names code {value!r}, which is not a choice")
        elif value not in other_text:
            other_text += (value,)
    return other_text


def _parse_any_of_report(raw: dict, choices: list[Choice], where: str, problems: list[str]) -> AnyOfReport | None:
    if "any_of_report" not in raw:
        return None
    spec = raw["any_of_report"]
    if not isinstance(spec, dict) or not spec.get("report"):
        problems.append(f"{where}: any_of_report needs `codes` and `report`")
        return None
    codes = _code_list(
        spec.get("codes", []), where, "any_of_report.codes", {choice.code for choice in choices}, problems
    )
    return AnyOfReport(codes, str(spec["report"]))


def _code_value(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_comparison(raw: Any, question_type: str, where: str, problems: list[str]) -> Comparison | None:
    """The form of `comparable_to`; whether the earlier wave, question and codes exist is checked
    against that wave's codebook by `comparison_problems`."""
    if raw is None:
        return None
    where = f"{where}: comparable_to"
    if not isinstance(raw, dict) or not raw.get("wave") or not raw.get("question"):
        problems.append(f"{where} needs `wave` and `question` (and optionally `recode`)")
        return None
    for key in sorted(set(raw) - _COMPARABLE_KEYS):
        problems.append(f"{where}: unknown key `{key}`")
    if question_type not in COMPARABLE_TYPE_GROUPS:
        problems.append(f"{where}: a {question_type} question cannot be compared (only closed questions)")
        return None
    recode = None
    if "recode" in raw:
        if not isinstance(raw["recode"], dict) or not raw["recode"]:
            problems.append(f"{where}.recode must map this question's codes to lists of earlier codes")
            return None
        entries = []
        for code, targets in raw["recode"].items():
            values = targets if isinstance(targets, list) else [targets]
            if not _code_value(code) or not all(_code_value(value) for value in values):
                problems.append(f"{where}.recode: {code!r}: {targets!r} is not an integer code and a list of codes")
                continue
            entries.append((code, tuple(sorted(set(values)))))
        recode = tuple(sorted(entries))
    return Comparison(str(raw["wave"]), str(raw["question"]), recode)


class UnusableEarlierCodebook(Exception):
    """Raised by an `earlier_codebook` lookup for a wave whose own codebook is invalid: that problem is
    reported on its own, once, so the questions continuing that wave are not checked against it."""


def comparison_problems(codebook: Codebook, earlier_codebook: Callable[[str], Codebook | None]) -> list[str]:
    """Every problem of the codebook's `comparable_to` entries, checked against the earlier waves'
    codebooks (contract §4): unknown wave (or the wave itself), unknown question, types that do not agree,
    recode keys that are not this question's codes, recode targets or unrecoded codes that the earlier
    question does not have, matrix rows or columns that differ. `earlier_codebook` gives a wave's codebook,
    None for an unknown wave, or raises `UnusableEarlierCodebook` for an invalid one: the questions
    continuing that wave add no problem of their own (they could only repeat "unknown wave" per question)."""

    @functools.cache  # one load per earlier wave, not one per question
    def earlier_of(wave_id: str) -> Codebook | None | UnusableEarlierCodebook:
        try:
            return earlier_codebook(wave_id)
        except UnusableEarlierCodebook as unusable:
            return unusable

    problems: list[str] = []
    for question in codebook.questions:
        comparison = question.comparable_to
        if comparison is None:
            continue
        where = f"question {question.id}: comparable_to {comparison.wave} {comparison.question}"
        if comparison.wave == codebook.wave.id:
            problems.append(f"{where}: a question cannot continue a question of its own wave")
            continue
        earlier = earlier_of(comparison.wave)
        if isinstance(earlier, UnusableEarlierCodebook):
            continue
        if earlier is None:
            problems.append(
                f"{where}: unknown wave {comparison.wave} (not in the landing directory, "
                "and no codebook is bundled for it)"
            )
            continue
        if comparison.question not in earlier:
            problems.append(f"{where}: wave {comparison.wave} has no question {comparison.question}")
            continue
        target = earlier.question(comparison.question)
        if COMPARABLE_TYPE_GROUPS.get(target.type) != COMPARABLE_TYPE_GROUPS[question.type]:
            problems.append(
                f"{where}: types do not agree ({question.type} here, {target.type} in "
                f"{comparison.wave}; single/likert5, multi and matrix_multi compare only among themselves)"
            )
            continue
        problems += _code_problems(question, target, where)
    return problems


def _code_problems(question: Question, target: Question, where: str) -> list[str]:
    """How `question`'s codes (or matrix rows and columns) fail to map onto the earlier `target`'s."""
    comparison = question.comparable_to
    earlier_codes = set(target.choice_codes)
    problems: list[str] = []
    if question.type == "matrix_multi":
        if comparison.recode is not None:
            problems.append(
                f"{where}: a matrix question compares row by row with the same codes; `recode` is not allowed"
            )
        for what, mine, theirs in (
            ("rows", {row.code for row in question.rows}, {row.code for row in target.rows}),
            ("columns", set(question.choice_codes), earlier_codes),
        ):
            if mine != theirs:
                problems.append(
                    f"{where}: matrix {what} differ ({_codes(mine)} here, {_codes(theirs)} in {comparison.wave})"
                )
        return problems
    recoded = dict(comparison.recode or ())
    for code in sorted(set(recoded) - set(question.choice_codes)):
        problems.append(f"{where}: recode key {code} is not a code of {question.id}")
    for code, targets in sorted(recoded.items()):
        for value in targets:
            if value not in earlier_codes:
                problems.append(
                    f"{where}: recode target {value} (of code {code}) is not a code of "
                    f"{comparison.wave} {comparison.question}"
                )
    for code in question.choice_codes:
        if code not in recoded and code not in earlier_codes:
            problems.append(
                f"{where}: code {code} has no recode and {comparison.wave} {comparison.question} has no code {code}"
            )
    return problems


def _codes(codes: set[int]) -> str:
    return "{" + ", ".join(str(code) for code in sorted(codes)) + "}"


def _parse_display_condition(raw: Any, where: str, problems: list[str]) -> DisplayCondition | None:
    if raw is None:
        return None
    operators = [key for key in DISPLAY_OPERATORS if isinstance(raw, dict) and key in raw]
    if not isinstance(raw, dict) or not raw.get("question") or len(operators) != 1 or len(raw) != 2:
        problems.append(f"{where}: shown_if needs `question` and exactly one of {', '.join(DISPLAY_OPERATORS)}")
        return None
    operator = operators[0]
    values = raw[operator] if isinstance(raw[operator], list) else [raw[operator]]
    if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        problems.append(f"{where}: shown_if.{operator} must hold integer codes")
        return None
    return DisplayCondition(str(raw["question"]), operator, tuple(values))


def _check_cross_references(questions: list[Question], problems: list[str]) -> None:
    by_id = {question.id: question for question in questions}
    municipality = [question.id for question in questions if question.role == "municipality"]
    if len(municipality) != 1:
        problems.append(f"exactly one question needs role: municipality (found {len(municipality)})")
    figure_owner: dict[str, str] = {}

    def claim(figure: str | None, owner: str) -> None:
        if figure is None:
            return
        if figure in figure_owner:
            problems.append(f"report figure {figure!r} is claimed by {figure_owner[figure]} and {owner}")
        figure_owner[figure] = owner

    for question in questions:
        condition = question.shown_if
        if condition is not None:
            target = by_id.get(condition.question)
            where = f"question {question.id}: shown_if"
            if target is None:
                problems.append(f"{where} refers to unknown question {condition.question}")
            elif target.position >= question.position:
                problems.append(f"{where} refers to {target.id}, which does not come earlier")
            elif target.type not in DISPLAY_OPERATORS[condition.operator]:
                problems.append(f"{where}.{condition.operator} cannot be used on {target.type} question {target.id}")
            else:
                for code in condition.codes:
                    if code not in target.choice_codes:
                        problems.append(f"{where} names code {code}, which {target.id} does not have")
        for choice in question.choices:
            claim(choice.report, f"{question.id} choice {choice.code}")
            for row in question.rows:
                if row.report_prefix and choice.report_suffix:
                    claim(f"{row.report_prefix}_{choice.report_suffix}", f"{question.id} row {row.code}")
        claim(question.report_count, f"{question.id} (report_count)")
        if question.any_of_report:
            claim(question.any_of_report.report, f"{question.id} (any_of_report)")


def codebook_frames(codebook: Codebook, *, source_file: str, file_sha256: str, loaded_at) -> dict[str, pd.DataFrame]:
    """The codebook as the raw tables dbt reads: waves, questions, choices (matrix columns too), rows, the
    comparisons per choice, and what a QSF holds that is not tabulated (`codebook_findings`). Every question,
    choice and row says where it came from (`item_source`: `codebook`, `qsf`, or `overlay` for an item of
    a QSF that its overlay added to)."""
    import pandas as pd

    from orchestration.survey.raw_tables import RAW_COLUMNS

    wave = codebook.wave

    def item_source(*item) -> str:
        if codebook.origin == "codebook":
            return "codebook"
        return "overlay" if item in codebook.overlaid else codebook.origin

    waves = pd.DataFrame(
        [
            {
                "wave_id": wave.id,
                "title": wave.title,
                "fieldwork_start": wave.fieldwork_start,
                "fieldwork_end": wave.fieldwork_end,
                "municipality_map": wave.municipality_map,
                "taskforce_reference_date": wave.taskforce_reference_date,
                "source_file": source_file,
                "file_sha256": file_sha256,
                "loaded_at": loaded_at,
            }
        ]
    )
    questions = pd.DataFrame([_question_record(wave.id, q, item_source(q.id)) for q in codebook.questions])
    choices = pd.DataFrame(
        [
            {
                "wave_id": wave.id,
                "question_id": q.id,
                "choice_code": c.code,
                "label": c.label,
                "report_figure_id": c.report,
                "report_suffix": c.report_suffix,
                "is_exclusive": c.exclusive,
                "position": position,
                "has_other_text": c.code in q.other_text_codes,
                "text_choice_id": q.text_column_id(c.code) if c.code in q.other_text_codes else None,
                "item_source": item_source(q.id, "column" if q.type == "matrix_multi" else "choice", c.code),
            }
            for q in codebook.questions
            for position, c in enumerate(q.choices, start=1)
        ],
        columns=[
            "wave_id",
            "question_id",
            "choice_code",
            "label",
            "report_figure_id",
            "report_suffix",
            "is_exclusive",
            "position",
            "has_other_text",
            "text_choice_id",
            "item_source",
        ],
    )
    rows = pd.DataFrame(
        [
            {
                "wave_id": wave.id,
                "question_id": q.id,
                "row_code": r.code,
                "label": r.label,
                "report_prefix": r.report_prefix,
                "item_source": item_source(q.id, "row", r.code),
            }
            for q in codebook.questions
            for r in q.rows
        ],
        columns=["wave_id", "question_id", "row_code", "label", "report_prefix", "item_source"],
    )
    # comparable_to resolved per choice (default recode: the same code), so dbt never re-derives it.
    comparisons = pd.DataFrame(
        [
            {
                "wave_id": wave.id,
                "question_id": q.id,
                "choice_code": code,
                "compared_wave_id": q.comparable_to.wave,
                "compared_question_id": q.comparable_to.question,
                "compared_choice_code": compared,
            }
            for q in codebook.questions
            if q.comparable_to is not None
            for code in q.choice_codes
            for compared in (q.comparable_to.compared_codes(code) or (None,))
        ],
        columns=[
            "wave_id",
            "question_id",
            "choice_code",
            "compared_wave_id",
            "compared_question_id",
            "compared_choice_code",
        ],
    )
    findings = pd.DataFrame(
        [
            {
                "wave_id": wave.id,
                "source_file": source_file,
                "question_id": question_id,
                "finding_type": kind,
                "finding": text,
            }
            for question_id, kind, text in codebook.findings
        ],
        columns=list(RAW_COLUMNS["codebook_findings"]),
    )
    # A wave without comparable_to leaves these columns all None (or the table empty): typed as listed anyway.
    questions["other_text_code"] = questions["other_text_code"].astype("Int64")
    questions = questions.astype(
        {column: "string" for column in ("comparable_wave_id", "comparable_question_id", "display_logic_text")}
    )
    choices["text_choice_id"] = choices["text_choice_id"].astype("Int64")
    return {
        "codebook_waves": waves,
        "codebook_questions": questions,
        "codebook_choices": choices,
        "codebook_rows": rows,
        "codebook_comparisons": comparisons.astype(RAW_COLUMNS["codebook_comparisons"]),
        "codebook_findings": findings.astype(RAW_COLUMNS["codebook_findings"]),
    }


def _question_record(wave_id: str, q: Question, item_source: str) -> dict:
    """One row of `raw.codebook_questions`."""
    return {
        "wave_id": wave_id,
        "question_id": q.id,
        "position": q.position,
        "section": q.section,
        "question_type": q.type,
        "label": q.label,
        "unit": q.unit,
        "is_required": q.required,
        "role": q.role,
        "other_text_code": q.other_text,
        "shown_if_question_id": q.shown_if.question if q.shown_if else None,
        "shown_if_operator": q.shown_if.operator if q.shown_if else None,
        "shown_if_codes": list(q.shown_if.codes) if q.shown_if else None,
        "report_count_figure_id": q.report_count,
        "any_of_report_codes": list(q.any_of_report.codes) if q.any_of_report else None,
        "any_of_report_figure_id": q.any_of_report.report if q.any_of_report else None,
        "note": q.note,
        "comparable_wave_id": q.comparable_to.wave if q.comparable_to else None,
        "comparable_question_id": q.comparable_to.question if q.comparable_to else None,
        "display_logic_text": q.display_logic,
        "item_source": item_source,
    }
