"""The decoder contract, the registry of formats, the file reader, and the quarantine.

Every wire format has one :class:`Decoder`, registered under the format's name so that
the command line and configuration files can name it. Recordings are read by
:func:`read_file`, live feeds by :mod:`airsentry.sources.live`, through the same
decoder. A decoder never raises on a bad record: it hands the record, with a
:class:`DecodeError` naming the place and the reason, to the :class:`Quarantine`.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import pkgutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

import pyarrow as pa

from airsentry.errors import ConfigError, DecodeError, InputError, UnknownFormatError
from airsentry.model import ReportBatch
from airsentry.sources._ranges import in_range

MAX_RAW = 4096
"""Bytes (or characters) of a rejected record kept in the quarantine; a longer record
is cut there, and its full length given as ``raw_len``."""


MAX_REASONS = 1000
OTHER_REASONS = "other reasons (over 1000 distinct)"


def printable(text: str, limit: int = 160) -> str:
    """``text`` safe for a terminal and a log: control and undecodable characters
    escaped, at most ``limit`` characters (a reason may quote bytes of a binary file)."""
    out = "".join(
        c if c.isprintable() and c != "\ufffd" else c.encode("unicode_escape").decode("ascii")
        for c in text[: limit + 1]
    )
    return out if len(out) <= limit else out[: limit - 1] + "…"


class Quarantine:
    """Keeps rejected input aside, counted by reason and written with its bytes.

    Each rejected record becomes one JSON line: source, line (or record number),
    reason and the raw record (text as is; bytes as base64; the first ``MAX_RAW``).
    Lines are flushed as they are written, so nothing rejected is lost if the process
    dies. Without a path the records are still counted and kept in memory (``records``).
    """

    def __init__(self, path: str | Path | None = None, *, keep_in_memory: int = 10_000) -> None:
        self.path = Path(path) if path is not None else None
        self._fh: IO[str] | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        self.by_reason: Counter[str] = Counter()
        self.by_source: Counter[str] = Counter()
        self.records: list[dict[str, object]] = []
        self.skipped: Counter[str] = Counter()
        self._keep = keep_in_memory

    @property
    def count(self) -> int:
        return sum(self.by_reason.values())

    def reject(self, error: InputError, raw: str | bytes) -> None:
        """Count and keep one rejected record."""
        reason = printable(error.reason)
        if reason not in self.by_reason and len(self.by_reason) >= MAX_REASONS:
            reason = OTHER_REASONS  # a distinct reason per record must not grow without end
        record: dict[str, object] = {
            "source": error.source,
            "line": error.line,
            "reason": reason,
            "error": type(error).__name__,
        }
        if len(raw) > MAX_RAW:  # a run of garbage must not fill the disk
            record["raw_len"] = len(raw)
            raw = raw[:MAX_RAW]
        if isinstance(raw, bytes):
            record["raw_b64"] = base64.b64encode(raw).decode("ascii")
        else:
            record["raw"] = raw
        self.by_reason[reason] += 1
        self.by_source[error.source] += 1
        if len(self.records) < self._keep:
            self.records.append(record)
        if self._fh is not None:
            self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._fh.flush()

    def skip(self, reason: str, n: int = 1) -> None:
        """Count well-formed records that carry nothing usable (e.g. no position yet).

        They are not errors, so they are not written out, but they are counted so
        that nothing leaves the pipeline unaccounted for.
        """
        if n:
            self.skipped[reason] += n

    def summary(self) -> str:
        parts = []
        if self.count:
            top = ", ".join(f"{r} ({n})" for r, n in self.by_reason.most_common(5))
            where = f"; kept in {self.path}" if self.path else ""
            parts.append(f"{self.count} input records rejected: {top}{where}")
        else:
            parts.append("no input rejected")
        if self.skipped:
            parts.append(
                "skipped without error: "
                + ", ".join(f"{r} ({n})" for r, n in self.skipped.most_common(5))
            )
        return "; ".join(parts)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> Quarantine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Decoder(Protocol):
    """Decodes one format incrementally: bytes in as they come, report batches out.

    The one contract of every format, for recordings (:func:`read_file`) and live feeds
    (:mod:`airsentry.sources.live`) alike. Byte-stream and line formats decode every
    complete frame or line of each ``feed`` and keep the incomplete tail; document
    formats (a JSON snapshot, a CSV or Parquet table, a packet capture) keep what they
    are fed and decode the whole document on ``flush``, from memory; a format that can
    read a recording in bounded pieces (tables, ASTERIX, report files) also has
    ``read_path(path, quarantine, block_bytes) -> Iterator[ReportBatch]``, which
    :func:`read_file` prefers, with the same reports and rejects. Per-aircraft state
    (CPR pairs, carried callsigns, remembered Remote ID serials) lives in the decoder
    for its whole life, across ``flush`` and ``resync``.

    Nothing raises on bad input: every malformed record goes to the quarantine with a
    :class:`~airsentry.errors.DecodeError` naming the place (``source``: the file or the
    feed; ``line``: the 1-based line or record number, or a byte offset for binary
    streams) and the reason; valid records without a position are counted as skipped.
    """

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        """Take the next bytes; return the reports of what they complete."""
        ...

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        """End of a byte stream or document: decode the tail if complete, else reject it."""
        ...

    def resync(self, quarantine: Quarantine) -> None:
        """The stream broke: reject and drop the partial tail, keep per-aircraft state."""
        ...


class Guarded:
    """A decoder from which nothing escapes and nothing out of range passes.

    Every batch goes through the shared range check (:func:`~airsentry.sources._ranges.
    in_range`). A decoder that raises anyway (a bug the format's own checks missed) does
    not end the run: the piece it was given is rejected, naming the exception, and the
    stream is resynchronised. :func:`read_file` and the live feeds use it, so a
    recording and a live feed of the same bytes give the same reports and rejects.
    """

    def __init__(self, inner: Decoder, source: str) -> None:
        self.inner = inner
        self.source = source

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        try:
            batch = self.inner.feed(data, quarantine)
        except Exception as exc:
            return self._failed(exc, data, quarantine)
        return in_range(batch, self.source, quarantine)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        try:
            batch = self.inner.flush(quarantine)
        except Exception as exc:
            return self._failed(exc, b"", quarantine)
        return in_range(batch, self.source, quarantine)

    def read_path(
        self, path: Path, quarantine: Quarantine, block_bytes: int
    ) -> Iterator[ReportBatch] | None:
        """The batches of the inner decoder's own file reader (None if it has none),
        guarded as ``feed`` is; the file must open (checked by the caller). The reader
        reads at most ``block_bytes`` (or its own smaller block) at a time."""
        reader = getattr(self.inner, "read_path", None)
        if reader is None:
            return None
        return self._guard(reader(path, quarantine, block_bytes), quarantine)

    def _guard(
        self, batches: Iterator[ReportBatch], quarantine: Quarantine
    ) -> Iterator[ReportBatch]:
        try:
            for batch in batches:
                yield in_range(batch, self.source, quarantine)
        except Exception as exc:
            self._failed(exc, b"", quarantine)

    def resync(self, quarantine: Quarantine) -> None:
        try:
            self.inner.resync(quarantine)
        except Exception as exc:
            self._failed(exc, b"", quarantine, resync=False)

    def _failed(
        self, exc: Exception, data: bytes, quarantine: Quarantine, *, resync: bool = True
    ) -> ReportBatch:
        reason = f"decoder failed: {type(exc).__name__}: {exc}"[:300]
        quarantine.reject(DecodeError(reason, source=self.source), data)
        if resync:
            self.resync(quarantine)
        return ReportBatch.empty()


DecoderFactory = Callable[..., Decoder]
"""Makes a format's decoder from keyword options. Every factory takes ``source`` (the
name in quarantine records: the file or the feed) and ``recording`` (the file being
read, None for a live feed: only a live decoder may stamp untimed data with the wall
clock, and a recording's decoder may read companion files such as ``<file>.start``),
then its own format options (Beast ``start``, ASTERIX ``date`` ...)."""

F = TypeVar("F", bound=DecoderFactory)
_REGISTRY: dict[str, DecoderFactory] = {}


def register(name: str) -> Callable[[F], F]:
    """Decorator: make a decoder factory (usually the decoder class) a format name's."""

    def deco(factory: F) -> F:
        if name in _REGISTRY:
            raise ValueError(f"format {name!r} registered twice")
        _REGISTRY[name] = factory
        return factory

    return deco


def decoder_factory(name: str) -> DecoderFactory:
    """The factory of a format; raises UnknownFormatError listing the known formats.

    The module named like the format is tried first (most are), so that a command
    reading one format does not import every decoder at start-up (0.1-0.2 CPU-s)."""
    if name not in _REGISTRY:
        _load_builtin(name)
    if name not in _REGISTRY:
        _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownFormatError(name, list(_REGISTRY)) from None


def decoder(name: str, /, **options: Any) -> Decoder:
    """A new decoder of format ``name`` (options as :data:`DecoderFactory` says).

    An option the format does not take raises :class:`ConfigError` naming it
    (``options.<name>``), before the factory runs.
    """
    factory = decoder_factory(name)
    known = inspect.signature(factory).parameters
    for key in options:
        if key not in known:
            raise ConfigError(f"options.{key}", f"format {name!r} has no option {key!r}")
    return factory(**options)


def formats() -> list[str]:
    """The registered format names, sorted."""
    _load_builtin()
    return sorted(_REGISTRY)


def read_file(
    path: str | Path,
    fmt: str,
    quarantine: Quarantine,
    *,
    block_bytes: int = 1 << 20,
    **options: Any,
) -> Iterator[ReportBatch]:
    """Decode a recorded file of format ``fmt``: its non-empty batches, in file order.

    The file's bytes (gzip-decompressed when the name ends in ``.gz``) are streamed into
    the format's decoder ``block_bytes`` at a time, then flushed. A format whose
    decoder reads files itself (``read_path``: tables read in bounded blocks or row
    groups) reads it that way, with the same reports and rejects, so that no format
    holds a whole recording: memory does not grow with the file's length. Quarantine
    records name the file. An unreadable file is rejected with the reason, and its
    partial tail dropped (``resync``); ``options`` go to the decoder.
    """
    where = Path(path)
    dec = Guarded(decoder(fmt, source=str(where), recording=where, **options), str(where))
    try:
        with pa.input_stream(str(where), compression="detect") as stream:
            own = dec.read_path(where, quarantine, block_bytes)
            while own is None and (data := stream.read(block_bytes)):
                batch = dec.feed(data, quarantine)
                if len(batch):
                    yield batch
    except (OSError, pa.ArrowException) as exc:
        quarantine.reject(DecodeError(f"file unreadable: {exc}", source=str(where)), b"")
        dec.resync(quarantine)
        return
    if own is not None:
        for batch in own:
            if len(batch):
                yield batch
        return
    batch = dec.flush(quarantine)
    if len(batch):
        yield batch


def _load_builtin(only: str | None = None) -> None:
    """Import every format module of this package (or only the one named ``only``, if
    there is one), which runs its ``@register``.

    A new format is a new module here; nothing else needs to name it. Modules whose name
    starts with ``_`` are helpers, and ``base`` is this contract.
    """
    import airsentry.sources as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        if only is None or info.name == only:
            importlib.import_module(f"{package.__name__}.{info.name}")
