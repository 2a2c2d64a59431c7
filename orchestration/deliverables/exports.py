"""Files for colleagues, per wave, from the published warehouse (read-only):
`<folder of WAREHOUSE_DB_PATH>/exports/<wave_id>/internal/` and `.../public/`.

internal: question results and weighted estimates (CSV), one Excel workbook (a sheet per questionnaire
          section and a codebook sheet), the municipality profile as SPSS `.sav` (question texts as variable
          labels, choice labels as value labels) and as Parquet, and every mart of the wave as Parquet
          (its rows; of the municipality dims, the one of its map).
Everything is per wave: its rows, its codebook (sections, labels) and its municipality map.
public:   aggregates only — question results and estimates (CSV and Excel) without the rows the small-base
          rule (`small_bases.py`, EXPORT_MIN_UNITS) keeps inside; no municipality rows, no open answers.
Every text cell of the CSV, Excel and SPSS files goes through `text_cells.as_text`: a label or name that
starts like a formula (`=`, `+`, `-`, `@`, tab, CR) is written with a leading apostrophe, never as a formula.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyreadstat

from orchestration.backends.duckdb_io import connect
from orchestration.deliverables.small_bases import SmallBaseRule, small_base_rule
from orchestration.deliverables.text_cells import as_text, text_frame, write_strings_as_text


def labelled_rows_sql(mart: str, columns: str) -> str:
    """One wave's rows of a per-choice mart with the codebook's section and labels, in questionnaire order
    (marts.mart_codebook: the same labels for question results, estimates, the workbook and the report)."""
    return f"""
    select m.wave_id, c.section, m.question_id, c.question_label, m.row_code, c.row_label, m.choice_code,
           c.choice_label, {columns}
    from marts.{mart} as m
    left join marts.mart_codebook as c
        on m.wave_id = c.wave_id and m.question_id = c.question_id
        and m.row_code is not distinct from c.row_code and m.choice_code is not distinct from c.choice_code
    where m.wave_id = ?
    order by c.question_position, m.row_code nulls first, c.choice_position
    """


QUESTION_RESULTS_SQL = labelled_rows_sql("mart_question_result", "m.unit, m.n_selected, m.n_answered, m.pct")
ESTIMATES_SQL = labelled_rows_sql(
    "mart_weighted_estimate",
    "m.n_answered, m.population_n, m.pct_unweighted, m.pct_weighted, m.ci_lower, m.ci_upper, m.method",
)
CODEBOOK_SQL = """
    select wave_id, question_position, section, question_id, question_type, unit, question_label, row_code,
           row_label, choice_code, choice_label, is_exclusive
    from marts.mart_codebook
    where wave_id = ?
    order by question_position, row_code nulls first, choice_position
"""
PROFILE_COLUMN_LABELS = {
    "wave_id": "Wave",
    "nis_code": "NIS code of the municipality",
    "name_nl": "Municipality",
    "province_name_nl": "Province",
    "size_class": "Size class (inhabitants)",
    "belfius_type_code": "Belfius type",
    "is_centrumstad": "Centrumstad (1 = yes)",
    "population": "Inhabitants",
    "n_questionnaires": "Valid questionnaires",
    "taskforce_persons": "Taskforce: persons received",
    "taskforce_minors": "Taskforce: minors received",
    "taskforce_persons_per_1000": "Taskforce: persons per 1 000 inhabitants",
}
INDICATOR = re.compile(r"^(?P<question>q[0-9a-z]+?)(?:_r(?P<row>\d+))?(?:_c(?P<choice>\d+))?(?P<answered>_answered)?$")


def wave_ids(connection: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in connection.execute(
            "select wave_id from marts.mart_wave_loads where in_landing order by 1"
        ).fetchall()
    ]


def is_synthetic(connection: duckdb.DuckDBPyConnection, wave_id: str) -> bool:
    """True when the wave was built from the bundled synthetic sample (its files say SYNTHETIC)."""
    row = connection.execute("select is_synthetic from marts.mart_wave_loads where wave_id = ?", [wave_id]).fetchone()
    return bool(row and row[0])


def write_exports(
    db_path: str | Path, root: str | Path, *, min_units: int | None = None, waves: list[str] | None = None
) -> list[Path]:
    """Writes every wave's (or the given waves') export folders afresh and returns the files written.
    `min_units`: the small-base rule's minimum, EXPORT_MIN_UNITS when None (`small_bases.small_base_rule`)."""
    rule = small_base_rule(min_units)
    written: list[Path] = []
    with connect(db_path, read_only=True) as connection:
        for wave_id in waves or wave_ids(connection):
            folder = Path(root) / wave_id
            shutil.rmtree(folder, ignore_errors=True)
            written += write_wave_exports(connection, wave_id, folder, rule=rule)
    return written


