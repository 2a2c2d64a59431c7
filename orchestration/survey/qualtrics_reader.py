"""Read any Qualtrics response export the contract accepts (§1) into raw, verbatim tables.

Nothing is interpreted here: no codebook, no recodes, no date parsing. The reader only finds out how the
file is written (encoding, separator, header layout), names the columns, and hands every non-blank cell
over exactly as it stands, with the file and row it came from, so dbt can type and audit it later.

Accepted layouts:
- `qualtrics`: three header rows (export tags, labels, `{"ImportId": ...}` JSON per column);
- `legacy`: two header rows, row 1 `V1..V10` + tags, row 2 starting `ResponseID, ResponseSet, ...`.
  The `V<n>` columns take their name from row 2, renamed to today's Qualtrics names (`LEGACY_RENAMES`).
Encodings, decided per file from the evidence of the whole file: UTF-8 with BOM; without BOM, UTF-8 unless
the bytes that are not UTF-8 outnumber the characters that are (then Windows-1252, what Excel writes). A
UTF-8 file with a few bytes that are not UTF-8 is refused, naming each byte's line, column and offset,
never read in another encoding. A UTF-16 file with BOM is also read (Qualtrics' own TSV download).
Separators: `,`, `;` or tab, sniffed from the first line.

Every file is read once (`file_reads.read_landing_file`): the encoding scan and the parser read the
run's private copy of its bytes, so the sha256 recorded is the sha256 of exactly what was parsed.

Choices made here (documented because downstream relies on them):
- duplicate column names are an error, not silently suffixed: two `Q3` columns make the answers ambiguous
  and the reader must not pick one;
- an empty line between records is not a record (it carries no cell); a record whose fields are all
  blank is a row (it gets a `source_row`, but no cells);
- a row with more fields than the header keeps the extra cells as `_extra_<n>` (n = 1 for the first
  field past the header, at `column_position` = header width + n); shorter or longer rows get a
  `row_issue`. Nothing is dropped;
- a line break inside a quoted cell is `\n`, whether the file wrote it `\r\n`, `\n` or `\r`: line endings
  are how the file was saved (a file edited on two systems mixes them), not what the respondent typed.

The encoding/separator sniffing and the record iterator are shared with `flat_files` (Taskforce
snapshots, overrides): `decode_csv_file` and `iter_csv_records`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import json
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path

import pandas as pd

from orchestration.survey.file_reads import BLOCK, FileCopy, file_sha256, read_landing_file

__all__ = ["file_sha256"]  # re-exported: tests hash files with it

# Legacy row-2 names that differ from today's export tags (contract §1). `Name` keeps its name.
LEGACY_RENAMES = {
    "ResponseID": "ResponseId",
    "ExternalDataReference": "ExternalReference",
    "EmailAddress": "RecipientEmail",
}
_LEGACY_V_TAGS = frozenset(f"V{n}" for n in range(1, 11))
DELIMITERS = (",", ";", "\t")  # preference order when a first line has as many of several
_SNIFF_LIMIT = 1_000_000  # characters scanned for the first line (an unclosed quote must not scan 100 MB)
_FIELD_SIZE_LIMIT = 1 << 24  # csv's default (128 KiB per cell) is too small for long free-text answers
_REPORTED_BYTES = 10  # bytes that are not UTF-8 named in the error (all are counted)
_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as Python's surrogateescape keeps it
_CP1252_UNDEFINED = re.compile(b"[\x81\x8d\x8f\x90\x9d]")
_CELL_LINE_BREAK = re.compile("\r*\n|\r")


class CsvFileError(ValueError):
    """A file that cannot be read as the CSV it should be; the message names the file and the line."""

    def __init__(self, source: str, line: int | None, problem: str, column: int | None = None):
        self.source = source
        self.line = line
        self.column = column
        self.problem = problem
        where = source if line is None else f"{source}: line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {problem}")


class ExportFormatError(CsvFileError):
    """Not a Qualtrics export in any layout the contract accepts."""


@dataclass(frozen=True)
class DecodedCsv:
    """How a CSV file is written: what every raw-table row records about its file. `open_text()` streams
    the text of the run's copy of the file (`copy`), in constant memory, never the file itself again."""

    source: str
    encoding: str  # 'utf-8', 'utf-8-sig', 'cp1252' (or 'utf-16' for a Qualtrics TSV download)
    delimiter: str
    sha256: str  # of the bytes read (`copy.read`)
    copy: FileCopy = field(repr=False, compare=False)

    def open_text(self) -> io.TextIOWrapper:
        return io.TextIOWrapper(self.copy.open(), encoding=self.encoding, newline="")


