"""Small bases never leave the internal folder (issue 18, item 7): one rule, here, for every output that does.

A figure over fewer than `EXPORT_MIN_UNITS` units (default 5; municipalities, or respondents for a
question with `unit: respondent`) could point at the few municipalities that answered. Every output
outside `exports/<wave_id>/internal/` applies `small_base_rule()`:

- the public exports (`exports.py`) leave such rows out, and their README states the rule (`statement`);
- the report (`report.py`) shows the question, or the matrix row, with "fewer than N municipalities
  answered: not shown" (`note`) instead of its counts, shares, estimates, interval, chart and change;
- a peer group (a municipality scan's benchmark) smaller than this is to be left out the same way (`shown`).

`EXPORT_MIN_UNITS=0` suppresses nothing. The internal files keep every row: they are for the team.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from orchestration import settings

UNIT_NAMES = {"municipality": ("municipality", "municipalities"), "respondent": ("respondent", "respondents")}


@dataclass(frozen=True)
class SmallBaseRule:
    min_units: int

    def __post_init__(self) -> None:
        if self.min_units < 0:
            raise ValueError(f"a minimum of {self.min_units} units: expected 0 or more (0: suppress nothing)")

    @property
    def suppresses(self) -> bool:
        return self.min_units > 0

    def shown(self, n_units: Any) -> bool:
        """Whether a figure over `n_units` units may leave the internal folder (an unknown base may not)."""
        if not self.suppresses:
            return True
        return n_units is not None and not pd.isna(n_units) and int(n_units) >= self.min_units

    def keep(self, frame: pd.DataFrame, base: str = "n_answered") -> pd.DataFrame:
        """The rows of `frame` whose base (`base` column) may be shown."""
        if not self.suppresses:
            return frame
        return frame[[self.shown(n) for n in frame[base]]].reset_index(drop=True)

    def note(self, unit: str = "municipality") -> str:
        """What the report shows instead of a suppressed question's or row's figures."""
        singular, plural = UNIT_NAMES.get(unit, (unit, f"{unit}s"))
        return f"fewer than {self.min_units} {singular if self.min_units == 1 else plural} answered: not shown"

    def statement(self) -> str:
        """The rule in one sentence, as the public README states it."""
        if not self.suppresses:
            return (
                "Nothing is suppressed (EXPORT_MIN_UNITS=0): every row is included, whatever the number of "
                "units that answered."
            )
        units = "unit" if self.min_units == 1 else "units"
        return (
            f"Rows whose base (n_answered) is fewer than {self.min_units} {units} (municipalities; respondents "
            f"for a question with unit respondent) are left out (EXPORT_MIN_UNITS={self.min_units}); "
            "the report does not show them either."
        )


def small_base_rule(min_units: int | None = None) -> SmallBaseRule:
    """The rule with `min_units`, or with `EXPORT_MIN_UNITS` (`settings.export_min_units`) when None."""
    return SmallBaseRule(settings.export_min_units() if min_units is None else min_units)
