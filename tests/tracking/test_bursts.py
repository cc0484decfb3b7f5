"""Live bursts with a zero merge window: the merger and the cooperative tracker survive.

With ``window_s = 0`` the merger releases everything up to the latest event time it has
seen, so a report repeating the last released time (OpenSky and SBS feeds repeat a
state with the same position time) arrives in the next release, at exactly its track's
``last_seen``: the tracker drops it as late. When every report of a key in a release
is such a repeat, the key has no row left; it used to end its track as if silent and
then fail (``IndexError`` in ``_assign_ids``). Real rows: the ``onground/zurich_airport``
sample of the ``traffic`` wheel, each state sent twice, cut into bursts of random size.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import numpy as np

from airsentry.model import ReportBatch
from airsentry.sources._live_merge import Merger
from airsentry.tracking.cooperative import CooperativeTracker

SAMPLE = "traffic/data/samples/onground/zurich_airport.json.gz"


def _states(wheel: Path) -> ReportBatch:
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(gzip.decompress(z.read(SAMPLE)))
    if isinstance(data, dict):
        cols = list(data)
        data = [{c: data[c].get(i) for c in cols} for i in data[cols[0]]]
    data = [r for r in data if r.get("latitude") is not None]
    data.sort(key=lambda r: r["timestamp"])
    return ReportBatch.build(
        t=np.array([r["timestamp"] / 1000 for r in data]),
        lat=np.array([r["latitude"] for r in data]),
        lon=np.array([r["longitude"] for r in data]),
        sensor="opensky",
        identity=np.array([f"icao:{r['icao24']}" for r in data], dtype=object),
        transponder=True,
    )


def test_zero_window_bursts_of_repeated_states(traffic_wheel: Path) -> None:
    states = _states(traffic_wheel)
    twice = np.repeat(np.arange(len(states)), 2)  # every state sent twice, in a row
    stream = states.take(twice)
    rng = np.random.default_rng(12)
    cuts = np.sort(rng.choice(np.arange(1, len(stream)), size=len(stream) // 40, replace=False))
    merger, tracker = Merger(window_s=0.0), CooperativeTracker()
    updated, now = 0, 0.0
    for burst in np.split(np.arange(len(stream)), cuts):
        now += 0.001
        merger.push("feed", stream.take(burst), now)
        updates, _ = tracker.process(merger.release(now))
        updated += len(updates)
        assert np.all(np.diff(updates.state.t) >= 0) if len(updates) else True
    updates, _ = tracker.process(merger.release(now + 1.0, everything=True))
    updated += len(updates)
    stats = tracker.stats
    # every report sent is accounted for: updated, or dropped as a late repeat
    assert stats.reports + sum(merger.late.values()) == len(stream)
    assert stats.updates == updated
    assert stats.updates + stats.late == stats.reports
    # only repeats were dropped: every distinct state of every key made an update
    distinct = len({(i, t) for i, t in zip(states.identity, states.t, strict=True)})
    assert stats.late > 0, "the bursts must split some repeats from their first copy"
    assert stats.updates >= distinct
    assert stats.tracks_started == len(set(states.identity.tolist()))
