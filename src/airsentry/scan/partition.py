"""The map step of a scan: one partition's reports through the replay pipeline.

A partition holds every report of its objects (tracking keys), read with DuckDB from
the staged pieces in replay order (batch, then position in the file), and is run
batch by batch through a pipeline from the one builder (:func:`airsentry.build.build`),
with the same zones, tracker, identifier and detectors as ``replay`` except the two
that look across objects: sensor silence and swarms. What those and the incident book
need from the partition is kept small and exact instead, for the reduce step
(:mod:`airsentry.scan.reduce`):

- the events, each with the replay batch it came out of; the exits of a track that
  ended are kept apart with the track's last batch and last time, because the batch a
  track ends in depends on the event-time clock of *all* objects;
- the tracks born (batch, key, local id): the reduce step numbers them as a replay
  does (in batch order, then key order);
- per batch: the latest update time (the clock the book closes incidents by), the
  update times per sensor thinned to the first and last of every ``silence_s`` bucket
  (which keeps every gap longer than ``silence_s`` of the union of all partitions),
  and the update rows the traffic picture keeps (the first located row of each track
  and ``sample_s`` bucket, and each track's last row), with their classes.

The result is pickled to ``parts/<partition>.pkl`` (written whole, then renamed): the
manifest of finished partitions is that directory.
"""

from __future__ import annotations

import dataclasses
import itertools
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from airsentry.build import build
from airsentry.config import DeploymentConfig
from airsentry.model import Event, EventKind, FloatArray, IntArray, ObjArray, TrackUpdates, Zone
from airsentry.scan.stage import from_table
from airsentry.tracking.base import factorize
from airsentry.watch.silence import SilenceDetector
from airsentry.watch.swarm import SwarmDetector

FINAL = np.iinfo(np.int64).max  # the "batch" of the end of input (the pipeline's finish)
PICTURE_COLUMNS = ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u")
PICTURE_TEXT = ("identity", "callsign")
PICTURE_FLAGS = ("transponder", "on_ground")


@dataclass
class TrackEnd:
    """A track that ended in this partition: where a replay may end it sooner."""

    local_id: int
    last_seen: float
    last_batch: int  # the last batch with rows of the track
    end_batch: int  # the batch it ended in here (FINAL: the end of input)
    reason: str
    events: list[Event]  # its lost exits


@dataclass
class PartitionResult:
    """What the reduce step needs from one partition (see the module's description)."""

    partition: int
    rows: int = 0
    untracked: int = 0
    late: int = 0
    updates: int = 0
    seconds: float = 0.0
    events: list[tuple[int, Event]] = field(default_factory=list)
    ends: list[TrackEnd] = field(default_factory=list)
    births: list[tuple[int, float, str, int]] = field(default_factory=list)  # batch, t, key, id
    until: dict[int, float] = field(default_factory=dict)  # batch -> latest update time
    silence: dict[int, tuple[FloatArray, ObjArray]] = field(default_factory=dict)
    picture: dict[int, dict[str, Any]] = field(default_factory=dict)


def thin_times(t: FloatArray, sensor: ObjArray, bucket_s: float) -> tuple[FloatArray, ObjArray]:
    """Per sensor, the first and last time of every ``bucket_s`` bucket: the gaps longer
    than ``bucket_s`` of any union of such thinned sets are those of the full sets."""
    if not len(t):
        return t, sensor
    names, code = factorize(sensor)
    bucket = np.floor(t / bucket_s)
    order = np.lexsort((t, bucket, code))
    c, b = code[order], bucket[order]
    change = (c[1:] != c[:-1]) | (b[1:] != b[:-1])
    keep = np.r_[True, change] | np.r_[change, True]
    rows = order[keep]
    return t[rows], names[code[rows]]


def picture_rows(updates: TrackUpdates, sample_s: float) -> IntArray:
    """The update rows the traffic picture can use, in their original order: the first
    located row of each (track, ``sample_s`` bucket), as ``TrafficPicture`` picks them,
    and each track's last row (its latest state)."""
    s, tid = updates.state, updates.track_id
    order = np.lexsort((s.t, tid))
    srt = tid[order]
    last = order[np.r_[srt[1:] != srt[:-1], True]]
    rows = np.flatnonzero(np.isfinite(s.lat) & np.isfinite(s.lon))
    bucket = np.floor(s.t[rows] / sample_s).astype(np.int64)
    tid_ok = tid[rows]
    o = np.lexsort((bucket, tid_ok))
    t_s, b_s = tid_ok[o], bucket[o]
    head = np.r_[True, (t_s[1:] != t_s[:-1]) | (b_s[1:] != b_s[:-1])] if len(o) else []
    first = rows[o[head]] if len(o) else rows
    return np.union1d(first, last)


