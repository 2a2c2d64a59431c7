"""`python -m orchestration.cli codebook <survey.qsf> [--compare-to <earlier codebook.yaml or survey.qsf>]`
(`make codebook QSF=… [COMPARE_TO=…]`): the wave's full codebook derived from its QSF, as YAML in the
format of `seeds/survey/w1_2023_codebook.yaml`, for a person to review (contract §5.1).

With an earlier wave it also proposes `comparable_to` (and `recode`) per closed question, each with its
evidence as a comment. Precision first: a partner needs the same type (single and likert5 count as one),
the same export tag with a similar text or the same or nearly the same text, and choice labels that account
for every code of the new question (the same label, a near spelling, or labels merged or split: "Positief"
for "Eerder positief" and "Zeer positief", "Ja, een grote impact" for "Ja"). A question with no such
partner, or with two equally good ones, gets no proposal. Nothing here is applied by the warehouse: the
printed codebook, once reviewed, is what a person commits.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.survey.codebook import COMPARABLE_TYPE_GROUPS, CodebookError
from orchestration.survey.landing import CODEBOOK_NAME
from orchestration.survey.qsf import QSF_NAME, SurveyDefinition, apply_overlay, read_overlay, read_survey_definition

NEAR_TEXT = 0.9  # a question text this similar (after folding) is "nearly the same text"
TAG_TEXT = 0.75  # with the same export tag, the texts need only be this similar
NEAR_LABEL = 0.85
KEY_ORDER = (
    "id",
    "section",
    "type",
    "label",
    "required",
    "role",
    "unit",
    "shown_if",
    "display_logic",
    "note",
    "report_count",
    "any_of_report",
    "comparable_to",
    "choices",
    "rows",
    "columns",
    "exclusive",
    "exclusive_columns",
    "other_text",
)


def fold(text: Any) -> str:
    """Case, accents, punctuation and spacing folded: what "the same text" compares."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.findall(r"\w+", text))


def similarity(left: str, right: str) -> float:
    return difflib.SequenceMatcher(None, fold(left), fold(right)).ratio()


@dataclass
class Proposal:
    """`comparable_to` for one question, with the evidence a reviewer reads."""

    wave: str
    question: str
    recode: dict[int, list[int]] | None
    evidence: list[str] = field(default_factory=list)
    rank: tuple = ()

    def as_entry(self) -> dict:
        entry: dict = {"wave": self.wave, "question": self.question}
        if self.recode is not None:
            entry["recode"] = self.recode
        return entry


@dataclass(frozen=True)
class Questionnaire:
    """One side of a comparison: a wave id and its questions in the full codebook's shape."""

    wave_id: str
    questions: list[dict]
    wave: dict | None = None
    definition: SurveyDefinition | None = None
    overlay_path: Path | None = None


def _options(question: dict, level: str) -> dict[int, str]:
    return {code: str((spec or {}).get("label", "")) for code, spec in (question.get(level) or {}).items()}


def match_labels(new: dict[int, str], old: dict[int, str]) -> tuple[dict[int, list[int]], list[str]] | None:
    """Each new code → the earlier codes it stands for, from the labels, with what was matched how; None when
    a new code's label accounts for no earlier label."""
    new_f, old_f = (
        {code: fold(label) for code, label in new.items()},
        {code: fold(label) for code, label in old.items()},
    )
    mapping: dict[int, list[int]] = {}
    claimed: set[int] = set()
    notes: list[str] = []
    for code, label in new_f.items():
        same = [old_code for old_code, old_label in old_f.items() if old_label == label]
        if len(same) == 1:
            mapping[code] = same
            claimed.add(same[0])
    for code, label in new_f.items():
        if code in mapping:
            continue
        near = sorted(
            (
                (difflib.SequenceMatcher(None, label, old_label).ratio(), old_code)
                for old_code, old_label in old_f.items()
                if old_code not in claimed
            ),
            reverse=True,
        )
        if near and near[0][0] >= NEAR_LABEL and (len(near) == 1 or near[0][0] - near[1][0] >= 0.05):
            mapping[code] = [near[0][1]]
            claimed.add(near[0][1])
            notes.append(f"{code} {new[code]!r} ≈ {near[0][1]} {old[near[0][1]]!r}")
    for code, label in new_f.items():
        if code in mapping:
            continue
        words = label.split()
        if not words:
            return None
        # a broader new label standing for several earlier ones ("Positief" ← "Eerder positief", "Zeer positief")
        broader = [
            old_code
            for old_code, old_label in old_f.items()
            if old_code not in claimed and _extends(old_label.split(), words)
        ]
        # a narrower new label that splits one earlier label ("Ja, een grote impact" → "Ja")
        narrower = [old_code for old_code, old_label in old_f.items() if _extends(words, old_label.split())]
        if broader:
            mapping[code] = sorted(broader)
            claimed.update(broader)
            notes.append(f"{code} {new[code]!r} merges " + ", ".join(f"{o} {old[o]!r}" for o in sorted(broader)))
        elif len(narrower) == 1:
            mapping[code] = narrower
            notes.append(f"{code} {new[code]!r} splits {narrower[0]} {old[narrower[0]]!r}")
        else:
            return None
    return mapping, notes


