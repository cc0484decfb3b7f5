"""Who registered an aircraft: ICAO 24-bit address blocks and military sub-ranges.

Every Mode S transponder carries a 24-bit address that its State of registry assigns
from a block ICAO allocates to that State (Annex 10 Vol. III, Chapter 9, Table 9-1).
The block tells the registering State; a few well-known sub-ranges tell that the
aircraft is a military (state) aircraft. Both tables ship as CSV in ``identify/data``
(sources in their headers and in ``data/README.md``) and are looked up for whole
columns at once with :func:`numpy.searchsorted` over the sorted block starts.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt

from airsentry.columns import cells
from airsentry.model import BoolArray, IntArray, ObjArray

ICAO_SCHEME = "icao:"
"""Prefix of identities that carry an ICAO 24-bit address (``icao:4ca1d3``)."""

_HEX = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate("0123456789abcdef"):
    _HEX[ord(_c)] = _i
    _HEX[ord(_c.upper())] = _i
_SCHEME_CODES = np.array([ord(c) for c in ICAO_SCHEME], dtype=np.uint32)
_WEIGHTS = 16 ** np.arange(5, -1, -1, dtype=np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class RangeTable:
    """Sorted, non-overlapping inclusive address ranges with a state per range."""

    start: IntArray
    end: IntArray
    iso3: ObjArray
    label: ObjArray  # state name (blocks) or note (military ranges)

    def lookup(self, addresses: npt.ArrayLike) -> IntArray:
        """Row of the range holding each address, -1 where none does."""
        addr = np.asarray(addresses, dtype=np.int64).reshape(-1)
        if len(self.start) == 0:
            return np.full(len(addr), -1, dtype=np.int64)
        row = np.searchsorted(self.start, addr, side="right") - 1
        hit = (row >= 0) & (addr <= self.end[np.maximum(row, 0)])
        return np.where(hit, row, -1).astype(np.int64)


def _read_table(name: str) -> RangeTable:
    text = resources.files("airsentry.identify").joinpath("data", name).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    start = np.array([int(r["start"], 16) for r in rows], dtype=np.int64)
    end = np.array([int(r["end"], 16) for r in rows], dtype=np.int64)
    order = np.argsort(start, kind="stable")
    iso3 = np.array([r["iso3"] for r in rows], dtype=object)
    label = np.array([r.get("state") or r.get("note") or "" for r in rows], dtype=object)
    table = RangeTable(start[order], end[order], iso3[order], label[order])
    if np.any(table.end < table.start) or np.any(table.start[1:] <= table.end[:-1]):
        raise ValueError(f"{name}: address ranges overlap or are inverted")
    return table


@functools.cache
def blocks() -> RangeTable:
    """The Annex 10 allocation table, sorted by block start."""
    return _read_table("icao_blocks.csv")


@functools.cache
def military_ranges() -> RangeTable:
    """Known military sub-ranges, sorted by start."""
    return _read_table("icao_military.csv")


@functools.cache
def _names() -> dict[str, str]:
    table = blocks()
    return {str(k): str(v) for k, v in zip(table.iso3, table.label, strict=True)}


def state_name(iso3: str) -> str:
    """Human name of a State from its ISO3 code (the code itself when unknown)."""
    return _names().get(iso3, iso3)


def states() -> tuple[str, ...]:
    """Every ISO3 code that holds a block, sorted: the vocabulary of state indexes."""
    return _states()


@functools.cache
def _states() -> tuple[str, ...]:
    return tuple(sorted({str(s) for s in blocks().iso3}))


@functools.cache
def _block_state_index() -> IntArray:
    vocab = {s: i for i, s in enumerate(_states())}
    return np.array([vocab[str(s)] for s in blocks().iso3], dtype=np.int64)


def state_index(addresses: npt.ArrayLike) -> IntArray:
    """Index into :func:`states` of each address's registering State, -1 when none.

    Integer codes let callers compare States with array gathers instead of strings.
    """
    row = blocks().lookup(addresses)
    idx = _block_state_index()
    return np.where(row >= 0, idx[np.maximum(row, 0)], -1).astype(np.int64)


def registering_state(addresses: npt.ArrayLike) -> ObjArray:
    """ISO3 code of the State whose block holds each address; ``""`` when none (or -1)."""
    table = blocks()
    row = table.lookup(addresses)
    out = cells(len(row))
    hit = row >= 0
    out[hit] = table.iso3[row[hit]]
    return out


def is_military(addresses: npt.ArrayLike) -> BoolArray:
    """True where the address lies in a known military sub-range."""
    return military_ranges().lookup(addresses) >= 0


def parse_identity(identity: npt.ArrayLike) -> IntArray:
    """The 24-bit address of each ``icao:xxxxxx`` identity; -1 for any other identity.

    Works on the code points of a fixed-width string array, so a column of a million
    identities parses without a Python loop. Hex digits may be upper or lower case.
    """
    ids = np.asarray(identity, dtype=object).reshape(-1)
    n = len(ids)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    text = ids.astype(np.str_)
    width = text.dtype.itemsize // 4
    if width < 11:
        return out
    codes = text.view(np.uint32).reshape(n, width)
    ok = np.all(codes[:, :5] == _SCHEME_CODES, axis=1)
    if width > 11:
        ok &= codes[:, 11] == 0
    digits = codes[:, 5:11]
    values = _HEX[np.minimum(digits, 127)]
    ok &= np.all((digits < 128) & (values >= 0), axis=1)
    out[ok] = values[ok] @ _WEIGHTS
    return out


def format_identity(address: int) -> str:
    """The identity text of an address: ``icao:4ca1d3``."""
    return f"{ICAO_SCHEME}{address:06x}"
