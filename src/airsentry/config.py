"""The description of a deployment: which feeds, which zones, which rules, where records go.

A :class:`DeploymentConfig` is what the one builder (:mod:`airsentry.build`) turns into
a pipeline, whatever the command: ``run`` reads it from YAML, ``replay``, ``demo``,
``serve`` and ``evaluate`` from the equivalent command-line flags (and ``--config``).
It alone names the incident database, the audit log, the playbook and the tracker,
so every command agrees on them.

One YAML file (schema and examples in ``docs/configuration.md``) is read by
:func:`load_config` into a :class:`DeploymentConfig`. Every value is checked here, at
load time, so that a typo fails before anything connects: an error is a
:class:`~airsentry.errors.ConfigError` whose ``key`` is the dotted path of the faulty
value (``feeds[1].tcp.port``) and whose reason says what was expected. Relative paths
are read relative to the configuration file's folder.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from airsentry.errors import AirsentryError, ConfigError, UnknownFormatError
from airsentry.identify.registers import load_registers
from airsentry.outputs.urls import OutputSpec, parse_output
from airsentry.respond.playbook import load as load_playbook
from airsentry.sources.base import decoder
from airsentry.tracking.cooperative import CooperativeConfig
from airsentry.tracking.mtt import FusedConfig
from airsentry.watch.base import WatchConfig

if TYPE_CHECKING:  # the live machinery (asyncio) is imported only when feeds are parsed
    from airsentry.sources.live import Feed

TRANSPORTS = ("tcp", "udp", "http", "file")
_TOP = (
    "feeds", "db", "audit_log", "audit_key", "playbook", "tracker", "registers",
    "verify_cooperative", "quarantine", "events_out", "protect", "zones", "thresholds", "merge",
    "outputs",
)  # fmt: skip
TRACKERS = ("cooperative", "fused")

# Members as of 2025 (ISO 3166 alpha-3).
NATO = frozenset(
    {
        "ALB", "BEL", "BGR", "CAN", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
        "ISL", "ITA", "LVA", "LTU", "LUX", "MNE", "NLD", "MKD", "NOR", "POL", "PRT", "ROU",
        "SVK", "SVN", "ESP", "SWE", "TUR", "GBR", "USA", "HRV",
    }
)  # fmt: skip
EU = frozenset(
    {
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
        "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK",
        "SVN", "ESP", "SWE",
    }
)  # fmt: skip
DEFAULT_PROTECTED = NATO | EU
"""The states whose zones raise events unless a deployment says otherwise: a drone in
Belarus flying towards Poland is an *approach* to Poland, not a Belarusian incident."""


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """The tunables of the stages: tracker, watch, incident book, protected states, rules."""

    tracking: CooperativeConfig = field(default_factory=CooperativeConfig)
    # a FusedConfig: the fused tracker (the default: keyed reports by identity, anonymous
    # plots by multi-target tracking, one track per object); None: the cooperative
    # (identity-keyed) tracker only
    fused: FusedConfig | None = field(default_factory=FusedConfig)
    watch: WatchConfig = field(default_factory=WatchConfig)
    incident_gap_s: float = 3600.0
    protect: frozenset[str] | None = DEFAULT_PROTECTED  # None: every state in the catalogue
    playbook: Path | None = None  # rules-of-engagement YAML; None: the shipped default
    # clearances, drone permits and own forces (identify/registers.py), YAML files
    registers: tuple[Path, ...] = ()
    # a cooperative state aircraft a zone does not admit: "verify clearance", not a violation
    verify_cooperative: bool = True


_FEED = ("name", "format", "options", "reconnect", "silence_s", *TRANSPORTS)


@dataclass(frozen=True, slots=True)
class MergeConfig:
    window_s: float = 2.0  # reorder window, event seconds
    emit_every_s: float = 0.25  # how often merged reports go to the pipeline, wall seconds

    def __post_init__(self) -> None:
        if not self.window_s >= 0:
            raise ValueError(f"window_s must be >= 0, got {self.window_s}")
        if not self.emit_every_s > 0:
            raise ValueError(f"emit_every_s must be positive, got {self.emit_every_s}")


@dataclass(frozen=True, slots=True)
class DeploymentConfig:
    """Everything a command needs to build its pipeline; see ``docs/configuration.md``.

    ``feeds`` are the live feeds of ``airsentry run`` (none for a replay or the demo).
    """

    feeds: tuple[Feed, ...] = ()
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    merge: MergeConfig = field(default_factory=MergeConfig)
    db: Path | str | None = None  # a file or a postgresql:// URL; None: the default file
    audit_log: Path | None = None  # None: beside the database, <db name>.audit.jsonl
    audit_key: Path | None = None  # the audit log's key; None: <audit log>.key
    quarantine: Path | None = None
    events_out: Path | None = None
    default_zones: bool = True
    zone_files: tuple[Path, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()  # --output URLs (airsentry.outputs.urls)


def load_config(path: str | Path) -> DeploymentConfig:
    """Read and check a deployment file; raise ConfigError naming the faulty key."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"not valid YAML: {exc}") from None
    return parse_config(doc, base=path.parent)


