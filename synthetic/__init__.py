"""SYNTHETIC wave-1 sample: a Qualtrics export calibrated so that the warehouse reproduces the report.

Only aggregates of the spring-2023 survey were published; this package invents respondents whose
answers, after the contract's rules (valid response, municipality resolution, display logic,
consolidation), give back every published count. See `sample.build_wave1_sample`.
"""

from synthetic.landing_writer import write_landing
from synthetic.sample import ExportFile, RowExpectation, SyntheticWave, build_wave1_sample

__all__ = ["ExportFile", "RowExpectation", "SyntheticWave", "build_wave1_sample", "write_landing"]
