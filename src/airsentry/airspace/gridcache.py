"""On-disk cache of built zone grids, so that start-up does not pay for the build.

Building the grid of the full default catalogue takes 1.5 to 3 s on a small machine (the
first build in a fresh process is the slow one); loading it back takes a fraction of a
second. Grids are stored under the user cache directory (``platformdirs``; override
with ``AIRSENTRY_CACHE_DIR``) as ``zone-grid-<key>.npz``, where the key hashes the
format version, the grid spec, the source of the grid builder (grid.py, gridsets.py,
raster.py) and, per zone in order, the exact bytes (WKB) of its geometry or the
digest its producer vouched for (:func:`vouch`: the shipped catalogue names its data
files, configuration and code instead of hashing every vertex), so any change of zones
or of the build code gives a new key. The cache is only an optimisation: a
missing, stale or unreadable file means a rebuild, and failures to write are ignored.

A grid is stored as a folder ``zone-grid-<key>/`` of plain ``.npy`` files, one per
array, loaded as copy-on-write memory maps: start-up then costs no copy of the ~90 MB
(reading an ``.npz`` back cost 0.2 CPU-s), and only the pages queries
touch are ever read.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import shapely

from airsentry.airspace import grid, gridsets, raster
from airsentry.airspace.grid import Grid, GridSpec, build_grid

FORMAT = 2
KEEP = 4
"""Grids kept in the cache directory (each ~90 MB for the default catalogue)."""
MIN_SEGMENTS = 50_000
"""Smaller zone sets build in well under a second and are not cached."""


def cache_dir() -> Path:
    """Where grids are cached: ``$AIRSENTRY_CACHE_DIR`` or the user cache directory."""
    env = os.environ.get("AIRSENTRY_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("airsentry")) / "zone-grid"


@functools.cache
def library_token(package: str) -> str:
    """What identifies the installed build of ``package`` in a cache key, without
    importing it: the name, size and modification time of its compiled extensions and
    of the shared libraries its wheel bundles (``<package>.libs``).

    For pyproj, whose import costs some 45 ms of start-up CPU that a start from the disk
    caches otherwise never needs: any reinstall or upgrade (of pyproj or of the PROJ it
    bundles) rewrites those files, so the key changes with them. A pyproj built from
    source against a system PROJ does not see that PROJ change; clear the cache then.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return f"{package}:absent"
    folder = Path(next(iter(spec.submodule_search_locations)))
    parts = [package]
    for where in (folder, folder.parent / f"{package}.libs"):
        with contextlib.suppress(OSError):
            for entry in sorted(os.scandir(where), key=lambda e: e.name):
                if ".so" in entry.name or entry.name.endswith((".pyd", ".dylib", ".dll")):
                    st = entry.stat()
                    parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


_VOUCHED: dict[int, tuple[Any, bytes]] = {}
"""Digests producers vouch for, by ``id`` of the geometry (the geometry is held here
too, so its ``id`` cannot be reused by another object while the entry lives)."""


def vouch(geometries: Sequence[Any], digests: Sequence[bytes]) -> None:
    """Stand for the content of ``geometries`` with ``digests`` in :func:`cache_key`.

    For a producer that knows where its geometries came from (the shipped catalogue:
    its data files, configuration and code), so that the key need not hash every
    vertex of every zone at each start-up (~730,000 vertices, 26 ms). A digest must
    change whenever the geometry could: it names the sources, not the result.
    """
    for g, d in zip(geometries, digests, strict=True):
        _VOUCHED[id(g)] = (g, d)


def cache_key(geometries: Any, spec: GridSpec) -> str:
    """Hash of everything a grid depends on, the code that builds it included: each
    zone's vouched digest (:func:`vouch`), else the exact bytes (WKB) of its geometry."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}:{spec.coarse_deg!r}:{spec.fine}:{len(geometries)}".encode())
    for module in (grid, gridsets, raster):
        h.update(Path(str(module.__file__)).read_bytes())
    geoms = np.asarray(geometries, dtype=object)
    known: list[bytes | None] = []
    for g in geoms.tolist():
        found = _VOUCHED.get(id(g))
        known.append(found[1] if found is not None and found[0] is g else None)
    todo = [i for i, d in enumerate(known) if d is None]
    if todo:
        wkbs = shapely.to_wkb(geoms[todo], output_dimension=2)
        for i, wkb in zip(todo, wkbs, strict=True):
            known[i] = b"wkb:" + wkb
    for digest in known:
        assert digest is not None
        h.update(len(digest).to_bytes(8, "little"))
        h.update(digest)
    return h.hexdigest()


def cached_build(
    geometries: Any, spec: GridSpec | None = None, directory: Path | None = None
) -> Grid:
    """:func:`build_grid`, read from / written to the cache when the zones are large."""
    spec = spec or GridSpec()
    geoms = np.asarray(geometries, dtype=object)
    if int(shapely.get_num_coordinates(geoms).sum()) < MIN_SEGMENTS:
        return build_grid(geoms, spec)
    directory = directory or cache_dir()
    path = directory / f"zone-grid-{cache_key(geoms, spec)}"
    grid = load(path, spec)
    if grid is None:
        grid = build_grid(geoms, spec)
        save(path, grid)
    else:
        touch(path)
    return grid


def touch(path: Path) -> None:
    """Mark a cache entry as just used: :func:`_prune` keeps the most recently *used*
    entries, so the grid every start loads is not evicted by a few scenarios' grids
    written since it was built (its rebuild costs 1.5-3 s of start-up)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def save(path: Path, grid: Grid) -> None:
    """Write ``grid`` as the folder ``path`` (atomically: built beside it, then renamed);
    give up quietly if the directory is not writable."""
    arrays = {f.name: getattr(grid, f.name) for f in fields(grid) if f.name != "spec"}
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=path.parent, suffix=".tmp"))
        try:
            for name, array in arrays.items():
                np.save(tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
            os.replace(tmp, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _prune(path.parent, keep=KEEP)


def _prune(directory: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently written or used grids (folders, and
    ``.npz`` files of the previous format)."""
    grids = sorted(directory.glob("zone-grid-*"), key=lambda p: p.stat().st_mtime)
    for old in grids[:-keep]:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                old.unlink()


def load(path: Path, spec: GridSpec) -> Grid | None:
    """The grid stored at ``path`` (memory-mapped, copy on write), or None when absent,
    incomplete or unreadable."""
    try:
        arrays = {
            f.name: np.load(path / f"{f.name}.npy", mmap_mode="c", allow_pickle=False)
            for f in fields(Grid)
            if f.name != "spec"
        }
    except (OSError, ValueError):
        return None
    return Grid(spec=spec, **arrays)
