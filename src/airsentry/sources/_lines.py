"""Complete lines of a byte stream that arrives in pieces, numbered from 1.

Line formats decoded object by object (detections, Remote ID) share this: each piece
gives the lines it completes (cut after each ``\\n``, as a file's ``readlines`` cuts
them); the incomplete tail waits for the next piece, is given as a last line at the
end of the stream, or is rejected when the stream breaks.
"""

from __future__ import annotations

from airsentry.errors import DecodeError
from airsentry.sources.base import Quarantine


class Lines:
    """The line buffer of one stream; ``source`` names it in quarantine records."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.line = 1  # number of the first line not yet given out
        self._tail = b""

    def take(self, data: bytes) -> tuple[int, list[bytes]]:
        """The lines ``data`` completes, and the number of the first."""
        buf = self._tail + data
        cut = buf.rfind(b"\n") + 1
        self._tail = buf[cut:]
        return self._give(buf[:cut].split(b"\n")[:-1])

    def rest(self) -> tuple[int, list[bytes]]:
        """End of stream: the tail as a last line (none if empty)."""
        tail, self._tail = self._tail, b""
        return self._give([tail] if tail else [])

    def cut(self, quarantine: Quarantine) -> None:
        """The stream broke: reject and drop the partial line."""
        if self._tail:
            err = DecodeError("stream cut inside a line", source=self.source, line=self.line)
            quarantine.reject(err, self._tail)
            self.line += 1
        self._tail = b""

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
