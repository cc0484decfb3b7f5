"""Incidents as KML (``airsentry incidents export --format kml``), written with fastkml.

One Folder per incident (its id, a description, a TimeSpan from start to end) holding:
the zone's outline when the zone is known, each object's path through its events
(a LineString with its own TimeSpan; a Point when it has one position), and its entry
and exit points (TimeStamp). Coordinates are longitude, latitude and altitude in
metres, as KML wants. Google Earth and QGIS read it; the TimeSpans drive their time
slider.
"""

from __future__ import annotations

import math
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import datetime

import pygeoif

from airsentry.model import Event, EventKind, Incident, Zone

with warnings.catch_warnings():  # fastkml warns that lxml (pretty printing) is absent
    warnings.simplefilter("ignore", UserWarning)
    from fastkml import KML, Document, Folder, Placemark, TimeSpan, TimeStamp
    from fastkml.times import KmlDateTime


def _when(t: datetime) -> KmlDateTime:
    return KmlDateTime(t)


def _xyz(e: Event) -> tuple[float, float, float]:
    return (e.lon, e.lat, e.alt if math.isfinite(e.alt) else 0.0)


def _object_key(e: Event) -> str:
    return f"track {e.track_id}" if e.track_id is not None else (e.identity or "object")


def _incident_folder(incident: Incident, zone: Zone | None) -> Folder:
    rec = incident.recommendation
    description = (
        f"{incident.zone_name} ({incident.zone_kind}, {incident.owner}); "
        f"{incident.object_count} object(s): {', '.join(incident.classes) or 'unknown'}; "
        f"severity {incident.severity}; status {incident.status}; "
        f"recommendation {rec.action if rec else 'none'}; " + "; ".join(incident.reasons)
    )
    features: list[Placemark] = []
    if zone is not None:
        features.append(Placemark(name=f"zone {zone.name}", geometry=pygeoif.shape(zone.geometry)))
    paths: dict[str, list[Event]] = {}
    for e in sorted(incident.events, key=lambda e: e.time):
        if math.isfinite(e.lat) and math.isfinite(e.lon):
            paths.setdefault(_object_key(e), []).append(e)
    for name, events in paths.items():
        coords = [_xyz(e) for e in events]
        geometry = pygeoif.LineString(coords) if len(set(coords)) > 1 else pygeoif.Point(*coords[0])
        features.append(
            Placemark(
                name=f"{name} path",
                description=f"class {events[-1].target_class or 'unknown'}",
                times=TimeSpan(begin=_when(events[0].time), end=_when(events[-1].time)),
                geometry=geometry,
            )
        )
        for e in events:
            if e.kind in (EventKind.ENTRY, EventKind.EXIT):
                features.append(
                    Placemark(
                        name=f"{name} {e.kind}",
                        times=TimeStamp(timestamp=_when(e.time)),
                        geometry=pygeoif.Point(*_xyz(e)),
                    )
                )
    return Folder(
        id=incident.id,
        name=incident.id,
        description=description,
        times=TimeSpan(begin=_when(incident.start), end=_when(incident.end)),
        features=features,
    )


def to_kml(incidents: Iterable[Incident], zones: Mapping[str, Zone] | None = None) -> str:
    """A KML document of ``incidents`` (with their events loaded) and their zones."""
    zones = zones or {}
    folders = [_incident_folder(inc, zones.get(inc.zone_id)) for inc in incidents]
    doc = KML(features=[Document(name="airsentry incidents", features=folders)])
    # KML as every reader expects it: the KML namespace as the default, not "kml:"
    ET.register_namespace("", "http://www.opengis.net/kml/2.2")
    return doc.to_string(prettyprint=False)
