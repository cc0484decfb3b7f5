"""Benchmark: the incident book with one incident of thousands of objects (a swarm).

Input, built here: ``--objects`` drones enter one zone (an incident of ``--objects``
objects), each then exits under a re-acquired track id (a new track number, the same
identity: the book finds the object by identity), then a second wave of as many drones
enters while the first wave is outside (each starting event asks whether the incident
still has an object inside). Events are booked through
:class:`~airsentry.incidents.IncidentBook` in batches of ``--batch``, one write
transaction per batch, into a fresh SQLite file per run.

The **baseline**, named ``scanning``, is the book as it was before its per-incident
indexes (:mod:`airsentry.incidents.lookup`): a subclass here restores the old scans
(every object of every incident scanned for an identity, every object scanned for one
inside). Both must book the same incidents (checked). Runs alternate (interleaved),
``--runs`` each; medians of CPU time are printed with the ratio.

Run: ``python benchmarks/book.py [--objects 2000] [--batch 200] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "tests" / "incidents")]

from incidents_helpers import entry, exit_, recommend  # noqa: E402

from airsentry.incidents import IncidentBook, IncidentStore  # noqa: E402
from airsentry.incidents.grouping import object_keys, starts_incident  # noqa: E402
from airsentry.incidents.lookup import TrackLookup  # noqa: E402
from airsentry.incidents.records import IncidentState, TrackState  # noqa: E402
from airsentry.model import Event, to_epoch  # noqa: E402


class ScanningBook(IncidentBook):
    """The book's previous algorithm: linear scans over an incident's objects."""

    def _occupied(self, state: IncidentState, t: float) -> bool:
        return any(
            tr.inside and t - tr.last_time < self.lost_after_s for tr in state.tracks.values()
        )

    def _holding(self, event: Event) -> IncidentState | None:
        keys = {k for k, _, _ in object_keys(event)}
        best: IncidentState | None = None
        for state in self._working.values():
            if self._scan(state, keys, event.identity) is None:
                continue
            rank = (state.incident.zone_id == event.zone_id, state.incident.end)
            if best is None or rank > (best.incident.zone_id == event.zone_id, best.incident.end):
                best = state
        return best

    @staticmethod
    def _scan(state: IncidentState, keys: set[str], identity: str) -> TrackState | None:
        for key in keys:
            if key in state.tracks:
                return state.tracks[key]
        if identity:
            for track in state.tracks.values():
                if track.identity == identity:
                    return track
        return None

    def _apply(self, state: IncidentState, event: Event) -> None:
        incident = state.incident
        t = to_epoch(event.time)
        in_zone = event.zone_id == incident.zone_id
        starting = starts_incident(event) and in_zone
        if starting:
            incident.start = min(incident.start, event.time)
            incident.end = max(incident.end, event.time)
            for reason in event.reasons:
                if reason not in incident.reasons:
                    incident.reasons.append(reason)
        for key, track_id, identity in object_keys(event):
            track = self._scan(state, {key}, identity)
            if track is None:
                if not starting:
                    continue
                track = state.tracks[key] = TrackState(key=key, track_id=track_id)
            self._apply_to_track(state, track, event, t, in_zone)


def swarm(objects: int) -> list[Event]:
    """Wave 1 enters and exits (re-acquired tracks), then wave 2 enters."""
    out: list[Event] = []
    for k in range(objects):
        out.append(entry(k + 1, k * 0.01, identity=f"drone-{k}", target_class="drone"))
    for k in range(objects):
        out.append(exit_(100_000 + k, 30 + k * 0.01, identity=f"drone-{k}"))
    for k in range(objects):
        name = f"drone-{objects + k}"
        out.append(entry(200_000 + k, 60 + k * 0.01, identity=name, target_class="drone"))
    return out


def book_all(cls: type[IncidentBook], events: list[Event], batch: int) -> tuple[float, Any]:
    """CPU-s to book ``events`` in a fresh store; the incidents' object counts."""
    with tempfile.TemporaryDirectory() as tmp, IncidentStore(Path(tmp) / "b.sqlite") as store:
        book = cls(store, recommend)
        cpu = time.process_time()
        for i in range(0, len(events), batch):
            book.add(events[i : i + batch])
        cpu = time.process_time() - cpu
        return cpu, sorted((i.object_count, i.dwell_s) for i in store.list())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    assert TrackLookup  # the indexed book is IncidentBook itself
    events = swarm(args.objects)
    books: dict[str, type[IncidentBook]] = {"indexed": IncidentBook, "scanning": ScanningBook}
    cpu: dict[str, list[float]] = {name: [] for name in books}
    outcome: dict[str, Any] = {}
    for _ in range(args.runs):  # interleaved
        for name, cls in books.items():
            seconds, incidents = book_all(cls, events, args.batch)
            cpu[name].append(seconds)
            outcome[name] = incidents
    if outcome["indexed"] != outcome["scanning"]:
        raise SystemExit("the two books disagree")
    n = len(events)
    print(
        f"{n:,} events, {args.objects:,} objects per wave, batches of {args.batch}, "
        f"medians of {args.runs}; (objects, dwell) per incident: {outcome['indexed'][:3]}"
    )
    med = {name: statistics.median(v) for name, v in cpu.items()}
    for name, seconds in med.items():
        print(f"  {name:<9} {seconds:7.3f} CPU-s  {n / seconds:>10,.0f} events/CPU-s")
    print(f"  scanning / indexed: {med['scanning'] / med['indexed']:.2f}x CPU")


if __name__ == "__main__":
    main()
