"""Compact Position Reporting (CPR) decoding, vectorised over arrays of frames.

ADS-B positions travel as 17-bit CPR coordinates in one of two formats, even (F=0,
60 latitude zones) and odd (F=1, 59 zones). Two ways to turn them into degrees
(DO-260B §A.1.7):

* **global**: an even and an odd frame of the same aircraft, received within 10 s
  of each other, both in the same longitude-zone band (equal NL of the two
  latitudes), give the position of the newer frame without any reference;
* **local**: one frame and a reference position known to lie within half a zone of
  the true position (180 NM airborne, 45 NM on the surface) give its position.

Surface positions (TC 5-8) use a 90° zone span, so even a global pair leaves four
quadrant candidates; the reference (the aircraft's last position or the receiver's)
chooses among them.

Every function takes and returns NumPy arrays; formulas follow the pyModeS scalar
functions of :mod:`pyModeS.position` (the tests compare them element by element).
"""

from __future__ import annotations

import numpy as np

from airsentry.sources.modes.fields import F64, I64

NZ = 15
CPR_SCALE = 131072.0  # 2**17
NM = 1852.0
EARTH_RADIUS = 6_371_008.8


def _nl_boundaries() -> F64:
    """Latitudes (ascending) at which NL steps down from 59 to 1 (DO-260B §A.1.7.2)."""
    k = np.arange(59, 1, -1, dtype=np.float64)
    a = 1.0 - np.cos(np.pi / (2 * NZ))
    bounds = np.degrees(np.arccos(np.sqrt(a / (1.0 - np.cos(2.0 * np.pi / k)))))
    bounds[-1] = 87.0  # the standard fixes the last transition at exactly 87°
    out: F64 = bounds
    return out


_NL_BOUNDS = _nl_boundaries()


def nl(lat: F64) -> I64:
    """Number of longitude zones at each latitude (59 at the equator, 1 above 87°)."""
    a = np.abs(lat)
    out = 59 - np.searchsorted(_NL_BOUNDS, a, side="right")
    out = np.where(a == 87.0, 2, out)
    return np.where(a > 87.0, 1, out).astype(np.int64)


def global_airborne(
    lat_e: I64, lon_e: I64, lat_o: I64, lon_o: I64, odd_newer: np.ndarray
) -> tuple[F64, F64, np.ndarray]:
    """Positions of the newer frame of each even/odd pair, and which pairs are valid."""
    ye, xe = lat_e / CPR_SCALE, lon_e / CPR_SCALE
    yo, xo = lat_o / CPR_SCALE, lon_o / CPR_SCALE
    j = np.floor(59 * ye - 60 * yo + 0.5)
    late = 6.0 * (np.mod(j, 60) + ye)
    lato = (360.0 / 59) * (np.mod(j, 59) + yo)
    late = np.where(late >= 270, late - 360, late)
    lato = np.where(lato >= 270, lato - 360, lato)
    nle, nlo = nl(late), nl(lato)
    lat = np.where(odd_newer, lato, late)
    n = np.where(odd_newer, nlo, nle)
    ni = np.maximum(np.where(odd_newer, n - 1, n), 1)
    m = np.floor(xe * (n - 1) - xo * n + 0.5)
    lon = (360.0 / ni) * (np.mod(m, ni) + np.where(odd_newer, xo, xe))
    lon = np.where(lon > 180, lon - 360, lon)
    ok = (nle == nlo) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return lat, lon, ok


def surface_candidates(
    lat_e: I64, lon_e: I64, lat_o: I64, lon_o: I64, odd_newer: np.ndarray
) -> tuple[F64, F64, np.ndarray]:
    """Every position a surface pair may stand for, without a reference.

    Returns latitudes ``(n, 2)`` (the northern and the southern solution), longitudes
    ``(n, 2, 4)`` (for each, the four 90° quadrants, wrapped to ±180: the zone count
    depends on the latitude) and whether each solution is consistent (equal NL of the
    two frames' latitudes), ``(n, 2)``.
    """
    ye, xe = lat_e / CPR_SCALE, lon_e / CPR_SCALE
    yo, xo = lat_o / CPR_SCALE, lon_o / CPR_SCALE
    j = np.floor(59 * ye - 60 * yo + 0.5)
    late_n = 1.5 * (np.mod(j, 60) + ye)
    lato_n = (90.0 / 59) * (np.mod(j, 59) + yo)
    quads = np.array([0.0, 90.0, 180.0, 270.0])
    lats, lons, oks = [], [], []
    for shift in (0.0, -90.0):
        late, lato = late_n + shift, lato_n + shift
        nle, nlo = nl(late), nl(lato)
        n = np.where(odd_newer, nlo, nle)
        ni = np.maximum(np.where(odd_newer, n - 1, n), 1)
        m = np.floor(xe * (n - 1) - xo * n + 0.5)
        base = (90.0 / ni) * (np.mod(m, ni) + np.where(odd_newer, xo, xe))
        lats.append(np.where(odd_newer, lato, late))
        lons.append(np.mod(base[:, None] + quads + 180.0, 360.0) - 180.0)
        oks.append(nle == nlo)
    return np.stack(lats, axis=1), np.stack(lons, axis=1), np.stack(oks, axis=1)


def global_surface(
    lat_e: I64,
    lon_e: I64,
    lat_o: I64,
    lon_o: I64,
    odd_newer: np.ndarray,
    ref_lat: F64,
    ref_lon: F64,
) -> tuple[F64, F64, np.ndarray]:
    """Surface pair positions, the ambiguity resolved by the candidate nearest the
    reference: the hemisphere by latitude, then the quadrant by longitude."""
    lats, lons, oks = surface_candidates(lat_e, lon_e, lat_o, lon_o, odd_newer)
    rows = np.arange(len(lats))
    south = (np.abs(ref_lat - lats[:, 1]) < np.abs(ref_lat - lats[:, 0])).astype(np.int64)
    quads = lons[rows, south]
    gap = np.abs(np.mod(quads - ref_lon[:, None] + 180.0, 360.0) - 180.0)
    gap = np.where(np.isnan(gap), 0.0, gap)
    lon = np.asarray(quads[rows, np.argmin(gap, axis=1)], dtype=np.float64)
    ok = oks[rows, south] & np.isfinite(ref_lat) & np.isfinite(ref_lon)
    return np.asarray(lats[rows, south], dtype=np.float64), lon, ok


def local(
    fmt: I64, lat_cpr: I64, lon_cpr: I64, ref_lat: F64, ref_lon: F64, surface: np.ndarray
) -> tuple[F64, F64]:
    """Positions of single frames next to a reference (airborne or surface span)."""
    span = np.where(surface, 90.0, 360.0)
    y, x = lat_cpr / CPR_SCALE, lon_cpr / CPR_SCALE
    dlat = span / np.where(fmt == 1, 59.0, 60.0)
    j = np.floor(0.5 + ref_lat / dlat - y)
    lat = dlat * (j + y)
    ni = nl(np.nan_to_num(lat)) - fmt
    dlon = np.where(ni > 0, span / np.maximum(ni, 1), span)
    m = np.floor(0.5 + ref_lon / dlon - x)
    lon = dlon * (m + x)
    return lat, lon


def distance_m(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    """Great-circle distance (m), haversine."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: F64 = 2 * EARTH_RADIUS * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out
