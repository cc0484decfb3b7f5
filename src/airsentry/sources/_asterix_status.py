"""ASTERIX service messages (CAT034 radar, CAT065 SDPS) as sensor health, and why a
record could not be placed: the parts of :mod:`airsentry.sources.asterix` that are
not reports."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import MutableSequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from airsentry.model import BoolArray, FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class SensorStatus:
    """One service message (CAT034 radar, CAT065 SDPS): sensor health, not a report."""

    t: float  # epoch seconds
    sensor: str
    category: int
    kind: str  # "north_marker", "sector_crossing", "end_of_batch", ...
    sector_deg: float = math.nan
    rotation_s: float = math.nan
    nogo: bool | None = None
    overload: bool | None = None


def keep_status(
    vals: list[dict[str, Any]],
    t: FloatArray,
    cat: IntArray,
    service: BoolArray,
    status: MutableSequence[SensorStatus],
    counts: Counter[str],
) -> None:
    """Append the ``service`` records of ``vals`` (decoded wire values, times ``t``) to
    ``status`` and count them by category and kind: a handful per radar turn."""
    for i in np.flatnonzero(service):
        v = vals[i]
        s = SensorStatus(
            float(t[i]), v["sensor"], int(cat[i]), v["kind"], v.get("sector_deg", math.nan),
            v.get("rotation_s", math.nan), v.get("nogo"), v.get("overload"),
        )  # fmt: skip
        status.append(s)
        counts[f"CAT{cat[i]:03d} {s.kind}"] += 1


def why_unplaced(v: dict[str, Any], t: float) -> str:
    """Why a record has no time or position. The decoder skips a reason that starts
    with "no " (a date or site the configuration lacks, or a record without a position
    to report) and rejects the record for any other (its time of day is missing)."""
    if not math.isfinite(v.get("tod", math.nan)):
        return "record has no time of day"
    if not math.isfinite(t):
        return "no date for a time of day (set the source's date)"
    if v["cat"] == 48 and "rho_nm" in v:
        return f"no radar site configured for {v['sensor']}"
    if v["cat"] == 62 and "x" in v:
        return f"no system reference point configured for {v['sensor']}"
    return "no position in the record"
