"""Scenario variants: the same actors seen by differently configured sensors.

``plots``: every radar reports plots, as the radar head sends them before any tracker,
instead of its own tracks: no sensor track number, a probability of detection of at
most :data:`PLOTS_P_DETECT` per scan, :data:`PLOTS_CLUTTER` false plots per scan
spread over its coverage, all sent as ASTERIX CAT048 (range and azimuth from the
site). A radar without a site (a national air picture that only says where things
are) is given one: the middle of the routes it watches, with a coverage radius
reaching the farthest of their points plus :data:`COVERAGE_MARGIN_M`. Its range and
azimuth noise then come from its Cartesian noise (``noise_m`` at the mean range). The
coverage is capped at :data:`MAX_PLOT_RANGE_M`, as CAT048 carries ranges below 256 NM
(and no surveillance radar reaches farther); beyond it other sensors must see.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from airsentry.errors import ScenarioError
from airsentry.sim.routes import GEOD
from airsentry.sim.scenario import Scenario, SensorSpec

VARIANTS = ("wire", "plots")
PLOTS_P_DETECT = 0.85
PLOTS_CLUTTER = 3.0
COVERAGE_MARGIN_M = 20_000.0
MAX_PLOT_RANGE_M = 450_000.0


def variant(scenario: Scenario, name: str) -> Scenario:
    """``scenario`` as variant ``name`` ("wire": as written)."""
    if name == "wire":
        return scenario
    if name == "plots":
        return plots(scenario)
    raise ScenarioError(f"no scenario variant {name!r} (known: {', '.join(VARIANTS)})")


def plots(scenario: Scenario) -> Scenario:
    """The plots variant of ``scenario`` (see the module docstring)."""
    sensors = tuple(_plot_radar(scenario, s) if s.kind == "radar" else s for s in scenario.sensors)
    return replace(scenario, name=f"{scenario.name}+plots", sensors=sensors)


def _plot_radar(scenario: Scenario, spec: SensorSpec) -> SensorSpec:
    site, rng = spec.site, spec.range_m
    range_noise, az_noise = spec.range_noise_m, spec.azimuth_noise_deg
    noise = spec.noise_m
    if site is None:
        points = [
            (w.lat, w.lon)
            for a in scenario.actors
            if spec.id in (a.sensors or (a.sensor,))
            for w in a.route
        ]
        lat, lon = (float(np.mean([p[i] for p in points])) for i in (0, 1))
        n = len(points)
        _, _, dist = GEOD.inv(
            np.full(n, lon), np.full(n, lat), [p[1] for p in points], [p[0] for p in points]
        )
        site = (lat, lon, 100.0)
        rng = float(np.max(dist)) + COVERAGE_MARGIN_M
        mean_range = max(1.0, float(np.mean(dist)))
        range_noise = range_noise or spec.noise_m
        az_noise = az_noise or math.degrees(spec.noise_m / mean_range)
        noise = 0.0
    return replace(
        spec,
        site=site,
        range_m=min(rng, MAX_PLOT_RANGE_M),
        range_noise_m=range_noise,
        azimuth_noise_deg=az_noise,
        noise_m=noise,
        output="plots",
        p_detect=min(spec.p_detect, PLOTS_P_DETECT),
        clutter_per_scan=max(spec.clutter_per_scan, PLOTS_CLUTTER),
        format="asterix",
    )
