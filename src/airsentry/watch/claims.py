"""Holding the verdict on a pop-up that may be one of ours, until it is claimed.

A primary radar plots an interceptor before its transponder is heard; the combined
tracker later gives the track the identity (its claim), and the own-forces register
admits it. Judged at its first update, such a track would already be a violator. The
crossing detector (:mod:`.crossing`) asks :class:`ClaimGrace` where each run's verdict
is taken: at once, or once claimed or ``grace_s`` after the track appeared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from airsentry.identify.authority import DRONE_CLASSES
from airsentry.identify.base import Identified
from airsentry.model import BoolArray, FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class Runs:
    """Consecutive rows of one track inside one zone, found in one batch."""

    track: IntArray
    zone: IntArray
    first_row: IntArray  # update row of the first row of the run
    last_row: IntArray
    continues: BoolArray  # continues a stay remembered from an earlier batch
    exit_row: IntArray  # the update row of the first row outside after it, or -1
    pair_run: IntArray  # for every containment pair, which run it belongs to


def claimable(judge: Identified, row: int) -> bool:
    """Whether an update row is an anonymous, non-drone track an identity may claim."""
    st = judge.updates.state
    anonymous = st.identity[row] == "" and not bool(st.transponder[row])
    return anonymous and str(judge.cls[row]) not in DRONE_CLASSES


def held_reason(waited_s: float) -> str:
    return (
        f"judged {waited_s:.0f} s after it was first detected inside: an anonymous track "
        "that appears inside may be one of ours whose identity is not yet heard"
    )


class ClaimGrace:
    """Pop-ups whose verdict waits, and when each track was first seen."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._born: dict[int, float] = {}  # track id -> time of its first row
        # (track, zone) -> first time inside, of anonymous tracks first seen inside whose
        # verdict waits for the grace
        self._held: dict[tuple[int, int], float] = {}

    def forget(self, tracks: Iterable[int]) -> None:
        """Tracks that ended: nothing of theirs is held any more."""
        gone = set(tracks)
        for tr in gone:
            self._born.pop(tr, None)
        if self._held and gone:
            self._held = {k: v for k, v in self._held.items() if k[0] not in gone}

    def held_rows(
        self, judge: Identified, runs: Runs, first_row: dict[int, int], seen: set[int]
    ) -> tuple[IntArray, FloatArray]:
        """Where each run's verdict is taken, and since when a held stay began.

        An anonymous track (no identity, no transponder) first seen already *inside* a
        zone is often one of ours: an interceptor the primary radar plots before its
        address is heard (the combined tracker's claim then gives the track that
        identity, and the own-forces register admits it). Its verdict waits until the
        first row of the run that has an identity or transponder, or that comes
        ``claim_grace_s`` after the track appeared; the stay then begins when it was
        first seen inside. A run wholly within the grace is held (row -1) and carried to
        the next batch, unless it leaves the zone, which is judged at its first row (a
        short incursion is never lost). Only where the register names own forces (the
        caller checks), and only for tracks not classed as drones: a drone popping up
        inside an airport is judged at once (own forces are claimed by their transponder
        address; an own-force drone is named by its feed or Remote ID). Tracks that cross
        a border are judged at once. The loop is over the runs that start a held stay
        (pop-ups), never over reports.
        """
        updates = judge.updates
        st = updates.state
        at, since = runs.first_row.copy(), np.full(len(runs.track), np.nan)
        for tr, row in first_row.items():
            self._born.setdefault(tr, float(st.t[row]))
        track_of = updates.track_id
        for j in np.flatnonzero(~runs.continues).tolist():
            track, z, row = int(runs.track[j]), int(runs.zone[j]), int(runs.first_row[j])
            key = (track, z)
            popped_up = track not in seen and first_row[track] == row
            if key not in self._held and (not popped_up or not claimable(judge, row)):
                continue
            start = self._held.get(key, float(st.t[row]))
            born = self._born.get(track, start)
            last = int(runs.last_row[j])
            t0, t1 = float(st.t[row]), float(st.t[last])
            rows = np.flatnonzero((track_of == track) & (st.t >= t0) & (st.t <= t1))
            rows = rows[np.argsort(st.t[rows], kind="stable")]
            claimed = (st.identity[rows] != "") | st.transponder[rows].astype(bool)
            ok = np.flatnonzero(claimed | (st.t[rows] - born >= self.grace_s))
            if len(ok):
                at[j], since[j] = int(rows[ok[0]]), start
                self._held.pop(key, None)
            elif runs.exit_row[j] >= 0:  # left within the grace: judged where it was seen
                self._held.pop(key, None)
                since[j] = start
            else:
                at[j] = -1
                self._held[key] = start
        return at, since
