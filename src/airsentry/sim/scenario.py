"""Scenario files: who flies where and when, which sensors see them, what must happen.

A scenario is YAML, documented field by field in ``docs/scenarios.md``::

    name: estonia-2025-09-19
    sensors:
      - {id: EE-ASOC, kind: radar, site: {lat: 59.4, lon: 25.0}, range_m: 400000,
         period_s: 5, range_noise_m: 80, azimuth_noise_deg: 0.12, p_detect: 0.95}
      - {id: adsb-net, kind: adsb, period_s: 5, noise_m: 10}
    actors:
      - id: ee-mig31-1
        kind: fast_jet               # a model.TargetClass value
        identity: null               # "icao:48ad01", "rid:SERIAL" or null
        transponder: false           # on for the whole route unless transponder_off says
        transponder_off: []          # [[start, end], ...] gaps of a transponder that is on
        remote_id: false             # broadcasts Remote ID (identity rid:...)
        expect_class: fast_jet       # optional: the class the system must give it
        expect_action: intercept_and_escort  # optional: its incidents' action, or none
        expect_reason: ""            # optional: text an event about it must carry
        sensors: [EE-ASOC]           # or `sensor: EE-ASOC`
        route: [...]                 # see airsentry.sim.routes
    expected:                        # incidents the scenario promises
      - {zone: sovereign:EST, owner: EST, objects: 3, dwell_s: 720}
    control: false                   # true: nothing may be raised

Errors name the file, the actor or sensor and the field. The records themselves are in
:mod:`airsentry.sim.spec` (re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from airsentry.errors import InputError, ScenarioError
from airsentry.identify.registers import parse_registers
from airsentry.model import Action, TargetClass
from airsentry.sim.clutter import parse_sources
from airsentry.sim.jammers import parse_jammers
from airsentry.sim.routes import Waypoint, num, parse_intervals, parse_route, time_of
from airsentry.sim.spec import SENSOR_KINDS, Actor, ExpectedIncident, Scenario, SensorSpec

LIBRARY = Path(__file__).parent / "library"

__all__ = [
    "LIBRARY",
    "SENSOR_KINDS",
    "Actor",
    "ExpectedIncident",
    "Scenario",
    "SensorSpec",
    "Waypoint",
    "library_names",
    "library_paths",
    "load_library",
    "load_scenario",
    "parse_scenario",
    "resolve",
]


def library_paths() -> list[Path]:
    """The scenarios shipped in the package."""
    return sorted(LIBRARY.glob("*.yaml"))


def library_names() -> list[str]:
    return [p.stem for p in library_paths()]


def load_library(name: str) -> Scenario:
    path = LIBRARY / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(library_names())
        raise ScenarioError(f"no scenario named {name!r} in the library (known: {known})")
    return load_scenario(path)


def resolve(name_or_path: str) -> Scenario:
    """A library scenario by name, else a scenario file by path."""
    if (LIBRARY / f"{name_or_path}.yaml").exists():
        return load_library(name_or_path)
    path = Path(name_or_path)
    if not path.exists():
        known = ", ".join(library_names())
        raise ScenarioError(f"{name_or_path!r} is neither a library scenario ({known}) nor a file")
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
    raw_expected = doc.get("expected") or []
    if not isinstance(raw_expected, list):
        raise ScenarioError("expected: a list is required", source=source)
    expected = tuple(_expected(e, f"expected[{i}]", source) for i, e in enumerate(raw_expected))
    control = bool(doc.get("control", False))
    if control and expected:
        raise ScenarioError("a control scenario expects no incident", source=source)
    registers = doc.get("registers") or {}
    try:
        parse_registers(registers, f"{source}: registers")
    except InputError as exc:
        raise ScenarioError(exc.reason, source=source) from None
    return Scenario(
        name=str(doc.get("name") or Path(source).stem),
        title=str(doc.get("title", "")),
        description=str(doc.get("description", "")),
        sensors=sensors,
        actors=actors,
        expected=expected,
        source=source,
        meta=dict(doc.get("meta") or {}),
        control=control,
        registers=dict(registers),
        jammers=parse_jammers(doc.get("jammers"), source),
    )


def _list(doc: Mapping[str, Any], key: str, source: str) -> Sequence[Any]:
    value = doc.get(key)
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"{key}: a non-empty list is required", source=source)
    return value


def _choice(
    m: Mapping[str, Any], key: str, options: tuple[str, ...], where: str, source: str
) -> str:
    value = str(m.get(key, options[0]))
    if value not in options:
        raise ScenarioError(f"{where}.{key}: {value!r} is not one of {options}", source=source)
    return value


def _sensor(m: Any, where: str, source: str) -> SensorSpec:
    if not isinstance(m, Mapping) or not m.get("id"):
        raise ScenarioError(f"{where}: a sensor needs an id", source=source)
    where = f"sensor {m['id']}"
    kind = str(m.get("kind", ""))
    if kind not in SENSOR_KINDS:
        raise ScenarioError(f"{where}.kind: {kind!r} is not one of {SENSOR_KINDS}", source=source)
    period = num(m, "period_s", where, source)
    p_detect = num(m, "p_detect", where, source, 1.0)
    if period <= 0:
        raise ScenarioError(f"{where}.period_s: must be positive", source=source)
    if not 0.0 < p_detect <= 1.0:
        raise ScenarioError(f"{where}.p_detect: must be in (0, 1]", source=source)
    site = None
    if m.get("site") is not None:
        s = m["site"]
        if not isinstance(s, Mapping):
            raise ScenarioError(f"{where}.site: a mapping with lat, lon is required", source=source)
        site = (num(s, "lat", f"{where}.site", source), num(s, "lon", f"{where}.site", source),
                num(s, "alt_m", f"{where}.site", source, 0.0))  # fmt: skip
    rng = num(m, "range_m", where, source, math.inf)
    if kind in ("passive_rf", "acoustic") and site is None:
        raise ScenarioError(f"{where}.site: a bearing sensor needs a site", source=source)
    if math.isfinite(rng) and site is None:
        raise ScenarioError(f"{where}.site: a range needs a site", source=source)
    values = {
        k: num(m, k, where, source, 0.0)
        for k in ("noise_m", "alt_noise_m", "range_noise_m", "azimuth_noise_deg",
                  "bearing_noise_deg", "clutter_per_scan", "latency_s")
    }  # fmt: skip
    for k, x in values.items():
        if x < 0:
            raise ScenarioError(f"{where}.{k}: must not be negative", source=source)
    if rng <= 0:
        raise ScenarioError(f"{where}.range_m: must be positive", source=source)
    if values["clutter_per_scan"] > 0 and not math.isfinite(rng):
        raise ScenarioError(f"{where}.clutter_per_scan: needs a site and range_m", source=source)
    return SensorSpec(
        id=str(m["id"]),
        kind=kind,
        period_s=period,
        p_detect=p_detect,
        site=site,
        range_m=rng,
        output=_choice(m, "output", ("tracks", "plots"), where, source),
        ssr=bool(m.get("ssr", False)),
        hold_identity=bool(m.get("hold_identity", True)),
        format=_format(m, kind, where, source),
        clutter_sources=parse_sources(m.get("clutter_sources"), where, source),
        **values,
    )


WIRE_FORMATS = {
    "adsb": ("reports", "sbs"),
    "remote_id": ("reports", "remoteid"),
    "radar": ("asterix", "sapient", "reports"),
    "ssr": ("asterix", "reports"),
    "passive_rf": ("sapient", "reports"),
    "acoustic": ("sapient", "reports"),
}
"""Wire formats per sensor kind, the default first: radars speak ASTERIX (CAT048 plots
from a site, CAT062 system tracks), counter-UAS nodes SAPIENT; "reports" skips the wire."""


def _format(m: Mapping[str, Any], kind: str, where: str, source: str) -> str:
    options = WIRE_FORMATS.get(kind, ("reports",))
    if m.get("site") is None and m.get("output") == "plots" and "format" not in m:
        return "reports"  # plots without a site have no range and azimuth to send
    value = _choice(m, "format", options, where, source)
    if (
        value == "asterix"
        and m.get("site") is None
        and (m.get("output") == "plots" or kind == "ssr")
    ):
        raise ScenarioError(f"{where}.format: ASTERIX plots (CAT048) need a site", source=source)
    cat048 = m.get("output") == "plots" or kind == "ssr"
    if value == "asterix" and cat048 and not num(m, "range_m", where, source, math.inf) <= 470e3:
        raise ScenarioError(
            f"{where}.range_m: CAT048 plots reach 256 NM; give range_m of at most 470 km "
            "(or format: reports)",
            source=source,
        )
    return value


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
    names = m.get("sensors")
    if names is None:
        names = [m.get("sensor", "")]
    if not isinstance(names, list) or not names:
        raise ScenarioError(f"{where}.sensors: a non-empty list is required", source=source)
    for name in names:
        if str(name) not in sensors:
            field_ = "sensor" if "sensors" not in m else "sensors"
            raise ScenarioError(
                f"{where}.{field_}: {name!r} is not a declared sensor", source=source
            )
    identity = str(m.get("identity") or "")
    if identity and not identity.startswith(("icao:", "rid:")):
        raise ScenarioError(f"{where}.identity: must start with icao: or rid:", source=source)
    remote_id = bool(m.get("remote_id", identity.startswith("rid:")))
    if remote_id and not identity.startswith("rid:"):
        raise ScenarioError(f"{where}.remote_id: needs an identity rid:SERIAL", source=source)
    return Actor(
        id=str(m["id"]),
        kind=kind,
        sensor=str(names[0]),
        sensors=tuple(str(n) for n in names),
        route=parse_route(m.get("route"), where, source),
        identity=identity,
        transponder=bool(m.get("transponder", False)),
        transponder_off=parse_intervals(
            m.get("transponder_off"), f"{where}.transponder_off", source
        ),
        remote_id=remote_id,
        callsign=str(m.get("callsign") or ""),
        squawk=str(m.get("squawk") or ""),
        category=str(m.get("category") or ""),
        **_expectations(m, where, source),
    )


def _expectations(m: Mapping[str, Any], where: str, source: str) -> dict[str, str]:
    """An actor's ``expect_class`` (a TargetClass), ``expect_action`` (an Action, or
    "none": no incident may name it) and ``expect_reason`` (text that some event about
    it must carry), checked by ``airsentry evaluate``."""
    out = {k: str(m.get(k) or "") for k in ("expect_class", "expect_action", "expect_reason")}
    classes = {str(c) for c in TargetClass}
    if out["expect_class"] and out["expect_class"] not in classes:
        raise ScenarioError(
            f"{where}.expect_class: {out['expect_class']!r} is not one of {sorted(classes)}",
            source=source,
        )
    actions = {str(a) for a in Action} | {"none"}
    if out["expect_action"] and out["expect_action"] not in actions:
        raise ScenarioError(
            f"{where}.expect_action: {out['expect_action']!r} is not one of {sorted(actions)}",
            source=source,
        )
    return out


def _expected(m: Any, where: str, source: str) -> ExpectedIncident:
    if not isinstance(m, Mapping) or not m.get("zone"):
        raise ScenarioError(f"{where}: an expected incident needs a zone", source=source)
    window = None
    if m.get("window") is not None:
        pairs = parse_intervals([m["window"]], f"{where}.window", source)
        window = pairs[0]
    rec = str(m.get("recommendation") or "")
    if rec and rec not in {str(a) for a in Action}:
        raise ScenarioError(f"{where}.recommendation: {rec!r} is not an action", source=source)

    def count(key: str) -> int | None:
        return int(num(m, key, where, source)) if m.get(key) is not None else None

    dwell = num(m, "dwell_s", where, source) if m.get("dwell_s") is not None else None
    return ExpectedIncident(
        zone=str(m["zone"]),
        owner=str(m.get("owner") or ""),
        window=window,
        objects=count("objects"),
        objects_min=count("objects_min"),
        dwell_s=dwell,
        dwell_tolerance_s=num(m, "dwell_tolerance_s", where, source, 60.0),
        recommendation=rec,
    )


__all__ += ["time_of"]
