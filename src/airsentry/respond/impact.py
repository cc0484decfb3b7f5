"""Expected impact of closing an airport: the flights inbound and outbound in the next hour.

Live surveillance knows no timetable, so the impact is estimated from the cooperative
tracks of the :class:`~airsentry.respond.picture.TrafficPicture` as they were when the
closure was first recommended (``TrafficPicture.at``; transponder on, an ICAO
address, not classified as a drone), all at once with array arithmetic:

- **inbound**: airborne, faster than 30 m/s, pointing within 30° of the airport, level
  or descending (vertical speed ≤ 2 m/s), low enough to be on the way down (height
  above the airport ≤ 1500 m + 60 m per km of distance, a generous 3.4° path; an
  airliner at cruise level 100 km away is passing over), and due within the hour
  (distance / speed towards the airport ≤ ``horizon_s``);
- **outbound**: either just departed (airborne within 30 km, climbing, heading away,
  below 3000 m above the airport) or on the ground within 5 km with the transponder on
  (parked or taxiing aircraft are the next departures; live data holds no better hint).

Tracks not heard for ``stale_s`` are left out. The counts name their callsigns so an
operator can check them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airsentry.model import BoolArray, FloatArray
from airsentry.respond.picture import Latest

EARTH_RADIUS_M = 6_371_008.8
DRONES = ("drone", "decoy_drone")


@dataclass(frozen=True, slots=True)
class AirportImpact:
    """Counts (and callsigns) of the flights a closure would stop within the horizon."""

    airport: str
    inbound: int
    outbound: int
    inbound_callsigns: tuple[str, ...] = ()
    outbound_callsigns: tuple[str, ...] = ()
    horizon_s: float = 3600.0
    basis: str = field(default="live cooperative tracks")

    def text(self) -> str:
        h = f"{self.horizon_s / 3600:g} h" if self.horizon_s != 3600 else "hour"
        return (
            f"expected impact of closing {self.airport}: {self.inbound} inbound and "
            f"{self.outbound} outbound flights in the next {h} (from {self.basis})"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "airport": self.airport,
            "inbound": self.inbound,
            "outbound": self.outbound,
            "inbound_callsigns": list(self.inbound_callsigns),
            "outbound_callsigns": list(self.outbound_callsigns),
            "horizon_s": self.horizon_s,
        }


def distance_bearing(
    lat: FloatArray, lon: FloatArray, lat0: float | FloatArray, lon0: float | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Great-circle distance (m) and initial bearing (rad, clockwise from north) from
    each point to ``(lat0, lon0)`` (a point, or one point per row)."""
    p1, p2 = np.radians(lat), np.radians(lat0)
    dl = np.radians(lon0 - lon)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return d.astype(np.float64), np.arctan2(y, x).astype(np.float64)


def angle_off(heading: FloatArray, bearing: FloatArray) -> FloatArray:
    """Absolute difference of two angles in radians, in [0, π]."""
    return np.abs((heading - bearing + np.pi) % (2 * np.pi) - np.pi).astype(np.float64)


def airport_impact(
    traffic: Latest,
    now: float,
    airport: str,
    lat: float,
    lon: float,
    elevation_m: float = 0.0,
    *,
    horizon_s: float = 3600.0,
    stale_s: float = 300.0,
) -> AirportImpact:
    """The flights a closure of ``airport`` at event time ``now`` would stop in the next
    ``horizon_s``, from the track states ``traffic`` (``TrafficPicture.latest`` or
    ``TrafficPicture.at(now)``)."""
    lt = traffic
    if not len(lt):
        return AirportImpact(airport, 0, 0, horizon_s=horizon_s)
    ident = lt.identity.astype(np.str_)
    coop: BoolArray = (
        lt.transponder
        & np.char.startswith(ident, "icao:")
        & ~np.isin(lt.cls.astype(np.str_), DRONES)
        & (lt.t >= now - stale_s)
    )
    d, brg = distance_bearing(lt.lat, lt.lon, lat, lon)
    speed = np.hypot(lt.vel_e, lt.vel_n)
    heading = np.arctan2(lt.vel_e, lt.vel_n)
    off = angle_off(heading, brg)
    height = np.nan_to_num(lt.alt, nan=0.0) - elevation_m
    vz = np.nan_to_num(lt.vel_u, nan=0.0)
    closing = speed * np.cos(off)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(closing > 1.0, d / closing, np.inf)
    airborne = ~lt.on_ground
    inbound = (
        coop
        & airborne
        & (speed > 30.0)
        & (off <= np.radians(30.0))
        & (vz <= 2.0)
        & (height <= 1500.0 + 0.06 * d)
        & (eta <= horizon_s)
    )
    departed = (
        airborne & (d <= 30_000.0) & (vz > 1.0) & (off > np.radians(90.0)) & (height < 3000.0)
    )
    waiting = lt.on_ground & (d <= 5_000.0)
    outbound = coop & (departed | waiting) & ~inbound

    def names(mask: BoolArray) -> tuple[str, ...]:
        cs = [str(c).strip() or str(i) for c, i in zip(lt.callsign[mask], ident[mask], strict=True)]
        return tuple(sorted(cs))

    return AirportImpact(
        airport,
        int(inbound.sum()),
        int(outbound.sum()),
        names(inbound),
        names(outbound),
        horizon_s=horizon_s,
    )