def parse_config(doc: Any, base: Path = Path()) -> DeploymentConfig:
    """Check a parsed YAML document (see :func:`load_config`)."""
    top = _mapping(doc, "(top level)", _TOP)
    raw_feeds = top.get("feeds", [])  # a deployment for replays may have none
    if not isinstance(raw_feeds, list) or ("feeds" in top and not raw_feeds):
        raise ConfigError("feeds", "expected a non-empty list of feeds")
    feeds = tuple(_feed(item, f"feeds[{i}]", base) for i, item in enumerate(raw_feeds))
    seen: set[str] = set()
    for i, feed in enumerate(feeds):
        if feed.name in seen:
            raise ConfigError(f"feeds[{i}].name", f"{feed.name!r} is already used by another feed")
        seen.add(feed.name)
    zones = _mapping(top.get("zones", {}), "zones", ("default", "files"))
    files = zones.get("files", [])
    if not isinstance(files, list):
        raise ConfigError("zones.files", "expected a list of GeoJSON paths")
    zone_files = tuple(_path(f, f"zones.files[{i}]", base) for i, f in enumerate(files))
    default_zones = _bool(zones.get("default", True), "zones.default")
    if not default_zones and not zone_files:
        raise ConfigError("zones", "no zones to watch: keep zones.default or give zones.files")
    protect = _protect(top.get("protect", "default"), default_zones)
    merge = _dataclass(MergeConfig, top.get("merge", {}), "merge")
    tracker = top.get("tracker", "fused")
    if tracker not in TRACKERS:
        raise ConfigError("tracker", f"expected one of {', '.join(TRACKERS)}, got {tracker!r}")
    playbook = _optional_path(top.get("playbook"), "playbook", base)
    if playbook is not None:
        try:
            load_playbook(playbook)
        except AirsentryError as exc:
            raise ConfigError("playbook", str(exc)) from None
    registers = top.get("registers", [])
    if not isinstance(registers, list):
        raise ConfigError("registers", "expected a list of register YAML files")
    register_files = tuple(_path(f, f"registers[{i}]", base) for i, f in enumerate(registers))
    try:
        load_registers(register_files)
    except AirsentryError as exc:
        raise ConfigError("registers", str(exc)) from None
    pipeline = replace(
        _pipeline(top.get("thresholds", {}), protect),
        fused=FusedConfig() if tracker == "fused" else None,
        playbook=playbook,
        registers=register_files,
        verify_cooperative=_bool(top.get("verify_cooperative", True), "verify_cooperative"),
    )
    return DeploymentConfig(
        feeds=feeds,
        pipeline=pipeline,
        audit_log=_optional_path(top.get("audit_log"), "audit_log", base),
        audit_key=_optional_path(top.get("audit_key"), "audit_key", base),
        merge=merge,
        db=_db(top.get("db"), base),
        quarantine=_optional_path(top.get("quarantine"), "quarantine", base),
        events_out=_optional_path(top.get("events_out"), "events_out", base),
        default_zones=default_zones,
        zone_files=zone_files,
        outputs=_outputs(top.get("outputs", [])),
    )


def _outputs(raw: Any) -> tuple[OutputSpec, ...]:
    if not isinstance(raw, list):
        raise ConfigError("outputs", "expected a list of output URLs")
    return tuple(parse_output(url, f"outputs[{i}]") for i, url in enumerate(raw))


def _feed(item: Any, key: str, base: Path) -> Feed:
    from airsentry.sources.live import Backoff, Feed, FileTail, HttpPoller, TcpClient, UdpReceiver

    spec = _mapping(item, key, _FEED)
    name = _text(spec.get("name"), f"{key}.name")
    fmt = _text(spec.get("format"), f"{key}.format")
    given = [t for t in TRANSPORTS if t in spec]
    if len(given) != 1:
        raise ConfigError(key, f"give exactly one transport of {', '.join(TRANSPORTS)}")
    kind = given[0]
    where = f"{key}.{kind}"
    body = dict(_mapping(spec[kind], where, None))
    if kind == "file" and "path" in body:
        body["path"] = _path(body["path"], f"{where}.path", base)
    cls = {"tcp": TcpClient, "udp": UdpReceiver, "http": HttpPoller, "file": FileTail}[kind]
    transport = _dataclass(cls, body, where)
    options = dict(_mapping(spec.get("options", {}), f"{key}.options", None))
    try:
        decoder(fmt, source=name, **options)
    except UnknownFormatError as exc:
        raise ConfigError(f"{key}.format", f"no live decoder: {exc}") from None
    except ConfigError as exc:
        sub = exc.key if exc.key.startswith(("format", "options")) else f"options.{exc.key}"
        raise ConfigError(f"{key}.{sub}", exc.reason) from None
    except (TypeError, ValueError, AirsentryError) as exc:
        raise ConfigError(f"{key}.options", str(exc)) from None
    return Feed(
        name=name,
        transport=transport,
        format=fmt,
        options=options,
        backoff=_dataclass(Backoff, spec.get("reconnect", {}), f"{key}.reconnect"),
        silence_s=_number(spec.get("silence_s", 30.0), f"{key}.silence_s", positive=True),
    )


