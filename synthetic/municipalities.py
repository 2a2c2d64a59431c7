"""Which municipalities respond (SYNTHETIC), and how respondents type their municipality's name.

The selection must reproduce the report's coverage tables (3.1 province, 3.2 size class, 3.3 Belfius
type) at once. Municipalities under 1 000 inhabitants (Herstappe) stay out: with the report's minimum of
6 persons received they would reach ~70 per 1 000 and break the per-1 000 figures. All 13 centrumsteden respond, so the search only places the other 159 over the
province x type x size cells: a randomised swap search that only accepts moves that do not increase the
total marginal deviation, restarted until it hits zero. Pelt is forced in so that `Neerpelt` can be typed.
"""

from __future__ import annotations

import random
from collections import Counter

from synthetic.refdata import Reference, levenshtein, normalise_spaced

PROVINCE_TARGETS = {"Antwerpen": 46, "Limburg": 24, "Oost-Vlaanderen": 35, "Vlaams-Brabant": 30, "West-Vlaanderen": 37}
TYPE_TARGETS = {
    "woongemeenten": 56,
    "landelijke_gemeenten": 35,
    "economische_activiteit": 47,
    "verstedelijkte_gemeenten": 16,
    "grote_en_regionale_steden": 13,
    "kustgemeenten": 5,
}
SIZE_TARGETS = {"< 10.000": 28, "10.000 - 20.000": 65, "20.000 - 30.000": 40, "30.000 - 50.000": 26, "> 50.000": 13}
PELT = "72043"
MIN_POPULATION = 1000


def select_responding(reference: Reference, rng: random.Random, max_restarts: int = 200) -> list[str]:
    """172 NIS codes meeting every coverage target; raises if the search fails (it should not)."""
    munis = reference.municipalities
    fixed = [code for code in reference.codes if munis[code].is_centrumstad] + [PELT]
    pool = [code for code in reference.codes if code not in fixed and munis[code].population >= MIN_POPULATION]
    targets = []
    for attr, full in (("province", PROVINCE_TARGETS), ("belfius_type", TYPE_TARGETS), ("size_class", SIZE_TARGETS)):
        left = Counter(full)
        for code in fixed:
            left[getattr(munis[code], attr)] -= 1
        targets.append((attr, left))
    n_free = sum(PROVINCE_TARGETS.values()) - len(fixed)

    def keys(code: str) -> tuple[str, str, str]:
        m = munis[code]
        return m.province, m.belfius_type, m.size_class

    for _ in range(max_restarts):
        chosen = set(rng.sample(pool, n_free))
        counts = [Counter(keys(code)[i] for code in chosen) for i in range(3)]

        def deviation(counts=counts) -> int:
            return sum(
                abs(counts[i][k] - targets[i][1][k]) for i in range(3) for k in set(targets[i][1]) | set(counts[i])
            )

        current = deviation()
        for _step in range(20000):
            if current == 0:
                return sorted(fixed + sorted(chosen))
            over = [
                c for c in sorted(chosen) if any(counts[i][keys(c)[i]] > targets[i][1][keys(c)[i]] for i in range(3))
            ]
            under = [
                c
                for c in pool
                if c not in chosen and any(counts[i][keys(c)[i]] < targets[i][1][keys(c)[i]] for i in range(3))
            ]
            if not over or not under:
                break
            out, into = rng.choice(over), rng.choice(under)
            for i in range(3):
                counts[i][keys(out)[i]] -= 1
                counts[i][keys(into)[i]] += 1
            new = deviation()
            if new <= current:
                chosen.remove(out)
                chosen.add(into)
                current = new
            else:
                for i in range(3):
                    counts[i][keys(out)[i]] += 1
                    counts[i][keys(into)[i]] -= 1
    raise RuntimeError("could not select responding municipalities meeting the coverage targets")


# ---------------------------------------------------------------------------------------------------
# Messy municipality texts
# ---------------------------------------------------------------------------------------------------

UNRESOLVABLE_TEXTS = ("Vlaanderen", "xxx", "Zandvoorde", "3500", "")
"""`Zandvoorde` is a deelgemeente of both Oostende and Zonnebeke; 3500 is Hasselt's postal code, which
points to the 2025 merger of Hasselt and Kortessem (two 2019-2024 municipalities)."""

# Texts the brief asks for by name: the old municipality name and a French name.
FIXED_TEXTS = {PELT: ("Neerpelt", "merged"), "34022": ("Courtrai", "french")}

OVERRIDE_TEMPLATE = "Sociaal Huis {name} (dienst welzijn)"


def _typo_candidates(name: str, rng: random.Random) -> list[str]:
    letters = "aeioulnrst"
    text = name.lower()
    out = []
    for _ in range(40):
        chars = list(text)
        for _edit in range(rng.choice((1, 1, 2))):
            i = rng.randrange(len(chars))
            op = rng.choice(("swap", "drop", "double", "vowel"))
            if op == "swap" and i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            elif op == "drop" and len(chars) > 5:
                del chars[i]
            elif op == "double":
                chars.insert(i, chars[i])
            else:
                chars[i] = rng.choice(letters)
        out.append("".join(chars))
    return out


