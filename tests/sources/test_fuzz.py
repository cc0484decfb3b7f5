"""The fuzz harness in the suite (issue 13): small mutated cuts of real recordings of
every registered format (and a whole recording each), through read_file, live-style
piecewise feeding and a dropped session; no escape, nothing out of range, exact
accounting. Derandomised (a fixed seed), well under a minute; ``benchmarks/fuzz.py``
runs the same harness for any count."""

from __future__ import annotations

import random
from pathlib import Path

from fuzzing import FULL_BYTES, MAX_RECORDS, Cutter, fuzz, seed_cases
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


def _records_at_boundaries(data: bytes, piece: bytes, bounds: set[int]) -> int:
    """How many whole records ``piece`` is, where it occurs in ``data`` from one record
    boundary to another (0 when it occurs nowhere so)."""
    at = data.find(piece)
    while at >= 0:
        if at in bounds and at + len(piece) in bounds:
            return sum(1 for b in bounds if at <= b < at + len(piece))
        at = data.find(piece, at + 1)
    return 0


def test_cuts_are_whole_records_and_a_full_input_a_bounded_stretch(
    traffic_wheel: Path, asterix_sdist: Path
):
    """The one cutter: a cut is 1 to MAX_RECORDS whole records; a long recording's full
    input is whole records from a boundary, at most FULL_BYTES (after its prefix)."""
    cases = seed_cases(traffic_wheel, asterix_sdist)
    rng = random.Random(SEED)
    checked = 0
    for case, (fmt, data, _) in cases.items():
        cutter = Cutter(case, fmt, data, rng)
        if cutter.docs:
            continue
        bounds = set(cutter.starts.tolist())
        for _ in range(50):
            n = _records_at_boundaries(cutter.data, cutter.cut(rng), bounds)
            assert 1 <= n <= MAX_RECORDS, case
        whole = cutter.full(rng)
        if len(cutter.data) > FULL_BYTES:
            body = whole[len(cutter.prefix) :]
            assert whole.startswith(cutter.prefix)
            assert 0 < len(body) <= FULL_BYTES, case
            assert _records_at_boundaries(cutter.data, body, bounds) >= 1, case
        checked += 1
    assert checked >= 5
