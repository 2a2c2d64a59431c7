"""Reference data shipped in `seeds/`: which files, their keys, and the checks that guard them.

Pure functions over pandas frames, so the Dagster asset stays thin and the tests can call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.settings import REFERENCE_DIR, SURVEY_SEEDS_DIR
from orchestration.warehouse_io import read_csv_as_text


@dataclass(frozen=True)
class ReferenceTable:
    name: str
    key: tuple[str, ...]
    expected_rows: int | None = None


REFERENCE_TABLES = (
    ReferenceTable("municipalities_2019_2024", ("nis_code",), 300),
    ReferenceTable("municipalities_2025", ("nis_code",), 285),
    ReferenceTable("population", ("nis_code", "reference_date")),
    ReferenceTable("belfius_typology_2018", ("nis_code_2018",), 308),
    ReferenceTable("belfius_typology_2019_2024", ("nis_code",), 300),
    ReferenceTable("municipality_mergers", ("old_nis_code", "effective_date")),
    ReferenceTable("deelgemeenten", ("deelgemeente_code",)),
    ReferenceTable("postal_codes_2025", ("postal_code", "nis_code_2025")),
)
# Published figures per wave (`report_figures_<wave>.csv`) and the rules for figures the codebook
# cannot express (`report_figure_rules_<wave>.csv`); stacked with a wave_id column.
FIGURE_TABLES = (
    ReferenceTable("report_figures", ("wave_id", "figure_id")),
    ReferenceTable("report_figure_rules", ("wave_id", "figure_id", "part")),
)


def load_reference_frames(
    reference_dir: Path = REFERENCE_DIR, survey_dir: Path = SURVEY_SEEDS_DIR
) -> dict[str, pd.DataFrame]:
    frames = {table.name: read_csv_as_text(reference_dir / f"{table.name}.csv") for table in REFERENCE_TABLES}
    for table in FIGURE_TABLES:
        per_wave = [
            read_csv_as_text(path).assign(wave_id=path.stem.removeprefix(f"{table.name}_"))
            for path in sorted(survey_dir.glob(f"{table.name}_*.csv"))
        ]
        frames[table.name] = pd.concat(per_wave, ignore_index=True) if per_wave else pd.DataFrame()
    return frames


def _unknown(values: pd.Series, known: pd.Series) -> list[str]:
    return sorted(set(values) - set(known))


def reference_problems(frames: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Every defect per check name; an empty list means the check passed."""
    problems: dict[str, list[str]] = {}
    for table in REFERENCE_TABLES + FIGURE_TABLES:
        frame = frames[table.name]
        found: list[str] = []
        if table.expected_rows is not None and len(frame) != table.expected_rows:
            found.append(f"{table.name}: {len(frame)} rows, expected {table.expected_rows}")
        missing = [column for column in table.key if column not in frame.columns]
        if missing:
            found.append(f"{table.name}: key column(s) {missing} missing")
        else:
            duplicated = frame[frame.duplicated(list(table.key), keep=False)]
            for key in duplicated[list(table.key)].drop_duplicates().itertuples(index=False):
                found.append(f"{table.name}: key {tuple(key)} occurs more than once")
        problems[f"{table.name}_rows_and_keys"] = found

    map_2019 = frames["municipalities_2019_2024"]["nis_code"]
    map_2025 = frames["municipalities_2025"]["nis_code"]
    known: list[str] = []
    for name, column, on_map in (
        ("population", "nis_code", map_2019),
        ("belfius_typology_2019_2024", "nis_code", map_2019),
        ("deelgemeenten", "nis_code", map_2019),
        ("postal_codes_2025", "nis_code_2025", map_2025),
    ):
        known += [f"{name}.{column}: unknown NIS code {code}" for code in _unknown(frames[name][column], on_map)]
    missing_typology = _unknown(map_2019, frames["belfius_typology_2019_2024"]["nis_code"])
    known += [f"belfius_typology_2019_2024: no type for {code}" for code in missing_typology]
    missing_population = _unknown(map_2019, frames["population"]["nis_code"])
    known += [f"population: no figure for {code}" for code in missing_population]
    problems["nis_codes_known"] = known

    mergers = frames["municipality_mergers"]
    merged: list[str] = []
    for effective_date, old_map, new_map in (("2019-01-01", None, map_2019), ("2025-01-01", map_2019, map_2025)):
        batch = mergers[mergers["effective_date"] == effective_date]
        merged += [f"merger {effective_date}: new code {c} not on its map" for c in _unknown(batch["new_nis_code"], new_map)]
        if old_map is not None:
            merged += [f"merger {effective_date}: old code {c} not on the 2019–2024 map" for c in _unknown(batch["old_nis_code"], old_map)]
    unexplained = _unknown(map_2019[~map_2019.isin(mergers.loc[mergers["effective_date"] == "2025-01-01", "old_nis_code"])], map_2025)
    merged += [f"{code} has no 2025 successor (neither unchanged nor merged)" for code in unexplained]
    problems["mergers_point_at_existing_municipalities"] = merged
    return problems
