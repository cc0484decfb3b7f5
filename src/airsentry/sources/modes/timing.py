"""Wall-clock times of the 12 MHz receiver counter (Beast and ``@``/``<`` AVR frames).

dump1090, readsb and the Mode-S Beast stamp each frame with a free-running 48-bit
counter of 12 MHz ticks, not with the time of day. A frame's time is therefore
``anchor + ticks / 12e6`` where the anchor is the epoch time of tick 0:

* from ``start`` (the wall time of tick 0 of the recording, e.g. ``--start`` or the
  ``<file>.start`` companion the Beast file source reads), or
* for a live feed without ``start``, from the ``clock`` at the first frame (the first
  frame is taken as "now").

The counter wraps after 2**48 ticks (271 days): a step from the last hour of the
range to its first hour adds one period. A step backwards of more than
``reset_s`` seconds means the receiver restarted its counter: the true gap is
unknown, so the new segment is placed to continue right after the last frame (for
a live feed, at the clock's now if that is later). Small steps backwards (frames a
receiver emits slightly out of order) are kept as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from airsentry.sources.modes.fields import F64, U64

TICKS_PER_S = 12e6
PERIOD = float(1 << 48)


@dataclass
class TickClock:
    """Turns 12 MHz counters into epoch seconds, keeping continuity across chunks."""

    start: float | None = None  # epoch seconds of tick 0; None: anchor on the clock
    clock: Callable[[], float] | None = None
    reset_s: float = 1.0
    _anchor: float | None = None
    _last_ticks: float | None = None
    _last_t: float | None = None

    def times(self, ticks: U64) -> F64:
        """Epoch seconds of each counter value (in arrival order)."""
        raw = ticks.astype(np.float64)
        if len(raw) == 0:
            return raw
        if self._anchor is None:
            if self.start is not None:
                self._anchor = self.start
            else:
                now = self.clock() if self.clock is not None else 0.0
                self._anchor = now - raw[0] / TICKS_PER_S
        prev = np.r_[raw[0] if self._last_ticks is None else self._last_ticks, raw[:-1]]
        step = raw - prev
        wrap = (prev > PERIOD - 3600 * TICKS_PER_S) & (raw < 3600 * TICKS_PER_S) & (step < 0)
        reset = (step < -self.reset_s * TICKS_PER_S) & ~wrap
        jump = np.where(wrap, PERIOD, 0.0) + np.where(reset, -step, 0.0)
        t = self._anchor + (raw + np.cumsum(jump)) / TICKS_PER_S
        if reset.any() and self.start is None and self.clock is not None:
            # Live feed: a restarted receiver's frames are placed no earlier than now.
            first = int(np.flatnonzero(reset)[-1])
            late = max(0.0, self.clock() - t[first])
            t[first:] += late
            jump[first] += late * TICKS_PER_S
        self._anchor += float(np.sum(jump)) / TICKS_PER_S
        self._last_ticks = float(raw[-1])
        self._last_t = float(t[-1])
        out: F64 = t
        return out
