"""readsb trace files (the real one of the ``traffic`` wheel) and aircraft.json snapshots."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, read_file
from airsentry.sources.readsb import decode_aircraft_json

FT, KT = 0.3048, 1852 / 3600


@pytest.fixture(scope="module")
def trace(traffic_sample: dict[str, bytes]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(traffic_sample["trace"])
    return doc


def test_real_trace_points_are_the_files_own(trace: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "trace_full_ac671b.json.gz"
    path.write_bytes(gzip.compress(json.dumps(trace).encode()))
    q = Quarantine()
    b = ReportBatch.concat(read_file(path, "readsb_trace", q))
    pts = trace["trace"]
    assert q.count == 0
    assert len(b) == len(pts)
    np.testing.assert_allclose(b.t, [trace["timestamp"] + p[0] for p in pts])
    np.testing.assert_array_equal(b.lat, [p[1] for p in pts])
    np.testing.assert_array_equal(b.lon, [p[2] for p in pts])
    ground = np.array([p[3] == "ground" for p in pts])
    np.testing.assert_array_equal(b.on_ground, ground)
    alt = np.array([p[3] if not g else np.nan for p, g in zip(pts, ground, strict=True)], float)
    np.testing.assert_allclose(b.alt, alt * FT)
    moving = np.array([p[4] is not None and p[5] is not None for p in pts])
    gs = np.array([p[4] for p, m in zip(pts, moving, strict=True) if m], dtype=float)
    np.testing.assert_allclose(b.speed()[moving], gs * KT, atol=1e-9)
    assert np.isnan(b.speed()[~moving]).all()
    assert set(b.identity) == {"icao:ac671b"}
    # Callsigns arrive in details objects now and then and are carried until the next
    # one (this airframe flew DAL1812, then DAL2927).
    expected, current = [], ""
    for p in pts:
        if isinstance(p[8], dict) and "flight" in p[8]:
            current = p[8]["flight"].strip()
        expected.append(current)
    assert list(b.callsign) == expected
    assert {"DAL1812", "DAL2927"} <= set(expected)
    first = expected.index("DAL1812")
    assert b.accuracy[first] == pytest.approx(10 / 2.4477)  # NACp 10: EPU < 10 m


def test_bad_trace_points_are_quarantined(trace: dict[str, Any], tmp_path: Path) -> None:
    doc = dict(trace, trace=[*trace["trace"][:5], "oops", [1.0, 95.0, 0.0, 100, 1, 1, 0, 0]])
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    q = Quarantine()
    b = ReportBatch.concat(read_file(path, "readsb_trace", q))
    assert len(b) == 5
    assert [(r["line"], r["reason"]) for r in q.records] == [
        (6, "trace point is not a list of 8+ fields"),
        (7, "position out of range"),
    ]
    (tmp_path / "broken.json").write_text("{")
    q = Quarantine()
    assert list(read_file(tmp_path / "broken.json", "readsb_trace", q)) == []
    assert q.count == 1


SNAPSHOT = {
    "now": 1_758_275_730.5,
    "aircraft": [
        {
            "hex": "4ca1d3",
            "flight": "RYR1AB  ",
            "lat": 59.8,
            "lon": 26.3,
            "alt_baro": 35000,
            "gs": 450,
            "track": 90,
            "baro_rate": -1000,
            "squawk": "7700",
            "category": "A3",
            "seen_pos": 1.5,
            "nac_p": 9,
            "type": "adsb_icao",
        },
        {
            "hex": "~abc123",
            "lat": 50.0,
            "lon": 8.0,
            "alt_baro": "ground",
            "type": "tisb_other",
            "seen_pos": 0.2,
        },
        {"hex": "3c6586", "flight": "DLH1", "alt_baro": 3000},
        {
            "hex": "400abc",
            "lat": 52.0,
            "lon": -1.0,
            "altitude": 2000,
            "speed": 100,
            "vert_rate": 640,
            "track": 180,
            "type": "mlat",
        },
        7,
        {"hex": "4ca1d4", "lat": 95.0, "lon": 0.0},
    ],
}


def test_aircraft_json_snapshot_to_reports() -> None:
    q = Quarantine()
    b = decode_aircraft_json(json.dumps(SNAPSHOT).encode(), "http://rx/data/aircraft.json", q)
    assert list(b.identity) == ["icao:4ca1d3", "icao:~abc123", "icao:400abc"]
    np.testing.assert_allclose(b.t, [SNAPSHOT["now"] - 1.5, SNAPSHOT["now"] - 0.2, 1_758_275_730.5])
    assert b.alt[0] == pytest.approx(35000 * FT)
    assert np.isnan(b.alt[1])
    assert b.vel_e[0] == pytest.approx(450 * KT)
    assert b.vel_u[0] == pytest.approx(-5.08)
    assert b.vel_n[2] == pytest.approx(-100 * KT)  # old dump1090 names: speed, vert_rate
    assert list(b.callsign) == ["RYR1AB", "", ""]
    assert list(b.category) == ["A3", "", ""]
    assert list(b.transponder) == [True, False, False]  # TIS-B and MLAT: not a broadcast
    assert list(b.on_ground) == [False, True, False]
    assert b.accuracy[0] == pytest.approx(30 / 2.4477)
    assert sorted(r["reason"] for r in q.records) == [
        "aircraft entry is not an object",
        "position out of range",
    ]
    assert q.skipped["aircraft.json entry without a position"] == 1
    assert len(b) + q.count + sum(q.skipped.values()) == len(SNAPSHOT["aircraft"])  # type: ignore[arg-type]


def test_aircraft_json_files_one_or_many_snapshots(tmp_path: Path) -> None:
    one = tmp_path / "aircraft.json"
    one.write_text(json.dumps(SNAPSHOT, indent=1))
    many = tmp_path / "snapshots.jsonl"
    later = dict(SNAPSHOT, now=SNAPSHOT["now"] + 1)  # type: ignore[operator]
    many.write_text(json.dumps(SNAPSHOT) + "\n" + json.dumps(later) + "\n")
    assert len(ReportBatch.concat(read_file(one, "aircraft_json", Quarantine()))) == 3
    assert len(ReportBatch.concat(read_file(many, "aircraft_json", Quarantine()))) == 6
    q = Quarantine()
    assert list(read_file(tmp_path / "missing.json", "aircraft_json", q)) == []
    assert q.count == 1


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
        lambda kids: (
            st.lists(kids, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["now", "aircraft", "hex", "lat", "lon", "alt_baro", "gs", "track", "seen_pos"]
                ),
                kids,
            )
        ),
        max_leaves=30,
    ).map(lambda doc: json.dumps(doc).encode())
)
def test_random_snapshots_never_raise(doc: bytes) -> None:
    q = Quarantine()
    b = decode_aircraft_json(doc, "fuzz", q)
    assert (np.abs(b.lat) <= 90).all()
