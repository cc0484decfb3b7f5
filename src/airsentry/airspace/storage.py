"""Compact, deterministic storage of polygon sets as NumPy arrays in a ``.npz`` file.

Why this format: the shipped borders are ~200,000 vertices. As GeoJSON text they would
take ~5 MB and a second to parse; here they are shapely's ragged-array layout
(coordinates plus three offset arrays), with coordinates quantised to 1e-7 degree
(1.1 cm, finer than the 1e-5 degree of the source data, so the borders are stored
losslessly) and delta-encoded as int32, which zlib squeezes to about 2 bytes a vertex.
Loading is a cumulative sum and one ``shapely.from_ragged_array`` call (milliseconds).

The ``.npz`` is written with fixed timestamps and a sorted member order, so the same
input gives the same bytes (the builder is reproducible).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

QUANTUM_DEG = 1e-7
"""Coordinate resolution of stored geometries, degrees (about 1.1 cm)."""


def quantise(geometry: Any) -> Any:
    """``geometry`` with its coordinates rounded to the storage grid (what a load returns)."""
    return shapely.transform(geometry, lambda xy: np.round(xy / QUANTUM_DEG) * QUANTUM_DEG)


def pack_polygons(geometries: Sequence[Any]) -> dict[str, np.ndarray[Any, Any]]:
    """Arrays that encode a sequence of Polygons/MultiPolygons (see module docstring)."""
    multi = np.array(
        [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in geometries],
        dtype=object,
    )
    _, coords, (ring_off, poly_off, geom_off) = shapely.to_ragged_array(multi)
    q = np.round(coords / QUANTUM_DEG).astype(np.int64)
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return {
        "coords": delta.astype(np.int32),  # wraps modulo 2**32; undone by the int32 cumsum
        "ring_offsets": ring_off.astype(np.int64),
        "polygon_offsets": poly_off.astype(np.int64),
        "geometry_offsets": geom_off.astype(np.int64),
    }


def unpack_polygons(arrays: Mapping[str, np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """Object array of MultiPolygons from :func:`pack_polygons` arrays."""
    q = np.cumsum(arrays["coords"], axis=0, dtype=np.int32)
    coords = q.astype(np.float64) * QUANTUM_DEG
    offsets = (arrays["ring_offsets"], arrays["polygon_offsets"], arrays["geometry_offsets"])
    out: np.ndarray[Any, Any] = shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON, coords, offsets
    )
    return out


def save_npz(path: str | Path, arrays: Mapping[str, np.ndarray[Any, Any]]) -> None:
    """Write ``arrays`` as an ``.npz`` with reproducible bytes, stored, not deflated:
    coordinates deflate by a third only, the wheel compresses the package anyway, and
    inflating the shipped borders and bands cost 20 ms of every start-up (issue 12)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def load_npz(path: str | Path) -> dict[str, np.ndarray[Any, Any]]:
    """All arrays of a ``.npz`` file, loaded eagerly (no pickles allowed)."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
