"""Benchmark: the console's track log (``outputs.history.TrackHistory``) on a busy picture.

Every pipeline with a store records sampled track states for the console's replay, so
the sink sits on the hot path. Input: ``--tracks`` cooperative aircraft (default
10,000) reporting once a second for ``--seconds`` (default 30), one batch per second
(the load test's feed). The pipeline runs once without a store to collect its steps;
then, interleaved ``--runs`` times, it measures in CPU time (``time.process_time``):

* **baseline**: the pipeline itself (``Pipeline.process`` over the same batches, a fresh
  pipeline each run, no store), the cost the sink adds to;
* **track log**: ``TrackHistory.write`` over the collected steps into a fresh store.

It prints the medians, the ratio, and the track states written per CPU-second.
Today's figure (2-core machine shared with other work): the track log costs about 5-8%
of the pipeline's CPU on this feed (about 1 µs per update row).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "server"))

from server_helpers import swarm_feed

from airsentry.build import build
from airsentry.config import DeploymentConfig, PipelineConfig
from airsentry.incidents import IncidentStore
from airsentry.incidents.tracklog import TrackLog
from airsentry.outputs.history import TrackHistory
from airsentry.step import Step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", type=int, default=10_000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    batches = list(swarm_feed(a.tracks, a.seconds))
    dep = DeploymentConfig(pipeline=PipelineConfig(protect=None))
    base_s: list[float] = []
    sink_s: list[float] = []
    steps: list[Step] = []
    rows = 0
    for run in range(a.runs):
        pipeline = build(dep, None)
        t0 = time.process_time()
        out = [pipeline.process(b) for b in batches]
        base_s.append(time.process_time() - t0)
        pipeline.close()
        if run == 0:
            steps = out
        with tempfile.TemporaryDirectory() as tmp:
            store = IncidentStore(Path(tmp) / "log.sqlite")
            sink = TrackHistory(store)
            t0 = time.process_time()
            for step in steps:
                sink.write(step)
            sink_s.append(time.process_time() - t0)
            rows = TrackLog(store).span()[2]
            store.close()
    updates = sum(len(s.updates) for s in steps)
    b, s = statistics.median(base_s), statistics.median(sink_s)
    print(
        f"{a.tracks:,} tracks x {a.seconds} s ({updates:,} update rows, {rows:,} states kept): "
        f"baseline pipeline {b:.2f} CPU-s, track log {s:.3f} CPU-s "
        f"(ratio {s / b:.3f}; {s / updates * 1e6:.2f} µs per update row; "
        f"{rows / s:,.0f} states written per CPU-s); medians of {a.runs}"
    )


if __name__ == "__main__":
    main()
