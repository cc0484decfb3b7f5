"""One sensor scan of any kind: plots with a position, bearings, or both.

:func:`run_any_scan` is what the fused tracker calls per sensor scan. Plots with a
position (radar plots, with or without their polar frame; cooperative reports) go
through :func:`~airsentry.tracking.scan.run_scan`; bearing-only rows (passive RF,
acoustic) through :func:`~airsentry.tracking.bearings.bearing_scan`, whose fixes
(bearings of two or more sensors crossed) then go through ``run_scan`` as plots of the
pseudo-sensor ``triangulation``. The result has the same shape as ``run_scan``'s, so
the tracker's loop does not care which kind of scan it ran.
"""

from __future__ import annotations

import numpy as np

from airsentry.model import ReportBatch
from airsentry.tracking.bearings import TRIANGULATION, bearing_rows, bearing_scan, fix_plots
from airsentry.tracking.plots import ScanPlots
from airsentry.tracking.scan import ScanParts, ScanResult, run_scan
from airsentry.tracking.state import FusedState


def run_any_scan(parts: ScanParts, state: FusedState, plots: ScanPlots) -> ScanResult:
    """Process one sensor scan, splitting bearing-only rows from plots with a position."""
    b = bearing_rows(plots.batch)
    if not b.any():
        return run_scan(parts, state, plots)
    pos, brg = np.flatnonzero(~b), np.flatnonzero(b)
    rows, tids, states = [], [], []
    if len(pos):
        sub = plots.take(pos, plots.sensor)
        r = run_scan(parts, state, sub)
        rows.append(pos[r.plot_rows])
        tids.append(r.track_ids)
        states.append(r.states)
    b_rows, b_tids, b_states, fixes, fix_rows = bearing_scan(
        parts.settings.bearings, state, parts.predictor, plots.batch.take(brg), plots.sensor
    )
    rows.append(brg[b_rows])
    tids.append(b_tids)
    states.append(b_states)
    if len(fixes):
        if TRIANGULATION not in state.sensor_names:
            state.sensor_names.append(TRIANGULATION)
        tri = state.sensor_names.index(TRIANGULATION)
        r = run_scan(parts, state, fix_plots(fixes, tri, parts.settings))
        rows.append(brg[fix_rows[r.plot_rows]])
        tids.append(r.track_ids)
        states.append(r.states)
    return ScanResult(np.concatenate(rows), np.concatenate(tids), ReportBatch.concat(states))
