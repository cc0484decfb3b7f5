"""Sensor models: what each sensor of a scenario would really report about the truth.

Every model works on one (sensor, actor) pair at a time with whole arrays of times:

* ``radar`` (primary): a rotating antenna with period ``period_s``. An actor at azimuth
  ``a`` from the site is hit at ``phase + (k + a/360) * period_s``. Outside ``range_m``
  nothing is seen; each hit is detected with ``p_detect``. With a ``site`` the error is
  polar, ``range_noise_m`` in ground range and ``azimuth_noise_deg`` in azimuth (so the
  cross-range error grows with range), plus ``noise_m`` per axis; without a site only
  ``noise_m``. ``output: tracks`` reports the radar tracker's own track number per
  actor (what the identity-keyed tracker needs); ``output: plots`` reports no track
  number (for a multi-target tracker) and adds ``clutter_per_scan`` false plots per
  scan, uniform over the coverage disc (a radar's tracker suppresses clutter, so
  track output has none). ``ssr: true`` makes it a combined primary/secondary radar:
  transponding targets come with their Mode S address, callsign and squawk; during a
  transponder gap the radar tracker keeps the address it last heard on the track (as
  ASTERIX CAT062 system tracks do) but the report is marked as not transponded;
  ``hold_identity: false`` drops it (a bare plot-to-track radar).
* ``ssr``: secondary radar, like ``radar`` but it sees transponding targets only.
* ``adsb``: receivers of the targets' own broadcasts every ``period_s`` while the
  transponder is on, with position noise ``noise_m`` and the broadcast velocity.
  ``format: sbs`` writes SBS-1 text lines and decodes them with the real SBS source.
  Reports carry NACp/NIC/SIL, lost inside a scenario's GNSS jammers (``sim.jammers``).
* ``remote_id``: Remote ID receivers within ``range_m`` of their site, every
  ``period_s`` while the actor broadcasts; identity ``rid:SERIAL``. ``format:
  remoteid`` writes ASTM F3411 message packs and decodes them with the Remote ID source.
* ``passive_rf`` / ``acoustic``: a bearing sensor at ``site``: the reported position
  lies on the measured bearing (``bearing_noise_deg``) at a range known to 20 %, and
  carries a detector track number per actor.

Each report is delivered ``latency_s`` after it was measured (its ``arrival``); the
pipeline is fed in arrival order. Everything is drawn from one NumPy generator seeded
by the caller, so a scenario and a seed always give the same reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj

from airsentry.frame import SensorFrame
from airsentry.model import FloatArray, IntArray, ReportBatch
from airsentry.sim.clutter import structured_clutter
from airsentry.sim.jammers import adsb_integrity
from airsentry.sim.routes import GEOD
from airsentry.sim.scenario import Actor, Scenario, SensorSpec
from airsentry.sim.wire import through_asterix, through_remoteid, through_sapient, through_sbs
from airsentry.tracking.base import EARTH_RADIUS_M

RANGE_ERROR_FRACTION = 0.2  # passive sensors: 1-sigma of the range, as a fraction
CLUTTER_CEILING_M = 3000.0
_ECEF = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


@dataclass(frozen=True, slots=True, eq=False)
class Feed:
    """What the sensors deliver: reports in arrival order, with the truth behind each."""

    reports: ReportBatch
    arrival: FloatArray  # epoch s when the report reaches the pipeline
    actor: IntArray  # index into scenario.actors, -1 for clutter

    def __len__(self) -> int:
        return len(self.reports)


def truth(actor: Actor, t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The actor's true latitude, longitude and altitude at times ``t`` (within its route)."""
    wt = np.array([w.t for w in actor.route])
    lat = np.interp(t, wt, [w.lat for w in actor.route])
    lon = np.interp(t, wt, [w.lon for w in actor.route])
    alt = np.interp(t, wt, [w.alt_m for w in actor.route])
    return lat, lon, alt


