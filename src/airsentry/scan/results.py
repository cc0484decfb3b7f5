"""Scan results as Parquet: one row per event, the fields of ``--events-out``.

The columns are those of :meth:`~airsentry.model.Event.to_dict` (the events file's JSON
lines), typed: ``time`` a UTC timestamp (microseconds), ``track_id`` an integer (null
for sensor and swarm events), ``authorised`` a nullable boolean, ``reasons`` a list of
strings, ``dwell_s``/``depth_m`` nullable floats, ``details`` the JSON text of the
event's details. Rows are in the order the incident book saw the events.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from airsentry.model import Event
from airsentry.step import Step

SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("track_id", pa.int64()),
        ("identity", pa.string()),
        ("callsign", pa.string()),
        ("zone_id", pa.string()),
        ("zone_kind", pa.string()),
        ("zone_owner", pa.string()),
        ("zone_name", pa.string()),
        ("authorised", pa.bool_()),
        ("reasons", pa.list_(pa.string())),
        ("target_class", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("alt_m", pa.float64()),
        ("sensor", pa.string()),
        ("dwell_s", pa.float64()),
        ("depth_m", pa.float64()),
        ("details", pa.string()),
    ]
)


def event_row(event: Event) -> dict[str, Any]:
    """One event as a row of :data:`SCHEMA`."""
    row = event.to_dict()
    row["time"] = event.time
    row.setdefault("dwell_s", None)
    row.setdefault("depth_m", None)
    row["details"] = json.dumps(row.get("details", {}), sort_keys=True)
    return row


def events_table(events: Sequence[Event]) -> pa.Table:
    return pa.Table.from_pylist([event_row(e) for e in events], schema=SCHEMA)


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """The rows of an events Parquet file, as ``--events-out`` dicts (details parsed)."""
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    for row in rows:
        row["details"] = json.loads(row["details"]) if row["details"] else {}
    return rows


class EventsParquet:
    """A sink that writes every step's events to one Parquet file (a row group per
    ``rows`` events, completed on close; written under a temporary name, then renamed)."""

    def __init__(self, path: str | Path, *, rows: int = 50_000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(self.path.name + ".tmp")
        self._writer = pq.ParquetWriter(self._tmp, SCHEMA)
        self._pending: list[Event] = []
        self._rows = rows
        self.count = 0

    def write(self, step: Step) -> None:
        self._pending.extend(step.events)
        if len(self._pending) >= self._rows:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(events_table(self._pending))
            self.count += len(self._pending)
            self._pending = []

    def close(self) -> None:
        self._flush()
        self._writer.close()
        self._tmp.replace(self.path)
