"""Waves as Dagster partitions: the raw wave tables (codebooks, exports) hold one partition per wave id.

The landing sensor registers every wave folder it finds as a partition of `waves`. A run for one
partition reloads that wave's files only; the full refresh is one run over the range of every wave
(`all_waves_tags`), so the Dagster UI shows per wave when it was loaded and from which files.
"""

from __future__ import annotations

from dagster import DagsterInstance, DynamicPartitionsDefinition

wave_partitions = DynamicPartitionsDefinition(name="waves")

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def registered_waves(instance: DagsterInstance) -> list[str]:
    return list(instance.get_dynamic_partitions(wave_partitions.name))


def register_waves(instance: DagsterInstance, wave_ids: list[str]) -> list[str]:
    """Adds the wave ids that are not partitions yet; returns every registered wave."""
    new = [wave_id for wave_id in sorted(wave_ids) if not instance.has_dynamic_partition(wave_partitions.name, wave_id)]
    if new:
        instance.add_dynamic_partitions(wave_partitions.name, new)
    return registered_waves(instance)


def all_waves_tags(registered: list[str]) -> dict[str, str]:
    """Run tags for one run over every registered wave (dynamic partitions keep the order they were added)."""
    return {RANGE_START: registered[0], RANGE_END: registered[-1]} if registered else {}
