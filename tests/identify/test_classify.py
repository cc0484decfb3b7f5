"""Rule-based classification: rules per row, running memory, stickiness, reasons."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from airsentry.identify.classify import Classification, TrackClassifier
from airsentry.model import ReportBatch, TrackUpdates

T0 = 1_758_265_200.0


def updates(track_id: Any, **columns: Any) -> TrackUpdates:
    """Track updates with the given columns; positions do not matter to the rules."""
    ids = np.asarray(track_id, dtype=np.int64).reshape(-1)
    n = len(ids)
    columns.setdefault("vel_n", 0.0)
    state = ReportBatch.build(t=T0 + np.arange(n), lat=59.0, lon=25.0, **columns)
    return TrackUpdates(ids, state)


def one(**columns: Any) -> Classification:
    return TrackClassifier().update(updates([1], **columns))


def test_heavy_category_is_an_airliner() -> None:
    r = one(alt=11000, vel_e=240, category="A5", transponder=True, identity="icao:4ca1d3")
    assert r.cls.tolist() == ["airliner"]
    assert r.confidence[0] >= 0.9
    assert any("A5" in why and "heavy" in why for why in r.reasons[0])


def test_fast_without_transponder_is_a_fast_jet() -> None:
    r = one(alt=9000, vel_e=260)
    assert r.cls.tolist() == ["fast_jet"]
    assert "no transponder, 260 m/s" in r.reasons[0][0]
    assert "military jets" in r.reasons[0][0]


def test_slow_low_silent_is_a_drone() -> None:
    r = one(alt=500, vel_e=20)
    assert r.cls.tolist() == ["drone"]
    assert r.reasons[0] == ("slow, low, no transponder: 20 m/s at 500 m",)


def test_steady_40_to_50_mps_silent_and_low_is_a_one_way_attack_drone() -> None:
    r = TrackClassifier().update(updates([4] * 4, alt=900, vel_e=[44, 46, 43, 45]))
    assert r.cls.tolist() == ["decoy_drone"] * 4
    assert "one-way attack drone or decoy" in r.reasons[-1][0]
    assert "45 m/s on average" in r.reasons[-1][0] or "44 m/s on average" in r.reasons[-1][0]


def test_remote_id_is_a_drone_whatever_else() -> None:
    r = one(alt=120, vel_e=12, identity="rid:1581F5FJD229", transponder=True)
    assert r.cls.tolist() == ["drone"]
    assert r.confidence[0] >= 0.9
    assert "rid:1581F5FJD229" in r.reasons[0][0]


@pytest.mark.parametrize(
    ("category", "cls"),
    [
        ("A7", "helicopter"),
        ("A6", "fast_jet"),
        ("B2", "balloon"),
        ("B6", "drone"),
        ("A1", "light_aircraft"),
        ("drone", "drone"),
        ("decoy_drone", "decoy_drone"),
    ],
)
def test_category_decides(category: str, cls: str) -> None:
    r = one(alt=800, vel_e=45, category=category, transponder=True)
    assert r.cls.tolist() == [cls]


def test_category_beats_kinematics() -> None:
    # A helicopter at 60 m/s, low, would look like a drone without its category.
    r = one(alt=300, vel_e=60, category="A7")
    assert r.cls.tolist() == ["helicopter"]


def test_other_rules() -> None:
    clf = TrackClassifier()
    r = clf.update(
        updates(
            [1, 2, 3, 4],
            alt=[10500, 21000, 900, np.nan],
            vel_e=[230, 5, 50, np.nan],
            transponder=[True, False, True, False],
            callsign=["EIN4CV", "", "", ""],
            squawk=["2000", "", "7000", ""],
        )
    )
    assert r.cls.tolist() == ["airliner", "balloon", "light_aircraft", "unknown"]
    assert r.confidence[3] < r.confidence[2] < r.confidence[0]
    assert np.all((r.confidence > 0) & (r.confidence <= 1))


def test_confidence_grows_with_agreeing_cues() -> None:
    low = one(alt=500, vel_e=160)  # fast and silent, but low and slower
    high = one(alt=9000, vel_e=260)  # faster and high: more cues agree
    assert low.cls.tolist() == high.cls.tolist() == ["fast_jet"]
    assert high.confidence[0] > low.confidence[0]


def test_class_is_sticky_under_a_noisy_row_within_a_batch() -> None:
    # Three clean drone rows, then a row whose altitude jumped (noise), then clean again.
    r = TrackClassifier().update(
        updates([7] * 5, alt=[500, 500, 500, 4800, 500], vel_e=[20, 20, 20, 20, 20])
    )
    assert r.cls.tolist() == ["drone"] * 5
    assert r.confidence[3] == r.confidence[2]


def test_class_is_sticky_across_batches() -> None:
    clf = TrackClassifier()
    clf.update(updates([7, 7, 7], alt=500, vel_e=20))
    noisy = clf.update(updates([7], alt=500, vel_e=3))  # too slow for the drone rule
    assert noisy.cls.tolist() == ["drone"]
    assert noisy.reasons[0] == ("slow, low, no transponder: 20 m/s at 500 m",)


def test_physically_impossible_class_is_dropped() -> None:
    clf = TrackClassifier()
    clf.update(updates([7, 7, 7], alt=500, vel_e=20))
    r = clf.update(updates([7, 7, 7], alt=500, vel_e=[250, 250, 20]))
    # Once it has flown at 250 m/s it was never a drone, even when it slows down again.
    assert r.cls.tolist() == ["drone", "fast_jet", "fast_jet"]


def test_a_one_row_spike_does_not_veto_or_establish_a_class() -> None:
    clf = TrackClassifier()
    clf.update(updates([7, 7, 7], alt=500, vel_e=20))
    r = clf.update(updates([7, 7, 7], alt=500, vel_e=[20, 250, 20]))
    assert r.cls.tolist() == ["drone"] * 3
    high = TrackClassifier().update(
        updates([8] * 4, alt=[1500, 11000, 1500, 1500], vel_e=60, transponder=True,
                callsign="FGALN")
    )  # fmt: skip
    assert high.cls.tolist() == ["light_aircraft"] * 4


def test_reasons_are_shared_tuples_not_rebuilt_per_row() -> None:
    r = TrackClassifier().update(updates([3] * 6, alt=500, vel_e=20))
    assert all(isinstance(why, tuple) and why for why in r.reasons)
    assert r.reasons[4] is r.reasons[5]


def test_rows_keep_their_order_with_interleaved_tracks() -> None:
    ids = [1, 2, 1, 2, 3]
    r = TrackClassifier().update(
        updates(
            ids,
            alt=[500, 10000, 500, 10000, 9000],
            vel_e=[20, 230, 20, 230, 260],
            transponder=[False, True, False, True, False],
        )
    )
    assert r.cls.tolist() == ["drone", "airliner", "drone", "airliner", "fast_jet"]
    assert len(r) == len(r.reasons) == 5


def test_batching_does_not_change_the_result() -> None:
    rng = np.random.default_rng(3)
    n = 300
    ids = rng.integers(0, 12, n)
    alt = rng.choice([300.0, 2500.0, 6000.0, 11000.0, np.nan], n)
    vel = rng.choice([5.0, 40.0, 90.0, 140.0, 260.0], n)
    xpdr = (ids % 3) == 0
    cat = np.where(ids == 5, "A7", "")
    whole = TrackClassifier().update(
        updates(ids, alt=alt, vel_e=vel, transponder=xpdr, category=cat)
    )
    clf = TrackClassifier()
    parts = [
        clf.update(
            updates(
                ids[i : i + 37],
                alt=alt[i : i + 37],
                vel_e=vel[i : i + 37],
                transponder=xpdr[i : i + 37],
                category=cat[i : i + 37],
            )
        )
        for i in range(0, n, 37)
    ]
    assert np.concatenate([p.cls for p in parts]).tolist() == whole.cls.tolist()
    assert np.allclose(np.concatenate([p.confidence for p in parts]), whole.confidence)
    assert [w for p in parts for w in p.reasons] == whole.reasons.tolist()
    assert len(clf) == len(set(ids.tolist()))


def test_forget_and_empty_update() -> None:
    clf = TrackClassifier()
    clf.update(updates([1, 2, 3], alt=500, vel_e=20))
    assert len(clf) == 3
    clf.forget([2, 99])
    assert len(clf) == 2
    r = clf.update(TrackUpdates.empty())
    assert len(r) == 0
    assert len(r.reasons) == 0
    # A forgotten track starts afresh.
    again = clf.update(updates([2], alt=500, vel_e=3))
    assert again.cls.tolist() == ["unknown"]


def test_a_million_rows_in_one_batch_is_quick() -> None:
    import time

    n = 1_000_000
    rng = np.random.default_rng(0)
    u = updates(
        rng.integers(0, 5000, n),
        alt=rng.uniform(0, 12000, n),
        vel_e=rng.uniform(0, 300, n),
        transponder=rng.random(n) < 0.7,
    )
    start = time.perf_counter()
    r = TrackClassifier().update(u)
    assert len(r) == n
    assert time.perf_counter() - start < 30.0


@pytest.mark.parametrize(
    ("callsign", "alt", "speed", "cls", "says"),
    [
        ("REGA1", 900, 55, "helicopter", "air-ambulance"),
        ("SAMU31", 400, 60, "helicopter", "air-ambulance"),
        ("DLH4TR", 4000, 120, "airliner", "airline designator"),
        ("PXR31F", 1200, 60, "light_aircraft", "slow and low"),  # designator, but slow & low
        ("FGALN", 4500, 150, "light_aircraft", "registration mark"),
        ("N441FS", 4900, 145, "light_aircraft", "registration mark"),
        ("", 4500, 150, "light_aircraft", "slow and low"),  # a King Air is not an airliner
        ("", 11000, 240, "airliner", "airliner performance"),
    ],
)
def test_callsigns_and_performance(
    callsign: str, alt: float, speed: float, cls: str, says: str
) -> None:
    r = TrackClassifier().update(
        updates([1] * 3, alt=alt, vel_e=speed, transponder=True, callsign=callsign,
                identity="icao:3c6589", squawk="1000")
    )  # fmt: skip
    assert r.cls.tolist() == [cls] * 3
    assert any(says in why for why in r.reasons[-1])


def test_military_address_is_said_and_very_fast_military_is_a_fast_jet() -> None:
    r = TrackClassifier().update(
        updates([1] * 3, alt=9000, vel_e=320, transponder=True, identity="icao:3b7777")
    )
    assert r.cls.tolist() == ["fast_jet"] * 3
    assert any("military address range" in why for why in r.reasons[-1])
    tanker = TrackClassifier().update(
        updates([1] * 3, alt=8000, vel_e=276, transponder=True, identity="icao:3b7777",
                callsign="FAF4011")
    )  # fmt: skip
    assert tanker.cls.tolist() == ["airliner"] * 3  # large-jet performance, state aircraft
    assert any("state aircraft" in why for why in tanker.reasons[-1])


def test_emergency_squawk_is_in_the_reasons() -> None:
    r = one(alt=11000, vel_e=240, transponder=True, callsign="SAS1418", squawk="7700")
    assert any("squawking 7700" in why for why in r.reasons[0])
