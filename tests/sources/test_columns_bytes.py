"""The byte-table shortcut of ``_columns.matches`` answers as the regular expression."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from airsentry.sources import _columns as col

ALPHABET = [*"0123456789abcdefABCDEFgz. \x7f\t~", "é"]


def _regex(arr: pa.Array, pattern: str) -> np.ndarray:
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


@pytest.mark.parametrize("pattern", sorted(col._BYTE_PATTERNS))
@pytest.mark.parametrize("seed", range(40))
def test_byte_shortcut_agrees_with_the_expression(pattern: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # some blocks of clean cells only (the shortcut answers), some with odd ones
    letters = ALPHABET[: rng.integers(4, len(ALPHABET) + 1)]
    cells: list[bytes | None] = []
    for _ in range(int(rng.integers(0, 60))):
        if rng.random() < 0.1:
            cells.append(None)
        else:
            n = int(rng.choice([0, 1, 3, 4, 6, 6, 6, 7]))
            cells.append("".join(rng.choice(letters, n)).encode())
    arr = pa.array(cells, pa.binary())
    start = int(rng.integers(0, 3))
    for piece in (arr, arr.slice(min(start, len(arr)))):  # offsets not from zero too
        assert np.array_equal(col.matches(piece, pattern), _regex(piece, pattern))


def test_clean_blocks_take_the_shortcut() -> None:
    icao = pa.array([b"4b1801", None, b"3C6DD2"], pa.binary())
    assert col._by_bytes(icao, r"^[0-9a-fA-F]{6}$") is not None
    assert col._by_bytes(pa.array([b"4b180"], pa.binary()), r"^[0-9a-fA-F]{6}$") is None
    assert col._by_bytes(pa.array([b"1000.0"], pa.binary()), r"^[0-7]{1,4}(\.0+)?$") is None
