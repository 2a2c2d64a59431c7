"""Reference seeds (municipalities, population, Belfius typology, …) and published figures into DuckDB."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration.assets.publish import warehouse_draft
from orchestration.backends import replace_tables
from orchestration.reference import FIGURE_TABLES, REFERENCE_TABLES, load_reference_frames, reference_problems
from orchestration.resources import WarehouseResource

REFERENCE_SCHEMA = "reference"
_TABLES = [table.name for table in REFERENCE_TABLES + FIGURE_TABLES]


def _checked_table(check_name: str) -> AssetKey:
    return AssetKey([REFERENCE_SCHEMA, check_name.removesuffix("_key_columns")])


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey([REFERENCE_SCHEMA, name]),
            group_name="reference",
            kinds={"duckdb", "csv"},
            skippable=True,
            deps=[warehouse_draft],
            description=f"`seeds/` file `{name}` loaded verbatim into {REFERENCE_SCHEMA}.{name}.",
        )
        for name in _TABLES
    ],
    check_specs=[
        AssetCheckSpec(check, asset=_checked_table(check)) for check in [f"{name}_key_columns" for name in _TABLES]
    ],
)
def reference_tables(warehouse: WarehouseResource):
    """Loads every reference CSV once each has its key columns; otherwise nothing is replaced and the run
    fails. The values are tested by dbt on the staging models (asset checks there)."""
    frames = load_reference_frames()
    problems = reference_problems(frames)
    results = [
        AssetCheckResult(
            check_name=check,
            asset_key=_checked_table(check),
            passed=not found,
            severity=AssetCheckSeverity.ERROR,
            metadata={"problems": MetadataValue.md("\n".join(f"- {line}" for line in found[:50]) or "none")},
        )
        for check, found in problems.items()
    ]
    failing = [line for found in problems.values() for line in found]
    if failing:
        yield from results
        listing = "\n".join(f"- {line}" for line in failing[:20])
        raise Failure(description=f"reference files lack key columns; nothing was replaced:\n{listing}")
    with warehouse.connect() as connection:
        row_counts = replace_tables(connection, REFERENCE_SCHEMA, frames)
    for name, rows in row_counts.items():
        yield MaterializeResult(asset_key=AssetKey([REFERENCE_SCHEMA, name]), metadata={"dagster/row_count": rows})
    yield from results
