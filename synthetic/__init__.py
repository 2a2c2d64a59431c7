"""SYNTHETIC sample: a wave-1 Qualtrics export calibrated so that the warehouse reproduces the report, and
an invented follow-up wave `w2_2025` on the 2025 map (`wave2.build_wave2_sample`).

Only aggregates of the spring-2023 survey were published; this package invents respondents whose
answers, after the contract's rules (valid response, municipality resolution, display logic,
consolidation), give back every published count. See `sample.build_wave1_sample`.
"""

from synthetic.landing_writer import write_landing, write_sample_landing
from synthetic.sample import ExportFile, RowExpectation, SyntheticWave, build_wave1_sample
from synthetic.wave2 import build_wave2_sample

__all__ = [
    "ExportFile",
    "RowExpectation",
    "SyntheticWave",
    "build_wave1_sample",
    "build_wave2_sample",
    "write_landing",
    "write_sample_landing",
]
