"""``GET /api/gnss``: the GNSS-interference layer of the console (any role).

The map the server's pipeline keeps live (:class:`airsentry.gnss.GnssLayer`, a sink of
its steps) for a window of event time, as the GeoJSON FeatureCollection documented in
docs/gnss.md: one hexagon per H3 cell and hour with the share of aircraft whose
navigation was degraded, or ``"insufficient"`` with the count where too few flew.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from airsentry.model import to_epoch
from airsentry.server.deps import Ctx, Viewer
from airsentry.server.routes_read import aware

router = APIRouter(prefix="/api", tags=["read"])


@router.get("/gnss", summary="GNSS-interference map: degraded navigation per H3 cell and hour")
def gnss(
    ctx: Ctx,
    user: Viewer,
    hours: Annotated[float, Query(gt=0, le=168, description="window length, hours")] = 1.0,
    to: Annotated[datetime | None, Query(description="window end (default: newest report)")] = None,
    merge: Annotated[bool, Query(description="one feature per cell over the window")] = False,
) -> dict[str, Any]:
    end = aware(to, "to")
    return ctx.gnss.geojson(
        hours=hours, t_to=None if end is None else to_epoch(end), merge_hours=merge
    )
