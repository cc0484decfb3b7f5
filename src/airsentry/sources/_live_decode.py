"""Incremental decoders for live feeds: bytes in as they arrive, report batches out.

A live transport delivers bytes in arbitrary pieces (a TCP read can end in the middle of
a line or a frame). A :class:`StreamDecoder` keeps the incomplete tail for the next
piece, and the per-aircraft state (carried callsigns, CPR pairs) across pieces:

- ``feed(data, quarantine)`` decodes every complete record in ``data`` (plus what was
  kept from before) and returns their reports;
- ``flush(quarantine)`` ends the current byte stream: the incomplete tail is decoded if
  it can be, rejected otherwise, and dropped. A live feed calls it when a connection
  ends, so that half a frame from a dead connection is never glued to the first bytes
  of the next one.

:func:`stream_decoder` finds the decoder of a format: the incremental decoders that
follow :mod:`airsentry.sources.stream` (Beast, raw AVR), or the adapters here:
:class:`SbsLineDecoder` (SBS text), :class:`AsterixDatagrams` (ASTERIX over UDP),
:class:`AircraftJsonPolls` (polled ``aircraft.json``, repeats dropped) and
:class:`DocumentDecoder` (any other registered format, one whole document at a time).
Decoders that have ``resync`` (the stream contract) drop a dead connection's partial
tail with it and keep their aircraft state (:func:`resync`).
"""

from __future__ import annotations

import importlib
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from airsentry.errors import ConfigError, DecodeError
from airsentry.model import ReportBatch
from airsentry.sources._carry import Carry
from airsentry.sources.base import Quarantine, formats, get_source
from airsentry.sources.sbs import _CARRIED, SbsSource

_SUFFIX = {"opensky": ".csv", "sbs": ".sbs"}
"""File name endings that formats read from documents expect (default ``.json``)."""


class StreamDecoder(Protocol):
    """Decodes one format from bytes that arrive in pieces (see the module docstring)."""

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch: ...

    def flush(self, quarantine: Quarantine) -> ReportBatch: ...


class SbsLineDecoder:
    """SBS-1 (BaseStation) text as it streams from port 30003, line by line.

    Whole lines are decoded in blocks by :class:`~airsentry.sources.sbs.SbsSource`
    (vectorised), with one carry of callsign, altitude and velocity for the life of the
    decoder, so that a position after a reconnection still gets its aircraft's callsign.
    ``source`` names the feed in quarantine records; ``options`` go to ``SbsSource``.
    """

    def __init__(self, source: str = "sbs", **options: Any) -> None:
        self._sbs = SbsSource(**options)
        self._carry = Carry(dict(_CARRIED))
        self._tail = b""
        self._line = 1
        self.source = source

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        buf = self._tail + data
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._tail = buf
            if len(buf) > self._sbs.max_line_bytes:
                self._reject_tail(quarantine, f"line longer than {self._sbs.max_line_bytes} bytes")
            return ReportBatch.empty()
        block, self._tail = buf[:cut], buf[cut + 1 :]
        return self._decode(block, quarantine)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        """Decode a last line without its newline (a complete SBS line stands alone)."""
        tail, self._tail = self._tail, b""
        if not tail.strip():
            return ReportBatch.empty()
        return self._decode(tail, quarantine)

    def _decode(self, block: bytes, quarantine: Quarantine) -> ReportBatch:
        first = self._line
        self._line += block.count(b"\n") + 1
        return self._sbs._decode(block, first, self._carry, self.source, quarantine)

    def _reject_tail(self, quarantine: Quarantine, reason: str) -> None:
        err = DecodeError(reason, source=self.source, line=self._line)
        quarantine.reject(err, self._tail[:256])
        self._tail = b""
        self._line += 1


class DocumentDecoder:
    """A file format whose pieces are whole documents (one HTTP response, one datagram).

    Each ``feed`` is one complete document, decoded by the format's registered file
    source through a temporary file; nothing is kept between documents. Used for formats
    that have no incremental decoder, such as a polled ``aircraft.json``. ``suffix`` is
    the file name ending the source expects (``.csv`` for OpenSky CSV); the other
    ``options`` set the source's attributes of the same names.
    """

    def __init__(self, fmt: str, source: str = "", *, suffix: str = "", **options: Any) -> None:
        self._source: Any = get_source(fmt)
        self.suffix = suffix or _SUFFIX.get(fmt, ".json")
        for key, value in options.items():
            if not hasattr(self._source, key):
                raise ConfigError(f"options.{key}", f"format {fmt!r} has no option {key!r}")
            setattr(self._source, key, value)
        self.fmt = fmt
        self.source = source or fmt

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        if not data:
            return ReportBatch.empty()
        with tempfile.TemporaryDirectory(prefix="airsentry-doc-") as folder:
            path = Path(folder) / f"{self.source}{self.suffix}"
            path.write_bytes(data)
            return ReportBatch.concat(list(self._source.read(path, quarantine)))

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        return ReportBatch.empty()


