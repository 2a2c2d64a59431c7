"""`python -m orchestration.synthetic --landing-dir DIR [--seed N] [--force]`: write the SYNTHETIC sample."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.synthetic",
                                     description="Write the SYNTHETIC wave-1 landing sample.")
    parser.add_argument("--landing-dir", required=True, type=Path, help="landing directory to fill")
    parser.add_argument("--seed", type=int, default=2023, help="random seed (default 2023, the calibrated one)")
    parser.add_argument("--force", action="store_true", help="overwrite the sample in a non-empty directory")
    args = parser.parse_args(argv)
    landing = args.landing_dir
    if landing.exists() and any(landing.iterdir()) and not args.force:
        print(f"error: {landing} is not empty; use --force to overwrite the synthetic sample", file=sys.stderr)
        return 2
    from orchestration.synthetic import build_wave1_sample, write_landing

    for path in write_landing(build_wave1_sample(args.seed), landing, force=args.force):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
