"""The exception tree of airsentry.

Every error airsentry raises on purpose derives from :class:`AirsentryError`, so a
caller can catch the whole family at once, or a specific branch it can act on::

    AirsentryError
    ├── InputError                 bad input data; carries where it was and why
    │   ├── DecodeError            one record of a wire format could not be decoded
    │   ├── ZoneDefinitionError    a user zone (GeoJSON) is malformed
    │   └── ScenarioError          a scenario file is malformed
    ├── ConfigError                a configuration value is out of range or unknown
    ├── UnknownFormatError         no source is registered under that name
    ├── StoreError                 the incident store cannot be opened or written
    └── NotFound                   a named thing (an incident, a user) does not exist

Subclasses keep their details as attributes, not just in the message, so that
quarantine files and API responses can report them field by field.
"""

from __future__ import annotations


class AirsentryError(Exception):
    """Root of every error airsentry raises deliberately."""


class InputError(AirsentryError, ValueError):
    """Bad input: names the place (``source``, ``line``) and the ``reason``."""

    def __init__(self, reason: str, *, source: str = "", line: int | None = None) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        where = source
        if line is not None:
            where = f"{source}:{line}" if source else f"line {line}"
        super().__init__(f"{where}: {reason}" if where else reason)


class DecodeError(InputError):
    """One record (row, line, frame) of a wire format could not be decoded."""


class ZoneDefinitionError(InputError):
    """A user-supplied zone is malformed (geometry, kind, window, limits)."""


class ScenarioError(InputError):
    """A scenario file is malformed."""


class ConfigError(AirsentryError, ValueError):
    """A configuration value is unknown or out of range."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


class UnknownFormatError(AirsentryError, KeyError):
    """No source is registered under the requested format name."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown format {name!r}; known formats: {', '.join(sorted(known))}")

    def __str__(self) -> str:
        return str(self.args[0])


class StoreError(AirsentryError):
    """The incident store cannot be opened or written."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class NotFound(AirsentryError):
    """A named thing does not exist: ``kind`` says what was sought, ``key`` its name.

    Raised where a missing thing is the caller's mistake, not a bug (recording a
    decision on an incident that is not in the store); the API answers it with 404.
    Deliberately not a ``KeyError``: a stray ``KeyError`` is a bug and must not pass
    for a missing resource.
    """

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} {key!r}")
