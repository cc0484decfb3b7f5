"""The situation an incident presents: the facts the playbooks' triggers read.

:func:`situation` reads an :class:`~airsentry.model.Incident` once into a small
:class:`Situation`: zone kind, classes and counts, whether a swarm or a foreign state
aircraft is involved, whether anything was unauthorised. The rules of engagement
(:mod:`airsentry.respond.playbook`) decide on these facts; nothing here recommends.
"""

from __future__ import annotations

from dataclasses import dataclass

from airsentry.identify import icao
from airsentry.identify.authority import DRONE_CLASSES, FOREIGN_STATE, zone_label
from airsentry.model import EventKind, Incident, TargetClass

_FAST_JET = str(TargetClass.FAST_JET)


@dataclass(frozen=True, slots=True)
class Situation:
    """What the table looks at, read once from an incident."""

    kind: str  # ZoneKind value ("" when unknown)
    label: str  # how reasons name the zone: "Estonia airspace"
    owner: str
    airport: str  # ICAO code of the airport for "airport:EKCH" zones, else ""
    fast_jets: int
    drones: int
    objects: int
    swarm: bool
    foreign_state: int  # state aircraft registered to another State than the owner
    silent: bool  # no ICAO address among the targets (so none had a transponder)
    unauthorised: bool
    radius_m: float | None  # the airport zone's radius when the events carry it
    # manned aircraft (helicopter, transport) flying without transponder: air policing
    # intercepts aircraft that do not cooperate, whoever they belong to
    silent_manned: int = 0


_MANNED = (str(TargetClass.HELICOPTER), str(TargetClass.AIRLINER))


def _count(classes: list[str], wanted: tuple[str, ...], objects: int) -> int:
    """How many objects are of the wanted classes.

    ``classes`` is normally one entry per track; when it is deduplicated (shorter than
    the object count) and holds only wanted classes, every object counts.
    """
    n = sum(1 for c in classes if c in wanted)
    if n and len(classes) < objects and all(c in wanted for c in classes):
        return objects
    return n


def situation(incident: Incident) -> Situation:
    """Read the facts the rule table needs from an incident and its events."""
    events = incident.events
    objects = max(incident.object_count, len(set(incident.track_ids)))
    judged = [e.authorised for e in events if e.authorised is not None]
    # An incident is opened for violations; without any judged event, assume one.
    unauthorised = (False in judged) if judged else objects > 0
    reasons = [r for e in events for r in e.reasons] + list(incident.reasons)
    swarm = any(e.kind == EventKind.SWARM for e in events) or any(
        "swarm" in r.lower() for r in reasons
    )
    # Foreign state aircraft among the targets that were not admitted (an allied one in
    # the same incident was admitted and must not count).
    suspects = [e.identity for e in events if e.authorised is False] if judged else []
    addresses = icao.parse_identity([str(i) for i in (suspects or incident.identities)])
    states = icao.registering_state(addresses)
    military = icao.is_military(addresses)
    foreign_by_address = len(
        set(addresses[(states != "") & (states != incident.owner) & military].tolist())
    )
    foreign_by_reason = len(
        {
            (e.track_id, e.identity)
            for e in events
            if any(r.startswith(FOREIGN_STATE) for r in e.reasons)
        }
    )
    zone_id = incident.zone_id
    airport = zone_id.split(":", 1)[1] if zone_id.startswith("airport:") else ""
    radius = next((float(e.details["radius_m"]) for e in events if "radius_m" in e.details), None)
    classes = list(incident.classes) or list(
        {e.track_id: e.target_class for e in events if e.target_class}.values()
    )
    fast = _count(classes, (_FAST_JET,), objects)
    silent = not bool((addresses >= 0).any())
    latest = {e.track_id: e.target_class for e in events if e.target_class}  # time order
    manned = sum(1 for c in latest.values() if c in _MANNED) if silent else 0
    return Situation(
        kind=str(incident.zone_kind),
        label=zone_label(incident.zone_kind, incident.zone_name or zone_id),
        owner=incident.owner,
        airport=airport,
        fast_jets=fast,
        drones=_count(classes, DRONE_CLASSES, objects),
        objects=objects,
        swarm=swarm,
        foreign_state=max(foreign_by_address, foreign_by_reason),
        silent=silent,
        unauthorised=unauthorised,
        radius_m=radius,
        silent_manned=manned if unauthorised else 0,
    )
