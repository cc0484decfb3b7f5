"""Surface positions without a receiver position: an aircraft on the ground is at an
aerodrome. A real flight (rs1090's full_flight_short, from the traffic wheel) taxiing at
Paris-CDG, replayed as raw AVR frames with no ``receiver`` option: every position
rs1090 decoded is found, surface ones included, at the same place."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, decoder
from airsentry.sources.modes import aerodromes

WAITING = "CPR frame waiting for its pair or reference"


@pytest.fixture(scope="module")
def flight(traffic_sample: dict[str, bytes]) -> list[dict]:
    return [json.loads(line) for line in traffic_sample["jsonl"].decode().splitlines()]


def test_every_position_the_reference_decoder_found(flight: list[dict]) -> None:
    t0 = flight[0]["timestamp"]
    avr = "".join(
        f"@{round((r['timestamp'] - t0) * 12e6):012X}{r['frame'].upper()};\n" for r in flight
    )
    q = Quarantine()
    raw = decoder("raw", source="cdg", start=datetime.fromtimestamp(t0, UTC).isoformat())
    ours = ReportBatch.concat([raw.feed(avr.encode(), q), raw.flush(q)])
    ref = [r for r in flight if "latitude" in r]
    surface = [r for r in ref if r.get("bds") == "06"]
    assert len(surface) > 0.15 * len(ref)  # the taxi at CDG is a sixth of the flight
    # rs1090 had a reference for the very first frames; we wait for their pairs
    assert q.skipped[WAITING] <= 3
    assert len(ours) >= len(ref) - q.skipped[WAITING]
    rt = np.array([r["timestamp"] for r in ref])
    at = np.clip(np.searchsorted(rt, ours.t - 1e-4), 0, len(rt) - 1)
    assert np.abs(rt[at] - ours.t).max() < 1e-3  # each of ours is one of theirs
    want = np.array([[ref[i]["latitude"], ref[i]["longitude"]] for i in at])
    np.testing.assert_allclose(np.c_[ours.lat, ours.lon], want, atol=1e-9)
    assert int(ours.on_ground.sum()) >= len(surface) - q.skipped[WAITING]


def test_only_a_unique_candidate_near_an_aerodrome_is_taken() -> None:
    lat = np.array([[49.0, -41.0], [10.0, -80.0]])  # near CDG; nothing near any aerodrome
    quads = np.array([0.0, 90.0, 180.0, 270.0])
    lon = np.stack([np.stack([q + quads, q + quads]) for q in (2.55, -150.0)])
    lon = np.mod(lon + 180.0, 360.0) - 180.0
    a_lat, a_lon, unique = aerodromes.resolve(lat, lon, np.ones((2, 2), dtype=bool))
    assert unique.tolist() == [True, False]
    assert (a_lat[0], a_lon[0]) == pytest.approx((49.0, 2.55))
