"""Fusion helpers: identities, sensor track-number hints and duplicate-track merging.

Reports of one object from several sensors must end in one track. Three mechanisms:

* **Identity** (ICAO address, Remote ID serial) is the strongest link: a plot naming an
  identity goes to the track of that identity; a track without one adopts the identity
  of the first named plot associated to it, so a radar track that an ADS-B report once
  named keeps the name after the transponder goes quiet (the transponder-off case).
* **Hints**: a radar's own track number (CAT048/CAT062) links later plots of that
  ``sensor#number`` to the track its earlier plots went to. A hint lowers the
  association cost but never bypasses the gate: sensors swap and reuse numbers.
* **Merging**: two confirmed tracks whose position and velocity agree within their
  joint uncertainty for ``merge_after`` checks in a row are one object seen twice (two
  sensors started it before either plot reached the other's track); the younger ends.

Lookups of string keys are vectorised with sorted arrays and ``np.searchsorted``.
:class:`TrackMerger` packages identity adoption, hint links and merging as the fused
tracker's :class:`~airsentry.tracking.base.Merger` part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from airsentry.model import FloatArray, IntArray
from airsentry.tracking.kalman import from_enu
from airsentry.tracking.plots import ScanPlots
from airsentry.tracking.table import TrackTable

Arr = np.ndarray[Any, Any]


def lookup(keys: Arr, values: IntArray, query: Arr) -> IntArray:
    """``values`` of each ``query`` key in ``keys`` (any order), -1 where absent or ""."""
    if len(keys) == 0 or len(query) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    k = keys.astype(str)
    q = query.astype(str)
    order = np.argsort(k)
    pos = np.clip(np.searchsorted(k, q, sorter=order), 0, len(k) - 1)
    hit = (k[order[pos]] == q) & (q != "")
    return np.where(hit, values[order[pos]], -1)


class HintTable:
    """``sensor#track_number`` -> track id, with the last plot of each key."""

    def __init__(self) -> None:
        self.key: Arr = np.empty(0, dtype=object)
        self.track: IntArray = np.empty(0, dtype=np.int64)
        self.ecef: FloatArray = np.empty((0, 3))
        self.t: FloatArray = np.empty(0)

    def find(self, keys: Arr) -> tuple[IntArray, IntArray]:
        """Track id of each key (-1 if none) and the key's row in the table (-1)."""
        rows = lookup(self.key, np.arange(len(self.key)), keys)
        return np.where(rows >= 0, self.track[np.maximum(rows, 0)], -1), rows

    def link(self, keys: Arr, tracks: IntArray, ecef: FloatArray, t: FloatArray) -> None:
        """Set (or move) the links of ``keys``; the newest plot of each key is kept."""
        if len(keys) == 0:
            return
        keep = ~np.isin(self.key.astype(str), keys.astype(str))
        self.key = np.concatenate([self.key[keep], keys])
        self.track = np.concatenate([self.track[keep], tracks])
        self.ecef = np.concatenate([self.ecef[keep], ecef])
        self.t = np.concatenate([self.t[keep], t])

    def note(self, rows: IntArray, ecef: FloatArray, t: FloatArray) -> None:
        """Remember the newest plot of existing keys without changing their links."""
        self.ecef[rows], self.t[rows] = ecef, t

    def drop_rows(self, rows: IntArray) -> None:
        keep = np.ones(len(self.key), dtype=bool)
        keep[rows] = False
        self._keep(keep)

    def forget_tracks(self, ids: IntArray) -> None:
        if len(self.key):  # radar plots without track numbers link nothing
            self._keep(~np.isin(self.track, ids))

    def _keep(self, keep: Arr) -> None:
        self.key, self.track = self.key[keep], self.track[keep]
        self.ecef, self.t = self.ecef[keep], self.t[keep]


