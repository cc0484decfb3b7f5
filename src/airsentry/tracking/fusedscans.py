"""How the fused tracker cuts a batch of reports into sensor scans.

A *sensor scan* is the plots of one sensor within 0.9 of its revisit time (at least
``scan_s``), so that the sensor sees each object at most once per scan; repeats of an
identity or a sensor track number within a window go to a later round. Scans run in the
order of their first plot. The revisit times come from what the tracker has learnt of
each sensor (:class:`~airsentry.tracking.state.FusedState`): the antenna period of
rotating radars timed by their plots' azimuths (:mod:`~airsentry.tracking.revisit`),
else the median interval between repeats of one identity or track number.

Split from :mod:`~airsentry.tracking.mtt`: the tracker decides *what* a scan does
(:mod:`~airsentry.tracking.scan`); this module decides *which plots* make one, with
whole-batch array operations (one pass per batch, never per scan or per report).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from airsentry.model import IntArray, ReportBatch
from airsentry.tracking.state import FusedState

Arr = np.ndarray[Any, Any]


def sensor_index(state: FusedState, sensor: Arr) -> IntArray:
    """Index of each row's sensor in ``state.sensor_names`` (new sensors appended)."""
    names, inv = np.unique(sensor.astype(str), return_inverse=True)
    known = state.sensor_names
    idx = np.empty(len(names), dtype=np.int64)
    for k, name in enumerate(names):  # one per distinct sensor, not per report
        if name not in known:
            known.append(str(name))
        idx[k] = known.index(name)
    return idx[inv]


def estimate_revisit(state: FusedState, batch: ReportBatch, sensor_idx: IntArray) -> None:
    """Revisit times of rotating radars from their plots' times and azimuths
    (:mod:`~airsentry.tracking.revisit`); of other sensors not yet known, from their
    named plots in ``batch`` (the same identity or track number twice): the median
    interval."""
    revisit = state.revisit
    f = batch.frame
    if f is not None:  # plots with a range (not bearings) time the antenna
        az = np.where(np.isfinite(f.range_m), f.azimuth_rad, np.nan)
        rot = state.rotation
        for k in rot.learn(batch.t, az, sensor_idx):
            revisit[k] = rot.period[k]
    ident = batch.identity.astype(str)
    named = (ident != "") | (batch.track_number >= 0)
    if not named.any():
        return
    name = np.where(ident != "", ident, batch.track_number.astype(str))
    key = np.char.add(np.char.add(sensor_idx.astype(str), "|"), name)[named]
    t, s = batch.t[named], sensor_idx[named]
    order = np.lexsort((t, key))
    same = key[order][1:] == key[order][:-1]
    gaps = np.diff(t[order])[same]
    gap_sensor = s[order][1:][same]
    for k in np.unique(gap_sensor):  # one per sensor
        if int(k) not in revisit:
            g = gaps[(gap_sensor == k) & (gaps > 0)]
            if len(g):
                revisit[int(k)] = float(np.median(g))


def cut_scans(
    state: FusedState, batch: ReportBatch, sensor_idx: IntArray, scan_s: float
) -> tuple[IntArray, IntArray]:
    """The batch's rows in scan order and the scans' bounds in it: scan ``i`` is rows
    ``order[bounds[i]:bounds[i + 1]]``. ``batch`` is sorted by time and ``state.t0`` set."""
    assert state.t0 is not None
    # a sensor scan lasts most of the sensor's revisit time (at least scan_s)
    span = np.array([max(scan_s, 0.9 * state.revisit.get(k, 0.0))
                     for k in range(len(state.sensor_names))])[sensor_idx]  # fmt: skip
    window = np.floor((batch.t - state.t0) / span).astype(np.int64)
    key = (window * 1024 + rounds(batch, window)) * 4096 + sensor_idx
    _, inverse = np.unique(key, return_inverse=True)
    # scans in the order of their first plot
    first_t = np.full(int(inverse.max()) + 1, np.inf)
    np.minimum.at(first_t, inverse, batch.t)
    rank = np.argsort(np.argsort(first_t, kind="stable"))
    order = np.argsort(rank[inverse], kind="stable")
    inverse = rank[inverse]
    bounds = np.flatnonzero(np.r_[True, inverse[order][1:] != inverse[order][:-1], True])
    return order, bounds


def rounds(batch: ReportBatch, window: IntArray) -> IntArray:
    """0 for the first plot of each (window, sensor, identity-or-number), 1 for the next..."""
    ident = batch.identity.astype(str)
    tn = batch.track_number.astype(str)
    key = np.char.add(np.char.add(batch.sensor.astype(str), "|"), np.where(ident != "", ident, tn))
    named = (ident != "") | (batch.track_number >= 0)
    full = np.char.add(np.char.add(window.astype(str), "|"), key)
    _, inv = np.unique(full, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    s = inv[order]
    start = np.r_[True, s[1:] != s[:-1]]
    run_start = np.maximum.accumulate(np.where(start, np.arange(len(s)), 0))
    rank = np.empty(len(s), dtype=np.int64)
    rank[order] = np.arange(len(s)) - run_start
    return np.where(named, np.minimum(rank, 1023), 0)


__all__ = ["cut_scans", "estimate_revisit", "rounds", "sensor_index"]
