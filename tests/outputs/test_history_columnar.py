"""The track log's writer builds its texts by column and stores what the per-state
writer stored, byte for byte; the book's event JSON, written field by field, is what
the canonical encoder writes for the event's dict.

Real traffic: the ``collections/switzerland`` sample of the ``traffic`` wheel (an
afternoon of aircraft over Switzerland: callsigns that appear and change along a
track; entries and exits of the country) replayed through the whole pipeline. Every
``States`` the sink writes is packed by :func:`airsentry.incidents.chunks.pack` and by
the per-state reference below (the writer as it was: one Python list per run, one
``json.dumps`` per chunk); the chunk rows must be equal. The sink's text columns are
checked against the per-cell conversion of the rows it sampled, and every event's
:func:`~airsentry.incidents.codec.event_json` against ``dumps(event.to_dict())``.
"""

from __future__ import annotations

import gzip
import json
import math
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from airsentry.build import open_run
from airsentry.config import DeploymentConfig
from airsentry.incidents import chunks
from airsentry.incidents.chunks import ChunkRow, States, pack, rows_of
from airsentry.incidents.codec import dumps, event_json
from airsentry.incidents.tracklog import TrackLog
from airsentry.model import Event, EventKind, ReportBatch, ZoneKind
from airsentry.outputs.history import TrackHistory, by_runs
from airsentry.step import Step

SAMPLE = "traffic/data/samples/collections/switzerland.json.gz"
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60
ROWS = 40_000  # the first reports in time: enough for hundreds of tracks and events


def reference_pack(s: States) -> list[ChunkRow]:
    """The per-state writer: each run's ``[at, identity, callsign, class]`` list built in
    Python and each chunk's runs dumped by :func:`json.dumps`."""
    n = len(s)
    if not n:
        return []
    rec, cut = chunks.records(s)  # the numbers: the same records and chunk cuts
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


@pytest.fixture(scope="module")
def replayed(
    traffic_wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Step], list[States]]:
    """The sample replayed through the whole pipeline: its steps, and every ``States``
    the track log's sink wrote."""
    written: list[States] = []
    put_states = TrackLog.put_states

    def keep(self: TrackLog, states: States, *, newest: float | None = None) -> int:
        written.append(states)
        return put_states(self, states, newest=newest)

    db = tmp_path_factory.mktemp("history") / "log.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TrackLog, "put_states", keep)
        with open_run(DeploymentConfig(db=db)) as run:
            steps = run.pipeline.run(_batches(traffic_wheel))
            assert TrackLog(run.store).span()[2] == sum(len(s) for s in written)
    return steps, written


def test_the_track_log_writer_stores_what_the_per_state_writer_stored(
    replayed: tuple[list[Step], list[States]],
) -> None:
    steps, written = replayed
    states = sum(len(s) for s in written)
    assert states > 1_000
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


def test_events_are_encoded_as_the_canonical_encoder_writes_their_dicts(
    replayed: tuple[list[Step], list[States]], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [e for step in replayed[0] for e in step.events]
    kinds = {e.kind for e in events}
    assert len(events) > 100
    assert {EventKind.ENTRY, EventKind.EXIT} <= kinds
    as_dict = Event.to_dict
    dict_way: list[Event] = []

    def counted(e: Event) -> dict[str, object]:
        dict_way.append(e)
        return as_dict(e)

    monkeypatch.setattr(Event, "to_dict", counted)
    encoded = [event_json(e) for e in events]
    monkeypatch.undo()
    assert not dict_way  # every real event took the fast form
    assert encoded == [dumps(e.to_dict()) for e in events]


def test_unusual_event_values_are_encoded_as_the_canonical_encoder_writes_them() -> None:
    t = datetime(2025, 9, 10, 1, 2, 3, 456789, tzinfo=UTC)
    base = Event(kind=EventKind.EXIT, time=t, track_id=7, identity="icao:4b1801")
    variants = [
        base,
        replace(base, kind=EventKind.ENTRY),
        replace(base, kind=EventKind.ENTRY, depth_m=1.5, dwell_s=0.0),
        replace(base, dwell_s=math.nan, depth_m=math.inf),
        replace(base, dwell_s=-math.inf, depth_m=np.float64(12.25)),
        replace(base, dwell_s=3, depth_m=True),  # an int, and a bool the encoder writes
        replace(base, track_id=None, authorised=False, lat=np.float64(50.1), lon=8, alt=np.nan),
        replace(base, track_id=np.int64(7), authorised=np.True_),  # to the encoder's way
        replace(base, authorised=True, reasons=('said "hi"', "Zürich\\n", "日本", "\x00\udc80")),
        replace(base, identity='a"b', callsign="ÄBC\t", zone_id=ZoneKind.SITE, sensor="s"),
        replace(base, details={"b": [1, 2.5, None], "a": {"z": "ü", "y": t}}),
        replace(base, details={"lost": False, "entry_time": 1.5e9, "n": 3, "why": None}),
        replace(base, details={"x": np.float64(2.0), "y": np.int64(4), "ok": np.True_}),
        replace(base, details={10: "ten", 9: "nine"}),  # sorted as numbers, written as text
        replace(base, zone_name=7, target_class=None),  # type: ignore[arg-type]
        replace(base, reasons=("ok", b"raw")),  # type: ignore[arg-type]
        replace(base, identity=np.str_("icao:4b1801"), sensor=np.str_("s")),  # str subclass
    ]
    for e in variants:
        assert event_json(e) == dumps(e.to_dict())


def test_a_changed_tracks_rows_take_the_violation_state_at_their_own_time() -> None:
    """Per row, the reference replays the track's changes up to the row's time (in time
    order, same-time changes in the order given) from its zones before the step."""
    rng = np.random.default_rng(5)
    sink = TrackHistory.__new__(TrackHistory)
    for _ in range(300):
        sink._violating = {int(t): {"z1"} for t in rng.integers(0, 8, 3)}
        tid = np.sort(rng.integers(0, 8, int(rng.integers(0, 30))))
        times = rng.choice([1.0, 2.0, 3.0, 4.5], len(tid))
        changes: dict[int, list[tuple[float, bool, str]]] = {}
        for _ in range(int(rng.integers(0, 10))):
            change = (float(rng.choice([1.0, 2.0, 3.0])), bool(rng.random() < 0.5),
                      str(rng.choice(["z1", "z2"])))  # fmt: skip
            changes.setdefault(int(rng.integers(0, 8)), []).append(change)
        before = {t: set(sink._violating.get(t, ())) for t in changes}
        want = []
        for track, t in zip(tid.tolist(), times.tolist(), strict=True):
            if track not in changes:
                want.append(int(bool(sink._violating.get(track))))
                continue
            zones = set(before[track])
            for at, add, zone in sorted(changes[track], key=lambda c: c[0]):
                if at <= t:
                    (zones.add if add else zones.discard)(zone)
            want.append(int(bool(zones)))
        assert sink._violating_at(tid, times, before, changes).tolist() == want