def _extends(longer: list[str], shorter: list[str]) -> bool:
    """`longer` is `shorter` with words before or after it."""
    n = len(shorter)
    return len(longer) > n > 0 and (longer[:n] == shorter or longer[-n:] == shorter)


def propose(new: Questionnaire, earlier: Questionnaire) -> tuple[dict[str, Proposal], dict[str, str]]:
    """`comparable_to` proposals per question id of `new`, and why a question with a plausible partner got none."""
    proposals: dict[str, Proposal] = {}
    declined: dict[str, str] = {}
    earlier_by_id = {question["id"]: question for question in earlier.questions}
    for question in new.questions:
        group = COMPARABLE_TYPE_GROUPS.get(question.get("type"))
        if group is None:
            continue
        candidates = []
        same_tag = earlier_by_id.get(question["id"])
        if same_tag is not None and COMPARABLE_TYPE_GROUPS.get(same_tag.get("type")) != group:
            declined[question["id"]] = (
                f"{earlier.wave_id} {same_tag['id']} has the same export tag but is a {same_tag.get('type')} question"
            )
        for other in earlier.questions:
            if COMPARABLE_TYPE_GROUPS.get(other.get("type")) != group:
                continue
            tag = other["id"] == question["id"]
            text = similarity(question.get("label", ""), other.get("label", ""))
            same_text = fold(question.get("label")) == fold(other.get("label"))
            if not (same_text or text >= NEAR_TEXT or (tag and text >= TAG_TEXT)):
                if tag:
                    declined[question["id"]] = (
                        f"{earlier.wave_id} {other['id']} has the same export tag but another "
                        f"text (similarity {text:.2f})"
                    )
                continue
            matched = _compare_options(question, other)
            if isinstance(matched, str):
                declined[question["id"]] = f"{earlier.wave_id} {other['id']}: {matched}"
                continue
            recode, notes, counts = matched
            evidence = (["same export tag"] if tag else []) + [
                "same text"
                if same_text
                else f"nearly the same text (similarity {text:.2f})"
                if text >= NEAR_TEXT
                else f"similar text (similarity {text:.2f})"
            ]
            evidence.append(counts + (": " + "; ".join(notes) if notes else ""))
            rank = (same_text, text >= NEAR_TEXT, tag, round(text, 2))
            candidates.append(Proposal(earlier.wave_id, other["id"], recode, evidence, rank))
        if not candidates:
            continue
        candidates.sort(key=lambda proposal: proposal.rank, reverse=True)
        best = candidates[0]
        if (
            len(candidates) > 1
            and candidates[1].rank[:3] == best.rank[:3]
            and best.rank[3] - candidates[1].rank[3] < 0.03
        ):
            declined[question["id"]] = (
                f"two equally good partners in {earlier.wave_id}: {best.question} and {candidates[1].question}"
            )
            continue
        proposals[question["id"]] = best
        declined.pop(question["id"], None)
    # One earlier question continued by two new ones: only the better evidenced keeps its proposal.
    by_target: dict[str, list[str]] = {}
    for question_id, proposal in proposals.items():
        by_target.setdefault(proposal.question, []).append(question_id)
    for target, question_ids in by_target.items():
        if len(question_ids) > 1:
            question_ids.sort(key=lambda question_id: proposals[question_id].rank, reverse=True)
            for question_id in question_ids[1:]:
                declined[question_id] = f"{earlier.wave_id} {target} is continued more plausibly by {question_ids[0]}"
                del proposals[question_id]
    return proposals, declined


