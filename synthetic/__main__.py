"""Write the SYNTHETIC sample (wave `w1_2023` and the follow-up `w2_2025`) into a landing directory.

`python -m synthetic --landing-dir DIR [--seed N] [--force]`: write it into DIR (`make sample`).
`python -m synthetic --demo-landing`: what `make run` does first — write it only when
WAREHOUSE_LANDING_DIR is not set and the default landing folder is missing or empty (contract §1: a
configured landing directory never receives synthetic data).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def _write(landing: Path, seed: int, force: bool) -> list[Path]:
    from synthetic import write_sample_landing

    return write_sample_landing(landing, seed, force=force)


def demo_landing(seed: int) -> int:
    from orchestration.settings import DEFAULT_LANDING_DIR

    if os.environ.get("WAREHOUSE_LANDING_DIR"):
        return 0  # configured: the run loads it as it is, or fails clearly
    if not _is_empty(DEFAULT_LANDING_DIR):
        return 0
    written = _write(DEFAULT_LANDING_DIR, seed, force=False)
    print(
        f"The default landing directory was empty: wrote the SYNTHETIC sample ({len(written)} files, "
        f"not real survey data) to {DEFAULT_LANDING_DIR}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthetic", description="Write the SYNTHETIC landing sample.")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--landing-dir", type=Path, help="landing directory to fill")
    target.add_argument(
        "--demo-landing",
        action="store_true",
        help="fill the default landing directory, only if WAREHOUSE_LANDING_DIR is unset and it is empty",
    )
    parser.add_argument("--seed", type=int, default=2023, help="random seed (default 2023, the calibrated one)")
    parser.add_argument("--force", action="store_true", help="overwrite the sample in a non-empty directory")
    args = parser.parse_args(argv)
    if args.demo_landing:
        return demo_landing(args.seed)
    landing = args.landing_dir
    if not _is_empty(landing) and not args.force:
        print(f"error: {landing} is not empty; use --force to overwrite the synthetic sample", file=sys.stderr)
        return 2
    for path in _write(landing, args.seed, args.force):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
