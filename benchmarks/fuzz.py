"""Fuzz every registered format for as long as you like: the suite's harness at scale.

The harness is ``tests/sources/fuzzing.py``: small inputs (a few records cut from a
real recording at record boundaries, mutated; one in 400 the whole recording, or a 256 kB
stretch of a long one) through ``read_file``, live-style piecewise feeding and a dropped
session (``resync``); no escape, nothing out of range, exact accounting. Inputs of a
stream format are decoded in rounds of 128 and a round with a finding is re-run input by
input. The seed recordings are the golden cases of every format, read from the
``traffic`` wheel and the ``asterix-decoder`` sdist that the tests use::

    export AIRSENTRY_TRAFFIC_WHEEL=.../traffic-2.13-py3-none-any.whl
    export AIRSENTRY_ASTERIX_SDIST=.../asterix_decoder-0.7.2.tar.gz
    python benchmarks/fuzz.py --count 66667 --seed 7     # per case: 1,000,005 in all

It prints, per case, the inputs tried (of which whole recordings), escapes, accounting
errors and out-of-range reports (with a few examples; ``--keep DIR`` writes the inputs
that showed them), and exits 1 if any was found. Most formats run at 1,000-7,000 inputs
per CPU-second; jet1090 at about 150 (its decoder bisects a block with bad lines
through Arrow's JSON reader, one call per half). ``--case`` picks cases, so a long run
can be split over processes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests" / "sources"), str(HERE.parent / "src")]

from fuzzing import Tally, fuzz, seed_cases  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=1000, help="mutated inputs per case")
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--case", action="append", help="only these cases (repeatable)")
    p.add_argument("--keep", type=Path, help="write the inputs that showed a finding here")
    args = p.parse_args()
    try:
        wheel = Path(os.environ["AIRSENTRY_TRAFFIC_WHEEL"])
        sdist = Path(os.environ["AIRSENTRY_ASTERIX_SDIST"])
    except KeyError as exc:
        p.error(f"set {exc.args[0]} (see the module doc)")
    cases = seed_cases(wheel, sdist)
    if args.case:
        cases = {k: v for k, v in cases.items() if k in args.case}
    print(f"seed {args.seed}, {args.count:,} inputs per case, {len(cases)} cases", flush=True)
    print(
        f"{'case':16} {'inputs':>10} {'(whole)':>8} {'escapes':>8} {'accounting':>10} "
        f"{'range':>6}  cpu s"
    )
    started = time.process_time()

    def show(case: str, t: Tally) -> None:
        cpu = time.process_time() - started
        print(
            f"{case:16} {t.inputs:>10,} {t.full:>8,} {t.escapes:>8} {t.accounting:>10} "
            f"{t.out_of_range:>6}  {cpu:.0f}",
            flush=True,
        )
        for example in t.examples:
            print(f"    {example}")
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            for i, data in enumerate(t.culprits):
                (args.keep / f"{case}-{args.seed}-{i}.bin").write_bytes(data)

    tallies = fuzz(cases, args.count, args.seed, progress=show)
    total = sum(t.inputs for t in tallies.values())
    bad = sum(t.escapes + t.accounting + t.out_of_range for t in tallies.values())
    cpu = time.process_time() - started
    print(f"total: {total:,} inputs, {bad} findings, {cpu:.0f} CPU-s ({total / cpu:,.0f}/s)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
