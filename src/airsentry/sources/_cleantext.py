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

_LF, _CR, _QUOTE, _APOSTROPHE = 10, 13, 34, 39


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
            chunk = self._raw.read(self._block)
            self._eof = not chunk
            text = self._pending + self._decoder.decode(bytes(chunk), final=self._eof).encode()
            cut = len(text) if self._eof else _last_break(text)
            self._pending = text[cut:]
            self._out += self._guard(text[:cut])
        n = min(len(view), len(self._out))
        view[:n] = self._out[:n]
        del self._out[:n]
        return n

    def _guard(self, text: bytes) -> bytes:
        """Whole lines with unpaired quotes neutralised; count the lines passed."""
        a = np.frombuffer(text, dtype=np.uint8)
        lf = a == _LF
        brk = lf | ((a == _CR) & ~np.r_[lf[1:], False])  # \n, or \r not before \n
        first = self._line
        self._line += int(brk.sum())
        quote = a == _QUOTE
        if not quote.any():
            return text
        line_of = np.cumsum(brk) - brk  # a break belongs to the line it ends
        starts = np.r_[0, np.flatnonzero(brk) + 1]
        ends = np.r_[np.flatnonzero(brk), len(a)]
        # Lines with quotes are rare: check each one's quoting the way a CSV reader
        # would take it. A stray quote inside a field (``0","``) makes pyarrow join the
        # next line to this one, even when the line's quotes pair up.
        quoted = np.unique(line_of[quote])
        bad = [
            k
            for k in quoted.tolist()
            if not _well_quoted(text[starts[k] : ends[k]].removesuffix(b"\r"))
        ]
        odd = np.asarray(bad, dtype=np.int64)
        if not odd.size:
            return text
        for k in odd:  # rare: only the broken lines
            line = text[starts[k] : ends[k]].removesuffix(b"\r")
            self.unbalanced[first + int(k)] = line.decode("utf-8")
        fixed = a.copy()
        fixed[quote & np.isin(line_of, odd)] = _APOSTROPHE
        return fixed.tobytes()

    def close(self) -> None:
        self._raw.close()
        super().close()


def _well_quoted(line: bytes) -> bool:
    """True when every quote is proper CSV quoting: a field either has no quote, or is
    wholly quoted (it may then hold commas, and quotes doubled)."""
    i, n = 0, len(line)
    while True:  # at the start of a field
        if i < n and line[i] == _QUOTE:
            i += 1
            while True:
                j = line.find(b'"', i)
                if j < 0:
                    return False  # never closed
                if line[j + 1 : j + 2] == b'"':
                    i = j + 2  # a doubled quote inside
                    continue
                i = j + 1
                break
            if i == n:
                return True
            if line[i] != ord(","):
                return False  # text after the closing quote
            i += 1
            continue
        j = line.find(b",", i)
        field = line[i:] if j < 0 else line[i:j]
        if b'"' in field:
            return False  # a quote inside an unquoted field
        if j < 0:
            return True
        i = j + 1


def _last_break(text: bytes) -> int:
    """Where the last complete line ends (a trailing ``\\r`` may still get its ``\\n``)."""
    end = max(text.rfind(b"\n"), text.rfind(b"\r", 0, len(text) - 1))
    return end + 1
