"""Scores against ground truth, and each score moving the right way when the system breaks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely.affinity

from airsentry.model import ReportBatch
from airsentry.sim.scenario import load_library
from airsentry.sim.score import default_zones, evaluate
from airsentry.sim.sensors import Feed
from airsentry.sim.truth import truth_incidents

CPH = load_library("copenhagen-2025-09-22")
EST = load_library("estonia-2025-09-19")


@pytest.fixture(scope="module")
def baseline():
    return {"cph": evaluate(CPH), "est": evaluate(EST)}


def _with_rows(feed: Feed, keep: np.ndarray, **cols: np.ndarray) -> Feed:
    rep = feed.reports.take(keep)
    fields = {f.name: getattr(rep, f.name) for f in dataclasses.fields(ReportBatch)}
    fields.update({k: v[keep] for k, v in cols.items()})
    return Feed(ReportBatch(**fields), feed.arrival[keep], feed.actor[keep])


def test_truth_of_the_estonia_event():
    incs = truth_incidents(EST, default_zones())
    assert [i.zone_id for i in incs] == ["sovereign:EST"]
    assert incs[0].objects == 3
    assert incs[0].dwell_s == pytest.approx(720, abs=30)


def test_baseline_meets_the_bar(baseline):
    for score in baseline.values():
        assert score.passed
        assert score.recall == 1.0
        assert score.precision == 1.0
        assert score.median_time_to_alert_s is not None
        assert 0 <= score.median_time_to_alert_s < 10
        assert abs(score.max_dwell_error_s) < 30
        assert score.max_count_error == 0
        assert score.gospa_localisation_m < 300


def test_zone_shifted_20_km_drops_recall(baseline):
    zones = [
        z.with_(geometry=shapely.affinity.translate(z.geometry, xoff=20_000 / (111_320 * 0.565)))
        if z.id == "airport:EKCH" else z
        for z in default_zones()
    ]  # fmt: skip
    broken = evaluate(CPH, zones=zones)
    assert broken.recall < baseline["cph"].recall
    assert broken.missed == 1
    assert not broken.passed
    assert not next(c for c in broken.expected if c.expected.zone == "airport:EKCH").met


def test_later_delivery_raises_time_to_alert(baseline):
    sensors = tuple(dataclasses.replace(s, latency_s=s.latency_s + 30) for s in EST.sensors)
    slow = evaluate(dataclasses.replace(EST, sensors=sensors))
    assert slow.median_time_to_alert_s - baseline["est"].median_time_to_alert_s == pytest.approx(
        30, abs=0.5
    )


def test_lost_track_raises_dwell_and_count_errors(baseline):
    """Six minutes without radar reports: the jets' tracks end, new ones start inside."""

    def drop(feed: Feed) -> Feed:
        t_in = truth_incidents(EST, default_zones())[0].start
        radar = feed.reports.sensor == "EE-ASOC"
        gap = radar & (feed.reports.t > t_in + 120) & (feed.reports.t < t_in + 490)
        return _with_rows(feed, ~gap)

    broken = evaluate(EST, alter_feed=drop)
    base = baseline["est"]
    assert abs(broken.max_dwell_error_s) > abs(base.max_dwell_error_s) + 60
    assert broken.max_count_error > base.max_count_error
    assert broken.gospa_mean_m > base.gospa_mean_m


def test_position_bias_raises_gospa(baseline):
    def bias(feed: Feed) -> Feed:
        return _with_rows(feed, np.ones(len(feed), bool), lat=feed.reports.lat + 0.005)

    broken = evaluate(CPH, alter_feed=bias)
    assert broken.gospa_localisation_m > baseline["cph"].gospa_localisation_m + 300
    assert broken.gospa_mean_m > baseline["cph"].gospa_mean_m


def test_control_raises_nothing_until_the_radar_forgets_the_address():
    """The documented limit of identity-keyed tracking: a bare radar track in a
    transponder gap is an unknown object first seen inside, a false incident."""
    gap = load_library("control-transponder-gap")
    fine = evaluate(gap)
    assert fine.passed
    assert fine.false == 0
    bare = tuple(dataclasses.replace(s, hold_identity=False) for s in gap.sensors)
    broken = evaluate(dataclasses.replace(gap, sensors=bare))
    assert broken.false >= 1
    assert broken.precision < 1.0
    assert not broken.passed


def test_a_permit_admits_by_name_and_without_it_the_airport_incident_is_found():
    """control-admitted-by-name: the permit admits the police drone at Warsaw Chopin, the
    clearance the Egyptian flight; without the register the drone is a true airport
    incident, and the pipeline finds it."""
    named = load_library("control-admitted-by-name")
    score = evaluate(named)
    assert score.passed
    assert score.matches == []  # nothing true, nothing booked
    bare = evaluate(dataclasses.replace(named, registers={}))
    assert [(m.zone_id, m.found is not None) for m in bare.matches] == [("airport:EPWA", True)]
    truth = truth_incidents(dataclasses.replace(named, registers={}), default_zones())
    assert [t.zone_id for t in truth] == ["airport:EPWA"]  # the state flights are to verify
