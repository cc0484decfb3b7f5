"""Turn a scenario's truth into the reports its sensors would make.

Each actor is reported by its sensor every ``period_s`` (from a random phase), with
Gaussian position and altitude noise of the sensor's 1-sigma, and dropped with
probability ``1 - p_detect``. Radars report no identity but a track number of their
own; ADS-B and Remote ID report the actor's identity, callsign, squawk and velocity.
The generator is deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np

from airsentry.model import FloatArray, ReportBatch
from airsentry.sim.scenario import Actor, Scenario, SensorSpec
from airsentry.tracking.base import EARTH_RADIUS_M


def truth(actor: Actor, t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The actor's true latitude, longitude and altitude at times ``t`` (within its route)."""
    wt = np.array([w.t for w in actor.route])
    lat = np.interp(t, wt, [w.lat for w in actor.route])
    lon = np.interp(t, wt, [w.lon for w in actor.route])
    alt = np.interp(t, wt, [w.alt_m for w in actor.route])
    return lat, lon, alt


def generate(scenario: Scenario, seed: int = 0) -> ReportBatch:
    """All reports of the scenario, sorted by time."""
    rng = np.random.default_rng(seed)
    numbers: dict[str, int] = {}
    parts = []
    for actor in scenario.actors:
        spec = scenario.sensor(actor.sensor)
        numbers[spec.id] = numbers.get(spec.id, 0) + 1
        parts.append(_reports(actor, spec, numbers[spec.id], rng))
    return ReportBatch.concat(parts).sorted_by_time()


def _reports(actor: Actor, spec: SensorSpec, number: int, rng: np.random.Generator) -> ReportBatch:
    t = np.arange(actor.start + rng.uniform(0, spec.period_s), actor.end, spec.period_s)
    t = t[rng.random(len(t)) < spec.p_detect]
    lat, lon, alt = truth(actor, t)
    # velocity from the truth over one second
    lat2, lon2, alt2 = truth(actor, np.minimum(t + 1.0, actor.end))
    lat1, lon1, alt1 = truth(actor, np.maximum(t - 1.0, actor.start))
    dt = np.minimum(t + 1.0, actor.end) - np.maximum(t - 1.0, actor.start)
    cos = np.cos(np.radians(lat))
    vel_n = np.radians(lat2 - lat1) * EARTH_RADIUS_M / dt
    vel_e = np.radians(lon2 - lon1) * EARTH_RADIUS_M * cos / dt
    vel_u = (alt2 - alt1) / dt
    n = len(t)
    if spec.noise_m > 0:
        lat = lat + np.degrees(rng.normal(0, spec.noise_m, n) / EARTH_RADIUS_M)
        lon = lon + np.degrees(rng.normal(0, spec.noise_m, n) / (EARTH_RADIUS_M * cos))
    if spec.alt_noise_m > 0:
        alt = alt + rng.normal(0, spec.alt_noise_m, n)
    cooperative = spec.kind != "radar"
    if cooperative:
        return ReportBatch.build(
            t=t,
            lat=lat,
            lon=lon,
            alt=alt,
            vel_e=vel_e + rng.normal(0, 0.5, n),
            vel_n=vel_n + rng.normal(0, 0.5, n),
            vel_u=vel_u,
            accuracy=spec.noise_m,
            sensor=spec.id,
            identity=actor.identity,
            callsign=actor.callsign,
            squawk=actor.squawk,
            category=actor.category,
            transponder=actor.transponder,
        )
    return ReportBatch.build(
        t=t,
        lat=lat,
        lon=lon,
        alt=alt,
        accuracy=spec.noise_m,
        sensor=spec.id,
        track_number=number,
    )