@dataclass(frozen=True)
class HeaderColumn:
    position: int  # 1-based
    name: str
    label: str
    import_id: str | None = None
    time_zone: str | None = None
    choice_id: str | None = None


@dataclass(frozen=True)
class DataRow:
    source_row: int  # 1-based data row after the header rows
    source_line: int  # physical line where the record starts
    fields: list[str]


@dataclass(frozen=True)
class ParsedExport:
    file: DecodedCsv
    header_format: str  # 'qualtrics' or 'legacy'
    columns: tuple[HeaderColumn, ...]
    rows: list[DataRow] | Iterator[DataRow]  # an iterator from `stream_export`: read it once

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


# --- shared with flat_files: decoding, sniffing, records ------------------------------------------------


def decode_csv_file(source: str | Path | FileCopy, error: type[CsvFileError] = CsvFileError) -> DecodedCsv:
    """Decide a file's encoding from the whole file and its separator from the first line; raise `error`
    for an empty or undecodable file. `source` is a path (read here, once) or a file already read."""
    copy = source if isinstance(source, FileCopy) else read_landing_file(source)
    name = str(copy.read.path)
    with copy.open() as handle:
        start = handle.read(4)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, scan = "utf-16", _scan(copy, "utf-16")
        if scan.bad:
            raise error(
                name,
                None,
                f"byte offset {scan.bad[0][0]}: not UTF-16, although the file starts with "
                "a UTF-16 byte order mark: not a text export",
            )
    else:
        bom = start.startswith(codecs.BOM_UTF8)
        scan = _scan(copy, "utf-8", len(codecs.BOM_UTF8) if bom else 0)
        if bom or scan.wide >= scan.n_bad:  # a BOM promises UTF-8; so do more UTF-8 characters than others
            if scan.bad:
                raise _not_utf8(copy, scan, bom, error)
            encoding = "utf-8-sig" if bom else "utf-8"
        else:  # no UTF-8 evidence: Excel's "CSV (;)" on a Belgian Windows writes cp1252
            encoding = "cp1252"
            _check_cp1252(copy, error)
    if not scan.has_text:
        raise error(name, None, "file is empty")
    return DecodedCsv(name, encoding, _sniff_delimiter(scan.first_text, name, error), copy.read.sha256, copy)


@dataclass(frozen=True)
class _Scan:
    first_text: str  # the first characters (up to _SNIFF_LIMIT), for the separator
    has_text: bool
    wide: int  # characters that are valid multi-byte UTF-8 (UTF-8 scans)
    n_bad: int  # bytes that are not in the encoding (UTF-8 scans count them all, UTF-16 stops at the first)
    bad: list[tuple[int, int]]  # (byte offset, byte) of the first _REPORTED_BYTES of them


def _scan(copy: FileCopy, encoding: str, start: int = 0) -> _Scan:
    """Decode the copy from byte `start` block by block without keeping it, counting the characters of two
    or more bytes and the bytes that are not `encoding` (UTF-8: kept by surrogateescape, so one pass
    sees them all; UTF-16: the first stops the scan)."""
    decoder = codecs.getincrementaldecoder(encoding)("surrogateescape" if encoding == "utf-8" else "strict")
    first, has_text, wide, n_bad, bad, fed = [], False, 0, 0, [], start
    with copy.open() as handle:
        handle.seek(start)
        blocks = ((block, False) for block in iter(lambda: handle.read(BLOCK), b""))
        for block, final in chain(blocks, [(b"", True)]):
            begin = fed - len(decoder.getstate()[0])  # byte offset of the text this block completes
            try:
                text = decoder.decode(block, final)
            except UnicodeDecodeError as failure:
                offset = begin + failure.start
                return _Scan("", False, 0, 1, [(offset, failure.object[failure.start])])
            fed += len(block)
            escaped = _ESCAPED.findall(text)
            n_bad += len(escaped)
            wide += len(text) - len(text.encode("ascii", "ignore")) - len(escaped)
            for match in _ESCAPED.finditer(text) if escaped and len(bad) < _REPORTED_BYTES else ():
                offset = begin + len(text[: match.start()].encode("utf-8", "surrogateescape"))
                bad.append((offset, ord(match.group()) - 0xDC00))
                if len(bad) == _REPORTED_BYTES:
                    break
            if sum(map(len, first)) < _SNIFF_LIMIT:
                first.append(text)
            has_text = has_text or not text.isspace() and text != ""
    return _Scan("".join(first)[:_SNIFF_LIMIT], has_text, wide, n_bad, bad)


