"""Benchmark: the default tracker's kept rows, bounded rings against the 90 s row dump.

The cooperative (keyed) part of the default tracker used to keep every row of every
live track for ``history_s`` = 90 s as a ``ReportBatch`` (strings as Python objects),
and copied all of it every batch (``concat`` then ``take``) to estimate velocities and
to join radar plots onto keyed tracks; CPU per batch and memory grew with report rate x
90 s. It now keeps a few rows per track in preallocated rings
(:mod:`airsentry.tracking.recent`).

Scenario (numpy, seeded): ``--aircraft`` ADS-B aircraft report positions without
velocity (``--rate`` Hz each, 10 m accuracy, so the velocity path runs) in 1 s batches
for ``--seconds``; one in ten is also seen by a plot radar every 4 s (150 m plots,
anonymous: joined onto the keyed track). Both trackers are
:class:`~airsentry.tracking.combined.CombinedTracker`; the baseline is the same class
with the cooperative, combined and join modules of commit ``3d3c330`` (read with
``git show`` into a temporary package).

Printed: median CPU ms per batch (``time.process_time``) over the batches after the
first ``history_s`` (once the old history is full), the two run interleaved batch by
batch in alternating order, and the ratio; then, per tracker run alone under
tracemalloc, the memory still held by the tracker at the end and the peak while it ran;
and whether both gave the same track ids to the same rows.

Run: ``python benchmarks/cooperative_history.py [--aircraft 3000 --rate 2]``.
Figures of one run (2 loaded cores, ``--aircraft 3000 --rate 2 --seconds 150``: 6,075
reports/s; some 5 minutes, most of it the old tracker):

=========================  ===============  =============  ================
tracker                    CPU ms / batch   held at end    tracemalloc peak
=========================  ===============  =============  ================
old (90 s of rows)         487.8            68.8 MB        266.3 MB
new (rings)                39.1 (12.5x)     17.1 MB        26.8 MB
=========================  ===============  =============  ================

Track ids per row: identical at 1,000 aircraft (0 of 121,500 rows over 60 s); 2 of
364,500 rows differ at 3,000 aircraft (plots at the edge of the join gate, now matched
against the newest few kept rows of a track instead of every row of the last 90 s).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from statistics import median
from types import ModuleType
from typing import Any

import numpy as np

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker

BASELINE = "3d3c330"
ROOT = Path(__file__).resolve().parents[1]


def _old_modules() -> ModuleType:
    """The combined tracker of ``BASELINE`` with its own cooperative and join modules."""
    tmp = Path(tempfile.mkdtemp(prefix="old_tracking_"))
    for name in ("cooperative", "join", "combined"):
        src = subprocess.run(
            ["git", "show", f"{BASELINE}:src/airsentry/tracking/{name}.py"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        for dep in ("cooperative", "join"):
            src = src.replace(f"airsentry.tracking.{dep} import", f"old_{dep} import")
        (tmp / f"old_{name}.py").write_text(src)
    sys.path.insert(0, str(tmp))
    for name in ("old_cooperative", "old_join", "old_combined"):
        spec = importlib.util.spec_from_file_location(name, tmp / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules["old_combined"]


def batches(aircraft: int, rate: float, seconds: int, seed: int = 0) -> list[ReportBatch]:
    rng = np.random.default_rng(seed)
    lat0 = rng.uniform(45.0, 55.0, aircraft)
    lon0 = rng.uniform(0.0, 15.0, aircraft)
    heading = rng.uniform(0, 2 * np.pi, aircraft)
    speed = rng.uniform(120.0, 250.0, aircraft)
    alt = rng.uniform(3000.0, 11000.0, aircraft)
    names = np.array([f"icao:{0x400000 + i:06x}" for i in range(aircraft)], dtype=object)
    seen_by_radar = np.flatnonzero(np.arange(aircraft) % 10 == 0)
    per_s = max(1, round(rate))
    out = []
    for s in range(seconds):
        t = s + (np.arange(per_s)[:, None] + rng.uniform(0, 1, aircraft)[None, :]) / per_s
        t = t.reshape(-1)
        who = np.tile(np.arange(aircraft), per_s)
        radar = seen_by_radar[(s + seen_by_radar) % 4 == 0]
        t = np.r_[t, s + rng.uniform(0, 1, len(radar))]
        who = np.r_[who, radar]
        n_adsb = len(t) - len(radar)
        noise = np.r_[np.full(n_adsb, 10.0), np.full(len(radar), 150.0)]
        east = speed[who] * np.sin(heading[who]) * t + rng.normal(0, 1, len(t)) * noise
        north = speed[who] * np.cos(heading[who]) * t + rng.normal(0, 1, len(t)) * noise
        lat = lat0[who] + north / 111_320.0
        lon = lon0[who] + east / (111_320.0 * np.cos(np.radians(lat0[who])))
        plot = np.arange(len(t)) >= n_adsb
        order = np.argsort(t, kind="stable")
        out.append(ReportBatch.build(
            t=1.7e9 + t[order], lat=lat[order], lon=lon[order], alt=alt[who][order],
            accuracy=noise[order], identity=np.where(plot, "", names[who])[order],
            sensor=np.where(plot, "radar", "adsb")[order].astype(object),
            transponder=~plot[order],
        ))  # fmt: skip
    return out


def make(kind: str, old: ModuleType) -> Any:
    return old.CombinedTracker() if kind == "old" else CombinedTracker()


def timed(data: list[ReportBatch], old: ModuleType, skip: int) -> dict[str, list[float]]:
    trackers = {"old": make("old", old), "new": make("new", old)}
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    differ = total = 0
    for i, b in enumerate(data):
        order = ("old", "new") if i % 2 == 0 else ("new", "old")
        ids = {}
        for k in order:
            c0 = time.process_time()
            upd, _ = trackers[k].process(b)
            c1 = time.process_time()
            ids[k] = upd.track_id
            if i >= skip:
                cpu[k].append(c1 - c0)
        differ += int((ids["old"] != ids["new"]).sum()) if len(ids["old"]) == len(b) else len(b)
        total += len(b)
    print(f"rows given another track id than by the old tracker: {differ:,} of {total:,}")
    return cpu


def memory(kind: str, data: list[ReportBatch], old: ModuleType) -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracker = make(kind, old)
    for b in data:
        tracker.process(b)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del tracker
    return held / 1e6, peak / 1e6


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--aircraft", type=int, default=1500)
    p.add_argument("--rate", type=float, default=2.0, help="reports per second per aircraft")
    p.add_argument("--seconds", type=int, default=120)
    a = p.parse_args()
    old = _old_modules()
    data = batches(a.aircraft, a.rate, a.seconds)
    n = sum(len(b) for b in data)
    print(f"{a.aircraft} aircraft, {n / a.seconds:,.0f} reports/s, {a.seconds} s in 1 s batches")
    skip = 90 if a.seconds >= 120 else a.seconds // 2  # the old history full
    cpu = timed(data, old, skip)
    mo, mn = median(cpu["old"]) * 1e3, median(cpu["new"]) * 1e3
    print(f"CPU ms per batch (median of {len(cpu['new'])} batches after {skip} s):")
    print(f"  old (90 s of rows, {BASELINE}) {mo:8.1f}")
    print(f"  new (bounded rings)        {mn:8.1f}   speed-up {mo / mn:.2f}x")
    for kind in ("old", "new"):
        held, peak = memory(kind, data, old)
        print(f"  {kind}: held at end {held:7.1f} MB, tracemalloc peak {peak:7.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
