"""``file:`` outputs: the run's incidents in a file, written by a delivery thread.

- ``.jsonl``: every incident message (the same JSON as MQTT and webhooks), appended;
- ``.geojson``: a FeatureCollection of the latest state of every incident the output
  received (:func:`airsentry.incidents.export`), rewritten atomically on each change;
- ``.kml``: the same incidents as KML (:mod:`airsentry.outputs.kml`), rewritten likewise.

Incident messages come through the outbox like every other output's, so a file misses
nothing a crash interrupted.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from airsentry.incidents import IncidentStore, export
from airsentry.outputs.delivery import Live
from airsentry.outputs.urls import OutputSpec


class FileTransport:
    """Appends or rewrites one file from the outbox's incident messages."""

    wants_events = False

    def __init__(self, spec: OutputSpec, store: IncidentStore | None) -> None:
        self.path = Path(spec.path)
        self.kind = self.path.suffix.lower()
        self.store = store
        self._ids: dict[str, None] = {}
        if self.kind != ".jsonl" and self.path.is_file():
            self._ids = dict.fromkeys(self._known_ids())

    def _known_ids(self) -> list[str]:
        if self.kind == ".geojson":
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            return [f["properties"]["id"] for f in doc.get("features", [])]
        return re.findall(r'<Folder id="([^"]+)"', self.path.read_text(encoding="utf-8"))

    def connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, topic: str, key: str, body: str) -> None:
        if self.kind == ".jsonl":
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(body + "\n")
            return
        self._ids[json.loads(body)["data"]["id"]] = None
        if self.store is None:
            return
        incidents = [
            inc for i in self._ids if (inc := self.store.get(i, with_events=True)) is not None
        ]
        if self.kind == ".kml":
            from airsentry.outputs.kml import to_kml

            text = to_kml(incidents)
        else:
            text = export(incidents, "geojson")
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)

    def send_live(self, items: Sequence[Live]) -> None:
        pass

    def disconnect(self) -> None:
        pass
