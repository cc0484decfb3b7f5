"""GOSPA: the defining cases, and agreement with Stone Soup's GOSPAMetric on the same sets."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from stonesoup.metricgenerator.ospametric import GOSPAMetric
from stonesoup.types.state import State

from airsentry.sim.gospa import ecef, gospa

T0 = datetime.datetime(2025, 9, 19, 7, 0, tzinfo=datetime.UTC)


def stone_soup(truth, estimate, c, p):
    metric = GOSPAMetric(c=c, p=p)
    states = lambda pts: [State(np.asarray(x, float).reshape(-1, 1), T0) for x in pts]  # noqa: E731
    value, _ = metric.compute_gospa_metric(states(estimate), states(truth))
    return {k: float(v) for k, v in value.value.items()}


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("p", [1.0, 2.0])
def test_matches_stone_soup_on_random_sets(seed, p):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 7), rng.integers(0, 7)
    truth = rng.uniform(0, 3000, (n, 3))
    # estimates: some near truths (tracks with error), some far (false tracks)
    near = truth[: min(n, m)] + rng.normal(0, 400, (min(n, m), 3))
    estimate = np.vstack([near, rng.uniform(0, 3000, (m - len(near), 3))])
    ours = gospa(truth, estimate, c=1000.0, p=p)
    ref = stone_soup(truth, estimate, 1000.0, p)
    assert ours.distance == pytest.approx(ref["distance"], rel=1e-9, abs=1e-9)
    assert ours.localisation == pytest.approx(ref["localisation"], rel=1e-9, abs=1e-6)
    assert ours.missed == pytest.approx(abs(ref["missed"]), abs=1e-9)
    assert ours.false == pytest.approx(abs(ref["false"]), abs=1e-9)


def test_defining_cases():
    a = np.array([[0.0, 0.0], [100.0, 0.0]])
    assert gospa(a, a, c=50).distance == 0.0
    one_missing = gospa(a, a[:1], c=50)
    assert (one_missing.distance, one_missing.n_missed, one_missing.n_false) == (25.0, 1, 0)
    far = gospa(a[:1], a[1:], c=50)  # too far to pair: one missed and one false
    assert (far.distance, far.pairs) == (50.0, 0)
    assert gospa(np.empty((0, 2)), np.empty((0, 2)), c=50).distance == 0.0
    with pytest.raises(ValueError, match="c > 0"):
        gospa(a, a, c=0)


def test_ecef_distance_is_the_ground_distance_nearby():
    from pyproj import Geod

    xyz = ecef(np.array([59.8, 59.81]), np.array([26.3, 26.32]), np.array([9000.0, 9000.0]))
    _, _, ground = Geod(ellps="WGS84").inv(26.3, 59.8, 26.32, 59.81)
    assert np.linalg.norm(xyz[0] - xyz[1]) == pytest.approx(ground, rel=0.005)
