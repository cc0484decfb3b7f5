"""Write the embedded September 2025 scenario (``sim/library/september-2025.yaml``).

The events follow the news reports in ``shared/seeds/``:

* Poland, night of 9-10 September 2025: about 19 Russian decoy drones (Gerbera type,
  ~150-180 km/h, a few hundred metres to 2 km high) crossed from Belarus and Ukraine
  between about 23:30 and 06:30 local time (21:30-04:30 UTC), several flying 100-300 km
  inland (debris at Wyryki, in the Lublin, Podlaskie, Warmia-Masuria, Świętokrzyskie and
  Łódź regions). Seen by the national air picture (radar system tracks, no transponder).
* Estonia, 19 September 2025: three MiG-31s without transponder, flight plan or radio
  contact, entered near Vaindloo island at about 09:58 local (06:58 UTC) and stayed
  12 minutes before leaving over the Gulf of Finland, escorted by allied fighters.
* Copenhagen Kastrup, evening of 22 September 2025 (from about 20:26 local, 18:26 UTC):
  three large drones around the airport for hours; the airport closed.
* Oslo Gardermoen, the same night (from about 23:15 local, 21:15 UTC): two drones within
  5 km; the airport closed.
* Civil airliners with transponders crossing the same borders and using the same
  airports throughout: none of them may raise anything.

Routes are straight legs between waypoints. The MiG-31 speed is solved so that the
lead aircraft stays 12 minutes inside Estonian airspace as the catalogue draws it.
Run: ``python tools/build_demo_scenario.py`` (deterministic; needs the package installed).
"""

from __future__ import annotations

import itertools
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

OUT = Path(__file__).resolve().parents[1] / "src/airsentry/sim/library/september-2025.yaml"


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2025, 9, day, hh, mm, ss, tzinfo=UTC)


def wp(
    t: datetime | None, lat: float, lon: float, alt: float, speed: float | None = None
) -> dict[str, Any]:
    w: dict[str, Any] = {
        "lat": round(float(lat), 5),
        "lon": round(float(lon), 5),
        "alt_m": round(float(alt)),
    }
    if t is not None:
        w["t"] = iso(t)
    if speed is not None:
        w["speed_mps"] = speed
    return w


# --- Poland: 19 decoy drones ------------------------------------------------------------
# (entry wave time UTC, start lat, start lon in BLR/UKR, via lat/lon in Poland, end lat/lon)
POLAND = [
    # wave 1, from Belarus, 21:30-22:10 UTC
    ((9, 21, 28), 53.30, 24.45, 53.25, 23.20, 53.45, 21.95),  # to Warmia-Masuria
    ((9, 21, 34), 52.95, 24.50, 52.90, 23.30, 52.55, 22.60),
    ((9, 21, 41), 52.60, 24.35, 52.55, 23.00, 52.20, 21.80),
    ((9, 21, 47), 52.25, 24.10, 52.15, 22.90, 51.90, 22.40),
    ((9, 21, 55), 51.95, 24.30, 51.70, 23.10, 51.44, 23.40),  # Wyryki
    ((9, 22, 3), 53.55, 24.35, 53.70, 23.00, 53.90, 21.80),
    # wave 2, Belarus and Ukraine, 23:20-00:30 UTC
    ((9, 23, 18), 52.75, 24.55, 52.60, 23.20, 51.90, 21.60),
    ((9, 23, 27), 52.40, 24.25, 52.20, 22.70, 51.20, 20.10),  # Mniszków, ~300 km inland
    ((9, 23, 35), 51.20, 24.55, 51.10, 23.20, 50.85, 22.55),  # from Ukraine, Lublin region
    ((9, 23, 44), 50.75, 24.60, 50.70, 23.50, 50.70, 20.90),  # to Świętokrzyskie
    ((9, 23, 52), 53.10, 24.60, 53.00, 23.10, 53.20, 22.30),
    ((10, 0, 4), 51.85, 24.35, 51.75, 23.00, 51.25, 22.55),
    ((10, 0, 15), 50.45, 24.65, 50.50, 23.60, 50.60, 22.90),  # from Ukraine
    ((10, 0, 29), 52.05, 24.25, 52.00, 22.80, 51.60, 21.90),
    # wave 3, 01:35-04:10 UTC
    ((10, 1, 38), 53.40, 24.40, 53.35, 23.10, 53.60, 22.00),
    ((10, 2, 9), 52.85, 24.45, 52.70, 23.00, 52.10, 21.30),
    ((10, 2, 44), 51.00, 24.55, 50.95, 23.40, 50.80, 22.20),  # from Ukraine
    ((10, 3, 22), 52.50, 24.30, 52.35, 23.00, 52.00, 22.20),
    ((10, 4, 5), 51.60, 24.40, 51.50, 23.20, 51.30, 22.90),
]


