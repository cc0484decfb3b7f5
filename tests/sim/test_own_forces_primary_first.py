"""Own forces first seen by primary radar: interceptors plotted inside the airspace before
their addresses are heard are never booked as violators (the watch's claim grace), while
the decoy they chase still is; without the grace the F-16s are booked."""

from __future__ import annotations

from dataclasses import replace

import pytest

from airsentry.config import PipelineConfig
from airsentry.sim.scenario import load_library
from airsentry.sim.score import ScoreSettings, evaluate
from airsentry.watch.base import WatchConfig


@pytest.mark.parametrize("seed", [0, 1])
def test_interceptors_first_seen_by_primary_radar_are_no_violators(seed: int) -> None:
    score = evaluate(load_library("own-force-primary-first"), settings=ScoreSettings(seed=seed))
    assert score.passed, [c.problems for c in score.actors]
    jets = [c for c in score.actors if c.actor.startswith("ro-f16")]
    assert [(c.cls, c.action) for c in jets] == [("fast_jet", "none")] * 2
    decoy = next(c for c in score.actors if c.actor == "ua-decoy")
    assert decoy.action == "alert_air_defence"


def test_without_the_grace_an_interceptor_first_seen_by_primary_radar_is_booked() -> None:
    no_grace = PipelineConfig(watch=WatchConfig(claim_grace_s=0.0))
    score = evaluate(load_library("own-force-primary-first"), config=no_grace)
    assert not score.passed
    booked = [c for c in score.actors if c.actor.startswith("ro-f16") and c.action != "none"]
    assert booked


def test_a_real_pop_up_violator_is_still_booked_after_the_grace() -> None:
    """The same jets with their transponders never on: unknown silent jets popping up
    inside (nothing names them own forces). The grace delays their verdict by at most
    ``claim_grace_s``; it does not excuse them."""
    sc = load_library("own-force-primary-first")
    silent = tuple(
        replace(a, transponder=False, expect_action="", expect_reason="", expect_class="")
        if a.id.startswith("ro-f16")
        else a
        for a in sc.actors
    )
    score = evaluate(replace(sc, actors=silent))
    jets = [c for c in score.actors if c.actor.startswith("ro-f16")]
    assert all(c.action not in ("", "none") for c in jets), [(c.actor, c.action) for c in jets]
