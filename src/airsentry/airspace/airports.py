"""Airports of the catalogue's states and their drone-restriction zones.

``data/airports.csv.gz`` (from ``airportsdata``, MIT; built by ``tools/build_airspace.py``)
holds ICAO and IATA codes, name, country (ISO3), position, elevation and a military flag.
Each airport becomes an AIRPORT zone: a geodesic circle whose radius follows the
national rule for its country (civil and military radii), from the surface up to a
configurable ceiling, admitting every target that is not a drone.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from airsentry.airspace import borders, geodesy
from airsentry.model import Admit, Zone, ZoneKind

CIRCLE_VERTICES = 64
"""Vertices of an airport circle: the inscribed polygon falls short of the geodesic
circle by at most ``r (1 - cos(pi / 64))``, 6 m at 5 km and 10 m at 8 km."""

AIRPORT_ADMITS = frozenset({Admit.NON_DRONE})


@dataclass(frozen=True, slots=True)
class Airport:
    icao: str
    iata: str
    name: str
    country: str  # ISO 3166 alpha-3
    lat: float
    lon: float
    elevation_m: float
    military: bool


@functools.cache
def load_airports() -> tuple[Airport, ...]:
    """Every shipped airport, sorted by ICAO code."""
    raw = (borders.data_dir() / "airports.csv.gz").read_bytes()
    rows = csv.reader(io.StringIO(gzip.decompress(raw).decode("utf-8")))
    at = {name: i for i, name in enumerate(next(rows))}
    # positional cells (a DictReader builds a dict per row: a third of the start-up's
    # catalogue time)
    icao, iata, name, country = at["icao"], at["iata"], at["name"], at["country"]
    lat, lon, elevation, military = at["lat"], at["lon"], at["elevation_m"], at["military"]
    return tuple(
        Airport(
            icao=row[icao],
            iata=row[iata],
            name=row[name],
            country=row[country],
            lat=float(row[lat]),
            lon=float(row[lon]),
            elevation_m=float(row[elevation]),
            military=row[military] == "1",
        )
        for row in rows
        if row
    )


def airport_zones(
    airports: Sequence[Airport],
    radius_m: Callable[[Airport], float],
    *,
    ceiling_m: float = 1500.0,
) -> list[Zone]:
    """One AIRPORT zone per airport: a geodesic circle of ``radius_m(airport)`` metres,
    floor unbounded, ceiling ``ceiling_m``, admitting non-drones; owner is the country."""
    if not airports:
        return []
    radii = np.array([radius_m(a) for a in airports], dtype=np.float64)
    circles = geodesy.geodesic_circles(
        np.array([a.lat for a in airports]),
        np.array([a.lon for a in airports]),
        radii,
        vertices=CIRCLE_VERTICES,
    )
    return [
        Zone(
            id=f"airport:{a.icao}",
            name=a.name,
            kind=ZoneKind.AIRPORT,
            owner=a.country,
            geometry=circle,
            floor_m=-math.inf,
            ceiling_m=ceiling_m,
            admits=AIRPORT_ADMITS,
            allies=borders.alliance_of(a.country),
            properties={
                "icao": a.icao,
                "iata": a.iata,
                "radius_m": float(r),
                "military": a.military,
                "lat": a.lat,
                "lon": a.lon,
                "elevation_m": a.elevation_m,
            },
        )
        for a, circle, r in zip(airports, circles, radii, strict=True)
    ]
