"""What replacing some waves' rows means, on either backend (duckdb_io.WaveTables, postgres_io.PostgresWaveTables).

Rows of some waves are replaced in raw tables that hold every wave, from frames appended piece by piece (a
large export arrives in chunks). Pieces go to `_loading_<table>` tables first, committed as they come (so
memory stays bounded); the raw tables change only at the end, in one transaction, or not at all. Other
waves' rows stay; when the run covers every wave a table holds, the table is re-created (so a changed
column list applies). `wave_ids=None` is a full refresh: each table is re-created from this run's rows
alone, so a wave the landing no longer holds leaves the draft (and publishing then refuses it unless
allowed). A backend writes the SQL: `_create_schema`, `append`, `_discard` and `_swap_in`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


class WaveTablesBase:
    def __init__(self, schema: str, wave_ids: list[str] | None):
        self.schema = schema
        self.wave_ids = None if wave_ids is None else list(wave_ids)
        self.rows: dict[str, int] = {}  # rows appended per table, this run

    def __enter__(self):
        self._create_schema()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self._swap_in()
        else:
            self._discard()

    def finish(self, empty_frames: Mapping[str, pd.DataFrame]) -> None:
        """Tables that got no rows at all still lose the run's waves (created empty when new)."""
        for name, frame in empty_frames.items():
            if name not in self.rows:
                self.append(name, frame)

    def recreates(self, exists: bool, held_waves: set[str]) -> bool:
        """Whether a table (that `exists`, holding `held_waves`) is re-created rather than some of its waves replaced."""
        return not exists or self.wave_ids is None or held_waves <= set(self.wave_ids)

    def _create_schema(self) -> None:
        raise NotImplementedError

    def append(self, name: str, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def _discard(self) -> None:
        raise NotImplementedError

    def _swap_in(self) -> None:
        raise NotImplementedError
