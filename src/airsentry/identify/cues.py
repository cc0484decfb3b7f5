"""What the classification rules look at: the classes, and the cues of each row.

:class:`Cues` holds, per row of a batch, what the track shows so far (speeds, height,
transponder and identity, category text, callsign kind, manoeuvres, and how well its
velocity is known); :func:`category_classes` reads the class an ADS-B emitter category
or a sensor's hint names. The rules over these cues are the table in
:mod:`airsentry.identify.rules`; :mod:`airsentry.identify.classify` computes the cues
with each track's memory and keeps the classes sticky.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from airsentry.model import (
    BoolArray,
    FloatArray,
    IntArray,
    ObjArray,
    TargetClass,
)

CLASSES: tuple[TargetClass, ...] = tuple(TargetClass)
CLASS_INDEX: dict[str, int] = {str(c): i for i, c in enumerate(CLASSES)}
UNKNOWN = CLASS_INDEX[TargetClass.UNKNOWN]
MANNED_HINTS = ("aircraft", "helicopter")
"""Sensor classifications (SAPIENT "manned aircraft", "helicopter": radar cross-section,
micro-Doppler, imagery) that rule out a drone."""


def manned_hint(category: ObjArray) -> BoolArray:
    """Where a sensor's category text names a manned aircraft or a helicopter."""
    out: BoolArray = np.isin(np.asarray(category, dtype=object), MANNED_HINTS)
    return out


LEVELS = 1001  # confidence is kept as an integer level 0..1000 (per mille)

# Fastest plausible horizontal speed of each class, m/s. A track that has flown faster
# cannot be of that class, whatever an earlier row suggested (see ``classify``).
MAX_SPEED: dict[TargetClass, float] = {
    TargetClass.DRONE: 100.0,
    TargetClass.DECOY_DRONE: 100.0,
    TargetClass.BALLOON: 80.0,  # jet-stream drift
    TargetClass.HELICOPTER: 100.0,
    TargetClass.LIGHT_AIRCRAFT: 200.0,  # turboprop twins with a tailwind
    TargetClass.AIRLINER: 330.0,
    TargetClass.FAST_JET: math.inf,
    TargetClass.UNKNOWN: math.inf,
}

CATEGORIES: dict[str, tuple[TargetClass, str, float]] = {
    "A1": (TargetClass.LIGHT_AIRCRAFT, "light (< 7 t)", 0.85),
    "A2": (TargetClass.AIRLINER, "small (7–34 t): regional and business aircraft", 0.7),
    "A3": (TargetClass.AIRLINER, "large (34–136 t)", 0.9),
    "A4": (TargetClass.AIRLINER, "high-vortex large (B757)", 0.9),
    "A5": (TargetClass.AIRLINER, "heavy (> 136 t)", 0.9),
    "A6": (TargetClass.FAST_JET, "high performance (> 5 g, > 400 kt)", 0.9),
    "A7": (TargetClass.HELICOPTER, "rotorcraft", 0.9),
    "B1": (TargetClass.LIGHT_AIRCRAFT, "glider", 0.85),
    "B2": (TargetClass.BALLOON, "lighter than air", 0.9),
    "B4": (TargetClass.LIGHT_AIRCRAFT, "ultralight", 0.85),
    "B6": (TargetClass.DRONE, "unmanned aerial vehicle", 0.9),
}
for _c in CLASSES:
    if _c is not TargetClass.UNKNOWN:
        CATEGORIES[str(_c)] = (_c, "sensor hint", 0.75)


_CATEGORY_CLASS = {k: (CLASS_INDEX[c], conf) for k, (c, _, conf) in CATEGORIES.items()}


def category_classes(category: ObjArray) -> tuple[IntArray, FloatArray]:
    """Class index (-1 when none) and confidence of each row's category text.

    Looked up entry by entry: the classifier passes one entry per run of a category
    along a track, not one per report."""
    found = [_CATEGORY_CLASS.get(k, (-1, 0.0)) for k in np.asarray(category, dtype=object).tolist()]
    cls = np.fromiter((f[0] for f in found), dtype=np.int64, count=len(found))
    conf = np.fromiter((f[1] for f in found), dtype=np.float64, count=len(found))
    return cls, conf


@dataclass(frozen=True, slots=True, eq=False)
class Cues:
    """Per-row inputs of the rules (all arrays of the batch's length, SI units)."""

    speed: FloatArray  # current horizontal speed, NaN when unknown
    vmax: FloatArray  # fastest speed the track has shown so far
    alt: FloatArray  # latest known altitude, NaN when never known
    transponder: BoolArray  # the track has ever reported through its own transponder
    has_identity: BoolArray
    remote_id: BoolArray
    category: ObjArray  # latest non-empty category text
    cat_cls: IntArray  # class index the category names, -1 when none
    cat_conf: FloatArray  # confidence the category gives
    squawk: BoolArray  # a squawk is known
    callsign: BoolArray  # a callsign is known
    count: IntArray  # updates of the track so far, this row included
    cs_kind: IntArray  # identify.callsign kind of the row's callsign
    military: BoolArray  # military ICAO address range or air-force designator
    mean_speed: FloatArray  # mean horizontal speed of the track so far (NaN unknown)
    # manoeuvres of the track so far (identify.manoeuvre); defaults: nothing seen
    hover: IntArray | None = None  # updates spent standing still low down
    speed_cv: FloatArray | None = None  # speed spread, std / mean (NaN unknown)
    turn_max: FloatArray | None = None  # sharpest sustained turn, deg/s
    climb_max: FloatArray | None = None  # steepest sustained climb or descent, m/s
    mean_speed_sd: FloatArray | None = None  # 1-sigma error of mean_speed (0: exact)
    # where the category names a manned aircraft or a helicopter (None: from category)
    manned: BoolArray | None = None
    # squawking 7500, 7600 or 7700 (judged once per run of a squawk along a track)
    emergency: BoolArray | None = None

    def hovers(self) -> IntArray:
        return self.hover if self.hover is not None else np.zeros(len(self.speed), np.int64)

    def spread(self) -> FloatArray:
        return self.speed_cv if self.speed_cv is not None else np.full(len(self.speed), np.nan)

    def turns(self) -> FloatArray:
        return self.turn_max if self.turn_max is not None else np.zeros(len(self.speed))

    def climbs(self) -> FloatArray:
        return self.climb_max if self.climb_max is not None else np.zeros(len(self.speed))

    def manned_hint(self) -> BoolArray:
        return self.manned if self.manned is not None else manned_hint(self.category)

    def mean_sd(self) -> FloatArray:
        sd = self.mean_speed_sd
        return sd if sd is not None else np.zeros(len(self.speed))


def lt(a: FloatArray, x: float) -> BoolArray:
    """``a < x`` where ``a`` is known; False where it is NaN (as IEEE comparisons give
    it, silently: one pass, no mask; the rules call this thousands of times a run)."""
    out: BoolArray = np.less(a, x)
    return out


def gt(a: FloatArray, x: float | FloatArray) -> BoolArray:
    """``a > x`` where ``a`` is known; False where it is NaN (see :func:`lt`)."""
    out: BoolArray = np.greater(a, x)
    return out


def within(a: FloatArray, lo: float, hi: float) -> BoolArray:
    """``lo <= a <= hi`` where ``a`` is known."""
    return ~np.isnan(a) & ~lt(a, lo) & ~gt(a, hi)
