"""The fuzz harness in the suite (issue 13): small mutated cuts of real recordings of
every registered format (and a whole recording each), through read_file, live-style
piecewise feeding and a dropped session; no escape, nothing out of range, exact
accounting. Derandomised (a fixed seed), well under a minute; ``benchmarks/fuzz.py``
runs the same harness for any count."""

from __future__ import annotations

from pathlib import Path

from fuzzing import fuzz, seed_cases
from golden import CASES

from airsentry.sources.base import formats

COUNT = 300  # inputs per case, the last a whole recording
SEED = 13


def test_every_format_survives_mutation_with_exact_accounting(
    traffic_wheel: Path, asterix_sdist: Path
):
    cases = seed_cases(traffic_wheel, asterix_sdist)
    assert {fmt for fmt, _, _ in CASES.values()} == set(formats())  # every format fuzzed
    tallies = fuzz(cases, COUNT, SEED)
    bad = {
        case: (t.escapes, t.accounting, t.out_of_range, t.examples)
        for case, t in tallies.items()
        if t.escapes or t.accounting or t.out_of_range
    }
    assert not bad
    assert all(t.inputs == COUNT and t.full == 1 for t in tallies.values())
