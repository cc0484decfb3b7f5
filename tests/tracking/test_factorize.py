"""factorize: np.unique(keys, return_inverse=True), however the keys come (runs or not)."""

from __future__ import annotations

import numpy as np
import pytest

from airsentry.tracking.base import factorize


@pytest.mark.parametrize("seed", range(30))
def test_factorize_is_unique_with_inverse(seed: int) -> None:
    rng = np.random.default_rng(seed)
    words = np.array(["opensky", "radar-1", "icao:4b1803", "", "rid:X9", "é"], dtype=object)
    n = int(rng.integers(0, 200))
    runs = int(rng.integers(1, max(n, 1) + 1))  # from one run to a change every row
    lengths = rng.multinomial(n, np.ones(runs) / runs) if n else np.zeros(0, dtype=int)
    keys = np.repeat(words[rng.integers(0, len(words), len(lengths))], lengths)
    keys = np.array([str(k) for k in keys], dtype=object)  # equal keys, distinct objects
    uniq, inverse = factorize(keys)
    want_uniq, want_inverse = np.unique(keys.astype(str), return_inverse=True)
    assert uniq.tolist() == want_uniq.tolist()
    assert inverse.dtype == np.int64
    assert inverse.tolist() == want_inverse.reshape(-1).tolist()
    assert (uniq[inverse] == keys).all()


def test_one_sensor_throughout_and_keys_not_text() -> None:
    uniq, inverse = factorize(np.full(1000, "opensky", dtype=object))
    assert uniq.tolist() == ["opensky"]
    assert inverse.tolist() == [0] * 1000
    mixed = np.array(["b"] * 20 + [None] * 20 + ["a"] * 20, dtype=object)
    uniq, inverse = factorize(mixed)
    assert uniq.tolist() == ["None", "a", "b"]
    assert (uniq[inverse] == mixed.astype(str)).all()
