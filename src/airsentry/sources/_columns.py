"""Vectorised, forgiving conversion of raw columns, shared by the tabular sources.

The text sources read every cell as bytes (an Arrow ``binary`` column), so that one
bad cell can never fail a whole block. Each ``parse_*`` function turns one such column
into NumPy values plus a mask of the rows it could not accept; the first reason a row
is bad is kept in a :class:`Verdicts`, and the caller quarantines those rows with their
line numbers. Typed columns (Parquet) go through the same functions, which skip the
text step but keep the range checks, so both paths share one set of rules.

Only rejected rows ever meet a Python loop (to word their reasons); accepted rows stay
in Arrow and NumPy kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from airsentry.model import BoolArray, FloatArray, ObjArray, ReportBatch

NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
"""A decimal number as the recorders write it: no spaces, no 'nan', no 'inf'."""

PRINTABLE = r"^[\x20-\x7e]*$"
"""Printable ASCII: what a callsign or an identifier may contain."""

EPOCH_RANGE = (0.0, 4_102_444_800.0)
"""Plausible report times: 1970-01-01 up to 2100-01-01, UTC."""

_NULL_BYTES = pa.scalar(None, pa.binary())


class Verdicts:
    """The first reason each row of a block is rejected, filled check by check.

    Checks run in column order, so a row with several bad cells is reported for the
    first one, and later checks do not overwrite it.
    """

    def __init__(self, n: int) -> None:
        self.bad: BoolArray = np.zeros(n, dtype=np.bool_)
        self.reasons: dict[int, str] = {}

    def flag(self, mask: BoolArray, reason: Callable[[int], str]) -> None:
        """Reject the rows in ``mask`` not rejected yet; ``reason(i)`` words row ``i``."""
        new = mask & ~self.bad
        for i in np.flatnonzero(new):  # rejected rows only
            self.reasons[int(i)] = reason(int(i))
        self.bad |= new

    @property
    def good(self) -> BoolArray:
        return ~self.bad


def plain(col: pa.Array) -> pa.Array:
    """The column without dictionary encoding (Parquet writes categoricals that way)."""
    return col.dictionary_decode() if pa.types.is_dictionary(col.type) else col


def is_text(col: pa.Array) -> bool:
    t = col.type
    return bool(
        pa.types.is_binary(t)
        or pa.types.is_string(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_large_string(t)
    )


def as_bytes(col: pa.Array) -> pa.Array:
    """The column as ``binary`` with empty cells turned into nulls."""
    col = plain(col)
    if not pa.types.is_binary(col.type):
        col = pc.cast(pc.cast(col, pa.string()) if not is_text(col) else col, pa.binary())
    elif not len(col) or not _any_empty(col):
        return col  # the CSV reader's blocks: empty cells are nulls already
    empty = pc.equal(pc.binary_length(col), 0)
    return pc.if_else(pc.fill_null(empty, True), _NULL_BYTES, col)


def _any_empty(col: pa.Array) -> bool:
    """Whether a present cell of a ``binary`` column is empty (from its offsets)."""
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[
        col.offset : col.offset + len(col) + 1
    ]
    return bool((np.diff(offsets) == 0)[present(col)].any())


def present(col: pa.Array) -> BoolArray:
    """True where the cell holds a value."""
    return np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)


def matches(col: pa.Array, pattern: str) -> BoolArray:
    """True where the (binary) cell matches the regular expression; False for nulls."""
    quick = _by_bytes(col, pattern)
    if quick is not None:
        return quick
    hit = pc.fill_null(pc.match_substring_regex(col, pattern), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=np.bool_)


def _byte_table(ranges: str) -> BoolArray:
    allowed = np.zeros(256, dtype=np.bool_)
    for lo, hi in zip(ranges[::2], ranges[1::2], strict=True):
        allowed[ord(lo) : ord(hi) + 1] = True
    return allowed


_BYTE_PATTERNS: dict[str, tuple[BoolArray, int, int]] = {
    # pattern: (the bytes it allows, least and most bytes of a cell)
    r"^[\x20-\x7e]*$": (_byte_table(" ~"), 0, 1 << 30),
    r"^[0-9a-fA-F]{6}$": (_byte_table("09afAF"), 6, 6),
    r"^[0-7]{1,4}(\.0+)?$": (_byte_table("07"), 1, 4),
}
"""Patterns a cell matches when each of its bytes is in a set and its length in a
range (the last one has another form too, with a dot: then the expression decides)."""


def _by_bytes(col: pa.Array, pattern: str) -> BoolArray | None:
    """:func:`matches` without the regular expression, when every byte of the block's
    cells is one the pattern allows and every present cell's length is in its range
    (then every present cell matches: one table lookup over the bytes); None when
    the pattern is not such a one, or some cell may not match."""
    rule = _BYTE_PATTERNS.get(pattern)
    if rule is None or not pa.types.is_binary(col.type) or not len(col):
        return None
    allowed, shortest, longest = rule
    _validity, offsets_buf, data_buf = col.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[col.offset : col.offset + len(col) + 1]
    has = present(col)
    width = np.diff(offsets)[has]
    if len(width) and (width.min() < shortest or width.max() > longest):
        return None
    if data_buf is not None and offsets[-1] > offsets[0]:
        data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
        if not _all_allowed(data, allowed):  # a null cell's bytes (if any) count too
            return None
    return has


def _all_allowed(data: npt.NDArray[np.uint8], allowed: BoolArray) -> bool:
    """Whether every byte of ``data`` is one ``allowed`` allows. A table of one run of
    bytes (printable ASCII, octal digits) is the byte range of the data, two SIMD
    reductions (60x a look-up of every byte); others a look-up by ``np.take``."""
    on = np.flatnonzero(allowed)
    if len(on) and on[-1] - on[0] + 1 == len(on):
        return bool(data.min() >= on[0] and data.max() <= on[-1])
    return bool(np.take(allowed, data).all())


def cell_text(col: pa.Array, i: int) -> str:
    """One cell as text, for a reason (undecodable bytes shown as U+FFFD)."""
    value = col[i].as_py()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def parse_float(
    col: pa.Array,
    name: str,
    verdicts: Verdicts,
    bounds: tuple[float, float],
    *,
    required: bool = False,
) -> FloatArray:
    """Numbers of a column within ``bounds`` (inclusive); NaN where missing or bad.

    Text cells must be plain decimal numbers; typed cells (Parquet) are taken as they
    are, a NaN counting as missing; timestamps become epoch seconds.
    """
    lo, hi = bounds
    col = plain(col)
    if is_text(col):
        text = as_bytes(col)
        has = present(text)
        try:  # the common case: every cell is a number, and one cast settles the block
            values = _floats(pc.cast(text, pa.float64()))
        except pa.ArrowInvalid:  # some are not: find them with the pattern
            clean = pc.if_else(pa.array(matches(text, NUMBER)), text, _NULL_BYTES)
            values = _floats(pc.cast(clean, pa.float64()))
        ok = np.isfinite(values)  # 'nan', 'inf' and '1e999' are not numbers here
        verdicts.flag(has & ~ok, lambda i: f"{name} {cell_text(text, i)!r} is not a number")
        values = np.where(ok, values, np.nan)
        shown: pa.Array = text
    elif pa.types.is_timestamp(col.type):
        per_second = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[col.type.unit]
        values = _floats(pc.cast(pc.cast(col, pa.int64()), pa.float64())) / per_second
        has = present(col)
        shown = col
    elif pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        values = _floats(pc.cast(col, pa.float64()))
        has = present(col) & ~np.isnan(values)
        shown = col
    else:
        has = present(col)
        verdicts.flag(has, lambda i: f"{name} of type {col.type} is not a number")
        return np.full(len(col), np.nan)
    with np.errstate(invalid="ignore"):
        outside = has & ~np.isnan(values) & ~((values >= lo) & (values <= hi))
    verdicts.flag(outside, lambda i: f"{name} {cell_text(shown, i)} out of range [{lo:g}, {hi:g}]")
    if required:
        verdicts.flag(~has, lambda i: f"{name} is missing")
    values = np.where(verdicts.bad, np.nan, values)
    return np.asarray(values, dtype=np.float64)


def _floats(col: pa.Array) -> FloatArray:
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def parse_text(
    col: pa.Array,
    name: str,
    verdicts: Verdicts,
    pattern: str,
    what: str,
    *,
    required: bool = False,
) -> pa.Array:
    """The cells matching ``pattern`` as an Arrow ``string`` column (null elsewhere).

    ``what`` says in words what the pattern wants, for the reason: "6 hex digits".
    """
    text = as_bytes(col)
    has = present(text)
    ok = matches(text, pattern)
    verdicts.flag(has & ~ok, lambda i: f"{name} {cell_text(text, i)!r} is not {what}")
    if required:
        verdicts.flag(~has, lambda i: f"{name} is missing")
    return pc.cast(pc.if_else(pa.array(ok), text, _NULL_BYTES), pa.string())


def parse_flag(
    col: pa.Array,
    name: str,
    verdicts: Verdicts,
    true: Collection[str],
    false: Collection[str],
) -> BoolArray:
    """A yes/no column; missing cells are False, cells outside both sets are rejected."""
    col = plain(col)
    if pa.types.is_boolean(col.type):
        return np.asarray(pc.fill_null(col, False).to_numpy(zero_copy_only=False), dtype=bool)
    text = as_bytes(col)
    yes = pc.fill_null(pc.is_in(text, value_set=pa.array([v.encode() for v in true])), False)
    no = pc.fill_null(pc.is_in(text, value_set=pa.array([v.encode() for v in false])), False)
    yes_np = np.asarray(yes.to_numpy(zero_copy_only=False), dtype=np.bool_)
    no_np = np.asarray(no.to_numpy(zero_copy_only=False), dtype=np.bool_)
    allowed = ", ".join(repr(v) for v in [*true, *false])
    verdicts.flag(
        present(text) & ~yes_np & ~no_np,
        lambda i: f"{name} {cell_text(text, i)!r} is not one of {allowed}",
    )
    return yes_np


def parse_squawk(col: pa.Array, name: str, verdicts: Verdicts) -> ObjArray:
    """Mode 3/A codes as 4-digit strings ("" when missing); "1000.0" and 1000 are read too.

    Recorders that went through a float column write ``7100.0``; codes with fewer than
    four digits lost their leading zeros (``0`` is ``0000``).
    """
    text = parse_text(col, name, verdicts, r"^[0-7]{1,4}(\.0+)?$", "a 4-digit octal code")
    # Most blocks hold 4-digit codes only: the regular expression and the padding run
    # only when some cell has a dot, or is shorter (they cost more than the rest here).
    dot, shortest = _dot_and_shortest(text)
    if dot:
        text = pc.replace_substring_regex(text, r"\.0+$", "")
    if dot or shortest < 4:
        text = pc.utf8_lpad(text, width=4, padding="0")
    return to_objects(text)


def _dot_and_shortest(text: pa.Array) -> tuple[bool, int]:
    """Whether a ``string`` column's bytes hold a dot (null cells' bytes too: then the
    answer may only err towards True), and its shortest present cell's length in
    bytes (4 when none); ``(True, 0)`` when the column is not one such array."""
    if not isinstance(text, pa.Array) or text.type != pa.string() or not len(text):
        return True, 0
    _validity, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    width = np.diff(offsets)[present(text)]
    shortest = int(width.min()) if len(width) else 4
    if data_buf is None or offsets[-1] == offsets[0]:
        return False, shortest
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return bool((data == ord(".")).any()), shortest


def to_objects(col: pa.Array) -> ObjArray:
    """A string column as an object array of str, "" where null.

    Each distinct text becomes one ``str``, shared by its cells (a dictionary encoding,
    then a gather): a block holds a few hundred identities, callsigns and squawks over
    thousands of rows. Making one object per cell cost 1.5x as much, and equal cells
    that are one object compare by identity downstream (runs along a track).
    """
    filled = pc.fill_null(col, "")
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    coded = pc.dictionary_encode(filled)
    values = np.asarray(coded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    out: ObjArray = values[coded.indices.to_numpy(zero_copy_only=False)]
    return out


def velocity_en(speed: FloatArray, track_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """East and north components of a ground speed along a true track (0 = north).

    Without the RuntimeWarnings that ``sin(inf)`` and ``inf * 0`` raise: an infinite
    speed (a number like ``1e999`` that a decoder read as infinite) gives infinite
    components, which the decoders' range check then rejects with the row; a track that
    is not finite gives unknown (NaN) components, as it always did."""
    speed = np.asarray(speed, dtype=np.float64)
    track = np.asarray(track_deg, dtype=np.float64)
    fast = np.isinf(speed)
    ok = np.isfinite(track) & ~fast
    rad = np.radians(np.where(ok, track, 0.0))
    known = np.where(ok, speed, np.nan)
    east, north = known * np.sin(rad), known * np.cos(rad)
    return np.where(fast, speed, east), np.where(fast, speed, north)


def split_rows(batch: ReportBatch, rows: int) -> Iterator[ReportBatch]:
    """Cut a batch into pieces of at most ``rows`` rows (none when it is empty)."""
    n = len(batch)
    if n <= rows:
        if n:
            yield batch
        return
    for start in range(0, n, rows):
        yield batch.take(np.arange(start, min(start + rows, n)))
