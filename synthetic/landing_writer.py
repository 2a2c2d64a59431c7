"""Write a SYNTHETIC sample into a landing directory laid out as contract §1 expects.

Every file the generator writes is named `SYNTHETIC_...` (except the fixed-name codebook, survey definition
and override file) and a README says so, so nobody mistakes the sample for survey data. Wave 1 comes with
its full codebook; the follow-up wave as Qualtrics' survey definition `survey.qsf` with an overlay
`codebook.yaml` (contract §5.1, `synthetic.qsf_writer`), unless `qsf_waves` says otherwise.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Sequence
from pathlib import Path

from synthetic.qsf_writer import write_definition
from synthetic.qualtrics_writer import build_export, write_export
from synthetic.sample import SyntheticWave

OVERRIDES_NAME = Path("overrides") / "municipality_names.csv"
README_NAME = "README_SYNTHETIC.md"
# Waves written as survey.qsf + overlay codebook.yaml rather than a full codebook.yaml.
QSF_WAVES = ("w2_2025",)


def _wave_dir(sample: SyntheticWave) -> Path:
    return Path("waves") / sample.wave_id


def planned_files(
    sample: SyntheticWave, follow_ups: Sequence[SyntheticWave] = (), qsf_waves: Collection[str] = QSF_WAVES
) -> list[Path]:
    """Relative paths `write_landing` creates, in writing order."""
    files = []
    for wave in (sample, *follow_ups):
        wave_dir = _wave_dir(wave)
        definition = [wave_dir / "survey.qsf"] if wave.wave_id in qsf_waves else []
        files += (
            definition
            + [wave_dir / "codebook.yaml"]
            + [wave_dir / export.name for export in wave.exports]
            + [Path("taskforce") / wave.taskforce_name]
        )
    return files + [OVERRIDES_NAME, Path(README_NAME)]


def write_sample_landing(landing_dir: str | Path, seed: int = 2023, *, force: bool = False) -> list[Path]:
    """The bundled sample as `make sample` and `make run` write it: wave 1 (calibrated) and the
    follow-up wave `w2_2025` beside it."""
    from synthetic.sample import build_wave1_sample
    from synthetic.wave2 import build_wave2_sample

    wave1 = build_wave1_sample(seed)
    return write_landing(wave1, landing_dir, force=force, follow_ups=[build_wave2_sample(wave1, seed)])


def write_landing(
    sample: SyntheticWave,
    landing_dir: str | Path,
    *,
    force: bool = False,
    follow_ups: Sequence[SyntheticWave] = (),
    qsf_waves: Collection[str] = QSF_WAVES,
) -> list[Path]:
    """Write the sample (and any follow-up waves beside it); refuses a non-empty directory unless `force`
    (then only our files are replaced). The waves in `qsf_waves` get survey.qsf and an overlay codebook.yaml,
    the others their full codebook.yaml (`qsf_waves=()`: every wave a full codebook, as before).

    With `force`, earlier `SYNTHETIC_*` files in the wave and taskforce folders are removed first, so a
    re-run with another seed does not leave a second sample next to the new one. Nothing else is touched.
    """
    root = Path(landing_dir)
    waves = (sample, *follow_ups)
    if root.exists() and any(root.iterdir()):
        if not force:
            raise FileExistsError(f"{root} is not empty; pass force=True (--force) to overwrite the sample")
        for folder in [root / _wave_dir(wave) for wave in waves] + [root / "taskforce"]:
            for old in folder.glob("SYNTHETIC_*") if folder.is_dir() else ():
                old.unlink()
    written: list[Path] = []
    for wave in waves:
        written += _write_wave(wave, root, as_qsf=wave.wave_id in qsf_waves)
    path = root / OVERRIDES_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    overrides = [pair for wave in waves for pair in wave.overrides]
    lines = ["raw_text,nis_code"] + [f"{_csv_cell(text)},{code}" for text, code in overrides]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(path)
    path = root / README_NAME
    path.write_text(
        readme_text(sample) + "".join(follow_up_readme_text(wave, wave.wave_id in qsf_waves) for wave in follow_ups),
        encoding="utf-8",
    )
    written.append(path)
    return written


def _write_wave(sample: SyntheticWave, root: Path, *, as_qsf: bool = False) -> list[Path]:
    """The wave's codebook (a copy of the bundled one, or survey.qsf and its overlay written from it), its
    exports and its Taskforce snapshots."""
    wave_dir = root / _wave_dir(sample)
    wave_dir.mkdir(parents=True, exist_ok=True)
    if as_qsf:
        written = write_definition(sample.codebook, wave_dir, header=OVERLAY_HEADER.format(wave_id=sample.wave_id))
    else:
        (wave_dir / "survey.qsf").unlink(missing_ok=True)  # a full codebook, not an overlay, from now on
        shutil.copyfile(sample.codebook.source, wave_dir / "codebook.yaml")
        written = [wave_dir / "codebook.yaml"]
    for export in sample.exports:
        table = build_export(
            sample.codebook,
            [sample.responses[i] for i in export.rows],
            multi_layout=export.multi_layout,
            values=export.values,
            time_zone=export.time_zone,
        )
        written.append(write_export(table, wave_dir / export.name, dialect=export.dialect, bom=export.bom))
    taskforce_dir = root / "taskforce"
    taskforce_dir.mkdir(parents=True, exist_ok=True)
    path = taskforce_dir / sample.taskforce_name
    sample.taskforce.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    written.append(path)
    return written


OVERLAY_HEADER = """SYNTHETIC overlay of survey.qsf (wave {wave_id}; contract §5.1): the wave block and only what the
survey definition cannot say. Both files are written by the synthetic package from
seeds/survey/{wave_id}_codebook.yaml, the way a Qualtrics export and `make codebook` would give them."""


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text


def readme_text(sample: SyntheticWave) -> str:
    statuses: dict[str, int] = {}
    for row in sample.intended_rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    exports = "\n".join(
        f"- `{_wave_dir(sample).as_posix()}/{e.name}`: {len(e.rows)} rows, {e.values} values, "
        f"{e.multi_layout} multi-choice columns, {e.dialect} dialect"
        for e in sample.exports
    )
    return f"""# SYNTHETIC landing sample — not survey data

