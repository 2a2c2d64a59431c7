"""Wave codebooks and Qualtrics exports from the landing directory into the `raw` schema, verbatim.

Both are partitioned by wave (orchestration/partitions.py): a run loads the waves of its partitions and
replaces only their rows; a run without partitions (tests, a hand-run materialize) loads every wave in
the landing directory."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration.assets.landing import landing_directory
from orchestration.assets.publish import warehouse_draft
from orchestration.backends import replace_tables, wave_tables
from orchestration.partitions import registered_waves, wave_partitions
from orchestration.resources import WarehouseResource
from orchestration.settings import SURVEY_SEEDS_DIR
from orchestration.survey.codebook import (
    Codebook,
    CodebookError,
    UnusableEarlierCodebook,
    codebook_frames,
    comparison_problems,
    load_codebook,
)
from orchestration.survey.file_reads import (
    FileCopy,
    FileRead,
    LandingFileChanged,
    read_landing_file,
    reads_frame,
    record_reads,
)
from orchestration.survey.landing import CODEBOOK_NAME, LandingInventory, WaveFiles, discover_landing, relative_name
from orchestration.survey.qsf import load_qsf_codebook
from orchestration.survey.qualtrics_reader import CsvFileError, export_frame_chunks, stream_export
from orchestration.survey.raw_tables import empty_frame, stack_frames

T = TypeVar("T")
RAW_SCHEMA = "raw"
CODEBOOK_TABLES = (
    "codebook_waves",
    "codebook_questions",
    "codebook_choices",
    "codebook_rows",
    "codebook_comparisons",
    "codebook_findings",
)
EXPORT_TABLES = ("export_files", "export_columns", "export_rows", "export_cells")


def raw_specs(tables: tuple[str, ...], description: str, group: str = "survey") -> list[AssetSpec]:
    return [
        AssetSpec(
            AssetKey([RAW_SCHEMA, name]),
            group_name=group,
            deps=[landing_directory, warehouse_draft],
            kinds={"duckdb"},
            description=f"{description} (`{RAW_SCHEMA}.{name}`).",
        )
        for name in tables
    ]


def read_files(paths: Iterable[Path], parse: Callable[[FileCopy], T], what: str) -> tuple[list[T], list[FileRead]]:
    """Read every file once and `parse` what was read; if any is unreadable (or changed while it was read),
    fail with every file's problem and write nothing. Returns the parsed files and the reads."""
    results, reads, problems = [], [], []
    for path in paths:
        try:
            copy = read_landing_file(path)
            results.append(parse(copy))
            reads.append(copy.read)
        except (CsvFileError, LandingFileChanged) as error:
            problems.append(str(error))
    if problems:
        raise Failure(description=f"{what} not loaded; the warehouse is unchanged:\n" + "\n".join(problems))
    return results, reads


def record_landing_reads(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    kind: str,
    reads: Iterable[FileRead],
    loaded_at: dt.datetime,
    waves: "RunWaves | None" = None,
) -> None:
    """Record in the draft what loader `kind` read from the landing (`raw.landing_files`, for the build
    record and the check before publishing); for a run of some waves, only those waves' reads are replaced.
    Files from outside the landing (a bundled codebook, the shipped theme dictionary) are not recorded."""
    landing = warehouse.landing_path
    pairs = [(relative_name(read.path, landing), read) for read in reads if read.path.is_relative_to(landing)]
    parts = None if waves is None or waves.replaced is None else [f"wave:{wave_id}" for wave_id in waves.replaced]
    with warehouse.connect() as connection:
        record_reads(
            connection,
            reads_frame(pairs, kind=kind, run_id=context.run.run_id, loaded_at=loaded_at),
            kind=kind,
            parts=parts,
        )


