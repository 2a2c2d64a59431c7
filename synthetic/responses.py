"""One survey response as Python objects: what the synthetic generator produces and the export writer writes.

Answers are keyed by question id and typed by question type:

| question type  | answer value                                      |
|----------------|---------------------------------------------------|
| single, likert5| `int` (the recode value)                          |
| multi          | `frozenset[int]` of selected codes                |
| matrix_multi   | `dict[int, frozenset[int]]`: row code -> columns  |
| text           | `str`                                             |
| number         | `int`                                             |

`SEEN_UNANSWERED` marks a question the respondent saw but skipped, which Qualtrics exports as `-99`
(or `0` in split multi columns). A question absent from `answers` was not shown: an empty cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class _SeenUnanswered:
    _instance = None

    def __new__(cls) -> _SeenUnanswered:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SEEN_UNANSWERED"


SEEN_UNANSWERED = _SeenUnanswered()

Answer = int | str | frozenset | dict | _SeenUnanswered

# Qualtrics' metadata columns, in export order (contract §1).
METADATA_COLUMNS = (
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
)


@dataclass
class SurveyResponse:
    """One export row. `metadata` maps METADATA_COLUMNS names to the exported text."""

    response_id: str
    metadata: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    other_texts: dict[tuple[str, int], str] = field(default_factory=dict)
    extra_columns: dict[str, str] = field(default_factory=dict)
