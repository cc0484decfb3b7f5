"""Who may be where: admission of targets into zones, and the reasons in words.

Being inside a zone is not a violation; being inside a zone that does not admit you
is. Each :class:`~airsentry.model.Zone` lists :class:`~airsentry.model.Admit` tokens,
and a target is admitted when it satisfies at least one of them:

- ``ANY``: everything; the zone only informs.
- ``CIVIL_COOPERATIVE``: transponder on, identity known, no emergency squawk, not a
  state aircraft and not a drone. An emergency squawk is not admitted so that it always
  raises an alert; drones are left to ``DRONE_REMOTE_ID`` (a Remote ID broadcast also
  sets the transponder flag, and a zone open to airliners is not thereby open to drones).
- ``STATE_OWN``: a state aircraft registered (by its ICAO address) to the zone's owner.
- ``STATE_ALLIED``: a state aircraft registered to one of the zone's ``allies``.
- ``DRONE_REMOTE_ID``: a drone (or decoy) broadcasting Remote ID (``rid:`` identity).
- ``NON_DRONE``: anything not classified as a drone.

A *state aircraft* is one whose ICAO address lies in a known military range, or one
classified as a fast jet. :class:`Authority` turns each zone's tokens into boolean
columns once, so judging a million (row, zone) pairs is a few gathers and ANDs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from airsentry.identify import icao
from airsentry.identify.cues import CLASS_INDEX
from airsentry.model import (
    EMERGENCY_SQUAWKS,
    Admit,
    BoolArray,
    IntArray,
    ObjArray,
    ReportBatch,
    TargetClass,
    Zone,
    ZoneKind,
)

DRONE_CLASSES = (str(TargetClass.DRONE), str(TargetClass.DECOY_DRONE))
_DRONE_CODES = np.array([CLASS_INDEX[c] for c in DRONE_CLASSES], dtype=np.int64)
SQUAWK_MEANING = {"7500": "hijack", "7600": "radio failure", "7700": "general emergency"}
FOREIGN_STATE = "foreign state aircraft"
"""Start of the reason :meth:`Authority.explain` gives for a foreign state aircraft."""

_ADMIT_TEXT = {
    Admit.ANY: "all traffic",
    Admit.CIVIL_COOPERATIVE: "civil cooperative traffic",
    Admit.STATE_OWN: "own state aircraft",
    Admit.STATE_ALLIED: "allied state aircraft",
    Admit.DRONE_REMOTE_ID: "drones with Remote ID",
    Admit.NON_DRONE: "aircraft that are not drones",
}


def zone_label(kind: str | ZoneKind, name: str) -> str:
    """How reasons name a zone: "Estonia airspace", "Copenhagen Kastrup (EKCH)"."""
    if str(kind) == ZoneKind.SOVEREIGN and "airspace" not in name.lower():
        return f"{name} airspace"
    return name


def describe_admits(admits: frozenset[Admit]) -> str:
    """The admission rule in words: "civil cooperative traffic, own and allied ..."."""
    parts = [_ADMIT_TEXT[a] for a in Admit if a in admits]
    if Admit.STATE_OWN in admits and Admit.STATE_ALLIED in admits:
        i = parts.index(_ADMIT_TEXT[Admit.STATE_OWN])
        parts[i : i + 2] = ["own and allied state aircraft"]
    return ", ".join(parts) if parts else "nothing"


@dataclass(frozen=True, slots=True, eq=False)
class TargetFacts:
    """Zone-independent admission facts of targets, one entry per row."""

    address: IntArray  # ICAO address, -1 when none
    state_idx: IntArray  # registering State, index into ``icao.states()``, -1 unknown
    state_aircraft: BoolArray  # military address range, or classified fast jet
    emergency: BoolArray  # squawking 7500, 7600 or 7700
    drone: BoolArray  # classified drone or decoy drone
    remote_id: BoolArray  # identity is a Remote ID serial
    civil: BoolArray  # meets CIVIL_COOPERATIVE

    def take(self, index: npt.ArrayLike) -> TargetFacts:
        idx = np.asarray(index)
        return TargetFacts(*[getattr(self, name)[idx] for name in _FACT_NAMES])

    def iso3(self, i: int) -> str:
        """The registering State of entry ``i`` (ISO3), ``""`` when none."""
        k = int(self.state_idx[i])
        return icao.states()[k] if k >= 0 else ""


_FACT_NAMES = tuple(f.name for f in fields(TargetFacts))


def target_facts(
    identity: npt.ArrayLike,
    transponder: npt.ArrayLike,
    squawk: npt.ArrayLike,
    classes: npt.ArrayLike,
    *,
    address: IntArray | None = None,
    remote_id: BoolArray | None = None,
    has_identity: BoolArray | None = None,
    emergency: BoolArray | None = None,
    class_code: IntArray | None = None,
) -> TargetFacts:
    """Admission facts for each row, computed once whatever the zones. ``address``,
    ``remote_id``, ``has_identity`` and ``emergency`` (the identities' ICAO addresses,
    Remote ID flags and presence, the squawks' emergencies) and ``class_code`` (each
    class's index in ``cues.CLASSES``), when given, are taken as they are: the
    classifier judges each identity and squawk once per run of it, and comparing
    class indexes costs a tenth of comparing class names."""
    ident = np.asarray(identity, dtype=object)
    xpdr = np.asarray(transponder, dtype=bool)
    if address is None:
        address = icao.parse_identity(ident)
    if remote_id is None:
        remote_id = np.char.startswith(ident.astype(np.str_), "rid:")
    if has_identity is None:
        has_identity = ident != ""
    if emergency is None:
        emergency = np.isin(np.asarray(squawk, dtype=object), sorted(EMERGENCY_SQUAWKS))
    # the text columns compared as objects (casting them to fixed-width text costs more)
    if class_code is None:
        cls = np.asarray(classes, dtype=object)
        fast_jet = cls == str(TargetClass.FAST_JET)
        drone = np.isin(cls, DRONE_CLASSES)
    else:
        fast_jet = class_code == CLASS_INDEX[TargetClass.FAST_JET]
        drone = np.isin(class_code, _DRONE_CODES)
    state_aircraft = icao.is_military(address) | fast_jet
    return TargetFacts(
        address=address,
        state_idx=icao.state_index(address),
        state_aircraft=state_aircraft,
        emergency=emergency,
        drone=drone,
        remote_id=remote_id,
        civil=xpdr & has_identity & ~emergency & ~state_aircraft & ~drone,
    )


class Authority:
    """Admission rules of a list of zones, precomputed as per-zone token columns."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = tuple(zones)
        states = icao.states()
        index = {s: i for i, s in enumerate(states)}
        nz = len(self.zones)
        self._tok = {a: np.array([a in z.admits for z in self.zones], dtype=bool) for a in Admit}
        self._owner = np.array([index.get(z.owner, -2) for z in self.zones], dtype=np.int64)
        # Column len(states) stands for "no registering State": never allied.
        self._allied = np.zeros((nz, len(states) + 1), dtype=bool)
        for zi, zone in enumerate(self.zones):
            cols = [index[a] for a in zone.allies if a in index]
            self._allied[zi, cols] = True
        # Whether every zone admits a target by a token that does not depend on the
        # zone's owner or allies, per profile (civil, drone, drone with Remote ID):
        # entry ``4 * civil + 2 * drone + remote id``. Registers only ever admit more.
        tok = self._tok
        self._everywhere = np.array(
            [
                bool(
                    (
                        tok[Admit.ANY]
                        | (tok[Admit.CIVIL_COOPERATIVE] & bool(code & 4))
                        | (tok[Admit.DRONE_REMOTE_ID] & bool(code & 2) & bool(code & 1))
                        | (tok[Admit.NON_DRONE] & (not code & 2))
                    ).all()
                )
                for code in range(8)
            ],
            dtype=bool,
        )

    def judge(self, zone_idx: IntArray, state: ReportBatch, classes: ObjArray) -> BoolArray:
        """True where row i (of ``state`` and ``classes``) is admitted in ``zones[zone_idx[i]]``."""
        facts = target_facts(state.identity, state.transponder, state.squawk, classes)
        return self.admit(zone_idx, facts)

    def admit(self, zone_idx: IntArray, facts: TargetFacts) -> BoolArray:
        """:meth:`judge` on precomputed facts (row i of ``facts`` in ``zone_idx[i]``)."""
        z = np.asarray(zone_idx, dtype=np.int64)
        st, sa, drone = facts.state_idx, facts.state_aircraft, facts.drone
        tok = {a: col[z] for a, col in self._tok.items()}
        own = sa & (st >= 0) & (st == self._owner[z])
        allied = sa & self._allied[z, np.where(st >= 0, st, self._allied.shape[1] - 1)]
        ok: BoolArray = (
            tok[Admit.ANY]
            | (tok[Admit.CIVIL_COOPERATIVE] & facts.civil)
            | (tok[Admit.STATE_OWN] & own)
            | (tok[Admit.STATE_ALLIED] & allied)
            | (tok[Admit.DRONE_REMOTE_ID] & drone & facts.remote_id)
            | (tok[Admit.NON_DRONE] & ~drone)
        )
        return ok

    def everywhere(self, civil: BoolArray, drone: BoolArray, remote_id: BoolArray) -> BoolArray:
        """True where a target (its :class:`TargetFacts` ``civil``, ``drone`` and
        ``remote_id``) is admitted in every zone whatever the zone's owner and allies
        (by ``ANY``, ``CIVIL_COOPERATIVE``, ``NON_DRONE`` or ``DRONE_REMOTE_ID``), so
        that :meth:`admit` is true for it in any zone: with the default catalogue, every
        civil cooperative aircraft. The approach detector predicts no path for those."""
        code = civil.astype(np.int64) * 4
        code += drone.astype(np.int64) * 2
        code += drone & remote_id
        out: BoolArray = self._everywhere[code]
        return out

    def explain(self, zone: Zone, row: Mapping[str, Any], authorised: bool) -> tuple[str, ...]:
        """The reasons, in words, why one target is (or is not) admitted in ``zone``.

        ``row`` holds the target's ``identity``, ``transponder``, ``squawk``,
        ``callsign``, ``class`` and, when known, ``speed`` (m/s) and ``alt`` (m).
        """
        return explain(zone, row, authorised)


def _num(row: Mapping[str, Any], key: str) -> float:
    value = row.get(key)
    try:
        x = float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return math.nan
    return x


def explain(
    zone: Zone,
    row: Mapping[str, Any],
    authorised: bool,
    facts: TargetFacts | None = None,
    at: int = 0,
) -> tuple[str, ...]:
    """Module-level form of :meth:`Authority.explain` (it needs no precomputed state).

    ``facts``: the row's admission facts when the caller already has them (entry ``at``
    of a batch's :func:`target_facts`), so that explaining an event costs no
    recomputation and no copy.
    """
    identity = str(row.get("identity") or "")
    xpdr = bool(row.get("transponder", False))
    squawk = str(row.get("squawk") or "")
    callsign = str(row.get("callsign") or "").strip()
    cls = str(row.get("class") or TargetClass.UNKNOWN)
    speed = _num(row, "speed")
    if facts is None:
        f, at = target_facts([identity], [xpdr], [squawk], [cls]), 0
    else:
        f = facts
    iso3 = f.iso3(at)  # the facts' State index: no second lookup of the address
    state_ac, drone = bool(f.state_aircraft[at]), bool(f.drone[at])
    label = zone_label(zone.kind, zone.name)
    why: list[str] = []

    if squawk in EMERGENCY_SQUAWKS:
        why.append(f"squawking {squawk} ({SQUAWK_MEANING.get(squawk, 'emergency')})")
    if authorised:
        why.extend(_admitted(zone, f, at, identity, iso3, squawk, callsign, cls, label))
        return tuple(why)

    if not xpdr and not identity:
        why.append("no transponder and no identity")
    elif not xpdr:
        why.append("no transponder")
    if cls == TargetClass.FAST_JET and not xpdr:
        spd = f" ({speed:.0f} m/s)" if math.isfinite(speed) else ""
        why.append(f"fast jet{spd} without transponder")
    if state_ac and iso3 and iso3 != zone.owner and iso3 not in zone.allies:
        why.append(f"{FOREIGN_STATE} registered in {iso3}")
    if drone:
        if zone.kind == ZoneKind.AIRPORT:
            why.append(f"drone inside the drone zone of {label}")
        else:
            why.append(f"drone inside {label}")
        if Admit.DRONE_REMOTE_ID in zone.admits and not identity.startswith("rid:"):
            why.append("drone without Remote ID")
    why.append(f"not admitted in {label}: admits {describe_admits(zone.admits)}")
    return tuple(why)


def _admitted(
    zone: Zone,
    f: TargetFacts,
    at: int,
    identity: str,
    iso3: str,
    squawk: str,
    callsign: str,
    cls: str,
    label: str,
) -> list[str]:
    """Reasons for an admitted target: the first token it satisfies, in words."""
    admits, state_ac, drone = zone.admits, bool(f.state_aircraft[at]), bool(f.drone[at])
    if Admit.CIVIL_COOPERATIVE in admits and bool(f.civil[at]):
        parts = ["transponder"]
        parts.append(f"{identity} ({icao.state_name(iso3)})" if iso3 else identity)
        if callsign:
            parts.append(f"callsign {callsign}")
        if squawk:
            parts.append(f"squawk {squawk}")
        return [f"cooperative civil traffic: {', '.join(parts)}"]
    if Admit.STATE_OWN in admits and state_ac and iso3 and iso3 == zone.owner:
        return [f"own state aircraft registered in {iso3} ({icao.state_name(iso3)})"]
    if Admit.STATE_ALLIED in admits and state_ac and iso3 in zone.allies:
        return [f"allied state aircraft registered in {iso3} ({icao.state_name(iso3)})"]
    if Admit.DRONE_REMOTE_ID in admits and drone and identity.startswith("rid:"):
        return [f"drone with Remote ID {identity}"]
    if Admit.NON_DRONE in admits and not drone:
        return [f"{cls.replace('_', ' ')}, not a drone: admitted in {label}"]
    if Admit.ANY in admits:
        return [f"{label} admits all traffic"]
    return [f"admitted in {label}"]
