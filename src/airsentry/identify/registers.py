"""Who is admitted by name: diplomatic clearances, drone permits and own forces.

Zone tokens (:mod:`airsentry.identify.authority`) admit *kinds* of targets. Air
policing also admits *particular* ones, and the operator must see which paper did it:

- a **clearance** (a diplomatic clearance for a state flight): the aircraft's ICAO
  addresses and/or callsigns, its State, the zones it covers (zone ids such as
  ``airport:EPWA``, or owner States such as ``POL``; none: every zone) and a validity
  window. A cleared state aircraft is admitted, and the clearance is named.
- a **permit** for a drone (police, survey, inspection): Remote ID serials or
  identities, the holder, zones and a validity window. A permitted drone is admitted
  and named.
- **own forces**: own and allied interceptors and units, by ICAO address ranges,
  callsigns, identities or whole sensors (a feed of own-force positions). Own forces
  are admitted everywhere: they are never violators.

The register is a YAML file (``docs/configuration.md``, key ``registers``), or a CSV
table of the same entries (:mod:`airsentry.identify.register_csv`)::

    clearances:
      - reference: PL-DIP-2025-0412
        state: FRA
        addresses: [3b7a12]
        callsigns: [CTM1234]
        zones: [POL]
        valid_from: 2025-09-20T00:00:00Z
        valid_to: 2025-09-21T00:00:00Z
    permits:
      - reference: DK-UAS-0007
        holder: Copenhagen Police drone unit
        remote_ids: [1581F5FKD229400G0000]
        zones: [airport:EKCH]
        valid_from: 2025-09-22T00:00:00Z
        valid_to: 2025-09-23T00:00:00Z
    own_forces:
      - unit: 1st Tactical Air Wing (F-16)
        state: POL
        addresses: [{first: 48d800, last: 48dfff}]
        callsigns: [VIPER1, VIPER2]
        sensors: [blue-force-tracker]
        source: national register of military addresses

Every entry is checked when the file is loaded; a mistake is an
:class:`~airsentry.errors.InputError` naming the file and the entry
(``clearances[2].valid_to``). Matching runs over whole columns of (row, zone) pairs:
the Python loop is over register entries (tens, hundreds), never over reports.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from airsentry.columns import cells
from airsentry.errors import InputError
from airsentry.identify.register_csv import register_rows
from airsentry.model import BoolArray, IntArray, ObjArray, Zone, to_epoch, utc

_ENTRY_KEYS = {
    "clearances": {"reference", "state", "addresses", "callsigns", "zones", "valid_from",
                   "valid_to", "note"},
    "permits": {"reference", "holder", "remote_ids", "zones", "valid_from", "valid_to", "note"},
    "own_forces": {"unit", "state", "addresses", "callsigns", "identities", "sensors", "source"},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Window:
    """Where and when an entry applies: zone ids or owner States (empty: everywhere)."""

    zones: frozenset[str] = frozenset()
    valid_from: float = -np.inf  # epoch s
    valid_to: float = np.inf

    def covers(self, zones: Sequence[Zone], zone_idx: IntArray, t: npt.NDArray[Any]) -> BoolArray:
        """True where zone ``zone_idx[i]`` at time ``t[i]`` is inside this window."""
        ok: BoolArray = (t >= self.valid_from) & (t <= self.valid_to)
        if self.zones:
            hit = np.array([z.id in self.zones or z.owner in self.zones for z in zones], dtype=bool)
            ok &= hit[zone_idx] if len(hit) else np.zeros(len(zone_idx), dtype=bool)
        return ok


@dataclass(frozen=True, slots=True)
class Clearance:
    reference: str
    state: str
    addresses: frozenset[int] = frozenset()
    callsigns: frozenset[str] = frozenset()
    window: Window = field(default_factory=Window)


@dataclass(frozen=True, slots=True)
class Permit:
    reference: str
    holder: str
    identities: frozenset[str] = frozenset()  # "rid:SERIAL"
    window: Window = field(default_factory=Window)


@dataclass(frozen=True, slots=True)
class OwnForce:
    unit: str
    state: str
    ranges: tuple[tuple[int, int], ...] = ()  # inclusive ICAO address ranges
    callsigns: frozenset[str] = frozenset()
    identities: frozenset[str] = frozenset()
    sensors: frozenset[str] = frozenset()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Targets:
    """The columns of (row, zone) pairs the register is matched on."""

    t: npt.NDArray[np.float64]
    address: IntArray  # -1 when none
    callsign: ObjArray
    identity: ObjArray
    sensor: ObjArray


@dataclass(frozen=True, slots=True)
class Registers:
    clearances: tuple[Clearance, ...] = ()
    permits: tuple[Permit, ...] = ()
    own_forces: tuple[OwnForce, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clearances or self.permits or self.own_forces)

    def __add__(self, other: Registers) -> Registers:
        """Both registers' entries (files first, then the store's)."""
        return Registers(
            self.clearances + other.clearances,
            self.permits + other.permits,
            self.own_forces + other.own_forces,
        )

    def match(self, zones: Sequence[Zone], zone_idx: IntArray, on: Targets) -> ObjArray:
        """For each pair, the entry that admits it in words (``""``: none does).

        Own forces first (they are admitted everywhere), then clearances, then permits.
        """
        n = len(zone_idx)
        out = self.own_force(on)
        callsign = np.char.strip(on.callsign.astype(np.str_)).astype(object)
        for c in self.clearances:
            hit = np.isin(on.address, list(c.addresses)) if c.addresses else _none(n)
            if c.callsigns:
                hit |= np.isin(callsign, list(c.callsigns))
            hit &= c.window.covers(zones, zone_idx, on.t)
            out[hit & (out == "")] = f"cleared: diplomatic clearance {c.reference} ({c.state})"
        for p in self.permits:
            hit = np.isin(on.identity, list(p.identities)) & p.window.covers(zones, zone_idx, on.t)
            out[hit & (out == "")] = f"permitted: drone permit {p.reference} ({p.holder})"
        return out

    def own_force(self, on: Targets) -> ObjArray:
        """For each row, the own-force entry it belongs to in words (``""``: none), by
        callsign, address range, identity or reporting sensor; everywhere, at all times."""
        n = len(on.t)
        out: ObjArray = cells(n)
        if not self.own_forces:
            return out
        callsign = np.char.strip(on.callsign.astype(np.str_)).astype(object)
        for force in self.own_forces:
            hit = np.isin(callsign, list(force.callsigns)) if force.callsigns else _none(n)
            for first, last in force.ranges:
                hit |= (on.address >= first) & (on.address <= last)
            if force.identities:
                hit |= np.isin(on.identity, list(force.identities))
            if force.sensors:
                hit |= np.isin(on.sensor, list(force.sensors))
            out[hit & (out == "")] = f"own forces: {force.unit} ({force.state})"
        return out


def _none(n: int) -> BoolArray:
    return np.zeros(n, dtype=bool)


def load_registers(paths: Sequence[str | os.PathLike[str]]) -> Registers:
    """Read and merge register files, YAML or (``.csv``) a table read by
    :mod:`.register_csv`; InputError names the file and the faulty entry."""
    out = Registers()
    for path in paths:
        p = Path(path)
        try:
            text = p.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", source=str(p)) from exc
        if p.suffix.lower() == ".csv":
            keys = {kind: frozenset(allowed) for kind, allowed in _ENTRY_KEYS.items()}
            for where, doc in register_rows(text, keys, str(p)):
                out = out + parse_registers(doc, where)
            continue
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML: {exc}", source=str(p)) from exc
        out = out + parse_registers(doc, str(p))
    return out


KINDS = tuple(_ENTRY_KEYS)
"""The register's lists: ``clearances``, ``permits``, ``own_forces``."""


