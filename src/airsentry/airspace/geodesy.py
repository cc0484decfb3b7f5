"""Metric geometry on lon/lat data: local projections, geodesic circles and buffers.

Zones live in lon/lat degrees (shapely works there, fast and exactly), but widths, radii
and depths are metres. Everything metric is done in an azimuthal-equidistant (AEQD)
projection centred near the geometry at hand, where distances from the centre are exact
geodesic distances on the WGS84 ellipsoid and other distances are distorted by at most
``(rho / R)**2 / 6`` (``rho`` the distance from the centre, ``R`` the Earth's radius):
0.05 % at 350 km, 0.4 % at 1,000 km. Callers keep ``rho`` small by working piece by piece
and state the resulting bound.

Longitudes are kept in [-180, 180]. Shapes that cross the antimeridian after a metric
operation are unwrapped around their centre and split back into [-180, 180] pieces.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
import tempfile
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import shapely

from airsentry.airspace.gridcache import cache_dir, library_token, touch
from airsentry.model import FloatArray

if TYPE_CHECKING:
    import pyproj

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), used only in error bounds and rough windows."""

METRES_PER_DEGREE_MAX = 111_694.0
"""The longest ground distance of one degree of arc in lon/lat space on WGS84.

A degree of latitude is 110,574 m at the equator and 111,694 m at the poles; a degree of
longitude is at most 111,320 m (at the equator). So a displacement of ``d`` degrees in
lon/lat space is never longer than ``d * METRES_PER_DEGREE_MAX`` metres on the ground.
"""


@functools.cache
def geod() -> pyproj.Geod:
    """The WGS84 ellipsoid's geodesic solver, built on first use.

    pyproj is imported by the functions that compute and not with the module: a start
    whose geometry all comes from the disk caches (the shipped catalogue's rings, bands
    and grids) never needs it, and importing it costs some 45 ms of CPU (issue 12).
    """
    import pyproj

    return pyproj.Geod(ellps="WGS84")


DENSIFY_DEG = 0.01
"""Edges longer than this (degrees) are split before projecting: a straight lon/lat edge
of 0.01 degree bends away from its projected chord by well under a centimetre, where a
50 km edge at 60 N would bend by 80 m."""

Transform: TypeAlias = "pyproj.Transformer"
"""The type of :func:`local_projection`'s transformers (a name: pyproj loads lazily)."""


@functools.lru_cache(maxsize=512)
def local_projection(lat0: float, lon0: float) -> tuple[Transform, Transform]:
    """Forward (lon/lat to metres) and inverse transformers of an AEQD centred on a point.

    Cached, and built from the PROJ pipeline itself: ``Transformer.from_crs`` with
    ``EPSG:4326`` looks the CRS up in PROJ's database, 10-16 ms per centre (most of a
    depth query's cost on fresh cells), where the pipeline it resolves to (unit
    conversion, then the AEQD on the WGS84 ellipsoid: see ``Transformer.definition``)
    builds in a fraction of a millisecond and gives bit-identical results
    (``tests/airspace/test_zone_depth.py``).
    """
    import pyproj

    lat0 = float(np.clip(lat0, -89.9, 89.9))
    aeqd = f"+proj=aeqd +lat_0={lat0:.6f} +lon_0={lon0:.6f} +x_0=0 +y_0=0 +ellps=WGS84"
    fwd = pyproj.Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {aeqd}"
    )
    inv = pyproj.Transformer.from_pipeline(
        f"+proj=pipeline +step +inv {aeqd} +step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )
    return fwd, inv


def to_local(geometry: Any, fwd: Transform) -> Any:
    """``geometry`` (lon/lat) in the metric frame of ``fwd``."""

    def apply(xy: FloatArray) -> FloatArray:
        x, y = fwd.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, apply)


def from_local(geometry: Any, inv: Transform, lon0: float) -> Any:
    """``geometry`` from a metric frame back to lon/lat, unwrapped around ``lon0``.

    The longitudes come back continuous (possibly beyond +-180) so that a shape that
    straddles the antimeridian stays one shape; :func:`split_antimeridian` folds it.
    """

    def apply(xy: FloatArray) -> FloatArray:
        lon, lat = inv.transform(xy[:, 0], xy[:, 1])
        lon = lon0 + (np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, apply)


