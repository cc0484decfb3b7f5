"""The radix orders of :mod:`airsentry.order` give NumPy's answers exactly: the same
permutation as ``np.lexsort`` / ``np.argsort(kind="stable")`` and the same values as
``np.unique``, over random keys of every span (one 16-bit digit, two, more), negative
and unsigned keys, minor keys that rise along each group (the fast case) and minor keys
that do not, NaN, ties, and empty and one-row inputs."""

from __future__ import annotations

import numpy as np
import pytest

from airsentry.order import lexsort, stable_order, unique, unique_inverse

SPANS = [1, 7, 300, (1 << 16) - 1, 1 << 16, 1 << 20, (1 << 32) - 1, 1 << 40]


def keys(rng: np.random.Generator, n: int, span: int, dtype: type = np.int64) -> np.ndarray:
    low = int(rng.integers(-1000, 1000)) if dtype is np.int64 else 0
    values = low + rng.integers(0, span, n, dtype=np.int64)
    if n > 1:
        values[int(rng.integers(0, n))] = low + span - 1  # the span itself is reached
    return values.astype(dtype)


@pytest.mark.parametrize("span", SPANS)
@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.int32])
def test_stable_order_is_numpys_stable_argsort(span: int, dtype: type) -> None:
    rng = np.random.default_rng(span % 1000)
    for n in (0, 1, 2, 50, 5_000):
        if dtype is np.int32 and span > 1 << 30:
            continue
        k = keys(rng, n, span, dtype)
        assert np.array_equal(stable_order(k), np.argsort(k, kind="stable"))


def test_stable_order_of_flags() -> None:
    flags = np.random.default_rng(1).random(1000) < 0.3
    assert np.array_equal(stable_order(flags), np.argsort(flags, kind="stable"))


@pytest.mark.parametrize("span", SPANS)
def test_lexsort_by_track_then_rising_times_is_numpys(span: int) -> None:
    """Rows in time order, as a batch comes: the fast case."""
    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 40, 20_000):
        track = keys(rng, n, span)
        t = np.sort(rng.choice(np.arange(0.0, 60.0, 0.5), n))  # ties in time too
        bucket = np.floor(t / 4.0)
        assert np.array_equal(lexsort((t, track)), np.lexsort((t, track)))
        assert np.array_equal(lexsort((t, bucket, track)), np.lexsort((t, bucket, track)))


def test_lexsort_falls_back_when_a_minor_key_does_not_rise() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(2, 60))
        track = rng.integers(0, 5, n)
        t = np.sort(rng.random(n))
        shuffled = rng.random(n)  # no order at all
        per_track_phase = np.floor(t * 10 + track * 0.37)  # rises along each track only
        nan_inside = t.copy()
        nan_inside[int(rng.integers(0, n))] = np.nan
        for minor in ((shuffled,), (t, shuffled), (per_track_phase,), (nan_inside,)):
            got = lexsort((*minor, track))
            assert np.array_equal(got, np.lexsort((*minor, track))), minor


def test_lexsort_with_a_float_major_key_is_numpys() -> None:
    rng = np.random.default_rng(3)
    major, minor = rng.random(500), rng.random(500)
    assert np.array_equal(lexsort((minor, major)), np.lexsort((minor, major)))


@pytest.mark.parametrize("span", SPANS)
def test_unique_and_inverse_are_numpys(span: int) -> None:
    rng = np.random.default_rng(span % 997)
    for n in (0, 1, 3, 10_000):
        k = keys(rng, n, span)
        want, want_inverse = np.unique(k, return_inverse=True)
        got, got_inverse = unique_inverse(k)
        assert np.array_equal(got, want)
        assert got.dtype == want.dtype
        assert np.array_equal(got_inverse, want_inverse.reshape(-1))
        assert np.array_equal(unique(k), want)
        assert np.array_equal(got[got_inverse], k)


def test_unique_of_text_is_numpys() -> None:
    text = np.array(["b", "a", "b", "c"], dtype=object)
    got, inverse = unique_inverse(text)
    assert got.tolist() == ["a", "b", "c"]
    assert inverse.tolist() == [1, 0, 1, 2]
