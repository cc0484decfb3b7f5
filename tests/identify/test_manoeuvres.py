"""Classes from how a track flies: a helicopter, a transport and a decoy without
transponder share speed and height bands; hovering, speed spread, turns and climbs
tell them apart (issue 14), whatever the batching, and the reasons name the cues."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from airsentry.identify.classify import Classification, TrackClassifier
from airsentry.model import ReportBatch, TrackUpdates

T0 = 1_758_265_200.0
RNG = np.random.default_rng(14)


def _track(speed: np.ndarray, heading_deg: np.ndarray, alt: float, climb: float = 0.0,
           period_s: float = 4.0) -> TrackUpdates:  # fmt: skip
    n = len(speed)
    h = np.radians(heading_deg)
    state = ReportBatch.build(
        t=T0 + period_s * np.arange(n), lat=52.7, lon=24.0, alt=alt + RNG.normal(0, 20, n),
        vel_e=speed * np.sin(h), vel_n=speed * np.cos(h), vel_u=np.full(n, climb),
    )  # fmt: skip
    return TrackUpdates(np.full(n, 7, dtype=np.int64), state)


def decoy() -> TrackUpdates:
    """Gerbera-type: 45 m/s straight and level at 1000 m, tracker noise only."""
    n = 120
    return _track(45 + RNG.normal(0, 1.5, n), 265 + RNG.normal(0, 1.0, n), 1000.0)


def helicopter() -> TrackUpdates:
    """Mi-8-type at 200 m: cruise 55 m/s, slow down, hover, tight turns, speed up."""
    speed = np.r_[np.full(60, 55.0), np.linspace(55, 3, 10), np.full(20, 1.0),
                  np.full(15, 20.0), np.full(40, 60.0)] + RNG.normal(0, 1.0, 145)  # fmt: skip
    heading = np.r_[np.full(90, 270.0), np.linspace(270, 630, 15), np.full(40, 90.0)]
    return _track(np.abs(speed), heading + RNG.normal(0, 1.0, 145), 200.0)


def transport() -> TrackUpdates:
    """An-26-type: 135 m/s at 4000-6000 m, climbing 5 m/s, no transponder."""
    n = 90
    return _track(135 + RNG.normal(0, 2.0, n), 270 + RNG.normal(0, 0.5, n), 5000.0, 5.0, 5.0)


def run(u: TrackUpdates, batches: int) -> Classification:
    c = TrackClassifier()
    parts = np.array_split(np.arange(len(u)), batches)
    out = [c.update(u.take(p)) for p in parts]
    return Classification(
        np.concatenate([o.cls for o in out]),
        np.concatenate([o.confidence for o in out]),
        np.concatenate([o.reasons for o in out]),
    )


@pytest.mark.parametrize("batches", [1, 7])
def test_decoy_stays_a_decoy(batches: int) -> None:
    r = run(decoy(), batches)
    assert set(r.cls.tolist()) == {"decoy_drone"}
    assert any("never hovered" in why for why in r.reasons[-1])


@pytest.mark.parametrize("batches", [1, 7])
def test_hovering_and_turning_makes_a_helicopter_of_a_decoy_look_alike(batches: int) -> None:
    r = run(helicopter(), batches)
    assert r.cls[:50].tolist() == ["decoy_drone"] * 50  # cruise alone: speed and height
    assert r.cls[-1] == "helicopter"
    assert r.confidence[-1] > 0.7
    why = " | ".join(r.reasons[-1])
    assert "rotorcraft manoeuvres" in why
    assert "hovered for" in why


@pytest.mark.parametrize("batches", [1, 7])
def test_a_silent_turboprop_transport_is_neither_a_fighter_nor_a_drone(batches: int) -> None:
    r = run(transport(), batches)
    assert set(r.cls.tolist()) == {"airliner"}
    why = " | ".join(r.reasons[-1])
    assert "turboprop transport" in why
    assert "climbs up to 5 m/s" in why


def test_hard_turns_at_altitude_and_transport_speed_are_a_fighter() -> None:
    n = 40
    heading = np.r_[np.full(20, 270.0), np.linspace(270, 870, 20)]  # 8 deg/s: a 2 g turn
    r = run(_track(np.full(n, 140.0), heading, 6000.0), 1)
    assert r.cls[0] == "airliner"  # a steady transport, until it turns like a fighter
    assert r.cls[-1] == "fast_jet"


def test_a_sensor_saying_manned_aircraft_rules_out_a_decoy() -> None:
    u = decoy()
    hint = np.full(len(u), "", dtype=object)
    hint[60:] = "aircraft"  # e.g. SAPIENT "manned aircraft" from its radar signature
    u = TrackUpdates(u.track_id, replace(u.state, category=hint))
    r = run(u, 3)
    assert r.cls[0] == "decoy_drone"
    assert "drone" not in r.cls[-1]


def steady_helicopter() -> TrackUpdates:
    """Mi-8-type cruising straight and level at 57 m/s (205 km/h), 300 m, no manoeuvre."""
    n = 80
    return _track(57 + RNG.normal(0, 1.0, n), 90 + RNG.normal(0, 1.0, n), 300.0)


@pytest.mark.parametrize("batches", [1, 7])
def test_a_steady_helicopter_is_an_ambiguous_decoy_not_a_confident_one(batches: int) -> None:
    """Nothing the reports carry separates a helicopter in straight cruise from a
    one-way attack drone: the class stays the cautious one, but its confidence is low
    and the reason says so; a decoy in the Shahed/Gerbera band keeps its confidence."""
    heli = run(steady_helicopter(), batches)
    assert heli.cls[-1] == "decoy_drone"
    assert heli.confidence[-1] <= 0.45
    why = heli.reasons[-1][0]
    assert why.startswith("ambiguous:")
    assert "helicopter" in why
    real = run(decoy(), batches)
    assert real.confidence[-1] > 0.6
    assert not real.reasons[-1][0].startswith("ambiguous")
