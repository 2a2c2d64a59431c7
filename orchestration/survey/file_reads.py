"""Landing files are read once, whole, and a file that changes while a run uses it is never published.

A file still being copied into the landing (a slow upload, a sync client, the sensor firing mid-copy) can
be read half-way, and a file read twice (once to hash it, once to parse it) can differ between the two.
So every loader reads each file once, in one pass that hashes the bytes and keeps a private copy
(`read_landing_file`); the parsers read that copy, never the file again. The pass is refused when the file
grew or was modified while it was read. What each loader read (path, size, modification time, sha256) is
recorded in the draft (`raw.landing_files`, `record_reads`); before publishing, `changes_since_read`
compares this run's reads with the files as they are then, and the run stops if any differs. The build
record (`meta.warehouse_build`) is made from these reads, so it describes exactly the bytes the warehouse
holds, not the landing as it looks when the run ends.

Failing, not waiting, is the choice: a run cannot tell a finished copy from a paused one, and the next
change of the file (the copy going on, or completing) makes the sensor start a new run anyway.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import pandas as pd

from orchestration.backends import frame, replace_tables, table_exists
from orchestration.survey.landing import landing_part

BLOCK = 1 << 20
IN_MEMORY_LIMIT = 64 << 20  # a larger copy goes to a temporary file (TMPDIR), so memory stays bounded

RAW_SCHEMA, LANDING_FILES = "raw", "landing_files"
LANDING_FILES_COLUMNS = {
    "kind": "string",
    "part": "string",
    "source_file": "string",
    "size_bytes": "int64",
    "mtime_ns": "int64",
    "file_sha256": "string",
    "run_id": "string",
    "loaded_at": "datetime64[us, UTC]",
}
STILL_COPYING = "still being copied? wait until it is complete and run again"


class LandingFileChanged(ValueError):
    """A landing file changed while the run read it: its bytes do not describe one state of the file."""

    def __init__(self, source: str, detail: str):
        self.source = source
        super().__init__(f"{source}: changed while it was read ({detail}): {STILL_COPYING}")


@dataclass(frozen=True)
class FileRead:
    """What identifies one read of a file: the bytes' sha256 and the file's size and mtime as it was read."""

    path: Path
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True, eq=False)
class FileCopy:
    """The bytes of one read, kept privately: parsing reads them as often as it needs, never the file."""

    read: FileRead
    _bytes: bytes | None = None
    _spill: IO[bytes] | None = None  # a named temporary file: the copy of a file over IN_MEMORY_LIMIT

    def open(self) -> BinaryIO:
        return io.BytesIO(self._bytes) if self._spill is None else open(self._spill.name, "rb")

    def data(self) -> bytes:
        with self.open() as handle:
            return handle.read()


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    """The file's blocks as they are read (tests append to the file between two blocks here)."""
    return iter(lambda: handle.read(BLOCK), b"")


def read_landing_file(path: str | Path) -> FileCopy:
    """Read `path` once, whole, hashing the bytes on the way; raise `LandingFileChanged` when the file's
    size or modification time moved during the read (it was being written)."""
    digest, size, blocks, spill = hashlib.sha256(), 0, [], None
    with open(path, "rb") as handle:
        before = os.fstat(handle.fileno())
        for block in _blocks(handle):
            digest.update(block)
            size += len(block)
            if spill is None and size > IN_MEMORY_LIMIT:
                spill = tempfile.NamedTemporaryFile(prefix="landing-read-")
                spill.writelines(blocks)
                blocks = []
            if spill is None:
                blocks.append(block)
            else:
                spill.write(block)
        after = os.fstat(handle.fileno())
    if size != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise LandingFileChanged(
            str(path), f"{before.st_size} bytes when opened, {size} read, {after.st_size} when the read ended"
        )
    if spill is not None:
        spill.flush()
    read = FileRead(Path(path), size, before.st_mtime_ns, digest.hexdigest())
    return FileCopy(read, b"".join(blocks) if spill is None else None, spill)


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file as it is now (the check before publishing; tests)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


# --- what the draft was loaded from ---------------------------------------------------------------------


def reads_frame(reads: Iterable[tuple[str, FileRead]], *, kind: str, run_id: str, loaded_at) -> pd.DataFrame:
    """Rows of `raw.landing_files` for the (source_file, read) pairs of one loader (`kind`)."""
    reads = list(reads)
    frame = pd.DataFrame(
        {
            "kind": [kind] * len(reads),
            "part": [landing_part(name) for name, _ in reads],
            "source_file": [name for name, _ in reads],
            "size_bytes": [read.size for _, read in reads],
            "mtime_ns": [read.mtime_ns for _, read in reads],
            "file_sha256": [read.sha256 for _, read in reads],
            "run_id": [run_id] * len(reads),
            "loaded_at": [pd.Timestamp(loaded_at)] * len(reads),
        },
        columns=list(LANDING_FILES_COLUMNS),
    )
    return frame.astype(LANDING_FILES_COLUMNS)


def recorded_reads(connection) -> pd.DataFrame:
    """`raw.landing_files` of a draft connection (DuckDB or a PostgresWarehouse); empty when it has none
    (a warehouse published before reads were recorded)."""
    if not table_exists(connection, RAW_SCHEMA, LANDING_FILES):
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in LANDING_FILES_COLUMNS.items()})
    return frame(connection, f"select * from {RAW_SCHEMA}.{LANDING_FILES}")


def record_reads(connection, frame: pd.DataFrame, *, kind: str, parts: list[str] | None = None) -> None:
    """Replace what loader `kind` recorded for `parts` (None: for every part) by `frame`; the rows of
    other loaders, and of parts this run did not load, stay (they describe what the draft still holds)."""
    old = recorded_reads(connection)
    replaced = (old["kind"] == kind) & (old["part"].isin(parts) if parts is not None else True)
    kept = old[~replaced].astype(LANDING_FILES_COLUMNS)
    rows = pd.concat([kept, frame], ignore_index=True) if len(kept) else frame
    replace_tables(connection, RAW_SCHEMA, {LANDING_FILES: rows})


def changes_since_read(landing_dir: str | Path, reads: pd.DataFrame) -> list[str]:
    """One line per recorded read whose file is not, now, exactly what was read (size, modification time,
    then sha256 of its content), or is gone."""
    problems = []
    for name, size, mtime_ns, sha256 in reads[["source_file", "size_bytes", "mtime_ns", "file_sha256"]].itertuples(
        index=False
    ):
        path = Path(landing_dir) / name
        try:
            stat = path.stat()
        except FileNotFoundError:
            problems.append(f"{name}: removed after it was read")
            continue
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            detail = f"{size} bytes when read, {stat.st_size} now" if stat.st_size != size else "modified since"
        elif file_sha256(path) != sha256:
            detail = "its content differs from what was read"
        else:
            continue
        problems.append(f"{name}: changed while it was read ({detail}): {STILL_COPYING}")
    return problems
