"""One way to name an output: a URL, the same on every command and in the deployment YAML.

``--output URL`` (repeatable) and the ``outputs:`` list of the deployment file are both
read by :func:`parse_output`, which checks everything a URL says before anything
connects and raises :class:`~airsentry.errors.ConfigError` naming the key
(``--output`` or ``outputs[2]``) with the reason in one line.

===============================================  ==========================================
``cot+tcp://host:port``, ``cot+udp://host:port``  Cursor on Target to a TAK server or client
``cot+tls://host:port?cert=&key=&ca=``            the same over TLS with client certificates
``mqtt://host:port/prefix``, ``mqtts://…``        MQTT topics ``prefix/tracks`` and so on
``http://…``, ``https://…``                       signed webhooks (Standard Webhooks)
``file:PATH.jsonl|.geojson|.kml``                 a file of the run's incidents
===============================================  ==========================================

Options common to all (query parameters): ``tracks=0`` switches the track stream off,
``rate=S`` sends each track at most every ``S`` seconds of event time (default 5),
``queue=N`` bounds the track-level queue (default 1000; what overflows is counted),
``drain=S`` is how long the end of a run waits for pending messages (default 10).
CoT also takes ``proto=1`` (TAK protocol v1) and ``stale=S``; MQTT ``qos`` for the
track stream (0 or 1), ``username``, ``password_env``; webhooks ``secret_env`` (the name
of the environment variable holding the ``whsec_…`` secret) and ``timeout``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from airsentry.errors import ConfigError

SCHEMES = ("cot+tcp", "cot+udp", "cot+tls", "mqtt", "mqtts", "http", "https", "file")
FILE_SUFFIXES = (".jsonl", ".geojson", ".kml")
_COMMON = ("tracks", "rate", "queue", "drain")
_OPTIONS: dict[str, tuple[str, ...]] = {
    "cot+tcp": ("proto", "stale"),
    "cot+udp": ("proto", "stale"),
    "cot+tls": ("proto", "stale", "cert", "key", "ca", "password_env"),
    "mqtt": ("qos", "username", "password_env", "client_id"),
    "mqtts": ("qos", "username", "password_env", "client_id", "cert", "key", "ca"),
    "http": ("secret_env", "timeout"),
    "https": ("secret_env", "timeout", "ca"),
    "file": (),
}
_DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883, "http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """A checked output URL.

    ``name`` identifies the output in the outbox and the metrics: the URL without its
    query (which may name secrets' variables and certificates, never secrets).
    """

    url: str
    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""
    options: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.url.split("?", 1)[0]

    @property
    def tracks(self) -> bool:
        return self.options.get("tracks", "1") not in ("0", "false", "no")

    @property
    def rate_s(self) -> float:
        return float(self.options.get("rate", "5"))

    @property
    def drain_s(self) -> float:
        """How long the end of a run waits for pending messages (they stay queued after)."""
        return float(self.options.get("drain", "10"))

    @property
    def queue(self) -> int:
        return int(self.options.get("queue", "1000"))

    def flag(self, key: str) -> bool:
        return self.options.get(key, "0") in ("1", "true", "yes")


def _number(value: str, key: str, what: str, *, whole: bool = False) -> float:
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        raise ConfigError(
            key, f"{what}: expected a {'whole ' if whole else ''}number, got {value!r}"
        ) from None
    if not number > 0:
        raise ConfigError(key, f"{what}: expected a positive number, got {value!r}")
    return number


def parse_output(text: object, key: str = "--output") -> OutputSpec:
    """Check one output URL; raise ConfigError(key, reason) when it is not usable."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(key, f"expected an output URL, got {text!r}")
    text = text.strip()
    if text.startswith("file:"):
        rest = text[len("file:") :]
        path = rest[2:] if rest.startswith("//") else rest
        if not path:
            raise ConfigError(key, "file: needs a path, e.g. file:incidents.geojson")
        if Path(path).suffix.lower() not in FILE_SUFFIXES:
            raise ConfigError(
                key, f"file:{path}: expected a name ending in {', '.join(FILE_SUFFIXES)}"
            )
        return OutputSpec(text, "file", path=path)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ConfigError(
            key, f"{text!r}: unknown scheme {parts.scheme or '(none)'!r}; expected one of "
            f"{', '.join(SCHEMES)}"
        )  # fmt: skip
    if not parts.hostname:
        raise ConfigError(key, f"{text!r}: no host")
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        raise ConfigError(key, f"{text!r}: the port is not a number from 0 to 65535") from None
    if not port:
        raise ConfigError(key, f"{text!r}: {scheme} needs a port (host:port)")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    allowed = (*_COMMON, *_OPTIONS[scheme])
    for name in options:
        if name not in allowed:
            raise ConfigError(
                key, f"{text!r}: unknown option {name!r}; known here: {', '.join(allowed)}"
            )
    if "rate" in options:
        _number(options["rate"], key, "rate")
    if "queue" in options:
        _number(options["queue"], key, "queue", whole=True)
    if "drain" in options:
        _number(options["drain"], key, "drain")
    if "stale" in options:
        _number(options["stale"], key, "stale")
    if "timeout" in options:
        _number(options["timeout"], key, "timeout")
    if options.get("qos", "0") not in ("0", "1"):
        raise ConfigError(key, f"{text!r}: qos must be 0 or 1")
    if options.get("proto", "0") not in ("0", "1"):
        raise ConfigError(key, f"{text!r}: proto must be 0 (XML) or 1 (TAK protocol v1)")
    for name in ("cert", "key", "ca"):
        if name in options and not Path(options[name]).is_file():
            raise ConfigError(key, f"{text!r}: {name}={options[name]} is not a file")
    if scheme == "cot+tls" and not {"cert", "key"} <= options.keys():
        raise ConfigError(key, f"{text!r}: cot+tls needs cert= and key= (client certificate)")
    for name in ("secret_env", "password_env"):
        if name in options and options[name] not in os.environ:
            raise ConfigError(key, f"{text!r}: environment variable {options[name]} is not set")
    path = parts.path
    if scheme.startswith("mqtt"):
        path = path.strip("/") or "airsentry"
    return OutputSpec(text, scheme, parts.hostname, int(port), path, options)