def _pipeline(raw: Any, protect: frozenset[str] | None) -> PipelineConfig:
    """``thresholds``: the tunables of tracking, watch and the incident book, flat."""
    owners: dict[str, type[Any]] = {f.name: CooperativeConfig for f in _fields(CooperativeConfig)}
    owners |= {f.name: WatchConfig for f in _fields(WatchConfig)}
    values = _mapping(raw, "thresholds", [*owners, "incident_gap_s"])
    tracking = _dataclass(
        CooperativeConfig, {k: v for k, v in values.items() if owners.get(k) is CooperativeConfig},
        "thresholds",
    )  # fmt: skip
    watch = _dataclass(
        WatchConfig, {k: v for k, v in values.items() if owners.get(k) is WatchConfig},
        "thresholds",
    )  # fmt: skip
    gap = _number(values.get("incident_gap_s", 3600.0), "thresholds.incident_gap_s", positive=True)
    return PipelineConfig(tracking=tracking, watch=watch, incident_gap_s=gap, protect=protect)


def _protect(value: Any, default_zones: bool) -> frozenset[str] | None:
    if value == "default":
        return DEFAULT_PROTECTED if default_zones else None
    if value == "all":
        return None
    codes = value.split(",") if isinstance(value, str) else value
    if not isinstance(codes, list) or not codes:
        raise ConfigError("protect", "expected 'default', 'all' or a list of ISO3 codes")
    out = frozenset(str(c).strip().upper() for c in codes)
    bad = unknown_states(out)
    if bad:
        raise ConfigError("protect", f"not ISO 3166 alpha-3 codes of known states: {bad}")
    return out


def unknown_states(codes: frozenset[str]) -> str:
    """The codes that name no known state, comma-separated ("" when all are known).

    Known: every state holding a block of ICAO 24-bit addresses (ISO 3166 alpha-3), and
    every state of the shipped border catalogue; a typo (``XYZ``, ``POLL``) would
    otherwise protect nothing, silently.
    """
    from airsentry.airspace.borders import load_states
    from airsentry.identify.icao import states

    known = {*states(), *load_states(), *DEFAULT_PROTECTED}
    return ", ".join(sorted(c for c in codes if c not in known))


def _fields(cls: type[Any]) -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_"))


def _dataclass(cls: type[Any], raw: Any, key: str) -> Any:
    """Build dataclass ``cls`` from a mapping, checking names and types field by field."""
    known = {f.name: f for f in _fields(cls)}
    values = _mapping(raw, key, list(known))
    kwargs: dict[str, Any] = {}
    for name, value in values.items():
        f, sub = known[name], f"{key}.{name}"
        kind = _kind(cls, f)
        if value is None and "None" not in str(f.type):
            raise ConfigError(sub, "is required")
        if kind is bool:
            kwargs[name] = _bool(value, sub)
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(sub, f"expected a whole number, got {value!r}")
            kwargs[name] = value
        elif kind is float:
            kwargs[name] = _number(value, sub)
        elif kind is Path:
            kwargs[name] = value if isinstance(value, Path) else Path(_text(value, sub))
        else:
            kwargs[name] = None if value is None else _text(value, sub)
    missing = [n for n, f in known.items() if _required(f) and n not in kwargs]
    if missing:
        raise ConfigError(f"{key}.{missing[0]}", "is required")
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise ConfigError(key, str(exc)) from None


def _kind(cls: type[Any], f: dataclasses.Field[Any]) -> type[Any]:
    text = str(f.type)
    for kind in (bool, int, float, Path):
        if text.startswith(kind.__name__):
            return kind
    return str


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _mapping(value: Any, key: str, allowed: Any) -> Mapping[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"expected a mapping of keys to values, got {value!r}")
    if allowed is not None:
        for k in value:
            if k not in allowed:
                known = ", ".join(sorted(map(str, allowed)))
                where = k if key == "(top level)" else f"{key}.{k}"
                raise ConfigError(where, f"unknown key; known keys here: {known}")
    return value


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "is required" if value is None else f"expected text, got {value!r}")
    return value.strip()


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"expected true or false, got {value!r}")
    return value


def _number(value: Any, key: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(key, f"expected a number, got {value!r}")
    if positive and value <= 0:
        raise ConfigError(key, f"must be positive, got {value!r}")
    return float(value)


def _path(value: Any, key: str, base: Path) -> Path:
    p = Path(_text(value, key)).expanduser()
    return p if p.is_absolute() else base / p


def _optional_path(value: Any, key: str, base: Path) -> Path | None:
    return None if value is None else _path(value, key, base)


def _db(value: Any, base: Path) -> Path | str | None:
    """The ``db`` key: a ``postgresql://`` URL as given, else a file path."""
    if isinstance(value, str) and value.startswith(("postgresql://", "postgres://")):
        return value
    return _optional_path(value, "db", base)
