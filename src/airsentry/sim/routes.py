"""Routes of scenario actors: timed waypoints and speed-and-heading segments.

A route is a list whose first entry is a timed waypoint (``t``, ``lat``, ``lon``,
``alt_m``). Each later entry is one of:

* a waypoint with a time ``t``;
* a waypoint with ``speed_mps`` instead: its time follows from the geodesic length of
  the leg (and the climb) at that speed;
* a segment ``{heading_deg, speed_mps, duration_s}`` (optionally ``alt_m`` at its end):
  the actor flies the geodesic from the previous point on that initial heading. Long
  segments are cut into legs of at most :data:`MAX_LEG_M` so that the straight
  latitude/longitude interpolation between route points follows the geodesic.

Altitude, when a later entry omits it, is carried from the previous point. Errors name
the file, the actor and the entry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyproj import Geod

from airsentry.errors import ScenarioError
from airsentry.model import parse_time, to_epoch, utc

GEOD = Geod(ellps="WGS84")
MAX_LEG_M = 20_000.0


@dataclass(frozen=True, slots=True)
class Waypoint:
    t: float  # epoch s
    lat: float
    lon: float
    alt_m: float


def num(
    m: Mapping[str, Any], key: str, where: str, source: str, default: float | None = None
) -> float:
    """``m[key]`` as a finite float; ``default`` when absent (required when None)."""
    if key not in m or m[key] is None:
        if default is None:
            raise ScenarioError(f"{where}.{key}: required", source=source)
        return default
    try:
        x = float(m[key])
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}.{key}: {m[key]!r} is not a number", source=source) from None
    if not math.isfinite(x):
        raise ScenarioError(f"{where}.{key}: must be finite", source=source)
    return x


def time_of(value: Any, where: str, source: str) -> float:
    """Epoch seconds of an ISO 8601 text or datetime with a zone; naive times refused."""
    try:
        if isinstance(value, datetime):
            return to_epoch(utc(value))
        return to_epoch(parse_time(str(value)))
    except ValueError as exc:
        raise ScenarioError(f"{where}: {exc}", source=source) from None


def parse_route(raw: Any, where: str, source: str) -> tuple[Waypoint, ...]:
    """The truth path of one actor as timed waypoints."""
    if not isinstance(raw, list) or len(raw) < 2:
        raise ScenarioError(f"{where}.route: at least two entries are required", source=source)
    route: list[Waypoint] = []
    for i, w in enumerate(raw):
        wh = f"{where}.route[{i}]"
        if not isinstance(w, Mapping):
            raise ScenarioError(f"{wh}: a route entry is a mapping", source=source)
        if route and w.get("heading_deg") is not None:
            route.extend(_segment(route[-1], w, wh, source))
            continue
        lat, lon = num(w, "lat", wh, source), num(w, "lon", wh, source)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ScenarioError(f"{wh}: position ({lat}, {lon}) out of range", source=source)
        alt = num(w, "alt_m", wh, source, route[-1].alt_m if route else None)
        if w.get("t") is not None:
            t = time_of(w["t"], f"{wh}.t", source)
        elif route and w.get("speed_mps") is not None:
            speed = _positive(w, "speed_mps", wh, source)
            prev = route[-1]
            _, _, dist = GEOD.inv(prev.lon, prev.lat, lon, lat)
            t = prev.t + math.hypot(dist, alt - prev.alt_m) / speed
        else:
            raise ScenarioError(
                f"{wh}: give t (the first entry must), speed_mps, or a heading_deg segment",
                source=source,
            )
        if route and t <= route[-1].t:
            raise ScenarioError(f"{wh}.t: waypoint times must increase", source=source)
        route.append(Waypoint(t, lat, lon, alt))
    return tuple(route)


def _positive(w: Mapping[str, Any], key: str, where: str, source: str) -> float:
    x = num(w, key, where, source)
    if x <= 0:
        raise ScenarioError(f"{where}.{key}: must be positive", source=source)
    return x


def _segment(prev: Waypoint, w: Mapping[str, Any], where: str, source: str) -> list[Waypoint]:
    """Waypoints of a speed-and-heading segment starting at ``prev``."""
    heading = num(w, "heading_deg", where, source)
    speed = _positive(w, "speed_mps", where, source)
    duration = _positive(w, "duration_s", where, source)
    alt_end = num(w, "alt_m", where, source, prev.alt_m)
    length = speed * duration
    n = max(1, math.ceil(length / MAX_LEG_M))
    out = []
    lon, lat, az = prev.lon, prev.lat, heading
    for k in range(1, n + 1):
        lon, lat, back = GEOD.fwd(lon, lat, az, length / n)
        az = back + 180.0  # forward azimuth at the new point continues the geodesic
        f = k / n
        out.append(
            Waypoint(prev.t + f * duration, lat, lon, prev.alt_m + f * (alt_end - prev.alt_m))
        )
    return out


def parse_intervals(raw: Any, where: str, source: str) -> tuple[tuple[float, float], ...]:
    """A list of ``[start, end]`` time pairs (ISO 8601 with a zone), sorted."""
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ScenarioError(f"{where}: a list of [start, end] pairs is required", source=source)
    out = []
    for i, pair in enumerate(raw):
        wh = f"{where}[{i}]"
        if isinstance(pair, Mapping):
            pair = [pair.get("from"), pair.get("to")]
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise ScenarioError(f"{wh}: a [start, end] pair is required", source=source)
        t0, t1 = time_of(pair[0], wh, source), time_of(pair[1], wh, source)
        if t1 <= t0:
            raise ScenarioError(f"{wh}: the end must come after the start", source=source)
        out.append((t0, t1))
    return tuple(sorted(out))