def poland() -> list[dict[str, Any]]:
    rng = np.random.default_rng(910)
    actors = []
    for i, ((d, hh, mm), la0, lo0, la1, lo1, la2, lo2) in enumerate(POLAND, 1):
        speed = float(np.round(rng.uniform(40, 50), 1))
        alt = float(np.round(rng.uniform(300, 1800), -1))
        # start ~35 km east of the border, about 12-15 minutes before the crossing
        start = at(d, hh, mm) - timedelta(minutes=14)
        actors.append(
            {
                "id": f"pl-decoy-{i:02d}",
                "kind": "decoy_drone",
                "identity": None,
                "transponder": False,
                "sensor": "PL-ASOC",
                "route": [
                    wp(start, la0, lo0, alt),
                    wp(None, la1, lo1, alt, speed),
                    wp(None, la2, lo2, alt * 0.7, speed),
                ],
            }
        )
    return actors


# --- Estonia: three MiG-31s near Vaindloo ------------------------------------------------
MIG_PATH = [  # lat, lon; inside Estonia (2.5 km or more from its edge) from the third point
    (60.02, 28.40),  # over Russia
    (59.93, 26.95),  # Russian territorial sea off Gogland
    (59.88, 26.30),  # inside Estonia, near Vaindloo
    (59.79, 26.00),
    (59.78, 25.50),
    (59.72, 24.90),
    (59.65, 24.40),  # then north-west, out over the high seas
    (59.68, 24.00),
    (59.58, 23.40),
    (59.45, 22.70),
]


def inside_runs(path: list[tuple[float, float]], state: str) -> int:
    """How many separate stretches of the path lie inside ``state``'s airspace."""
    import shapely

    from airsentry.airspace.zones import default_catalogue

    geom = default_catalogue().get(f"sovereign:{state}").geometry
    runs, was = 0, False
    for (la0, lo0), (la1, lo1) in itertools.pairwise(path):
        f = np.linspace(0, 1, 2001)
        inside = shapely.contains_xy(geom, lo0 + f * (lo1 - lo0), la0 + f * (la1 - la0))
        for now in inside.tolist():
            runs += int(now and not was)
            was = now
    return runs


def minutes_inside(path: list[tuple[float, float]], speed: float) -> float:
    """Time the path spends inside Estonia at a constant speed, by fine sampling."""
    from pyproj import Geod

    from airsentry.airspace.zones import default_catalogue

    est = default_catalogue().get("sovereign:EST").geometry
    import shapely

    geod = Geod(ellps="WGS84")
    inside = 0.0
    for (la0, lo0), (la1, lo1) in itertools.pairwise(path):
        _, _, dist = geod.inv(lo0, la0, lo1, la1)
        f = np.linspace(0, 1, 2001)
        lat, lon = la0 + f * (la1 - la0), lo0 + f * (lo1 - lo0)
        frac = shapely.contains_xy(est, lon, lat).mean()
        inside += frac * dist / speed
    return inside / 60.0


def estonia() -> list[dict[str, Any]]:
    # solve the speed that gives 12 minutes inside (bisection; inside time falls with speed)
    lo, hi = 100.0, 400.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if minutes_inside(MIG_PATH, mid) > 12.0:
            lo = mid
        else:
            hi = mid
    speed = round(0.5 * (lo + hi), 1)
    print(
        f"MiG-31 speed {speed} m/s gives {minutes_inside(MIG_PATH, speed):.2f} min inside",
        file=sys.stderr,
    )
    actors = []
    for dlat in (0.0, 0.012, -0.012):
        path = [(la + dlat, lo_) for la, lo_ in MIG_PATH]
        if inside_runs(path, "EST") != 1 or inside_runs(path, "FIN") != 0:
            raise SystemExit(f"MiG path (offset {dlat}) must enter Estonia once and miss Finland")
    for k, (dlat, lag) in enumerate([(0.0, 0), (0.012, 6), (-0.012, 12)], 1):
        start = at(19, 6, 45) + timedelta(seconds=lag)
        route = [wp(start, MIG_PATH[0][0] + dlat, MIG_PATH[0][1], 9000)]
        route += [wp(None, la + dlat, lo_, 9000, speed) for la, lo_ in MIG_PATH[1:]]
        actors.append(
            {
                "id": f"ee-mig31-{k}",
                "kind": "fast_jet",
                "identity": None,
                "transponder": False,
                "sensor": "EE-ASOC",
                "route": route,
            }
        )
    return actors


