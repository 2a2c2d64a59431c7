"""The landing directory: which files are there. It never invents data: a landing directory without a
wave is an error (contract §1); only `make run` on the default, empty folder writes the synthetic sample,
before the job starts (`python -m synthetic --demo-landing`)."""

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from orchestration.backends.publishing import PublishError, allowed_drops, check_nothing_dropped
from orchestration.resources import WarehouseResource
from orchestration.survey.landing import (
    discover_landing,
    relative_name,
    require_waves,
    unused_files,
)


@asset(group_name="landing", kinds={"filesystem"})
def landing_directory(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Inventory of WAREHOUSE_LANDING_DIR; stops the run when it is missing, empty or holds no wave, or
    lacks a wave the published warehouse holds (unless WAREHOUSE_ALLOW_DROPPED names it): said at once
    here, not after the build, and checked again when the draft is published."""
    landing = warehouse.landing_path
    inventory = discover_landing(landing)
    require_waves(inventory)
    published = warehouse.published_build()
    if published:
        try:
            check_nothing_dropped(
                {"waves": set(published["waves"])},
                {"waves": set(inventory.waves)},
                warehouse.location(),
                allowed_drops(),
                what=f"the landing directory {landing}",
            )
        except PublishError as error:
            raise Failure(description=f"{error} Nothing was changed.") from None
    files = [relative_name(path, landing) for path in inventory.all_paths()]
    unused = [relative_name(path, landing) for path in unused_files(inventory)]
    if unused:
        context.log.warning(f"files outside the landing layout are not read: {', '.join(unused)}")
    synthetic = [name for name in files if "SYNTHETIC" in name.upper()]
    if synthetic:
        context.log.warning(f"the landing directory holds SYNTHETIC files (not real survey data): {len(synthetic)}")
    return MaterializeResult(
        metadata={
            "landing_dir": MetadataValue.path(str(landing)),
            "waves": ", ".join(sorted(inventory.waves)),
            "synthetic_files": len(synthetic),
            "files": MetadataValue.md("\n".join(f"- `{name}`" for name in files) or "(none)"),
            "files_not_read": MetadataValue.md("\n".join(f"- `{name}`" for name in unused) or "(none)"),
        }
    )
