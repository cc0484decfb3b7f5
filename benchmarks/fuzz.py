"""Fuzz every registered format for as long as you like: the suite's harness at scale.

The harness is ``tests/sources/fuzzing.py`` (mutated real recordings through
``read_file`` and through live-style piecewise feeding; no escape, nothing out of range,
exact accounting). The seed recordings are the golden cases of every format, read from
the ``traffic`` wheel and the ``asterix-decoder`` sdist that the tests use::

    export AIRSENTRY_TRAFFIC_WHEEL=.../traffic-2.13-py3-none-any.whl
    export AIRSENTRY_ASTERIX_SDIST=.../asterix_decoder-0.7.2.tar.gz
    python benchmarks/fuzz.py --count 100000 --seed 7      # inputs per case

It prints, per case, the inputs tried, escapes, accounting errors and out-of-range
reports (with a few examples), and exits 1 if any was found. A million inputs is
``--count 84000`` (12 cases); about 20 ms of CPU per input, so run it in parallel with
different seeds (``--seed``) on a machine with cores to spare.
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
    print(f"{'case':16} {'inputs':>10} {'escapes':>8} {'accounting':>10} {'range':>6}  cpu s")
    started = time.process_time()

    def show(case: str, t: Tally) -> None:
        cpu = time.process_time() - started
        print(
            f"{case:16} {t.inputs:>10,} {t.escapes:>8} {t.accounting:>10} "
            f"{t.out_of_range:>6}  {cpu:.0f}",
            flush=True,
        )
        for example in t.examples:
            print(f"    {example}")

    tallies = fuzz(cases, args.count, args.seed, progress=show)
    total = sum(t.inputs for t in tallies.values())
    bad = sum(t.escapes + t.accounting + t.out_of_range for t in tallies.values())
    print(f"total: {total:,} inputs, {bad} findings")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
