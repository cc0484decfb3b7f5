"""A byte stream made safe for pyarrow's CSV reader, line for line.

pyarrow's reader has two ways to lose more than the one bad line it was given:

* it hands a row of the wrong width to its handler as ``str`` and fails the whole file
  when that row is not UTF-8;
* a quote left open on one line swallows the following lines into a single value.

:class:`CleanText` streams a file through, replacing invalid UTF-8 sequences with
U+FFFD and, on any line whose double quotes are not proper CSV quoting (unpaired, or a
quote inside a field), turning the quotes into apostrophes so that the line stays one
row. It remembers those lines (number and original text) in ``unbalanced`` so that
the reader can reject them for what they are.
Lines end with ``\\n``, ``\\r\\n`` or ``\\r``, as for pyarrow; line 1 is the first.
Valid UTF-8 with paired quotes passes unchanged, so line numbers are untouched.
"""

from __future__ import annotations

import codecs
import io
from typing import Any

import numpy as np

_LF, _CR, _QUOTE, _APOSTROPHE, _COMMA = 10, 13, 34, 39, 44


class CleanText(io.RawIOBase):
    """Readable bytes: ``raw`` (anything with ``read(n)``) cleaned as described above."""

    def __init__(self, raw: Any, block: int = 1 << 20) -> None:
        super().__init__()
        self._raw = raw
        self._block = block
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = b""  # text after the last line break read so far
        self._out = bytearray()
        self._eof = False
        self._line = 1  # number of the first line in ``_pending``
        self.unbalanced: dict[int, str] = {}

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while len(self._out) < len(view) and not self._eof:
            chunk = bytes(self._raw.read(self._block))
            self._eof = not chunk
            if not (chunk.isascii() and not self._decoder.getstate()[0]):
                chunk = self._decoder.decode(chunk, final=self._eof).encode()
            # else ASCII with no sequence pending: decoding would give it back unchanged
            text = self._pending + chunk
            cut = len(text) if self._eof else _last_break(text)
            self._pending = text[cut:]
            self._out += self._guard(text[:cut])
        n = min(len(view), len(self._out))
        with memoryview(self._out) as out:
            view[:n] = out[:n]
        del self._out[:n]
        return n

    def _guard(self, text: bytes) -> bytes:
        """Whole lines with unpaired quotes neutralised; count the lines passed.

        Per byte only comparisons run; a quote's line is found by bisecting the breaks
        (a cumulative sum over every byte of the block cost 40% of the cleaning)."""
        a = np.frombuffer(text, dtype=np.uint8)
        lf = a == _LF
        if b"\r" in text:  # a byte search: most feeds end lines with \n alone
            cr = a == _CR
            lf |= cr & ~np.r_[lf[1:], False]  # \n, or \r not before \n
        breaks = np.flatnonzero(lf)
        first = self._line
        self._line += len(breaks)
        q = np.flatnonzero(a == _QUOTE)
        if not q.size or _plainly_quoted(a, q, breaks):
            return text
        line = np.searchsorted(breaks, q)  # a break belongs to the line it ends
        starts = np.r_[0, breaks + 1]
        ends = np.r_[breaks, len(a)]
        odd = _badly_quoted(a, q, line, starts, ends)
        if not odd.size:
            return text
        for k in odd:  # rare: only the broken lines
            broken = text[starts[k] : ends[k]].removesuffix(b"\r")
            self.unbalanced[first + int(k)] = broken.decode("utf-8")
        fixed = a.copy()
        fixed[q[np.isin(line, odd)]] = _APOSTROPHE
        return fixed.tobytes()

    def close(self) -> None:
        self._raw.close()
        super().close()


_BOUNDARY = np.zeros(256, dtype=np.bool_)
_BOUNDARY[[_COMMA, _QUOTE, _LF, _CR]] = True  # what may stand next to a field's quote


def _plainly_quoted(a: np.ndarray, q: np.ndarray, breaks: np.ndarray) -> bool:
    """Whether the block's quotes, taken two by two (0-1, 2-3, ...), pair up on one
    line each, every first one right after a comma, a quote or a line start and every
    second one right before a comma, a quote or a line end: then every line is well
    quoted (its own count starts at one of the pairs), which is the common case, told
    in a few passes over half the quotes; otherwise :func:`_badly_quoted` decides.

    No pair holds a line break exactly when an even number of quotes comes before each
    break: one search per break, not per quote (a block of OpenSky state vectors has
    four quotes a line)."""
    if len(q) % 2:
        return False
    first, second = q[0::2], q[1::2]
    return bool(
        not (np.searchsorted(q, breaks) % 2).any()
        and _BOUNDARY[a[np.maximum(first - 1, 0)]].all()  # a[0] is the quote itself
        and _BOUNDARY[a[np.minimum(second + 1, len(a) - 1)]].all()
    )


def _badly_quoted(
    a: np.ndarray, q: np.ndarray, line: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """The lines (indices) whose quotes are not proper CSV quoting, for every line at once.

    A field either has no quote or is wholly quoted (it may then hold commas, and quotes
    doubled). Counting a line's quotes in order, an even-numbered one opens a quoted
    field and an odd-numbered one closes it (a doubled quote closes and reopens), so the
    line is well quoted when its quotes come in pairs, every opening quote starts a
    field (line start, after a comma, or right after a closing quote: a doubled quote)
    and every closing quote ends one (line end, before a comma, or before an opening
    quote). A stray quote inside a field (``0","``) would make pyarrow join the next
    line to this one, even when the line's quotes pair up.

    ``q`` are the quotes' positions in ``a`` (ascending), ``line`` their lines; work is
    per quote, never per byte.
    """
    first_of_line = np.r_[True, line[1:] != line[:-1]]
    group_start = np.maximum.accumulate(np.where(first_of_line, np.arange(len(q)), 0))
    opening = (np.arange(len(q)) - group_start) % 2 == 0
    lo = starts[line]
    hi = ends[line]  # one past the line's last character, a trailing \r excluded
    hi = hi - ((hi > lo) & (a[np.maximum(hi - 1, 0)] == _CR))
    before = a[np.maximum(q - 1, 0)]
    after = a[np.minimum(q + 1, len(a) - 1)]
    opens_field = (q == lo) | (before == _COMMA) | (before == _QUOTE)
    ends_field = (q + 1 == hi) | (after == _COMMA) | (after == _QUOTE)
    wrong = np.where(opening, ~opens_field, ~ends_field)
    first = np.flatnonzero(first_of_line)  # ``line`` ascends: its runs are its lines
    lines = line[first]
    count = np.diff(np.r_[first, len(q)])
    wrong_any = np.logical_or.reduceat(wrong, first) if len(q) else np.zeros(0, dtype=bool)
    return np.asarray(lines[(count % 2 == 1) | wrong_any], dtype=np.int64)


def _last_break(text: bytes) -> int:
    """Where the last complete line ends (a trailing ``\\r`` may still get its ``\\n``)."""
    end = max(text.rfind(b"\n"), text.rfind(b"\r", 0, len(text) - 1))
    return end + 1
