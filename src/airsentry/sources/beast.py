"""Mode-S Beast binary (port 30005 of dump1090 / readsb), live and recorded.

Each frame is ``0x1a``, a type byte, a 6-byte big-endian 12 MHz counter, one signal
byte and the Mode S message; any ``0x1a`` inside a frame is sent twice::

    0x1a '1'  ticks(6) signal(1) Mode A/C(2)      -> counted, no position
    0x1a '2'  ticks(6) signal(1) Mode S short(7)
    0x1a '3'  ticks(6) signal(1) Mode S long(14)
    0x1a '4'  ticks(6) status(1+14)               -> receiver status, counted
    0x1a 0xe3 receiver id(8)                      -> readsb receiver id, counted

Decoding a chunk is array work: runs of ``0x1a`` are found with NumPy (in a run of
``k`` bytes, an odd ``k`` ends in a frame marker and the rest are escaped pairs), the
escape bytes are dropped in one mask, and the frames are gathered into a matrix with
one fancy index. Only rejected bytes meet a Python loop, to word their reasons.

Time: see :mod:`airsentry.sources.modes.timing`. A recording needs the wall time of
tick 0: pass ``start=`` (an aware datetime or ISO 8601 text), or put it in a companion file
``<recording>.start`` (e.g. ``sample.bin.start`` holding ``2024-07-06T06:43:09Z``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

from airsentry.errors import ConfigError, DecodeError
from airsentry.model import ReportBatch, parse_time, to_epoch
from airsentry.sources.base import Quarantine, register
from airsentry.sources.modes import ModeSDecoder
from airsentry.sources.modes import fields as fl
from airsentry.sources.modes.timing import TickClock

ESC = 0x1A
SIZE = np.full(256, -1, dtype=np.int64)  # payload bytes after the type byte
SIZE[[0x31, 0x32, 0x33, 0x34, 0xE3]] = [9, 14, 21, 21, 8]
MAX_RUN = 64  # longest run of 0x1a kept: more than a frame's 21 escaped bytes and a marker
_SKIPPED = {
    0x31: "Beast Mode A/C frame (no position)",
    0x34: "Beast status frame",
    0xE3: "Beast receiver id frame",
}


@register("beast")
class BeastStream:
    """Incremental Beast decoder (the :class:`~airsentry.sources.base.Decoder` of "beast").

    ``source`` names the feed or file in quarantine records, whose ``line`` is the byte
    offset of the frame in the stream. ``start`` is the wall time of counter tick 0;
    for a ``recording`` without ``start`` it is read from ``<recording>.start``, and a
    recording is never timed by the wall clock. A live feed without ``start`` anchors
    the counter to ``clock`` (see :mod:`~airsentry.sources.modes.timing`). ``receiver``
    is the receiver's (lat, lon), used to place surface positions.
    """

    def __init__(
        self,
        *,
        source: str = "beast",
        recording: Path | None = None,
        sensor: str = "beast",
        start: datetime | str | None = None,
        clock: Callable[[], float] | None = time.time,
        receiver: tuple[float, float] | None = None,
    ) -> None:
        if isinstance(start, str):
            start = parse_time(start)
        if recording is not None:
            start, clock = start or recording_start(recording), None
        self.name = source
        self.decoder = ModeSDecoder(sensor=sensor, receiver=receiver)
        self.clock = TickClock(to_epoch(start) if start is not None else None, clock)
        self._tail = b""
        self._offset = 0  # stream offset of the first byte of the tail

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        buf = self._tail + data
        a = np.frombuffer(buf, dtype=np.uint8)
        # A run of 0x1a touching the end may still grow: keep it for the next call.
        other = np.flatnonzero(a != ESC)
        cut = int(other[-1]) + 1 if len(other) else 0
        keep_from = self._parse(a[:cut], quarantine, cut)
        run = len(a) - cut
        if run > MAX_RUN:
            # No frame holds this many 0x1a (a frame's payload is at most 21 escaped
            # bytes, then one marker): reject all but the last MAX_RUN bytes of the run,
            # an even number so that the run's parity (does it end in a marker?) stays.
            drop = cut + (run - MAX_RUN) - (run - MAX_RUN) % 2
            reason = "run of 0x1a longer than any Beast frame"
            self._junk(a, keep_from, drop, reason, quarantine)
            keep_from = drop
        self._tail = buf[keep_from:]
        self._offset += keep_from
        return self._batch

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        self.resync(quarantine)
        return ReportBatch.empty()

    def resync(self, quarantine: Quarantine) -> None:
        if self._tail:
            err = DecodeError("stream ended inside a frame", source=self.name, line=self._offset)
            quarantine.reject(err, self._tail)
        self._offset += len(self._tail)
        self._tail = b""

    def _parse(self, a: np.ndarray, q: Quarantine, cut: int) -> int:
        """Decode the complete frames of ``a``; return where the kept tail begins."""
        self._batch = ReportBatch.empty()
        esc = a == ESC
        edges = np.diff(np.r_[0, esc.view(np.int8), 0])
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        run_len = np.zeros(len(a), dtype=np.int64)
        run_pos = np.zeros(len(a), dtype=np.int64)
        if len(starts):
            lengths = ends - starts
            run_len[esc] = np.repeat(lengths, lengths)
            run_pos[esc] = np.arange(int(esc.sum())) - np.repeat(
                np.cumsum(lengths) - lengths, lengths
            )
        marker = esc & (run_len % 2 == 1) & (run_pos == run_len - 1)
        drop = esc & (run_pos % 2 == 0) & ~marker
        kept = np.flatnonzero(~drop)  # raw index of each unescaped byte
        u = a[kept]
        upos = np.cumsum(~drop) - 1
        m = upos[np.flatnonzero(marker)]  # markers, as positions in u
        raw_m = kept[m]
        if len(m) == 0:
            self._junk(a, 0, len(a), "bytes without a Beast frame marker", q)
            return cut
        self._junk(a, 0, int(raw_m[0]), "bytes before the first Beast frame marker", q)
        typ = np.where(m + 1 < len(u), u[np.minimum(m + 1, len(u) - 1)], 0).astype(np.int64)
        size = SIZE[typ]
        end = m + 2 + size
        nxt = np.r_[m[1:], len(u)]
        last_incomplete = size[-1] >= 0 and end[-1] > len(u)
        keep_from = int(raw_m[-1]) if last_incomplete else cut
        whole = np.ones(len(m), dtype=np.bool_)
        if last_incomplete:
            whole[-1] = False
        raw_next = np.r_[raw_m[1:], len(a)]
        for i in np.flatnonzero(whole & (size < 0)):
            self._junk(
                a, int(raw_m[i]), int(raw_next[i]), f"unknown Beast frame type 0x{typ[i]:02x}", q
            )
        for i in np.flatnonzero(whole & (size >= 0) & (end > nxt)):
            self._junk(a, int(raw_m[i]), int(raw_next[i]), "Beast frame cut short by a marker", q)
        good = whole & (size >= 0) & (end <= nxt)
        for i in np.flatnonzero(good & (end < nxt)):
            self._junk(a, int(kept[end[i]]), int(raw_next[i]), "bytes between Beast frames", q)
        for code, reason in _SKIPPED.items():
            q.skip(reason, int((good & (typ == code)).sum()))
        modes = good & ((typ == 0x32) | (typ == 0x33))
        s = m[modes]
        if len(s):
            idx = np.minimum(s[:, None] + 2 + np.arange(21), len(u) - 1)
            g = u[idx]
            long = typ[modes] == 0x33
            frames = g[:, 7:21].copy()
            frames[~long, 7:] = 0
            t = self.clock.times(fl._be(g[:, 0:6]))
            offsets = self._offset + raw_m[modes]
            self._batch = self.decoder.decode(frames, long, t, offsets, q, self.name)
        return keep_from

    def _junk(self, a: np.ndarray, lo: int, hi: int, reason: str, q: Quarantine) -> None:
        if hi > lo:
            err = DecodeError(reason, source=self.name, line=self._offset + lo)
            q.reject(err, a[lo:hi].tobytes())


def recording_start(path: Path) -> datetime:
    """The wall time of tick 0 from the ``<path>.start`` companion file."""
    companion = path.with_name(path.name + ".start")
    try:
        return parse_time(companion.read_text(encoding="utf-8"))
    except OSError:
        raise ConfigError(
            "start", f"{path}: no start time; pass start= or write it to {companion.name}"
        ) from None
    except ValueError as exc:
        raise ConfigError("start", f"{companion}: {exc}") from None
