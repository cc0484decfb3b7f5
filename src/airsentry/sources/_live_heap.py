"""The heap's free pages given back to the kernel during a long live run.

A live run allocates and frees batch-sized arrays all day. glibc keeps freed chunks in
its heap for reuse; those in the middle of the heap (below a live chunk) are never
returned by itself, so the resident anonymous memory creeps up with fragmentation while
the memory in use stays flat (the soak: ~13 MB of free heap at 2 minutes, ~40 MB at 24).
``malloc_trim(0)`` hands the free pages anywhere in the heap back (``MADV_DONTNEED``);
the live runner calls it once a minute (milliseconds for a heap of this size). Where
the C library has no ``malloc_trim`` (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        fn = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    trim: Callable[[int], int] = fn
    return trim


class HeapTrim:
    """Calls ``malloc_trim(0)`` at most every ``every_s`` seconds (:meth:`maybe`)."""

    def __init__(self, every_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.every_s = every_s
        self.clock = clock
        self.trims = 0  # calls made
        self._fn = _malloc_trim()
        self._last = clock()

    @property
    def available(self) -> bool:
        return self._fn is not None

    def maybe(self) -> None:
        now = self.clock()
        if self._fn is None or now - self._last < self.every_s:
            return
        self._last = now
        self._fn(0)
        self.trims += 1
