"""The track log's storage form: each track's sampled states as columnar chunks.

One row of ``track_chunks`` holds the states one write sampled for one track (at
most :data:`CHUNK_SPAN_S` of event time: a chunk never crosses a multiple of it):
the numbers packed as little-endian records (:data:`RECORD`: slot, time, position,
altitude, speed, heading, violator; NaN where a value is unknown) and the text
(identity, callsign, class) as JSON runs ``[[first state, identity, callsign,
class], ...]``, a run starting wherever one of them changes. A replay writes one
row per track per batch instead of one per state (a tenth to a fiftieth of the rows,
each packed by NumPy), and a read unpacks only the chunks that overlap its period.

Kept apart from :mod:`airsentry.incidents.tracklog` (the reads and writes) so that
the schema's migration from the row-per-state table (:func:`from_state_rows`) needs
no database code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

CHUNK_SPAN_S = 600.0
"""Longest event time one chunk covers; reads look this far before their period."""

RECORD = np.dtype(
    [
        ("slot", "<i8"),
        ("t", "<f8"),
        ("lat", "<f8"),
        ("lon", "<f8"),
        ("alt_m", "<f8"),
        ("speed_mps", "<f8"),
        ("heading_deg", "<f8"),
        ("violator", "u1"),
    ]
)
"""One sampled state as stored (NaN: unknown, SQL NULL in the row-per-state form)."""

ChunkRow = tuple[int, float, float, int, bytes, str]
"""``track_chunks`` parameters: track_id, t0, t1, n, states, texts."""


@dataclass(frozen=True, slots=True)
class States:
    """Sampled states as columns, sorted by track then time (one row per state)."""

    track_id: npt.NDArray[np.int64]
    slot: npt.NDArray[np.int64]
    t: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    alt_m: npt.NDArray[np.float64]
    speed_mps: npt.NDArray[np.float64]
    heading_deg: npt.NDArray[np.float64]
    violator: npt.NDArray[np.int64]
    identity: npt.NDArray[np.object_]
    callsign: npt.NDArray[np.object_]
    target_class: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.t)


def records(s: States) -> tuple[np.ndarray, np.ndarray]:
    """``s``'s numbers as packed records, and where each chunk starts (a new track or a
    new :data:`CHUNK_SPAN_S` window) as a boolean per state."""
    rec = np.empty(len(s), dtype=RECORD)
    for name in ("slot", "t", "lat", "lon", "alt_m", "speed_mps", "heading_deg"):
        rec[name] = getattr(s, name)
    rec["violator"] = s.violator
    window = np.floor(s.t / CHUNK_SPAN_S)
    cut = np.r_[True, (s.track_id[1:] != s.track_id[:-1]) | (window[1:] != window[:-1])]
    return rec, cut


def pack(s: States) -> list[ChunkRow]:
    """The chunk rows of ``s``: one per track and :data:`CHUNK_SPAN_S` window."""
    n = len(s)
    if not n:
        return []
    rec, cut = records(s)
    starts = np.flatnonzero(cut)
    ends = np.r_[starts[1:], n]
    texts = (s.identity, s.callsign, s.target_class)
    changed = cut.copy()
    for col in texts:
        changed[1:] |= col[1:] != col[:-1]
    runs = np.flatnonzero(changed)
    run_chunk = np.searchsorted(starts, runs, side="right") - 1
    # each run as its JSON text ``[at,"identity","callsign","class"]``, built by column
    # (each distinct text encoded once); a chunk's text is its runs joined
    # (object arrays of str: ``+`` concatenates them element by element in NumPy's loop)
    pieces = "[" + (runs - starts[run_chunk]).astype(str).astype(object)
    for col in texts:
        pieces = pieces + "," + _json_strings(col[runs])
    run_texts = (pieces + "]").tolist()
    first_run = np.r_[np.flatnonzero(np.r_[True, run_chunk[1:] != run_chunk[:-1]]), len(runs)]
    blob = rec.tobytes()
    size = RECORD.itemsize
    return [
        (tid, t0, t1, b - a, blob[a * size : b * size], f"[{','.join(run_texts[r0:r1])}]")
        for tid, t0, t1, a, b, r0, r1 in zip(
            s.track_id[starts].tolist(),
            s.t[starts].tolist(),
            s.t[ends - 1].tolist(),
            starts.tolist(),
            ends.tolist(),
            first_run[:-1].tolist(),
            first_run[1:].tolist(),
            strict=True,
        )
    ]


def _json_strings(col: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Each ``str`` of ``col`` as JSON text (as :func:`json.dumps` writes it), each
    distinct value encoded once."""
    values, inverse = np.unique(col, return_inverse=True)
    encoded = np.empty(len(values), dtype=object)
    encoded[:] = [json.dumps(v) for v in values.tolist()]
    out: npt.NDArray[np.object_] = encoded[inverse.reshape(-1)]
    return out


def unpack(states: bytes, texts: str) -> tuple[npt.NDArray[Any], list[tuple[str, str, str]]]:
    """A chunk's records and the (identity, callsign, class) of each of them."""
    rec = np.frombuffer(bytes(states), dtype=RECORD)
    runs = json.loads(texts)
    labels: list[tuple[str, str, str]] = []
    for k, (at, identity, callsign, cls) in enumerate(runs):
        end = runs[k + 1][0] if k + 1 < len(runs) else len(rec)
        labels += [(identity, callsign, cls)] * (end - at)
    return rec, labels


def rows_of(
    found: Sequence[tuple[int, bytes, str]], since: float, until: float
) -> Iterator[tuple[Any, ...]]:
    """The states of chunks ``(track_id, states, texts)`` sampled in [since, until], in
    the row-per-state order: slot, track_id, t, lat, lon, alt_m, speed_mps,
    heading_deg, identity, callsign, class, violator (None where unknown)."""
    for tid, states, texts in found:
        rec, labels = unpack(states, texts)
        keep = np.flatnonzero((rec["t"] >= since) & (rec["t"] <= until))
        for i in keep.tolist():
            r = rec[i]
            yield (
                int(r["slot"]),
                int(tid),
                float(r["t"]),
                float(r["lat"]),
                float(r["lon"]),
                _none(r["alt_m"]),
                _none(r["speed_mps"]),
                _none(r["heading_deg"]),
                *labels[i],
                int(r["violator"]),
            )


def _none(x: Any) -> float | None:
    v = float(x)
    return None if np.isnan(v) else v


def states_of_rows(rows: Sequence[Sequence[Any]]) -> States:
    """:class:`States` of row-per-state tuples (slot, track_id, t, lat, lon, alt_m,
    speed_mps, heading_deg, identity, callsign, class, violator), sorted."""
    rows = sorted(rows, key=lambda r: (r[1], r[2]))

    def num(i: int) -> npt.NDArray[np.float64]:
        return np.array([np.nan if r[i] is None else r[i] for r in rows], dtype=np.float64)

    def text(i: int) -> npt.NDArray[np.object_]:
        return np.array([str(r[i]) for r in rows], dtype=object)

    return States(
        track_id=np.array([r[1] for r in rows], dtype=np.int64),
        slot=np.array([r[0] for r in rows], dtype=np.int64),
        t=num(2),
        lat=num(3),
        lon=num(4),
        alt_m=num(5),
        speed_mps=num(6),
        heading_deg=num(7),
        violator=np.array([int(r[11]) for r in rows], dtype=np.int64),
        identity=text(8),
        callsign=text(9),
        target_class=text(10),
    )
