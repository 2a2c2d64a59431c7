"""The landing directory (contract §1): which files are there, and whether anything changed.

```
waves/<wave_id>/codebook.yaml     the wave's questionnaire
waves/<wave_id>/survey.qsf        optional: Qualtrics' survey definition; codebook.yaml is then its overlay
waves/<wave_id>/*.csv             Qualtrics response exports
taskforce/*.csv                   Taskforce Oekraïne snapshots
overrides/municipality_names.csv  optional analyst fixes
```

Only these files count: anything else (a README, an Excel lock file `~$x.csv`, LibreOffice's
`.~lock.x.csv#`, sub-folders of a wave) is ignored, so it neither loads nor wakes the sensor. Paths are
returned sorted, so loads and fingerprints do not depend on the file system's listing order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CODEBOOK_NAME = "codebook.yaml"
QSF_NAME = "survey.qsf"  # Qualtrics' survey definition; with it, codebook.yaml is an overlay (contract §5.1)
OVERRIDE_FILE = Path("overrides") / "municipality_names.csv"
# Optional, not in the contract: the analysts' open-answer theme dictionary, replacing the shipped one.
THEMES_FILE = Path("overrides") / "open_answer_themes.csv"


@dataclass(frozen=True)
class WaveFiles:
    codebook_path: Path | None  # None: the wave cannot be read yet (downstream reports it)
    export_paths: tuple[Path, ...] = ()
    qsf_path: Path | None = None  # survey.qsf: then codebook_path is its overlay


@dataclass(frozen=True)
class LandingInventory:
    landing_dir: Path
    waves: dict[str, WaveFiles] = field(default_factory=dict)
    taskforce_paths: tuple[Path, ...] = ()
    override_path: Path | None = None
    themes_path: Path | None = None

    def all_paths(self) -> list[Path]:
        paths = [
            path
            for wave in self.waves.values()
            for path in tuple(p for p in (wave.qsf_path, wave.codebook_path) if p) + wave.export_paths
        ]
        paths += self.taskforce_paths
        paths += [path for path in (self.override_path, self.themes_path) if path]
        return paths


def discover_landing(landing_dir: str | Path) -> LandingInventory:
    """List the landing files per the contract layout; a missing landing directory is an error."""
    root = Path(landing_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"landing directory {root} does not exist (check WAREHOUSE_LANDING_DIR)")
    waves = {}
    for wave_dir in _visible(root / "waves"):
        if wave_dir.is_dir():
            codebook, qsf = wave_dir / CODEBOOK_NAME, wave_dir / QSF_NAME
            waves[wave_dir.name] = WaveFiles(
                codebook if codebook.is_file() else None, _csv_files(wave_dir), qsf if qsf.is_file() else None
            )
    override, themes = root / OVERRIDE_FILE, root / THEMES_FILE
    return LandingInventory(
        landing_dir=root,
        waves=waves,
        taskforce_paths=_csv_files(root / "taskforce"),
        override_path=override if override.is_file() else None,
        themes_path=themes if themes.is_file() else None,
    )


class LandingError(ValueError):
    """The landing directory cannot be built from: nothing is loaded and nothing is published."""


def require_waves(inventory: LandingInventory) -> None:
    """Refuse a landing directory without any wave (contract §1): building from it would publish a
    warehouse with empty fact marts over the real one. A path one level too deep (the `waves/` folder
    itself, or one wave's folder) is named as such."""
    if inventory.waves:
        return
    root = inventory.landing_dir
    entries = _visible(root)
    if not entries:
        raise LandingError(
            f"landing directory {root} is empty: no waves/<wave_id>/ folder to load "
            "(set WAREHOUSE_LANDING_DIR to the folder that holds waves/ and taskforce/)"
        )
    hint = ""
    if any((entry / CODEBOOK_NAME).is_file() for entry in entries if entry.is_dir()):
        hint = f"; it looks like the waves/ folder itself: point WAREHOUSE_LANDING_DIR at {root.parent}"
    elif (root / CODEBOOK_NAME).is_file():
        hint = f"; it looks like one wave's folder: point WAREHOUSE_LANDING_DIR at {root.parent.parent}"
    raise LandingError(f"landing directory {root} has no waves/<wave_id>/ folder{hint}")


def unused_files(inventory: LandingInventory) -> list[Path]:
    """Files in the landing directory that the contract's layout does not place (e.g. an export saved as
    .xlsx, or a CSV next to `waves/`): nothing reads them, so they are reported rather than ignored."""
    used = set(inventory.all_paths())
    return sorted(
        path
        for path in inventory.landing_dir.rglob("*")
        if path.is_file()
        and path not in used
        and not path.name.startswith((".", "~"))
        and path.suffix.lower() not in (".md", ".txt")
    )


def landing_fingerprint(file_sha256: Mapping[str, str]) -> str:
    """One hash of the landing files' contents: their relative names and sha256 (as read by a run)."""
    return hashlib.sha256(json.dumps(sorted(file_sha256.items())).encode("utf-8")).hexdigest()


def landing_part(source_file: str) -> str | None:
    """The part of the landing a file belongs to, which can be refreshed on its own: `wave:<wave_id>` for
    a wave folder's files, `taskforce`, `overrides` (both override files); None outside the layout."""
    folder, _, rest = source_file.partition("/")
    if folder == "waves" and "/" in rest:
        return f"wave:{rest.split('/', 1)[0]}"
    return folder if folder in ("taskforce", "overrides") else None


def part_fingerprints(files: Iterable[tuple[str, int, int]], parts: Iterable[str] = ()) -> dict[str, str]:
    """One fingerprint per part (`landing_part`) of (relative name, size, mtime in ns) per file, with
    `parts` present even without files. The sensor's `landing_parts` and the build record use this one
    function: the record from the files as the run read them, the sensor from the files as they are."""
    grouped: dict[str, list] = {part: [] for part in parts}
    for name, size, mtime_ns in files:
        part = landing_part(name)
        if part is not None:
            grouped.setdefault(part, []).append((name, int(size), int(mtime_ns)))
    return {
        part: hashlib.sha256(json.dumps(sorted(entries)).encode("utf-8")).hexdigest()
        for part, entries in grouped.items()
    }


def landing_parts(landing_dir: str | Path) -> dict[str, str]:
    """The landing's parts as they are now (one key per wave folder, `taskforce` and `overrides` when
    there are such files): what the sensor compares with the build record's `landing_parts`. Sizes and
    modification times, not contents: the sensor looks every minute and must not read every file."""
    inventory = discover_landing(landing_dir)
    files = []
    for path in inventory.all_paths():
        stat = path.stat()
        files.append((relative_name(path, inventory.landing_dir), stat.st_size, stat.st_mtime_ns))
    return part_fingerprints(files, wave_parts(inventory))


def wave_parts(inventory: LandingInventory) -> list[str]:
    """`wave:<wave_id>` of every wave folder, files or not."""
    return [f"wave:{wave_id}" for wave_id in inventory.waves]


def relative_name(path: str | Path, landing_dir: str | Path) -> str:
    """`path` relative to the landing directory, with `/`: the `source_file` recorded everywhere."""
    path, root = Path(path), Path(landing_dir)
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        pass
    try:  # one of the two reached through a symbolic link
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise ValueError(f"{path} is not inside the landing directory {root}") from None


def _visible(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(entry for entry in folder.iterdir() if not entry.name.startswith((".", "~")))


def _csv_files(folder: Path) -> tuple[Path, ...]:
    return tuple(entry for entry in _visible(folder) if entry.is_file() and entry.suffix.lower() == ".csv")
