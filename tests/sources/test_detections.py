"""Counter-drone detection lines: positions, bearing and range, bearing-only, bad lines."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airsentry.model import ReportBatch
from airsentry.sources.asterix import Site
from airsentry.sources.base import Quarantine, read_file
from airsentry.sources.detections import DetectionDecoder

GEOD = pyproj.Geod(ellps="WGS84")
SITE = {"lat": 60.3172, "lon": 24.9633, "alt": 50.0}


def write(tmp_path: Path, rows: list[Any]) -> Path:
    path = tmp_path / "det.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_position_and_bearing_range_become_reports(tmp_path: Path) -> None:
    rows = [
        {"sensor": "rf-1", "site": SITE},  # sensor table line
        {"time": "2025-09-19T10:00:00Z", "sensor": "eo-1", "kind": "eoir", "lat": 60.3,
         "lon": 24.9, "alt": 120.0, "accuracy_m": 15.0, "track_id": 3, "class_hint": "drone"},
        {"time": 1758276001.5, "sensor": "rf-1", "kind": "rf", "bearing_deg": 231.5,
         "range_m": 1800.0, "range_sigma_m": 150.0, "bearing_sigma_deg": 3.0},
        {"time": 1758276002.0, "sensor": "radar-9", "kind": "radar", "bearing_deg": 10.0,
         "range_m": 3000.0, "elevation_deg": 5.0, "site": {"lat": 60.0, "lon": 25.0}},
    ]  # fmt: skip
    q = Quarantine()
    b = ReportBatch.concat(read_file(write(tmp_path, rows), "detections", q))
    assert q.count == 0
    assert len(b) == 3
    assert b.track_number[0] == 3
    assert b.category[0] == "drone"
    assert b.accuracy[0] == 15.0
    assert b.alt[0] == 120.0
    assert not b.transponder.any()
    az, _, dist = GEOD.inv(SITE["lon"], SITE["lat"], b.lon[1], b.lat[1])
    assert az % 360 == pytest.approx(231.5)
    assert dist == pytest.approx(1800.0)
    assert b.accuracy[1] == pytest.approx(math.hypot(150.0, 1800.0 * math.radians(3.0)))
    _, _, dist2 = GEOD.inv(25.0, 60.0, b.lon[2], b.lat[2])
    assert dist2 == pytest.approx(3000.0 * math.cos(math.radians(5.0)))
    assert b.alt[2] == pytest.approx(3000.0 * math.sin(math.radians(5.0)))
    assert np.isnan(b.accuracy[2])


def test_bearing_only_is_a_report_without_position_with_its_sensor_frame(tmp_path: Path) -> None:
    rows = [
        {"time": 10.0, "sensor": "ac-1", "kind": "acoustic", "bearing_deg": 90.0,
         "bearing_sigma_deg": 8.0, "track_id": 4, "identity": "rf:aa:bb"},
        {"time": 11.0, "sensor": "ac-1", "kind": "acoustic", "lat": 60.0, "lon": 25.0},
        {"time": 12.0, "sensor": "ac-1", "kind": "radar", "bearing_deg": 45.0,
         "range_m": 2000.0, "range_sigma_m": 15.0},
    ]  # fmt: skip
    src = DetectionDecoder(sites={"ac-1": Site(60.0, 25.0, 10.0)})
    q = Quarantine()
    b = ReportBatch.concat([src.feed(write(tmp_path, rows).read_bytes(), q), src.flush(q)])
    assert len(b) == 3
    assert not q.skipped
    assert np.isnan(b.lat[0]) and np.isnan(b.lon[0]) and np.isfinite(b.lat[1:]).all()  # noqa: PT018
    assert b.identity[0] == "rf:aa:bb"
    assert b.track_number[0] == 4
    f = b.frame
    assert f is not None
    assert list(f.bearing_only) == [True, False, False]
    assert list(f.measured) == [True, False, True]
    assert f.azimuth_rad[0] == pytest.approx(math.pi / 2)
    assert f.sigma_azimuth_rad[0] == pytest.approx(math.radians(8.0))
    assert f.site_alt[0] == 10.0
    assert f.range_m[2] == 2000.0
    assert f.sigma_range_m[2] == 15.0
    assert np.isnan(f.sigma_azimuth_rad[2])


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ({"time": 1.0, "sensor": "x", "kind": "sonar", "lat": 1, "lon": 2}, "'kind' 'sonar'"),
        ({"time": 1.0, "sensor": "x", "kind": "rf", "lat": 91, "lon": 2}, "out of range"),
        ({"time": 1.0, "sensor": "x", "kind": "rf", "lat": 1}, "go together"),
        ({"time": 1.0, "sensor": "x", "kind": "rf", "bearing_deg": 5}, "site is not known"),
        ({"time": "10:00", "sensor": "x", "kind": "rf", "lat": 1, "lon": 2}, "ISO 8601"),
        ({"time": 1.0, "sensor": "x", "kind": "rf"}, "neither"),
        ({"time": 1.0, "sensor": "x", "kind": "rf", "lat": 1, "lon": 2, "track_id": "a"}, "track"),
    ],
)
def test_bad_lines_are_rejected_with_reasons(tmp_path: Path, row: Any, reason: str) -> None:
    q = Quarantine()
    assert not list(read_file(write(tmp_path, [row]), "detections", q))
    assert q.count == 1
    assert reason in q.records[0]["reason"]
    assert q.records[0]["line"] == 1


JSONISH = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
KEYS = st.sampled_from(["time", "sensor", "kind", "lat", "lon", "bearing_deg", "range_m", "site"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, JSONISH, max_size=8), st.binary(max_size=60))
def test_random_lines_never_raise(obj: dict[str, Any], junk: bytes) -> None:
    q = Quarantine()
    src = DetectionDecoder(source="fuzz")
    text = json.dumps(obj).encode() + b"\n" + junk.replace(b"\n", b" ") + b"\n"
    b = ReportBatch.concat([src.feed(text, q), src.flush(q)])
    assert len(b) + q.count + sum(q.skipped.values()) == 2
    assert all(r["reason"] for r in q.records)


def test_deeply_nested_json_is_rejected_not_raised() -> None:
    q = Quarantine()
    assert not len(DetectionDecoder(source="deep").feed(b"[" * 100_000 + b"\n", q))
    assert q.count == 1
