"""Benchmark: the traffic picture's update at national load, against a baseline revision.

The recommender folds every batch of track updates into its
:class:`~airsentry.respond.picture.TrafficPicture` (latest state and sampled path of
every track). Input here: 6,000 aircraft reporting once a second in batches of one
second, each flight lasting 10 minutes and replaced by a new track (10 new tracks a
second), for ``--seconds`` seconds; what is timed is ``update`` over all batches, in
CPU time, fresh picture per run, runs of the current code and of the baseline's
``respond/picture.py`` (``--baseline REF``, read with ``git show``; it imports only
``airsentry.model``) interleaved, medians. Both must keep the same paths and give the
same ``at(t)``: the benchmark checks it before printing.

Figures (``--baseline 02849a7``, 600 s of traffic, 3 runs, 2 cores shared with two
helpers' evaluations): the current paths table 0.76 CPU-s against 2.35 for one array
per track (3.1x); the point of the change was the heap (issue 13), the speed came with
it.

Run: ``python benchmarks/picture.py [--baseline REF] [--seconds 600] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from _timing import interleaved, medians
from airsentry.model import ReportBatch, TrackUpdates
from airsentry.respond import picture as current

T0 = 1_758_265_200.0
AIRCRAFT = 6000
LIFETIME_S = 600.0


def batches(seconds: int) -> list[TrackUpdates]:
    """One batch per second of national traffic with steady turnover."""
    phase = np.linspace(0.0, 1.0, AIRCRAFT, endpoint=False)
    out = []
    for sec in range(seconds):
        generation = np.floor(sec / LIFETIME_S + phase).astype(np.int64)
        ids = np.arange(AIRCRAFT) + generation * AIRCRAFT
        t = T0 + sec + np.linspace(0.0, 0.99, AIRCRAFT)
        age = (sec / LIFETIME_S + phase) % 1.0 * LIFETIME_S
        lat = 47.0 + (ids % 97) * 0.08 + 0.002 * age
        state = ReportBatch.build(t=t, lat=lat, lon=5.0 + (ids % 89) * 0.1, alt=10_000.0)
        out.append(TrackUpdates(ids, state))
    return out


def baseline_module(ref: str) -> ModuleType:
    """The baseline revision's ``respond/picture.py`` as a module of its own."""
    text = subprocess.run(
        ["git", "show", f"{ref}:src/airsentry/respond/picture.py"],
        capture_output=True, text=True, check=True, cwd=Path(__file__).parent,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "baseline_picture.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_picture", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_picture"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="02849a7")
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    feed = batches(args.seconds)
    base = baseline_module(args.baseline)

    def run(cls: type) -> Any:
        pic = cls()
        for b in feed:
            pic.update(b)
        return pic

    cpu, last = interleaved(
        {"current": lambda: run(current.TrafficPicture),
         f"baseline {args.baseline}": lambda: run(base.TrafficPicture)},
        args.runs,
    )  # fmt: skip
    a, b = last.values()
    assert len(a) == len(b)
    for tid in a.latest.track_id[:: max(1, len(a.latest) // 200)].tolist():
        assert np.array_equal(a.path(tid), b.path(tid))
    at = T0 + args.seconds - 120.0
    assert np.array_equal(a.at(at).track_id, b.at(at).track_id)
    assert np.allclose(a.at(at).lat, b.at(at).lat)
    m = medians(cpu)
    rows = sum(len(f) for f in feed)
    print(f"picture.update: {args.seconds} batches, {rows:,} rows, {len(a):,} tracks kept at the "
          f"end; CPU, medians of {args.runs} interleaved runs; same paths and at(t)")  # fmt: skip
    for name, v in m.items():
        print(f"  {name:<20} {v:7.2f} CPU-s")
    (cur, ref) = m.values()
    print(f"  ratio baseline/current: {ref / cur:.2f}x")


if __name__ == "__main__":
    main()
