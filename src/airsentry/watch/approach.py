"""Approach warnings: a target predicted to cross into a zone that does not admit it.

From each track's current velocity the path over the next ``horizon_s`` seconds is
sampled at ``steps`` points and every sample is put to the zone index in one batch, with
its predicted altitude and time (a temporary zone that opens in a minute counts). The
first sample inside a zone the track is not yet in gives the predicted time of
crossing. Only unauthorised approaches are reported, once per track and zone until the
track enters, ``rearm_s`` has passed since the warning, or the track ends: an airliner
about to cross a border it may cross is not news. The rows of a batch are judged in time
order with the batch's own entries, so where batches are cut changes no warning.

Predictions run at most once per ``every_s`` per track, so a replay of dense ADS-B data
costs a fraction of its rows; the sampling step (horizon / steps, 10 s by default)
bounds the error of the predicted time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from airsentry.airspace.index import ZoneIndex
from airsentry.identify.base import Identified
from airsentry.model import (
    Event,
    EventKind,
    FloatArray,
    IntArray,
    ReportBatch,
    TrackUpdates,
    Zone,
    ZoneKind,
    from_epoch,
)
from airsentry.order import lexsort
from airsentry.tracking.base import EARTH_RADIUS_M, Ended
from airsentry.watch.base import Scene, WatchConfig


class ApproachDetector:
    def __init__(self, zones: Sequence[Zone], index: ZoneIndex, config: WatchConfig) -> None:
        self.zones = list(zones)
        self.index = index
        self.config = config
        self._warned: dict[tuple[int, int], float] = {}  # (track, zone) -> time warned
        self._warned_zones: dict[int, set[int]] = {}  # track -> zones in _warned
        self._last_check: dict[int, float] = {}
        self._skip = np.array([z.kind is ZoneKind.BUFFER for z in self.zones], dtype=bool)
        self._zone_pos = {z.id: i for i, z in enumerate(self.zones)}

    def forget(self, track_id: int) -> None:
        """Drop an ended track's state (its warnings found through ``_warned_zones``,
        not by scanning every warning: tracks end by the thousand in a long replay)."""
        self._last_check.pop(track_id, None)
        for zone in self._warned_zones.pop(track_id, ()):
            del self._warned[(track_id, zone)]

    def entered(self, track_id: int, zone: int) -> None:
        if self._warned.pop((track_id, zone), None) is not None:
            zones = self._warned_zones[track_id]
            zones.discard(zone)
            if not zones:
                del self._warned_zones[track_id]

    def rows_to_check(self, updates: TrackUpdates) -> np.ndarray:
        """Rows with a usable velocity, at most one per track per ``every_s``."""
        st, tid = updates.state, updates.track_id
        ok = np.isfinite(st.vel_e) & np.isfinite(st.vel_n)
        if not ok.any():
            return np.empty(0, dtype=np.int64)
        slot = np.floor(st.t / self.config.approach_every_s)
        order = lexsort((st.t, tid))
        ok_s, slot_s, tid_s = ok[order], slot[order], tid[order]
        # keep the first usable row of each (track, slot)
        rows = order[ok_s]
        slot_k, tid_k = slot_s[ok_s], tid_s[ok_s]
        first = np.r_[True, (tid_k[1:] != tid_k[:-1]) | (slot_k[1:] != slot_k[:-1])]
        rows, slot_k, tid_k = rows[first], slot_k[first], tid_k[first]
        # ... unless that slot was already checked in an earlier batch
        uniq, inv = np.unique(tid_k, return_inverse=True)
        prev = np.array([self._last_check.get(int(t), -np.inf) for t in uniq.tolist()])
        fresh = slot_k > np.floor(prev[inv] / self.config.approach_every_s)
        rows = rows[fresh]
        self._last_check.update(zip(tid[rows].tolist(), st.t[rows].tolist(), strict=True))
        return rows

    def detect(self, scene: Scene, found: Sequence[Event]) -> list[Event]:
        """Approaches predicted from this batch; then the entries found before (by the
        crossing detector) re-arm their warnings for later batches, and ended tracks
        are forgotten."""
        entries: dict[tuple[int, int], list[float]] = {}
        for ev in found:
            if ev.kind is EventKind.ENTRY and ev.track_id is not None:
                pair = (ev.track_id, self._zone_pos[ev.zone_id])
                entries.setdefault(pair, []).append(ev.time.timestamp())
        out = (
            self.process(scene.identified, scene.point, scene.zone, entries)
            if len(scene.updates)
            else []
        )
        for (track, zone), times in entries.items():
            if max(times) > self._warned.get((track, zone), np.inf):  # entered since warned
                self.entered(track, zone)
        for e in scene.ended:
            self.forget(e.track.track_id)
        return out

    def finish(self, ended: Sequence[Ended], class_of: Callable[[int], str]) -> list[Event]:
        for e in ended:
            self.forget(e.track.track_id)
        return []

    def process(
        self,
        judge: Identified,
        point: IntArray,
        zone_of: IntArray,
        entries: dict[tuple[int, int], list[float]] | None = None,
    ) -> list[Event]:
        """Approach events for this batch; ``point``/``zone_of`` are its containment pairs,
        ``entries`` the times of this batch's entries by (track, zone position): an
        entry re-arms the warnings of its pair for the rows after it, so that the
        warnings do not depend on where the batches were cut."""
        entries = entries or {}
        updates = judge.updates
        rows = self.rows_to_check(updates)
        # A target admitted in every zone (an airliner, with the default catalogue)
        # cannot approach one that refuses it: its path is not predicted. Taken after
        # the choice of rows, so the rows checked, and the warnings, are the same.
        rows = rows[~judge.admitted_everywhere(rows)]
        if not len(rows):
            return []
        st, cfg = updates.state, self.config
        k = cfg.approach_steps
        dt = cfg.approach_horizon_s * np.arange(1, k + 1) / k
        lat, lon = _sample_positions(st, rows, dt)
        # a sample in just the zones its row is in adds no zone to approach: not queried
        ask = np.flatnonzero(~self.index.same_plain_cells(st.lat[rows], st.lon[rows], lat, lon))
        alt, t_at = _sample_heights_times(st, rows, dt, ask)
        m = self.index.query(lat[ask], lon[ask], alt, t_at)
        if not len(m.point):
            return []
        keep = ~self._skip[m.zone]
        sample, zone = ask[m.point[keep]], m.zone[keep]
        # earliest step per (row, zone): one sort of a single key (row, zone, step),
        # not a sort by three keys (a sample falls in a zone or two: millions of pairs)
        nz = len(self.zones)
        src = sample // k  # index into rows
        code = np.sort((src * nz + zone) * k + (sample - src * k))
        pair = code // k
        first = np.r_[True, pair[1:] != pair[:-1]] if len(pair) else np.empty(0, bool)
        pair, step = pair[first], code[first] % k
        src, zone = pair // nz, pair % nz
        row = rows[src]
        # drop zones the row is already inside
        inside = np.sort(point * nz + zone_of)
        key = row * nz + zone
        if len(inside):
            hit = inside[np.minimum(np.searchsorted(inside, key), len(inside) - 1)] == key
            row, zone, step = row[~hit], zone[~hit], step[~hit]
        if not len(row):
            return []
        # authorised approaches are not news: judge every pair at once
        ok = ~judge.admitted(row, zone)
        row, zone, step = row[ok], zone[ok], step[ok]
        if not len(row):
            return []
        # per (track, zone) in time order: a later row of a pair warns again only after
        # rearm_s since the pair's last warning or after an entry of the pair, as if
        # each row were its own batch (unauthorised candidates only meet this loop)
        track = updates.track_id[row]
        t = st.t[row]
        order = np.lexsort((t, zone, track))
        row, zone, step, track, t = row[order], zone[order], step[order], track[order], t[order]
        t_of = t.tolist()
        sel = []
        for j, (tr, z) in enumerate(zip(track.tolist(), zone.tolist(), strict=True)):
            warned = self._warned.get((tr, z), -np.inf)
            if any(warned < te < t_of[j] for te in entries.get((tr, z), ())):
                warned = -np.inf  # entered since the last warning
            if t_of[j] - warned > cfg.approach_rearm_s:
                sel.append(j)
                self._warned[(tr, z)] = t_of[j]
                self._warned_zones.setdefault(tr, set()).add(z)
        events = []
        for j in sel:
            r, z, tr = int(row[j]), int(zone[j]), int(track[j])
            reasons, cls = judge.describe(r, z, False)
            eta = float(dt[step[j]])
            zn = self.zones[z]
            events.append(
                Event(
                    kind=EventKind.APPROACH,
                    time=from_epoch(t[j]),
                    track_id=tr,
                    identity=str(st.identity[r]),
                    callsign=str(st.callsign[r]),
                    zone_id=zn.id,
                    zone_kind=str(zn.kind),
                    zone_owner=zn.owner,
                    zone_name=zn.name,
                    authorised=False,
                    reasons=(f"predicted to enter {zn.name} within {eta:.0f} s", *reasons),
                    target_class=cls,
                    lat=float(st.lat[r]),
                    lon=float(st.lon[r]),
                    alt=float(st.alt[r]),
                    sensor=str(st.sensor[r]),
                    details={"eta_s": eta},
                )
            )
        return events


def _sample_positions(
    st: ReportBatch, rows: IntArray, dt: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude of each row's path sampled at ``dt`` seconds ahead
    (row-major: a row's samples together), dead-reckoned on the local tangent plane.
    Computed as (rows, steps) arrays broadcast from the rows' columns, not from copies
    of every column repeated per sample (the arithmetic is the same, value for value)."""
    d = dt[None, :]

    def col(values: FloatArray) -> FloatArray:
        return values[rows][:, None]

    lat = col(st.vel_n) * d
    lat /= EARTH_RADIUS_M
    np.degrees(lat, out=lat)
    lat += col(st.lat)
    scale = EARTH_RADIUS_M * np.maximum(np.cos(np.radians(st.lat[rows])), 1e-6)
    lon = col(st.vel_e) * d
    lon /= scale[:, None]
    np.degrees(lon, out=lon)
    lon += col(st.lon)
    lon += 180.0
    # the remainder only where it changes anything (a path past the antimeridian):
    # it is the identity on [0, 360), and the slowest pass here over every sample
    wrap = (lon < 0.0) | (lon >= 360.0)
    if wrap.any():
        lon[wrap] %= 360.0
    lon -= 180.0
    return lat.reshape(-1), lon.reshape(-1)


def _sample_heights_times(
    st: ReportBatch, rows: IntArray, dt: FloatArray, samples: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Altitude and time of the ``samples`` (positions in :func:`_sample_positions`'
    order) only: the samples the zone index is asked about (the same arithmetic as
    for every sample, value for value)."""
    k = len(dt)
    src, step = rows[samples // k], samples % k
    d = dt[step]
    alt = np.nan_to_num(st.vel_u[src]) * d
    alt += st.alt[src]
    return alt, st.t[src] + d
