"""User zones from GeoJSON: sites, temporary restrictions, or extra national zones.

A FeatureCollection whose features are Polygons or MultiPolygons (lon/lat) with these
properties:

========== ====================================================================
id         unique, non-empty text (required)
name       text (default: the id)
kind       one of ``sovereign buffer airport site temporary`` (required)
owner      ISO 3166 alpha-3 code of the state answerable for it (required)
floor_m    metres above mean sea level, number or null (default: no floor)
ceiling_m  idem (default: no ceiling); floor must be below ceiling
valid_from ISO 8601 with a time zone, or null (naive times are refused)
valid_to   idem; must be after valid_from
admits     list of :class:`~airsentry.model.Admit` tokens (default per kind:
           sovereign/buffer civil_cooperative, state_own, state_allied,
           drone_remote_id; airport non_drone; site civil_cooperative, state_own,
           state_allied; temporary nothing)
allies     list of ISO3 codes (default: NATO members when the owner is one)
========== ====================================================================

Other properties are kept in ``Zone.properties``. A malformed feature gives a
:class:`~airsentry.errors.ZoneDefinitionError` whose ``line`` is the feature's index in
the collection (from 0) and whose reason names the feature and the fault.
:func:`check_user_zones` collects every error; :func:`load_user_zones` raises the first.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from airsentry.airspace.borders import alliance_of
from airsentry.airspace.zones import DEFAULT_ADMITS
from airsentry.errors import ZoneDefinitionError
from airsentry.model import Admit, Zone, ZoneKind, parse_time

_ISO3 = re.compile(r"^[A-Z]{3}$")
_KNOWN = frozenset(
    {"id", "name", "kind", "owner", "floor_m", "ceiling_m", "valid_from", "valid_to", "admits",
     "allies"}
)  # fmt: skip


class _Fault(Exception):
    """One reason a feature is malformed (internal)."""


def load_user_zones(path: str | Path) -> list[Zone]:
    """Zones of a GeoJSON file; raise :class:`ZoneDefinitionError` at the first fault."""
    zones, errors = check_user_zones(path)
    if errors:
        raise errors[0]
    return zones


def check_user_zones(path: str | Path) -> tuple[list[Zone], list[ZoneDefinitionError]]:
    """The valid zones of a GeoJSON file and an error for every malformed feature."""
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [ZoneDefinitionError(f"cannot read GeoJSON: {exc}", source=source)]
    return parse_user_zones(data, source=source)


def parse_user_zones(
    data: Any, *, source: str = "<geojson>"
) -> tuple[list[Zone], list[ZoneDefinitionError]]:
    """Like :func:`check_user_zones`, from already parsed GeoJSON."""
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        return [], [ZoneDefinitionError("not a GeoJSON FeatureCollection", source=source)]
    features = data.get("features")
    if not isinstance(features, list):
        return [], [ZoneDefinitionError("FeatureCollection has no feature list", source=source)]
    zones: list[Zone] = []
    errors: list[ZoneDefinitionError] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(features):
        label = _label(feature, i)
        try:
            zone = _zone(feature)
            if zone.id in seen:
                raise _Fault(f"duplicate id {zone.id!r} (also feature {seen[zone.id]})")
        except _Fault as fault:
            errors.append(ZoneDefinitionError(f"{label}: {fault}", source=source, line=i))
            continue
        seen[zone.id] = i
        zones.append(zone)
    return zones, errors


def _label(feature: Any, i: int) -> str:
    props = feature.get("properties") if isinstance(feature, Mapping) else None
    fid = props.get("id") if isinstance(props, Mapping) else None
    return f"feature {i} ({fid!r})" if isinstance(fid, str) and fid else f"feature {i}"


def _zone(feature: Any) -> Zone:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise _Fault("not a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        raise _Fault("no properties")
    zid = props.get("id")
    if not isinstance(zid, str) or not zid.strip():
        raise _Fault("missing id")
    kind_text = props.get("kind")
    try:
        kind = ZoneKind(str(kind_text))
    except ValueError:
        known = ", ".join(k.value for k in ZoneKind)
        raise _Fault(f"unknown kind {kind_text!r} (one of {known})") from None
    owner = props.get("owner")
    if not isinstance(owner, str) or not _ISO3.match(owner):
        raise _Fault(f"owner {owner!r} is not an ISO 3166 alpha-3 code")
    floor = _metres(props, "floor_m", -math.inf)
    ceiling = _metres(props, "ceiling_m", math.inf)
    if floor >= ceiling:
        raise _Fault(f"floor_m {floor:g} is not below ceiling_m {ceiling:g}")
    valid_from = _time(props, "valid_from")
    valid_to = _time(props, "valid_to")
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise _Fault(f"valid_to {valid_to.isoformat()} is not after valid_from")
    admits = _admits(props.get("admits"), kind)
    allies = _allies(props.get("allies"), owner)
    name = props.get("name", zid)
    if not isinstance(name, str):
        raise _Fault("name is not text")
    return Zone(
        id=zid,
        name=name,
        kind=kind,
        owner=owner,
        geometry=_geometry(feature.get("geometry")),
        floor_m=floor,
        ceiling_m=ceiling,
        valid_from=valid_from,
        valid_to=valid_to,
        admits=admits,
        allies=allies,
        properties={k: v for k, v in props.items() if k not in _KNOWN},
    )


def _metres(props: Mapping[str, Any], key: str, default: float) -> float:
    value = props.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise _Fault(f"{key} {value!r} is not a number")
    return float(value)


def _time(props: Mapping[str, Any], key: str) -> datetime | None:
    text = props.get(key)
    if text is None:
        return None
    if not isinstance(text, str):
        raise _Fault(f"{key} {text!r} is not ISO 8601 text")
    try:
        return parse_time(text)
    except ValueError as exc:
        raise _Fault(f"{key}: {exc}") from None


def _admits(value: Any, kind: ZoneKind) -> frozenset[Admit]:
    if value is None:
        return DEFAULT_ADMITS[kind]
    if not isinstance(value, list):
        raise _Fault("admits is not a list")
    out = set()
    for token in value:
        try:
            out.add(Admit(token))
        except ValueError:
            known = ", ".join(a.value for a in Admit)
            raise _Fault(f"unknown admit token {token!r} (one of {known})") from None
    return frozenset(out)


def _allies(value: Any, owner: str) -> frozenset[str]:
    if value is None:
        return alliance_of(owner)
    if not isinstance(value, list) or not all(isinstance(v, str) and _ISO3.match(v) for v in value):
        raise _Fault(f"allies {value!r} is not a list of ISO3 codes")
    return frozenset(value)


def _geometry(geojson: Any) -> Any:
    if not isinstance(geojson, Mapping):
        raise _Fault("no geometry")
    if geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise _Fault(f"geometry type {geojson.get('type')!r} is not Polygon or MultiPolygon")
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise _Fault(f"invalid geometry: {exc}") from None
    if geom.is_empty:
        raise _Fault("invalid geometry: empty")
    if not geom.is_valid:
        raise _Fault(f"invalid geometry: {shapely.is_valid_reason(geom)}")
    xmin, ymin, xmax, ymax = geom.bounds
    if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
        raise _Fault("invalid geometry: coordinates outside lon [-180, 180], lat [-90, 90]")
    return geom
