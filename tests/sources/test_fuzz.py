"""The fuzz harness in the suite (issue 13): mutated real recordings of every registered
format, through read_file and through live-style piecewise feeding; no escape, nothing
out of range, exact accounting. Derandomised (a fixed seed) and a few seconds long;
``benchmarks/fuzz.py`` runs the same harness for any count."""

from __future__ import annotations

from pathlib import Path

from fuzzing import fuzz, seed_cases
from golden import CASES

from airsentry.sources.base import formats

COUNT = 12  # inputs per case: every mutation kind, a few seconds in all
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
    assert all(t.inputs == COUNT for t in tallies.values())