def entry_document(kind: str, entry: Mapping[str, Any], source: str = "entry") -> dict[str, Any]:
    """One entry checked as the register file would check it, in plain JSON types
    (times as ISO 8601 text), with its reference (a clearance's or permit's
    ``reference``, an own-force ``unit``) under ``reference``; InputError on a fault."""
    if kind not in _ENTRY_KEYS:
        raise InputError(f"unknown register {kind!r}; known: {', '.join(KINDS)}", source=source)
    parse_registers({kind: [entry]}, source)
    doc = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in entry.items()}
    name = "unit" if kind == "own_forces" else "reference"
    return {"reference": str(doc[name]).strip(), "entry": doc}


def parse_registers(doc: Any, source: str = "registers") -> Registers:
    """Check a parsed register document (see the module docstring)."""
    if doc is None:
        return Registers()
    if not isinstance(doc, Mapping):
        raise InputError(
            "a register maps clearances, permits and own_forces to lists", source=source
        )
    unknown = sorted(set(doc) - set(_ENTRY_KEYS))
    if unknown:
        raise InputError(
            f"unknown key {unknown[0]!r}; known: {', '.join(_ENTRY_KEYS)}", source=source
        )
    lists = {}
    for key in _ENTRY_KEYS:
        items = doc.get(key) or []
        if not isinstance(items, list):
            raise InputError(f"{key}: expected a list", source=source)
        lists[key] = [_entry(key, i, item, source) for i, item in enumerate(items)]
    return Registers(
        tuple(_clearance(e) for e in lists["clearances"]),
        tuple(_permit(e) for e in lists["permits"]),
        tuple(_own_force(e) for e in lists["own_forces"]),
    )


