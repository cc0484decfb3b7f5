"""`evaluate` checks the class and the recommendation of every actor that states them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from airsentry.errors import ScenarioError
from airsentry.sim.scenario import load_library, parse_scenario
from airsentry.sim.score import evaluate

SENSOR = {"id": "r", "kind": "radar", "period_s": 5, "format": "reports"}
ROUTE = [{"lat": 52.3, "lon": 23.6, "alt_m": 4000, "t": "2025-08-01T10:00:00Z"},
         {"heading_deg": 270, "speed_mps": 135, "duration_s": 60}]  # fmt: skip


def test_the_transport_scenario_checks_its_actor_and_a_wrong_expectation_fails() -> None:
    sc = load_library("transport-no-transponder")
    score = evaluate(sc)
    assert score.passed
    (check,) = score.actors
    assert check.met
    assert check.cls == "airliner"
    assert check.action == "intercept_and_escort"
    assert check.agree > 0.9
    assert score.to_dict()["actors"][0]["incidents"]

    wrong = replace(sc.actors[0], expect_class="decoy_drone", expect_action="alert_air_defence")
    bad = evaluate(replace(sc, actors=(wrong,)))
    assert not bad.passed
    assert bad.actors[0].problems == [
        "classed airliner, expected decoy_drone",
        "recommends intercept_and_escort, expected alert_air_defence",
    ]


@pytest.mark.parametrize(
    ("key", "value"), [("expect_class", "mi8"), ("expect_action", "shoot_down")]
)
def test_an_unknown_expectation_is_an_error_naming_the_actor(key: str, value: str) -> None:
    actor = {"id": "a1", "kind": "airliner", "sensor": "r", "route": ROUTE, key: value}
    with pytest.raises(ScenarioError, match=f"actor a1.{key}"):
        parse_scenario({"sensors": [SENSOR], "actors": [actor]})


def test_own_forces_are_named_by_the_register_and_without_it_the_check_fails() -> None:
    sc = load_library("own-force-interceptors")
    score = evaluate(sc)
    assert score.passed
    jets = [c for c in score.actors if c.actor.startswith("ro-f16")]
    assert [(c.cls, c.action) for c in jets] == [("fast_jet", "none")] * 2
    unnamed = evaluate(replace(sc, registers={}))
    assert not unnamed.passed
    assert all(
        c.problems == ["no event about it says 'own forces: 86th Air Base Borcea'"]
        for c in unnamed.actors
        if c.actor.startswith("ro-f16")
    )
