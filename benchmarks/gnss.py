"""Benchmark: the GNSS-interference map (``airsentry.gnss``) against a plain per-report
implementation, in CPU time, in the same run, interleaved; medians of ``--runs``.

Traffic: ``--aircraft`` aircraft (default 1,000) reporting once a second for
``--seconds`` seconds (default 1,000: a million reports) along straight tracks at
250 m/s over Europe, with NACp/NIC on every report; a jammer in the middle makes the
aircraft within 150 km report NACp 0; 1 % of the aircraft have one spoofed jump. The
reports arrive in time order in batches of ``--batch`` rows, as in the pipeline.

* ``map``: :class:`airsentry.gnss.GnssMap` (``add`` per batch, then ``table``);
* ``baseline``: what one writes without the arrays: per report, ``h3.latlng_to_cell``
  and the previous position from a dict (the jump test), and a set of aircraft per
  (cell, hour) (and of degraded ones); timed on ``--baseline-rows`` rows and scaled
  (its cost is linear in the reports).
* ``cells``: the cell index alone (:class:`airsentry.gnss.cells.CellIndex`) against
  ``h3.latlng_to_cell`` per point.

Run on one core: ``python benchmarks/gnss.py`` (thread pools are pinned to 1).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import h3  # noqa: E402
import numpy as np  # noqa: E402

from airsentry.gnss import GnssConfig, GnssMap  # noqa: E402
from airsentry.gnss.cells import CellIndex  # noqa: E402
from airsentry.model import ReportBatch  # noqa: E402
from airsentry.nav import NavIntegrity  # noqa: E402

T0 = 1_757_916_000.0  # 2025-09-15T06:00:00Z


def traffic(aircraft: int, seconds: int, rng: np.random.Generator) -> ReportBatch:
    """Time-ordered reports of straight tracks, a jammer at (52, 15) and a few jumps."""
    lat0 = rng.uniform(44, 60, aircraft)
    lon0 = rng.uniform(0, 30, aircraft)
    heading = rng.uniform(0, 2 * np.pi, aircraft)
    s = np.arange(seconds) * 250.0 / 111_000
    lat = lat0[:, None] + np.cos(heading)[:, None] * s
    lon = lon0[:, None] + np.sin(heading)[:, None] * s / np.cos(np.radians(lat0))[:, None]
    spoofed = rng.random(aircraft) < 0.01
    lat[spoofed, seconds // 2 :] += 1.0  # a 111 km jump, half way
    t = T0 + np.arange(seconds)[None, :] + rng.uniform(0, 1, aircraft)[:, None]
    jammed = np.hypot(lat - 52.0, (lon - 15.0) * 0.6) < 1.35
    ident = np.array([f"icao:{0x400000 + i:06x}" for i in range(aircraft)], dtype=object)
    order = np.argsort(t.ravel(), kind="stable")
    n = aircraft * seconds
    batch = ReportBatch.build(
        t=t.ravel()[order],
        lat=lat.ravel()[order],
        lon=lon.ravel()[order],
        identity=np.repeat(ident, seconds)[order],
        transponder=True,
    )
    nacp = np.where(jammed.ravel()[order], 0, 10)
    return batch.replace_columns(nav=NavIntegrity.build(n, nacp=nacp, nic=8, sil=3))


def run_map(reports: ReportBatch, batch: int) -> GnssMap:
    gmap = GnssMap(GnssConfig())
    for start in range(0, len(reports), batch):
        gmap.add(reports.take(slice(start, start + batch)))
    gmap.table()
    return gmap


def run_baseline(reports: ReportBatch) -> dict[tuple[str, int], tuple[set[str], set[str]]]:
    """The per-report implementation (same rules: NACp < 8, NIC < 7, a jump)."""
    cfg = GnssConfig()
    last: dict[str, tuple[float, float, float]] = {}
    cells: dict[tuple[str, int], tuple[set[str], set[str]]] = {}
    nav = reports.nav
    assert nav is not None
    for i in range(len(reports)):
        t, la, lo = float(reports.t[i]), float(reports.lat[i]), float(reports.lon[i])
        who = str(reports.identity[i])
        bad = 0 <= nav.nacp[i] < cfg.nacp_good or 0 <= nav.nic[i] < cfg.nic_good
        prev = last.get(who)
        if prev is not None:
            d = h3.great_circle_distance((prev[1], prev[2]), (la, lo), unit="m")
            if d > cfg.min_jump_m + cfg.max_speed_mps * abs(t - prev[0]):
                bad = True
        last[who] = (t, la, lo)
        key = (h3.latlng_to_cell(la, lo, cfg.resolution), int(t // 3600))
        seen, degraded = cells.setdefault(key, (set(), set()))
        seen.add(who)
        if bad:
            degraded.add(who)
    return cells


def cpu(fn: Callable[[], object]) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aircraft", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    reports = traffic(args.aircraft, args.seconds, np.random.default_rng(2025))
    sample = reports.take(slice(0, args.baseline_rows))
    n, m = len(reports), len(sample)
    lat, lon = reports.lat, reports.lon
    order = np.lexsort((reports.t, reports.identity.astype(str)))  # track order
    tlat, tlon = lat[order], lon[order]
    sub = slice(0, args.baseline_rows)
    times: dict[str, list[float]] = {k: [] for k in ("map", "baseline", "cells", "h3")}
    for _ in range(args.runs):
        times["map"].append(cpu(lambda: run_map(reports, args.batch)) / n)
        times["baseline"].append(cpu(lambda: run_baseline(sample)) / m)
        times["cells"].append(cpu(lambda: CellIndex(4).cells(tlat, tlon)) / n)
        times["h3"].append(
            cpu(
                lambda: [
                    h3.latlng_to_cell(a, b, 4) for a, b in zip(tlat[sub], tlon[sub], strict=True)
                ]
            )
            / m
        )
    med = {k: statistics.median(v) for k, v in times.items()}
    gmap = run_map(reports, args.batch)
    table = gmap.table()
    print(f"{n:,} reports ({args.aircraft} aircraft x {args.seconds} s), batches of {args.batch:,}")
    print(
        f"map: {len(table):,} cell-hours, "
        f"{int((table.status == 'degraded').sum()):,} degraded, "
        f"{int((table.status == 'insufficient').sum()):,} insufficient"
    )
    for name, base in (("map", "baseline"), ("cells", "h3")):
        ours, theirs = med[name], med[base]
        print(
            f"{name:>8}: {1 / ours:>12,.0f} reports/CPU-s   {base}: {1 / theirs:>10,.0f} "
            f"reports/CPU-s   ratio {theirs / ours:5.1f}x"
        )
    assert math.isfinite(med["map"])


if __name__ == "__main__":
    main()
