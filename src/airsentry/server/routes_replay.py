"""Replay routes (any role): every track at a stored time, with its trail.

``GET /api/tracks/at?t=2025-09-22T19:00:00Z&bbox=12.4,55.5,12.8,55.8&trail=300`` reads
the track log (:mod:`airsentry.incidents.tracklog`) that every pipeline with a store
records: each track sampled within the last :data:`~airsentry.incidents.tracklog.STALE_S`
seconds before ``t``, its state then, and its trail over ``trail`` seconds.
``GET /api/tracks/span`` gives the period the log holds, for the replay's slider.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from airsentry.incidents.tracklog import BBox, TrackLog
from airsentry.model import from_epoch, isoformat
from airsentry.server.deps import Ctx, Viewer
from airsentry.server.routes_read import aware

router = APIRouter(prefix="/api", tags=["replay"])


def parse_bbox(text: str | None) -> BBox | None:
    """``west,south,east,north`` in degrees; 422 naming the fault otherwise."""
    if text is None:
        return None
    try:
        w, s, e, n = (float(x) for x in text.split(","))
    except ValueError:
        raise HTTPException(422, "bbox: expected west,south,east,north in degrees") from None
    if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise HTTPException(422, "bbox: west <= east in [-180, 180], south <= north in [-90, 90]")
    return BBox(w, s, e, n)


@router.get("/tracks/span", summary="The period the track log holds")
def tracks_span(ctx: Ctx, user: Viewer) -> dict[str, Any]:
    first, last, rows = TrackLog(ctx.store).span()
    return {
        "first": isoformat(from_epoch(first)) if first is not None else None,
        "last": isoformat(from_epoch(last)) if last is not None else None,
        "states": rows,
    }


@router.get("/tracks/at", summary="Every track at a stored time, with its trail")
def tracks_at(
    ctx: Ctx,
    user: Viewer,
    t: datetime,
    bbox: Annotated[str | None, Query(description="west,south,east,north (degrees)")] = None,
    trail: Annotated[float, Query(ge=0, le=3600, description="trail length, seconds")] = 300.0,
) -> dict[str, Any]:
    when = aware(t, "t")
    assert when is not None
    found = TrackLog(ctx.store).at(when.timestamp(), trail_s=trail, bbox=parse_bbox(bbox))
    return {"time": isoformat(when), "tracks": found}


@router.get(
    "/incidents/{incident_id}/paths",
    summary="The sampled paths of an incident's objects, a minute either side of it",
    responses={404: {}},
)
def incident_paths(incident_id: str, ctx: Ctx, user: Viewer) -> dict[str, Any]:
    inc = ctx.store.get(incident_id)
    if inc is None:
        raise HTTPException(404, f"no incident {incident_id!r}")
    ids = [t.track_id for t in ctx.store.incident_tracks(incident_id) if t.track_id is not None]
    found = TrackLog(ctx.store).paths(ids, inc.start.timestamp() - 60.0, inc.end.timestamp() + 60.0)
    return {"paths": {str(k): v for k, v in found.items()}}


@router.get(
    "/incidents/{incident_id}/dossier",
    summary="The incident's dossier as one self-contained HTML page",
    response_class=HTMLResponse,
    responses={404: {}},
)
def incident_dossier(incident_id: str, ctx: Ctx, user: Viewer) -> HTMLResponse:
    from airsentry.outputs.dossier import gather, render_html

    if ctx.store.get(incident_id) is None:
        raise HTTPException(404, f"no incident {incident_id!r}")
    log = ctx.desk.log if ctx.desk is not None else _NoAudit()
    page = render_html(gather(ctx.store, incident_id, ctx.zones.by_id, log))
    name = f"airsentry-dossier-{incident_id}.html"
    return HTMLResponse(page, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class _NoAudit:
    """A console without a decision desk has no audit log to cite."""

    def entries(self) -> list[dict[str, Any]]:
        return []
