"""Expected impact of closing an airport: which live flights count inbound and outbound."""

from __future__ import annotations

import math

import numpy as np

from airsentry.model import ReportBatch, TrackUpdates
from airsentry.respond.impact import AirportImpact, airport_impact
from airsentry.respond.picture import TrafficPicture

EKCH = (55.618, 12.656)
T0 = 1_758_565_200.0


def flight(tid: int, bearing_from_airport: float, km: float, heading: float, speed: float,
           alt: float, vz: float = 0.0, *, callsign: str = "", cls: str = "airliner",
           xpdr: bool = True, ground: bool = False, t_end: float = T0) -> tuple:  # fmt: skip
    """Two updates of one track ``km`` from EKCH on ``bearing_from_airport``."""
    b = math.radians(bearing_from_airport)
    lat = EKCH[0] + km * 1000 * math.cos(b) / 111_320
    lon = EKCH[1] + km * 1000 * math.sin(b) / (111_320 * math.cos(math.radians(EKCH[0])))
    h = math.radians(heading)
    return (tid, lat, lon, alt, speed * math.sin(h), speed * math.cos(h), vz, callsign, cls,
            xpdr, ground, t_end)  # fmt: skip


def picture(*flights: tuple) -> TrafficPicture:
    cols = list(zip(*flights, strict=True))
    n = len(flights)
    state = ReportBatch.build(
        t=np.array(cols[11]), lat=cols[1], lon=cols[2], alt=cols[3], vel_e=cols[4],
        vel_n=cols[5], vel_u=cols[6], callsign=np.array(cols[7], dtype=object),
        identity=np.array([f"icao:4ca{i:03x}" for i in cols[0]], dtype=object),
        transponder=np.array(cols[9]), on_ground=np.array(cols[10]),
    )  # fmt: skip
    pic = TrafficPicture()
    pic.update(TrackUpdates(np.array(cols[0], dtype=np.int64), state),
               np.array(cols[8], dtype=object))  # fmt: skip
    assert len(pic.latest) == n
    return pic


def impact(pic: TrafficPicture) -> AirportImpact:
    return airport_impact(pic.latest, T0, "EKCH", *EKCH)


def test_inbound_outbound_and_what_does_not_count() -> None:
    pic = picture(
        flight(1, 0, 80, 180, 150, 3500, -6, callsign="SAS1418"),  # descending towards: in
        flight(2, 45, 200, 225, 220, 7000, -10, callsign="NOZ1420"),  # due in 15 min: in
        flight(3, 0, 80, 180, 230, 11000, 0, callsign="RYR1"),  # overflying at cruise
        flight(4, 0, 80, 0, 150, 3500, -6, callsign="AWAY1"),  # heading away
        flight(5, 90, 15, 90, 120, 1500, 12, callsign="SAS1466"),  # just departed: out
        flight(6, 180, 2, 0, 5, 5, 0, callsign="DLH2AB", ground=True),  # taxiing: out
        flight(7, 0, 3, 180, 20, 200, 0, cls="drone"),  # a drone is not a flight
        flight(8, 0, 60, 180, 150, 3000, -6, xpdr=False),  # no transponder: not counted
        flight(9, 90, 900, 270, 230, 6000, -5, callsign="FAR1"),  # over an hour away
        flight(10, 0, 80, 180, 150, 3500, -6, callsign="OLD1", t_end=T0 - 900),  # stale
    )
    got = impact(pic)
    assert got.inbound_callsigns == ("NOZ1420", "SAS1418")
    assert got.outbound_callsigns == ("DLH2AB", "SAS1466")
    assert (got.inbound, got.outbound) == (2, 2)
    assert got.text().startswith("expected impact of closing EKCH: 2 inbound and 2 outbound")


def test_traffic_as_it_was_when_the_incident_began() -> None:
    pic = TrafficPicture(sample_s=20.0)
    t = T0 + np.arange(0, 1800, 10.0)  # approaching from the north at 150 m/s, descending
    lat = EKCH[0] + (300_000 - 150 * (t - T0)) / 111_320
    alt = 7000 - 3.5 * (t - T0)
    st = ReportBatch.build(
        t=t, lat=lat, lon=EKCH[1], alt=alt, vel_n=-150.0, vel_u=-3.5,
        identity="icao:4aca21", callsign="SAS1418", transponder=True,
    )  # fmt: skip
    pic.update(TrackUpdates(np.zeros(len(t), dtype=np.int64), st), np.full(len(t), "airliner"))
    # At the end of the batch it has landed long ago; 10 minutes in it was inbound.
    early = T0 + 600
    then = pic.at(early)
    assert len(then) == 1
    assert abs(then.vel_n[0] + 150) < 2
    assert abs(then.vel_u[0] + 3.5) < 0.1
    assert airport_impact(then, early, "EKCH", *EKCH).inbound == 1
    assert len(pic.at(T0 + 5000)) == 0  # nothing known then
