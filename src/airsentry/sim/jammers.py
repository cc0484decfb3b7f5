"""GNSS jammers of a scenario, and what they do to the ADS-B the aircraft broadcast.

A scenario may list jammers (see docs/scenarios.md)::

    jammers:
      - id: kaliningrad
        site: {lat: 54.7, lon: 20.5}
        radius_m: 150000               # aircraft within this ground distance lose GNSS
        active: [[2025-09-15T06:00:00Z, 2025-09-15T09:00:00Z]]   # optional: always

An aircraft inside an active jammer's radius has no GNSS fix: its ADS-B reports say
NACp 0 and NIC 0 (position accuracy and integrity unknown; the position itself is
what the aircraft's inertial navigation still gives, modelled as the truth plus the
sensor's noise). Outside every jammer the reports carry the integrity of a healthy
airliner, NACp 10 (EPU < 10 m), NIC 8 (Rc < 0.1 NM), SIL 3. The ADS-B sensor model
calls :func:`adsb_integrity`; nothing else in the simulator depends on this module.
SBS-1 text (``format: sbs``) has no integrity fields, so its reports carry none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from airsentry.errors import ScenarioError
from airsentry.model import FloatArray, ReportBatch
from airsentry.nav import NavIntegrity
from airsentry.sim.routes import GEOD, num, parse_intervals

HEALTHY = {"nacp": 10, "nic": 8, "sil": 3}


@dataclass(frozen=True, slots=True)
class Jammer:
    """A GNSS jammer: a site, a radius and when it is on (always when ``active`` is empty)."""

    id: str
    lat: float
    lon: float
    radius_m: float
    active: tuple[tuple[float, float], ...] = ()

    def jams(self, t: FloatArray, lat: FloatArray, lon: FloatArray) -> Any:
        """Which positions (at times ``t``) it denies GNSS to."""
        on = np.full(len(t), not self.active)
        for t0, t1 in self.active:
            on |= (t >= t0) & (t < t1)
        _, _, ground = GEOD.inv(np.full(len(t), self.lon), np.full(len(t), self.lat), lon, lat)
        return on & (np.asarray(ground) <= self.radius_m)


def parse_jammers(raw: Any, source: str) -> tuple[Jammer, ...]:
    """The scenario's ``jammers:`` list (absent: none)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ScenarioError("jammers: a list is required", source=source)
    out = []
    for i, m in enumerate(raw):
        if not isinstance(m, dict) or not m.get("id") or not isinstance(m.get("site"), dict):
            raise ScenarioError(f"jammers[{i}]: an id and a site are required", source=source)
        where = f"jammer {m['id']}"
        lat = num(m["site"], "lat", f"{where}.site", source)
        lon = num(m["site"], "lon", f"{where}.site", source)
        radius = num(m, "radius_m", where, source)
        if not (abs(lat) <= 90 and abs(lon) <= 180):
            raise ScenarioError(f"{where}.site: out of range", source=source)
        if not 0 < radius < math.inf:
            raise ScenarioError(f"{where}.radius_m: must be positive", source=source)
        active = parse_intervals(m.get("active"), f"{where}.active", source)
        out.append(Jammer(str(m["id"]), lat, lon, radius, active))
    if len({j.id for j in out}) != len(out):
        raise ScenarioError("jammer ids must be unique", source=source)
    return tuple(out)


def adsb_integrity(batch: ReportBatch, jammers: Sequence[Jammer]) -> ReportBatch:
    """``batch`` (ADS-B reports) with the NACp/NIC/SIL its aircraft would broadcast."""
    n = len(batch)
    jammed = np.zeros(n, dtype=np.bool_)
    for j in jammers:
        jammed |= j.jams(batch.t, batch.lat, batch.lon)
    nav = NavIntegrity.build(
        n,
        nacp=np.where(jammed, 0, HEALTHY["nacp"]),
        nic=np.where(jammed, 0, HEALTHY["nic"]),
        sil=HEALTHY["sil"],
    )
    return batch.replace_columns(nav=nav)