def split_antimeridian(geometry: Any) -> Any:
    """Fold a polygonal shape with longitudes beyond +-180 back into [-180, 180]."""
    xmin, _, xmax, _ = geometry.bounds
    if xmin >= -180.0 and xmax <= 180.0:
        return geometry
    pieces = []
    for shift, west, east in (
        (0.0, -180.0, 180.0),
        (-360.0, 180.0, 540.0),
        (360.0, -540.0, -180.0),
    ):
        part = shapely.intersection(geometry, shapely.box(west, -90.0, east, 90.0))
        if not part.is_empty:
            pieces.append(shapely.transform(part, lambda xy, s=shift: xy + np.array([s, 0.0])))
    return polygonal(shapely.union_all(pieces))


def polygonal(geometry: Any) -> Any:
    """The polygonal part of ``geometry`` (made valid) as a Polygon or MultiPolygon."""
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    if not polys:
        return shapely.MultiPolygon()
    if len(polys) == 1:
        return polys[0]
    return shapely.MultiPolygon(polys)


def geodesic_circles(
    lat: FloatArray, lon: FloatArray, radius_m: FloatArray, vertices: int = 64
) -> Any:
    """Polygons approximating geodesic circles, one per centre (vectorised).

    The vertices lie exactly on the geodesic circle (pyproj ``Geod.fwd``); the polygon is
    inscribed, so it falls short of the circle by at most
    ``radius * (1 - cos(pi / vertices))``: 6 m for 5 km and 64 vertices. Circles that
    cross the antimeridian are split. The rings come from :func:`circle_rings` (cached).
    """
    ring = circle_rings(lat, lon, radius_m, vertices)
    polys = shapely.polygons(ring)
    lons = ring[:, :-1, 0]
    wraps = (lons.min(axis=1) < -180.0) | (lons.max(axis=1) > 180.0)
    for i in np.flatnonzero(wraps):
        polys[i] = split_antimeridian(polys[i])
    return polys


def _rings(lat: FloatArray, lon: FloatArray, radius: FloatArray, vertices: int) -> FloatArray:
    """Closed rings ``(n, vertices + 1, 2)`` of lon/lat vertices on each geodesic circle,
    longitudes unwrapped around the centre."""
    n = len(lat)
    az = np.linspace(0.0, 360.0, vertices, endpoint=False)
    lons, lats, _ = geod().fwd(
        np.repeat(lon, vertices),
        np.repeat(lat, vertices),
        np.tile(az, n),
        np.repeat(radius, vertices),
    )
    lons = np.asarray(lons).reshape(n, vertices)
    lats = np.asarray(lats).reshape(n, vertices)
    lons = lon[:, None] + (lons - lon[:, None] + 180.0) % 360.0 - 180.0
    ring = np.stack([lons, lats], axis=-1)
    out: FloatArray = np.concatenate([ring, ring[:, :1]], axis=1)
    return out


CACHE_MIN_POINTS = 10_000
"""Circle sets of at least this many vertices are cached on disk (:func:`circle_rings`)."""


