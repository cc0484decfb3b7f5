"""The reduce step of a scan: partitions' results merged into what a replay makes.

Deterministic whatever the number of partitions or the order they finished in:

1. **Track numbers.** A replay numbers tracks as they start, batch by batch and, in a
   batch, by tracking key; every partition lists the tracks it started with their
   batch and key, so sorting those gives every track its replay number.
2. **Track ends.** An identity-keyed track ends when its key comes back after a
   silence (seen inside the partition) or when the event-time clock of *all* objects
   has passed its last report by ``expire_s``. The partition saw only its own clock,
   so the batch each track ends in (and so the batch of its lost exits, and "silent"
   rather than "end of input") is settled here from the clock of every partition.
3. **Across objects.** Per replay batch, in batch order: sensor silence runs on the
   thinned update times of all partitions, the swarm detector on all entries (in the
   total event order), then the batch's events, sorted in that order, go to the
   incident book exactly as a replay's would, after the traffic picture has folded
   in the batch's updates and before the book closes what the batch's clock left
   stale. The sinks (events file, Parquet, audit trail) see one step per batch.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from airsentry.model import (
    Event,
    EventKind,
    Incident,
    ReportBatch,
    TrackUpdates,
    from_epoch,
)
from airsentry.pipeline import Pipeline
from airsentry.scan.partition import (
    FINAL,
    PICTURE_COLUMNS,
    PICTURE_FLAGS,
    PICTURE_TEXT,
    PartitionResult,
)
from airsentry.step import Step
from airsentry.watch.base import WatchConfig, event_order
from airsentry.watch.crossing import LOST_REASONS
from airsentry.watch.silence import SilenceDetector
from airsentry.watch.swarm import SwarmDetector


@dataclass
class Merged:
    """What the reduce step made: the events in replay order, the incidents changed."""

    events: list[Event] = field(default_factory=list)
    incidents: dict[str, Incident] = field(default_factory=dict)
    tracks: int = 0
    rows: int = 0
    untracked: int = 0
    late: int = 0


def load_results(out_dir: Path, partitions: int) -> list[PartitionResult]:
    """Every partition's pickled result, in partition order."""
    results = []
    for p in range(partitions):
        with (out_dir / "parts" / f"{p:05d}.pkl").open("rb") as fh:
            results.append(pickle.load(fh))
    return results


def reduce(
    results: Sequence[PartitionResult],
    pipeline: Pipeline,
    *,
    expire_s: float,
    watch: WatchConfig,
) -> Merged:
    """Merge ``results`` through ``pipeline``'s responder, book and sinks."""
    merged = Merged()
    gid = _numbering(results)
    merged.tracks = len(gid)
    until: dict[int, float] = {}
    for r in results:
        merged.rows += r.rows
        merged.untracked += r.untracked
        merged.late += r.late
        for b, t in r.until.items():
            until[b] = max(until.get(b, -np.inf), t)
    batches = np.array(sorted(until), dtype=np.int64)
    clock = np.array([until[int(b)] for b in batches], dtype=np.float64)

    per_part: dict[int, dict[int, int]] = {}
    for (p, local), n in gid.items():
        per_part.setdefault(p, {})[local] = n
    by_batch: dict[int, list[Event]] = {}
    for r in results:
        renumber = per_part.get(r.partition, {})
        for b, ev in r.events:
            by_batch.setdefault(b, []).append(_renumbered(ev, renumber))
        for end in r.ends:
            b, silent = _replay_end(end.last_batch, end.last_seen, end.end_batch, batches, clock,
                                    expire_s)  # fmt: skip
            for ev in end.events:
                ev = _renumbered(ev, renumber)
                if silent and end.reason == "flush":
                    ev = dataclasses.replace(ev, reasons=(LOST_REASONS["silent"],))
                by_batch.setdefault(b, []).append(ev)

    silence = SilenceDetector(watch.sensor_silence_s)
    swarm = SwarmDetector(watch.swarm_min_tracks, watch.swarm_window_s)
    for b in [*batches.tolist(), FINAL]:
        events = by_batch.get(b, [])
        if b != FINAL:
            events += _silence(silence, results, b)
            events.sort(key=event_order)
            events += swarm.process(e for e in events if e.kind is EventKind.ENTRY)
            _observe(pipeline, results, b, gid)
        events.sort(key=event_order)
        incidents = _book(pipeline, events, until.get(b))
        merged.events += events
        merged.incidents.update((inc.id, inc) for inc in incidents)
        step = Step(events=tuple(events), incidents=tuple(incidents), final=b == FINAL)
        for sink in pipeline.sinks:
            sink.write(step)
    return merged


