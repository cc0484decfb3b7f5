"""Benchmark: the vectorised zone index against plain shapely, on the default catalogue.

Two point sets of ``--points`` points (default 1,000,000):

* ``uniform``: uniform over the European part of the catalogue (lon -25..45, lat 34..72);
* ``clustered``: realistic traffic, crowded where it matters: around airports and along
  European borders (Gaussian scatter of ~5 km around airport centres and border vertices).

For each, the index's throughput is the median of ``--runs`` runs in CPU time, after a
first (cold) query whose figure is printed too: the first query that lands in an edge
cell's sub-cell settles it (:mod:`airsentry.airspace.subcells`). Interleaved with it,
the same index with every sub-cell left mixed (``without sub-cells``: every edge point
gets crossing tests, the algorithm before sub-cells) is timed as the named baseline of
the change. The other baseline is the plain approach in the same run:
``shapely.contains_xy`` of every (prepared) zone over the points, timed on a
``--baseline-points`` subsample and scaled to points per second (its cost is linear
in the points). Build times are printed too: the catalogue load, a
fresh grid build (no cache), and a load from the on-disk grid cache.

Run on one core: ``python benchmarks/airspace_index.py`` (thread pools are pinned to 1).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402
import shapely  # noqa: E402

from airsentry.airspace import ZoneIndex, default_catalogue  # noqa: E402
from airsentry.airspace.gridcache import cached_build  # noqa: E402
from airsentry.airspace.subcells import MIXED  # noqa: E402
from airsentry.model import FloatArray, IntArray, Zone, ZoneKind  # noqa: E402


def uniform_points(n: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    return rng.uniform(34.0, 72.0, n), rng.uniform(-25.0, 45.0, n)


def clustered_points(
    zones: tuple[Zone, ...], n: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Half around airports, half along European borders, ~5 km scatter."""
    airports = np.array(
        [(z.properties["lat"], z.properties["lon"]) for z in zones if z.kind is ZoneKind.AIRPORT]
    )
    borders = shapely.get_coordinates(
        np.array([z.geometry for z in zones if z.kind is ZoneKind.SOVEREIGN], dtype=object)
    )[:, ::-1]
    europe = (borders[:, 0] > 34) & (borders[:, 0] < 72) & (borders[:, 1] > -25)
    borders = borders[europe & (borders[:, 1] < 45)]
    half = n // 2
    centres = np.concatenate(
        [
            airports[rng.integers(0, len(airports), half)],
            borders[rng.integers(0, len(borders), n - half)],
        ]
    )
    scatter = rng.normal(0.0, 0.045, centres.shape)
    scatter[:, 1] /= np.cos(np.radians(centres[:, 0]))
    return centres[:, 0] + scatter[:, 0], centres[:, 1] + scatter[:, 1]


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def interleaved(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """Median CPU seconds of each function, run in turn ``runs`` times."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, out in zip(fns, times, strict=True):
            t = time.process_time()
            fn()
            out.append(time.process_time() - t)
    return [statistics.median(t) for t in times]


def without_sub_cells(zones: tuple[Zone, ...]) -> ZoneIndex:
    """The index with every sub-cell mixed: all edge points get crossing tests."""
    index = ZoneIndex(zones)

    def all_mixed(e: IntArray, lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.uint8]:
        return np.full(len(e), MIXED, dtype=np.uint8)

    index._sub.states = all_mixed  # type: ignore[method-assign]
    return index


def baseline_rate(zones: tuple[Zone, ...], lat: FloatArray, lon: FloatArray) -> float:
    """Points per second of contains_xy zone by zone (prepared geometries)."""
    geoms = [z.geometry for z in zones]
    shapely.prepare(geoms)
    t = time.process_time()
    for g in geoms:
        shapely.contains_xy(g, lon, lat)
    return len(lat) / (time.process_time() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline-points", type=int, default=20_000)
    args = parser.parse_args()
    rng = np.random.default_rng(2025)

    t = time.perf_counter()
    catalogue = default_catalogue()
    t_catalogue = time.perf_counter() - t
    zones = catalogue.zones
    t = time.perf_counter()
    index = ZoneIndex(zones, cache=False)
    t_build = time.perf_counter() - t
    geoms = np.array([z.geometry for z in zones], dtype=object)
    with tempfile.TemporaryDirectory() as tmp:
        cached_build(geoms, directory=Path(tmp))  # writes the cache
        t = time.perf_counter()
        cached_build(geoms, directory=Path(tmp))
        t_cached = time.perf_counter() - t
    print(f"zones: {len(zones)}  (sovereign, 30 km bands, airports)")
    print(
        f"catalogue load {t_catalogue:.2f} s, grid build {t_build:.2f} s, "
        f"grid from cache {t_cached:.2f} s"
    )

    sets = {
        "uniform": uniform_points(args.points, rng),
        "clustered": clustered_points(zones, args.points, rng),
    }
    alt_rng = np.random.default_rng(7)
    before = without_sub_cells(zones)
    for name, (lat, lon) in sets.items():
        n = len(lat)
        t = time.process_time()
        index.query(lat, lon)  # the cold query settles the sub-cells it lands in
        cold = time.process_time() - t
        before.query(lat, lon)
        dt, dt_before = interleaved(
            [lambda lat=lat, lon=lon: index.query(lat, lon),
             lambda lat=lat, lon=lon: before.query(lat, lon)],
            args.runs,
        )  # fmt: skip
        alt = alt_rng.uniform(0.0, 3_000.0, n)
        tt = np.full(n, 1.75e9)
        dt_f = median_time(
            lambda lat=lat, lon=lon, alt=alt, tt=tt: index.query(lat, lon, alt=alt, t=tt),
            args.runs,
        )
        pairs = len(index.query(lat, lon))
        sub = slice(0, min(args.baseline_points, n))
        base = baseline_rate(zones, lat[sub], lon[sub])
        rate = n / dt
        print(
            f"{name:9s}: {rate / 1e6:6.1f} M points/s (CPU, median of {args.runs}, {n:,} "
            f"points, {pairs:,} pairs; first query {n / cold / 1e6:.1f} M/s); without "
            f"sub-cells {n / dt_before / 1e6:5.1f} M/s (x{dt_before / dt:.2f}); "
            f"with altitude+time {n / dt_f / 1e6:5.1f} M/s; "
            f"baseline {base / 1e3:6.1f} k points/s "
            f"(on {sub.stop:,} points, scaled); ratio {rate / base:,.0f}x"
        )


if __name__ == "__main__":
    main()
