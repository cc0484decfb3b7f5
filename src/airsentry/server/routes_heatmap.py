"""``GET /api/heatmap``: approaches and violations per H3 cell and month, as GeoJSON.

Read from the incident store's events (any role), counted by
:func:`airsentry.scan.heatmap.heat_counts`, for the console's heat-map layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from airsentry.scan import heatmap
from airsentry.server.deps import Ctx, Viewer
from airsentry.server.routes_read import aware

router = APIRouter(prefix="/api", tags=["read"])


@router.get(
    "/heatmap",
    summary="Approaches and violations per H3 cell and month (GeoJSON)",
)
def heat_map(
    ctx: Ctx,
    user: Viewer,
    resolution: Annotated[int, Query(ge=0, le=10, description="H3 resolution")] = 5,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    kind: Annotated[str | None, Query(pattern="^(approaches|violations)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    events = heatmap.events_from_store(
        ctx.store, since=aware(since, "since"), until=aware(until, "until")
    )
    cells = heatmap.select(heatmap.heat_counts(events, resolution), month=month, kind=kind)
    out = heatmap.to_geojson(cells)
    out["resolution"] = resolution
    return out
