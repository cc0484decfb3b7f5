"""H3 cells of many positions at once, exactly, with few calls into the h3 library.

``h3`` (4.x) indexes one point per call; at a third of a microsecond per call from
Python that is the cost of the whole map. Positions of aircraft come in tracks, so
neighbouring rows (sorted by aircraft and time) nearly always share a cell. This index
calls h3 for every ``stride``-th row only (the anchors); every other row is tested,
as arrays, against the cells of the anchors before and after it: a row closer to a
cell's centre than the cell's inscribed circle (its largest circle around the centre
that no edge crosses, less a safety margin) is in that cell. Only the rows that pass
neither test (near an edge, about a tenth of them) go to h3 one by one. The result is
the cell h3 itself gives for every row (a test checks it on random points); cells
near the poles, where the local plane used for the test is distorted, always go to h3.
"""

from __future__ import annotations

import math

import h3
import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
MARGIN = 0.97  # of the inscribed radius: covers the local plane's distortion (< 1 %)
MAX_LAT = 75.0  # beyond this, the fast test is not trusted

try:  # h3's compiled function, without the argument checks of its public wrapper
    from h3._cy import latlng_to_cell as _latlng_to_cell
except ImportError:  # pragma: no cover - a future h3 may move it
    _latlng_to_cell = h3.api.basic_int.latlng_to_cell
_h3_cell = np.frompyfunc(_latlng_to_cell, 3, 1)


def h3_cells(lat: F64, lon: F64, res: int) -> U64:
    """h3 called once per position (the rows the fast test cannot settle)."""
    if not len(lat):
        return np.empty(0, dtype=np.uint64)
    return np.asarray(_h3_cell(lat, lon, res), dtype=np.uint64)


class CellIndex:
    """Cells of positions at one resolution, with the cells' circles kept between calls."""

    def __init__(self, res: int, *, stride: int = 16) -> None:
        if not 0 <= res <= 15:
            raise ValueError(f"H3 resolution {res} is not 0-15")
        self.res = res
        self.stride = max(1, stride)
        self._known: dict[int, tuple[float, float, float, float]] = {}  # see _circles

    def cells(self, lat: F64, lon: F64, hint: U64 | None = None) -> U64:
        """The H3 cell (as uint64) of every position; rows should be in track order.

        ``hint`` (optional, 0 = none) is a likely cell per row, such as the cell of the
        aircraft's previous report: tested first, so most rows need no anchor at all.
        """
        n = len(lat)
        out = np.zeros(n, dtype=np.uint64)
        pending = np.ones(n, dtype=np.bool_)
        if hint is not None and n:
            hinted = np.flatnonzero(hint != 0)
            inside = self._inside(lat[hinted], lon[hinted], hint[hinted])
            out[hinted[inside]] = hint[hinted[inside]]
            pending[hinted[inside]] = False
        rows = np.flatnonzero(pending)
        if len(rows) <= 2 * self.stride:
            out[rows] = h3_cells(lat[rows], lon[rows], self.res)
            return out
        out[rows] = self._anchored(lat[rows], lon[rows])
        return out

    def _anchored(self, lat: F64, lon: F64) -> U64:
        """Cells of rows in track order: h3 at every ``stride``-th row (the anchors),
        the anchors' circles for the rows between them, h3 for the rest."""
        n = len(lat)
        anchor_rows = np.r_[np.arange(0, n, self.stride), n - 1]
        anchors = h3_cells(lat[anchor_rows], lon[anchor_rows], self.res)
        out = np.zeros(n, dtype=np.uint64)
        before = np.arange(n) // self.stride  # the anchor at or before a row
        pending = np.ones(n, dtype=np.bool_)
        for which in (before, before + 1):
            inside = pending & self._inside(lat, lon, anchors[which])
            out[inside] = anchors[which[inside]]
            pending &= ~inside
        rest = np.flatnonzero(pending)
        out[rest] = h3_cells(lat[rest], lon[rest], self.res)
        return out

    def _inside(self, lat: F64, lon: F64, cells: U64) -> npt.NDArray[np.bool_]:
        """Whether each position is surely inside the given cell (its safe circle)."""
        lat0, lon0, cos0, r2 = self._circles(cells)
        dy, dx = lat - lat0, (lon - lon0) * cos0
        out: npt.NDArray[np.bool_] = dy * dy + dx * dx < r2
        return out

    def _circles(self, cells: U64) -> F64:
        """Per cell: centre lat, lon, cos(lat) and the squared safe inscribed radius in
        degrees of latitude (0 = never trust), as a (4, n) table."""
        uniq, inverse = np.unique(cells, return_inverse=True)
        known = self._known
        rows = [known.get(c) or self._circle(c) for c in uniq.tolist()]
        return np.array(rows, dtype=np.float64).reshape(-1, 4)[inverse].T

    def _circle(self, cell: int) -> tuple[float, float, float, float]:
        lat0, lon0 = (float(x) for x in h3.api.basic_int.cell_to_latlng(cell))
        ring = np.array(h3.api.basic_int.cell_to_boundary(cell), dtype=np.float64)
        cos0 = math.cos(math.radians(lat0))
        dlon = ring[:, 1] - lon0
        if abs(lat0) > MAX_LAT or np.abs(dlon).max() > 90:  # polar or across 180 degrees
            found = (lat0, lon0, cos0, 0.0)
        else:
            found = (lat0, lon0, cos0, (_inscribed(dlon * cos0, ring[:, 0] - lat0) * MARGIN) ** 2)
        self._known[cell] = found
        return found


def _inscribed(x: F64, y: F64) -> float:
    """Distance from the origin to the nearest edge of the closed polygon (x, y)."""
    ax, ay, bx, by = x, y, np.roll(x, -1), np.roll(y, -1)
    ex, ey = bx - ax, by - ay
    length2 = np.maximum(ex * ex + ey * ey, 1e-18)
    u = np.clip(-(ax * ex + ay * ey) / length2, 0.0, 1.0)
    return float(np.min(np.hypot(ax + u * ex, ay + u * ey)))


def cell_text(cells: U64) -> list[str]:
    """Cells as h3's hexadecimal strings (for output)."""
    return [h3.int_to_str(int(c)) for c in cells]


def boundary(cell: int) -> list[list[float]]:
    """The cell's closed ring as GeoJSON [lon, lat] pairs."""
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.api.basic_int.cell_to_boundary(cell)]
    return [*ring, ring[0]]
