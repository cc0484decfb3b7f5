"""Complete lines of a byte stream that arrives in pieces, numbered from 1.

Line formats decoded object by object (detections, Remote ID) share this: each piece
gives the lines it completes (cut after each ``\\n``, as a file's ``readlines`` cuts
them); the incomplete tail waits for the next piece, is given as a last line at the
end of the stream, or is rejected when the stream breaks.
"""

from __future__ import annotations

from airsentry.errors import DecodeError
from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine

MAX_LINE = 1 << 20  # bytes: a longer line is rejected once and skipped to its end


class Lines:
    """The line buffer of one stream; ``source`` names it in quarantine records.

    What waits for its newline is bounded: a line longer than ``max_line`` bytes is
    rejected once (its first bytes kept as the raw record), then the stream is read up
    to the next newline without keeping anything, so garbage without newlines can
    neither grow the buffer nor be re-read on every piece.
    """

    def __init__(self, source: str, *, max_line: int = MAX_LINE) -> None:
        self.source = source
        self.max_line = max_line
        self.line = 1  # number of the first line not yet given out
        self._tail = b""
        self._discarding = False  # inside a line already rejected as too long

    @property
    def pending(self) -> int:
        """Bytes waiting for their newline."""
        return len(self._tail)

    def take(self, data: bytes, quarantine: Quarantine) -> tuple[int, list[bytes]]:
        """The lines ``data`` completes, and the number of the first."""
        first, block = self.take_block(data, quarantine)
        return first, block.split(b"\n")[:-1] if block else []

    def take_block(self, data: bytes, quarantine: Quarantine) -> tuple[int, bytes]:
        """The whole lines ``data`` completes as one block ending in ``\\n`` (or empty),
        and the number of its first line."""
        if self._discarding:
            nl = data.find(b"\n")
            if nl < 0:
                return self.line, b""
            data, self._discarding = data[nl + 1 :], False
            self.line += 1
        buf = self._tail + data
        cut = buf.rfind(b"\n") + 1
        block, self._tail = buf[:cut], buf[cut:]
        first = self.line
        self.line += block.count(b"\n")
        if len(self._tail) > self.max_line:
            reason = f"line longer than {self.max_line} bytes"
            quarantine.reject(
                DecodeError(reason, source=self.source, line=self.line), self._tail[:256]
            )
            self._tail, self._discarding = b"", True
        return first, block

    def rest(self) -> tuple[int, list[bytes]]:
        """End of stream: the tail as a last line (none if empty)."""
        tail, self._tail = self._tail, b""
        if self._discarding:  # already rejected
            self._discarding = False
            self.line += 1
        return self._give([tail] if tail else [])

    def cut(self, quarantine: Quarantine) -> None:
        """The stream broke: reject and drop the partial line."""
        if self._tail:
            err = DecodeError("stream cut inside a line", source=self.source, line=self.line)
            quarantine.reject(err, self._tail[:2000])
            self.line += 1
        elif self._discarding:
            self.line += 1
        self._tail, self._discarding = b"", False

    def _give(self, lines: list[bytes]) -> tuple[int, list[bytes]]:
        first = self.line
        self.line += len(lines)
        return first, lines


class Document:
    """The pieces of one whole document (a JSON snapshot, a table, a capture).

    A document format decodes nothing until the document ends (``flush``): the pieces
    are kept, joined once, and decoded from memory.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._parts: list[bytes] = []

    def add(self, data: bytes) -> None:
        if data:
            self._parts.append(data)

    def take(self) -> bytes:
        """The whole document; the buffer starts empty again."""
        doc, self._parts = b"".join(self._parts), []
        return doc

    def cut(self, quarantine: Quarantine) -> None:
        """The stream broke: reject and drop the partial document."""
        doc = self.take()
        if doc:
            err = DecodeError("stream cut inside a document", source=self.source)
            quarantine.reject(err, doc[:2000])


class DocumentDecoder:
    """The feed side of a document format: pieces are kept until ``flush`` decodes the
    whole document; a broken stream rejects the partial one. Subclasses set ``_doc``."""

    _doc: Document

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        self._doc.add(data)
        return ReportBatch.empty()

    def resync(self, quarantine: Quarantine) -> None:
        self._doc.cut(quarantine)