@dataclass(slots=True)
class _Entry:
    where: str
    source: str
    raw: Mapping[str, Any]

    def fail(self, key: str, reason: str) -> InputError:
        return InputError(f"{self.where}.{key}: {reason}", source=self.source)

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.raw.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str | int) or not str(value).strip():
            raise self.fail(
                key, "is required" if value is None else f"expected text, got {value!r}"
            )
        return str(value).strip()

    def texts(self, key: str) -> frozenset[str]:
        value = self.raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise self.fail(key, "expected a list of names")
        return frozenset(str(v).strip() for v in value if str(v).strip())

    def state(self) -> str:
        iso3 = self.text("state").upper()
        if len(iso3) != 3 or not iso3.isalpha():
            raise self.fail("state", f"{iso3!r} is not an ISO 3166 alpha-3 code")
        return iso3

    def time(self, key: str, default: float) -> float:
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise self.fail(key, "needs a time zone (e.g. Z for UTC)")
            return to_epoch(utc(value))
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(key, f"{value!r} is not an ISO 8601 time") from None
        if parsed.tzinfo is None:
            raise self.fail(key, "needs a time zone (e.g. Z for UTC)")
        return to_epoch(utc(parsed))

    def window(self) -> Window:
        w = Window(
            self.texts("zones"), self.time("valid_from", -np.inf), self.time("valid_to", np.inf)
        )
        if w.valid_to < w.valid_from:
            raise self.fail("valid_to", "is before valid_from")
        return w

    def addresses(self) -> tuple[tuple[int, int], ...]:
        value = self.raw.get("addresses") or []
        if not isinstance(value, list):
            raise self.fail("addresses", "expected a list of hex addresses or {first, last}")
        out = []
        for item in value:
            if isinstance(item, Mapping):
                first, last = _hex(self, item.get("first")), _hex(self, item.get("last"))
                if last < first:
                    raise self.fail("addresses", f"range {first:06x}-{last:06x} is reversed")
                out.append((first, last))
            else:
                a = _hex(self, item)
                out.append((a, a))
        return tuple(out)


def _hex(e: _Entry, value: Any) -> int:
    text = str(value).strip().lower().removeprefix("icao:").removeprefix("0x")
    try:
        a = int(text, 16)
    except ValueError:
        raise e.fail("addresses", f"{value!r} is not a 24-bit hex address") from None
    if not 0 <= a < 1 << 24:
        raise e.fail("addresses", f"{value!r} is not a 24-bit hex address")
    return a


def _entry(key: str, i: int, item: Any, source: str) -> _Entry:
    where = f"{key}[{i}]"
    if not isinstance(item, Mapping):
        raise InputError(f"{where}: expected a mapping", source=source)
    unknown = sorted(set(item) - _ENTRY_KEYS[key])
    if unknown:
        known = ", ".join(sorted(_ENTRY_KEYS[key]))
        raise InputError(f"{where}.{unknown[0]}: unknown key; known: {known}", source=source)
    return _Entry(where, source, item)


def _clearance(e: _Entry) -> Clearance:
    ranges = e.addresses()
    if any(a != b for a, b in ranges):
        raise e.fail("addresses", "a clearance names aircraft, not address ranges")
    c = Clearance(
        e.text("reference"), e.state(), frozenset(a for a, _ in ranges), e.texts("callsigns"),
        e.window(),
    )  # fmt: skip
    if not c.addresses and not c.callsigns:
        raise e.fail("addresses", "a clearance needs addresses or callsigns")
    return c


def _permit(e: _Entry) -> Permit:
    ids = frozenset(s if s.startswith("rid:") else f"rid:{s}" for s in e.texts("remote_ids"))
    if not ids:
        raise e.fail("remote_ids", "a permit needs at least one Remote ID serial")
    return Permit(e.text("reference"), e.text("holder"), ids, e.window())


def _own_force(e: _Entry) -> OwnForce:
    f = OwnForce(
        e.text("unit"), e.state(), e.addresses(), e.texts("callsigns"), e.texts("identities"),
        e.texts("sensors"), e.text("source", required=False),
    )  # fmt: skip
    if not (f.ranges or f.callsigns or f.identities or f.sensors):
        raise e.fail("addresses", "own forces need addresses, callsigns, identities or sensors")
    return f