def _compare_options(question: dict, other: dict) -> tuple[dict | None, list[str], str] | str:
    """(recode or None, label notes, a count line) when the labels account for every code, else why not."""
    if question.get("type") == "matrix_multi":
        notes, counts = [], []
        for level in ("rows", "columns"):
            mine, theirs = _options(question, level), _options(other, level)
            matched = match_labels(mine, theirs)
            if (
                matched is None
                or any(targets != [code] for code, targets in matched[0].items())
                or set(mine) != set(theirs)
            ):
                return f"matrix {level} differ (a matrix compares row by row with the same codes)"
            notes += matched[1]
            counts.append(f"{len(mine)} {level} matched")
        return None, notes, "labels: " + ", ".join(counts)
    mine, theirs = _options(question, "choices"), _options(other, "choices")
    matched = match_labels(mine, theirs)
    if matched is None:
        return "choice labels do not account for every code"
    mapping, notes = matched
    identity = all(targets == [code] for code, targets in mapping.items())
    merged = sum(1 for note in notes if " merges " in note or " splits " in note)
    near = sum(1 for note in notes if " ≈ " in note)
    parts = [f"{len(mapping) - merged - near} of {len(mapping)} labels the same"]
    if near:
        parts.append(f"{near} spelled nearly the same")
    if merged:
        parts.append(f"{merged} merged or split")
    return (
        (None if identity else {code: mapping[code] for code in sorted(mapping)}),
        notes,
        "labels: " + ", ".join(parts),
    )


# --- reading the two sides ---------------------------------------------------------------------------------


def _definition_side(qsf_path: Path, *, overlay_required: bool = False) -> Questionnaire:
    definition = read_survey_definition(qsf_path)
    overlay_path = qsf_path.with_name(CODEBOOK_NAME)
    overlay = read_overlay(overlay_path) if overlay_path.is_file() else None
    if overlay is None:
        return Questionnaire(qsf_path.parent.name, [dict(q) for q in definition.questions], None, definition, None)
    data, _, problems = apply_overlay(definition, overlay, str(overlay_path), wave_required=False)
    if problems:
        raise CodebookError(str(overlay_path), problems)
    wave = overlay.get("wave") if isinstance(overlay, dict) and isinstance(overlay.get("wave"), dict) else None
    wave_id = str(wave["id"]) if wave and wave.get("id") else qsf_path.parent.name
    return Questionnaire(wave_id, data["questions"], wave, definition, overlay_path)


def read_side(path: str | Path) -> Questionnaire:
    """A wave's questions from its survey.qsf (with the overlay beside it, if any) or its codebook.yaml (the
    overlay of a survey.qsf beside it, or a full codebook)."""
    path = Path(path)
    if path.suffix.lower() == ".qsf" or path.name == QSF_NAME:
        return _definition_side(path)
    if (path.parent / QSF_NAME).is_file():
        return _definition_side(path.parent / QSF_NAME)
    data = read_overlay(path)  # a full codebook: the same YAML rules
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise CodebookError(str(path), ["not a codebook: it has no `questions:` list"])
    wave = data.get("wave") if isinstance(data.get("wave"), dict) else {}
    return Questionnaire(
        str(wave.get("id") or path.parent.name), [q for q in data["questions"] if isinstance(q, dict)], wave
    )


# --- the printed codebook ----------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(
                f"{_scalar(key)}: " + (json.dumps(item, ensure_ascii=False) if key == "label" else _scalar(item))
                for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text  # a date, as YAML reads it
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", text) and text.lower() not in (
        "true",
        "false",
        "null",
        "yes",
        "no",
        "on",
        "off",
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in text.splitlines()]


