"""Incident outputs: a timeline an operator can read, and JSON, CSV and GeoJSON exports.

All times are written in UTC. The exports carry the fields of
:meth:`~airsentry.model.Incident.to_dict` (plus ``ordinal`` for incidents from the
book), so a file written today can be read by anything that knows that vocabulary.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from airsentry.errors import ConfigError
from airsentry.incidents.countries import country_adjective, country_name
from airsentry.incidents.records import BookedIncident
from airsentry.model import Incident, ZoneKind, utc

EXPORT_FORMATS = ("json", "csv", "geojson")

CSV_COLUMNS = (
    "id",
    "status",
    "start",
    "end",
    "zone_id",
    "zone_kind",
    "zone_name",
    "owner",
    "ordinal",
    "object_count",
    "dwell_s",
    "depth_m",
    "track_ids",
    "identities",
    "classes",
    "severity",
    "recommendation",
    "authority",
    "needs_decision",
    "recommendation_reasons",
    "reasons",
)
"""Columns of the CSV export; list-valued fields are joined with ``;``."""


# -- small formatters ---------------------------------------------------------------


def ordinal_text(n: int) -> str:
    """1 → ``1st``, 2 → ``2nd``, 11 → ``11th``, 23 → ``23rd``."""
    teen = 10 <= n % 100 <= 20
    suffix = "th" if teen else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def duration_text(seconds: float) -> str:
    """Seconds as ``m:ss`` under an hour, ``h:mm:ss`` from an hour on (``7:06:53``)."""
    total = round(seconds) if math.isfinite(seconds) and seconds > 0 else 0
    hours, rest = divmod(total, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"


def ordinal_of(incident: Incident) -> int | None:
    """The ordinal of a booked sovereign incident, else ``None``."""
    if isinstance(incident, BookedIncident) and incident.zone_kind == ZoneKind.SOVEREIGN:
        return incident.ordinal
    return None


def violation_line(incident: Incident) -> str | None:
    """``"the 4th violation of Estonian airspace in 2025"``, for sovereign incidents."""
    n = ordinal_of(incident)
    if n is None:
        return None
    year = utc(incident.start).year
    return (
        f"the {ordinal_text(n)} violation of {country_adjective(incident.owner)} airspace in {year}"
    )


# -- the timeline -------------------------------------------------------------------


def _when(incident: Incident) -> str:
    start, end = utc(incident.start), utc(incident.end)
    end_text = (
        end.strftime("%H:%M:%S")
        if end.date() == start.date()
        else end.strftime("%Y-%m-%d %H:%M:%S")
    )
    span = duration_text((end - start).total_seconds())
    return f"{start:%Y-%m-%d %H:%M:%S} – {end_text} UTC ({span})"


def _objects(incident: Incident) -> str:
    n = incident.object_count
    noun = "object" if n == 1 else "objects"
    classes = f" ({', '.join(incident.classes)})" if incident.classes else ""
    return (
        f"{n} {noun}{classes}; longest dwell {duration_text(incident.dwell_s)}; "
        f"deepest {incident.depth_m / 1000.0:.1f} km"
    )


def _response(incident: Incident, top: int) -> str:
    rec = incident.recommendation
    if rec is None:
        return "none recommended"
    who = f"decision by {rec.authority}" if rec.needs_decision else f"for the {rec.authority}"
    target = f" {rec.target}" if rec.target else ""
    reasons = list(rec.reasons) or list(incident.reasons)
    why = f"; because: {'; '.join(reasons[:top])}" if reasons else ""
    return f"{rec.action.value.replace('_', ' ')}{target} ({who}){why}"


def timeline_text(incidents: Iterable[Incident], *, top_reasons: int = 3) -> str:
    """A plain-text timeline of incidents in order of start, one block per incident.

    Each block says when (UTC, with the span as m:ss), where (zone name and kind, the
    owner state), how many objects and of what classes, the longest dwell (m:ss) and
    the deepest penetration (km), the recommended response with its top reasons, and
    for sovereign incidents the line "the nth violation of <owner> airspace in <year>".
    """
    ordered = sorted(incidents, key=lambda i: (utc(i.start), i.id))
    if not ordered:
        return "No incidents.\n"
    noun = "incident" if len(ordered) == 1 else "incidents"
    lines = [f"Incident timeline: {len(ordered)} {noun}", ""]
    for incident in ordered:
        zone = incident.zone_name or incident.zone_id
        owner = f"{country_name(incident.owner)} ({incident.owner})" if incident.owner else "none"
        lines.append(
            f"{incident.id}  {_when(incident)}  [{incident.status}, severity {incident.severity}]"
        )
        kind = incident.zone_kind or "unknown"
        lines.append(f"  where:    {zone} — {kind} zone {incident.zone_id}, owner {owner}")
        lines.append(f"  what:     {_objects(incident)}")
        if incident.identities:
            lines.append(f"  who:      {', '.join(incident.identities)}")
        lines.append(f"  response: {_response(incident, top_reasons)}")
        violation = violation_line(incident)
        if violation is not None:
            lines.append(f"  record:   {violation}")
        lines.append("")
    return "\n".join(lines)


# -- exports ------------------------------------------------------------------------


def _csv_row(incident: Incident) -> dict[str, Any]:
    d = incident.to_dict()
    rec = incident.recommendation
    row = {key: d.get(key, "") for key in CSV_COLUMNS}
    for key in ("track_ids", "identities", "classes", "reasons"):
        row[key] = ";".join(str(v) for v in d[key])
    row["ordinal"] = "" if d.get("ordinal") is None else d["ordinal"]
    row["recommendation"] = d["recommendation"] or ""
    row["authority"] = rec.authority if rec else ""
    row["needs_decision"] = str(rec.needs_decision).lower() if rec else ""
    row["recommendation_reasons"] = ";".join(rec.reasons) if rec else ""
    return row


def _to_csv(incidents: Sequence[Incident]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for incident in incidents:
        writer.writerow(_csv_row(incident))
    return out.getvalue()


def _to_json(incidents: Sequence[Incident]) -> str:
    return json.dumps([i.to_dict() for i in incidents], indent=2, ensure_ascii=False)


def _paths(incident: Incident) -> list[dict[str, Any]]:
    """Each object's path from the incident's located events, in time order, as GeoJSON
    (a LineString, or a Point for an object seen at one place): entry, exit and the
    positions between them, lon before lat."""
    by_object: dict[str, dict[tuple[float, float], None]] = {}
    for event in sorted(incident.events, key=lambda e: utc(e.time)):
        if math.isfinite(event.lat) and math.isfinite(event.lon):
            key = str(event.track_id) if event.track_id is not None else event.identity
            by_object.setdefault(key, {})[(round(event.lon, 7), round(event.lat, 7))] = None
    out: list[dict[str, Any]] = []
    for points in by_object.values():
        coords = [[lon, lat] for lon, lat in points]
        if len(coords) == 1:
            out.append({"type": "Point", "coordinates": coords[0]})
        else:
            out.append({"type": "LineString", "coordinates": coords})
    return out


def _to_geojson(incidents: Sequence[Incident]) -> str:
    features = []
    for incident in incidents:
        paths = _paths(incident)
        geometry = {"type": "GeometryCollection", "geometries": paths} if paths else None
        features.append(
            {
                "type": "Feature",
                "id": incident.id,
                "geometry": geometry,
                "properties": incident.to_dict(),
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


_EXPORTERS: dict[str, Callable[[Sequence[Incident]], str]] = {
    "json": _to_json,
    "csv": _to_csv,
    "geojson": _to_geojson,
}


def export(incidents: Iterable[Incident], fmt: str) -> str:
    """Incidents as text in ``fmt``: ``json``, ``csv`` or ``geojson``.

    * json: an array of :meth:`Incident.to_dict` objects.
    * csv: a header row (:data:`CSV_COLUMNS`), then one row per incident; lists are
      joined with ``;``.
    * geojson: a FeatureCollection, one Feature per incident whose geometry is a
      GeometryCollection of its objects' paths (LineStrings through the located events,
      lon before lat; a Point for an object seen once; ``null`` when the incident has no
      located events: load them with ``store.get(id, with_events=True)``) and whose
      properties are the ``to_dict()`` fields.
    """
    exporter = _EXPORTERS.get(fmt.lower())
    if exporter is None:
        raise ConfigError(
            "fmt", f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}"
        )
    return exporter(list(incidents))
