"""The decoders' quick byte checks (``_columns._all_allowed``) agree with a look-up of
every byte, for the tables of one run of bytes (printable ASCII, octal digits: a byte
range) and of several (hex digits), over clean and dirty random data; and ``cells``
makes the object column ``np.full`` makes."""

from __future__ import annotations

import numpy as np

from airsentry.columns import cells
from airsentry.sources._columns import _BYTE_PATTERNS, _all_allowed


def test_quick_byte_checks_agree_with_a_lookup_of_every_byte() -> None:
    rng = np.random.default_rng(3)
    for allowed, _, _ in _BYTE_PATTERNS.values():
        good = np.flatnonzero(allowed).astype(np.uint8)
        for trial in range(200):
            data = rng.choice(good, int(rng.integers(1, 300)))
            if trial % 2:  # a few bytes of anything
                k = int(rng.integers(1, 4))
                data[rng.integers(0, len(data), k)] = rng.integers(0, 256, k)
            assert _all_allowed(data, allowed) == bool(allowed[data].all())


def test_cells_is_npfull_of_one_object() -> None:
    col = cells(5, "opensky")
    assert col.dtype == object
    assert col.tolist() == np.full(5, "opensky", dtype=object).tolist()
    assert cells(0).shape == (0,)
    col[0] = "other"  # a column of its own
    assert cells(5, "opensky")[0] == "opensky"
