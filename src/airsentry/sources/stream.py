"""The incremental decoding contract of byte-stream formats (Beast, raw AVR).

A live feed delivers bytes in arbitrary pieces: a TCP read can end in the middle of a
frame. A :class:`StreamDecoder` takes those pieces as they come and returns the
reports of every *complete* frame, keeping the incomplete tail for the next call::

    decoder = BeastStream(sensor="beast:radar1")
    while data := sock.recv(65536):
        batch = decoder.feed(data, quarantine)    # complete frames only
        ...
    batch = decoder.flush(quarantine)             # end of stream: tail is rejected

Rules every implementation keeps:

* ``feed`` never raises on bad bytes; malformed frames go to ``quarantine`` with a
  :class:`~airsentry.errors.DecodeError` whose ``source`` is the decoder's ``name``
  and whose ``line`` is the byte offset of the frame in the stream (0-based, counted
  over every byte fed since the decoder was made) or, for line formats, the 1-based
  line number;
* per-aircraft state (CPR pairs, carried callsign, ...) lives in the decoder, so one
  decoder serves one feed for its whole life; after a reconnect call ``resync``
  (drops the partial tail, keeps the aircraft state, so no position is lost);
* ``flush`` rejects an incomplete tail and returns what it still holds;
* batches are in arrival order, times are epoch seconds UTC.

The file sources (``BeastSource``, ``RawSource``) are built on the same decoders by
:func:`read_stream`, so replay and live share one code path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from airsentry.errors import DecodeError
from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine


class StreamDecoder(Protocol):
    """Decodes a byte stream incrementally into report batches."""

    name: str  # the ``source`` of quarantine records: file path or feed name

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        """Decode the complete frames of ``data`` (after any tail kept from before)."""
        ...

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        """End of stream: reject an incomplete tail and return what remains."""
        ...

    def resync(self, quarantine: Quarantine | None = None) -> None:
        """Drop the partial tail (the stream was cut), keeping the aircraft state.

        The dropped bytes are rejected into ``quarantine`` when one is given.
        """
        ...


def read_stream(
    decoder: StreamDecoder, path: Path, quarantine: Quarantine, block_bytes: int = 1 << 20
) -> Iterator[ReportBatch]:
    """Feed a file to ``decoder`` block by block and yield the non-empty batches."""
    try:
        with path.open("rb") as fh:
            while data := fh.read(block_bytes):
                batch = decoder.feed(data, quarantine)
                if len(batch):
                    yield batch
    except OSError as exc:
        quarantine.reject(DecodeError(f"file unreadable: {exc}", source=str(path)), b"")
    batch = decoder.flush(quarantine)
    if len(batch):
        yield batch
