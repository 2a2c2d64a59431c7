"""The landing directory: what files are there, and the synthetic sample when there are none."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.resources import WarehouseResource
from orchestration.survey.landing import discover_landing, landing_fingerprint, relative_name, unused_files


@asset(group_name="landing", kinds={"filesystem"})
def landing_directory(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Inventory of WAREHOUSE_LANDING_DIR. An empty or missing directory first gets the bundled
    SYNTHETIC wave-1 sample, so `make run` works on a fresh clone."""
    landing = warehouse.landing_path
    if not landing.exists() or not any(landing.iterdir()):
        from orchestration.synthetic import build_wave1_sample, write_landing

        written = write_landing(build_wave1_sample(), landing)
        context.log.info(f"landing directory was empty: wrote the synthetic sample ({len(written)} files) to {landing}")
    inventory = discover_landing(landing)
    files = [relative_name(path, landing) for path in inventory.all_paths()]
    unused = [relative_name(path, landing) for path in unused_files(inventory)]
    if unused:
        context.log.warning(f"files outside the landing layout are not read: {', '.join(unused)}")
    return MaterializeResult(
        metadata={
            "landing_dir": MetadataValue.path(str(landing)),
            "fingerprint": landing_fingerprint(landing),
            "waves": ", ".join(sorted(inventory.waves)) or "(none)",
            "files": MetadataValue.md("\n".join(f"- `{name}`" for name in files) or "(none)"),
            "files_not_read": MetadataValue.md("\n".join(f"- `{name}`" for name in unused) or "(none)"),
        }
    )