# --- Copenhagen and Oslo airport drones --------------------------------------------------
def loiter(
    cx: float, cy: float, r_km: float, start_deg: float, laps: float, n: int
) -> list[tuple[float, float]]:
    ang = np.radians(start_deg + np.linspace(0, 360 * laps, n))
    dlat = r_km / 111.2 * np.cos(ang)
    dlon = r_km / (111.2 * np.cos(np.radians(cy))) * np.sin(ang)
    return [(cy + a, cx + b) for a, b in zip(dlat, dlon, strict=True)]


def airport_drones(
    code: str,
    cx: float,
    cy: float,
    sensor: str,
    first: datetime,
    specs: list[tuple[float, float, float, float]],
) -> list[dict[str, Any]]:
    """specs: (minutes after first, loiter radius km, start bearing, laps)."""
    actors = []
    for k, (delay, r_km, bearing, laps) in enumerate(specs, 1):
        # arrive from 9 km out along the bearing, loiter, leave the same way
        outside = loiter(cx, cy, 9.0, bearing, 0, 1)[0]
        ring = loiter(cx, cy, r_km, bearing, laps, max(8, int(laps * 12)))
        alt = 150 + 60 * k
        route = [wp(first + timedelta(minutes=delay), outside[0], outside[1], alt)]
        route += [wp(None, la, lo, alt, 18.0) for la, lo in ring]
        route.append(wp(None, outside[0], outside[1], alt, 18.0))
        actors.append(
            {
                "id": f"{code.lower()}-drone-{k}",
                "kind": "drone",
                "identity": None,
                "transponder": False,
                "sensor": sensor,
                "route": route,
            }
        )
    return actors


# --- Civil airliners ---------------------------------------------------------------------
AIRLINERS = [
    # id, icao, callsign, squawk, start time, waypoints (lat, lon, alt m), speed m/s
    (
        "lo-wawvno",
        "icao:48ad04",
        "LOT771",
        "2301",
        at(9, 21, 10),
        [(52.17, 20.97, 400), (52.60, 21.90, 9000), (53.60, 23.60, 10000), (54.63, 25.28, 300)],
        220,
    ),
    (
        "fr-krkrix",
        "icao:4ca7b2",
        "RYR4EK",
        "1000",
        at(9, 22, 40),
        [(50.08, 19.79, 500), (51.30, 21.50, 10600), (53.90, 23.30, 11000), (56.92, 23.97, 400)],
        230,
    ),
    (
        "w6-ktwhel",
        "icao:4711a2",
        "WZZ3HE",
        "2217",
        at(10, 0, 5),
        [(50.47, 19.08, 600), (52.00, 21.50, 11000), (54.30, 23.80, 11300), (60.31, 24.96, 300)],
        235,
    ),
    (
        "lh-berwaw",
        "icao:3c6589",
        "DLH1614",
        "1000",
        at(10, 3, 0),
        [(52.36, 13.50, 500), (52.30, 15.50, 10000), (52.20, 19.50, 9000), (52.17, 20.97, 300)],
        220,
    ),
    (
        "bt-rixwaw",
        "icao:502cb1",
        "BTI673",
        "2342",
        at(10, 4, 10),
        [(56.92, 23.97, 400), (55.50, 23.40, 10000), (53.20, 21.80, 9000), (52.17, 20.97, 300)],
        215,
    ),
    (
        "ay-heltll",
        "icao:461f51",
        "FIN1021",
        "2144",
        at(19, 6, 40),
        [(60.31, 24.96, 300), (59.95, 24.90, 6000), (59.70, 24.85, 4000), (59.41, 24.83, 300)],
        160,
    ),
    (
        "bt-rixtll",
        "icao:502cc3",
        "BTI311",
        "2343",
        at(19, 6, 50),
        [(56.92, 23.97, 400), (57.80, 24.40, 9000), (58.90, 24.70, 6000), (59.41, 24.83, 300)],
        200,
    ),
    (
        "ee-tllarn",
        "icao:511024",
        "MYX7401",
        "2351",
        at(19, 7, 5),
        [(59.41, 24.83, 300), (59.55, 22.50, 10000), (59.65, 17.92, 300)],
        210,
    ),
    (
        "sk-arncph",
        "icao:4aca21",
        "SAS1418",
        "2761",
        at(22, 17, 40),
        [(59.65, 17.92, 300), (57.50, 15.00, 11000), (55.75, 13.30, 3000), (55.62, 12.66, 5)],
        210,
    ),
    (
        "d8-oslcph",
        "icao:47a1c4",
        "NOZ1420",
        "2702",
        at(22, 17, 55),
        [(60.19, 11.10, 300), (58.50, 11.60, 11000), (56.20, 12.60, 4000), (55.62, 12.66, 5)],
        215,
    ),
    (
        "sk-cphosl",
        "icao:45ac45",
        "SAS1466",
        "2711",
        at(22, 20, 30),
        [(55.62, 12.66, 5), (56.30, 12.40, 8000), (58.80, 11.30, 11000), (60.19, 11.10, 210)],
        215,
    ),
    (
        "ay-helosl",
        "icao:4601f2",
        "FIN857",
        "2116",
        at(22, 20, 5),
        [(60.31, 24.96, 300), (60.00, 18.50, 11000), (60.10, 12.50, 5000), (60.19, 11.10, 210)],
        230,
    ),
    (
        "ek-dxbcph",
        "icao:896452",
        "UAE151",
        "4261",
        at(22, 15, 50),
        [(54.20, 16.50, 11500), (55.10, 14.20, 6000), (55.62, 12.66, 5)],
        220,
    ),
]


