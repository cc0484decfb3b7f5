"""Shared column helpers of the decoders (``sources/_columns.py``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa

from airsentry.sources._columns import to_objects, velocity_en
from airsentry.sources.base import Quarantine, read_file


def test_velocity_of_infinite_speed_or_track_warns_nothing():
    """An infinite speed stays infinite (the range check rejects the row), an infinite
    or missing track gives an unknown velocity; no RuntimeWarning either way."""
    speed = np.array([100.0, np.inf, 100.0, -np.inf, np.nan, 50.0, np.inf])
    track = np.array([90.0, 0.0, np.inf, 45.0, 10.0, np.nan, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning fails the test
        east, north = velocity_en(speed, track)
    assert np.allclose([east[0], north[0]], [100.0, 0.0], atol=1e-9)
    for i in (1, 3, 6):
        assert np.isinf(east[i])
        assert np.isinf(north[i])
    assert np.isnan(east[[2, 4, 5]]).all()
    assert np.isnan(north[[2, 4, 5]]).all()


def test_an_infinite_ground_speed_in_aircraft_json_is_rejected_without_a_warning(
    tmp_path: Path,
):
    doc = tmp_path / "aircraft.json"
    doc.write_text(
        '{"now": 1720000000, "aircraft": ['
        '{"hex": "4b1805", "lat": 47.4, "lon": 8.5, "seen_pos": 0.1, "gs": 1e999, '
        '"track": 90}, '
        '{"hex": "4b1806", "lat": 47.5, "lon": 8.6, "seen_pos": 0.1, "gs": 100, '
        '"track": 1e999}]}'
    )
    assert json.loads(doc.read_text())["aircraft"][0]["gs"] == float("inf")
    q = Quarantine()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batches = list(read_file(doc, "aircraft_json", q))
    got = sum(len(b) for b in batches)
    assert got == 1  # the infinite track: velocity unknown
    assert q.count == 1  # the infinite speed: rejected
    for b in batches:
        assert np.isnan(b.vel_e).all()


def test_text_cells_become_one_shared_str_per_distinct_value() -> None:
    """``to_objects``: the cells' text ("" for nulls), with equal cells one object (so
    a block's identities cost a ``str`` each, not one per row); chunked input too."""
    cells = ["icao:4ca1d3", None, "icao:4ca1d3", "", "icao:3c6444", "icao:4ca1d3"]
    for col in (pa.array(cells), pa.chunked_array([cells[:2], cells[2:]])):
        out = to_objects(col)
        assert out.dtype == object
        assert out.tolist() == ["icao:4ca1d3", "", "icao:4ca1d3", "", "icao:3c6444", "icao:4ca1d3"]
        assert all(type(v) is str for v in out)
        assert out[0] is out[2]
        assert out[2] is out[5]
        assert out[1] is out[3]
    assert to_objects(pa.array([], pa.string())).tolist() == []
