"""Waves as Dagster partitions: the raw wave tables (codebooks, exports) hold one partition per wave id.

The partitions are the wave folders of the landing directory the code location is configured for, and
nothing else: `make run` and the landing sensor set them to exactly those folders before a run (adding
new ones, deleting those of another landing), so what an instance remembers from an earlier run against
another landing never changes the next one. A run for one partition reloads that wave's files only; the
full refresh is one run over the range of every wave (`all_waves_tags`), so the Dagster UI shows per wave
when it was loaded and from which files. Which waves a warehouse holds is a fact of the warehouse itself
(its marts and `meta.warehouse_build`), checked when it is published, never of the instance.
"""

from __future__ import annotations

from dagster import DagsterInstance, DynamicPartitionsDefinition

wave_partitions = DynamicPartitionsDefinition(name="waves")

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def registered_waves(instance: DagsterInstance) -> list[str]:
    return list(instance.get_dynamic_partitions(wave_partitions.name))


def partition_changes(registered: list[str], landing_waves: list[str]) -> tuple[list[str], list[str]]:
    """(to add, to delete) so that the partitions are exactly the landing's waves."""
    return (sorted(set(landing_waves) - set(registered)), sorted(set(registered) - set(landing_waves)))


def sync_wave_partitions(instance: DagsterInstance, landing_waves: list[str]) -> list[str]:
    """Makes the partitions exactly the landing's waves; returns them in partition order."""
    new, gone = partition_changes(registered_waves(instance), landing_waves)
    for wave_id in gone:
        instance.delete_dynamic_partition(wave_partitions.name, wave_id)
    if new:
        instance.add_dynamic_partitions(wave_partitions.name, new)
    return registered_waves(instance)


def all_waves_tags(registered: list[str]) -> dict[str, str]:
    """Run tags for one run over every registered wave (dynamic partitions keep the order they were added)."""
    return {RANGE_START: registered[0], RANGE_END: registered[-1]} if registered else {}