def circle_rings(
    lat: FloatArray, lon: FloatArray, radius_m: FloatArray, vertices: int = 64
) -> FloatArray:
    """The rings of :func:`geodesic_circles`, cached on disk when large.

    The default catalogue's ~3,700 airport circles are 240,000 forward geodesic
    problems, 0.1 CPU-s on every start; the rings are stored beside the zone grids
    (:func:`~airsentry.airspace.gridcache.cache_dir`) under a hash of the exact centres,
    radii and vertex count and the pyproj/PROJ versions, so a hit returns the very same
    floats (``tests/airspace/test_disk_caches.py``). A missing or unreadable file means a
    fresh computation; failures to write are ignored.
    """
    lat = np.ascontiguousarray(lat, dtype=np.float64)
    lon = np.ascontiguousarray(lon, dtype=np.float64)
    radius = np.ascontiguousarray(
        np.broadcast_to(np.asarray(radius_m, dtype=np.float64), lat.shape)
    )
    n = len(lat)
    if n * vertices < CACHE_MIN_POINTS:
        return _rings(lat, lon, radius, vertices)
    h = hashlib.blake2b(digest_size=16)
    h.update(f"rings:2:{library_token('pyproj')}:{n}:{vertices}".encode())
    for a in (lat, lon, radius):
        h.update(a.tobytes())
    path = cache_dir() / f"geodesic-rings-{h.hexdigest()}.npy"
    with contextlib.suppress(OSError, ValueError):
        stored: FloatArray = np.load(path, allow_pickle=False)
        if stored.shape == (n, vertices + 1, 2) and stored.dtype == np.float64:
            touch(path)  # pruning below keeps the most recently used sets
            return stored
    out = _rings(lat, lon, radius, vertices)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, out, allow_pickle=False)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        kept = sorted(path.parent.glob("geodesic-rings-*.npy"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-4]:  # a few catalogues' worth (one per set of airport radii)
            with contextlib.suppress(OSError):
                old.unlink()
    return out


def buffer_band(
    geometry: Any,
    width_m: float,
    *,
    tile_deg: float = 4.0,
    quad_segs: int = 32,
    simplify_deg: float = 0.0003,
) -> Any:
    """The band between ``geometry``'s border and a geodesic buffer ``width_m`` outside it.

    The border is cut into ``tile_deg`` tiles; each tile's piece of the border is buffered
    in an AEQD projection centred on that piece, segment by segment (see
    :func:`_exact_buffer`), brought back to lon/lat, and the pieces are united (the
    buffer of a union is the union of the buffers). The band is that union minus the
    geometry itself, so its inner edge is exactly the state's border.

    Error bound on the outer edge, for the 30 km default: a piece lies within
    ``rho <= 315 km`` (half the diagonal of a 4-degree tile at the equator) of its
    centre; AEQD never shortens lengths, so the band can only come out narrower, by at
    most ``w (rho + w)^2 / (6 R^2)`` = 15 m; the arcs are chords with ``quad_segs`` per
    quarter circle, narrower by at most ``w (1 - cos(pi / (4 quad_segs)))`` = 9 m;
    border edges are densified to ``DENSIFY_DEG`` before projecting and buffer edges to
    2 km before the inverse projection (under 1 m of bending either way); the union is
    simplified with ``simplify_deg`` = 0.0003 degree (at most 34 m either way). In total
    the outer edge lies between 59 m inside and 35 m outside the exact geodesic offset
    of the shipped border (measured on seven states: -35 m to +27 m).
    """
    geometry = polygonal(geometry)
    if geometry.is_empty or width_m <= 0:
        return shapely.MultiPolygon()
    boundary = shapely.boundary(geometry)
    xmin, ymin, xmax, ymax = geometry.bounds
    ix = np.arange(math.floor(xmin / tile_deg), math.floor(xmax / tile_deg) + 1)
    iy = np.arange(math.floor(ymin / tile_deg), math.floor(ymax / tile_deg) + 1)
    gx, gy = np.meshgrid(ix * tile_deg, iy * tile_deg)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + tile_deg, gy.ravel() + tile_deg)
    hits = np.sort(shapely.STRtree(boxes).query(boundary, predicate="intersects"))
    bands = []
    for box in boxes[hits]:
        piece = shapely.clip_by_rect(boundary, *box.bounds)
        if piece.is_empty:
            continue
        # Border edges are straight in lon/lat, not in the projection: densify first.
        piece = shapely.segmentize(piece, DENSIFY_DEG)
        pxmin, pymin, pxmax, pymax = piece.bounds
        lat0 = round((pymin + pymax) / 2.0, 3)
        lon0 = round((pxmin + pxmax) / 2.0, 3)
        fwd, inv = local_projection(lat0, lon0)
        buffered = _exact_buffer(to_local(piece, fwd), width_m, quad_segs)
        buffered = shapely.segmentize(buffered, 2000.0)
        bands.append(split_antimeridian(polygonal(from_local(buffered, inv, lon0))))
    union = polygonal(shapely.union_all(bands))
    union = polygonal(shapely.simplify(union, simplify_deg, preserve_topology=True))
    return polygonal(shapely.difference(union, geometry))


def _exact_buffer(lines: Any, width: float, quad_segs: int) -> Any:
    """Buffer of ``lines`` as the union of the buffers of their segments.

    ``shapely.buffer`` on a whole line first drops the vertices of concavities shallower
    than 1 % of the distance (GEOS's buffer input simplifier): up to 300 m too wide at
    30 km. A single segment has nothing to drop, so the union is exact.
    """
    parts = shapely.get_parts(lines)
    xy, which = shapely.get_coordinates(parts, return_index=True)
    same = which[1:] == which[:-1]
    segments = shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))
    return shapely.union_all(shapely.buffer(segments, width, quad_segs=quad_segs))


def circular_mean_lon(lon: FloatArray) -> float:
    """Mean longitude that respects the antimeridian (degrees in [-180, 180])."""
    rad = np.radians(lon)
    return float(np.degrees(np.arctan2(np.mean(np.sin(rad)), np.mean(np.cos(rad)))))
