"""What a scenario is: its sensors, its actors and the incidents it promises.

The records :mod:`airsentry.sim.scenario` reads from YAML (and validates, naming the
file, the item and the field); :mod:`airsentry.sim.sensors` observes the actors with
the sensors, :mod:`airsentry.sim.truth` and :mod:`airsentry.sim.score` judge a run
against them. ``docs/scenarios.md`` documents every field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.model import BoolArray, FloatArray, TargetClass
from airsentry.sim.clutter import ClutterSource
from airsentry.sim.jammers import Jammer
from airsentry.sim.routes import Waypoint

SENSOR_KINDS = ("radar", "ssr", "adsb", "remote_id", "passive_rf", "acoustic")
"""radar: primary (optionally combined with secondary, ``ssr: true``); ssr: secondary
radar (transponding targets only); adsb: ADS-B receivers; remote_id: Remote ID
receivers; passive_rf / acoustic: bearing sensors."""


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """One sensor and the errors it makes (see ``airsentry.sim.sensors``)."""

    id: str
    kind: str
    period_s: float  # scan period, or message interval
    noise_m: float = 0.0  # horizontal 1-sigma per axis (Cartesian part of the error)
    alt_noise_m: float = 0.0
    p_detect: float = 1.0
    site: tuple[float, float, float] | None = None  # lat, lon, alt_m of the antenna
    range_m: float = math.inf  # coverage radius (ground distance from the site)
    range_noise_m: float = 0.0  # radar: 1-sigma in range
    azimuth_noise_deg: float = 0.0  # radar: 1-sigma in azimuth
    bearing_noise_deg: float = 0.0  # passive RF / acoustic: 1-sigma of the bearing
    clutter_per_scan: float = 0.0  # radar plots: mean false plots per scan over coverage
    latency_s: float = 0.0  # delivery delay after the measurement
    output: str = "tracks"  # radar: "tracks" (sensor track numbers) or "plots" (none)
    ssr: bool = False  # radar combined with a secondary radar: names transponding targets
    hold_identity: bool = True  # combined radar: its track keeps the address in a gap
    clutter_sources: tuple[ClutterSource, ...] = ()  # radar plots: wind farms, bird flocks
    format: str = "reports"  # "reports" (ReportBatch), or the wire format the source decodes:
    # adsb "sbs" (SBS-1 text), remote_id "remoteid" (ASTM F3411 receiver log lines), radar
    # "asterix" (CAT048/CAT062), counter-UAS "sapient" (BSI Flex 335); see WIRE_FORMATS


@dataclass(frozen=True, slots=True)
class Actor:
    """One real object of the scenario and what it emits."""

    id: str
    kind: TargetClass
    sensor: str  # the first sensor (the single-sensor form of older scenarios)
    route: tuple[Waypoint, ...]
    identity: str = ""
    transponder: bool = False
    callsign: str = ""
    squawk: str = ""
    category: str = ""
    sensors: tuple[str, ...] = ()
    transponder_off: tuple[tuple[float, float], ...] = ()
    remote_id: bool = False
    expect_class: str = ""  # the class the system must give it ("": not checked)
    expect_action: str = ""  # the action recommended for it, "none": no incident
    expect_reason: str = ""  # text an event about it must carry ("verify clearance")

    @property
    def start(self) -> float:
        return self.route[0].t

    @property
    def end(self) -> float:
        return self.route[-1].t

    def transponding(self, t: FloatArray) -> BoolArray:
        """Whether the transponder (ADS-B, Mode S) is on at each time."""
        on = np.full(np.shape(t), self.transponder and self.identity.startswith("icao:"))
        for t0, t1 in self.transponder_off:
            on &= ~((t >= t0) & (t < t1))
        return on

    def broadcasting_rid(self, t: FloatArray) -> BoolArray:
        """Whether a Remote ID broadcast is on at each time."""
        return np.full(np.shape(t), self.remote_id and self.identity.startswith("rid:"))


@dataclass(frozen=True, slots=True)
class ExpectedIncident:
    """An incident the scenario promises (a declared part of its ground truth)."""

    zone: str
    owner: str = ""
    window: tuple[float, float] | None = None  # the incident starts within it
    objects: int | None = None
    objects_min: int | None = None
    dwell_s: float | None = None
    dwell_tolerance_s: float = 60.0
    recommendation: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    description: str
    sensors: tuple[SensorSpec, ...]
    actors: tuple[Actor, ...]
    expected: tuple[ExpectedIncident, ...] = ()
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    control: bool = False  # a control scenario: no incident may be raised
    # clearances, drone permits and own forces in force (identify/registers.py format)
    registers: Mapping[str, Any] = field(default_factory=dict)
    jammers: tuple[Jammer, ...] = ()  # GNSS jammers (airsentry.sim.jammers)

    def sensor(self, sensor_id: str) -> SensorSpec:
        for s in self.sensors:
            if s.id == sensor_id:
                return s
        raise KeyError(sensor_id)

    @property
    def span(self) -> tuple[float, float]:
        return min(a.start for a in self.actors), max(a.end for a in self.actors)
