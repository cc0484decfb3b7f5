"""The pure rules of grouping: which events start incidents, what they are about.

Kept free of state and storage so that each rule can be read and tested on its own;
:class:`~airsentry.incidents.book.IncidentBook` applies them.
"""

from __future__ import annotations

from airsentry.model import Event, EventKind, Recommendation, ZoneKind, isoformat


def severity_of(recommendation: Recommendation | None, object_count: int) -> int:
    """Severity as a two-digit number: tens = action step, units = objects (capped at 9).

    The tens digit is the recommended action's rank plus one (1 monitor … 6 engage),
    so severity orders first by what the rules say must be done, then by how many
    objects are involved: a lone jet needing an intercept (31) outranks nine drones
    that only need an operator alert (29). No recommendation counts as monitor.
    """
    rank = recommendation.action.rank if recommendation is not None else 0
    return (rank + 1) * 10 + min(max(object_count, 0), 9)


def natural_key(event: Event) -> str:
    """What identifies an incident across replays: zone, start time, first object."""
    if event.identity:
        first = event.identity
    elif event.track_id is not None:
        first = f"track:{event.track_id}"
    else:
        first = str(event.kind)
    return f"{event.zone_id}|{isoformat(event.time)}|{first}"


def object_keys(event: Event) -> list[tuple[str, int | None, str]]:
    """(key, track id, identity) of each object an event is about.

    A SWARM event names its own track (if any) plus the ints in ``details["track_ids"]``.
    """
    out: list[tuple[str, int | None, str]] = []
    if event.track_id is not None:
        out.append((f"track:{event.track_id}", event.track_id, event.identity))
    elif event.identity:
        out.append((f"identity:{event.identity}", None, event.identity))
    if event.kind is EventKind.SWARM:
        extra = event.details.get("track_ids", ())
        for tid in extra if isinstance(extra, list | tuple) else ():
            key = f"track:{int(tid)}"
            if all(k != key for k, _, _ in out):
                out.append((key, int(tid), ""))
    return out


def starts_incident(event: Event) -> bool:
    if event.kind is EventKind.SWARM:
        return event.authorised is not True
    return (
        event.kind is EventKind.ENTRY
        and event.authorised is False
        and event.zone_kind != ZoneKind.BUFFER
    )
