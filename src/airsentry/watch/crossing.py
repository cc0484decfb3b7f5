"""Entry, exit, dwell time and penetration depth of tracks in zones.

For a batch of track updates the zone index gives the (row, zone) pairs of containment.
Ordering the rows by track and time turns each track's stay in a zone into a run of
consecutive rows; a run that does not continue a stay remembered from the previous
batch is an *entry*, a run followed by a row outside the zone is an *exit*. All of that
is array work; only the runs (one per track and zone touched by the batch, not one per
report) are visited in Python, to build the few events.

Depth (metres from the border, inside) is measured for unauthorised stays only, which
are few; the largest depth of a stay is reported on its exit with the dwell time.
A track that ends while inside a zone (silent, or end of input) exits with ``lost``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from airsentry.airspace.index import ZoneIndex
from airsentry.identify.base import Identified
from airsentry.model import (
    Event,
    EventKind,
    IntArray,
    TrackUpdates,
    Zone,
    ZoneKind,
    from_epoch,
)
from airsentry.order import lexsort, stable_order
from airsentry.tracking.base import Ended
from airsentry.watch.base import Scene
from airsentry.watch.claims import ClaimGrace, Runs, held_reason
from airsentry.watch.depthbound import DepthMeter

LOST_REASONS = {
    "silent": "track lost inside (no report since)",
    "flush": "end of input while inside",
}
"""The reason a lost exit gives, by why its track ended (``Ended.reason``)."""


@dataclass(slots=True)
class Stay:
    """A track's current stay in one zone."""

    entry_t: float
    authorised: bool
    max_depth: float
    first_seen_inside: bool
    verify: bool = False  # a cooperative state aircraft: its events say authorised None
    # the latest row whose depth was measured (watch.depthbound: rows that cannot be
    # deeper than max_depth are not measured)
    ref_lat: float = math.nan
    ref_lon: float = math.nan
    ref_depth: float = math.nan


