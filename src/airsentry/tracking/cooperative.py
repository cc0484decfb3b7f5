"""Tracks keyed by identity: the cooperative part of tracking.

Cooperative targets name themselves (ICAO 24-bit address, Remote ID serial), and a
sensor that runs its own tracker names its tracks (radar track numbers). Such reports
need no data association: the key is the identity, else ``sensor#track_number``.
Reports with neither are counted as ``untracked`` and left to the multi-target tracker.

A track ends when its key has been silent longer than ``expire_s`` in event time; a
later report with the same key starts a new track. Velocity comes from the feed when
it gives one, else from positions far enough apart that the position noise the
reports state (their ``accuracy``) makes a velocity error below ``speed_error_mps``.

Earlier positions are kept bounded (:mod:`~airsentry.tracking.recent`): per track slot,
one row per ``baseline_s / 8`` for the last few baselines (velocities of precise feeds
and the rows the combined tracker joins plots onto) and one row per ``history_s / 30``
over ``history_s`` (velocities of coarse ones): a few dozen rows per track, numbers
only, whatever the report rate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from airsentry.model import (
    BoolArray,
    Event,
    FloatArray,
    IntArray,
    ObjArray,
    ReportBatch,
    Track,
    TrackUpdates,
)
from airsentry.order import lexsort
from airsentry.tracking.base import Ended, TrackingStats, factorize
from airsentry.tracking.keyed_table import KeyedTable, TrackView
from airsentry.tracking.keyedvelocity import fill_velocity
from airsentry.tracking.recent import COLUMNS, Kept, RecentRows

# Text attributes carried forward per track. The transponder flag is not: it says
# whether *this* report came from the target's own transmitter, which can change.
_CARRIED = ("callsign", "squawk", "category")
_FINE_PER_BASELINE = 8  # fine buckets per baseline_s
_FINE_DEPTH = 24  # fine buckets kept (3 baselines: 12 s at the default 4 s)
_COARSE_DEPTH = 32  # coarse buckets of history_s / 30 kept (a little over history_s)


@dataclass(frozen=True, slots=True)
class CooperativeConfig:
    expire_s: float = 300.0  # silence after which a track ends
    baseline_s: float = 4.0  # shortest time between positions used for a velocity
    history_s: float = 90.0  # how far back the kept positions reach (>= baseline_s)
    # The baseline grows with the reports' stated accuracy until the velocity error from
    # position noise (sqrt(2) * accuracy / baseline) is below this, up to history_s:
    # 150 m radar plots need ~50 s, 10 m ADS-B positions the minimum.
    speed_error_mps: float = 4.0


class CooperativeTracker:
    """Identity-keyed tracker; vectorised over each batch.

    The live tracks are columns by slot (:class:`~airsentry.tracking.keyed_table.KeyedTable`),
    so the work per batch follows the batch, not the number of live tracks."""

    def __init__(self, config: CooperativeConfig | None = None) -> None:
        self.config = config or CooperativeConfig()
        if self.config.history_s < self.config.baseline_s:
            raise ValueError("history_s must be at least baseline_s")
        self.stats = TrackingStats()
        self._table = KeyedTable()
        self._view = TrackView(self._table)
        self._next_id = 1
        cfg = self.config
        self._fine = RecentRows(cfg.baseline_s / _FINE_PER_BASELINE, _FINE_DEPTH)
        self._coarse = RecentRows(cfg.history_s / (_COARSE_DEPTH - 2), _COARSE_DEPTH)
        self._newest = -np.inf  # newest report time seen
        # ended track id (of a sensor's own number) -> the accuracy of its newest row and
        # the median velocity of its kept rows
        self._ended_rows: dict[int, tuple[float, float, float]] = {}
        # Where new tracks get their ids: (keys, first rows of the batch) -> ids. The
        # combined tracker shares one id space with its multi-target part and lets a new
        # key take over the id of an anonymous track of the same object.
        self.new_ids: Callable[[ObjArray, ReportBatch], IntArray] = self._count_ids

    def _count_ids(self, keys: ObjArray, first: ReportBatch) -> IntArray:
        ids = np.arange(self._next_id, self._next_id + len(keys), dtype=np.int64)
        self._next_id += len(keys)
        return ids

    @property
    def tracks(self) -> Mapping[str, Track]:
        """The live tracks by key (read by the combined tracker; built per lookup)."""
        return self._view

    def recent(self, since: float, newest: int = 0) -> Kept:
        """Kept rows of live tracks at or after ``since`` (one per fine bucket: the last
        few seconds of precise feeds, the last few dozen reports of sparse ones; the
        ``newest`` few per track when given); their ``slot`` numbers the track,
        :attr:`slot_keys` names it."""
        return self._fine.gather(self._table.live_slots(), since, newest=newest)

    @property
    def slot_keys(self) -> ObjArray:
        """The key of each slot ("" for a free one)."""
        return self._table.key

    def slot_of(self, key: str) -> int:
        """The slot of a live track's key, -1 when it has none."""
        return self._table.index.get(key, -1)

    def slot_ids(self, slots: IntArray) -> IntArray:
        """The track ids of live ``slots``."""
        return self._table.track_id[slots].copy()

    def last_seen(self, slots: IntArray) -> FloatArray:
        """The time of the newest report of live ``slots``."""
        return self._table.floats["last_seen"][slots].copy()

    def unnamed(self, slots: IntArray) -> BoolArray:
        """Which live ``slots`` are keyed by a sensor's own track number and name no
        identity (an RF node's object, a radar's track)."""
        keys = self._table.key[slots].astype(str)
        ident = self._table.texts["identity"][slots]
        return np.asarray((np.char.find(keys, "#") >= 0) & (ident == ""))

    def release(self, slots: IntArray) -> None:
        """End the tracks of live ``slots`` silently: their object goes on under the same
        id elsewhere (the combined tracker's multi-target part took it over), so no end
        is reported; a later report of the key starts a new track."""
        self._end(slots)

    def rekey(self, slot: int, track_id: int) -> None:
        """The live track in ``slot`` goes on as ``track_id`` (an object it turned out to
        be, :mod:`~airsentry.tracking.claimretry`)."""
        self._table.track_id[slot] = track_id

    def held_rows(self) -> int:
        """Rows kept for all tracks (bounded by a few dozen per live track)."""
        return self._fine.held() + self._coarse.held()

    def live(self) -> Sequence[Track]:
        return self._table.tracks(self._table.live_slots())

    def drain_events(self) -> list[Event]:
        """No integrity events: identity-keyed tracks have nothing to cross-check."""
        return []

    # ------------------------------------------------------------------ keys
    @staticmethod
    def keys_of(batch: ReportBatch) -> ObjArray:
        """The tracking key of every report ("" when it has none)."""
        keys = np.asarray(batch.identity, dtype=object).copy()
        # sensor track numbers only where there is no identity (few rows: radar plots)
        unnamed = np.flatnonzero((keys == "") & (batch.track_number >= 0))
        if len(unnamed):
            sensor = batch.sensor[unnamed].astype(str)
            tn = batch.track_number[unnamed].astype(str)
            keys[unnamed] = np.char.add(np.char.add(sensor, "#"), tn).astype(object)
        return keys

    # --------------------------------------------------------------- process
    def process(
        self, batch: ReportBatch, keys: ObjArray | None = None
    ) -> tuple[TrackUpdates, list[Ended]]:
        """Update tracks with ``batch``; ``keys`` (one per row, in time order) replace the
        rows' own keys when given (the combined tracker's aliases and joined plots)."""
        if keys is None:
            batch = batch.sorted_by_time()
            keys = self.keys_of(batch)
        has_key = keys != ""
        has_key &= np.isfinite(batch.lat) & np.isfinite(batch.lon)  # clutter hook: bearing-only
        rows = np.flatnonzero(has_key)
        # the keys factorized once: for the silence cut and for the tracks
        uniq, inverse = factorize(keys[rows])
        cut = self._silence_cut(batch.t, rows, inverse)
        if cut is not None:
            # A key silent longer than expire_s inside the batch: its track ends there,
            # as it would have had the batch been cut there (results never depend on
            # where the reader cut its batches).
            head, head_ended = self.process(batch.take(slice(None, cut)), keys[:cut])
            tail, tail_ended = self.process(batch.take(slice(cut, None)), keys[cut:])
            return _concat(head, tail), head_ended + tail_ended
        self.stats.reports += len(batch)
        self.stats.untracked += len(batch) - len(rows)
        batch, keys = batch.take(rows), keys[rows]
        if not len(batch):
            return TrackUpdates.empty(), self._expire(None)

        known = self._table.slots_of(uniq)
        # Drop reports older than their live track's last update (late arrivals).
        last_seen = np.where(
            known >= 0, self._table.floats["last_seen"][np.maximum(known, 0)], -np.inf
        )
        on_time = batch.t > last_seen[inverse]
        self.stats.late += int((~on_time).sum())
        batch = batch.take(on_time)
        if not on_time.all():
            # a key whose every report came late has no row left: it must neither end
            # its track (as if silent) nor start one
            uniq, inverse = factorize(keys[on_time])
            if not len(batch):
                return TrackUpdates.empty(), self._expire(None)
            known = self._table.slots_of(uniq)

        ended = self._expire_before(uniq, inverse, batch.t, known)
        tid, slot = self._assign_ids(uniq, inverse, batch)
        state = self._carry_attributes(batch, tid, slot)
        state = self._fill_velocity(state, slot)
        self._remember(state, slot, inverse)
        self.stats.updates += len(state)
        ended += self._expire(float(state.t.max()) if len(state) else None)
        return TrackUpdates(tid, state), ended

    def flush(self) -> list[Ended]:
        ended = [Ended(tr, "flush") for tr in self._end(self._table.live_slots())]
        self.stats.tracks_ended += len(ended)
        return ended

    # --------------------------------------------------------------- helpers
    def _silence_cut(self, t: FloatArray, rows: IntArray, inverse: IntArray) -> int | None:
        """The first row (of a batch in time order, report times ``t``) whose key was
        silent for longer than expire_s before it within the batch, or None (always
        when the batch spans no more than expire_s: the usual case, one comparison).
        ``rows`` are the rows with a key and a position, ``inverse`` their key codes."""
        expire = self.config.expire_s
        if len(t) < 2 or float(t[-1] - t[0]) <= expire:
            return None
        tk = t[rows]
        order = lexsort((tk, inverse))
        same = inverse[order][1:] == inverse[order][:-1]
        gap = same & (np.diff(tk[order]) > expire)
        if not gap.any():
            return None
        return int(rows[order[1:][gap]].min())

    def ended_rows(self, ids: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The stated accuracy of the newest row of tracks that ended lately and the
        median east and north velocity of their last kept rows (NaN where unknown): a
        track is a stitch candidate after it ended (keyedstitch.py)."""
        nan = (np.nan, np.nan, np.nan)
        got = np.array([self._ended_rows.get(k, nan) for k in ids.tolist()]).reshape(-1, 3)
        return got[:, 0], got[:, 1], got[:, 2]

    def recent_velocity(self, slots: IntArray) -> tuple[FloatArray, FloatArray]:
        """The median east and north velocity of live ``slots``' last kept rows (NaN
        where none has one): a stitch candidate's velocity, robust to a wrong row."""
        return self._fine.median_velocity(slots)

    def _end(self, slots: IntArray) -> list[Track]:
        """Remove live tracks and free their slots."""
        if not len(slots):
            return []
        unnamed = slots[self.unnamed(slots)]  # the stitch candidates among them
        if len(unnamed):
            if len(self._ended_rows) > 4096:  # only the lately ended are asked for
                self._ended_rows.clear()
            last = self._fine.gather(unnamed, -np.inf, newest=1)
            ids = self._table.track_id[last.slot].tolist()
            ve, vn = self._fine.median_velocity(last.slot)
            rows = zip(last.col("accuracy").tolist(), ve.tolist(), vn.tolist(), strict=True)
            self._ended_rows.update(zip(ids, rows, strict=True))
        self._fine.clear(slots)
        self._coarse.clear(slots)
        return self._table.close(slots)

    def _expire_before(
        self, uniq: np.ndarray, inverse: IntArray, t: FloatArray, known: IntArray
    ) -> list[Ended]:
        """End live tracks whose key comes back after a silence longer than expire_s."""
        first_t = np.full(len(uniq), np.inf)
        np.minimum.at(first_t, inverse, t)
        back = known >= 0
        gone = known[back][self._table.silent(known[back], first_t[back] - self.config.expire_s)]
        ended = [Ended(tr, "silent") for tr in self._end(gone)]
        self.stats.tracks_ended += len(ended)
        return ended

    def _expire(self, now: float | None) -> list[Ended]:
        if now is None:
            return []
        live = self._table.live_slots()
        gone = live[self._table.silent(live, np.full(len(live), now - self.config.expire_s))]
        ended = [Ended(tr, "silent") for tr in self._end(gone)]
        self.stats.tracks_ended += len(ended)
        return ended

    def _assign_ids(
        self, uniq: np.ndarray, inverse: IntArray, batch: ReportBatch
    ) -> tuple[IntArray, IntArray]:
        """Each row's track id and slot (new tracks for new keys)."""
        slots = self._table.slots_of(uniq)
        fresh = slots < 0
        if fresh.any():
            first = np.full(len(uniq), len(batch), dtype=np.int64)
            np.minimum.at(first, inverse, np.arange(len(batch)))
            # ids in order of first report time, then key (uniq is sorted): the order
            # whatever the batch cut, and the one `airsentry scan` rebuilds from the
            # births of its identity partitions (scan/reduce.py)
            new = np.flatnonzero(fresh)
            new = new[np.lexsort((new, batch.t[first[new]]))]
            rows = batch.take(first[new])
            ids = np.asarray(self.new_ids(uniq[new], rows), dtype=np.int64)
            slots[new] = self._table.open(uniq[new], ids, rows)
            self._fine.grow(self._table.capacity)
            self._coarse.grow(self._table.capacity)
            self.stats.tracks_started += int(fresh.sum())
        return self._table.track_id[slots][inverse], slots[inverse]

    def _carry_attributes(self, batch: ReportBatch, tid: IntArray, slot: IntArray) -> ReportBatch:
        """Carry callsign, squawk, category and identity forward within each track.

        A column given on every row is kept as it is, and one given on no row (OpenSky
        has no category) is what each track knew: one gather, no sort."""
        order = start = None
        cols: dict[str, np.ndarray] = {}
        for name in _CARRIED:
            given = getattr(batch, name)
            known_rows = given != ""
            if known_rows.all():
                continue
            if not known_rows.any():
                cols[name] = self._table.texts[name][slot]
                continue
            if order is None or start is None:
                order = lexsort((batch.t, tid))
                tid_s = tid[order]
                start = np.r_[True, tid_s[1:] != tid_s[:-1]]
            col = given[order]
            known = known_rows[order]
            # Seed each track's first row with what the track already knew.
            firsts = np.flatnonzero(start & ~known)
            col[firsts] = self._table.texts[name][slot[order[firsts]]]
            known[firsts] = col[firsts] != ""
            idx = np.where(known | start, np.arange(len(col)), 0)
            np.maximum.accumulate(idx, out=idx)
            filled = col[idx]
            out = np.empty_like(filled)
            out[order] = filled
            cols[name] = out
        # The identity a track already has reaches its rows that lack one (a radar
        # track that an ADS-B report once named keeps the name).
        names = self._table.texts["identity"][slot]
        cols["identity"] = np.where(batch.identity != "", batch.identity, names)
        return _replace_cols(batch, **cols)

    def _fill_velocity(self, state: ReportBatch, slot: IntArray) -> ReportBatch:
        """Velocity where the feed gave none (:func:`~.keyedvelocity.fill_velocity`)."""
        filled = fill_velocity(state, slot, self._fine, self._coarse, self._newest, self.config)
        if filled is None:
            return state
        return _replace_cols(state, vel_e=filled[0], vel_n=filled[1], vel_u=filled[2])

    def _remember(self, state: ReportBatch, slot: IntArray, inverse: IntArray) -> None:
        """Update each live track's last state and keep recent rows for velocities."""
        last = np.full(int(inverse.max()) + 1, -1, dtype=np.int64)
        np.maximum.at(last, inverse, np.arange(len(state)))
        self._table.write(slot[last], state, last)
        self._table.add_sensors(slot, state.sensor)
        # Keep a bounded few rows per track (the rings), numbers only.
        values = np.column_stack([np.asarray(getattr(state, c), dtype=float) for c in COLUMNS])
        self._fine.write(slot, values)
        self._coarse.write(slot, values)
        self._newest = max(self._newest, float(state.t.max()))


def _concat(a: TrackUpdates, b: TrackUpdates) -> TrackUpdates:
    """Updates of consecutive pieces of a batch, in time order."""
    return TrackUpdates(
        np.concatenate([a.track_id, b.track_id]), ReportBatch.concat([a.state, b.state])
    )


def _replace_cols(batch: ReportBatch, **cols: np.ndarray) -> ReportBatch:
    return ReportBatch(**{f.name: cols.get(f.name, getattr(batch, f.name)) for f in fields(batch)})
