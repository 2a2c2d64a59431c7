"""Reference data shipped in `seeds/`: which files, and the one check that must stop the load.

Python checks only what dbt cannot: that each file has the key columns its staging model reads (without
them dbt fails on a column error that names no file). Everything about the values — unique keys, row
counts, NIS codes that exist on their map, mergers between existing municipalities, a type and a
population for every municipality — is a dbt test on the staging models
(`dbt_project/models/staging/reference/_reference__models.yml`), shown in Dagster as asset checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.backends.duckdb_io import read_csv_as_text
from orchestration.settings import REFERENCE_DIR, SURVEY_SEEDS_DIR


@dataclass(frozen=True)
class ReferenceTable:
    name: str
    key: tuple[str, ...]


REFERENCE_TABLES = (
    ReferenceTable("municipalities_2019_2024", ("nis_code",)),
    ReferenceTable("municipalities_2025", ("nis_code",)),
    ReferenceTable("population", ("nis_code", "reference_date")),
    ReferenceTable("belfius_typology_2018", ("nis_code_2018",)),
    ReferenceTable("belfius_typology_2019_2024", ("nis_code",)),
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


def reference_problems(frames: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Missing key columns per check name (`<table>_key_columns`); an empty list means the check passed."""
    return {
        f"{table.name}_key_columns": [
            f"{table.name}: key column {column!r} missing"
            for column in table.key
            if column not in frames[table.name].columns
        ]
        for table in REFERENCE_TABLES + FIGURE_TABLES
    }
