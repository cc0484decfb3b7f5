"""The classifier's running statistics per group (``identify.grouped``) against a
row-by-row reference: each group's running maximum, sum, last flagged row and best
level, over random batches of sorted groups, with NaN, infinities and signed zeros
among the values, and with the group starts given or computed."""

from __future__ import annotations

import math

import numpy as np

from airsentry.identify.grouped import (
    group_start,
    grouped_best,
    grouped_cummax,
    grouped_cumsum,
    grouped_last,
)


def batches(seed: int, count: int = 300):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(0, 120))
        group = np.sort(rng.integers(0, max(1, n // 4 + 1), n)).astype(np.int64)
        yield rng, n, group


def reference_runs(group: np.ndarray):  # type: ignore[no-untyped-def]
    """Each row with the rows of its group up to it (inclusive)."""
    for i in range(len(group)):
        j = i
        while j > 0 and group[j - 1] == group[i]:
            j -= 1
        yield i, j


def test_group_start() -> None:
    for _, _, group in batches(1):
        want = [j for _, j in reference_runs(group)]
        assert group_start(group).tolist() == want


def test_running_maximum_with_and_without_nan() -> None:
    for rng, n, group in batches(2):
        values = rng.normal(0.0, 10.0, n)
        pick = rng.random(n)
        values[pick < 0.05] = np.inf
        values[(pick > 0.05) & (pick < 0.1)] = -np.inf
        values[(pick > 0.1) & (pick < 0.15)] = 0.0
        values[(pick > 0.15) & (pick < 0.2)] = -0.0
        for with_nan in (False, True):
            v = values.copy()
            if with_nan:
                v[(pick > 0.2) & (pick < 0.25)] = np.nan
            got = grouped_cummax(v, group)
            for i, j in reference_runs(group):
                part = v[j : i + 1]
                want = math.nan if np.isnan(part).any() else float(part.max())
                assert got[i] == want or (math.isnan(want) and math.isnan(got[i]))


def test_running_sum_and_last_flagged_row_with_given_starts() -> None:
    for rng, n, group in batches(3):
        values = rng.normal(0.0, 5.0, n)
        mask = rng.random(n) < 0.3
        start = group_start(group)
        for s in (None, start):
            total = grouped_cumsum(values, group, s)
            last = grouped_last(mask, group, s)
            for i, j in reference_runs(group):
                assert math.isclose(total[i], values[j : i + 1].sum(), abs_tol=1e-9)
                flagged = [k for k in range(j, i + 1) if mask[k]]
                assert last[i] == (flagged[-1] if flagged else -1)


def test_best_level_and_where_it_was_first_reached() -> None:
    for rng, n, group in batches(4):
        level = rng.integers(0, 5, n)
        best, pos = grouped_best(level, group, 5)
        for i, j in reference_runs(group):
            part = level[j : i + 1].tolist()
            assert best[i] == max(part)
            assert pos[i] == j + part.index(max(part))  # the earliest row that reached it
