"""Numpy test scenes for the multi-target tracker: truth paths and the plots sensors make.

Independent of ``airsentry.sim`` on purpose: the tests control noise, misses, clutter
and manoeuvres exactly. Truth is propagated on the WGS84 ellipsoid (pyproj ``Geod``)
in 0.5 s steps, so a heading and a turn rate mean what they say over any distance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

from airsentry.model import ReportBatch

GEOD = Geod(ellps="WGS84")
T0 = 1_758_265_200.0  # 2025-09-19T07:00:00Z
STEP = 0.5


@dataclass
class Target:
    lat: float
    lon: float
    speed: float  # m/s
    heading: float  # degrees clockwise from north
    alt: float = 3000.0
    start: float = 0.0  # seconds after T0
    end: float = 600.0
    turns: list[tuple[float, float, float]] = field(default_factory=list)  # (t0, t1, deg/s)
    identity: str = ""


def truth(targets: list[Target], duration: float) -> tuple[np.ndarray, ...]:
    """Times (n,), lat, lon, heading, speed (n, k) of every target on a STEP grid."""
    n = int(duration / STEP) + 1
    k = len(targets)
    lat, lon = np.empty((n, k)), np.empty((n, k))
    hdg = np.empty((n, k))
    lat[0] = [t.lat for t in targets]
    lon[0] = [t.lon for t in targets]
    hdg[0] = [t.heading for t in targets]
    speed = np.array([t.speed for t in targets])
    times = STEP * np.arange(n)
    for i in range(1, n):
        rate = np.array([sum(w for a, b, w in t.turns if a <= times[i - 1] < b) for t in targets])
        h_mid = hdg[i - 1] + 0.5 * rate * STEP
        lo, la, _ = GEOD.fwd(lon[i - 1], lat[i - 1], h_mid, speed * STEP)
        lat[i], lon[i] = la, lo
        hdg[i] = hdg[i - 1] + rate * STEP
    return times, lat, lon, hdg, np.broadcast_to(speed, (n, k))


def observe(
    targets: list[Target],
    duration: float,
    *,
    sensor: str = "radar",
    period: float = 4.0,
    noise: float = 50.0,
    p_detect: float = 1.0,
    clutter: int = 0,
    clutter_box: tuple[float, float, float, float] | None = None,
    cooperative: bool = False,
    track_numbers: bool = False,
    phase: float = 0.0,
    seed: int = 0,
    only: list[int] | None = None,
    window: tuple[float, float] = (0.0, np.inf),
    offset_m: tuple[float, float] = (0.0, 0.0),
) -> ReportBatch:
    """Plots of ``targets`` by one sensor: one scan every ``period`` s from ``phase``."""
    rng = np.random.default_rng(seed)
    _, lat, lon, hdg, speed = truth(targets, duration)
    scans = np.arange(phase, duration, period)
    cols: dict[str, list[np.ndarray]] = {c: [] for c in ("t", "lat", "lon", "ve", "vn", "id", "tn")}
    which = range(len(targets)) if only is None else only
    for s in scans:
        if not window[0] <= s < window[1]:
            continue
        i = round(float(s) / STEP)
        for j in which:
            tg = targets[j]
            if not tg.start <= s < tg.end or rng.random() > p_detect:
                continue
            d_e, d_n = rng.normal(0, noise, 2) + np.array(offset_m)
            az = np.degrees(np.arctan2(d_e, d_n))
            lo, la, _ = GEOD.fwd(lon[i, j], lat[i, j], az, np.hypot(d_e, d_n))
            cols["t"].append(np.array([T0 + s]))
            cols["lat"].append(np.array([la]))
            cols["lon"].append(np.array([lo]))
            h = np.radians(hdg[i, j])
            cols["ve"].append(np.array([speed[i, j] * np.sin(h)]))
            cols["vn"].append(np.array([speed[i, j] * np.cos(h)]))
            cols["id"].append(np.array([tg.identity if cooperative else ""], dtype=object))
            cols["tn"].append(np.array([100 + j if track_numbers else -1]))
        if clutter and clutter_box is not None:
            la0, la1, lo0, lo1 = clutter_box
            c = rng.poisson(clutter)
            cols["t"].append(np.full(c, T0 + s))
            cols["lat"].append(rng.uniform(la0, la1, c))
            cols["lon"].append(rng.uniform(lo0, lo1, c))
            cols["ve"].append(np.full(c, np.nan))
            cols["vn"].append(np.full(c, np.nan))
            cols["id"].append(np.full(c, "", dtype=object))
            cols["tn"].append(np.full(c, -1))
    cat = {k: np.concatenate(v) if v else np.empty(0) for k, v in cols.items()}
    return ReportBatch.build(
        t=cat["t"],
        lat=cat["lat"],
        lon=cat["lon"],
        alt=3000.0,
        vel_e=cat["ve"] if cooperative else None,
        vel_n=cat["vn"] if cooperative else None,
        accuracy=noise,
        sensor=sensor,
        identity=cat["id"].astype(object) if len(cat["id"]) else None,
        track_number=cat["tn"].astype(np.int64) if len(cat["tn"]) else None,
        transponder=cooperative,
    ).sorted_by_time()


def run(tracker, batch: ReportBatch, chunk_s: float = 10.0):
    """Feed ``batch`` in chunks of ``chunk_s`` seconds; return all updates and ended."""
    from airsentry.model import TrackUpdates

    ups, ended = [], []
    edges = np.arange(batch.t.min(), batch.t.max() + chunk_s, chunk_s)
    for a in edges:
        part = batch.take((batch.t >= a) & (batch.t < a + chunk_s))
        u, e = tracker.process(part)
        ups.append(u)
        ended += e
    ended += tracker.flush()
    tid = np.concatenate([u.track_id for u in ups])
    state = ReportBatch.concat([u.state for u in ups])
    return TrackUpdates(tid, state), ended


def heard_then_seen(
    drone: Target,
    duration: float,
    rf_until: float,
    plot_windows: tuple[tuple[float, float], ...],
    *,
    rf_noise: float,
    plot_noise: float,
    seed: int,
) -> list[ReportBatch]:
    """A drone heard by an RF node (its own object number, fixes ``rf_noise`` m, every
    2 s) until ``rf_until`` and plotted by a 2 s radar (``plot_noise`` m, Pd 0.9) in each
    of ``plot_windows``: the drone wall's keyed and anonymous segments of one object."""
    rf = observe([drone], duration, sensor="rf", period=2, phase=0.4, noise=rf_noise,
                 track_numbers=True, window=(0.0, rf_until), seed=seed + 3)  # fmt: skip
    seen = [
        observe([drone], duration, sensor="r1", period=2, noise=plot_noise, p_detect=0.9,
                window=w, seed=seed + 10 * k)
        for k, w in enumerate(plot_windows)
    ]  # fmt: skip
    return [rf, *seen]