def render(
    new: Questionnaire,
    proposals: dict[str, Proposal] | None,
    declined: dict[str, str],
    earlier: Questionnaire | None,
    source: str,
) -> str:
    lines = [
        f"# Codebook of {source}, derived from Qualtrics' survey definition by `make codebook`",
        "# (docs/ADD_A_WAVE.md). Review it before use: nothing here is applied by the warehouse.",
    ]
    if new.overlay_path:
        lines.append(
            f"# The overlay {new.overlay_path} is applied (its wave block, roles, units, report keys, comparable_to)."
        )
    if earlier is not None:
        lines.append(
            f"# comparable_to proposals: against {earlier.wave_id} (each with its evidence; a question "
            "without one had no convincing partner)."
        )
    findings = new.definition.findings if new.definition else ()
    if findings:
        lines.append("# What the survey definition holds that the warehouse does not tabulate (findings per wave):")
        lines += [f"#   {finding.kind}: {finding.text}" for finding in findings]
    lines += ["", "wave:"]
    wave = new.wave or {}
    todo = {
        "id": "TODO  # lower-case letters, digits, _: the folder name under waves/",
        "title": _scalar(new.definition.name) + "  # TODO: check" if new.definition and new.definition.name else "TODO",
        "fieldwork_start": "TODO  # YYYY-MM-DD",
        "fieldwork_end": "TODO  # YYYY-MM-DD",
        "municipality_map": "TODO  # 2019-2024 (300 municipalities) or 2025 (285)",
        "taskforce_reference_date": "TODO  # YYYY-MM-DD, or remove the line",
    }
    for key, placeholder in todo.items():
        value = wave.get(key)
        lines.append(
            f"  {key}: {_scalar(value.isoformat() if hasattr(value, 'isoformat') else value)}"
            if value is not None
            else f"  {key}: {placeholder}"
        )
    lines += ["", "questions:"]
    has_municipality = any(question.get("role") == "municipality" for question in new.questions)
    for question in new.questions:
        lines.append("")
        if (
            not has_municipality
            and question.get("type") == "text"
            and question is next(q for q in new.questions if q.get("type") == "text")
        ):
            lines.append("  # TODO: add `role: municipality` to the question where respondents type their municipality")
        if question.get("type") == "single" and sorted(question.get("choices") or {}) == [1, 2, 3, 4, 5]:
            lines.append("  # TODO: `type: likert5` if these five codes are an ordered scale")
        first = True
        for key in KEY_ORDER:
            if key == "comparable_to":
                lines += _comparison_lines(question, proposals, declined, earlier)
                continue
            if key not in question:
                continue
            value = question[key]
            prefix = "  - " if first else "    "
            first = False
            if key == "display_logic":
                lines += _comment(f"display logic the warehouse cannot read (no shown_if): {value}", "    ")
                lines.append(f"{prefix}{key}: {_scalar(value)}")
            elif key in ("choices", "rows", "columns"):
                lines.append(f"{prefix}{key}:")
                lines += [f"      {code}: {_scalar(spec)}" for code, spec in value.items()]
            else:
                shown = json.dumps(value, ensure_ascii=False) if key == "label" else _scalar(value)
                lines.append(f"{prefix}{key}: {shown}")
    return "\n".join(lines) + "\n"


def _comparison_lines(
    question: dict, proposals: dict[str, Proposal] | None, declined: dict[str, str], earlier: Questionnaire | None
) -> list[str]:
    given = question.get("comparable_to")
    proposal = (proposals or {}).get(question["id"])
    lines: list[str] = []
    if given is not None:
        if proposals is not None:
            if proposal is None:
                lines.append(
                    f"    # comparable_to from the overlay; the comparison with {earlier.wave_id} proposes none"
                    + (f" ({declined[question['id']]})" if question["id"] in declined else "")
                )
            elif proposal.as_entry() == given:
                lines.append(
                    "    # comparable_to from the overlay; the comparison agrees: " + "; ".join(proposal.evidence)
                )
            else:
                lines.append(
                    f"    # comparable_to from the overlay; the comparison proposes instead "
                    f"{_scalar(proposal.as_entry())}: " + "; ".join(proposal.evidence)
                )
        lines.append(f"    comparable_to: {_scalar(given)}")
    elif proposal is not None:
        lines.append("    # PROPOSED, review: " + "; ".join(proposal.evidence))
        lines.append(f"    comparable_to: {_scalar(proposal.as_entry())}")
    elif question["id"] in declined and proposals is not None:
        lines.append(f"    # no comparable_to proposed: {declined[question['id']]}")
    return lines


def draft(qsf: str | Path, compare_to: str | Path | None = None) -> str:
    """The printed codebook of `qsf` (with the overlay beside it, if any), with proposals against `compare_to`."""
    qsf = Path(qsf)
    new = _definition_side(qsf)
    earlier = read_side(compare_to) if compare_to else None
    proposals, declined = propose(new, earlier) if earlier else (None, {})
    return render(new, proposals, declined, earlier, str(qsf))


def main(qsf: str, compare_to: str | None) -> int:
    import sys

    try:
        print(draft(qsf, compare_to), end="")
    except CodebookError as error:
        print(str(error), file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        print(f"{error.filename}: no such file", file=sys.stderr)
        return 1
    return 0