def truth_velocity(actor: Actor, t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """East, north and up velocity (m/s) of the truth, by central differences over 1 s."""
    t2, t1 = np.minimum(t + 1.0, actor.end), np.maximum(t - 1.0, actor.start)
    lat2, lon2, alt2 = truth(actor, t2)
    lat1, lon1, alt1 = truth(actor, t1)
    dt = np.maximum(t2 - t1, 1e-9)
    cos = np.cos(np.radians(0.5 * (lat1 + lat2)))
    return (
        np.radians(lon2 - lon1) * EARTH_RADIUS_M * cos / dt,
        np.radians(lat2 - lat1) * EARTH_RADIUS_M / dt,
        (alt2 - alt1) / dt,
    )


def observe(scenario: Scenario, seed: int = 0) -> Feed:
    """Every report of the scenario's sensors, in arrival order."""
    rng = np.random.default_rng(seed)
    parts: list[tuple[ReportBatch, FloatArray, IntArray]] = []
    for sensor_number, spec in enumerate(scenario.sensors, 1):
        phase = rng.uniform(0.0, spec.period_s)
        watched = [
            i for i, a in enumerate(scenario.actors) if spec.id in (a.sensors or (a.sensor,))
        ]
        sensor_parts = []
        for number, i in enumerate(watched, 1):
            cols = _observe(spec, scenario.actors[i], number, phase, rng)
            if cols is not None:
                sensor_parts.append((cols, i))
        batch = ReportBatch.concat([ReportBatch.build(**c) for c, _ in sensor_parts])
        who = np.concatenate(
            [np.full(len(c["t"]), i, dtype=np.int64) for c, i in sensor_parts]
            or [np.empty(0, np.int64)]
        )
        if spec.output == "plots" and spec.clutter_per_scan > 0 and spec.kind == "radar":
            clutter = _clutter(spec, scenario.span, phase, rng)
            batch = ReportBatch.concat([batch, clutter])
            who = np.concatenate([who, np.full(len(clutter), -1, dtype=np.int64)])
        if spec.output == "plots" and spec.clutter_sources and spec.kind == "radar":
            acc = math.hypot(spec.range_noise_m, spec.noise_m)  # wind farms, birds
            farms = structured_clutter(
                spec.clutter_sources,
                spec.id,
                spec.period_s,
                acc,
                scenario.span,
                phase,
                rng,
                site=spec.site,
            )
            batch = ReportBatch.concat([batch, farms])
            who = np.concatenate([who, np.full(len(farms), -1, dtype=np.int64)])
        order = np.argsort(batch.t, kind="stable")
        batch, who = batch.take(order), who[order]
        if spec.kind == "adsb":  # NACp/NIC/SIL, lost inside a GNSS jammer's radius
            batch = adsb_integrity(batch, scenario.jammers)
        if spec.format == "sbs" and len(batch):
            batch = through_sbs(batch, spec.id)
        elif spec.format == "remoteid" and len(batch):
            batch = through_remoteid(batch, spec.id)
        elif spec.format == "asterix" and len(batch):
            batch = through_asterix(batch, spec, sensor_number)
        elif spec.format == "sapient" and len(batch):
            batch = through_sapient(batch, spec, RANGE_ERROR_FRACTION)
        parts.append((batch, batch.t + spec.latency_s, who))
    reports = ReportBatch.concat([p[0] for p in parts])
    arrival = np.concatenate([p[1] for p in parts])
    actor = np.concatenate([p[2] for p in parts])
    order = np.lexsort((reports.t, arrival))
    return Feed(reports.take(order), arrival[order], actor[order])


def generate(scenario: Scenario, seed: int = 0) -> ReportBatch:
    """All reports of the scenario, sorted by measurement time."""
    return observe(scenario, seed).reports.sorted_by_time()


# ---------------------------------------------------------------- per sensor kind
def _observe(
    spec: SensorSpec, actor: Actor, number: int, phase: float, rng: np.random.Generator
) -> dict[str, Any] | None:
    """Columns of the reports ``spec`` makes of ``actor`` (None when there are none)."""
    t = _times(spec, actor, phase, rng)
    lat, lon, alt = truth(actor, t)
    keep = rng.random(len(t)) < spec.p_detect
    if spec.site is not None and math.isfinite(spec.range_m):
        _, _, ground = GEOD.inv(
            np.full(len(t), spec.site[1]), np.full(len(t), spec.site[0]), lon, lat
        )
        keep &= ground <= spec.range_m
    xpdr = actor.transponding(t)
    if spec.kind in ("ssr", "adsb"):
        keep &= xpdr
    elif spec.kind == "remote_id":
        keep &= actor.broadcasting_rid(t)
    t, lat, lon, alt, xpdr = t[keep], lat[keep], lon[keep], alt[keep], xpdr[keep]
    n = len(t)
    if n == 0:
        return None
    acc = np.full(n, spec.noise_m)
    if spec.kind in ("radar", "ssr") and spec.site is not None:
        lat, lon, acc = _polar_noise(spec, lat, lon, rng)
    elif spec.kind in ("passive_rf", "acoustic"):
        lat, lon, acc = _bearing_noise(spec, lat, lon, rng)
    if spec.noise_m > 0:
        cos = np.cos(np.radians(lat))
        lat = lat + np.degrees(rng.normal(0, spec.noise_m, n) / EARTH_RADIUS_M)
        lon = lon + np.degrees(rng.normal(0, spec.noise_m, n) / (EARTH_RADIUS_M * cos))
        acc = np.hypot(acc, spec.noise_m) if spec.site is not None else acc
    frame = _frame(spec, lat, lon, alt)  # before altitude noise: the truth's height
    if spec.alt_noise_m > 0:
        alt = alt + rng.normal(0, spec.alt_noise_m, n)
    cols: dict[str, Any] = {
        "t": t, "lat": lat, "lon": lon, "alt": alt, "accuracy": acc, "sensor": spec.id,
        "frame": frame,
    }  # fmt: skip
    if spec.kind in ("adsb", "remote_id"):
        ve, vn, vu = truth_velocity(actor, t)
        cols.update(
            vel_e=ve + rng.normal(0, 0.5, n),
            vel_n=vn + rng.normal(0, 0.5, n),
            vel_u=vu,
            identity=actor.identity,
            callsign=actor.callsign,
            squawk=actor.squawk,
            category=actor.category if spec.kind == "adsb" else "drone",
            transponder=True,
        )
        return cols
    if spec.kind != "radar" or spec.output == "tracks":
        cols["track_number"] = number
    if spec.kind == "ssr" or (spec.kind == "radar" and spec.ssr):
        heard = xpdr.copy()
        if spec.kind == "radar" and spec.hold_identity and actor.identity.startswith("icao:"):
            heard |= np.maximum.accumulate(xpdr)  # the track keeps the address once heard
        cols.update(
            identity=np.where(heard, actor.identity, ""),
            callsign=np.where(heard, actor.callsign, ""),
            squawk=np.where(xpdr, actor.squawk, ""),
            transponder=xpdr,
        )
    return cols


def _times(spec: SensorSpec, actor: Actor, phase: float, rng: np.random.Generator) -> FloatArray:
    """Measurement times of ``actor`` by ``spec`` within the actor's route."""
    period = spec.period_s
    if spec.kind not in ("radar", "ssr") or spec.site is None:
        # broadcasts and site-less radars: a per-actor phase
        return np.arange(actor.start + rng.uniform(0, period), actor.end, period)
    k0 = math.floor((actor.start - phase) / period) - 1
    k1 = math.ceil((actor.end - phase) / period) + 1
    scan = phase + period * np.arange(k0, k1 + 1, dtype=np.float64)
    lat, lon, _ = truth(actor, np.clip(scan, actor.start, actor.end))
    n = len(scan)
    az, _, _ = GEOD.inv(np.full(n, spec.site[1]), np.full(n, spec.site[0]), lon, lat)
    t = scan + (np.asarray(az) % 360.0) / 360.0 * period
    return t[(t >= actor.start) & (t <= actor.end)]


def _polar_noise(
    spec: SensorSpec, lat: FloatArray, lon: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Range and azimuth noise as the radar at ``spec.site`` makes it."""
    assert spec.site is not None
    n = len(lat)
    slat, slon = np.full(n, spec.site[0]), np.full(n, spec.site[1])
    az, _, dist = GEOD.inv(slon, slat, lon, lat)
    sig_az = math.radians(spec.azimuth_noise_deg)
    dist = np.abs(dist + rng.normal(0, spec.range_noise_m, n)) if spec.range_noise_m else dist
    az = az + np.degrees(rng.normal(0, sig_az, n)) if sig_az else az
    lon2, lat2, _ = GEOD.fwd(slon, slat, az, dist)
    acc = np.sqrt(0.5 * (spec.range_noise_m**2 + (np.asarray(dist) * sig_az) ** 2))
    return np.asarray(lat2), np.asarray(lon2), acc


def _bearing_noise(
    spec: SensorSpec, lat: FloatArray, lon: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A bearing with noise and a rough range (passive RF or acoustic direction finding)."""
    assert spec.site is not None
    n = len(lat)
    slat, slon = np.full(n, spec.site[0]), np.full(n, spec.site[1])
    az, _, dist = GEOD.inv(slon, slat, lon, lat)
    sig_b = math.radians(spec.bearing_noise_deg)
    dist = np.asarray(dist) * np.exp(rng.normal(0, RANGE_ERROR_FRACTION, n))
    az = np.asarray(az) + np.degrees(rng.normal(0, sig_b, n))
    lon2, lat2, _ = GEOD.fwd(slon, slat, az, dist)
    acc = np.sqrt(0.5 * ((dist * RANGE_ERROR_FRACTION) ** 2 + (dist * sig_b) ** 2))
    return np.asarray(lat2), np.asarray(lon2), acc


def _clutter(
    spec: SensorSpec, span: tuple[float, float], phase: float, rng: np.random.Generator
) -> ReportBatch:
    """False plots: Poisson per scan, uniform over the coverage disc, no track number;
    each timed when the rotating antenna points at it."""
    assert spec.site is not None
    scans = phase + spec.period_s * np.arange(
        math.floor((span[0] - phase) / spec.period_s), math.ceil((span[1] - phase) / spec.period_s)
    )
    counts = rng.poisson(spec.clutter_per_scan, len(scans))
    n = int(counts.sum())
    rng.uniform(0, spec.period_s, n)  # (keeps the draws of the other sensors' noise)
    r = spec.range_m * np.sqrt(rng.random(n))
    az = rng.uniform(0, 360, n)
    # the antenna sees a plot when it points at it, as it sees an actor (_times)
    t = np.repeat(scans, counts) + az / 360.0 * spec.period_s
    lon, lat, _ = GEOD.fwd(np.full(n, spec.site[1]), np.full(n, spec.site[0]), az, r)
    acc = np.sqrt(0.5 * (spec.range_noise_m**2 + (r * math.radians(spec.azimuth_noise_deg)) ** 2))
    alt = rng.uniform(0, CLUTTER_CEILING_M, n)
    return ReportBatch.build(
        t=t, lat=lat, lon=lon, alt=alt,
        accuracy=np.hypot(acc, spec.noise_m), sensor=spec.id,
        frame=_frame(spec, np.asarray(lat), np.asarray(lon), alt),
    )  # fmt: skip


def _frame(
    spec: SensorSpec, lat: FloatArray, lon: FloatArray, alt: FloatArray
) -> SensorFrame | None:
    """What a sited radar or direction finder measured of reports placed at ``lat``/``lon``
    (noise included) and altitude ``alt``: slant range (exact, ECEF) and azimuth from its
    site, with the sensor's sigmas. A passive sensor's range is its rough 20 % estimate."""
    if spec.site is None or spec.kind not in ("radar", "ssr", "passive_rf", "acoustic"):
        return None
    n = len(lat)
    slat, slon, salt = spec.site
    az, _, ground = GEOD.inv(np.full(n, slon), np.full(n, slat), lon, lat)
    x, y, z = _ECEF.transform(lon, lat, np.nan_to_num(alt, nan=salt))
    sx, sy, sz = _ECEF.transform(slon, slat, salt)
    slant = np.sqrt((x - sx) ** 2 + (y - sy) ** 2 + (z - sz) ** 2)
    if spec.kind in ("passive_rf", "acoustic"):
        sig_r = RANGE_ERROR_FRACTION * slant
        sig_a = np.full(n, math.radians(spec.bearing_noise_deg))
    else:
        sig_r = np.full(n, math.hypot(spec.range_noise_m, spec.noise_m))
        sig_a = np.hypot(math.radians(spec.azimuth_noise_deg),
                         spec.noise_m / np.maximum(np.asarray(ground), 1.0))  # fmt: skip
    return SensorFrame.build(
        n, site_lat=slat, site_lon=slon, site_alt=salt, range_m=slant,
        azimuth_rad=np.radians(np.asarray(az) % 360.0), sigma_range_m=sig_r,
        sigma_azimuth_rad=sig_a,
    )  # fmt: skip