def _numbering(results: Sequence[PartitionResult]) -> dict[tuple[int, int], int]:
    """(partition, local track id) -> the replay's track number."""
    births = sorted(
        (batch, t, key, r.partition, local) for r in results for batch, t, key, local in r.births
    )
    return {(p, local): n for n, (_, _, _, p, local) in enumerate(births, start=1)}


def _renumbered(ev: Event, renumber: dict[int, int]) -> Event:
    if ev.track_id is None:
        return ev
    return dataclasses.replace(ev, track_id=renumber[ev.track_id])


def _replay_end(
    last_batch: int,
    last_seen: float,
    end_batch: int,
    batches: np.ndarray,
    clock: np.ndarray,
    expire_s: float,
) -> tuple[int, bool]:
    """The batch a replay ends the track in, and whether it ends silent (not at the end
    of input): the first batch from its last one whose clock passed its last report by
    ``expire_s``, unless its own partition ended it sooner (its key came back)."""
    i0 = int(np.searchsorted(batches, last_batch))
    past = np.flatnonzero(last_seen < clock[i0:] - expire_s)
    by_clock = int(batches[i0 + int(past[0])]) if len(past) else FINAL
    b = min(by_clock, end_batch)
    return b, b != FINAL


def _silence(detector: SilenceDetector, results: Sequence[PartitionResult], b: int) -> list[Event]:
    parts = [r.silence[b] for r in results if b in r.silence]
    if not parts:
        return []
    t = np.concatenate([p[0] for p in parts])
    sensor = np.concatenate([p[1] for p in parts])
    return detector.process(t, sensor)


def _observe(
    pipeline: Pipeline,
    results: Sequence[PartitionResult],
    b: int,
    gid: dict[tuple[int, int], int],
) -> None:
    """Fold batch ``b``'s picture rows (every partition's) into the traffic picture."""
    if pipeline.book is None or pipeline.responder.picture is None:
        return  # only the book's recommender reads the picture
    parts = [(r.partition, r.picture[b]) for r in results if b in r.picture]
    if not parts:
        return
    tids = np.concatenate(
        [np.array([gid[(p, int(t))] for t in pic["track_id"].tolist()], dtype=np.int64)
         for p, pic in parts]
    )  # fmt: skip
    cols: dict[str, Any] = {
        name: np.concatenate([pic[name] for _, pic in parts])
        for name in (*PICTURE_COLUMNS, *PICTURE_TEXT, *PICTURE_FLAGS)
    }
    cls = np.concatenate([pic["cls"] for _, pic in parts])
    state = ReportBatch.build(**cols)
    pipeline.responder.observe(TrackUpdates(tids, state), cls)


def _book(pipeline: Pipeline, events: list[Event], until: float | None) -> list[Incident]:
    """As the pipeline books a step: the events, then what the clock left stale."""
    book = pipeline.book
    if book is None:
        return []
    changed: dict[str, Incident] = {}
    if events:
        changed.update((inc.id, inc) for inc in book.add(list(events)))
    if until is not None:
        changed.update((inc.id, inc) for inc in book.close_stale(from_epoch(until)))
    return list(changed.values())