def merge_pairs(
    table: TrackTable,
    ecef: FloatArray,
    xc: FloatArray,
    pc: FloatArray,
    threshold: float,
    active: Arr | None = None,
) -> tuple[IntArray, IntArray]:
    """Rows ``(keep, drop)`` of confirmed tracks that agree in position and velocity.

    ``ecef`` are the tracks' positions, ``xc``/``pc`` their combined states and
    covariances at a common time (in their own frames: the frames differ by a rotation
    of at most a few milliradians between tracks close enough to be candidates). Pairs
    with two different identities never merge. The older track is kept. Only tracks in
    ``active`` (default: all) take part: a track coasting on dead reckoning has a wide
    covariance that "agrees" with any track passing by (a landed airliner's track would
    swallow the drone circling the runway), so duplicates are sought among tracks that
    plots still feed.
    """
    conf = np.flatnonzero(table["confirmed"] & (True if active is None else active))
    if len(conf) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    sig = np.sqrt(np.maximum(pc[conf, 0, 0] + pc[conf, 1, 1], 1.0))
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # on first use

    tree = cKDTree(ecef[conf])
    pairs = tree.query_pairs(r=float(4.0 * sig.max()), output_type="ndarray")
    if len(pairs) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    a, b = conf[pairs[:, 0]], conf[pairs[:, 1]]
    d_pos = ecef[a] - ecef[b]
    rot = table["rot"][a]
    de = np.einsum("kij,kj->ki", rot, d_pos)[:, :2]
    dv = xc[a, 2:4] - xc[b, 2:4]
    diff = np.column_stack([de, dv])
    idx = np.array([0, 1, 2, 3])
    s = pc[a][:, idx][:, :, idx] + pc[b][:, idx][:, :, idx]
    d2 = np.einsum("ki,kij,kj->k", diff, np.linalg.inv(s), diff)
    ia, ib = table["identity"][a].astype(str), table["identity"][b].astype(str)
    ok = (d2 < threshold) & ((ia == "") | (ib == "") | (ia == ib))
    a, b = a[ok], b[ok]
    older = table["first_t"][a] <= table["first_t"][b]
    keep, drop = np.where(older, a, b), np.where(older, b, a)
    # one merge per dropped track per check
    drop, first = np.unique(drop, return_index=True)
    keep = keep[first]
    still = ~np.isin(keep, drop)
    return keep[still], drop[still]


@dataclass(frozen=True, slots=True)
class TrackMerger:
    """Identity and track-number fusion, and merging of duplicate confirmed tracks."""

    hint_bonus: float = 8.0  # cost reduction for a plot whose track number names the track
    threshold: float = 9.5  # chi-square 4 dof, ~95 %
    after: int = 3  # consecutive agreeing checks before two tracks merge
    active_s: float = 30.0  # only tracks updated this recently merge

    def adopt(
        self, table: TrackTable, hints: HintTable, plots: ScanPlots, rows: IntArray, pj: IntArray
    ) -> None:
        """Tracks ``rows`` take identity (if they have none), callsign, squawk and category
        from their plots ``pj``, note the kind of source, and link the plots' track numbers."""
        if not len(rows):  # most scans start no track: nothing to adopt
            return
        batch = plots.batch
        for col in plots.texts:  # (columns empty in every plot give nothing)
            val = getattr(batch, col)[pj]
            give = (val != "") & ((table[col][rows] == "") | (col != "identity"))
            table[col][rows[give]] = val[give]
        coop = batch.transponder[pj]
        table["last_coop_t"][rows[coop]] = batch.t[pj[coop]]
        table["last_radar_t"][rows[~coop]] = batch.t[pj[~coop]]
        table["transponder"][rows] = coop
        hk = plots.hint_key[pj]
        has = hk != ""
        hints.link(hk[has], table["id"][rows[has]], plots.ecef[pj[has]], batch.t[pj[has]])

    def merge(
        self, table: TrackTable, hints: HintTable, xc: FloatArray, pc: FloatArray, now: float
    ) -> int:
        """Count agreeing checks per pair of tracks; merge pairs that agreed ``after`` times
        in a row (the survivor takes missing attributes and sensors). Returns how many
        tracks were merged away."""
        if int(table["confirmed"].sum()) < 2:
            return 0
        enu = np.column_stack([xc[:, 0], xc[:, 1], np.zeros(len(xc))])
        ecef = from_enu(enu, table["origin"], table["rot"])
        active = now - table["t"] <= self.active_s
        keep, drop = merge_pairs(table, ecef, xc, pc, self.threshold, active)
        partner = np.full(len(table), -1, dtype=np.int64)
        partner[drop] = table["id"][keep]
        same = (partner >= 0) & (partner == table["merge_with"])
        table["merge_count"][:] = np.where(same, table["merge_count"] + 1, (partner >= 0) * 1)
        table["merge_with"][:] = partner
        ripe = np.flatnonzero(table["merge_count"] >= self.after)
        if not len(ripe):
            return 0
        survivors = table.rows_of(table["merge_with"][ripe])
        for col in ("identity", "callsign", "squawk", "category"):
            gives = (table[col][survivors] == "") & (table[col][ripe] != "")
            table[col][survivors[gives]] = table[col][ripe[gives]]
        table["sensors"][survivors] |= table["sensors"][ripe]
        hints.track[np.isin(hints.track, table["id"][ripe])] = -1
        mask = np.ones(len(table), dtype=bool)
        mask[ripe] = False
        table.keep(mask)
        return len(ripe)