def write_wave_exports(connection, wave_id: str, folder: Path, *, rule: SmallBaseRule) -> list[Path]:
    results = connection.execute(QUESTION_RESULTS_SQL, [wave_id]).df()
    estimates = connection.execute(ESTIMATES_SQL, [wave_id]).df()
    codebook = connection.execute(CODEBOOK_SQL, [wave_id]).df()
    synthetic = is_synthetic(connection, wave_id)
    written = []
    for profile, folder_results, folder_estimates in (
        ("internal", results, estimates),
        ("public", rule.keep(results), rule.keep(estimates)),
    ):
        out = folder / profile
        out.mkdir(parents=True, exist_ok=True)
        written.append(_write_readme(out, wave_id, profile, synthetic, rule))
        written.append(_write_csv(folder_results, out / "question_results.csv"))
        written.append(_write_csv(folder_estimates, out / "weighted_estimates.csv"))
        written.append(write_workbook(folder_results, folder_estimates, codebook, out / "tables.xlsx"))
    internal = folder / "internal"
    written += write_profile(connection, wave_id, codebook, internal)
    written += write_marts_parquet(connection, wave_id, internal / "marts")
    return written


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    text_frame(frame).to_csv(path, index=False, encoding="utf-8")
    return path


def _write_readme(folder: Path, wave_id: str, profile: str, synthetic: bool, rule: SmallBaseRule) -> Path:
    lines = [f"Wave {wave_id}, {profile} files, written from the published warehouse."]
    if synthetic:
        lines.insert(0, "SYNTHETIC DATA: built from the bundled synthetic sample, not from real survey answers.")
    if profile == "public":
        lines += ["Aggregates only: no municipality rows, no open answers.", rule.statement()]
    else:
        lines.append(
            "Every row, whatever its base: these files stay with the team (the public folder applies "
            "the small-base rule)."
        )
    lines.append(
        "Texts that start like a spreadsheet formula (=, +, -, @, tab, carriage return) begin with an "
        "apostrophe ('), so they are shown as text and never run."
    )
    path = folder / "README.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sheet_name(section: str, taken: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\ and unique."""
    name = re.sub(r"[\[\]:*?/\\]", "_", section or "zonder sectie")[:31]
    base, counter = name, 2
    while name.lower() in taken:
        name = f"{base[:28]}_{counter}"
        counter += 1
    taken.add(name.lower())
    return name


def workbook_tables(results: pd.DataFrame, estimates: pd.DataFrame) -> pd.DataFrame:
    """Question results with the weighted estimate beside each closed choice."""
    keys = ["wave_id", "question_id", "row_code", "choice_code"]
    weighted = estimates[keys + ["pct_weighted", "ci_lower", "ci_upper", "population_n"]]
    return results.merge(weighted, on=keys, how="left")


def write_workbook(results, estimates, codebook, path: Path) -> Path:
    table = workbook_tables(results, estimates)
    taken: set[str] = {"codebook"}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for section in dict.fromkeys(codebook["section"]):
            rows = table[table["section"] == section]
            if not rows.empty:
                text_frame(rows.drop(columns=["section"])).to_excel(
                    writer, sheet_name=sheet_name(section, taken), index=False
                )
        text_frame(codebook).to_excel(writer, sheet_name="codebook", index=False)
        write_strings_as_text(writer.book)
    return path


def profile_labels(columns: list[str], codebook: pd.DataFrame) -> tuple[dict[str, str], dict[str, dict]]:
    """SPSS variable labels (question texts, with the row and choice of a cell) and value labels."""
    questions = codebook.drop_duplicates("question_id")
    questions = questions.set_index(questions["question_id"].str.lower())
    variable_labels, value_labels = dict(PROFILE_COLUMN_LABELS), {}
    for column in columns:
        match = INDICATOR.match(column)
        if column in variable_labels or not match or match["question"] not in questions.index:
            continue
        question = questions.loc[match["question"]]
        entries = codebook[codebook["question_id"] == question["question_id"]]
        label = question["question_label"]
        if match["answered"]:
            variable_labels[column] = f"{label} (answered)"
            value_labels[column] = {1: "answered"}
            continue
        if match["row"]:
            row = entries[entries["row_code"] == int(match["row"])]
            label += f" - {row['row_label'].iloc[0]}" if not row.empty else ""
        if match["choice"]:
            choice = entries[entries["choice_code"] == int(match["choice"])]
            label += f" - {choice['choice_label'].iloc[0]}" if not choice.empty else ""
            value_labels[column] = {0: "not chosen", 1: "chosen"}
        else:
            choices = entries.dropna(subset=["choice_code"]).drop_duplicates("choice_code")
            value_labels[column] = {
                int(code): text for code, text in zip(choices["choice_code"], choices["choice_label"])
            }
        variable_labels[column] = label
    return (
        {column: as_text(label) for column, label in variable_labels.items()},
        {column: {code: as_text(text) for code, text in labels.items()} for column, labels in value_labels.items()},
    )


