"""Raw Mode S hex lines, "AVR" format (port 30002 of dump1090 / readsb), live and recorded.

One frame a line, in one of three forms (upper or lower case hex, ``\\r\\n`` or ``\\n``)::

    *8D4CA1D358C3A6A1B8A06E0E8F06;                  frame only
    @0000A7C3F2118D4CA1D358C3A6A1B8A06E0E8F06;      12 hex digits of 12 MHz ticks, frame
    <0000A7C3F211C48D4CA1D358C3A6A1B8A06E0E8F06;    ticks, 2 hex digits of signal, frame

Frames are 14 (short) or 28 (long) hex digits. ``@``/``<`` times come from the tick
counter as for Beast (:mod:`airsentry.sources.modes.timing`, wall time of tick 0 from
``start`` or the ``<file>.start`` companion). ``*`` lines carry no time at all: a live
feed stamps them with the clock when they are fed; in a recording they take the time
of the latest timed frame before them (or ``start``), so a file of ``*`` lines only is
decoded as if heard at one instant (positions still pair, over the whole file).

Lines are cut and checked as arrays (the hex digits of all lines go through one
lookup table; lines of one form and length are gathered with one fancy index).
Line numbers are 1-based, counted over the whole stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

from airsentry.errors import DecodeError
from airsentry.model import ReportBatch, parse_time, to_epoch
from airsentry.sources._lines import Lines
from airsentry.sources.base import Quarantine, register
from airsentry.sources.beast import recording_start
from airsentry.sources.modes import ModeSDecoder
from airsentry.sources.modes import fields as fl
from airsentry.sources.modes.timing import TickClock

NIBBLE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    NIBBLE[_c] = _i
    NIBBLE[bytes([_c]).upper()[0]] = _i
PREFIX = {ord("*"): 0, ord("@"): 12, ord("<"): 14}
MAX_LINE = 200


@register("raw")
class RawStream:
    """Incremental AVR decoder (the :class:`~airsentry.sources.base.Decoder` of "raw").

    Options as for Beast (:class:`~airsentry.sources.beast.BeastStream`); ``start`` is
    needed only for ``@``/``<`` lines, and a ``recording`` without it reads
    ``<recording>.start`` when that file exists.
    """

    def __init__(
        self,
        *,
        source: str = "raw",
        recording: Path | None = None,
        sensor: str = "raw",
        start: datetime | str | None = None,
        clock: Callable[[], float] | None = time.time,
        receiver: tuple[float, float] | None = None,
    ) -> None:
        if isinstance(start, str):
            start = parse_time(start)
        if recording is not None:
            clock = None
            if start is None and recording.with_name(recording.name + ".start").exists():
                start = recording_start(recording)
        self.name = source
        self.decoder = ModeSDecoder(sensor=sensor, receiver=receiver)
        self.start = to_epoch(start) if start is not None else None
        self.wall = clock
        self.ticks = TickClock(self.start, clock)
        # No newline within MAX_LINE bytes: not this format; rejected once, skipped.
        self._lines = Lines(source, max_line=MAX_LINE)
        self._last_t = self.start

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        first, block = self._lines.take_block(data, quarantine)
        return self._block(block, first, quarantine)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        first, rest = self._lines.rest()
        return self._block(rest[0] + b"\n" if rest else b"", first, quarantine)

    def resync(self, quarantine: Quarantine) -> None:
        self._lines.cut(quarantine)

    def _block(self, block: bytes, first: int, quarantine: Quarantine) -> ReportBatch:
        if not block:
            return ReportBatch.empty()
        a = np.frombuffer(block, dtype=np.uint8)
        return self._decode(a, np.flatnonzero(a == 0x0A), first, quarantine)

    def _decode(self, a: np.ndarray, nl: np.ndarray, first: int, q: Quarantine) -> ReportBatch:
        start = np.r_[0, nl[:-1] + 1]
        end = nl.copy()
        end = np.where((end > start) & (a[np.maximum(end - 1, 0)] == 0x0D), end - 1, end)
        length = end - start
        blank = length == 0
        q.skip("blank line", int(blank.sum()))
        head = a[np.minimum(start, len(a) - 1)].astype(np.int64)
        semi = a[np.maximum(end - 1, 0)] == ord(";")
        pre = np.full(len(start), -1, dtype=np.int64)
        for ch, width in PREFIX.items():
            pre[head == ch] = width
        hexlen = length - 2 - pre
        bad_hex = np.cumsum(np.r_[0, NIBBLE[a] == 255])
        inner_bad = bad_hex[np.maximum(end - 1, start)] - bad_hex[np.minimum(start + 1, end)]
        reasons: list[tuple[np.ndarray, str]] = [
            (pre < 0, "line does not start with '*', '@' or '<'"),
            (~semi, "line does not end with ';'"),
            ((hexlen != 14) & (hexlen != 28), "frame is not 14 or 28 hex digits"),
            (inner_bad > 0, "not hexadecimal"),
        ]
        bad = np.zeros(len(start), dtype=np.bool_)
        for mask, reason in reasons:
            new = mask & ~bad & ~blank
            for i in np.flatnonzero(new):  # rejected lines only
                err = DecodeError(reason, source=self.name, line=first + int(i))
                q.reject(err, _text(a[start[i] : end[i]].tobytes()))
            bad |= new
        good = np.flatnonzero(~bad & ~blank)
        if not len(good):
            return ReportBatch.empty()
        n = len(good)
        frames = np.zeros((n, 14), dtype=np.uint8)
        long = hexlen[good] == 28
        ticks = np.zeros(n, dtype=np.uint64)
        timed = pre[good] > 0
        for width in (0, 12, 14):
            for digits in (14, 28):
                sel = (pre[good] == width) & (hexlen[good] == digits)
                if not sel.any():
                    continue
                s = start[good[sel]] + 1
                frames[sel, : digits // 2] = _hexbytes(a, s + width, digits)
                if width:
                    ticks[sel] = fl._be(_hexbytes(a, s, 12))
        t = np.full(n, np.nan)
        if timed.any() and (self.start is not None or self.wall is not None):
            t[timed] = self.ticks.times(ticks[timed])
        untimed = ~timed
        if untimed.any():
            if self.wall is not None and self.start is None:
                t[untimed] = self.wall()
            else:
                idx = np.maximum.accumulate(np.where(timed, np.arange(n), -1))
                fallback = self._last_t if self._last_t is not None else np.nan
                t = np.where(untimed, np.where(idx >= 0, t[np.maximum(idx, 0)], fallback), t)
        ok = ~np.isnan(t)
        for i in np.flatnonzero(~ok):
            err = DecodeError(
                "no time: pass start= for a recording", source=self.name, line=first + int(good[i])
            )
            q.reject(err, _text(a[start[good[i]] : end[good[i]]].tobytes()))
        if timed.any():
            self._last_t = float(t[timed][-1])
        offsets = first + good[ok]
        return self.decoder.decode(frames[ok], long[ok], t[ok], offsets, q, self.name)


def _hexbytes(a: np.ndarray, start: np.ndarray, digits: int) -> np.ndarray:
    nib = NIBBLE[a[start[:, None] + np.arange(digits)]]
    out: np.ndarray = ((nib[:, 0::2] << 4) | nib[:, 1::2]).astype(np.uint8)
    return out


def _text(raw: bytes) -> str | bytes:
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return raw
