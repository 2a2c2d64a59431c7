"""Read a wave's results back from the marts in the generator's terms, to compare with what it intended."""

from __future__ import annotations

from collections import defaultdict


def recovered_answers(warehouse, wave_id: str) -> dict[str, dict[str, object]]:
    """nis -> question -> consolidated answer (int, frozenset, row -> frozenset, True for text)."""
    recovered: dict = defaultdict(dict)
    for nis_code, question_id, question_type, row_code, choice_code in warehouse.execute(
        "select nis_code, question_id, question_type, row_code, choice_code from marts.fct_municipality_answers "
        "where wave_id = ?",
        [wave_id],
    ).fetchall():
        answers = recovered[nis_code]
        if question_type in ("single", "likert5"):
            answers[question_id] = choice_code
        elif question_type == "multi":
            answers[question_id] = answers.get(question_id, frozenset()) | {choice_code}
        elif question_type == "matrix_multi":
            rows = answers.setdefault(question_id, {})
            rows[row_code] = rows.get(row_code, frozenset()) | {choice_code}
        else:
            answers[question_id] = True
    return dict(recovered)


def municipality_level(codebook, answers: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """Answers without the respondent-level questions (Q2 is tabulated per respondent, compared elsewhere)."""
    return {
        nis: {q: a for q, a in given.items() if codebook.question(q).unit != "respondent"}
        for nis, given in answers.items()
    }


def row_verdicts(warehouse, wave_id: str) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(file name, row) -> (status, municipality of a valid row)."""
    return {
        (file.split("/")[-1], row): (status, nis if status == "valid" else None)
        for file, row, status, nis in warehouse.execute(
            "select source_file, source_row, status, nis_code from marts.mart_respondent_resolution where wave_id = ?",
            [wave_id],
        ).fetchall()
    }


def intended_verdicts(sample) -> dict[tuple[str, int], tuple[str, str | None]]:
    return {
        (e.source_file.split("/")[-1], e.row): (e.status, e.nis_code if e.status == "valid" else None)
        for e in sample.intended_rows
    }
