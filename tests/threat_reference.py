"""The threat assessment's per-object loop as it was before it was vectorised: the
reference the vectorised one must equal (``tests/respond/test_threat_vectorised.py``)
and the baseline of ``benchmarks/threat.py``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from airsentry.respond.impact import angle_off, distance_bearing
from airsentry.respond.threat import Site


def _heading(path: np.ndarray) -> float:
    _, brg = distance_bearing(path[:1, 1], path[:1, 2], float(path[-1, 1]), float(path[-1, 2]))
    return float(brg[0])


def reference_objects(
    paths: dict[int, np.ndarray],
    entries: dict[int, tuple[float, float]],
    own: Sequence[Site],
    s_lat: np.ndarray,
    s_lon: np.ndarray,
    cone_deg: float = 20.0,
    horizon_s: float = 3600.0,
) -> dict[str, Any]:
    """heading_to, headings, straight, loiter, turned_in, turned_out, one object at a time."""
    heading_to: dict[str, dict[str, Any]] = {}
    headings: list[float] = []
    turned_in = turned_out = loiter = straight = 0
    for tid, p in paths.items():
        if len(p) < 2 or p[-1, 0] <= p[0, 0]:
            continue
        seg, _ = distance_bearing(p[:-1, 1], p[:-1, 2], p[1:, 1], p[1:, 2])
        length = float(seg.sum())
        net = float(distance_bearing(p[:1, 1], p[:1, 2], p[-1, 1], p[-1, 2])[0][0])
        duration = float(p[-1, 0] - p[0, 0])
        tail = p[-min(len(p), 4) :]
        if float(distance_bearing(tail[:1, 1], tail[:1, 2], tail[-1, 1], tail[-1, 2])[0][0]) < 1:
            continue
        hdg = _heading(tail)
        headings.append(hdg)
        tail_d = float(distance_bearing(tail[:1, 1], tail[:1, 2], tail[-1, 1], tail[-1, 2])[0][0])
        speed = tail_d / max(float(tail[-1, 0] - tail[0, 0]), 1e-6)
        straightness = net / length if length > 0 else 1.0
        if straightness >= 0.85:
            straight += 1
        elif straightness < 0.4 and duration >= 300:
            loiter += 1
        if len(p) >= 4 and tid in entries:
            first = _heading(p[: max(2, len(p) // 3)])
            if math.degrees(float(angle_off(np.array([hdg]), np.array([first]))[0])) > 30:
                e_lat, e_lon = entries[tid]
                _, back = distance_bearing(p[-1:, 1], p[-1:, 2], e_lat, e_lon)
                back_deg = math.degrees(float(angle_off(np.array([hdg]), back)[0]))
                turned_out += back_deg < 60
                turned_in += back_deg >= 60
        if not len(own) or speed < 1.0:
            continue
        here_lat, here_lon = np.full(len(own), p[-1, 1]), np.full(len(own), p[-1, 2])
        d, brg = distance_bearing(here_lat, here_lon, s_lat, s_lon)
        off = angle_off(np.full(len(own), hdg), brg)
        eta = d / (speed * np.maximum(np.cos(off), 1e-6))
        ok = np.flatnonzero((off <= math.radians(cone_deg)) & (eta <= horizon_s))
        for i in ok.tolist():
            name = own[i].name
            cur = heading_to.get(name)
            if cur is None or eta[i] < cur["eta_s"]:
                heading_to[name] = {
                    "site": name,
                    "kind": own[i].kind,
                    "code": own[i].code,
                    "distance_m": round(float(d[i]), 1),
                    "eta_s": round(float(eta[i]), 1),
                    "track_id": int(tid),
                }
    return {
        "heading_to": heading_to,
        "headings": headings,
        "straight": straight,
        "loiter": loiter,
        "turned_in": turned_in,
        "turned_out": turned_out,
    }


def random_scene(
    objects: int, sites: int, seed: int
) -> tuple[dict[int, np.ndarray], dict[int, tuple[float, float]], list[Site]]:
    """Paths of ``objects`` objects near 59 N 25 E (straight, turning, circling, parked,
    single-point), entries for most, and ``sites`` sites around them."""
    rng = np.random.default_rng(seed)
    paths: dict[int, np.ndarray] = {}
    entries: dict[int, tuple[float, float]] = {}
    for k in range(objects):
        n = int(rng.integers(1, 30))
        t = np.cumsum(rng.uniform(5.0, 60.0, n))
        style = k % 5
        heading = np.full(n, rng.uniform(0, 2 * np.pi)) + (
            np.linspace(0, rng.uniform(1, 3), n) if style == 1 else 0.0
        )
        if style == 2:  # circling
            heading = heading + np.arange(n) * 0.7
        step = rng.uniform(0.0, 0.02) if style != 3 else 0.0  # style 3: parked
        lat = 59.0 + rng.uniform(-1, 1) + np.cumsum(step * np.cos(heading))
        lon = 25.0 + rng.uniform(-1, 1) + np.cumsum(2 * step * np.sin(heading))
        if style == 4 and n > 2:
            t[-1] = t[0]  # no time elapsed
        paths[k] = np.column_stack([t, lat, lon, np.full(n, 500.0)])
        if k % 7:
            entries[k] = (float(lat[0]) + 0.01, float(lon[0]))
    own = [
        Site(
            f"site {i}",
            "airport" if i % 2 else "site",
            "EST",
            59.0 + rng.uniform(-2, 2),
            25.0 + rng.uniform(-3, 3),
            f"S{i}",
        )
        for i in range(sites)
    ]
    return paths, entries, own
