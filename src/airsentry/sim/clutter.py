"""Structured radar clutter: wind farms and bird flocks, beside the uniform clutter.

A plot radar sees more than aircraft and noise. A wind farm's turning blades give plots
at fixed places scan after scan (the Doppler of the blade tips passes the moving-target
filter); a flock of birds gives a slow (10-20 m/s) plot that moves coherently for many
minutes, exactly what a drone tracker must learn not to confirm. Each is a
:class:`ClutterSource` in the sensor's ``clutter_sources``: a centre (moving at
``speed_mps`` along ``heading_deg`` from ``start`` to ``end`` for birds), a radius over
which its plots scatter, and a Poisson mean of plots per scan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from airsentry.errors import ScenarioError
from airsentry.model import ReportBatch
from airsentry.sim.routes import GEOD, num, time_of


@dataclass(frozen=True, slots=True)
class ClutterSource:
    """A wind farm (``speed_mps`` 0) or a flock of birds (moving) seen by one radar."""

    kind: str  # "wind_farm" or "birds"
    lat: float
    lon: float
    radius_m: float
    per_scan: float
    alt_m: float = 100.0
    heading_deg: float = 0.0
    speed_mps: float = 0.0
    start: float = -math.inf  # epoch s; a wind farm turns all the time
    end: float = math.inf


def parse_sources(items: Any, where: str, source: str) -> tuple[ClutterSource, ...]:
    """``clutter_sources`` of a sensor in a scenario file."""
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ScenarioError(f"{where}.clutter_sources: a list is required", source=source)
    out = []
    for k, m in enumerate(items):
        w = f"{where}.clutter_sources[{k}]"
        if not isinstance(m, Mapping) or m.get("kind") not in ("wind_farm", "birds"):
            raise ScenarioError(f"{w}.kind: 'wind_farm' or 'birds' is required", source=source)
        start = time_of(m["start"], w, source) if m.get("start") is not None else -math.inf
        end = time_of(m["end"], w, source) if m.get("end") is not None else math.inf
        src = ClutterSource(
            kind=str(m["kind"]),
            lat=num(m, "lat", w, source),
            lon=num(m, "lon", w, source),
            radius_m=num(m, "radius_m", w, source, 500.0),
            per_scan=num(m, "per_scan", w, source),
            alt_m=num(m, "alt_m", w, source, 100.0),
            heading_deg=num(m, "heading_deg", w, source, 0.0),
            speed_mps=num(m, "speed_mps", w, source, 0.0),
            start=start,
            end=end,
        )
        if src.radius_m <= 0 or src.per_scan < 0 or src.speed_mps < 0:
            raise ScenarioError(f"{w}: radius, per_scan and speed must be positive", source=source)
        out.append(src)
    return tuple(out)


def structured_clutter(
    sources: tuple[ClutterSource, ...],
    sensor: str,
    period_s: float,
    accuracy: float,
    span: tuple[float, float],
    phase: float,
    rng: np.random.Generator,
    site: tuple[float, ...] | None = None,
) -> ReportBatch:
    """The plots of ``sources`` seen by radar ``sensor`` (scan period ``period_s``, first
    scan at ``phase``) over ``span``, each with 1-sigma error ``accuracy``; with the
    radar's ``site`` (lat, lon, ...), each is timed when the antenna points at it."""
    scans = phase + period_s * np.arange(
        math.floor((span[0] - phase) / period_s), math.ceil((span[1] - phase) / period_s)
    )
    parts = []
    for src in sources:
        live = scans[(scans >= src.start) & (scans <= src.end)]
        counts = rng.poisson(src.per_scan, len(live))
        n = int(counts.sum())
        if n == 0:
            continue
        t = np.repeat(live, counts) + rng.uniform(0, period_s, n)
        flown = src.speed_mps * (t - (src.start if math.isfinite(src.start) else t))
        clon, clat, _ = GEOD.fwd(
            np.full(n, src.lon), np.full(n, src.lat), np.full(n, src.heading_deg), flown
        )
        r = src.radius_m * np.sqrt(rng.random(n))
        lon, lat, _ = GEOD.fwd(clon, clat, rng.uniform(0, 360, n), r)
        alt = src.alt_m + rng.normal(0, 30, n)
        if site is not None:  # the rotating antenna's time at the plot's azimuth
            az, _, _ = GEOD.inv(np.full(n, site[1]), np.full(n, site[0]), lon, lat)
            t = np.repeat(live, counts) + (np.asarray(az) % 360.0) / 360.0 * period_s
        batch = ReportBatch.build(t=t, lat=lat, lon=lon, alt=alt, accuracy=accuracy, sensor=sensor)
        parts.append(batch)
    return ReportBatch.concat(parts) if parts else ReportBatch.empty()
