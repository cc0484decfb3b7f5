"""Zones as GeoJSON for the map, simplified for display.

The map is drawn from the package's own catalogue (no tile server): sovereign airspace,
early-warning bands, airport zones and the user's temporary zones and sites. Geometry
is simplified for the screen (about 1 km for borders and bands, 100 m for the small
zones) and coordinates are rounded to 1e-4 degrees (about 10 m), which keeps the whole
of Europe to a few megabytes. Each zone is converted once per process and kept.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely

from airsentry.model import Zone, ZoneKind, isoformat

TOLERANCE_DEG: dict[ZoneKind, float] = {
    ZoneKind.SOVEREIGN: 0.01,
    ZoneKind.BUFFER: 0.01,
    ZoneKind.AIRPORT: 0.001,
    ZoneKind.SITE: 0.001,
    ZoneKind.TEMPORARY: 0.001,
}


def zone_properties(zone: Zone) -> dict[str, Any]:
    """What the console shows of a zone (everything but the geometry)."""
    return {
        "id": zone.id,
        "name": zone.name,
        "kind": str(zone.kind),
        "owner": zone.owner,
        "floor_m": zone.floor_m if zone.floor_m > -1e12 else None,
        "ceiling_m": zone.ceiling_m if zone.ceiling_m < 1e12 else None,
        "valid_from": isoformat(zone.valid_from) if zone.valid_from else None,
        "valid_to": isoformat(zone.valid_to) if zone.valid_to else None,
        "admits": sorted(str(a) for a in zone.admits),
    }


_CACHE: dict[str, tuple[Zone, str]] = {}
_CACHE_LOCK = threading.Lock()


def _convert(zones: Sequence[Zone]) -> list[str]:
    """GeoJSON features of ``zones``: simplified, rounded and serialised, vectorised
    over the zones (one shapely call per step, not one per zone)."""
    geoms = np.array([z.geometry for z in zones], dtype=object)
    tol = np.array([TOLERANCE_DEG.get(z.kind, 0.001) for z in zones])
    # Display only: simplification need not keep topology (10x faster); a zone it
    # collapses still shows, as a point inside it.
    simple = shapely.simplify(geoms, tol, preserve_topology=False)
    empty = shapely.is_empty(simple)
    if empty.any():
        simple[empty] = shapely.point_on_surface(geoms[empty])
    texts = shapely.to_geojson(shapely.transform(simple, lambda xy: np.round(xy, 4)))
    return [
        json.dumps(
            {"type": "Feature", "id": z.id, "properties": zone_properties(z), "geometry": None},
            separators=(",", ":"),
        ).replace('"geometry":null', f'"geometry":{geometry}')
        for z, geometry in zip(zones, texts.tolist(), strict=True)
    ]


class ZoneLayer:
    """The catalogue's zones as GeoJSON features, converted once per zone and process
    (the shipped catalogue is shared by every server context of a process)."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = list(zones)
        self.by_id = {z.id: z for z in self.zones}

    def features(self, zones: Sequence[Zone]) -> list[str]:
        """The serialised feature of each zone, converting those not seen before."""
        with _CACHE_LOCK:
            missing = [z for z in zones if _CACHE.get(z.id, (None,))[0] is not z]
            if missing:
                for z, text in zip(missing, _convert(missing), strict=True):
                    _CACHE[z.id] = (z, text)
            return [_CACHE[z.id][1] for z in zones]

    def feature_text(self, zone: Zone) -> str:
        """The zone's GeoJSON feature, serialised."""
        return self.features([zone])[0]

    def select(self, kinds: Iterable[str] | None = None, owner: str | None = None) -> list[Zone]:
        wanted = set(kinds) if kinds else None
        return [
            z
            for z in self.zones
            if (wanted is None or str(z.kind) in wanted) and (owner is None or z.owner == owner)
        ]

    def collection_text(self, zones: Sequence[Zone]) -> str:
        """A FeatureCollection of ``zones``, serialised."""
        body = ",".join(self.features(zones))
        return f'{{"type":"FeatureCollection","features":[{body}]}}'
