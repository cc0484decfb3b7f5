"""The default recommendation table: what to do about an incident, and who decides.

:func:`recommend` is a pure function of an :class:`~airsentry.model.Incident`. It reads
the incident into a small :class:`Situation` (zone kind, classes and counts, whether a
swarm or a foreign state aircraft is involved, whether anything was unauthorised) and
walks :data:`TABLE`, a tuple of :class:`RuleRow` ordered from the most to the least
severe response. The first row that matches decides the action; the triggers of the
other matching rows are kept as further reasons, so that a drone swarm over an airport
both closes the airport and says it is a swarm.

This table never recommends :attr:`~airsentry.model.Action.ENGAGE`: engagement
requires the rules-of-engagement playbooks (:mod:`airsentry.assess.playbook`, which the
pipeline now uses; :func:`situation` is what their triggers read) and a recorded human
decision by the competent authority (:mod:`airsentry.assess.decide`). Every action
beyond alerting is a recommendation that a named authority must decide
(``needs_decision``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from airsentry.assess import icao
from airsentry.assess.authority import DRONE_CLASSES, FOREIGN_STATE, zone_label
from airsentry.model import Action, EventKind, Incident, Recommendation, TargetClass, ZoneKind

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
        silent=not bool((addresses >= 0).any()),
        unauthorised=unauthorised,
        radius_m=radius,
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _jets(s: Situation) -> str:
    silent = " without transponder" if s.silent else ""
    return f"{_plural(s.fast_jets, 'fast jet')}{silent} in {s.label}"


def _intercept_reason(s: Situation) -> str:
    if s.fast_jets:
        return _jets(s)
    return f"{s.foreign_state} {FOREIGN_STATE} in {s.label}"


def _airport_reason(s: Situation) -> str:
    where = f"inside the drone zone of {s.label}"
    if s.radius_m is not None:
        where = f"within {s.radius_m / 1000:.0f} km of {s.label}"
    return f"{_plural(max(s.drones, 1), 'drone')} {where}"


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One row of the recommendation table."""

    name: str
    when: Callable[[Situation], bool]
    action: Action
    authority: str
    needs_decision: bool
    reason: Callable[[Situation], str]
    target: Callable[[Situation], str] = lambda s: ""


def _sovereign(s: Situation) -> bool:
    return s.kind == ZoneKind.SOVEREIGN


TABLE: tuple[RuleRow, ...] = (
    RuleRow(
        "state_aircraft_in_sovereign_airspace",
        lambda s: s.unauthorised and _sovereign(s) and (s.fast_jets > 0 or s.foreign_state > 0),
        Action.INTERCEPT_ESCORT,
        "air_policing_commander",
        True,
        _intercept_reason,
    ),
    RuleRow(
        "drone_at_airport",
        lambda s: s.unauthorised and s.kind == ZoneKind.AIRPORT and s.drones > 0,
        Action.CLOSE_AIRPORT,
        "airport_authority",
        True,
        _airport_reason,
        target=lambda s: s.airport,
    ),
    RuleRow(
        "swarm",
        lambda s: s.unauthorised and s.swarm,
        Action.ALERT_AIR_DEFENCE,
        "air_defence_commander",
        False,
        lambda s: f"swarm of {_plural(max(s.drones, s.objects), 'object')} in {s.label}",
    ),
    RuleRow(
        "drones_into_sovereign_airspace",
        lambda s: s.unauthorised and _sovereign(s) and s.drones > 0,
        Action.ALERT_AIR_DEFENCE,
        "air_defence_commander",
        False,
        lambda s: f"{_plural(s.drones, 'drone')} crossing into {s.label}",
    ),
    RuleRow(
        "fast_jets_in_buffer",
        lambda s: s.unauthorised and s.kind == ZoneKind.BUFFER and s.fast_jets > 0,
        Action.ALERT_AIR_DEFENCE,
        "air_defence_commander",
        False,
        _jets,
    ),
    RuleRow(
        "unauthorised",
        lambda s: s.unauthorised,
        Action.ALERT_OPERATOR,
        "operator",
        False,
        lambda s: f"{_plural(max(s.objects, 1), 'unauthorised object')} in {s.label}",
    ),
    RuleRow(
        "nothing_unauthorised",
        lambda s: True,
        Action.MONITOR,
        "operator",
        False,
        lambda s: f"no unauthorised target in {s.label}",
    ),
)


def recommend(incident: Incident) -> Recommendation:
    """The default response to ``incident``: the first matching row of :data:`TABLE`.

    The reasons are that row's trigger, then the triggers of the other matching rows
    that name something specific (not the generic "unauthorised" and "monitor" rows).
    """
    s = situation(incident)
    matching = [row for row in TABLE if row.when(s)]
    first = matching[0]
    reasons = tuple(
        dict.fromkeys(row.reason(s) for row in matching if row.action != Action.MONITOR)
    )
    return Recommendation(
        action=first.action,
        reasons=reasons or (first.reason(s),),
        authority=first.authority,
        needs_decision=first.needs_decision,
        target=first.target(s),
    )
