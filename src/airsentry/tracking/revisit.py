"""A rotating radar's revisit time from its own plots' times and azimuths.

A rotating antenna sees a plot when it points at it: a plot at azimuth ``a`` of scan
``k`` is timed ``phase + (k + a / 2 pi) T``. Two plots of one radar less than a
turn apart therefore give the period exactly::

    T = 2 pi (t2 - t1) / ((a2 - a1) mod 2 pi)

whatever the plots are: clutter, birds and wind farms time the antenna as well as
aircraft do, and with no track at all. Pairs more than a turn apart (a sector with no
plot for a whole turn) give larger values, scattered; so the estimate is the densest
cluster of the pairs' values (within ``TOLERANCE``), then the ratio of summed time to
summed azimuth over that cluster's pairs (time stamps are quantised to 1/128 s; the
sums average that out). A sensor whose plots show no such cluster (a staring sensor,
one track's plots a turn apart) gets no estimate and keeps the one learnt from its
tracks' hits (:meth:`~airsentry.tracking.state.FusedState.learn_revisit`), which
creeps up while only clutter is tracked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airsentry.model import FloatArray, IntArray

MIN_DAZ = np.radians(45.0)  # smaller steps: time quantisation (1/128 s) weighs too much
_AHEAD = 3  # each plot is paired with the next few
TOLERANCE = 0.05  # pairs within 5 % of each other make a cluster
MIN_PAIRS = 16  # pairs needed for an estimate
MIN_SHARE = 0.5  # share of the pairs the cluster must hold
_KEEP = 256  # pairs kept per sensor


@dataclass(slots=True)
class Rotation:
    """Per sensor: the last plot seen (to pair across batches), recent pairs, and the
    period estimated from them."""

    last: dict[int, tuple[FloatArray, FloatArray]] = field(default_factory=dict)  # (t, az)
    dt: dict[int, FloatArray] = field(default_factory=dict)
    daz: dict[int, FloatArray] = field(default_factory=dict)
    period: dict[int, float] = field(default_factory=dict)  # sensor -> revisit time, s

    def learn(self, t: FloatArray, az: FloatArray, sensor: IntArray) -> list[int]:
        """Take one batch's plots (time-sorted, azimuth in radians, NaN for none);
        returns the sensors whose period was (re)estimated."""
        ok = np.isfinite(az)
        if not ok.any():
            return []
        t, az, sensor = t[ok], az[ok], sensor[ok]
        changed = []
        for k in np.unique(sensor).tolist():  # one per sensor
            mine = sensor == k
            ts, azs = t[mine], az[mine]
            if k in self.last:
                t0, a0 = self.last[k]  # the previous batch's last few plots
                ts, azs = np.r_[t0, ts], np.r_[a0, azs]
            self.last[k] = (ts[-_AHEAD:], azs[-_AHEAD:])
            # pairs (i, i + j), ordered by their later plot: the newest are kept
            n = len(ts)
            end = np.concatenate([np.arange(j, n) for j in range(1, _AHEAD + 1)])
            start = end - np.repeat(
                np.arange(1, _AHEAD + 1), np.maximum(n - np.arange(1, _AHEAD + 1), 0)
            )
            order = np.argsort(end, kind="stable")
            end, start = end[order], start[order]
            dt = ts[end] - ts[start]
            daz = np.mod(azs[end] - azs[start], 2 * np.pi)
            use = (dt > 0) & (daz > MIN_DAZ) & (daz < np.pi)
            if not use.any():
                continue
            self.dt[k] = np.r_[self.dt.get(k, np.empty(0)), dt[use]][-_KEEP:]
            self.daz[k] = np.r_[self.daz.get(k, np.empty(0)), daz[use]][-_KEEP:]
            est = period(self.dt[k], self.daz[k])
            if est is not None:
                self.period[k] = est
                changed.append(k)
        return changed


def period(dt: FloatArray, daz: FloatArray) -> float | None:
    """The rotation period the pairs (time step, azimuth step) agree on, None without
    a clear majority."""
    if len(dt) < MIN_PAIRS:
        return None
    value = np.sort(np.log(2 * np.pi * dt / daz))
    # the densest window of width log(1 + TOLERANCE)
    upto = np.searchsorted(value, value + np.log1p(TOLERANCE), side="right")
    support = upto - np.arange(len(value))
    best = int(np.argmax(support))
    if support[best] < max(MIN_PAIRS, MIN_SHARE * len(value)):
        return None
    lo, hi = value[best], value[upto[best] - 1]
    each = np.log(2 * np.pi * dt / daz)
    inside = (each >= lo) & (each <= hi)
    return float(2 * np.pi * dt[inside].sum() / daz[inside].sum())