class AsterixDatagrams:
    """ASTERIX over UDP: each ``feed`` is one datagram, timed by its arrival (``clock``).

    ``options`` go to :class:`~airsentry.sources.asterix.AsterixSource` (``radars`` and
    ``system_refs`` may be given as mappings of ``{lat, lon, alt}``, as YAML has them).
    Service messages (CAT034, CAT065) accumulate in ``self.asterix.status``.
    """

    def __init__(
        self, source: str = "asterix", clock: Callable[[], float] = time.time, **options: Any
    ) -> None:
        from airsentry.sources.asterix import AsterixSource, Site

        for key in ("radars", "system_refs"):
            value = options.get(key)
            if isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values()):
                options[key] = {name: Site(**site) for name, site in value.items()}
        self.asterix = AsterixSource(**options)
        self.source = source
        self.clock = clock

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        if not data:
            return ReportBatch.empty()
        return self.asterix.decode_datagram(
            data, received=self.clock(), quarantine=quarantine, source=self.source
        )

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        return ReportBatch.empty()


class AircraftJsonPolls:
    """readsb/dump1090 ``aircraft.json`` polled over HTTP: one snapshot per ``feed``.

    A snapshot lists every aircraft the receiver knows, with the age of its last position
    (``seen_pos``); polled every second, most entries repeat the position of the poll
    before. Only positions newer (by more than ``repeat_s``) than the last one taken
    from the same aircraft are passed on, so the pipeline sees each position once.
    """

    def __init__(self, source: str = "aircraft_json", *, repeat_s: float = 0.05) -> None:
        from airsentry.sources.readsb import decode_aircraft_json

        self._decode = decode_aircraft_json
        self.source = source
        self.repeat_s = repeat_s
        self._ids = np.empty(0, dtype=object)  # sorted identities
        self._last = np.empty(0)  # time of the last position passed on, per identity

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        if not data.strip():
            return ReportBatch.empty()
        batch = self._decode(data, self.source, quarantine)
        if not len(batch):
            return batch
        ids = batch.identity.astype(str)
        at = np.minimum(np.searchsorted(self._ids.astype(str), ids), max(len(self._ids) - 1, 0))
        known = len(self._ids) > 0
        seen = (self._ids[at] == batch.identity) if known else np.zeros(len(ids), np.bool_)
        before = np.where(seen, self._last[at] if known else 0.0, -np.inf)
        fresh = batch.t > before + self.repeat_s
        quarantine.skip("aircraft.json position already seen", int((~fresh).sum()))
        batch = batch.take(fresh)
        every = np.concatenate([self._ids, batch.identity])
        times = np.concatenate([self._last, batch.t])
        order = np.lexsort((times, every.astype(str)))
        every, times = every[order], times[order]
        last = np.r_[every[1:] != every[:-1], True] if len(every) else np.zeros(0, np.bool_)
        self._ids, self._last = every[last], times[last]
        return batch

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        return ReportBatch.empty()


_STREAMS = {
    "beast": ("airsentry.sources.beast", "BeastStream"),
    "raw": ("airsentry.sources.raw", "RawStream"),
}
"""Byte-stream formats with an incremental decoder of :mod:`airsentry.sources.stream`:
format -> (module, class); the class takes ``name=`` and ``sensor=`` (the feed's name)."""


def stream_decoder(fmt: str, source: str, options: dict[str, Any]) -> StreamDecoder:
    """The incremental decoder of format ``fmt`` for the feed named ``source``.

    Raises :class:`ConfigError` naming ``format`` when no decoder knows the format, or
    ``options`` when the decoder refuses them.
    """
    try:
        if fmt in _STREAMS:
            module, cls = _STREAMS[fmt]
            factory = getattr(importlib.import_module(module), cls)
            made: StreamDecoder = factory(name=source, sensor=source, **options)
            return made
        if fmt == "asterix":
            return AsterixDatagrams(source, **options)
        if fmt == "aircraft_json":
            return AircraftJsonPolls(source, **options)
        if fmt == "sbs":
            return SbsLineDecoder(source, **options)
        if fmt in formats():
            return DocumentDecoder(fmt, source, **options)
    except TypeError as exc:  # an option the decoder does not take
        raise ConfigError("options", f"format {fmt!r}: {exc}") from None
    raise ConfigError("format", f"no live decoder for format {fmt!r}; known: {formats()}")


def resync(decoder: StreamDecoder, quarantine: Quarantine) -> ReportBatch:
    """A connection ended: drop the decoder's partial tail, keep its aircraft state.

    Decoders of :mod:`airsentry.sources.stream` have ``resync`` (the tail is counted in
    ``quarantine``); the others end their stream with ``flush``.
    """
    method = getattr(decoder, "resync", None)
    if method is None:
        return decoder.flush(quarantine)
    try:
        method(quarantine)
    except TypeError:  # resync() without a quarantine, as the protocol allows
        method()
    return ReportBatch.empty()