def make_typo(reference: Reference, code: str, rng: random.Random) -> str | None:
    """A misspelling 1-2 edits from this municipality's name and more than 2 from every other name."""
    m = reference.municipalities[code]
    target = normalise_spaced(m.name_nl)
    if len(target) < 6:
        return None
    others = [name for name, codes in reference.all_names().items() if codes != {code}]
    for candidate in _typo_candidates(m.name_nl, rng):
        norm = normalise_spaced(candidate)
        if not 1 <= levenshtein(norm, target) <= 2:
            continue
        if all(levenshtein(norm, other, limit=2) > 2 for other in others) and reference.resolves_robustly(
            candidate, code
        ):
            return candidate
    return None


def unique_deelgemeente_names(reference: Reference, code: str) -> list[str]:
    """Deelgemeente names of `code` that no other municipality (or municipality name) shares."""
    names = reference.all_names()
    exact = reference.name_tables(normalise_spaced)["exact"]
    rows = reference.deelgemeenten[reference.deelgemeenten["nis_code"] == code]
    out = []
    for name in rows["name_nl"]:
        if "(" in name:
            continue
        norm = normalise_spaced(name)
        if norm in exact or names.get(norm) != {code}:
            continue
        if reference.resolves_robustly(name, code):
            out.append(name)
    return out


def unique_postal_codes(reference: Reference, code: str) -> list[str]:
    """Postal codes pointing to a 2025 municipality that is not a merger result and is this one."""
    out = []
    for row in reference.postal_codes.itertuples(index=False):
        if row.nis_code_2025 in reference.merger_results_2025:
            continue
        if reference.postal_to_codes.get(row.postal_code) == {code} and reference.resolves_robustly(
            row.postal_code, code
        ):
            out.append(row.postal_code)
    return sorted(set(out))


PLAIN_STYLES = (
    "plain",
    "plain",
    "plain",
    "stad",
    "gemeente",
    "lokaal_bestuur",
    "lower",
    "upper_prefix",
    "gemeentebestuur",
    "ocmw",
    "spaces",
)


def plain_variant(name: str, style: str, is_city: bool) -> str:
    if style == "stad":
        return f"{'Stad' if is_city else 'Gemeente'} {name}"
    if style == "gemeente":
        return f"gemeente {name}"
    if style == "lokaal_bestuur":
        return f"LOKAAL BESTUUR {name.upper()}"
    if style == "lower":
        return name.lower()
    if style == "upper_prefix":
        return f"{'STAD' if is_city else 'GEMEENTE'} {name.upper()}"
    if style == "gemeentebestuur":
        return f"{'Stadsbestuur' if is_city else 'Gemeentebestuur'} {name}"
    if style == "ocmw":
        return f"OCMW {name}"
    if style == "spaces":
        return f"  {name.replace('-', ' - ')} "
    return name


def assign_municipality_texts(
    reference: Reference,
    rng: random.Random,
    respondents: list[tuple[str, str]],
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Q1 text per valid respondent ((response_id, nis) pairs) plus the override rows it needs.

    A fixed quota of hard cases is spread first (`Neerpelt`, `Courtrai`, French names, deelgemeenten,
    postal codes, typos, one override); everyone else types a plain or prefixed name. Every text is checked
    with `resolves_robustly` so the generator never relies on a lucky reading of the rule.
    """
    munis = reference.municipalities
    texts: dict[str, str] = {}
    overrides: list[tuple[str, str]] = []
    order = list(respondents)
    rng.shuffle(order)
    quotas = {"french": 5, "deelgemeente": 6, "postal": 5, "typo": 7, "override": 1}
    used_codes: Counter = Counter()
    fixed_left = dict(FIXED_TEXTS)
    for _, kind in FIXED_TEXTS.values():
        if kind in quotas:
            quotas[kind] -= 1
    for response_id, code in order:
        m = munis[code]
        text = None
        if code in fixed_left:
            text = fixed_left.pop(code)[0]
        for kind in [k for k, left in quotas.items() if left > 0 and not used_codes[(k, code)]]:
            if text is not None:
                break
            if kind == "french" and normalise_spaced(m.name_fr) != normalise_spaced(m.name_nl):
                text = rng.choice((m.name_fr, f"Stad {m.name_fr}", m.name_fr.lower()))
            elif kind == "deelgemeente":
                names = unique_deelgemeente_names(reference, code)
                text = rng.choice(names) if names else None
            elif kind == "postal":
                codes = unique_postal_codes(reference, code)
                text = rng.choice(codes) if codes else None
            elif kind == "typo":
                text = make_typo(reference, code, rng)
            elif kind == "override" and not m.is_centrumstad:
                candidate = OVERRIDE_TEMPLATE.format(name=m.name_nl)
                if reference.resolves_robustly(candidate, None):
                    text = candidate
                    overrides.append((text, code))
            if text is not None:
                quotas[kind] -= 1
                used_codes[(kind, code)] += 1
        if text is None:
            style = rng.choice(PLAIN_STYLES)
            text = plain_variant(m.name_nl, style, m.is_centrumstad or m.belfius_type == "grote_en_regionale_steden")
        override_map = dict(overrides)
        if not reference.resolves_robustly(text, code, override_map):
            text = m.name_nl
        texts[response_id] = text
    if any(quotas.values()) or fixed_left:
        raise RuntimeError(f"could not place every hard municipality text: {quotas}")
    return texts, overrides
