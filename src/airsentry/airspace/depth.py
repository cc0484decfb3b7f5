"""Distance in metres from points to a zone's border (penetration depth when inside).

Method: the points are grouped by the nearest point of a ``CELL_DEG`` lattice; for
each, an azimuthal-equidistant projection (pyproj, WGS84) is centred on that lattice
point, the zone's border is clipped to a window around the cell (so a point's depth
depends on the point alone, never on the batch it came in), densified to ``DENSIFY_DEG`` and
projected, and the nearest border segment of every point is found with an STRtree. A
point's answer is accepted when it is no farther than the window's edge (nothing
outside the window can then be nearer); otherwise the window doubles, up to the whole
border. Borders that straddle the antimeridian are handled by shifting copies by 360.

Error bound: distances from the centre are exact geodesic distances; others are
stretched by at most ``(rho / R)^2 / 6``, ``rho`` the distance from the centre to the
farther of the point and its nearest border point. For a tile (half-diagonal at most
160 km) and a border within 100 km, ``rho <= 260 km``: 0.03 % (30 m per 100 km).
Densifying to 0.01 degree keeps straight lon/lat edges within 1 m of their projected
shape. So the result is within 0.03 % + 1 m of the geodesic distance to the border as
drawn in lon/lat, for borders up to ~100 km away, and within 0.4 % up to 1,000 km.
"""

from __future__ import annotations

import collections
import functools
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from airsentry.airspace import geodesy
from airsentry.model import FloatArray, Zone

DENSIFY_DEG = 0.01
START_WINDOW_DEG = 0.5
CELL_DEG = 0.25  # projection centres and windows per cell of this lattice