def stack(frames: list[dict[str, pd.DataFrame]], tables: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """One frame per table over all files (created empty when there are no files)."""
    return {name: stack_frames([f[name] for f in frames], name) for name in tables}


def write_raw(warehouse: WarehouseResource, frames: dict[str, pd.DataFrame], metadata: dict | None = None):
    """Replaces the raw tables in one transaction and reports a materialization per table."""
    with warehouse.connect() as connection:
        counts = replace_tables(connection, RAW_SCHEMA, frames)
    for name, rows in counts.items():
        extra = (metadata or {}).get(name, {})
        yield MaterializeResult(asset_key=AssetKey([RAW_SCHEMA, name]), metadata={"dagster/row_count": rows, **extra})


@dataclass(frozen=True)
class RunWaves:
    """The waves a run reads from the landing, and the waves whose raw rows it replaces (None: every wave)."""

    loaded: list[str]
    replaced: list[str] | None


def run_waves(context: AssetExecutionContext, inventory: LandingInventory) -> RunWaves:
    """A full refresh (no partitions, or every partition there is) reads every wave folder of the landing
    and re-creates the raw tables from them alone: a wave the landing no longer holds leaves the draft, and
    publishing refuses that unless WAREHOUSE_ALLOW_DROPPED says so. A run for some partitions replaces those
    waves' rows only; a partition without a folder loses its rows, under the same rule."""
    partitioned = context.has_partition_key or context.has_partition_key_range
    if not partitioned or set(context.partition_keys) >= set(registered_waves(context.instance)):
        return RunWaves(loaded=sorted(inventory.waves), replaced=None)
    waves = list(context.partition_keys)
    missing = [wave_id for wave_id in waves if wave_id not in inventory.waves]
    if missing:
        context.log.warning(
            f"wave(s) {', '.join(missing)} have no waves/<wave_id>/ folder in {inventory.landing_dir}: their rows "
            "leave the draft, and publishing refuses that unless WAREHOUSE_ALLOW_DROPPED names them"
        )
    return RunWaves(loaded=[wave_id for wave_id in waves if wave_id in inventory.waves], replaced=waves)


def write_wave_rows(
    warehouse: WarehouseResource, waves: RunWaves, tables: tuple[str, ...], pieces: Iterable[tuple[str, pd.DataFrame]]
) -> dict[str, int]:
    """Replaces the run's waves' rows in `tables` from (table, frame) pieces, in one transaction; row counts."""
    with warehouse.connect() as connection:
        with wave_tables(connection, RAW_SCHEMA, waves.replaced) as writer:
            for name, frame in pieces:
                writer.append(name, frame)
            writer.finish({name: empty_frame(name) for name in tables})
    return writer.rows


def wave_results(waves: RunWaves, rows: dict[str, int], metadata: dict | None = None) -> list[MaterializeResult]:
    """A materialization per table (per wave partition of the run), with its row count and the run's waves."""
    return [
        MaterializeResult(
            asset_key=AssetKey([RAW_SCHEMA, name]),
            metadata={
                "dagster/row_count": count,
                "waves": ", ".join(waves.loaded),
                **(metadata or {}).get(name, {}),
            },
        )
        for name, count in rows.items()
    ]


def bundled_codebook(wave_id: str) -> Path | None:
    """The codebook this project ships for a known wave (`seeds/survey/<wave_id>_codebook.yaml`)."""
    path = SURVEY_SEEDS_DIR / f"{wave_id}_codebook.yaml"
    return path if path.is_file() else None


@multi_asset(
    specs=raw_specs(CODEBOOK_TABLES, "Questionnaires of every wave in the landing directory"),
    partitions_def=wave_partitions,
    backfill_policy=BackfillPolicy.single_run(),
)
def wave_codebooks(context: AssetExecutionContext, warehouse: WarehouseResource):
    """Validates each `waves/<wave_id>/codebook.yaml` (for a wave without one, the codebook this project
    ships for it, if any) — or, in a wave folder with `survey.qsf`, the survey definition with the
    codebook.yaml beside it as its overlay (contract §5.1, orchestration/survey/qsf.py) — then each
    `comparable_to` against the earlier wave's codebook (the landing's, else the bundled one); any defect
    stops the load with every problem listed. What a QSF holds that is not tabulated is loaded as findings
    (`raw.codebook_findings`), never an error."""
    landing = warehouse.landing_path
    inventory = discover_landing(landing)
    waves = run_waves(context, inventory)
    loaded_at = dt.datetime.now(dt.UTC)
    codebooks: dict[str, tuple[Codebook, Path]] = {}
    reads: dict[str, FileRead] = {}
    problems = []
    unusable: set[str] = set()  # waves whose codebook problem is listed already: never repeated per question
    for wave_id in waves.loaded:
        files = inventory.waves[wave_id]
        codebook_path = files.codebook_path or bundled_codebook(wave_id)
        unusable.add(wave_id)
        if files.qsf_path is not None:  # survey.qsf with its overlay codebook.yaml (contract §5.1)
            loaded = load_wave_definition(wave_id, files, problems, reads)
            if loaded is not None:
                codebooks[wave_id] = loaded
                unusable.discard(wave_id)
            continue
        if codebook_path is None:
            problems.append(f"waves/{wave_id}/: no codebook.yaml, so its exports cannot be read")
            continue
        if files.codebook_path is None:
            context.log.warning(f"waves/{wave_id}/ has no codebook.yaml: using the bundled {codebook_path.name}")
        try:
            copy = read_landing_file(codebook_path)
            codebook = load_codebook(codebook_path, copy.data())
        except (CodebookError, LandingFileChanged) as error:
            problems.append(str(error))
            continue
        reads[wave_id] = copy.read
        if codebook.wave.id != wave_id:
            problems.append(f"waves/{wave_id}/codebook.yaml declares wave.id {codebook.wave.id!r}")
            continue
        codebooks[wave_id] = (codebook, codebook_path)
        unusable.discard(wave_id)
    for codebook, codebook_path in codebooks.values():
        compared = comparison_problems(
            codebook, lambda earlier: earlier_codebook(earlier, codebooks, inventory, unusable, problems)
        )
        if compared:
            problems.append(str(CodebookError(codebook.source or str(codebook_path), compared)))
    if problems:
        raise Failure(description="codebooks not loaded; the warehouse is unchanged:\n" + "\n".join(problems))
    frames = []
    for wave_id, (codebook, codebook_path) in codebooks.items():
        from_landing = inventory.waves[wave_id].codebook_path is not None
        source_file = relative_name(codebook_path, landing) if from_landing else f"(bundled) {codebook_path.name}"
        frames.append(
            codebook_frames(
                codebook,
                source_file=source_file,
                file_sha256=reads[wave_id].sha256,
                loaded_at=loaded_at,
            )
        )
    rows = write_wave_rows(warehouse, waves, CODEBOOK_TABLES, stack(frames, CODEBOOK_TABLES).items())
    record_landing_reads(context, warehouse, "codebook", reads.values(), loaded_at, waves)
    yield from wave_results(waves, rows)


def load_wave_definition(
    wave_id: str, files: WaveFiles, problems: list[str], reads: dict[str, FileRead]
) -> tuple[Codebook, Path] | None:
    """The codebook of a wave folder with survey.qsf and its overlay codebook.yaml (both read once, both
    recorded in `reads`), with the QSF as the file it comes from; None, with the problems listed, when the
    pair cannot be used."""
    overlay = files.codebook_path or files.qsf_path.with_name(CODEBOOK_NAME)
    try:
        qsf_copy = read_landing_file(files.qsf_path)
        overlay_copy = read_landing_file(files.codebook_path) if files.codebook_path else None
        codebook = load_qsf_codebook(
            files.qsf_path,
            overlay,
            qsf_data=qsf_copy.data(),
            overlay_data=overlay_copy.data() if overlay_copy else None,
        )
    except (CodebookError, LandingFileChanged) as error:
        problems.append(str(error))
        return None
    reads[wave_id] = qsf_copy.read
    reads[f"{wave_id} overlay"] = overlay_copy.read
    if codebook.wave.id != wave_id:
        problems.append(f"waves/{wave_id}/codebook.yaml declares wave.id {codebook.wave.id!r}")
        return None
    return codebook, files.qsf_path


def earlier_codebook(
    wave_id: str,
    run_codebooks: dict[str, tuple[Codebook, Path]],
    inventory: LandingInventory,
    unusable: set[str],
    problems: list[str],
) -> Codebook | None:
    """The codebook a `comparable_to` is checked against: the one this run loads for that wave, else the
    landing's (a wave outside this run's partitions), else the bundled one (a wave the project knows but
    this landing does not hold); None for an unknown wave. An earlier codebook that is itself invalid is
    reported once, as its own problem (added to `problems` unless this run listed it already, as for a
    wave in `unusable`), and raises `UnusableEarlierCodebook`: the questions continuing it are not checked."""
    if wave_id in run_codebooks:
        return run_codebooks[wave_id][0]
    if wave_id in unusable:
        raise UnusableEarlierCodebook(wave_id)
    files = inventory.waves.get(wave_id)
    if files is not None and files.qsf_path is not None:  # survey.qsf and its overlay
        try:
            return load_qsf_codebook(files.qsf_path, files.codebook_path or files.qsf_path.with_name(CODEBOOK_NAME))
        except CodebookError as error:
            problems.append(str(error))
            unusable.add(wave_id)
            raise UnusableEarlierCodebook(wave_id) from None
    path = (files.codebook_path if files else None) or bundled_codebook(wave_id)
    if path is None and files is None:
        return None
    if path is None:  # a wave folder of the landing, outside this run, without a codebook
        problems.append(f"waves/{wave_id}/: no codebook.yaml, so its exports cannot be read")
        unusable.add(wave_id)
        raise UnusableEarlierCodebook(wave_id)
    try:
        return load_codebook(path)
    except CodebookError as error:
        problems.append(str(error))
        unusable.add(wave_id)
        raise UnusableEarlierCodebook(wave_id) from None


@multi_asset(
    specs=raw_specs(EXPORT_TABLES, "Every Qualtrics export row and non-blank cell, verbatim"),
    partitions_def=wave_partitions,
    backfill_policy=BackfillPolicy.single_run(),
)
def qualtrics_exports(context: AssetExecutionContext, warehouse: WarehouseResource):
    """Lands every export of the run's waves with file name, row number, sha256 and load time, whatever its
    quality. Rows are judged later, in dbt; only a file that is not a readable export stops the load.
    Exports stream into DuckDB in chunks, so their size is bounded by disk, not memory."""
    landing = warehouse.landing_path
    inventory = discover_landing(landing)
    waves = run_waves(context, inventory)
    loaded_at = dt.datetime.now(dt.UTC)
    files: list[pd.DataFrame] = []
    reads: list[FileRead] = []
    problems: list[str] = []

    def pieces():
        for wave_id in waves.loaded:
            for path in inventory.waves[wave_id].export_paths:
                try:
                    parsed = stream_export(read_landing_file(path))
                    chunks = export_frame_chunks(
                        parsed, wave_id=wave_id, source_file=relative_name(path, landing), loaded_at=loaded_at
                    )
                    for name, frame in chunks:
                        if name == "export_files":
                            files.append(frame)
                        yield name, frame
                    reads.append(parsed.file.copy.read)
                except (CsvFileError, LandingFileChanged) as error:  # go on: every broken file is listed,
                    problems.append(str(error))  # then nothing is kept
        if problems:
            raise Failure(description="exports not loaded; the warehouse is unchanged:\n" + "\n".join(problems))

    rows = write_wave_rows(warehouse, waves, EXPORT_TABLES, pieces())
    record_landing_reads(context, warehouse, "export", reads, loaded_at, waves)
    listing = stack_frames(files, "export_files")[
        ["wave_id", "source_file", "header_format", "delimiter", "encoding", "n_rows", "loaded_at"]
    ]
    table = MetadataValue.md(listing.to_markdown(index=False) if len(listing) else "(no exports)")
    yield from wave_results(waves, rows, {"export_files": {"files": table}})
