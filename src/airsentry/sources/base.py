"""The contract of a source, the registry of formats, and the quarantine.

A source decodes one wire format into :class:`~airsentry.model.ReportBatch` chunks. It
never raises on a bad record: it hands the record, with a :class:`DecodeError` naming
the place and the reason, to the :class:`Quarantine`, and goes on. Sources register
under a format name so that the command line and configuration files can name them.
"""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, ClassVar, Protocol, TypeVar

from airsentry.errors import InputError, UnknownFormatError
from airsentry.model import ReportBatch


class Quarantine:
    """Keeps rejected input aside, counted by reason and written with its bytes.

    Each rejected record becomes one JSON line: source, line (or record number),
    reason and the raw record (text as is; bytes as base64). Lines are flushed as they
    are written, so nothing rejected is lost if the process dies. Without a path the
    records are still counted and kept in memory (``records``).
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
        record: dict[str, object] = {
            "source": error.source,
            "line": error.line,
            "reason": error.reason,
            "error": type(error).__name__,
        }
        if isinstance(raw, bytes):
            record["raw_b64"] = base64.b64encode(raw).decode("ascii")
        else:
            record["raw"] = raw
        self.by_reason[error.reason] += 1
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


class Source(Protocol):
    """Decodes one recorded format into report batches, in file order."""

    name: ClassVar[str]

    def read(self, path: Path, quarantine: Quarantine) -> Iterator[ReportBatch]:
        """Yield batches of accepted reports; hand every bad record to ``quarantine``."""
        ...


S = TypeVar("S", bound=type)
_REGISTRY: dict[str, Callable[[], Source]] = {}


def register(name: str) -> Callable[[S], S]:
    """Class decorator: make a source available under a format name."""

    def deco(cls: S) -> S:
        if name in _REGISTRY:
            raise ValueError(f"format {name!r} registered twice")
        _REGISTRY[name] = cls
        return cls

    return deco


def get_source(name: str) -> Source:
    """A new source for a format name; raises UnknownFormatError listing the known ones."""
    _load_builtin()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise UnknownFormatError(name, list(_REGISTRY)) from None
    return factory()


def formats() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def _load_builtin() -> None:
    """Import every format module of this package, which runs its ``@register``.

    A new format is a new module here; nothing else needs to name it. Modules whose name
    starts with ``_`` are helpers, and ``base`` is this contract.
    """
    import airsentry.sources as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_") and info.name != "base":
            importlib.import_module(f"{package.__name__}.{info.name}")
