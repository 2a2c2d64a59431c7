"""Partial refreshes: one wave's partition, the Taskforce job, and a run that runs out of memory."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import duckdb
from dagster import AssetKey, DagsterInstance, materialize

from conftest import build_warehouse, warehouse_resource
from orchestration.assets.landing import landing_directory
from orchestration.assets.publish import warehouse_draft
from orchestration.assets.survey import qualtrics_exports, wave_codebooks
from orchestration.definitions import ALL_ASSETS
from orchestration.jobs import refresh_taskforce_job
from orchestration.resources import WarehouseResource, dbt_resource
from synthetic import write_landing

WAVE_ASSETS = [warehouse_draft, landing_directory, wave_codebooks, qualtrics_exports]


def rows_per_wave(db_path: Path) -> dict[str, tuple[int, object]]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return {
            wave: (rows, loaded)
            for wave, rows, loaded in connection.execute(
                "select wave_id, count(*), max(loaded_at) from raw.export_rows group by 1"
            ).fetchall()
        }


def test_a_wave_partition_reloads_that_wave_and_leaves_the_others(tmp_path, wave1_sample):
    landing = landing_with_a_copied_wave(tmp_path, wave1_sample)
    warehouse = WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("waves", ["w1_2023", "w0_copy"])
        first = materialize(
            WAVE_ASSETS,
            resources={"warehouse": warehouse},
            instance=instance,
            tags={"dagster/asset_partition_range_start": "w1_2023", "dagster/asset_partition_range_end": "w0_copy"},
        )
        assert first.success
        before = rows_per_wave(warehouse.draft_path)
        assert before["w0_copy"][0] == before["w1_2023"][0] > 0

        exports = sorted((landing / "waves" / "w1_2023").glob("*.csv"))
        for path in exports[1:]:
            path.unlink()
        second = materialize(
            WAVE_ASSETS,
            resources={"warehouse": warehouse},
            instance=instance,
            partition_key="w1_2023",
            selection=WAVE_ASSETS[1:],
        )  # the same draft
        assert second.success
        after = rows_per_wave(warehouse.draft_path)
        assert after["w0_copy"] == before["w0_copy"]
        assert after["w1_2023"][0] < before["w1_2023"][0] and after["w1_2023"][1] > before["w1_2023"][1]
        partitions = {
            event.event_specific_data.materialization.partition
            for event in second.get_asset_materialization_events()
            if event.event_specific_data.materialization.asset_key == AssetKey(["raw", "export_rows"])
        }
        assert partitions == {"w1_2023"}
        keys = instance.get_materialized_partitions(AssetKey(["raw", "export_rows"]))
        assert keys == {"w1_2023", "w0_copy"}


def landing_with_a_copied_wave(tmp_path: Path, wave1_sample) -> Path:
    """The wave-1 sample plus `w0_copy`, the same files under another wave id."""
    landing = tmp_path / "landing"
    write_landing(wave1_sample, landing)
    copy = landing / "waves" / "w0_copy"
    shutil.copytree(landing / "waves" / "w1_2023", copy)
    codebook = copy / "codebook.yaml"
    codebook.write_text(codebook.read_text(encoding="utf-8").replace("id: w1_2023", "id: w0_copy"), encoding="utf-8")
    return landing


def test_a_full_refresh_holds_only_the_landing_waves_whatever_the_instance_remembers(tmp_path, wave1_sample):
    landing = landing_with_a_copied_wave(tmp_path, wave1_sample)
    warehouse = WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    assert materialize(WAVE_ASSETS, resources={"warehouse": warehouse}, instance=DagsterInstance.ephemeral()).success
    assert set(rows_per_wave(warehouse.draft_path)) == {"w1_2023", "w0_copy"}

    shutil.rmtree(landing / "waves" / "w0_copy")
    # An instance that still has the lost wave as a partition, running over every partition it has, and one
    # that never heard of it: the same draft, without the lost wave (publishing then refuses it unless allowed).
    for partitions in (["w1_2023", "w0_copy"], []):
        with DagsterInstance.ephemeral() as instance:
            tags = {}
            if partitions:
                instance.add_dynamic_partitions("waves", partitions)
                tags = {
                    "dagster/asset_partition_range_start": partitions[0],
                    "dagster/asset_partition_range_end": partitions[-1],
                }
            result = materialize(WAVE_ASSETS[1:], resources={"warehouse": warehouse}, instance=instance, tags=tags)
        assert result.success
        assert set(rows_per_wave(warehouse.draft_path)) == {"w1_2023"}


def test_a_wave_partition_without_its_folder_loses_its_rows_and_says_so(tmp_path, wave1_sample):
    landing = landing_with_a_copied_wave(tmp_path, wave1_sample)
    warehouse = WarehouseResource(db_path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("waves", ["w1_2023", "w0_copy"])
        assert materialize(WAVE_ASSETS, resources={"warehouse": warehouse}, instance=instance).success
        shutil.rmtree(landing / "waves" / "w0_copy")
        result = materialize(
            WAVE_ASSETS[1:], resources={"warehouse": warehouse}, instance=instance, partition_key="w0_copy"
        )
        warnings = [
            record.user_message for record in instance.all_logs(result.run_id) if record.level == logging.WARNING
        ]
    assert result.success
    assert set(rows_per_wave(warehouse.draft_path)) == {"w1_2023"}
    assert [
        text
        for text in warnings
        if "w0_copy have no waves/<wave_id>/ folder" in text and "WAREHOUSE_ALLOW_DROPPED" in text
    ]


def failure_text(result) -> str:
    """What the failed steps said: the error and, for a dagster Failure, its description."""
    texts = []
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            error = data.error
            while error is not None:
                texts.append(error.message)
                error = error.cause
            if data.user_failure_data:
                texts.append(data.user_failure_data.description or "")
    return "\n".join(texts)


def copy_of_published(warehouse_db: Path, tmp_path: Path) -> tuple[Path, Path]:
    landing = tmp_path / "landing"
    shutil.copytree(warehouse_db.parent / "landing", landing)
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_db, published)
    return published, landing


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_taskforce_refresh_rebuilds_only_what_depends_on_taskforce(warehouse_db, tmp_path):
    published, landing = copy_of_published(warehouse_db, tmp_path)
    snapshot = sorted((landing / "taskforce").glob("*.csv"))[0]
    lines = snapshot.read_text(encoding="utf-8").splitlines()
    dates = sorted({line.split(",")[0] for line in lines[1:]})
    later = [line.replace(dates[-1], "2026-06-30", 1) for line in lines[1:] if line.startswith(dates[-1])]
    (landing / "taskforce" / "later.csv").write_text("\n".join([lines[0], *later]) + "\n", encoding="utf-8")
    resources = {"warehouse": warehouse_resource(published, landing), "dbt": dbt_resource()}

    result = materialize(
        ALL_ASSETS,
        resources=resources,
        instance=DagsterInstance.ephemeral(),
        selection=refresh_taskforce_job.selection,
        raise_on_error=False,
    )

    assert result.success
    built = {
        event.event_specific_data.materialization.asset_key.to_user_string()
        for event in result.get_asset_materialization_events()
    }
    assert {"raw/taskforce_counts", "marts/mart_taskforce_summary", "published_warehouse"} <= built
    assert not {key for key in built if "respondent" in key or key.startswith("raw/export")}
    with duckdb.connect(str(published), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from raw.taskforce_counts where peildatum = '2026-06-30'"
        ).fetchone()[0] == len(later)
        with duckdb.connect(str(warehouse_db), read_only=True) as before:
            query = "select count(*), count(distinct nis_code) from marts.mart_respondent_resolution"
            assert connection.execute(query).fetchone() == before.execute(query).fetchone()


def test_running_out_of_memory_fails_clearly_and_keeps_the_published_warehouse(warehouse_db, tmp_path, monkeypatch):
    published, landing = copy_of_published(warehouse_db, tmp_path)
    before = digest(published)
    monkeypatch.setenv("WAREHOUSE_DUCKDB_MEMORY_LIMIT", "1MB")

    result = build_warehouse(published, landing)

    assert not result.success
    failures = failure_text(result)
    assert "ran out of memory or disk" in failures and "WAREHOUSE_DUCKDB_MEMORY_LIMIT=1MB" in failures
    assert "published warehouse is unchanged" in failures
    assert digest(published) == before
