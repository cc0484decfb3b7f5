"""The track log's writer builds its texts by column and stores what the per-state
writer stored, byte for byte.

Real traffic: the ``collections/switzerland`` sample of the ``traffic`` wheel (an
afternoon of aircraft over Switzerland: callsigns that appear and change along a
track) replayed through the whole pipeline. Every
``States`` the sink writes is packed by :func:`airsentry.incidents.chunks.pack` and by
the per-state reference below (the writer as it was: one Python list per run, one
``json.dumps`` per chunk); the chunk rows must be equal. The sink's text columns are
checked against the per-cell conversion of the rows it sampled.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from airsentry.build import open_run
from airsentry.config import DeploymentConfig
from airsentry.incidents import chunks
from airsentry.incidents.chunks import RECORD, ChunkRow, States, pack, rows_of
from airsentry.incidents.tracklog import TrackLog
from airsentry.model import ReportBatch
from airsentry.outputs.history import by_runs

SAMPLE = "traffic/data/samples/collections/switzerland.json.gz"
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60
ROWS = 40_000  # the first reports in time: enough for hundreds of tracks and events


def reference_pack(s: States) -> list[ChunkRow]:
    """The per-state writer: each run's ``[at, identity, callsign, class]`` list built in
    Python and each chunk's runs dumped by :func:`json.dumps`."""
    n = len(s)
    if not n:
        return []
    rec = np.empty(n, dtype=RECORD)
    for name in ("slot", "t", "lat", "lon", "alt_m", "speed_mps", "heading_deg"):
        rec[name] = getattr(s, name)
    rec["violator"] = s.violator
    window = np.floor(s.t / chunks.CHUNK_SPAN_S)
    cut = np.r_[True, (s.track_id[1:] != s.track_id[:-1]) | (window[1:] != window[:-1])]
    starts = np.flatnonzero(cut)
    ends = np.r_[starts[1:], n]
    texts = [s.identity.tolist(), s.callsign.tolist(), s.target_class.tolist()]
    out: list[ChunkRow] = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        runs: list[list[Any]] = []
        for i in range(a, b):
            cells = [col[i] for col in texts]
            if i == a or cells != [col[i - 1] for col in texts]:
                runs.append([i - a, *cells])
        out.append(
            (
                int(s.track_id[a]),
                float(s.t[a]),
                float(s.t[b - 1]),
                b - a,
                rec[a:b].tobytes(),
                json.dumps(runs, separators=(",", ":")),
            )
        )
    return out


def _batches(wheel: Path) -> list[ReportBatch]:
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(gzip.decompress(z.read(SAMPLE)))
    if isinstance(data, dict):  # stored column-wise
        cols = list(data)
        data = [{c: data[c].get(i) for c in cols} for i in data[cols[0]]]
    recs = sorted(data, key=lambda r: r["timestamp"])[:ROWS]

    def col(key: str, factor: float = 1.0) -> np.ndarray:
        raw = [r.get(key) for r in recs]
        return np.array([np.nan if v is None else v for v in raw], dtype=np.float64) * factor

    gs, trk = col("groundspeed", KT), np.radians(col("track"))
    batch = ReportBatch.build(
        t=col("timestamp", 1e-3),
        lat=col("latitude"),
        lon=col("longitude"),
        alt=col("altitude", FT),
        vel_e=gs * np.sin(trk),
        vel_n=gs * np.cos(trk),
        vel_u=col("vertical_rate", FPM),
        identity=np.array([f"icao:{r['icao24']}" for r in recs], dtype=object),
        # None where the sample has no callsign: the sink stores it as ""
        callsign=np.array([r.get("callsign") or None for r in recs], dtype=object),
        transponder=True,
        sensor="opensky",
    )
    cuts = np.arange(5_000, len(batch), 5_000)
    bounds = zip(np.r_[0, cuts], np.r_[cuts, len(batch)], strict=True)
    return [batch.take(slice(int(a), int(b))) for a, b in bounds]


def test_the_track_log_writer_stores_what_the_per_state_writer_stored(
    traffic_wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[States] = []
    put_states = TrackLog.put_states

    def keep(self: TrackLog, states: States, *, newest: float | None = None) -> int:
        written.append(states)
        return put_states(self, states, newest=newest)

    monkeypatch.setattr(TrackLog, "put_states", keep)
    with open_run(DeploymentConfig(db=tmp_path / "log.sqlite")) as run:
        steps = run.pipeline.run(_batches(traffic_wheel))
        n_stored = TrackLog(run.store).span()[2]
    states = sum(len(s) for s in written)
    assert states > 1_000
    assert n_stored == states
    callsigns = {c for s in written for c in s.callsign.tolist()}
    assert len(callsigns) > 50
    runs = 0
    for s in written:
        found, expected = pack(s), reference_pack(s)
        assert found == expected
        runs += sum(len(json.loads(row[5])) for row in found)
        back = list(rows_of([(r[0], r[4], r[5]) for r in found], -np.inf, np.inf))
        assert [r[8:11] for r in back] == list(
            zip(s.identity.tolist(), s.callsign.tolist(), s.target_class.tolist(), strict=True)
        )
    assert runs > len(written)  # texts change within chunks: runs are exercised
    # the sink's text columns: the per-cell conversion of what it sampled
    for step in steps:
        if not len(step.updates):
            continue
        st = step.updates.state
        for x in (st.identity, st.callsign):
            assert by_runs(x, _cell).tolist() == [_cell(v) for v in x.tolist()]
        assert by_runs(step.classes, _cls).tolist() == [_cls(v) for v in step.classes.tolist()]


def _cell(v: object) -> str:
    return str(v) if v else ""


def _cls(v: object) -> str:
    return str(v) or "unknown"


def test_texts_that_json_escapes_are_stored_as_json_dumps_writes_them() -> None:
    texts = ['"quoted"', "back\\slash", "Zürich", "日本", "nul\x00", "lone\udc80", "", "a"]
    n = 64
    rng = np.random.default_rng(7)
    pick = [rng.integers(0, len(texts), n) for _ in range(3)]
    t = 1_758_560_000.0 + np.sort(rng.uniform(0, 3 * chunks.CHUNK_SPAN_S, n))
    track = np.sort(rng.integers(1, 4, n))
    order = np.lexsort((t, track))
    s = States(
        track_id=track[order],
        slot=np.arange(n, dtype=np.int64),
        t=t[order],
        lat=rng.uniform(45, 48, n),
        lon=rng.uniform(5, 10, n),
        alt_m=np.where(rng.random(n) < 0.2, np.nan, 1000.0),
        speed_mps=np.full(n, 100.0),
        heading_deg=np.full(n, 90.0),
        violator=(rng.random(n) < 0.5).astype(np.int64),
        identity=np.array([texts[i] for i in pick[0]], dtype=object)[order],
        callsign=np.array([texts[i] for i in pick[1]], dtype=object)[order],
        target_class=np.array([texts[i] for i in pick[2]], dtype=object)[order],
    )
    assert pack(s) == reference_pack(s)
    assert pack(States(**{k: getattr(s, k)[:0] for k in States.__dataclass_fields__})) == []
