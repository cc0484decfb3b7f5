"""Scenario files: who flies where and when, and which sensor sees them.

A scenario is YAML (documented in ``docs/scenarios.md``)::

    name: september-2025
    sensors:
      - {id: PL-ASOC, kind: radar, period_s: 10, noise_m: 150, alt_noise_m: 150}
      - {id: adsb-net, kind: adsb, period_s: 5, noise_m: 10}
    actors:
      - id: pl-decoy-01
        kind: decoy_drone            # a model.TargetClass value
        identity: null               # "icao:48ad01", "rid:SERIAL" or null
        transponder: false
        sensor: PL-ASOC              # the sensor that reports it
        route:                       # timed waypoints; later ones may give speed_mps instead of t
          - {t: "2025-09-09T21:32:00Z", lat: 52.95, lon: 24.45, alt_m: 800}
          - {lat: 52.80, lon: 22.00, alt_m: 600, speed_mps: 45}
    expected:                        # ground truth the scenario promises
      - {zone: sovereign:POL, objects: 19}

The route between waypoints is straight in latitude and longitude with linearly
interpolated time and altitude: that *is* the truth path. A waypoint given by speed
gets its time from the geodesic length of the leg. Errors name the file, the actor or
sensor and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pyproj import Geod

from airsentry.errors import ScenarioError
from airsentry.model import TargetClass, parse_time, to_epoch, utc

GEOD = Geod(ellps="WGS84")
SENSOR_KINDS = ("radar", "adsb", "remote_id")
LIBRARY = Path(__file__).parent / "library"


@dataclass(frozen=True, slots=True)
class SensorSpec:
    id: str
    kind: str  # radar: sensor track numbers, no identity; adsb / remote_id: identity
    period_s: float
    noise_m: float = 0.0  # horizontal 1-sigma
    alt_noise_m: float = 0.0
    p_detect: float = 1.0


@dataclass(frozen=True, slots=True)
class Waypoint:
    t: float  # epoch s
    lat: float
    lon: float
    alt_m: float


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    kind: TargetClass
    sensor: str
    route: tuple[Waypoint, ...]
    identity: str = ""
    transponder: bool = False
    callsign: str = ""
    squawk: str = ""
    category: str = ""

    @property
    def start(self) -> float:
        return self.route[0].t

    @property
    def end(self) -> float:
        return self.route[-1].t


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    description: str
    sensors: tuple[SensorSpec, ...]
    actors: tuple[Actor, ...]
    expected: tuple[Mapping[str, Any], ...] = ()
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def sensor(self, sensor_id: str) -> SensorSpec:
        for s in self.sensors:
            if s.id == sensor_id:
                return s
        raise KeyError(sensor_id)


def library_paths() -> list[Path]:
    """The scenarios shipped in the package."""
    return sorted(LIBRARY.glob("*.yaml"))


def load_library(name: str) -> Scenario:
    path = LIBRARY / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(p.stem for p in library_paths())
        raise ScenarioError(f"no scenario named {name!r} in the library (known: {known})")
    return load_scenario(path)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"cannot read scenario: {exc}", source=str(path)) from exc
    return parse_scenario(doc, source=str(path))


def parse_scenario(doc: Any, *, source: str = "<scenario>") -> Scenario:
    if not isinstance(doc, Mapping):
        raise ScenarioError("a scenario is a mapping with sensors and actors", source=source)
    sensors = tuple(
        _sensor(s, f"sensors[{i}]", source) for i, s in enumerate(_list(doc, "sensors", source))
    )
    ids = [s.id for s in sensors]
    if len(set(ids)) != len(ids):
        raise ScenarioError("sensor ids must be unique", source=source)
    actors = tuple(
        _actor(a, f"actors[{i}]", source, set(ids))
        for i, a in enumerate(_list(doc, "actors", source))
    )
    if len({a.id for a in actors}) != len(actors):
        raise ScenarioError("actor ids must be unique", source=source)
    expected = tuple(doc.get("expected") or ())
    return Scenario(
        name=str(doc.get("name") or Path(source).stem),
        title=str(doc.get("title", "")),
        description=str(doc.get("description", "")),
        sensors=sensors,
        actors=actors,
        expected=expected,
        source=source,
        meta=dict(doc.get("meta") or {}),
    )


def _list(doc: Mapping[str, Any], key: str, source: str) -> Sequence[Any]:
    value = doc.get(key)
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"{key}: a non-empty list is required", source=source)
    return value


def _num(
    m: Mapping[str, Any], key: str, where: str, source: str, default: float | None = None
) -> float:
    if key not in m or m[key] is None:
        if default is None:
            raise ScenarioError(f"{where}.{key}: required", source=source)
        return default
    try:
        x = float(m[key])
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}.{key}: {m[key]!r} is not a number", source=source) from None
    if not math.isfinite(x):
        raise ScenarioError(f"{where}.{key}: must be finite", source=source)
    return x


def _sensor(m: Any, where: str, source: str) -> SensorSpec:
    if not isinstance(m, Mapping) or not m.get("id"):
        raise ScenarioError(f"{where}: a sensor needs an id", source=source)
    kind = str(m.get("kind", ""))
    if kind not in SENSOR_KINDS:
        raise ScenarioError(f"{where}.kind: {kind!r} is not one of {SENSOR_KINDS}", source=source)
    period = _num(m, "period_s", where, source)
    p_detect = _num(m, "p_detect", where, source, 1.0)
    if period <= 0:
        raise ScenarioError(f"{where}.period_s: must be positive", source=source)
    if not 0.0 < p_detect <= 1.0:
        raise ScenarioError(f"{where}.p_detect: must be in (0, 1]", source=source)
    return SensorSpec(
        id=str(m["id"]),
        kind=kind,
        period_s=period,
        noise_m=_num(m, "noise_m", where, source, 0.0),
        alt_noise_m=_num(m, "alt_noise_m", where, source, 0.0),
        p_detect=p_detect,
    )


def _time(value: Any, where: str, source: str) -> float:
    try:
        if isinstance(value, datetime):
            return to_epoch(utc(value))
        return to_epoch(parse_time(str(value)))
    except ValueError as exc:
        raise ScenarioError(f"{where}.t: {exc}", source=source) from None


def _actor(m: Any, where: str, source: str, sensors: set[str]) -> Actor:
    if not isinstance(m, Mapping) or not m.get("id"):
        raise ScenarioError(f"{where}: an actor needs an id", source=source)
    where = f"actor {m['id']}"
    try:
        kind = TargetClass(str(m.get("kind", "")))
    except ValueError:
        known = ", ".join(c.value for c in TargetClass)
        raise ScenarioError(
            f"{where}.kind: {m.get('kind')!r} is not one of {known}", source=source
        ) from None
    sensor = str(m.get("sensor", ""))
    if sensor not in sensors:
        raise ScenarioError(f"{where}.sensor: {sensor!r} is not a declared sensor", source=source)
    raw = m.get("route")
    if not isinstance(raw, list) or len(raw) < 2:
        raise ScenarioError(f"{where}.route: at least two waypoints are required", source=source)
    route: list[Waypoint] = []
    for i, w in enumerate(raw):
        wh = f"{where}.route[{i}]"
        if not isinstance(w, Mapping):
            raise ScenarioError(f"{wh}: a waypoint is a mapping", source=source)
        lat, lon = _num(w, "lat", wh, source), _num(w, "lon", wh, source)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ScenarioError(f"{wh}: position ({lat}, {lon}) out of range", source=source)
        alt = _num(w, "alt_m", wh, source, route[-1].alt_m if route else None)
        if w.get("t") is not None:
            t = _time(w["t"], wh, source)
        elif route and w.get("speed_mps") is not None:
            speed = _num(w, "speed_mps", wh, source)
            if speed <= 0:
                raise ScenarioError(f"{wh}.speed_mps: must be positive", source=source)
            prev = route[-1]
            _, _, dist = GEOD.inv(prev.lon, prev.lat, lon, lat)
            t = prev.t + math.hypot(dist, alt - prev.alt_m) / speed
        else:
            raise ScenarioError(
                f"{wh}: give t (the first waypoint must) or speed_mps", source=source
            )
        if route and t <= route[-1].t:
            raise ScenarioError(f"{wh}.t: waypoint times must increase", source=source)
        route.append(Waypoint(t, lat, lon, alt))
    identity = m.get("identity") or ""
    if identity and not str(identity).startswith(("icao:", "rid:")):
        raise ScenarioError(f"{where}.identity: must start with icao: or rid:", source=source)
    return Actor(
        id=str(m["id"]),
        kind=kind,
        sensor=sensor,
        route=tuple(route),
        identity=str(identity),
        transponder=bool(m.get("transponder", False)),
        callsign=str(m.get("callsign") or ""),
        squawk=str(m.get("squawk") or ""),
        category=str(m.get("category") or ""),
    )
