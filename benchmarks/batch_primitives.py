"""Benchmark: the batch primitives every stage calls, against the NumPy calls they replace.

Issue 12's sixth round replaced, on the replay's hot paths, four NumPy calls that cost
more than they need for a batch's shape:

* ``order.lexsort((t, track))`` against ``np.lexsort``: rows by track, then time
  (a radix sort of the track ids; the times already rise along each track);
* ``order.unique_inverse(track)`` against ``np.unique(return_inverse=True)``;
* ``grouped.grouped_cummax`` (a running maximum over complex keys) against the rank
  method it replaced (``np.unique`` of the values, then an integer running maximum);
* ``columns.cells(n, "opensky")`` against ``np.full(n, "opensky", dtype=object)``.

The input is a replay-sized batch (``--rows``, default 20,000) of ``--tracks`` track
ids in time order, as the tracker hands them on. Each contender is checked to give the
baseline's answer, then timed in CPU time, interleaved, medians of ``--runs``.

Figures (2026-12-05, quiet machine, 20,000 rows, 300 tracks, medians of 200; CPU µs):
lexsort 221 against 826 (3.7x), unique with inverse 291 against 312 (1.07x: NumPy 2's
own is nearly as quick for integers), grouped running maximum 82 against 395 (4.8x),
an object column of one text 36 against 492 (13.7x; 170 against 4,300 at 100,000
cells).

Run: ``python benchmarks/batch_primitives.py [--rows 20000] [--tracks 300] [--runs 200]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import interleaved, medians
from airsentry.columns import cells
from airsentry.identify.grouped import grouped_cummax
from airsentry.order import lexsort, unique_inverse


def rank_cummax(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The running maximum per group as it was: values ranked by ``np.unique``."""
    distinct, rank = np.unique(values, return_inverse=True)
    m = len(distinct)
    key = group.astype(np.int64) * m + rank.reshape(-1)
    best = np.maximum.accumulate(key)
    out: np.ndarray = distinct[best - group.astype(np.int64) * m].astype(np.float64)
    return out


def same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--tracks", type=int, default=300)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(12)
    n = args.rows
    t = np.sort(rng.uniform(1.7e9, 1.7e9 + 60.0, n))
    track = rng.integers(1_000, 1_000 + args.tracks, n).astype(np.int64)
    by_track = np.argsort(track, kind="stable")
    group = np.cumsum(np.r_[True, track[by_track][1:] != track[by_track][:-1]]) - 1
    speed = np.abs(rng.normal(200.0, 40.0, n)).round(1)

    cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "lexsort (t, track)": (lambda: lexsort((t, track)), lambda: np.lexsort((t, track))),
        "unique with inverse": (
            lambda: unique_inverse(track),
            lambda: np.unique(track, return_inverse=True),
        ),
        "grouped running maximum": (
            lambda: grouped_cummax(speed, group),
            lambda: rank_cummax(speed, group),
        ),
        "object column of one text": (
            lambda: cells(n, "opensky"),
            lambda: np.full(n, "opensky", dtype=object),
        ),
    }
    print(f"{n:,} rows, {args.tracks} tracks; CPU µs, medians of {args.runs}, interleaved")
    for name, (current, baseline) in cases.items():
        cpu, out = interleaved({"current": current, "baseline": baseline}, args.runs)
        if not same(out["current"], out["baseline"]):
            raise SystemExit(f"{name}: the current answer differs from the baseline's")
        med = medians(cpu)
        print(
            f"  {name:28s} current {med['current'] * 1e6:8.1f}  baseline "
            f"{med['baseline'] * 1e6:8.1f}  x{med['baseline'] / med['current']:.2f}"
        )


if __name__ == "__main__":
    main()
