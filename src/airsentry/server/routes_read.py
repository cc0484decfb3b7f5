"""Read-only routes (any role): who am I, live tracks, zones, events, sensors, statistics.

Times in queries are ISO 8601 with a zone (``2025-09-19T06:00:00Z``); a time without
one is refused with 422 rather than guessed, as everywhere in airsentry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response

from airsentry.model import EventKind, ZoneKind, isoformat, utc
from airsentry.server.deps import Ctx, Viewer

router = APIRouter(prefix="/api", tags=["read"])

_STAT_KINDS = f"^(all|{'|'.join(k.value for k in ZoneKind)})$"
ISO3 = Annotated[str | None, Query(pattern="^[A-Z]{3}$", description="ISO 3166 alpha-3")]


def aware(dt: datetime | None, name: str) -> datetime | None:
    """``dt`` in UTC; 422 when it has no zone or cannot be placed on the UTC line."""
    if dt is None:
        return None
    try:
        out = utc(dt)
        out.timestamp()
    except (ValueError, OverflowError) as exc:
        raise HTTPException(422, f"{name}: {exc}") from None
    return out


@router.get("/me", summary="The user holding the token, and their role")
def me(user: Viewer) -> dict[str, str]:
    return {"name": user.name, "role": str(user.role)}


@router.get("/status", summary="Pipeline state: event time, reports, events, live tracks")
def status(ctx: Ctx, user: Viewer) -> dict[str, Any]:
    out = ctx.picture.status()
    out["clients"] = ctx.hub.clients
    out["error"] = str(ctx.runner.error) if ctx.runner and ctx.runner.error else None
    return out


@router.get("/tracks", summary="Live tracks with their latest state and trail")
def tracks(ctx: Ctx, user: Viewer) -> list[dict[str, Any]]:
    return ctx.picture.snapshot()


@router.get("/tracks/{track_id}", summary="One live track", responses={404: {}})
def track(track_id: int, ctx: Ctx, user: Viewer) -> dict[str, Any]:
    for t in ctx.picture.snapshot():
        if t["id"] == track_id:
            return t
    raise HTTPException(404, f"no live track {track_id}")


@router.get(
    "/zones",
    summary="Zones as a GeoJSON FeatureCollection, simplified for display",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def zones(
    ctx: Ctx,
    user: Viewer,
    kind: Annotated[list[ZoneKind] | None, Query()] = None,
    owner: ISO3 = None,
) -> Response:
    chosen = ctx.zones.select([str(k) for k in kind] if kind else None, owner)
    return Response(ctx.zones.collection_text(chosen), media_type="application/geo+json")


@router.get(
    "/zones/{zone_id}",
    summary="One zone as a GeoJSON Feature",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}, 404: {}},
)
def zone(zone_id: str, ctx: Ctx, user: Viewer) -> Response:
    z = ctx.zones.by_id.get(zone_id)
    if z is None:
        raise HTTPException(404, f"no zone {zone_id!r}")
    return Response(ctx.zones.feature_text(z), media_type="application/geo+json")


@router.get("/events", summary="Stored events in a time window, oldest first (the replay)")
def events(
    ctx: Ctx,
    user: Viewer,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: EventKind | None = None,
    zone_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> list[dict[str, Any]]:
    found = ctx.store.events_between(
        since=aware(since, "since"),
        until=aware(until, "until"),
        kind=str(kind) if kind else None,
        zone_id=zone_id,
        limit=limit,
    )
    return [{**event.to_dict(), "incident_id": incident_id} for event, incident_id in found]


@router.get("/events/span", summary="First and last stored event time")
def events_span(ctx: Ctx, user: Viewer) -> dict[str, Any]:
    span = ctx.store.event_span()
    return {
        "first": isoformat(span.first) if span.first is not None else None,
        "last": isoformat(span.last) if span.last is not None else None,
        "events": span.events,
    }


@router.get("/sensors", summary="Sensors heard: reports, last report, silent or not")
def sensors(ctx: Ctx, user: Viewer) -> list[dict[str, Any]]:
    return ctx.picture.sensor_list()


@router.get(
    "/statistics",
    summary="Incidents per state per year (violations by default: booked incidents of "
    "sovereign zones, and with them the public record's violations)",
)
def statistics(
    ctx: Ctx,
    user: Viewer,
    zone_kind: Annotated[
        str, Query(pattern=_STAT_KINDS, description="a zone kind, or all (every incident)")
    ] = "sovereign",
) -> list[dict[str, Any]]:
    counts = ctx.store.count_by_owner_year(None if zone_kind == "all" else zone_kind)
    violations = ctx.store.violations_by_owner_year() if zone_kind == "sovereign" else {}
    return [
        {"owner": owner, "year": year, "incidents": counts.get((owner, year), 0)}
        | ({"violations": violations.get((owner, year), 0)} if zone_kind == "sovereign" else {})
        for owner, year in sorted(counts.keys() | violations.keys())
    ]
