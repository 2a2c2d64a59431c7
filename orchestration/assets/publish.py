"""The draft/publish cycle: a run builds a draft of the warehouse and publishes it only when all passed."""

import datetime as dt

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from orchestration.assets.dbt import warehouse_dbt_models
from orchestration.backends import contents
from orchestration.backends.publishing import BuildInfo, git_commit
from orchestration.build_inputs import project_fingerprint
from orchestration.reporting import missing_question_findings
from orchestration.resources import WarehouseResource
from orchestration.survey.file_reads import changes_since_read, recorded_reads
from orchestration.survey.landing import discover_landing, landing_fingerprint, part_fingerprints, wave_parts


@asset(group_name="publish", kinds={"duckdb"})
def warehouse_draft(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Takes the warehouse's refresh lock and starts the run's draft from the published warehouse; every
    load and dbt model writes there."""
    if not warehouse.supports_partial_refresh and context.run.job_name == "refresh_taskforce":
        # Its draft must hold everything published; on PostgreSQL a draft holds the loaded tables only.
        raise Failure(
            description="refresh_taskforce runs on DuckDB only; on PostgreSQL run refresh_warehouse "
            "(docs/POSTGRES.md). Nothing was changed."
        )
    warehouse.start_draft()
    return MaterializeResult(metadata={"draft": MetadataValue.path(str(warehouse.draft_path))})


@asset(group_name="publish", kinds={"duckdb"}, deps=[warehouse_dbt_models])
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Replaces WAREHOUSE_DB_PATH by the draft in one rename. Runs only when every load, model and
    error-level dbt test upstream succeeded, so analysts never see a half-built or failing warehouse; stops
    instead when the draft lost a wave or Taskforce date the published warehouse has (unless
    WAREHOUSE_ALLOW_DROPPED says so). The replaced warehouse is kept in `<db>.history/` (`make rollback`).

    First of all it checks that every landing file this run read is still exactly what was read: one that
    changed meanwhile (still being copied) stops the run. The build record describes the files as they
    were read (`raw.landing_files`), for the parts this run loaded and the ones the draft kept."""
    landing = warehouse.landing_path
    with warehouse.connect(read_only=True) as connection:
        reads = recorded_reads(connection)
    changed = changes_since_read(landing, reads[reads["run_id"] == context.run.run_id])
    if changed:
        raise Failure(
            description="not published: the warehouse would not hold what these landing files say; "
            "the published warehouse is unchanged.\n" + "\n".join(changed)
        )
    with warehouse.connect(read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, count(*) from information_schema.tables"
            " where table_schema not in ('pg_catalog', 'information_schema') group by 1 order by 1"
        ).fetchall()
        built = contents(connection)
        for finding in missing_question_findings(connection):
            context.log.warning(f"data quality: {finding}")
    file_sha256 = dict(sorted(zip(reads["source_file"], reads["file_sha256"])))
    parts = part_fingerprints(
        zip(reads["source_file"], reads["size_bytes"], reads["mtime_ns"]), wave_parts(discover_landing(landing))
    )
    build = BuildInfo(
        run_id=context.run.run_id,
        landing_dir=str(landing),
        landing_fingerprint=landing_fingerprint(file_sha256),
        files=list(file_sha256),
        waves=sorted(built["waves"]),
        taskforce_dates=sorted(built["taskforce dates"]),
        commit=git_commit(),
        built_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        landing_parts=parts,
        file_sha256=file_sha256,
        project_fingerprint=project_fingerprint(),
    )
    dropped = warehouse.publish(build)
    if dropped:
        context.log.warning(f"published without {', '.join(dropped)} (allowed by WAREHOUSE_ALLOW_DROPPED)")
    context.log.info(f"published {warehouse.location()}")
    size = warehouse.backend.size_metadata()
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(warehouse.location()),
            "tables_per_schema": MetadataValue.md("\n".join(f"- `{schema}`: {count}" for schema, count in tables)),
            **size,
            "waves": ", ".join(build.waves),
            "taskforce_dates": ", ".join(build.taskforce_dates),
            "dropped_with_permission": ", ".join(dropped) or "(none)",
        }
    )