def depth_m(zone: Zone, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
    """Distance (m) from each point to the border of ``zone``: the penetration depth for
    points inside, the distance to go for points outside (always >= 0). Vectorised."""
    lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
    lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
    out = np.full(len(lat_a), np.nan)
    ok = np.isfinite(lat_a) & np.isfinite(lon_a)
    border = _border(zone.geometry)
    if border is None or border.is_empty or not ok.any():
        return out
    idx = np.flatnonzero(ok)
    # every point's own projection centre: the nearest point of a CELL_DEG lattice, so
    # its depth never depends on which other points share its batch
    cy = np.round(lat_a[idx] / CELL_DEG)
    cx = np.round(lon_a[idx] / CELL_DEG)
    cell = cy * 4000.0 + cx
    order = np.argsort(cell, kind="stable")
    cuts = np.flatnonzero(np.diff(cell[order])) + 1
    for group in np.split(idx[order], cuts):
        lat_c = float(np.round(lat_a[group[0]] / CELL_DEG)) * CELL_DEG
        lon_c = float(np.round(lon_a[group[0]] / CELL_DEG)) * CELL_DEG
        out[group] = _depth_group(border, lat_a[group], lon_a[group], lat_c, lon_c)
    return out


_BORDERS: dict[int, tuple[Any, Any]] = {}  # id(geometry) -> (geometry, its border)


def _border(geometry: Any) -> Any:
    """A zone's border, computed once per geometry object (Russia's takes tens of ms).

    Keyed by identity, not by value: shapely hashes a geometry by its WKB, which costs
    as much as the vertices. The geometry is kept alive with its entry so ids stay unique.
    """
    hit = _BORDERS.get(id(geometry))
    if hit is not None and hit[0] is geometry:
        return hit[1]
    if len(_BORDERS) >= 4096:
        _BORDERS.clear()
    border = shapely.boundary(geometry)
    _BORDERS[id(geometry)] = (geometry, border)
    return border


@functools.lru_cache(maxsize=1024)
def _projection(lat_c: float, lon_c: float) -> geodesy.Transform:
    return geodesy.local_projection(lat_c, lon_c)[0]


def _depth_group(
    border: Any, lat: FloatArray, lon: FloatArray, lat_c: float, lon_c: float
) -> FloatArray:
    # Centres are a CELL_DEG lattice point, so projections are reused between batches: a
    # point at most ~14 km off the centre of an azimuthal equidistant projection sees
    # distances scaled by less than 1e-5, far below the border's own 100 m bound. The
    # window is the cell's, widened: it depends on the cell, never on the points.
    fwd = _projection(lat_c, lon_c)
    ulon = lon_c + (lon - lon_c + 180.0) % 360.0 - 180.0  # unwrapped around the centre
    px, py = fwd.transform(ulon, lat)
    pts = shapely.points(px, py)
    result = np.full(len(lat), np.inf)
    todo = np.arange(len(lat))
    bxmin, bymin, bxmax, bymax = border.bounds
    whole = max(bxmax - bxmin, bymax - bymin, 1.0) + 360.0
    pad = START_WINDOW_DEG
    while len(todo):
        half = CELL_DEG / 2 + pad
        w = (lon_c - half, lat_c - half, lon_c + half, lat_c + half)
        tree, centre_dist = _window_tree(border, fwd, lon_c, w)
        if tree is not None and (pad >= whole or not _hopeless(centre_dist, lat_c, lon_c, w)):
            _, dist = tree.query_nearest(pts[todo], return_distance=True, all_matches=False)
            # The nearest point outside the window is at least this far from the point.
            clearance = _window_clearance(ulon[todo], lat[todo], w)
            done = (dist <= clearance) | (pad >= whole)
            result[todo[done]] = dist[done]
            todo = todo[~done]
        if pad >= whole:
            break
        pad *= 2.0
    return result


def _hopeless(centre_dist: float, lat_c: float, lon_c: float, w: tuple[float, ...]) -> bool:
    """True when no point of the cell centred on (lat_c, lon_c) can take its answer from
    window ``w`` (so the window's query is skipped: the points go on to the next).

    In the projected plane a point ``P`` of the cell is within ``reach`` of the centre
    ``C``, so its distance to the window's segments is at least ``dist(C) - reach``
    (triangle inequality); its clearance is at most the centre's (the window is
    centred on the cell). When the one exceeds the other by a metre, every point of
    the cell would fail ``dist <= clearance`` and its answer comes from a larger
    window anyway: the result is the one the query would have given. Deep inside a
    large zone (Paris in France) the points otherwise ran a useless query per window
    before the one that answered them.
    """
    clearance = float(_window_clearance(np.array([lon_c]), np.array([lat_c]), w)[0])
    return centre_dist - _cell_reach(lat_c, lon_c) > clearance + 1.0


@functools.lru_cache(maxsize=4096)
def _cell_reach(lat_c: float, lon_c: float) -> float:
    """An upper bound (m) on the projected distance from the cell's centre to any point
    of the cell: the farthest point of its border (densified; the image of the cell is
    bounded by the image of its border), with a margin for the densification."""
    fwd = _projection(lat_c, lon_c)
    h = CELL_DEG / 2 + 1e-9
    edge = np.linspace(-h, h, 65)
    ring_lat = lat_c + np.r_[edge, np.full(65, h), edge[::-1], np.full(65, -h)]
    ring_lon = lon_c + np.r_[np.full(65, -h), edge, np.full(65, h), edge[::-1]]
    x, y = fwd.transform(ring_lon, ring_lat)
    x0, y0 = fwd.transform(lon_c, lat_c)
    return float(np.hypot(np.asarray(x) - x0, np.asarray(y) - y0).max()) * 1.001 + 1.0


class _TreeCache:
    """Projected border windows (an STRtree of segments each) kept between batches,
    least recently used first out, within a budget of segments.

    Bounded by segments, not by windows: a window's tree holds from a few segments to
    the whole densified border (thousands), about 370 bytes each with the tree. Bounded
    by count alone (2,048 windows), the cache grew with the area the traffic covered:
    a replay of four copies of the Paris sample held 191,000 segments (some 70 MB) at
    its end and the bound allowed ten times that, so the replay's peak memory grew
    with the length of its input and a live run's with its age (issue 12, issue 13).
    """

    def __init__(self, segments: int, windows: int) -> None:
        self.segments, self.windows = segments, windows
        self._held: collections.OrderedDict[tuple[int, tuple[float, ...]], tuple[Any, Any, float]]
        self._held = collections.OrderedDict()
        self._size: dict[tuple[int, tuple[float, ...]], int] = {}
        self.held_segments = 0

    def __len__(self) -> int:
        return len(self._held)

    def get(self, key: tuple[int, tuple[float, ...]], border: Any) -> tuple[Any, float] | None:
        hit = self._held.get(key)
        if hit is None or hit[0] is not border:
            return None
        self._held.move_to_end(key)
        return hit[1], hit[2]

    def put(self, key: tuple[int, tuple[float, ...]], entry: tuple[Any, Any, float]) -> None:
        if key in self._held:
            self._drop(key)
        size = 0 if entry[1] is None else len(entry[1])
        self._held[key], self._size[key] = entry, size
        self.held_segments += size
        while len(self._held) > 1 and (
            self.held_segments > self.segments or len(self._held) > self.windows
        ):
            self._drop(next(iter(self._held)))

    def _drop(self, key: tuple[int, tuple[float, ...]]) -> None:
        del self._held[key]
        self.held_segments -= self._size.pop(key)

    def clear(self) -> None:
        self._held.clear()
        self._size.clear()
        self.held_segments = 0


SEGMENTS_KEPT = 150_000
"""Border segments kept in projected windows between batches (about 55 MB)."""
_TREES = _TreeCache(SEGMENTS_KEPT, windows=2048)


def _window_tree(
    border: Any, fwd: geodesy.Transform, lon_c: float, w: tuple[float, ...]
) -> tuple[Any, float]:
    """The STRtree of ``border``'s projected segments within window ``w`` (None when the
    window holds none of it) and the distance from the window's centre to them.

    A window is a function of its lattice cell and pad, and ``fwd`` of its centre, so
    the tree of a (border, window) is the same in every batch: it is built once and
    kept (:class:`_TreeCache`; the border is kept alive with it so that its
    id stays unique). Building it (clip, densify, project) was most of a depth query.
    """
    key = (id(border), w)
    hit = _TREES.get(key, border)
    if hit is not None:
        return hit
    lines = _clip(border, (w[0], w[1], w[2], w[3]))
    tree = None if lines is None else shapely.STRtree(_projected_segments(lines, fwd, lon_c))
    centre_dist = np.inf
    if tree is not None:
        lat_c = (w[1] + w[3]) / 2
        centre = shapely.points(*fwd.transform(lon_c, lat_c))
        _, dist = tree.query_nearest(centre, return_distance=True, all_matches=False)
        centre_dist = float(dist[0]) if len(dist) else np.inf
    _TREES.put(key, (border, tree, centre_dist))
    return tree, centre_dist


def _clip(border: Any, w: tuple[float, float, float, float]) -> Any:
    """The border clipped to window ``w`` (lon may run past +-180): copies of the border
    shifted by -360, 0 and +360 are clipped and merged."""
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        lo, hi = w[0] - shift, w[2] - shift
        if hi < -180.0 or lo > 180.0:
            continue
        part = shapely.clip_by_rect(border, lo, w[1], hi, w[3])
        if not part.is_empty:
            pieces.append(shapely.transform(part, lambda xy, s=shift: xy + np.array([s, 0.0])))
    if not pieces:
        return None
    return shapely.GeometryCollection(pieces)


def _projected_segments(lines: Any, fwd: geodesy.Transform, lon_c: float) -> Any:
    dense = shapely.segmentize(lines, DENSIFY_DEG)
    parts = shapely.get_parts(shapely.get_parts(dense))
    xy, which = shapely.get_coordinates(parts, return_index=True)
    lon = lon_c + (xy[:, 0] - lon_c + 180.0) % 360.0 - 180.0
    x, y = fwd.transform(lon, xy[:, 1])
    same = which[1:] == which[:-1]
    a = np.column_stack([x[:-1], y[:-1]])[same]
    b = np.column_stack([x[1:], y[1:]])[same]
    return shapely.linestrings(np.stack([a, b], axis=1))


def _window_clearance(lon: FloatArray, lat: FloatArray, w: tuple[float, ...]) -> FloatArray:
    """Lower bound (m) on the distance from each point to the outside of window ``w``."""
    dlat = np.minimum(lat - w[1], w[3] - lat)
    dlon = np.minimum(lon - w[0], w[2] - lon)
    # A degree of latitude is at least 110,574 m; a degree of longitude at least
    # 111,320 m * cos(lat) at the window's highest latitude (0.99: the geodesic to a
    # meridian is a little shorter than the parallel, by 0.4 % at 10 degrees).
    coslat = max(float(np.cos(np.radians(max(abs(w[1]), abs(w[3]))))), 0.0)
    metres_lat = 110_574.0 * dlat
    metres_lon = 111_320.0 * coslat * dlon * 0.99
    out: FloatArray = np.maximum(np.minimum(metres_lat, metres_lon), 0.0)
    return out
