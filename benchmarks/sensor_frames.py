"""Benchmark: the fused tracker's sensor-frame, bearing and existence paths, CPU time.

Three comparisons, each against a named baseline in the same process, interleaved
(baseline, candidate, baseline, ...), medians over ``--repeat`` runs, one core:

* ``polar``: ``N`` targets seen by one radar for ``--scans`` scans (4 s), 30 m / 0.15 deg
  noise, Pd 0.9, ``--clutter`` false plots per scan, the plots carrying their range and
  azimuth (exact polar EKF updates) against **baseline** ``cartesian``: the same plots
  without the frame (position updates with a circular accuracy);
* ``bearings``: ``N / 10`` drones heard by three direction finders once a second
  (triangulation, then single-bearing updates) against **baseline** ``positions``: the
  same detections as position plots (each finder's bearing at the true range);
* ``clutter map``: the map's ``learn`` + ``rate`` for one scan of ``N + clutter`` plots
  against **baseline** ``run_scan``: the whole scan it is part of (the fraction is the
  existence bookkeeping's share of a scan).

Prints CPU seconds per run (and per scan) and the ratios. Run:
``python benchmarks/sensor_frames.py [--targets 300] [--scans 40]``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import pyproj  # noqa: E402

from airsentry.frame import SensorFrame  # noqa: E402
from airsentry.model import ReportBatch  # noqa: E402
from airsentry.tracking.cluttermap import ClutterMap  # noqa: E402
from airsentry.tracking.mtt import FusedTracker  # noqa: E402

GEOD = pyproj.Geod(ellps="WGS84")
ECEF = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
SITE = (52.0, 21.0, 100.0)
T0 = 1_758_265_200.0
PERIOD = 4.0


def radar(n: int, scans: int, clutter: int, seed: int) -> tuple[ReportBatch, ReportBatch]:
    """Plots with and without their polar frame."""
    rng = np.random.default_rng(seed)
    r0 = 60_000 * np.sqrt(rng.random(n))
    a0 = rng.uniform(0, 360, n)
    lon0, lat0, _ = GEOD.fwd(np.full(n, SITE[1]), np.full(n, SITE[0]), a0, r0)
    hdg, speed = rng.uniform(0, 360, n), rng.uniform(20, 250, n)
    parts = []
    for k in range(scans):
        lon, lat, _ = GEOD.fwd(lon0, lat0, hdg, speed * PERIOD * k)
        det = rng.random(n) < 0.9
        c = rng.poisson(clutter)
        cl_r = 60_000 * np.sqrt(rng.random(c))
        cl_lon, cl_lat, _ = GEOD.fwd(np.full(c, SITE[1]), np.full(c, SITE[0]),
                                     rng.uniform(0, 360, c), cl_r)  # fmt: skip
        la = np.concatenate([np.asarray(lat)[det], cl_lat])
        lo = np.concatenate([np.asarray(lon)[det], cl_lon])
        m = len(la)
        az, _, ground = GEOD.inv(np.full(m, SITE[1]), np.full(m, SITE[0]), lo, la)
        az = np.asarray(az) + rng.normal(0, 0.15, m)
        ground = np.asarray(ground) + rng.normal(0, 30.0, m)
        plon, plat, _ = GEOD.fwd(np.full(m, SITE[1]), np.full(m, SITE[0]), az, ground)
        alt = np.full(m, 3000.0)
        x, y, z = ECEF.transform(plon, plat, alt)
        sx, sy, sz = ECEF.transform(SITE[1], SITE[0], SITE[2])
        slant = np.sqrt((x - sx) ** 2 + (y - sy) ** 2 + (z - sz) ** 2)
        acc = np.hypot(30.0, ground * np.radians(0.15))
        frame = SensorFrame.build(m, site_lat=SITE[0], site_lon=SITE[1], site_alt=SITE[2],
                                  range_m=slant, azimuth_rad=np.radians(az % 360),
                                  sigma_range_m=30.0,
                                  sigma_azimuth_rad=np.radians(0.15))  # fmt: skip
        t = T0 + PERIOD * k + (az % 360) / 360 * PERIOD
        parts.append(ReportBatch.build(t=t, lat=plat, lon=plon, alt=alt, accuracy=acc,
                                       sensor="radar", frame=frame))  # fmt: skip
    with_frame = ReportBatch.concat(parts).sorted_by_time()
    return with_frame, with_frame.replace_columns(frame=None)


def finders(n: int, seconds: int, seed: int) -> tuple[ReportBatch, ReportBatch]:
    """Bearing-only rows of three direction finders, and the same as position plots."""
    rng = np.random.default_rng(seed)
    sites = [(52.0, 21.0), (52.0, 21.15), (52.08, 21.07)]
    lon0 = rng.uniform(21.0, 21.15, n)
    lat0 = rng.uniform(52.0, 52.08, n)
    hdg, speed = rng.uniform(0, 360, n), rng.uniform(8, 25, n)
    bear, pos = [], []
    for s in range(seconds):
        lon, lat, _ = GEOD.fwd(lon0, lat0, hdg, speed * s)
        for k, (slat, slon) in enumerate(sites):
            az, _, dist = GEOD.inv(np.full(n, slon), np.full(n, slat), lon, lat)
            az = np.asarray(az) + rng.normal(0, 1.5, n)
            t = np.full(n, T0 + s + 0.3 * k)
            frame = SensorFrame.build(n, site_lat=slat, site_lon=slon, site_alt=0.0,
                                      azimuth_rad=np.radians(az % 360),
                                      sigma_azimuth_rad=np.radians(1.5))  # fmt: skip
            bear.append(ReportBatch.build(t=t, lat=np.full(n, np.nan), lon=np.full(n, np.nan),
                                          sensor=f"df-{k}", frame=frame))  # fmt: skip
            plon, plat, _ = GEOD.fwd(np.full(n, slon), np.full(n, slat), az, dist)
            pos.append(ReportBatch.build(t=t, lat=plat, lon=plon, sensor=f"df-{k}",
                                         accuracy=np.asarray(dist) * np.radians(1.5)))  # fmt: skip
    return ReportBatch.concat(bear).sorted_by_time(), ReportBatch.concat(pos).sorted_by_time()


def track_cpu(batch: ReportBatch, chunk_s: float = 10.0) -> float:
    tracker = FusedTracker()
    edges = np.arange(batch.t.min(), batch.t.max() + chunk_s, chunk_s)
    parts = [batch.take((batch.t >= a) & (batch.t < a + chunk_s)) for a in edges]
    start = time.process_time()
    for part in parts:
        tracker.process(part)
    tracker.flush()
    return time.process_time() - start


def interleaved(runs: dict[str, Callable[[], float]], repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            times[name].append(fn())
    return {k: float(np.median(v)) for k, v in times.items()}


def clutter_map_cpu(batch: ReportBatch, scans: int) -> float:
    cmap = ClutterMap()
    edges = T0 + PERIOD * np.arange(scans)
    scans_of = [batch.take((batch.t >= a) & (batch.t < a + PERIOD)) for a in edges]
    start = time.process_time()
    for s in scans_of:
        t = float(s.t.max()) if len(s) else 0.0
        cmap.rate(0, s.lat, s.lon, t)
        cmap.learn(0, s.lat, s.lon, t, np.ones(len(s)))
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", type=int, default=300)
    ap.add_argument("--scans", type=int, default=40)
    ap.add_argument("--clutter", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    polar, cart = radar(args.targets, args.scans, args.clutter, seed=1)
    bear, pos = finders(max(args.targets // 10, 2), int(args.scans * PERIOD / 2), seed=2)
    print(f"{args.targets} targets, {args.scans} scans, {args.clutter} clutter plots per scan; "
          f"{len(polar)} radar plots, {len(bear)} bearings")  # fmt: skip
    r = interleaved({"cartesian": lambda: track_cpu(cart), "polar": lambda: track_cpu(polar)},
                    args.repeat)  # fmt: skip
    per = 1000.0 / args.scans
    print(f"baseline cartesian : {r['cartesian']:.3f} CPU-s ({r['cartesian'] * per:.1f} ms/scan)")
    print(f"polar (exact EKF)  : {r['polar']:.3f} CPU-s ({r['polar'] * per:.1f} ms/scan)"
          f"  ratio {r['polar'] / r['cartesian']:.2f}x")  # fmt: skip
    r = interleaved({"positions": lambda: track_cpu(pos), "bearings": lambda: track_cpu(bear)},
                    args.repeat)  # fmt: skip
    print(f"baseline positions : {r['positions']:.3f} CPU-s")
    print(f"bearings           : {r['bearings']:.3f} CPU-s"
          f"  ratio {r['bearings'] / r['positions']:.2f}x")  # fmt: skip
    r = interleaved({"run_scan": lambda: track_cpu(cart, chunk_s=PERIOD),
                     "map": lambda: clutter_map_cpu(cart, args.scans)}, args.repeat)  # fmt: skip
    print(f"baseline tracker   : {r['run_scan']:.3f} CPU-s (one scan per batch)")
    print(f"clutter map        : {r['map']:.4f} CPU-s  share {r['map'] / r['run_scan']:.1%}")


if __name__ == "__main__":
    main()
