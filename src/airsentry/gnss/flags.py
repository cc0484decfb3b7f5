"""Which reports show degraded navigation: low NACp/NIC, or a position jump.

Two kinds of evidence, per airborne report of an aircraft's own navigation (ADS-B,
Mode S, OpenSky state vectors: a transponder row with an identity; radar reports, even
of a transponder, have a track number or a sensor-frame measurement and are left out):

* **integrity** (:mod:`airsentry.nav`): the transmitter itself reports NACp below
  :data:`~airsentry.nav.NACP_GOOD` or NIC below :data:`~airsentry.nav.NIC_GOOD`;
* **jump**: the position moved from the aircraft's previous position farther than it
  could have flown, ``distance > min_jump_m + max_speed_mps * dt``, the signature of
  a spoofed (or suddenly recovered) GNSS position. A gap in reception is not a jump:
  the allowance grows with the gap. Both ends of a jump are marked, because which of
  the two positions is false cannot be told from the positions alone.

The previous position of each aircraft is kept between batches (arrays indexed by an
aircraft code), so a jump across a batch boundary is found too. Reports of an
aircraft must arrive in time order per aircraft (the pipeline's event-time order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airsentry.model import ReportBatch

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
EARTH_M = 6_371_008.8
NAV_LOW, JUMP, WITH_NAV = 1, 2, 4
"""Bits of a report's flags: reported low NACp/NIC; a jump end; it carried NACp/NIC."""


@dataclass(frozen=True, slots=True)
class Flagged:
    """Eligible reports in (aircraft, time) order, with their flags; jump origins apart."""

    t: F64
    lat: F64
    lon: F64
    aircraft: I64  # code of the identity (see :class:`Aircraft`)
    flags: npt.NDArray[np.uint8]
    reports: int  # rows that are reports (the jump origins follow them)

    def __len__(self) -> int:
        return len(self.t)


class Aircraft:
    """Codes for identities, and each aircraft's last position (for jumps)."""

    def __init__(self, *, max_speed_mps: float, min_jump_m: float) -> None:
        self.max_speed_mps = max_speed_mps
        self.min_jump_m = min_jump_m
        self.names: list[str] = []
        self._code: dict[str, int] = {}
        self._t = np.empty(0)
        self._lat = np.empty(0)
        self._lon = np.empty(0)
        self.cell = np.empty(0, dtype=np.uint64)  # the cell of each aircraft's last report

    def codes(self, identity: npt.NDArray[np.object_]) -> I64:
        """Stable integer code of each identity (new ones get the next codes).

        Identities are grouped by their hash (an integer sort, not a string sort); the
        codes found are checked against the names, and a batch where two identities
        share a hash is coded the slow way."""
        if not len(identity):
            return np.empty(0, dtype=np.int64)
        hashes = np.asarray(_hash(identity), dtype=np.int64)
        _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        names = identity[first].tolist()
        code = self._code
        for name in names:  # once per aircraft in the batch, not per report
            if name not in code:
                code[name] = len(self.names)
                self.names.append(name)
        ucodes = np.fromiter((code[u] for u in names), dtype=np.int64, count=len(names))
        out = ucodes[inverse]
        if not np.array_equal(identity[first][inverse], identity):  # a shared hash
            out = np.fromiter((code.setdefault(str(x), len(code)) for x in identity), np.int64)
            self.names = list(code)
        self._grow()
        return out

    def _grow(self) -> None:
        grow = len(self.names) - len(self._t)
        if grow > 0:
            self._t = np.r_[self._t, np.full(grow, np.nan)]
            self._lat = np.r_[self._lat, np.full(grow, np.nan)]
            self._lon = np.r_[self._lon, np.full(grow, np.nan)]
            self.cell = np.r_[self.cell, np.zeros(grow, np.uint64)]

    def flag(self, batch: ReportBatch, *, nacp_good: int, nic_good: int) -> Flagged:
        """The eligible rows of ``batch`` with their flags; jump origins appended as
        extra rows (their own time and place, flagged :data:`JUMP`)."""
        ok = (
            batch.transponder
            & (batch.identity != "")
            & np.isfinite(batch.lat)
            & np.isfinite(batch.lon)
            & np.isfinite(batch.t)
            & ~batch.on_ground
            & (batch.track_number < 0)  # a radar's track of a transponder: not its GNSS
        )
        if batch.frame is not None:
            ok &= ~batch.frame.measured  # a radar plot (range, azimuth): not its GNSS
        rows = np.flatnonzero(ok)
        code = self.codes(batch.identity[rows])
        t, lat, lon = batch.t[rows], batch.lat[rows], batch.lon[rows]
        order = np.lexsort((t, code))
        rows, code, t, lat, lon = rows[order], code[order], t[order], lat[order], lon[order]
        flags = np.zeros(len(rows), dtype=np.uint8)
        if batch.nav is not None:
            nav = batch.nav.take(rows)
            low = nav.degraded(nacp_good=nacp_good, nic_good=nic_good)
            flags |= np.where(low, NAV_LOW, 0).astype(np.uint8)
            flags |= np.where(nav.reported(), WITH_NAV, 0).astype(np.uint8)
        first = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, np.bool_)
        p_t = np.where(first, self._t[code], np.r_[np.nan, t[:-1]])
        p_lat = np.where(first, self._lat[code], np.r_[np.nan, lat[:-1]])
        p_lon = np.where(first, self._lon[code], np.r_[np.nan, lon[:-1]])
        dist = distance_m(p_lat, p_lon, lat, lon)
        with np.errstate(invalid="ignore"):
            jump = dist > self.min_jump_m + self.max_speed_mps * np.abs(t - p_t)
        flags[jump] |= JUMP
        last = np.r_[code[1:] != code[:-1], True] if len(code) else np.zeros(0, np.bool_)
        self._t[code[last]], self._lat[code[last]], self._lon[code[last]] = (
            t[last],
            lat[last],
            lon[last],
        )
        origin = np.full(int(jump.sum()), JUMP, dtype=np.uint8)
        return Flagged(
            np.r_[t, p_t[jump]],
            np.r_[lat, p_lat[jump]],
            np.r_[lon, p_lon[jump]],
            np.r_[code, code[jump]],
            np.r_[flags, origin],
            len(rows),
        )


_hash = np.frompyfunc(hash, 1, 1)


def distance_m(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    """Great-circle distance (haversine), metres; NaN where a position is NaN."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: F64 = 2 * EARTH_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out
