"""Navigation integrity: what an ADS-B transmitter says about its own GNSS position.

DO-260B ADS-B (and readsb/jet1090 JSON that carry it) reports, beside the position:

* **NACp** (0-11, navigation accuracy category for position): the 95 % bound on the
  position error (EPU), from 10 NM (1) down to 3 m (11); 0 = unknown;
* **NIC** (0-11, navigation integrity category): the containment radius Rc within
  which the position is guaranteed, from 20 NM (1) down to 7.5 m (11); 0 = unknown;
* **SIL** (0-3, source integrity level): the probability of exceeding Rc without an
  alert, from unknown (0) to 1e-7 per hour (3).

A GNSS jammer or spoofer makes the receiver lose its fix or its integrity: NACp and NIC
fall (typically to 0), which is what GNSS-interference maps count. These columns ride
beside a :class:`~airsentry.model.ReportBatch` (its ``nav``), like its sensor frame:
None when no row carries them (radar, Remote ID, OpenSky state vectors). Values are
int8, -1 where the row did not say (not the same as 0, "the transmitter says unknown").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

Int8Array = npt.NDArray[np.int8]
UNKNOWN = -1

NACP_GOOD = 8
"""NACp from which a GNSS position is healthy (EPU < 0.05 NM = 92.6 m): airliners with
a working receiver report 8 to 11; jamming drives it to 0."""
NIC_GOOD = 7
"""NIC from which containment is healthy (Rc < 0.2 NM = 370.4 m)."""


@dataclass(frozen=True, slots=True, eq=False)
class NavIntegrity:
    """Per-row NACp, NIC and SIL (int8, -1 = not reported), aligned with a batch."""

    nacp: Int8Array
    nic: Int8Array
    sil: Int8Array

    @classmethod
    def build(cls, n: int, *, nacp: Any = None, nic: Any = None, sil: Any = None) -> NavIntegrity:
        """Columns from numbers (floats with NaN for unknown are fine); None = unknown."""
        nav = cls(_int8(nacp, n, 15), _int8(nic, n, 11), _int8(sil, n, 3))
        for f in fields(cls):
            col = getattr(nav, f.name)
            if col.shape != (n,):
                raise ValueError(f"nav column {f.name} has shape {col.shape}, expected ({n},)")
        return nav

    @classmethod
    def unknown(cls, n: int) -> NavIntegrity:
        return cls.build(n)

    def __len__(self) -> int:
        return len(self.nacp)

    def take(self, idx: Any) -> NavIntegrity:
        return NavIntegrity(self.nacp[idx], self.nic[idx], self.sil[idx])

    @staticmethod
    def concat(parts: Sequence[NavIntegrity | None], lengths: Sequence[int]) -> NavIntegrity:
        """Join consecutive batches' columns; a batch without them contributes unknowns."""
        cols = [
            p if p is not None else NavIntegrity.unknown(n)
            for p, n in zip(parts, lengths, strict=True)
        ]
        return NavIntegrity(
            *(np.concatenate([getattr(p, f.name) for p in cols]) for f in fields(NavIntegrity))
        )

    def reported(self) -> npt.NDArray[np.bool_]:
        """Rows that carry NACp or NIC."""
        return (self.nacp >= 0) | (self.nic >= 0)

    def degraded(self, *, nacp_good: int = NACP_GOOD, nic_good: int = NIC_GOOD) -> Any:
        """Rows whose reported NACp or NIC is below its healthy level (unknown is not)."""
        low_nacp = (self.nacp >= 0) & (self.nacp < nacp_good)
        low_nic = (self.nic >= 0) & (self.nic < nic_good)
        return low_nacp | low_nic


def _int8(value: Any, n: int, top: int) -> Int8Array:
    """int8 column of ``value`` (scalar broadcast); NaN, negative or > ``top`` → -1."""
    if value is None:
        return np.full(n, UNKNOWN, dtype=np.int8)
    arr = np.asarray(value, dtype=np.float64)
    arr = np.full(n, float(arr)) if arr.ndim == 0 else arr.reshape(-1)
    ok = np.isfinite(arr) & (arr >= 0) & (arr <= top)
    return np.where(ok, np.where(ok, arr, 0), UNKNOWN).astype(np.int8)


T = TypeVar("T")


def concat_optional(
    join: Callable[[Sequence[T | None], Sequence[int]], T],
    parts: Sequence[T | None],
    lengths: Sequence[int],
) -> T | None:
    """``join(parts, lengths)``, or None when no part has one (a batch's side columns)."""
    return None if all(p is None for p in parts) else join(parts, lengths)
