"""Incident routes: list and detail (any role), acknowledge and annotate (operator),
authorise or refuse an action (the role the action demands; see :func:`required_role`),
through the playbook's decision desk when the server has one
(:mod:`airsentry.server.console_desk`): then the playbook must also recommend the action
for that incident, and the audit log records every acceptance and refusal.

Every acknowledgement, note and decision is recorded in the store with the user's name
and the wall-clock time it was taken (human time, unlike the events' event time), and
is pushed to every console as a ``decision`` message.
"""

from __future__ import annotations

import enum
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from airsentry.incidents import BookedIncident, Decision, DecisionKind, TrackState
from airsentry.incidents.tracklog import acknowledged
from airsentry.model import Action, Incident, ZoneKind, isoformat
from airsentry.server.auth import Role, User
from airsentry.server.console_desk import AuthorisationError
from airsentry.server.deps import Ctx, Operator, Viewer
from airsentry.server.routes_read import ISO3, aware

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

ALERTS = frozenset({Action.MONITOR, Action.ALERT_OPERATOR})
"""Actions an operator may confirm; everything beyond them is a commander's decision."""


class Verdict(enum.StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"


class Note(BaseModel):
    note: str = Field("", max_length=2000, description="free text, kept with the decision")


class NoteText(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    action: Action
    decision: Verdict
    note: str = Field("", max_length=2000)


def required_role(incident: Incident, action: Action) -> Role:
    """Who may authorise ``action`` on ``incident``.

    A commander for every action beyond alerting the operator (air defence, intercept,
    closing an airport, engagement: each needs a named authority), and for any action
    the incident's recommendation marks as needing a decision; an operator otherwise.
    """
    rec = incident.recommendation
    if action not in ALERTS or (rec is not None and rec.action == action and rec.needs_decision):
        return Role.COMMANDER
    return Role.OPERATOR


def _incident(ctx: Ctx, incident_id: str) -> BookedIncident:
    inc = ctx.store.get(incident_id)
    if inc is None:
        raise HTTPException(404, f"no incident {incident_id!r}")
    return inc


def _publish(ctx: Ctx, decision: Decision, user: User) -> dict[str, Any]:
    out = decision.to_dict()
    out["role"] = str(user.role)
    ctx.hub.publish({"type": "decision", "decision": out})
    return out


def _record(
    ctx: Ctx,
    incident_id: str,
    user: User,
    kind: DecisionKind,
    note: str,
    action: Action | None = None,
) -> dict[str, Any]:
    decision = ctx.store.record_decision(
        incident_id, time=datetime.now(UTC), operator=user.name, kind=kind, action=action, note=note
    )
    return _publish(ctx, decision, user)


@router.get("", summary="Incidents matching every filter, in order of start")
def list_incidents(
    ctx: Ctx,
    user: Viewer,
    owner: ISO3 = None,
    year: Annotated[int | None, Query(ge=1970, le=9999)] = None,
    zone_kind: ZoneKind | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    found = ctx.store.list(
        owner,
        year,
        aware(since, "since"),
        aware(until, "until"),
        str(zone_kind) if zone_kind else None,
        status=status,
    )
    where = ctx.store.incident_positions()
    acked = acknowledged(ctx.store)
    return [
        with_position(inc.to_dict(), where) | {"acknowledged": inc.id in acked} for inc in found
    ]


def with_position(
    incident: dict[str, Any], where: dict[str, tuple[float, float]]
) -> dict[str, Any]:
    """The incident's map position (``lat``, ``lon``; None when no event was located)."""
    lat, lon = where.get(incident["id"], (None, None))
    incident["lat"], incident["lon"] = lat, lon
    return incident


def track_json(track: TrackState) -> dict[str, Any]:
    """One object of an incident as the console shows it: class, times, stay, depth."""

    def iso(t: float | None) -> str | None:
        return isoformat(t) if t is not None and math.isfinite(t) else None

    return {
        "track_id": track.track_id,
        "identity": track.identity,
        "target_class": track.target_class,
        "first_seen": iso(track.first_time),
        "last_seen": iso(track.last_time),
        "dwell_s": round(float(track.dwell_s), 1),
        "depth_m": round(float(track.depth_m), 1),
    }


@router.get("/{incident_id}", summary="One incident: timeline, tracks, decisions")
def get_incident(incident_id: str, ctx: Ctx, user: Viewer) -> dict[str, Any]:
    inc = ctx.store.get(incident_id, with_events=True)
    if inc is None:
        raise HTTPException(404, f"no incident {incident_id!r}")
    out = with_position(inc.to_dict(with_events=True), ctx.store.incident_positions(inc.id))
    out["tracks"] = [track_json(t) for t in ctx.store.incident_tracks(incident_id)]
    decisions = ctx.store.decisions_for(incident_id)
    out["decisions"] = [d.to_dict() for d in decisions]
    out["acknowledged_by"] = [d.operator for d in decisions if d.kind is DecisionKind.ACKNOWLEDGE]
    out["acknowledged"] = bool(out["acknowledged_by"])
    rec = inc.recommendation
    out["authorise_role"] = str(required_role(inc, rec.action)) if rec else None
    return out


@router.post(
    "/{incident_id}/acknowledge", summary="Acknowledge an incident (operator)", status_code=201
)
def acknowledge(incident_id: str, body: Note, ctx: Ctx, user: Operator) -> dict[str, Any]:
    _incident(ctx, incident_id)
    if ctx.desk is None:
        return _record(ctx, incident_id, user, DecisionKind.ACKNOWLEDGE, body.note)
    now = datetime.now(UTC)
    try:
        decision = ctx.desk.acknowledge(ctx.store, user, incident_id, time=now, note=body.note)
    except AuthorisationError as exc:
        raise HTTPException(403, str(exc)) from None
    return _publish(ctx, decision, user)


@router.post("/{incident_id}/notes", summary="Annotate an incident (operator)", status_code=201)
def annotate(incident_id: str, body: NoteText, ctx: Ctx, user: Operator) -> dict[str, Any]:
    _incident(ctx, incident_id)
    if ctx.desk is None:
        return _record(ctx, incident_id, user, DecisionKind.NOTE, body.text)
    note = ctx.desk.note(ctx.store, user, incident_id, time=datetime.now(UTC), text=body.text)
    return _publish(ctx, note, user)


@router.post(
    "/{incident_id}/decisions",
    summary="Authorise or refuse an action (commander for anything beyond alerting)",
    status_code=201,
    responses={403: {"description": "the user's role may not decide this action"}},
)
def decide(incident_id: str, body: DecisionIn, ctx: Ctx, user: Operator) -> dict[str, Any]:
    inc = _incident(ctx, incident_id)
    needed = required_role(inc, body.action)
    if not user.role.allows(needed):
        reason = (
            f"to {body.decision} {body.action} needs the {needed} role; "
            f"{user.name} has the {user.role} role"
        )
        if ctx.desk is not None:  # every attempt to act is audited
            attempt = f"{body.decision} {body.action} on {incident_id}"
            ctx.desk.denied(user, attempt, reason, time=datetime.now(UTC))
        raise HTTPException(403, reason)
    if ctx.desk is None:
        approved = body.decision is Verdict.APPROVE
        kind = DecisionKind.AUTHORISE if approved else DecisionKind.REFUSE
        return _record(ctx, incident_id, user, kind, body.note, body.action)
    verb = "authorised" if body.decision is Verdict.APPROVE else "refused"
    reasons = [body.note] if body.note.strip() else [f"{verb} by {user.name} at the console"]
    rec = inc.recommendation
    try:
        decision = ctx.desk.decide(
            ctx.store,
            user,
            incident_id,
            body.action,
            refuse=body.decision is Verdict.REFUSE,
            time=datetime.now(UTC),
            reasons=reasons,
            authority=rec.authority if rec is not None and rec.action == body.action else None,
        )
    except AuthorisationError as exc:
        raise HTTPException(403, exc.reason) from None
    return _publish(ctx, decision, user)
