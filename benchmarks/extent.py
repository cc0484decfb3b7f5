"""Benchmark: the cost of the point/extended test (``tracking/clutterextent.py``).

The drone wall's border radars (CAT048-like plots with range/azimuth frames, uniform
clutter, a wind farm and a bird flock each, drones) for ``--minutes`` of the scenario,
fed radar by radar in 2 s batches to the fused tracker, with the test (the default) and
without it (the baseline: the residual test, the crowd count and the confirmation
block replaced by no-ops; the short plot memory new tracks read stays), interleaved in the same
process, ``--repeats`` times each; prints the median CPU seconds (``time.process_time``)
of each and their ratio.

Run: ``python benchmarks/extent.py`` (about a minute). One run (2 loaded cores, 5 min,
3,175 plots): 2.11 CPU s with the test, 1.93 without, 1.09x. After the crowd count's
per-scan shortcuts (same machine, load ~4): 1.56 CPU s with the test, 1.56 without,
1.00x; the same script on the source of ``b061101`` gave 1.48 against 1.42, 1.05x.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import airsentry.tracking.ipda as ipda
from airsentry.model import ReportBatch
from airsentry.sim.scenario import resolve
from airsentry.sim.sensors import observe
from airsentry.tracking.clutterextent import PlotExtent
from airsentry.tracking.mtt import FusedTracker


def plots(minutes: float) -> list[ReportBatch]:
    """The border radars' plots over the first ``minutes`` after the first flock, one
    list of 2 s batches per radar, concatenated."""
    sc = resolve("drone-wall-poland")
    feed = observe(sc, 0)
    b = feed.reports
    t0 = min(c.start for s in sc.sensors for c in s.clutter_sources if c.kind == "birds")
    out = []
    for radar in ("WALL-R1", "WALL-R2", "WALL-R3", "WALL-R4"):
        sel = (b.sensor == radar) & (b.t >= t0) & (b.t < t0 + 60.0 * minutes)
        rb = b.take(np.flatnonzero(sel))
        for a in np.arange(t0, t0 + 60.0 * minutes, 2.0):
            part = np.flatnonzero((rb.t >= a) & (rb.t < a + 2.0))
            if len(part):
                out.append(rb.take(part))
    return out


def run(batches: list[ReportBatch]) -> float:
    tracker = FusedTracker.from_config()
    c0 = time.process_time()
    for batch in batches:
        tracker.process(batch)
    return time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    batches = plots(args.minutes)
    n = sum(len(b) for b in batches)
    observe_extent: Callable[..., Any] = ipda._observe_extent
    extended = PlotExtent.extended

    def baseline_run() -> float:
        ipda._observe_extent = lambda *a, **k: None  # type: ignore[assignment]
        PlotExtent.extended = lambda self, ids: np.zeros(len(ids), dtype=bool)  # type: ignore[method-assign]
        try:
            return run(batches)
        finally:
            ipda._observe_extent = observe_extent  # type: ignore[assignment]
            PlotExtent.extended = extended  # type: ignore[method-assign]

    with_test, without = [], []
    for _ in range(args.repeats):
        without.append(baseline_run())
        with_test.append(run(batches))
    a, b = statistics.median(with_test), statistics.median(without)
    print(f"{n} plots of 4 radars, {args.minutes:g} min, {len(batches)} batches")
    print(f"fused tracker with the extent test:  {a:.2f} CPU s (median of {args.repeats})")
    print(f"baseline, without it:                {b:.2f} CPU s")
    print(f"ratio: {a / b:.2f}x")


if __name__ == "__main__":
    main()