def _not_utf8(copy: FileCopy, scan: _Scan, bom: bool, error: type[CsvFileError]) -> CsvFileError:
    """The error for a UTF-8 file with bytes that are not UTF-8: each named by line, column and offset.
    Refused rather than read another way (the file's other text would turn to mojibake) or with the byte
    replaced (the cell would silently hold other text than the respondent's)."""
    start = len(codecs.BOM_UTF8) if bom else 0
    places = [
        (*place, offset, byte)
        for place, (offset, byte) in zip(_line_columns(copy, "utf-8", start, [o for o, _ in scan.bad]), scan.bad)
    ]
    (line, column, offset, byte), others = places[0], places[1:]
    why = "it starts with a UTF-8 byte order mark" if bom else f"{scan.wide} characters beyond ASCII in it are"
    problem = (
        f"byte 0x{byte:02x} (byte offset {offset}) is not UTF-8, but the file is UTF-8 ({why}). The file is "
        "refused rather than read garbled: correct that character (an edit saved in another encoding?) or "
        "export the file again, then run again"
    )
    if scan.n_bad > 1:
        listed = "; ".join(
            f"line {line}, column {column} (byte offset {offset}): 0x{byte:02x}"
            for line, column, offset, byte in others
        )
        problem += f". {scan.n_bad} such bytes in all" + (f", the next: {listed}" if listed else "")
    return error(str(copy.read.path), line, problem, column)


def _check_cp1252(copy: FileCopy, error: type[CsvFileError]) -> None:
    """Raise `error` at the first byte Windows-1252 does not define (the file is neither encoding)."""
    offset = 0
    with copy.open() as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            found = _CP1252_UNDEFINED.search(block)
            if found:
                at = offset + found.start()
                ((line, column),) = _line_columns(copy, "cp1252", 0, [at])
                raise error(
                    str(copy.read.path),
                    line,
                    f"byte 0x{block[found.start()]:02x} (byte offset {at}) is "
                    "neither UTF-8 nor Windows-1252: not a text export",
                    column,
                )
            offset += len(block)


def _line_columns(copy: FileCopy, encoding: str, start: int, offsets: list[int]) -> list[tuple[int, int]]:
    """(line, column) of each byte offset (ascending), lines counted as the CSV parser counts them (a line
    ends at `\\r\\n`, `\\r` or `\\n`), columns in characters from 1; the BOM (`start` bytes) is no column."""
    places, wanted = [], iter(offsets)
    target, offset = next(wanted, None), start
    with copy.open() as handle:
        handle.seek(start)
        text = io.TextIOWrapper(handle, encoding=encoding, errors="surrogateescape", newline="")
        for number, line in enumerate(text, start=1):
            data = line.encode(encoding, "surrogateescape")
            while target is not None and target < offset + len(data):
                places.append((number, len(data[: target - offset].decode(encoding, "surrogateescape")) + 1))
                target = next(wanted, None)
            if target is None:
                break
            offset += len(data)
    return places


