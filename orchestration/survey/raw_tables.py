"""The raw layer's tables and their columns: what dbt's sources may rely on.

Loaders build these frames from files; when there is no file at all (a landing directory with
Taskforce snapshots but no wave yet) the tables are still created, empty, from this list.
`tests/test_raw_tables.py` keeps the loaders and this list in step.
"""

from __future__ import annotations

import pandas as pd

RAW_COLUMNS: dict[str, dict[str, str]] = {
    "codebook_waves": {
        "wave_id": "string",
        "title": "string",
        "fieldwork_start": "object",
        "fieldwork_end": "object",
        "municipality_map": "string",
        "taskforce_reference_date": "object",
        "source_file": "string",
        "file_sha256": "string",
        "loaded_at": "datetime64[us, UTC]",
    },
    "codebook_questions": {
        "wave_id": "string",
        "question_id": "string",
        "position": "int64",
        "section": "string",
        "question_type": "string",
        "label": "string",
        "unit": "string",
        "is_required": "bool",
        "role": "string",
        "other_text_code": "Int64",
        "shown_if_question_id": "string",
        "shown_if_operator": "string",
        "shown_if_codes": "object",
        "report_count_figure_id": "string",
        "any_of_report_codes": "object",
        "any_of_report_figure_id": "string",
        "note": "string",
        "comparable_wave_id": "string",
        "comparable_question_id": "string",
        "display_logic_text": "string",
        "item_source": "string",
    },
    "codebook_choices": {
        "wave_id": "string",
        "question_id": "string",
        "choice_code": "int64",
        "label": "string",
        "report_figure_id": "string",
        "report_suffix": "string",
        "is_exclusive": "bool",
        "position": "int64",
        "has_other_text": "bool",
        "text_choice_id": "Int64",
        "item_source": "string",
    },
    "codebook_rows": {
        "wave_id": "string",
        "question_id": "string",
        "row_code": "int64",
        "label": "string",
        "report_prefix": "string",
        "item_source": "string",
    },
    "codebook_comparisons": {
        "wave_id": "string",
        "question_id": "string",
        "choice_code": "int64",
        "compared_wave_id": "string",
        "compared_question_id": "string",
        "compared_choice_code": "Int64",
    },
    # What a wave's survey.qsf holds that the warehouse does not tabulate (contract §5.1): one row per finding.
    "codebook_findings": {
        "wave_id": "string",
        "source_file": "string",
        "question_id": "string",
        "finding_type": "string",
        "finding": "string",
    },
    "export_files": {
        "wave_id": "string",
        "source_file": "string",
        "file_sha256": "string",
        "header_format": "string",
        "delimiter": "string",
        "encoding": "string",
        "n_columns": "int64",
        "n_rows": "int64",
        "loaded_at": "datetime64[us, UTC]",
    },
    "export_columns": {
        "wave_id": "string",
        "source_file": "string",
        "column_position": "int64",
        "column_name": "string",
        "column_label": "string",
        "import_id": "string",
        "time_zone": "string",
        "choice_id": "string",
    },
    "export_rows": {
        "wave_id": "string",
        "source_file": "string",
        "file_sha256": "string",
        "source_row": "int64",
        "source_line": "int64",
        "n_fields": "int64",
        "row_issue": "string",
        "loaded_at": "datetime64[us, UTC]",
    },
    "export_cells": {
        "wave_id": "string",
        "source_file": "string",
        "source_row": "int64",
        "column_position": "int64",
        "column_name": "string",
        "cell_value": "string",
    },
    "taskforce_counts": {
        "source_file": "string",
        "file_sha256": "string",
        "source_row": "int64",
        "peildatum": "string",
        "nis_code": "string",
        "gemeente": "string",
        "personen": "string",
        "minderjarigen": "string",
        "loaded_at": "datetime64[us, UTC]",
    },
    "municipality_name_overrides": {
        "source_file": "string",
        "source_row": "int64",
        "raw_text": "string",
        "nis_code": "string",
        "loaded_at": "datetime64[us, UTC]",
    },
    "open_answer_themes": {
        "source_file": "string",
        "source_row": "int64",
        "theme": "string",
        "pattern": "string",
        "loaded_at": "datetime64[us, UTC]",
    },
}


def empty_frame(table: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in RAW_COLUMNS[table].items()})


def stack_frames(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    """All files' frames of one raw table, or the empty table when there are none."""
    return pd.concat(frames, ignore_index=True) if frames else empty_frame(table)
