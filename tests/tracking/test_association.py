"""Association (gating, GNN, JPDA weights), track management (M-of-N) and GOSPA."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from airsentry.tracking.association import CHI2_GATE_2D, gate, gnn, jpda_weights
from airsentry.tracking.gospa import gospa
from airsentry.tracking.management import Management


def brute_force_assignment(n_t: int, n_p: int, cost: dict[tuple[int, int], float]):
    """The cheapest matching over gated pairs, by enumeration. Costs are negative in
    these tests, so the optimum is also the largest matching, as GNN's is."""
    best, best_set = np.inf, set()
    pairs = list(cost)
    for r in range(min(n_t, n_p), -1, -1):
        for combo in itertools.combinations(pairs, r):
            ts, ps = [c[0] for c in combo], [c[1] for c in combo]
            if len(set(ts)) < r or len(set(ps)) < r:
                continue
            total = sum(cost[c] for c in combo)
            if total < best - 1e-9:
                best, best_set = total, set(combo)
        if best < np.inf:
            return best_set
    return best_set


@pytest.mark.parametrize("seed", range(8))
def test_gnn_is_optimal_on_random_sparse_problems(seed):
    rng = np.random.default_rng(seed)
    n_t, n_p = 5, 6
    mask = rng.random((n_t, n_p)) < 0.45
    t, p = np.nonzero(mask)
    cost = rng.uniform(-20.0, -1.0, len(t))  # negative: every extra pair lowers the total
    at, ap = gnn(t.astype(np.int64) * 7 + 3, p.astype(np.int64) * 11, cost)
    got = set(zip((at - 3) // 7, ap // 11, strict=True))
    table = {(int(a), int(b)): float(c) for a, b, c in zip(t, p, cost, strict=True)}
    want = brute_force_assignment(n_t, n_p, table)
    assert sum(table[g] for g in got) == pytest.approx(sum(table[w] for w in want))
    assert len({g[0] for g in got}) == len(got) == len({g[1] for g in got})


def test_gnn_settles_lone_pairs_and_resolves_a_conflict():
    # tracks 0 and 1 both want plot 10; track 1 can also take plot 11
    at, ap = gnn(np.array([0, 1, 1, 2]), np.array([10, 10, 11, 12]), np.array([1.0, 0.5, 3.0, 2]))
    got = dict(zip(at.tolist(), ap.tolist(), strict=True))
    assert got == {0: 10, 1: 11, 2: 12}


def test_gate_uses_the_chi_square_threshold():
    d2 = np.array([0.0, CHI2_GATE_2D - 1e-6, CHI2_GATE_2D + 1e-6, np.nan, np.inf])
    np.testing.assert_array_equal(gate(d2), [True, True, False, False, False])


def test_jpda_weights_split_symmetric_ambiguity_and_keep_clear_cases():
    # two tracks, two plots, every pair equally likely; a third, isolated track
    track = np.array([0, 0, 1, 1, 2])
    plot = np.array([0, 1, 0, 1, 2])
    lik = np.array([1.0, 1.0, 1.0, 1.0, 1.0]) * 1e-6
    beta, beta0 = jpda_weights(track, plot, lik, p_detect=0.9, clutter_density=1e-12)
    np.testing.assert_allclose(beta[:4], beta[0])  # symmetric
    assert beta[4] == pytest.approx(1.0, abs=1e-5)  # alone: no doubt
    assert beta0[2] == pytest.approx(0.0, abs=1e-5)
    np.testing.assert_allclose(beta0[:2] + 2 * beta[0], 1.0)
    # a much likelier pair takes most of the weight
    lik2 = np.array([1e-4, 1e-8, 1e-8, 1e-4, 1e-6])
    beta2, _ = jpda_weights(track, plot, lik2)
    assert beta2[0] > 0.95
    assert beta2[1] < 0.01


def test_m_of_n_confirms_and_kills_tentative_tracks():
    mgmt = Management(m=3, n=5)
    hits = np.zeros(3, dtype=np.int64)
    seen = np.zeros(3, dtype=np.int64)
    pattern = [
        [True, True, True],
        [True, False, False],
        [True, True, False],
        [False, False, False],
        [False, True, False],
    ]
    confirmed_at, dead_at = {}, {}
    for k, row in enumerate(pattern):
        hits, seen = mgmt.record(hits, seen, np.array(row))
        for i in np.flatnonzero(mgmt.confirm(hits)):
            confirmed_at.setdefault(int(i), k)
        for i in np.flatnonzero(mgmt.tentative_dead(hits, seen)):
            dead_at.setdefault(int(i), k)
    assert confirmed_at == {0: 2, 1: 4}  # 3 hits in a row; 3 hits among 5
    assert dead_at == {2: 3}  # after 4 opportunities with 1 hit, 3 of 5 is out of reach
    assert mgmt.hit_count(hits).tolist() == [3, 3, 1]


def test_deletion_and_quality():
    mgmt = Management(expire_s=300.0, max_sigma_m=5000.0)
    silent, lost = mgmt.expired(
        np.array([0.0, 900.0, 900.0, 900.0]),
        1000.0,
        np.array([50.0, 50.0, 6000.0, 6000.0]),
        np.array([False, False, False, True]),
    )
    assert silent.tolist() == [True, False, False, False]
    assert lost.tolist() == [False, False, True, False]  # a named track is not lost
    q = mgmt.quality(np.array([0b11111, 0b10101]), np.array([9, 9]), np.array([10.0, 2500.0]))
    assert q[0] > 0.99
    assert q[1] == pytest.approx(0.6 * 0.5)
    with pytest.raises(ValueError, match="m <= n"):
        Management(m=6, n=5)


def gospa_brute(x, y, c, p):
    """GOSPA by enumerating every partial assignment (the definition)."""
    best = np.inf
    n, m = len(x), len(y)
    for r in range(min(n, m) + 1):
        for xs in itertools.combinations(range(n), r):
            for ys in itertools.permutations(range(m), r):
                d = [min(np.linalg.norm(x[i] - y[j]), c) ** p for i, j in zip(xs, ys, strict=True)]
                best = min(best, sum(d) + c**p / 2 * (n + m - 2 * r))
    return best ** (1 / p)


@pytest.mark.parametrize("seed", range(6))
def test_gospa_matches_its_definition(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, (rng.integers(0, 5), 2))
    y = rng.uniform(0, 100, (rng.integers(0, 5), 2))
    got = gospa(x, y, c=40.0, p=2.0)
    assert got.distance == pytest.approx(gospa_brute(x, y, 40.0, 2.0))
    assert got.n_missed - got.n_false == len(x) - len(y)