def profile_columns(connection, wave_id: str) -> list[str]:
    """The profile's columns that belong to the wave: the mart pivots the indicators of every wave into one
    table, so a wave's rows also carry (empty) columns of items only another wave's codebook has."""
    item_columns = connection.execute(
        "select profile_column, bool_or(wave_id = ?) from marts.mart_codebook where profile_column is not null "
        "group by profile_column",
        [wave_id],
    ).fetchall()
    other_waves_only = {column for column, in_wave in item_columns if not in_wave}
    columns = [
        r[0]
        for r in connection.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'mart_municipality_profile' order by ordinal_position"
        ).fetchall()
    ]
    return [column for column in columns if column not in other_waves_only]


def profile_select(connection, wave_id: str) -> str:
    return (
        "select "
        + ", ".join(f'"{column}"' for column in profile_columns(connection, wave_id))
        + f" from marts.mart_municipality_profile where wave_id = '{_quote(wave_id)}'"
    )


def write_profile(connection, wave_id: str, codebook: pd.DataFrame, folder: Path) -> list[Path]:
    """marts.mart_municipality_profile of the wave (its rows and its questions' columns) as SPSS (.sav,
    labelled with the wave's codebook) and Parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    parquet = folder / "municipality_profile.parquet"
    select = profile_select(connection, wave_id)
    connection.execute(f"copy ({select}) to '{_quote(str(parquet))}' (format parquet)")
    frame = connection.execute(select).df()
    for column in frame.columns:
        # SPSS numbers are doubles; missing answers become system-missing.
        if frame[column].dtype.kind in "biuf" or str(frame[column].dtype) in (
            "Int8",
            "Int16",
            "Int32",
            "Int64",
            "boolean",
        ):
            frame[column] = frame[column].astype("Float64").astype(float)
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "").astype(str).map(as_text)
    variable_labels, value_labels = profile_labels(list(frame.columns), codebook)
    sav = folder / "municipality_profile.sav"
    pyreadstat.write_sav(
        frame,
        str(sav),
        column_labels=[variable_labels.get(c, c) for c in frame.columns],
        variable_value_labels=value_labels,
        file_label=f"Municipality profile, wave {wave_id}",
    )
    return [sav, parquet]


# Marts without a wave_id column: those on one municipality map go with the waves on that map
# (marts.mart_wave_loads.municipality_map); the report figures go with the wave whose report they check.
MARTS_ON_MAP = {"dim_municipality": "2019-2024", "dim_municipality_2025": "2025", "mart_taskforce_timeseries": "2025"}
MARTS_WAVE_FILTER = {
    "mart_report_figures": "figure_id in (select figure_id from marts.mart_report_figure_comparison "
    "where wave_id = '{wave_id}')",
}


def wave_marts(connection, wave_id: str) -> dict[str, str]:
    """The marts that belong in the wave's files, each with the filter keeping the wave's rows."""
    (municipality_map,) = connection.execute(
        "select municipality_map from marts.mart_wave_loads where wave_id = ?", [wave_id]
    ).fetchone()
    marts = connection.execute(
        "select table_name, bool_or(column_name = 'wave_id') from information_schema.columns "
        "where table_schema = 'marts' group by table_name order by table_name"
    ).fetchall()
    selected, unknown = {}, []
    for name, has_wave in marts:
        if has_wave:
            selected[name] = f"wave_id = '{_quote(wave_id)}'"
        elif name in MARTS_WAVE_FILTER:
            selected[name] = MARTS_WAVE_FILTER[name].format(wave_id=_quote(wave_id))
        elif name in MARTS_ON_MAP:
            if MARTS_ON_MAP[name] == municipality_map:
                selected[name] = "true"
        else:
            unknown.append(name)
    if unknown:
        raise ValueError(
            f"marts without a wave_id column that no wave is assigned to: {', '.join(unknown)} "
            "(name them in MARTS_ON_MAP or MARTS_WAVE_FILTER of orchestration/deliverables/exports.py)"
        )
    return selected


def write_marts_parquet(connection, wave_id: str, folder: Path) -> list[Path]:
    """Every mart of the wave as Parquet: its rows of the marts with a wave_id, the dims of its map."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, where in wave_marts(connection, wave_id).items():
        path = folder / f"{name}.parquet"
        select = (
            profile_select(connection, wave_id)
            if name == "mart_municipality_profile"
            else f'select * from marts."{name}" where {where}'
        )
        connection.execute(f"copy ({select}) to '{_quote(str(path))}' (format parquet)")
        written.append(path)
    return written


def _quote(text: str) -> str:
    return text.replace("'", "''")
