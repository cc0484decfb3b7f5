"""The multi-target tracker's live tracks as columns (struct of arrays).

One row per live track (tentative or confirmed). Rows are appended in bulk when plots
start tracks and dropped in bulk when tracks end, so every per-scan operation works on
whole columns. The horizontal filter state lives in the track's own ENU frame
(``origin``, ``rot``), re-centred on every update, so ``lat``/``lon`` are always the
estimated position at time ``t``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from airsentry.model import Track
from airsentry.tracking.robustend import RING

# name -> (trailing shape given M models, dtype, fill)
_SCALARS: dict[str, tuple[Any, Any]] = {
    "id": (np.int64, -1),
    "t": (np.float64, np.nan),  # time of the last update
    "first_t": (np.float64, np.nan),
    "lat": (np.float64, np.nan),
    "lon": (np.float64, np.nan),
    "hits": (np.int64, 0),  # M-of-N hit history, newest in bit 0
    "seen": (np.int64, 0),  # opportunities so far
    "opp_t": (np.float64, np.nan),  # time of the last opportunity counted
    "last_sensor": (np.int64, -1),  # sensor index of the last update
    "confirmed": (np.bool_, False),
    "sensors": (np.int64, 0),  # bit mask of sensor indices that hit the track
    "last_coop_t": (np.float64, -np.inf),  # last update from the target's own transmitter
    "last_radar_t": (np.float64, -np.inf),  # last update from any other sensor
    "transponder": (np.bool_, False),
    "integrity_t": (np.float64, -np.inf),  # last integrity event raised on the track
    "merge_with": (np.int64, -1),  # partner of a pending merge (fusion), and its count
    "merge_count": (np.int64, 0),
    "exist": (np.float64, 1.0),  # clutter hook: IPDA existence probability (existence.py)
    "identity": (object, ""),
    "callsign": (object, ""),
    "squawk": (object, ""),
    "category": (object, ""),
}


@functools.lru_cache(maxsize=1024)
def _fill(name: str, k: int) -> np.ndarray[Any, Any]:
    """``k`` rows of column ``name``'s fill value (read-only; a scan starts a few tracks
    and this saves building the same dozen arrays for each)."""
    dtype, fill = _SCALARS[name]
    out = np.full(k, fill, dtype=dtype)
    out.flags.writeable = False
    return out


class TrackTable:
    """Columns of the live tracks; ``m`` is the number of IMM models."""

    def __init__(self, m: int) -> None:
        self.m = m
        self.cols: dict[str, np.ndarray[Any, Any]] = {
            name: np.empty(0, dtype=dt) for name, (dt, _) in _SCALARS.items()
        }
        self.cols["x"] = np.empty((0, m, 5))
        self.cols["P"] = np.empty((0, m, 5, 5))
        self.cols["mu"] = np.empty((0, m))
        self.cols["origin"] = np.empty((0, 3))
        self.cols["rot"] = np.empty((0, 3, 3))
        self.cols["z"] = np.empty((0, 2))  # vertical [alt, vz]
        self.cols["Pz"] = np.empty((0, 2, 2))
        # the last updated positions (time, lat, lon), oldest first (robustend.py)
        self.cols["ring"] = np.empty((0, RING, 3))

    def __len__(self) -> int:
        return len(self.cols["id"])

    def __getitem__(self, name: str) -> np.ndarray[Any, Any]:
        return self.cols[name]

    def append(self, **new: Any) -> None:
        """Append rows; columns not given take their fill value."""
        k = len(new["id"])
        if k == 0:
            return
        for name, col in self.cols.items():
            if name in new:
                add = np.asarray(new[name], dtype=col.dtype)
            elif name in _SCALARS:
                add = _fill(name, k)
            elif name == "ring":
                add = np.full((k, RING, 3), np.nan)
            else:
                raise KeyError(f"column {name} must be given for new tracks")
            self.cols[name] = np.concatenate([col, add])

    def keep(self, mask: np.ndarray[Any, Any]) -> None:
        for name, col in self.cols.items():
            self.cols[name] = col[mask]

    def rows_of(self, ids: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Row index of each track id (ids must be live)."""
        order = np.argsort(self.cols["id"])
        return order[np.searchsorted(self.cols["id"], ids, sorter=order)]

    def track(self, i: int, sensor_names: list[str]) -> Track:
        """A :class:`Track` snapshot of row ``i``."""
        c = self.cols
        x = np.einsum("m,mn->n", c["mu"][i], c["x"][i])
        bits = int(c["sensors"][i])
        return Track(
            track_id=int(c["id"][i]),
            identity=str(c["identity"][i]),
            first_seen=float(c["first_t"][i]),
            last_seen=float(c["t"][i]),
            lat=float(c["lat"][i]),
            lon=float(c["lon"][i]),
            alt=float(c["z"][i, 0]),
            vel_e=float(x[2]),
            vel_n=float(x[3]),
            vel_u=float(c["z"][i, 1]),
            callsign=str(c["callsign"][i]),
            squawk=str(c["squawk"][i]),
            category=str(c["category"][i]),
            transponder=bool(c["transponder"][i]),
            sensors={s for k, s in enumerate(sensor_names) if bits >> (k % 63) & 1},
            key=f"mtt:{int(c['id'][i])}",
        )