def partition_pipeline(deployment: DeploymentConfig, zones: list[Zone]) -> Any:
    """The replay pipeline without store, sinks, or the detectors across objects."""
    quiet = dataclasses.replace(deployment, events_out=None, outputs=())
    pipeline = build(quiet, None, all_zones=zones)
    pipeline.watch.detectors = tuple(
        d for d in pipeline.watch.detectors if not isinstance(d, SilenceDetector | SwarmDetector)
    )
    pipeline.responder.picture = None  # the reduce step keeps the one picture
    return pipeline


def run_partition(
    partition: int,
    pieces: list[str],
    deployment: DeploymentConfig,
    out_dir: str,
    *,
    threads: int = 1,
) -> dict[str, Any]:
    """Run one partition and pickle its :class:`PartitionResult`; a summary back."""
    import duckdb

    from airsentry.build import deployment_zones

    started = time.process_time()
    wall = time.perf_counter()
    result = PartitionResult(partition)
    pipeline = partition_pipeline(deployment, deployment_zones(deployment))
    silence_s = deployment.pipeline.watch.sensor_silence_s
    sample_s = 20.0
    if pieces:
        con = duckdb.connect(config={"threads": threads})
        try:
            query = "SELECT * FROM read_parquet($files) ORDER BY batch, seq"
            table = con.sql(query, params={"files": sorted(pieces)}).to_arrow_table()
        finally:
            con.close()
        reports, number = from_table(table)
    else:
        from airsentry.model import ReportBatch

        reports, number = ReportBatch.empty(), np.empty(0, dtype=np.int64)
    result.rows = len(reports)
    change = np.r_[True, number[1:] != number[:-1]] if len(number) else np.empty(0, bool)
    bounds = [*np.flatnonzero(change).tolist(), len(number)]
    last_batch: dict[int, int] = {}
    for a, b in itertools.pairwise(bounds):
        batch_no = int(number[a])
        step = pipeline.process(reports.take(slice(a, b)))
        _keep(result, batch_no, step, pipeline, last_batch, silence_s, sample_s)
    final = pipeline.finish()
    _ends(result, FINAL, final.ended, list(final.events), last_batch)
    stats = pipeline.tracker.stats
    result.untracked, result.late, result.updates = stats.untracked, stats.late, stats.updates
    pipeline.close()
    result.seconds = time.process_time() - started
    out = Path(out_dir) / "parts"
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f"{partition:05d}.tmp"
    with tmp.open("wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(out / f"{partition:05d}.pkl")
    return {
        "partition": partition,
        "rows": result.rows,
        "events": len(result.events) + sum(len(e.events) for e in result.ends),
        "cpu_s": result.seconds,
        "wall_s": time.perf_counter() - wall,
    }


def _keep(
    result: PartitionResult,
    batch_no: int,
    step: Any,
    pipeline: Any,
    last_batch: dict[int, int],
    silence_s: float,
    sample_s: float,
) -> None:
    """Keep what the reduce step needs from one batch's step."""
    updates: TrackUpdates = step.updates
    if len(updates):
        uniq, inverse = np.unique(updates.track_id, return_inverse=True)
        first = np.full(len(uniq), np.inf)
        np.minimum.at(first, inverse.reshape(-1), updates.state.t)
        first_t = first.tolist()  # each track's first update time in the batch
        known = {tr.track_id: tr.key for tr in pipeline.tracker.live()}
        known.update((tr.track_id, tr.key) for tr in step.ended)
        for tid, t in zip(uniq.tolist(), first_t, strict=True):
            if tid not in last_batch:
                result.births.append((batch_no, t, known[tid], tid))
            last_batch[tid] = batch_no
        st = updates.state
        result.until[batch_no] = float(st.t.max())
        result.silence[batch_no] = thin_times(st.t, st.sensor, silence_s)
        rows = picture_rows(updates, sample_s)
        pic: dict[str, Any] = {"track_id": updates.track_id[rows], "cls": step.classes[rows]}
        for name in (*PICTURE_COLUMNS, *PICTURE_TEXT, *PICTURE_FLAGS):
            pic[name] = getattr(st, name)[rows]
        result.picture[batch_no] = pic
    _ends(result, batch_no, step.ended, list(step.events), last_batch)


def _ends(
    result: PartitionResult,
    batch_no: int,
    ended: Any,
    events: list[Event],
    last_batch: dict[int, int],
) -> None:
    lost: dict[int, list[Event]] = {tr.track_id: [] for tr in ended}
    for ev in events:
        tid = ev.track_id
        if ev.kind is EventKind.EXIT and tid is not None and tid in lost and ev.details.get("lost"):
            lost[tid].append(ev)
        else:
            result.events.append((batch_no, ev))
    for e in ended:
        tid = e.track_id
        result.ends.append(
            TrackEnd(
                tid,
                e.last_seen,
                last_batch.get(tid, batch_no),
                batch_no,
                "flush" if batch_no == FINAL else "silent",
                lost[tid],
            )
        )
