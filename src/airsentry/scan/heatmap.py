"""Heat maps: approaches and violations per H3 cell and per month.

Where and when do unauthorised targets come close to, or into, protected airspace? A
heat map counts, per hexagonal cell of Uber's H3 grid (the ``h3`` library; resolution
5 by default, cells of ~250 km², 6: ~36 km², 4: ~1,800 km²) and per calendar month
(UTC):

- ``approaches``: APPROACH events (a target predicted to cross into a zone that does
  not admit it), at the target's position when predicted;
- ``violations``: unauthorised ENTRY events (``authorised`` is false; buffer zones
  excluded, as the incident book does), at the entry position;
- ``objects``: the distinct objects (identity, else track) behind those events.

Events come from the incident book (the store's events) or from a scan's events
Parquet. Output is GeoJSON (one Polygon feature per cell and month) or Parquet (one
row per cell and month, with the cell centre), by the file's ending.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from airsentry.errors import ConfigError
from airsentry.model import Event

DEFAULT_RESOLUTION = 5
APPROACH, ENTRY, BUFFER = "approach", "entry", "buffer"


@dataclass(frozen=True, slots=True)
class HeatCell:
    """The counts of one H3 cell in one month."""

    cell: str
    month: str  # YYYY-MM, UTC
    approaches: int
    violations: int
    objects: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "month": self.month,
            "approaches": self.approaches,
            "violations": self.violations,
            "objects": self.objects,
        }


def _fields(event: Event | Mapping[str, Any]) -> tuple[str, datetime, Any, Any, Any, str, str]:
    """kind, time, authorised, lat, lon, zone kind, object of an event or its dict form."""
    if isinstance(event, Event):
        obj = event.identity or (f"track:{event.track_id}" if event.track_id is not None else "")
        return (str(event.kind), event.time, event.authorised, event.lat, event.lon,
                event.zone_kind, obj)  # fmt: skip
    t = event["time"]
    when = t if isinstance(t, datetime) else datetime.fromisoformat(str(t).replace("Z", "+00:00"))
    tid = event.get("track_id")
    obj = event.get("identity") or (f"track:{tid}" if tid is not None else "")
    return (str(event["kind"]), when, event.get("authorised"), event.get("lat"),
            event.get("lon"), str(event.get("zone_kind", "")), obj)  # fmt: skip


def heat_counts(
    events: Iterable[Event | Mapping[str, Any]], resolution: int = DEFAULT_RESOLUTION
) -> list[HeatCell]:
    """Approaches and violations per (H3 cell, month), sorted by month then cell."""
    import h3

    if not 0 <= resolution <= 15:
        raise ConfigError("resolution", f"{resolution}: H3 resolutions are 0 to 15")
    counts: dict[tuple[str, str], list[int]] = {}
    objects: dict[tuple[str, str], set[str]] = {}
    for ev in events:
        kind, when, authorised, lat, lon, zone_kind, obj = _fields(ev)
        approach = kind == APPROACH
        violation = kind == ENTRY and authorised is False and zone_kind != BUFFER
        if not (approach or violation) or lat is None or lon is None:
            continue
        if not (-90.0 <= float(lat) <= 90.0 and -180.0 <= float(lon) <= 180.0):
            continue  # NaN or out of range: no cell
        cell = h3.latlng_to_cell(float(lat), float(lon), resolution)
        key = (when.astimezone(UTC).strftime("%Y-%m"), cell)
        c = counts.setdefault(key, [0, 0])
        c[0 if approach else 1] += 1
        if obj:
            objects.setdefault(key, set()).add(obj)
    return [
        HeatCell(cell, month, c[0], c[1], len(objects.get((month, cell), ())))
        for (month, cell), c in sorted(counts.items())
    ]


def events_from_parquet(path: str | Path) -> list[dict[str, Any]]:
    """The approach and entry rows of a scan's events Parquet file."""
    table = pq.read_table(
        path,
        columns=["kind", "time", "authorised", "lat", "lon", "zone_kind", "identity", "track_id"],
        filters=[("kind", "in", [APPROACH, ENTRY])],
    )
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def events_from_store(
    store: Any, *, since: datetime | None = None, until: datetime | None = None
) -> list[Event]:
    """The approach and entry events in an incident store (``ConsoleReads``)."""
    out: list[Event] = []
    for kind in (APPROACH, ENTRY):
        rows = store.events_between(since=since, until=until, kind=kind, limit=100_000_000)
        out.extend(ev for ev, _ in rows)
    return out


def select(
    cells: Iterable[HeatCell], *, month: str | None = None, kind: str | None = None
) -> list[HeatCell]:
    """Cells of one month (``YYYY-MM``) and with any of one kind (approaches or
    violations); all when not given."""
    out = []
    for c in cells:
        if month is not None and c.month != month:
            continue
        if kind == "approaches" and not c.approaches:
            continue
        if kind == "violations" and not c.violations:
            continue
        out.append(c)
    return out


def to_geojson(cells: Iterable[HeatCell]) -> dict[str, Any]:
    """A FeatureCollection: one Polygon (the cell's boundary, lon/lat) per cell and month."""
    import h3

    features = []
    for c in cells:
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(c.cell)]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": c.to_dict(),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def to_table(cells: Iterable[HeatCell]) -> pa.Table:
    """One row per cell and month, with the cell's centre."""
    import h3

    rows = []
    for c in cells:
        lat, lon = h3.cell_to_latlng(c.cell)
        rows.append(c.to_dict() | {"lat": lat, "lon": lon})
    schema = pa.schema(
        [("cell", pa.string()), ("month", pa.string()), ("approaches", pa.int64()),
         ("violations", pa.int64()), ("objects", pa.int64()), ("lat", pa.float64()),
         ("lon", pa.float64())]
    )  # fmt: skip
    return pa.Table.from_pylist(rows, schema=schema)


def write(cells: list[HeatCell], path: str | Path) -> Path:
    """Write to ``path``: ``.geojson``/``.json`` or ``.parquet``."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".geojson", ".json"):
        path.write_text(json.dumps(to_geojson(cells)), encoding="utf-8")
    elif suffix == ".parquet":
        pq.write_table(to_table(cells), path)
    else:
        raise ConfigError("--heatmap", f"{path}: end the name in .geojson or .parquet")
    return path