def _sniff_delimiter(text: str, source: str, error: type[CsvFileError]) -> str:
    """The separator occurring most often on the first line, counting only outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text[:_SNIFF_LIMIT]:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            if char in "\r\n":
                break
            if char in counts:
                counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])  # ties: earlier in DELIMITERS wins
    if counts[best] == 0:
        raise error(source, 1, "no ',' ';' or tab separator on the first line: not a CSV table")
    return best


def iter_csv_records(decoded: DecodedCsv, error: type[CsvFileError] = CsvFileError) -> Iterator[tuple[int, list[str]]]:
    """Yield (physical start line, fields) per record; quoted line breaks stay inside their cell.

    Empty lines are skipped; a trailing `\\r` left on the last field (files with `\\r\\r\\n` endings or a
    stray carriage return) is stripped, and a line break inside a cell becomes `\\n` (module docstring).
    Parsing is strict: a quote opened and never closed would otherwise swallow the rest of the file into one
    cell, so it raises `error` at the line where that record starts (a bare quote inside an unquoted cell,
    `5" scherm`, is fine).
    """
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
    with decoded.open_text() as text:
        reader = csv.reader(text, delimiter=decoded.delimiter, strict=True)
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as failure:
                raise error(
                    decoded.source, start, f"cannot parse the record starting here ({failure}): check its quotes"
                ) from failure
            if not fields or (len(fields) == 1 and fields[0].strip() == ""):
                continue
            if fields[-1].endswith("\r"):
                fields[-1] = fields[-1][:-1]
            yield start, [_CELL_LINE_BREAK.sub("\n", cell) if "\r" in cell else cell for cell in fields]


# --- exports --------------------------------------------------------------------------------------------


def read_export(path: str | Path | FileCopy) -> ParsedExport:
    """Parse one export file (any accepted layout); raise `ExportFormatError` if it is none of them."""
    parsed = stream_export(path)
    return replace(parsed, rows=list(parsed.rows))


def stream_export(path: str | Path | FileCopy) -> ParsedExport:
    """`read_export` with the data rows as an iterator read from the file as they are consumed (large
    exports): header problems raise here, a broken record raises when the iteration reaches it."""
    decoded = decode_csv_file(path, ExportFormatError)
    records = iter_csv_records(decoded, ExportFormatError)
    header: list[tuple[int, list[str]]] = []
    for record in records:
        header.append(record)
        if len(header) == 3:
            break
    if len(header) < 2:
        line = header[0][0] if header else None
        raise ExportFormatError(decoded.source, line, "fewer than 2 records: an export has 2 or 3 header rows")

    if len(header) == 3 and _looks_like_import_ids(header[2][1]):
        header_format, columns = "qualtrics", _qualtrics_columns(decoded.source, header)
        pending: list[tuple[int, list[str]]] = []
    elif header[1][1][0].strip() == "ResponseID":
        header_format, columns = "legacy", _legacy_columns(decoded.source, header[:2])
        pending = header[2:]  # the third record is already the first response
    else:
        line = header[2][0] if len(header) == 3 else header[1][0]
        raise ExportFormatError(
            decoded.source,
            line,
            'not a Qualtrics export: expected row 3 to hold {"ImportId": ...} per column, '
            "or (legacy export) row 2 to start with ResponseID",
        )
    _check_names(decoded.source, header[0][0], columns)

    rows = (DataRow(number, line, fields) for number, (line, fields) in enumerate(chain(pending, records), start=1))
    return ParsedExport(decoded, header_format, tuple(columns), rows)


def _looks_like_import_ids(cells: list[str]) -> bool:
    first = next((cell.strip() for cell in cells if cell.strip()), "")
    return first.startswith("{") and '"ImportId"' in first


def _header_cells(source: str, line: int, cells: list[str], width: int, what: str) -> list[str]:
    """A header row padded to the width of row 1; non-blank cells past that width are an error."""
    if any(cell.strip() for cell in cells[width:]):
        raise ExportFormatError(source, line, f"{what} has {len(cells)} cells but row 1 names {width} columns")
    return cells[:width] + [""] * (width - len(cells))


def _qualtrics_columns(source: str, header: list[tuple[int, list[str]]]) -> list[HeaderColumn]:
    (_, names), (label_line, labels), (json_line, import_cells) = header
    width = len(names)
    labels = _header_cells(source, label_line, labels, width, "row 2 (labels)")
    import_cells = _header_cells(source, json_line, import_cells, width, "row 3 (import ids)")
    columns = []
    for position, (name, label, cell) in enumerate(zip(names, labels, import_cells), start=1):
        spec: dict = {}
        if cell.strip():
            try:
                spec = json.loads(cell)
            except json.JSONDecodeError:
                spec = None
            if not isinstance(spec, dict):
                raise ExportFormatError(
                    source, json_line, f"column {position} ({name.strip()}): {cell!r} is not a JSON object"
                )
        columns.append(
            HeaderColumn(
                position,
                name.strip(),
                label,
                _optional_text(spec.get("ImportId")),
                _optional_text(spec.get("timeZone")),
                _optional_text(spec.get("choiceId")),
            )
        )
    _check_time_zones(source, json_line, columns)
    return columns


def _check_time_zones(source: str, line: int, columns: list[HeaderColumn]) -> None:
    """Row 3's `timeZone`s are what dbt reads the dates in: one it does not know would stop the dbt build
    minutes later without file or row, so it is refused here, once per zone with every column that gives it."""
    unknown: dict[str, list[str]] = {}
    for column in columns:
        if column.time_zone is not None and not is_time_zone(column.time_zone):
            unknown.setdefault(column.time_zone, []).append(f"{column.position} ({column.name})")
    if unknown:
        raise ExportFormatError(
            source,
            line,
            "; ".join(
                f"time zone {zone!r} of column{'s' if len(where) > 1 else ''} {', '.join(where)} is not a time zone "
                "(an IANA name such as Europe/Brussels, or Z for UTC)"
                for zone, where in unknown.items()
            ),
        )


def is_time_zone(name: str) -> bool:
    """`Z` (UTC) or an IANA time zone name, in any case (DuckDB and PostgreSQL ignore case too)."""
    return name.casefold() in _time_zone_names()


@functools.cache
def _time_zone_names() -> frozenset[str]:
    return frozenset({"z"} | {name.casefold() for name in zoneinfo.available_timezones()})


def _legacy_columns(source: str, header: list[tuple[int, list[str]]]) -> list[HeaderColumn]:
    (_, tags), (label_line, labels) = header
    labels = _header_cells(source, label_line, labels, len(tags), "row 2")
    columns = []
    for position, (tag, label) in enumerate(zip(tags, labels), start=1):
        tag = tag.strip()
        # V1..V10 are positional placeholders; their real name is in row 2.
        name = LEGACY_RENAMES.get(label.strip(), label.strip()) if _is_v_tag(tag) else tag
        columns.append(HeaderColumn(position, name, label))
    return columns


def _is_v_tag(tag: str) -> bool:
    return tag in _LEGACY_V_TAGS


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def _check_names(source: str, line: int, columns: list[HeaderColumn]) -> None:
    problems = [f"column {column.position} has no name" for column in columns if not column.name]
    positions: dict[str, list[int]] = {}
    for column in columns:
        if column.name:
            positions.setdefault(column.name, []).append(column.position)
    problems += [
        f"column name {name!r} is used {len(where)} times (columns {', '.join(map(str, where))})"
        for name, where in positions.items()
        if len(where) > 1
    ]
    if problems:
        raise ExportFormatError(source, line, "; ".join(problems))


# --- raw tables -----------------------------------------------------------------------------------------

CHUNK_ROWS = 20_000  # rows per chunk of a streamed export: ~1.5 M cells, ~150 MB of Python objects


def export_frames(
    parsed: ParsedExport, *, wave_id: str, source_file: str, loaded_at: dt.datetime
) -> dict[str, pd.DataFrame]:
    """The four raw tables of one export: files, columns, rows and (non-blank) cells."""
    chunks: dict[str, list[pd.DataFrame]] = {}
    for name, frame in export_frame_chunks(parsed, wave_id=wave_id, source_file=source_file, loaded_at=loaded_at):
        chunks.setdefault(name, []).append(frame)
    return {
        name: pd.concat(chunks[name], ignore_index=True) if len(chunks[name]) > 1 else chunks[name][0]
        for name in ("export_files", "export_columns", "export_rows", "export_cells")
    }


def export_frame_chunks(
    parsed: ParsedExport, *, wave_id: str, source_file: str, loaded_at: dt.datetime, chunk_rows: int = CHUNK_ROWS
) -> Iterator[tuple[str, pd.DataFrame]]:
    """(table, frame) pieces of the four raw tables, `chunk_rows` data rows at a time, so an export of any
    size is held in memory one chunk at a time (`parsed` from `stream_export`). `export_files` comes last:
    it needs the row count."""
    decoded, columns = parsed.file, parsed.columns
    width = len(columns)
    yield (
        "export_columns",
        typed_frame(
            wave_id=[wave_id] * width,
            source_file=[source_file] * width,
            column_position=([column.position for column in columns], "int64"),
            column_name=[column.name for column in columns],
            column_label=[column.label for column in columns],
            import_id=[column.import_id for column in columns],
            time_zone=[column.time_zone for column in columns],
            choice_id=[column.choice_id for column in columns],
        ),
    )
    names = parsed.column_names  # grows by `_extra_<n>` for the widest ragged row so far
    rows_iter, n_rows, first = iter(parsed.rows), 0, True
    while True:
        rows = list(islice(rows_iter, chunk_rows))
        if not rows and not first:
            break
        first = False
        n_rows += len(rows)
        n_fields = [len(row.fields) for row in rows]
        yield (
            "export_rows",
            typed_frame(
                wave_id=[wave_id] * len(rows),
                source_file=[source_file] * len(rows),
                file_sha256=[decoded.sha256] * len(rows),
                source_row=([row.source_row for row in rows], "int64"),
                source_line=([row.source_line for row in rows], "int64"),
                n_fields=(n_fields, "int64"),
                row_issue=[
                    None if count == width else f"row has {count} fields, header has {width}" for count in n_fields
                ],
                loaded_at=loaded_at_column(loaded_at, len(rows)),
            ),
        )
        yield "export_cells", _cells_frame(rows, names, width, wave_id, source_file)
        if len(rows) < chunk_rows:
            break
    yield (
        "export_files",
        typed_frame(
            wave_id=[wave_id],
            source_file=[source_file],
            file_sha256=[decoded.sha256],
            header_format=[parsed.header_format],
            delimiter=[decoded.delimiter],
            encoding=[decoded.encoding],
            n_columns=([width], "int64"),
            n_rows=([n_rows], "int64"),
            loaded_at=loaded_at_column(loaded_at, 1),
        ),
    )


def _cells_frame(rows: Iterable[DataRow], names: list[str], width: int, wave_id: str, source_file: str) -> pd.DataFrame:
    """One row per non-blank cell. `names` is extended in place by `_extra_<n>` for ragged rows."""
    row_numbers: list[int] = []
    positions: list[int] = []
    values: list[str] = []
    for row in rows:
        fields = row.fields
        if len(fields) > len(names):
            names += [f"_extra_{index + 1 - width}" for index in range(len(names), len(fields))]
        for index, value in enumerate(fields):
            if value and not value.isspace():
                row_numbers.append(row.source_row)
                positions.append(index + 1)
                values.append(value)
    count = len(values)
    return typed_frame(
        wave_id=[wave_id] * count,
        source_file=[source_file] * count,
        source_row=(row_numbers, "int64"),
        column_position=(positions, "int64"),
        column_name=[names[position - 1] for position in positions],
        cell_value=values,
    )


def typed_frame(**columns: list | tuple[list, str] | pd.Series) -> pd.DataFrame:
    """A frame with explicit dtypes, so an empty file still yields the right column types.

    Each column is a list of strings (dtype `str`, None = missing), `(values, dtype)`, or a ready Series.
    """
    data = {}
    for name, spec in columns.items():
        if isinstance(spec, pd.Series):
            data[name] = spec
        else:
            values, dtype = spec if isinstance(spec, tuple) else (spec, "str")
            data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data)


def loaded_at_column(loaded_at: dt.datetime, count: int) -> pd.Series:
    """`loaded_at` repeated `count` times as a UTC timestamp column (a naive datetime is taken as UTC)."""
    stamp = pd.Timestamp(loaded_at)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return pd.Series([stamp] * count, dtype="datetime64[us, UTC]")
