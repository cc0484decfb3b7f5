"""The live keyed tracks as columns by slot: what the cooperative tracker knows of each.

The cooperative tracker used to hold one :class:`~airsentry.model.Track` object per live
key and update it attribute by attribute, once per track per batch, and to walk every
live track on every batch (carrying identities, expiring the silent). Work per batch
then grew with the number of live tracks rather than with the batch: harmless for a
replay in batches of 100,000 reports, ruinous for a live feed handed on every 50 ms
with a national picture of thousands of tracks (each batch touching most of them).

:class:`KeyedTable` keeps the same facts as NumPy columns indexed by *slot* (the slot
numbers the kept-row rings of :mod:`~airsentry.tracking.recent` already use): reads and
writes are fancy indexing over the slots a batch touches, and a sweep for silent tracks
is one comparison over the columns. A :class:`Track` is built only when someone asks for
one (a track that ends, the live picture, a lookup by key). Python work per batch that
remains: one dictionary lookup per distinct key of the batch, and one per track started
or ended.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from airsentry.columns import cells
from airsentry.model import BoolArray, FloatArray, IntArray, ObjArray, ReportBatch, Track
from airsentry.tracking.base import factorize

FLOATS = ("first_seen", "last_seen", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u")
TEXTS = ("identity", "callsign", "squawk", "category")
_MASK_BITS = 64  # sensors named by a bit of the per-slot mask; more go to a side set


class KeyedTable:
    """Columns of the live keyed tracks by slot (see the module docstring)."""

    def __init__(self, capacity: int = 64) -> None:
        self.index: dict[str, int] = {}  # key -> slot of a live track
        self.key = cells(capacity)  # slot -> key ("" when free)
        self.track_id = np.full(capacity, -1, dtype=np.int64)
        self.opened = np.zeros(capacity, dtype=np.int64)  # order the tracks started in
        self.floats = {name: np.full(capacity, np.nan) for name in FLOATS}
        self.texts = {name: cells(capacity) for name in TEXTS}
        self.transponder = np.zeros(capacity, dtype=bool)
        self.sensor_mask = np.zeros(capacity, dtype=np.uint64)
        self._more_sensors: dict[int, set[str]] = {}  # slot -> sensors beyond the mask's
        self._sensor_bit: dict[str, int] = {}
        self._sensor_names: list[str] = []
        self._free: list[int] = list(range(capacity - 1, -1, -1))
        self._opened = 0

    @property
    def capacity(self) -> int:
        return len(self.key)

    def __len__(self) -> int:
        return len(self.index)

    def slots_of(self, keys: Sequence[str] | ObjArray) -> IntArray:
        """The slot of each key, -1 for a key without a live track."""
        get = self.index.get
        return np.fromiter((get(k, -1) for k in keys), dtype=np.int64, count=len(keys))

    def live_slots(self) -> IntArray:
        """The slots of the live tracks, in the order the tracks started."""
        live = np.flatnonzero(self.track_id >= 0)
        return live[np.argsort(self.opened[live], kind="stable")]

    def open(self, keys: ObjArray, track_ids: IntArray, first: ReportBatch) -> IntArray:
        """Start a track per key (none live), at the row of ``first`` with its index;
        returns their slots."""
        n = len(keys)
        while len(self._free) < n:
            self._grow()
        slots = np.array([self._free.pop() for _ in range(n)], dtype=np.int64)
        for key, slot in zip(keys.tolist(), slots.tolist(), strict=True):
            self.index[str(key)] = slot
        self.key[slots] = keys
        self.track_id[slots] = track_ids
        self.opened[slots] = self._opened + np.arange(n)
        self._opened += n
        f = self.floats
        f["first_seen"][slots] = first.t
        f["last_seen"][slots] = first.t
        f["lat"][slots], f["lon"][slots], f["alt"][slots] = first.lat, first.lon, first.alt
        for name in ("vel_e", "vel_n", "vel_u"):
            f[name][slots] = np.nan
        self.texts["identity"][slots] = first.identity
        for name in TEXTS[1:]:
            self.texts[name][slots] = ""
        self.transponder[slots] = False
        self.sensor_mask[slots] = 0
        return slots

    def close(self, slots: IntArray) -> list[Track]:
        """End the tracks of ``slots``: their last state, and the slots freed."""
        tracks = self.tracks(slots)
        for s in slots.tolist():
            del self.index[self.key[s]]
            self._more_sensors.pop(s, None)
            self._free.append(s)
        self.key[slots] = ""
        self.track_id[slots] = -1
        return tracks

    def write(self, slots: IntArray, state: ReportBatch, rows: IntArray) -> None:
        """Each slot's last state from row ``rows`` of ``state`` (one row per slot)."""
        f = self.floats
        f["last_seen"][slots] = state.t[rows]
        for name in ("lat", "lon", "alt", "vel_e", "vel_n", "vel_u"):
            f[name][slots] = getattr(state, name)[rows]
        for name in TEXTS[1:]:
            self.texts[name][slots] = getattr(state, name)[rows]
        self.transponder[slots] |= state.transponder[rows].astype(bool)
        named = self.texts["identity"][slots] != ""
        self.texts["identity"][slots[~named]] = state.identity[rows[~named]]

    def add_sensors(self, slots: IntArray, sensors: ObjArray) -> None:
        """Note that ``sensors`` (one per slot, repeats allowed) reported the tracks."""
        names, inverse = factorize(np.asarray(sensors, dtype=object))
        bits = np.array([self._bit(str(n)) for n in names], dtype=np.int64)[inverse]
        in_mask = bits < _MASK_BITS
        np.bitwise_or.at(
            self.sensor_mask,
            slots[in_mask],
            np.left_shift(np.uint64(1), bits[in_mask].astype(np.uint64)),
        )
        for s, b in zip(slots[~in_mask].tolist(), bits[~in_mask].tolist(), strict=True):
            self._more_sensors.setdefault(s, set()).add(self._sensor_names[b])

    def track(self, slot: int) -> Track:
        """The track of a live slot, as an object."""
        return self.tracks(np.array([slot], dtype=np.int64))[0]

    def tracks(self, slots: IntArray) -> list[Track]:
        """The tracks of live slots, as objects: columns converted once (``tolist``),
        each distinct sensor mask decoded once (the live picture asks for every track
        on every publish)."""
        f = {name: col[slots].tolist() for name, col in self.floats.items()}
        x = {name: col[slots].tolist() for name, col in self.texts.items()}
        ids, keys = self.track_id[slots].tolist(), self.key[slots].tolist()
        transponder, masks = self.transponder[slots].tolist(), self.sensor_mask[slots].tolist()
        named: dict[int, frozenset[str]] = {}
        for mask in set(masks):
            bits = self._sensor_names[:_MASK_BITS]
            named[mask] = frozenset(n for b, n in enumerate(bits) if mask >> b & 1)
        more = self._more_sensors
        return [
            Track(
                track_id=ids[i],
                identity=x["identity"][i],
                first_seen=f["first_seen"][i],
                last_seen=f["last_seen"][i],
                lat=f["lat"][i],
                lon=f["lon"][i],
                alt=f["alt"][i],
                vel_e=f["vel_e"][i],
                vel_n=f["vel_n"][i],
                vel_u=f["vel_u"][i],
                callsign=x["callsign"][i],
                squawk=x["squawk"][i],
                category=x["category"][i],
                transponder=transponder[i],
                sensors=set(named[masks[i]]) | more.get(slot, set()),
                key=keys[i],
                quality=math.nan,
            )
            for i, slot in enumerate(slots.tolist())
        ]

    def silent(self, slots: IntArray, before: FloatArray) -> BoolArray:
        """Whether each slot's last report is older than ``before`` (per slot)."""
        return self.floats["last_seen"][slots] < before

    def _bit(self, name: str) -> int:
        bit = self._sensor_bit.get(name)
        if bit is None:
            bit = self._sensor_bit[name] = len(self._sensor_names)
            self._sensor_names.append(name)
        return bit

    def _grow(self) -> None:
        old = self.capacity
        new = 2 * old

        def grown(col: np.ndarray, fill: object) -> np.ndarray:
            out = np.full(new, fill, dtype=col.dtype)
            out[:old] = col
            return out

        self.key = grown(self.key, "")
        self.track_id = grown(self.track_id, -1)
        self.opened = grown(self.opened, 0)
        self.floats = {k: grown(v, np.nan) for k, v in self.floats.items()}
        self.texts = {k: grown(v, "") for k, v in self.texts.items()}
        self.transponder = grown(self.transponder, False)
        self.sensor_mask = grown(self.sensor_mask, 0)
        self._free = list(range(new - 1, old - 1, -1)) + self._free


class TrackView(Mapping[str, Track]):
    """The live keyed tracks by key, read only; a :class:`Track` is built per lookup."""

    def __init__(self, table: KeyedTable) -> None:
        self._table = table

    def __getitem__(self, key: str) -> Track:
        return self._table.track(self._table.index[key])

    def __contains__(self, key: object) -> bool:
        return key in self._table.index

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._table.index))

    def __len__(self) -> int:
        return len(self._table.index)
