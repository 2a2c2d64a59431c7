"""Reference data and municipality-name rules as the SYNTHETIC generator sees them.

The generator re-implements the contract's resolution rule (§2) in a few lines so that every messy
municipality text it types can be *verified* to resolve (or not) the way it intends, before it is
written. It reads only `seeds/reference/` through `orchestration.settings`, never the warehouse.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from orchestration.settings import REFERENCE_DIR

WAVE_MAP_START = "2019-01-01"  # mergers effective on or before this date are "merged away before the wave"

# Leading words the contract strips (longest first, so `gemeentebestuur` wins over `gemeente`).
PREFIXES = ("lokaal bestuur", "gemeentebestuur", "stadsbestuur", "gemeente", "stad", "ocmw")

SIZE_CLASSES = ("< 10.000", "10.000 - 20.000", "20.000 - 30.000", "30.000 - 50.000", "> 50.000")


@dataclass(frozen=True)
class Municipality:
    nis_code: str
    name_nl: str
    name_fr: str
    province: str
    belfius_type: str
    is_centrumstad: bool
    population: int  # 2020-01-01
    size_class: str


def size_class(population: int, is_centrumstad: bool) -> str:
    """Gemeente-Stadsmonitor class; centrumsteden form the top class whatever their size."""
    if is_centrumstad or population >= 50000:
        return SIZE_CLASSES[4]
    for limit, label in zip((10000, 20000, 30000, 50000), SIZE_CLASSES):
        if population < limit:
            return label
    return SIZE_CLASSES[4]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def normalise_spaced(text: str) -> str:
    """Contract normalisation, punctuation folded to a space (`Sint-Niklaas` -> `sint niklaas`)."""
    text = re.sub(r"[^0-9a-z]+", " ", _fold(text)).strip()
    return _strip_prefix(text)


def normalise_glued(text: str) -> str:
    """The other plausible reading: punctuation removed, spaces collapsed (`sint-niklaas` -> `sintniklaas`)."""
    text = _fold(text)
    text = re.sub(r"[^0-9a-z\s]+", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return _strip_prefix(text)


def _strip_prefix(text: str) -> str:
    for prefix in PREFIXES:
        if text == prefix:
            return ""
        if text.startswith(prefix + " "):
            return text[len(prefix) + 1 :].strip()
    return text


NORMALISERS: tuple[Callable[[str], str], ...] = (normalise_spaced, normalise_glued)


def levenshtein(a: str, b: str, limit: int | None = None) -> int:
    """Plain edit distance; `limit` lets the caller stop early once the distance exceeds it."""
    if a == b:
        return 0
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if limit is not None and min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _base_name(name: str) -> str:
    """`Deurne (Antwerpen)` -> `Deurne`: people type the deelgemeente without the qualifier."""
    return re.sub(r"\s*\(.*?\)\s*", " ", name).strip()


class Reference:
    """The 2019-2024 map plus everything the resolution rule needs, loaded once."""

    def __init__(self) -> None:
        municipalities = pd.read_csv(REFERENCE_DIR / "municipalities_2019_2024.csv", dtype=str)
        typology = pd.read_csv(REFERENCE_DIR / "belfius_typology_2019_2024.csv", dtype=str)
        population = pd.read_csv(REFERENCE_DIR / "population.csv", dtype={"nis_code": str})
        self.deelgemeenten = pd.read_csv(REFERENCE_DIR / "deelgemeenten.csv", dtype=str)
        self.mergers = pd.read_csv(REFERENCE_DIR / "municipality_mergers.csv", dtype=str)
        self.postal_codes = pd.read_csv(REFERENCE_DIR / "postal_codes_2025.csv", dtype=str)
        pop2020 = population[population["reference_date"] == "2020-01-01"].set_index("nis_code")["population"]
        types = typology.set_index("nis_code")["type_code"]
        self.municipalities: dict[str, Municipality] = {}
        for row in municipalities.itertuples(index=False):
            is_centrumstad = str(row.is_centrumstad) == "True"
            pop = int(pop2020[row.nis_code])
            self.municipalities[row.nis_code] = Municipality(
                nis_code=row.nis_code,
                name_nl=row.name_nl,
                name_fr=row.name_fr,
                province=row.province_name_nl,
                belfius_type=types[row.nis_code],
                is_centrumstad=is_centrumstad,
                population=pop,
                size_class=size_class(pop, is_centrumstad),
            )
        self.codes = sorted(self.municipalities)

    # -- name tables per normaliser -------------------------------------------------------------
    @functools.lru_cache(maxsize=4)  # noqa: B019 (one reference set per process, kept for the run)
    def name_tables(self, normaliser: Callable[[str], str]) -> dict[str, dict[str, set[str]]]:
        """kind -> normalised name -> NIS codes; kinds in the order the contract tries them."""
        tables: dict[str, dict[str, set[str]]] = {"exact": {}, "merged": {}, "deelgemeente": {}}
        for m in self.municipalities.values():
            for name in {m.name_nl, m.name_fr}:
                tables["exact"].setdefault(normaliser(name), set()).add(m.nis_code)
        for row in self.mergers.itertuples(index=False):
            if row.effective_date <= WAVE_MAP_START and row.new_nis_code in self.municipalities:
                tables["merged"].setdefault(normaliser(row.old_name_nl), set()).add(row.new_nis_code)
        for row in self.deelgemeenten.itertuples(index=False):
            if row.nis_code in self.municipalities:
                tables["deelgemeente"].setdefault(normaliser(_base_name(row.name_nl)), set()).add(row.nis_code)
        return tables

    @functools.cached_property
    def postal_to_codes(self) -> dict[str, set[str]]:
        """4-digit postal code -> municipalities of the 2019-2024 map (via 2025 codes and 2025 mergers)."""
        predecessors: dict[str, set[str]] = {}
        for row in self.mergers.itertuples(index=False):
            if row.effective_date > WAVE_MAP_START:
                predecessors.setdefault(row.new_nis_code, set()).add(row.old_nis_code)
        result: dict[str, set[str]] = {}
        for row in self.postal_codes.itertuples(index=False):
            codes = predecessors.get(row.nis_code_2025)
            if codes is None:
                codes = {row.nis_code_2025} if row.nis_code_2025 in self.municipalities else set()
            result.setdefault(row.postal_code, set()).update(codes & set(self.municipalities))
        return result

    @functools.cached_property
    def merger_results_2025(self) -> frozenset[str]:
        return frozenset(self.mergers.loc[self.mergers["effective_date"] > WAVE_MAP_START, "new_nis_code"])

    # -- resolution ------------------------------------------------------------------------------
    def resolve(
        self,
        text: str,
        normaliser: Callable[[str], str] = normalise_spaced,
        overrides: dict[str, str] | None = None,
        fuzzy_scope: str = "all",
    ) -> tuple[str | None, str]:
        """(nis_code or None, method) following contract §2; `fuzzy_scope` 'all' or 'municipality'."""
        norm = normaliser(text or "")
        if not norm:
            return None, "empty"
        for raw, code in (overrides or {}).items():
            if normaliser(raw) == norm:
                return code, "override"
        tables = self.name_tables(normaliser)
        for kind in ("exact", "merged", "deelgemeente"):
            codes = tables[kind].get(norm)
            if codes:
                return (next(iter(codes)), kind) if len(codes) == 1 else (None, f"ambiguous_{kind}")
        if re.fullmatch(r"\d{4}", norm):
            codes = self.postal_to_codes.get(norm, set())
            return (next(iter(codes)), "postal_code") if len(codes) == 1 else (None, "ambiguous_postal_code")
        kinds = ("exact", "merged", "deelgemeente") if fuzzy_scope == "all" else ("exact",)
        best, best_codes = 3, set()
        for kind in kinds:
            for name, codes in tables[kind].items():
                distance = levenshtein(norm, name, limit=2)
                if distance < best:
                    best, best_codes = distance, set(codes)
                elif distance == best:
                    best_codes |= codes
        if best <= 2 and len(best_codes) == 1:
            return next(iter(best_codes)), "fuzzy"
        return None, "unresolved"

    def resolves_robustly(self, text: str, expected: str | None, overrides: dict[str, str] | None = None) -> bool:
        """True when every plausible reading of the rule gives `expected` (None = unresolved)."""
        return all(
            self.resolve(text, normaliser, overrides, scope)[0] == expected
            for normaliser in NORMALISERS
            for scope in ("all", "municipality")
        )

    def all_names(self, normaliser: Callable[[str], str] = normalise_spaced) -> dict[str, set[str]]:
        """Every normalised name (municipality NL/FR, merged-away, deelgemeente) -> NIS codes."""
        names: dict[str, set[str]] = {}
        for table in self.name_tables(normaliser).values():
            for name, codes in table.items():
                names.setdefault(name, set()).update(codes)
        return names


@functools.lru_cache(maxsize=1)
def load_reference() -> Reference:
    return Reference()
