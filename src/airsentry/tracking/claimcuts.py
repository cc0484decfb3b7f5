"""Where the combined tracker cuts a batch so that a new keyed track claims in time.

A new keyed track (an ICAO address, a Remote ID serial, a sensor's own track number)
first takes over the confirmed anonymous track at its position
(:meth:`~airsentry.tracking.mtt.FusedTracker.claim`): the object was tracked on plots
before it named itself, and stays one object. The claim looks at the multi-target
part's tracks as they are; but the combined tracker gives a batch's keyed rows to its
keyed part before the multi-target part has taken the batch's plots, so in a batch of
ten minutes the anonymous track was up to ten minutes stale, the claim failed and the
object was counted twice (an airliner seen by a primary radar before its transponder:
one object in 10 s batches, two in one 600 s batch; the drone wall's plots variant: six
drones counted twice). Event time must decide, not where a batch was cut.

:func:`claim_cuts` names the rows where a batch must be cut so that each new key's first
report opens a piece of its own, after the plots before it: only where a claim can
happen (an anonymous plot of the batch within ``radius_m`` of the first report, earlier
in the batch), so a feed of cooperative reports alone, or new keys far from any plot,
cost nothing. Vectorised: one k-d tree query for all of a batch's new keys.
"""

from __future__ import annotations

from collections.abc import Callable, Container

import numpy as np

from airsentry.model import BoolArray, IntArray, ObjArray, ReportBatch
from airsentry.tracking.kalman import geodetic_to_ecef


def claim_cuts(
    batch: ReportBatch, keys: ObjArray, known: Container[str], anon: BoolArray, radius_m: float,
    again: Callable[[ReportBatch, ObjArray, IntArray], IntArray] | None = None,
) -> IntArray:  # fmt: skip
    """Rows (ascending, > 0) of the time-sorted ``batch`` at which to cut it: the first
    report of each key (``keys``, "" for none) not ``known``, and the rows ``again``
    names among the keyed rows (later reports that may claim, claimretry.py), that have
    an ``anon`` row (an anonymous plot) within ``radius_m`` earlier in the batch."""
    none = np.empty(0, dtype=np.int64)
    keyed = keys != ""
    if not anon.any() or not keyed.any():
        return none
    rows = np.flatnonzero(keyed)
    uniq, first = np.unique(keys[rows].astype(str), return_index=True)
    new = np.array([k not in known for k in uniq.tolist()], dtype=bool)  # per distinct key
    starts = rows[first[new]]
    if again is not None:
        starts = np.union1d(starts, again(batch, keys, rows))
    a_rows = np.flatnonzero(anon)
    starts = starts[starts > a_rows[0]]  # a plot must come first
    if not len(starts):
        return none
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # on first use

    here = geodetic_to_ecef(batch.lat[starts], batch.lon[starts])
    plots = geodetic_to_ecef(batch.lat[a_rows], batch.lon[a_rows])
    ok = np.isfinite(here).all(axis=1)
    if not ok.any():
        return none
    starts, here = starts[ok], here[ok]
    pairs = cKDTree(here).sparse_distance_matrix(cKDTree(plots), radius_m, output_type="ndarray")
    s, p = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    cut: IntArray = np.unique(starts[s[a_rows[p] < starts[s]]])
    return cut
