"""The GNSS-interference map: share of aircraft with degraded navigation per H3 cell
and hour.

Every eligible report (see :mod:`.flags`) lands in its H3 cell and UTC hour; what is
kept is one entry per (cell, hour, aircraft) with the OR of its reports' flags, so an
aircraft counts once per cell-hour however often it reports. A cell-hour's share is
its degraded aircraft over its aircraft; a cell-hour with fewer than ``min_aircraft``
aircraft says "insufficient" (with its count) and gives no share, rather than call a
single aircraft's bad receiver a jammer.

Status of a cell-hour (the thresholds of ``GnssConfig``, defaults as the public
interference maps use): ``insufficient``; ``clean`` (share below 2 %); ``suspect``
(2 % to 10 %); ``degraded`` (10 % and more).

Entries are gathered as arrays and folded (sorted, de-duplicated, flags OR-ed with
``np.bitwise_or.reduceat``) when enough have piled up; nothing loops per report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from airsentry.gnss.cells import CellIndex
from airsentry.gnss.flags import JUMP, NAV_LOW, WITH_NAV, Aircraft
from airsentry.model import ReportBatch
from airsentry.nav import NACP_GOOD, NIC_GOOD

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
HOUR = 3600
STATUSES = ("insufficient", "clean", "suspect", "degraded")


@dataclass(frozen=True, slots=True)
class GnssConfig:
    """How the map is made (see the module and :mod:`.flags` for the meaning)."""

    resolution: int = 4  # H3 resolution: 4 = cells of about 1,800 km² (22 km edges)
    min_aircraft: int = 3  # fewer aircraft in a cell-hour: "insufficient"
    clean_below: float = 0.02  # share below which a cell-hour is clean
    degraded_from: float = 0.10  # share from which it is degraded
    nacp_good: int = NACP_GOOD
    nic_good: int = NIC_GOOD
    max_speed_mps: float = 450.0  # faster than any aircraft we map flies over ground
    min_jump_m: float = 2000.0  # a jump must also be longer than this
    keep_hours: float = math.inf  # live: forget cell-hours older than this

    def __post_init__(self) -> None:
        if not 0 <= self.resolution <= 15:
            raise ValueError(f"resolution {self.resolution} is not an H3 resolution (0-15)")
        if self.min_aircraft < 1:
            raise ValueError("min_aircraft must be at least 1")
        if not 0 <= self.clean_below <= self.degraded_from <= 1:
            raise ValueError("need 0 <= clean_below <= degraded_from <= 1")


@dataclass(frozen=True, slots=True)
class CellHours:
    """One row per (cell, hour) of the map, as columns."""

    cell: U64
    hour: I64  # epoch seconds of the hour's start (UTC); -1 when hours are merged
    aircraft: I64  # distinct aircraft seen
    degraded: I64  # of which with degraded navigation (low NACp/NIC or a jump)
    nav_low: I64  # aircraft that reported low NACp/NIC
    jumps: I64  # aircraft with a position jump
    with_nav: I64  # aircraft that reported NACp/NIC at all
    share: F64  # degraded / aircraft; NaN when insufficient
    status: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.cell)


@dataclass
class GnssMap:
    """Accumulates report batches into the cell-hour map."""

    config: GnssConfig = field(default_factory=GnssConfig)
    fold_every: int = 1 << 20

    def __post_init__(self) -> None:
        self.index = CellIndex(self.config.resolution)
        self.aircraft = Aircraft(
            max_speed_mps=self.config.max_speed_mps, min_jump_m=self.config.min_jump_m
        )
        self._parts: list[tuple[U64, I64, I64, npt.NDArray[np.uint8]]] = []
        self._pending = 0
        self._cell = np.empty(0, np.uint64)
        self._hour = np.empty(0, np.int64)
        self._code = np.empty(0, np.int64)
        self._flags = np.empty(0, np.uint8)
        self.reports = 0  # eligible reports mapped
        self.latest = -math.inf  # newest report time seen

    def add(self, batch: ReportBatch) -> None:
        """Map one batch of reports (any source; only transponder reports count)."""
        if not len(batch):
            return
        c = self.config
        fl = self.aircraft.flag(batch, nacp_good=c.nacp_good, nic_good=c.nic_good)
        if not len(fl):
            return
        known = self.aircraft.cell
        cells = self.index.cells(fl.lat, fl.lon, hint=known[fl.aircraft])
        code = fl.aircraft[: fl.reports]  # in (aircraft, time) order: keep each one's last
        last = np.r_[code[1:] != code[:-1], True]
        known[code[last]] = cells[: fl.reports][last]
        hours = (np.floor(fl.t / HOUR) * HOUR).astype(np.int64)
        self._parts.append((cells, hours, fl.aircraft, fl.flags))
        self._pending += len(fl)
        self.reports += fl.reports
        self.latest = max(self.latest, float(np.max(fl.t)))
        if self._pending >= self.fold_every:
            self._fold()

    def merge(self, other: GnssMap) -> None:
        """Add another map's entries (a partition of the same recording, split by
        aircraft, as a scan does): the result is the map of both inputs. Jumps are found
        within each part, so an aircraft's reports must not be split across parts."""
        other._fold()
        if not len(other._code):
            return
        names = np.asarray(other.aircraft.names, dtype=object)[other._code]
        code = self.aircraft.codes(names)
        self._parts.append((other._cell, other._hour, code, other._flags))
        self._pending += len(code)
        self.reports += other.reports
        self.latest = max(self.latest, other.latest)

    def _fold(self) -> None:
        if not self._parts:
            return
        parts = [(self._cell, self._hour, self._code, self._flags), *self._parts]
        self._parts, self._pending = [], 0
        cell, hour, code, flags = (np.concatenate(x) for x in zip(*parts, strict=True))
        if math.isfinite(self.config.keep_hours):
            keep = hour >= self.latest - self.config.keep_hours * HOUR - HOUR
            cell, hour, code, flags = cell[keep], hour[keep], code[keep], flags[keep]
        order = np.lexsort((code, hour, cell))
        cell, hour, code, flags = cell[order], hour[order], code[order], flags[order]
        new = _starts(cell, hour, code)
        at = np.flatnonzero(new)
        self._cell, self._hour, self._code = cell[at], hour[at], code[at]
        self._flags = np.bitwise_or.reduceat(flags, at) if len(at) else flags[:0]

    def table(
        self, *, t_from: float = -math.inf, t_to: float = math.inf, merge_hours: bool = False
    ) -> CellHours:
        """The map's cell-hours with an hour overlapping [t_from, t_to); with
        ``merge_hours`` one row per cell over the whole window (hour -1)."""
        self._fold()
        keep = (self._hour + HOUR > t_from) & (self._hour < t_to)
        cell, hour, code, flags = (
            self._cell[keep],
            self._hour[keep],
            self._code[keep],
            self._flags[keep],
        )
        if merge_hours:
            hour = np.full(len(cell), -1, dtype=np.int64)
            order = np.lexsort((code, cell))
            cell, hour, code, flags = cell[order], hour[order], code[order], flags[order]
            at = np.flatnonzero(_starts(cell, hour, code))
            cell, hour, flags = (
                cell[at],
                hour[at],
                np.bitwise_or.reduceat(flags, at) if len(at) else flags[:0],
            )
        return self._summarise(cell, hour, flags)

    def _summarise(self, cell: U64, hour: I64, flags: npt.NDArray[np.uint8]) -> CellHours:
        """Group the (sorted) per-aircraft entries by cell and hour."""
        start = np.flatnonzero(_starts(cell, hour))

        def count(mask: npt.NDArray[np.bool_]) -> I64:
            return (
                np.add.reduceat(mask.astype(np.int64), start)
                if len(start)
                else np.zeros(0, np.int64)
            )

        n = count(np.ones(len(cell), np.bool_))
        bad = count((flags & (NAV_LOW | JUMP)) != 0)
        c = self.config
        enough = n >= c.min_aircraft
        share = np.where(enough, bad / np.maximum(n, 1), np.nan)
        status = np.where(
            ~enough,
            "insufficient",
            np.where(
                share >= c.degraded_from,
                "degraded",
                np.where(share >= c.clean_below, "suspect", "clean"),
            ),
        ).astype(object)
        return CellHours(
            cell=cell[start],
            hour=hour[start],
            aircraft=n,
            degraded=bad,
            nav_low=count((flags & NAV_LOW) != 0),
            jumps=count((flags & JUMP) != 0),
            with_nav=count((flags & WITH_NAV) != 0),
            share=share,
            status=status,
        )


def _starts(*keys: npt.NDArray[np.generic]) -> npt.NDArray[np.bool_]:
    """Rows (of arrays sorted by ``keys``) where a new key begins."""
    n = len(keys[0])
    if not n:
        return np.zeros(0, dtype=np.bool_)
    out = np.zeros(n, dtype=np.bool_)
    out[0] = True
    for k in keys:
        out[1:] |= k[1:] != k[:-1]
    return out
