"""CleanText (the CSV cleaner in front of pyarrow) against a plain line-by-line reference.

The cleaner works on whole blocks with array passes (quotes found per block, their
lines bisected from the breaks); the reference splits the text into lines and walks
each line's quotes in order. Random texts made of the awkward pieces (quotes, doubled
quotes, commas, every line ending, invalid UTF-8) are cut into blocks of every size,
so lines and quoted fields straddle the blocks.
"""

from __future__ import annotations

import io
import random
import re

import pytest

from airsentry.sources._cleantext import CleanText

PIECES = [b"a", b"7", b",", b'"', b'""', b"\n", b"\r", b"\r\n", b"\xff", b"\xc3\xa9", b'","']


def reference(data: bytes) -> tuple[bytes, dict[int, str]]:
    """Cleaned bytes and the badly quoted lines (number: text)."""
    text = data.decode("utf-8", errors="replace").encode()
    parts = re.split(rb"(\r\n|\r|\n)", text)
    out, unbalanced = [], {}
    lines, ends = parts[0::2], [*parts[1::2], b""]
    for number, (line, end) in enumerate(zip(lines, ends, strict=True), start=1):
        quotes = [i for i, c in enumerate(line) if c == ord('"')]
        wrong = len(quotes) % 2 == 1
        for k, i in enumerate(quotes):
            before = line[i - 1 : i] if i else b""
            after = line[i + 1 : i + 2]
            if k % 2 == 0:  # opens a field: at its start, or right after a closing quote
                wrong |= before not in (b"", b",", b'"')
            else:  # closes one: at its end, or right before an opening quote
                wrong |= after not in (b"", b",", b'"')
        if wrong:
            unbalanced[number] = line.decode()
            line = line.replace(b'"', b"'")
        out.append(line + end)
    return b"".join(out), unbalanced


def cleaned(data: bytes, block: int) -> tuple[bytes, dict[int, str], int]:
    stream = CleanText(io.BytesIO(data), block=block)
    out = stream.read()
    return out, stream.unbalanced, stream._line


@pytest.mark.parametrize("seed", range(4))
def test_cleaner_matches_the_line_by_line_reference(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(400):
        data = b"".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 50)))
        want = reference(data)
        for block in (1, 2, 5, 16, 1 << 20):
            out, bad, _ = cleaned(data, block)
            assert (out, bad) == want, (data, block)


def test_lines_are_counted_across_blocks() -> None:
    data = b'a,"b"\r\nc,"d\re\n\n"f",g\r'
    for block in (1, 3, 1 << 20):
        out, bad, line = cleaned(data, block)
        assert line == 6  # five line breaks: the next line would be the sixth
        assert bad == {2: 'c,"d'}
        assert out == data.replace(b'"d', b"'d")


def test_a_well_quoted_block_passes_unchanged() -> None:
    rows = b"".join(b'%d,"4b1%03d","SWR%d ",1.5,"7000"\n' % (i, i, i) for i in range(2000))
    out, bad, line = cleaned(rows, 1 << 14)
    assert out == rows
    assert bad == {}
    assert line == 2001


@pytest.mark.parametrize("seed", range(2))
def test_small_reads_hand_on_every_byte_in_order(seed: int) -> None:
    """Reads of any size, smaller or larger than the blocks, get the cleaned text whole
    and in order: a read comes back short only at the end (pyarrow takes a short read
    for the end of the stream)."""
    rnd = random.Random(seed)
    for _ in range(200):
        data = b"".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 80)))
        want, bad = reference(data)
        for block in (1, 3, 16, 1 << 20):
            stream = CleanText(io.BytesIO(data), block=block)
            size = rnd.choice([1, 2, 7, 64])
            pieces = []
            while piece := stream.read(size):
                pieces.append(piece)
            assert all(len(p) == size for p in pieces[:-1])
            assert (b"".join(pieces), stream.unbalanced) == (want, bad)