class CrossingDetector:
    """Keeps every track's stays and reports entries and exits."""

    def __init__(
        self, zones: Sequence[Zone], index: ZoneIndex, *, claim_grace_s: float = 0.0
    ) -> None:
        self.zones = list(zones)
        self.index = index
        self.stays: dict[int, dict[int, Stay]] = {}  # track id -> zone index -> stay
        self._seen: set[int] = set()  # tracks that had rows in an earlier batch
        self.claims = ClaimGrace(claim_grace_s)
        self._measure_depth = np.array(
            [z.kind is not ZoneKind.BUFFER for z in self.zones], dtype=bool
        )
        self._depth = DepthMeter(index, self.zones, self._measure_depth)

    def inside(self, track_id: int) -> list[int]:
        """Zone indices the track is inside, as of the last batch."""
        return list(self.stays.get(track_id, {}))

    # ----------------------------------------------------------------- runs
    def runs(self, updates: TrackUpdates, point: IntArray, zone: IntArray) -> Runs:
        """Group containment pairs into runs of consecutive rows per (track, zone)."""
        n, nz = len(updates), max(len(self.zones), 1)
        tid, t = updates.track_id, updates.state.t
        order = lexsort((t, tid))  # rows by track, then time
        pos = np.empty(n, dtype=np.int64)
        pos[order] = np.arange(n)
        tid_sorted = tid[order]
        change = tid_sorted[1:] != tid_sorted[:-1]
        track_start = np.r_[True, change] if n else np.empty(0, bool)
        track_end = np.r_[change, True] if n else np.empty(0, bool)

        p = pos[point]
        # pairs by zone, then row position (the lexsort as one integer key: radix passes)
        by = stable_order(zone.astype(np.int64) * max(n, 1) + p)
        p_s, z_s = p[by], zone[by]
        brk = np.ones(len(p_s), dtype=bool)
        if len(p_s) > 1:
            same = (z_s[1:] == z_s[:-1]) & (p_s[1:] == p_s[:-1] + 1) & ~track_start[p_s[1:]]
            brk[1:] = ~same
        pair_run = np.empty(len(p_s), dtype=np.int64)
        pair_run[by] = np.cumsum(brk) - 1
        starts = np.flatnonzero(brk)
        first_p = p_s[starts]
        last_p = p_s[np.r_[starts[1:] - 1, len(p_s) - 1]] if len(p_s) else first_p
        run_zone = z_s[starts]
        run_track = tid_sorted[first_p]

        # A run that starts on the track's first row of the batch continues a stay if the
        # (track, zone) stay is remembered.
        mem = np.array([tr * nz + z for tr, zs in self.stays.items() for z in zs], dtype=np.int64)
        if len(mem):
            mem.sort()
            key = run_track * nz + run_zone
            remembered = mem[np.minimum(np.searchsorted(mem, key), len(mem) - 1)] == key
        else:
            remembered = np.zeros(len(first_p), dtype=bool)
        has_exit = ~track_end[last_p]
        return Runs(
            track=run_track,
            zone=run_zone,
            first_row=order[first_p],
            last_row=order[last_p],
            continues=track_start[first_p] & remembered,
            exit_row=np.where(has_exit, order[np.minimum(last_p + 1, n - 1)], -1),
            pair_run=pair_run,
        )

    # -------------------------------------------------------------- process
    def detect(self, scene: Scene, found: Sequence[Event]) -> list[Event]:
        """Entries and exits of the batch's rows, then the stays of tracks that ended."""
        events = (
            self.process(scene.identified, scene.point, scene.zone) if len(scene.updates) else []
        )
        return events + self.end_tracks(scene.ended, scene.identified.track_class)

    def finish(self, ended: Sequence[Ended], class_of: Callable[[int], str]) -> list[Event]:
        return self.end_tracks(ended, class_of)

    def process(self, judge: Identified, point: IntArray, zone: IntArray) -> list[Event]:
        """Entries and exits of this batch; ``point``/``zone`` are its containment pairs."""
        updates = judge.updates
        st = updates.state
        events: list[Event] = []
        runs = self.runs(updates, point, zone)
        first_row = self._first_rows(updates)
        at, since = runs.first_row.copy(), np.full(len(runs.track), np.nan)
        if self.claims.grace_s > 0 and judge.registers.own_forces:
            at, since = self.claims.held_rows(judge, runs, first_row, self._seen)
        new = ~runs.continues & (at >= 0)
        verdict = np.ones(len(runs.track), dtype=bool)
        verify = np.zeros(len(runs.track), dtype=bool)
        if new.any():
            verdict[new] = judge.admitted(at[new], runs.zone[new])
            doubt = new & ~verdict
            if doubt.any():
                verify[doubt] = judge.to_verify(at[doubt], runs.zone[doubt])
        cont = np.flatnonzero(runs.continues)
        if len(cont):
            stays = self.stays
            verdict[cont] = [
                stays[tr][z].authorised
                for tr, z in zip(runs.track[cont].tolist(), runs.zone[cont].tolist(), strict=True)
            ]
        depth, ref_row, ref_depth = self._depth.measure(self.stays, st, point, zone, runs, verdict)

        # Remembered stays of tracks in this batch that no run continues were left between
        # the previous batch and the track's first row here.
        continued = set(
            zip(
                runs.track[runs.continues].tolist(), runs.zone[runs.continues].tolist(), strict=True
            )
        )
        for tr, first in first_row.items():
            if tr not in self.stays:
                continue
            for z in [z for z in self.stays[tr] if (tr, z) not in continued]:
                events.append(
                    self._exit(
                        tr,
                        z,
                        float(st.t[first]),
                        lost=False,
                        at=(updates, first),
                        target_class=judge.track_class(tr),
                    )
                )

        # Only runs that start a stay, measure a depth or end in an exit do anything: a
        # stay simply going on (most runs, batch after batch) is skipped in bulk. A run
        # held for a claim (``at`` < 0) has no verdict yet, and no stay to exit.
        measured = np.isfinite(depth)
        busy = np.flatnonzero((~runs.continues | measured | (runs.exit_row >= 0)) & (at >= 0))
        track_l, zone_l = runs.track[busy].tolist(), runs.zone[busy].tolist()
        row_l, exit_l = at[busy].tolist(), runs.exit_row[busy].tolist()
        new_l, depth_l = (~runs.continues[busy]).tolist(), depth[busy].tolist()
        ref_l, ref_depth_l = ref_row[busy].tolist(), ref_depth[busy].tolist()
        measured_l, verdict_l = measured[busy].tolist(), verdict[busy].tolist()
        verify_l, since_l = verify[busy].tolist(), since[busy].tolist()
        starts = ~runs.continues[busy]  # the entries' reasons, read for all at once
        described = iter(judge.describe_many(at[busy][starts], runs.zone[busy][starts],
                                             verdict[busy][starts]))  # fmt: skip
        for i in range(len(busy)):
            track, z, row = track_l[i], zone_l[i], row_l[i]
            if new_l[i]:
                first_inside = track not in self._seen and first_row[track] == row
                held = not math.isnan(since_l[i])
                entry_t = since_l[i] if held else float(st.t[row])
                self.stays.setdefault(track, {})[z] = Stay(
                    entry_t, verdict_l[i], 0.0, first_inside or held, verify_l[i]
                )
                entry = self._entry(track, z, row, updates, next(described))
                if held:
                    entry = replace(
                        entry, reasons=(*entry.reasons, held_reason(st.t[row] - entry_t))
                    )
                events.append(entry)
            stay = self.stays[track][z]
            if measured_l[i]:
                stay.max_depth = max(stay.max_depth, depth_l[i])
                if ref_l[i] >= 0:
                    stay.ref_lat = float(st.lat[ref_l[i]])
                    stay.ref_lon = float(st.lon[ref_l[i]])
                    stay.ref_depth = ref_depth_l[i]
            if exit_l[i] >= 0:
                xr = exit_l[i]
                events.append(
                    self._exit(
                        track,
                        z,
                        float(st.t[xr]),
                        lost=False,
                        at=(updates, xr),
                        target_class=judge.track_class(track),
                    )
                )
        self._seen.update(first_row)
        return events

    def end_tracks(
        self, ended: Sequence[Ended], class_of: Callable[[int], str] | None = None
    ) -> list[Event]:
        """Exit every stay of tracks that ended (silent, or end of input) as ``lost``."""
        events = []
        for e in ended:
            tr = e.track
            cls = (
                class_of(tr.track_id) if class_of is not None and tr.track_id in self.stays else ""
            )
            for z in list(self.stays.get(tr.track_id, {})):
                ev = self._exit(tr.track_id, z, tr.last_seen, lost=True, reason=e.reason)
                events.append(
                    replace(
                        ev,
                        identity=tr.identity,
                        callsign=tr.callsign,
                        lat=tr.lat,
                        lon=tr.lon,
                        alt=tr.alt,
                        target_class=cls,
                    )
                )
            self.stays.pop(tr.track_id, None)
            self._seen.discard(tr.track_id)
        self.claims.forget([e.track.track_id for e in ended])
        return events

    # -------------------------------------------------------------- helpers
    @staticmethod
    def _first_rows(updates: TrackUpdates) -> dict[int, int]:
        tid = updates.track_id
        order = lexsort((updates.state.t, tid))
        s = tid[order]
        start = np.r_[True, s[1:] != s[:-1]] if len(tid) else np.empty(0, bool)
        return dict(zip(s[start].tolist(), order[start].tolist(), strict=True))

    def _entry(
        self,
        track: int,
        z: int,
        row: int,
        updates: TrackUpdates,
        described: tuple[tuple[str, ...], str],
    ) -> Event:
        """The entry of a new stay; ``described``: its reasons and target class
        (:meth:`Identified.describe_many`)."""
        st, zone, stay = updates.state, self.zones[z], self.stays[track][z]
        reasons, cls = described
        ok = stay.authorised
        if stay.first_seen_inside:
            reasons = (*reasons, "first detected already inside")
        return Event(
            kind=EventKind.ENTRY,
            time=from_epoch(st.t[row]),
            track_id=track,
            identity=str(st.identity[row]),
            callsign=str(st.callsign[row]),
            zone_id=zone.id,
            zone_kind=str(zone.kind),
            zone_owner=zone.owner,
            zone_name=zone.name,
            authorised=None if stay.verify else ok,
            reasons=reasons,
            target_class=cls,
            lat=float(st.lat[row]),
            lon=float(st.lon[row]),
            alt=float(st.alt[row]),
            sensor=str(st.sensor[row]),
            details={"first_seen_inside": stay.first_seen_inside},
        )

    def _exit(
        self,
        track: int,
        z: int,
        t: float,
        *,
        lost: bool,
        reason: str = "",
        at: tuple[TrackUpdates, int] | None = None,
        target_class: str = "",
    ) -> Event:
        """The exit from a stay (popped); ``at`` names the update row that is outside,
        whose identity and position the event carries."""
        stays = self.stays[track]
        stay = stays.pop(z)
        if not stays:
            del self.stays[track]
        zone = self.zones[z]
        measured = bool(self._measure_depth[z]) and not stay.authorised
        seen: dict[str, Any] = {}
        if at is not None:
            updates, row = at
            st = updates.state
            seen = {
                "identity": str(st.identity[row]),
                "callsign": str(st.callsign[row]),
                "lat": float(st.lat[row]),
                "lon": float(st.lon[row]),
                "alt": float(st.alt[row]),
                "sensor": str(st.sensor[row]),
            }
        return Event(
            kind=EventKind.EXIT,
            time=from_epoch(t),
            track_id=track,
            zone_id=zone.id,
            zone_kind=str(zone.kind),
            zone_owner=zone.owner,
            zone_name=zone.name,
            authorised=None if stay.verify else stay.authorised,
            reasons=(LOST_REASONS.get(reason, reason),) if lost else (),
            dwell_s=t - stay.entry_t,
            depth_m=stay.max_depth if measured else None,
            details={"lost": lost, "entry_time": stay.entry_t},
            target_class=target_class,
            **seen,
        )