def airliners() -> list[dict[str, Any]]:
    actors = []
    for ident, icao, callsign, squawk, start, pts, speed in AIRLINERS:
        route = [wp(start, *pts[0])]
        route += [
            wp(None, la, lo, alt, speed if i < len(pts) - 1 else 80.0)
            for i, (la, lo, alt) in enumerate(pts[1:], 1)
        ]
        actors.append(
            {
                "id": ident,
                "kind": "airliner",
                "identity": icao,
                "transponder": True,
                "callsign": callsign,
                "squawk": squawk,
                "category": "A3",
                "sensor": "adsb-net",
                "route": route,
            }
        )
    return actors


def build() -> dict[str, Any]:
    ekch = airport_drones(
        "EKCH",
        12.656,
        55.6179,
        "EKCH-CUAS",
        at(22, 18, 25),
        [(0, 3.0, 120, 6), (4, 2.2, 200, 8), (11, 3.8, 300, 4)],
    )
    engm = airport_drones(
        "ENGM", 11.1004, 60.1939, "ENGM-CUAS", at(22, 21, 14), [(0, 2.5, 30, 5), (9, 3.5, 250, 3)]
    )
    return {
        "name": "september-2025",
        "title": "Airspace violations of September 2025",
        "description": (
            "Decoy drones over Poland (9-10 Sep), MiG-31s in Estonian airspace near Vaindloo "
            "(19 Sep), drones at Copenhagen Kastrup and Oslo Gardermoen (22 Sep), and civil "
            "airliners crossing the same borders legitimately."
        ),
        "sensors": [
            {"id": "PL-ASOC", "kind": "radar", "period_s": 10, "noise_m": 150, "alt_noise_m": 150},
            {"id": "EE-ASOC", "kind": "radar", "period_s": 5, "noise_m": 120, "alt_noise_m": 150},
            {"id": "EKCH-CUAS", "kind": "radar", "period_s": 2, "noise_m": 15, "alt_noise_m": 10},
            {"id": "ENGM-CUAS", "kind": "radar", "period_s": 2, "noise_m": 15, "alt_noise_m": 10},
            {
                "id": "adsb-net",
                "kind": "adsb",
                "period_s": 5,
                "noise_m": 10,
                "alt_noise_m": 8,
                "format": "sbs",
            },
        ],
        "actors": poland() + estonia() + airport_drones_list(ekch, engm) + airliners(),
        "expected": [
            {
                "zone": "sovereign:POL",
                "owner": "POL",
                "objects_min": 19,
                # the airport on their path is closed before they arrive (September 2025:
                # Warsaw Chopin, Modlin, Rzeszow and Lublin); air defence is alerted too
                "recommendation": "close_airport",
            },
            {
                "zone": "sovereign:EST",
                "owner": "EST",
                "objects": 3,
                "dwell_s": 720,
                "dwell_tolerance_s": 60,
                "recommendation": "intercept_and_escort",
            },
            {
                "zone": "airport:EKCH",
                "owner": "DNK",
                "objects": 3,
                "recommendation": "close_airport",
            },
            {
                "zone": "airport:ENGM",
                "owner": "NOR",
                "objects": 2,
                "recommendation": "close_airport",
            },
        ],
    }


def airport_drones_list(*groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for g in groups for a in g]


def main() -> None:
    doc = build()
    header = "# Generated by tools/build_demo_scenario.py: edit that script, not this file.\n"
    OUT.write_text(
        header + yaml.safe_dump(doc, sort_keys=False, width=110, default_flow_style=None),
        encoding="utf-8",
    )
    print(f"wrote {OUT} ({len(doc['actors'])} actors)", file=sys.stderr)


if __name__ == "__main__":
    main()