Everything in this folder is **synthetic**, generated by `python -m synthetic`
(seed {sample.seed}). No row describes a real person or a real answer: names are random, e-mail addresses
use example.org, IP addresses come from the documentation ranges, open answers were written for this
sample. The answers are calibrated so that the warehouse's rules reproduce every published figure of
the spring-2023 survey of Flemish local governments on the reception of refugees from Ukraine (wave
`{sample.wave_id}`); the Taskforce counts are likewise invented to match the report's section 5.2.

Files:

- `{_wave_dir(sample).as_posix()}/codebook.yaml`: copy of `seeds/survey/w1_2023_codebook.yaml`
{exports}
- `taskforce/{sample.taskforce_name}`: monthly cumulative snapshots, all 300 municipalities
- `{OVERRIDES_NAME.as_posix()}`: analyst fixes for municipality texts no rule resolves

Export rows by intended status: {", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))}
({len(sample.intended_answers)} responding municipalities). The second export overlaps the first by a few
identical rows, on purpose.
"""


def follow_up_readme_text(sample: SyntheticWave, as_qsf: bool = True) -> str:
    statuses: dict[str, int] = {}
    for row in sample.intended_rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    wave_dir = _wave_dir(sample).as_posix()
    if as_qsf:
        definition = (
            f"Its questionnaire comes as Qualtrics' survey definition `{wave_dir}/survey.qsf`\nwith an "
            f"overlay `{wave_dir}/codebook.yaml` (the wave block, the municipality question's role, units "
            f"and\n`comparable_to`: what a QSF cannot say), both written from "
            f"`seeds/survey/{sample.wave_id}_codebook.yaml`."
        )
        files = f"`{wave_dir}/survey.qsf`, `{wave_dir}/codebook.yaml`"
    else:
        definition = f"Its codebook is a copy of `seeds/survey/{sample.wave_id}_codebook.yaml`."
        files = f"`{wave_dir}/codebook.yaml`"
    return f"""
## Follow-up wave `{sample.wave_id}` (SYNTHETIC, not calibrated)

No second wave was ever published: `{wave_dir}/` is an invented follow-up on the 2025 map (285
municipalities) with random answers, to show how a later wave with a changed questionnaire loads and
compares (`comparable_to`). {definition}
Some respondents type the name of a municipality that merged into theirs on 1 January 2025.

- {files} and {", ".join(f"`{wave_dir}/{e.name}`" for e in sample.exports)}
- `taskforce/{sample.taskforce_name}`: monthly snapshots after wave 1, 2019–2024 codes until 2024,
  2025 codes from January 2025

Export rows by intended status: {", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))}
({len(sample.intended_answers)} responding municipalities).
"""
