"""Benchmark: the incident book with one incident of thousands of objects (a swarm).

Input, built here: ``--objects`` drones enter one zone (an incident of ``--objects``
objects), each then exits under a re-acquired track id (a new track number, the same
identity: the book finds the object by identity), then a second wave of as many drones
enters while the first wave is outside (each starting event asks whether the incident
still has an object inside). Events are booked through
:class:`~airsentry.incidents.IncidentBook` in batches of ``--batch``, one write
transaction per batch, into a fresh SQLite file per run.

Two baselines, subclasses here: ``resaving`` is the book as it was before it saved
only the objects a batch changed (every object of a touched incident fingerprinted
before and after the batch, and all of them written when any changed); ``scanning``
is, on top of that, the book before its per-incident indexes
(:mod:`airsentry.incidents.lookup`: every object of every incident scanned for an
identity, every object scanned for one inside). All must book the same incidents
(checked). Runs alternate (interleaved, ``benchmarks/_timing.py``), ``--runs`` each,
each timed from opening its store to the last batch committed; medians of CPU time
are printed with the ratios.

Run: ``python benchmarks/book.py [--objects 2000] [--batch 200] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(ROOT / "src"),
    str(ROOT / "tests"),
    str(ROOT / "tests" / "incidents"),
    str(ROOT / "benchmarks"),
]

from incidents_helpers import entry, exit_, recommend  # noqa: E402

from _timing import interleaved, medians  # noqa: E402
from airsentry.incidents import IncidentBook, IncidentStore  # noqa: E402
from airsentry.incidents.book import _Touched, _track_print  # noqa: E402
from airsentry.incidents.grouping import object_keys, starts_incident  # noqa: E402
from airsentry.incidents.lookup import TrackLookup  # noqa: E402
from airsentry.incidents.records import IncidentState, TrackState  # noqa: E402
from airsentry.model import Event, to_epoch  # noqa: E402


class ResavingBook(IncidentBook):
    """The book's previous save: every object of a touched incident compared and, when
    anything changed, every object written."""

    def _save_changed(self, touched: dict[int, _Touched]) -> list[IncidentState]:
        changed: list[IncidentState] = []
        for seen in touched.values():
            state = seen.state
            before = [_track_print(t) for t in state.tracks.values()]  # was taken at touch
            self._refresh(state)
            after = [_track_print(t) for t in state.tracks.values()]
            moved = seen.incident is None or after != before or bool(seen.changed_tracks())
            if moved or state.incident.to_dict() != seen.incident:
                self._save(state)
                changed.append(state)
        return changed


class ScanningBook(ResavingBook):
    """The book's algorithm before its indexes: linear scans over an incident's objects."""

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

    def _apply(self, state: IncidentState, event: Event, seen: _Touched) -> None:
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
                seen.tracks[track.key] = None
            elif track.key not in seen.tracks:
                seen.tracks[track.key] = _track_print(track)
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


def book_all(cls: type[IncidentBook], events: list[Event], batch: int) -> Any:
    """Book ``events`` in a fresh store; the incidents' object counts and dwells."""
    with tempfile.TemporaryDirectory() as tmp, IncidentStore(Path(tmp) / "b.sqlite") as store:
        book = cls(store, recommend)
        for i in range(0, len(events), batch):
            book.add(events[i : i + batch])
        return sorted((i.object_count, i.dwell_s) for i in store.list())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    assert TrackLookup  # the indexed book is IncidentBook itself
    events = swarm(args.objects)
    books: dict[str, type[IncidentBook]] = {
        "current": IncidentBook,
        "resaving": ResavingBook,
        "scanning": ScanningBook,
    }
    cpu, outcome = interleaved(
        {name: (lambda c=cls: book_all(c, events, args.batch)) for name, cls in books.items()},
        args.runs,
    )
    if any(found != outcome["current"] for found in outcome.values()):
        raise SystemExit("the books disagree")
    n = len(events)
    print(
        f"{n:,} events, {args.objects:,} objects per wave, batches of {args.batch}, "
        f"medians of {args.runs}; (objects, dwell) per incident: {outcome['current'][:3]}"
    )
    med = medians(cpu)
    for name, seconds in med.items():
        print(f"  {name:<9} {seconds:7.3f} CPU-s  {n / seconds:>10,.0f} events/CPU-s")
    for name in ("resaving", "scanning"):
        print(f"  {name} / current: {med[name] / med['current']:.2f}x CPU")


if __name__ == "__main__":
    main()
