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


def _squawk_by_expression(arr: pa.Array) -> tuple[list[str], dict[int, str]]:
    """Squawks as the expression and padding make them, every block (the reference)."""
    v = col.Verdicts(len(arr))
    text = col.parse_text(arr, "squawk", v, r"^[0-7]{1,4}(\.0+)?$", "a 4-digit octal code")
    digits = pc.utf8_lpad(pc.replace_substring_regex(text, r"\.0+$", ""), width=4, padding="0")
    return list(col.to_objects(digits)), v.reasons


@pytest.mark.parametrize("seed", range(40))
def test_squawks_rewritten_only_where_needed_agree_with_the_expression(seed: int) -> None:
    rng = np.random.default_rng(seed)
    plain = [b"7000", b"1200", b"0000", b"7700"]
    odd = [b"17", b"0", b"777", b"7100.0", b"12.00", b"8000", b"12345", b"7.5", b"", None]
    pool = plain + odd if rng.random() < 0.5 else [*plain, None]  # half the blocks clean
    cells = [pool[int(i)] for i in rng.integers(0, len(pool), int(rng.integers(0, 40)))]
    arr = pa.array(cells, pa.binary())
    start = int(rng.integers(0, 3))
    for piece in (arr, arr.slice(min(start, len(arr)))):  # offsets not from zero too
        v = col.Verdicts(len(piece))
        got = list(col.parse_squawk(piece, "squawk", v))
        assert (got, v.reasons) == _squawk_by_expression(piece)
