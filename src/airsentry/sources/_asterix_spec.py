"""ASTERIX record structure: FSPEC, UAP and item lengths, walked safely in Python.

An ASTERIX data block is ``CAT (1 octet) | LEN (2 octets, big-endian, whole block) |
records...``. A record is ``FSPEC | items...``: the FSPEC is a run of octets whose bits
7..1 say which items of the category's User Application Profile (UAP) follow, in UAP
order, and whose bit 0 (FX) says whether another FSPEC octet follows. Each item has one
of five layouts:

* fixed: *n* octets;
* variable (extended): parts of *n* octets, each ending with an FX bit; the last part
  of the definition repeats while FX is set;
* repetitive: one REP octet, then REP copies of a fixed part (a BDS register is 8);
* explicit: one LEN octet counting itself, then LEN - 1 octets;
* compound: a primary subfield (variable, one presence bit per subitem, FX in bit 0),
  then each present subitem in order, each with its own layout.

The UAPs and layouts are read from the category definitions that the
``asterix-decoder`` package installs (``asterix/config/asterix_catNNN_*.xml``), so the
structure is EUROCONTROL's and nothing is transcribed by hand. The decoding itself is
ours: the package's C parser dereferences NULL on some malformed records (a non-ASCII
octet in a text field is enough) and kills the process, which a feed decoder must never
do. Every walk here checks every length against the octets that remain and raises
:class:`Malformed` with the reason instead.
"""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path


class Malformed(Exception):
    """A record or block that does not follow its category's structure."""


@dataclass(frozen=True, slots=True)
class Layout:
    """How an item (or subitem) is laid out: ``kind`` with its part sizes."""

    kind: str  # "fixed", "variable", "repetitive", "explicit", "compound"
    sizes: tuple[int, ...] = ()  # fixed: (n,); variable: part sizes; repetitive: (n,)
    subitems: tuple[Layout | None, ...] = ()  # compound: layout of each subitem (None: spare)
    presence: tuple[int | None, ...] = ()  # compound: subitem index of each primary bit


@dataclass(frozen=True, slots=True)
class Category:
    """One category's UAP (item id per FSPEC bit, None for spare) and item layouts."""

    number: int
    version: str
    uap: tuple[str | None, ...]  # without FX bits: entry k is FRN k + 1
    items: dict[str, Layout]


def _layout(node: ET.Element) -> Layout:
    tag = node.tag
    if tag == "Fixed":
        return Layout("fixed", (int(node.attrib["length"]),))
    if tag == "BDS":
        return Layout("fixed", (8,))
    if tag == "Variable":
        return Layout("variable", tuple(int(f.attrib["length"]) for f in node if f.tag == "Fixed"))
    if tag == "Repetitive":
        inner = _layout(_children(node)[0])
        return Layout("repetitive", inner.sizes[:1])
    if tag == "Explicit":
        return Layout("explicit")
    if tag == "Compound":
        first, *rest = _children(node)
        return Layout(
            "compound", _layout(first).sizes, tuple(_sub(n) for n in rest), _presence(first)
        )
    raise ValueError(f"unknown ASTERIX layout <{tag}>")


def _sub(node: ET.Element) -> Layout | None:
    lay = _layout(node)
    return None if lay.kind == "fixed" and lay.sizes == (0,) else lay


def _presence(primary: ET.Element) -> tuple[int | None, ...]:
    """Per primary-subfield bit (FX bits left out): the subitem it announces, or None.

    The definitions tie bits to subitems with ``<BitsPresence>n</BitsPresence>``
    (1-based, in the order the subitems are listed); a bit without it is spare.
    """
    out: list[int | None] = []
    for bits in primary.iter("Bits"):
        if bits.attrib.get("fx") == "1":
            continue
        number = bits.findtext("BitsPresence")
        out.append(int(number) - 1 if number and number.strip().isdigit() else None)
    return tuple(out)


def _children(node: ET.Element) -> list[ET.Element]:
    return [c for c in node if c.tag in ("Fixed", "Variable", "Repetitive", "Explicit", "BDS")]


def _config_dir() -> Path:
    spec = importlib.util.find_spec("asterix")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("asterix-decoder is not installed; it carries the ASTERIX definitions")
    return Path(next(iter(spec.submodule_search_locations))) / "config"


@cache
def category(number: int) -> Category | None:
    """The definition of category ``number`` (None when asterix-decoder has none)."""
    files = sorted(_config_dir().glob(f"asterix_cat{number:03d}_*.xml"))
    if not files:
        return None
    root = ET.parse(files[-1]).getroot()
    items: dict[str, Layout] = {}
    for item in root.iter("DataItem"):
        fmt = item.find("DataItemFormat")
        nodes = _children(fmt) + [c for c in fmt if c.tag == "Compound"] if fmt is not None else []
        if nodes:
            items[item.attrib["id"]] = _layout(nodes[0])
    uap_node = root.find("UAP")
    uap: list[str | None] = []
    for entry in uap_node if uap_node is not None else ():
        if entry.attrib.get("frn") == "FX":
            continue
        text = (entry.text or "").strip()
        uap.append(text if text in items else None)
    return Category(number, root.attrib.get("ver", ""), tuple(uap), items)


def _variable(data: bytes, pos: int, end: int, sizes: tuple[int, ...], what: str) -> int:
    """End of an extended item starting at ``pos``: parts while their FX bit is set."""
    k = 0
    while True:
        size = sizes[min(k, len(sizes) - 1)]
        if size < 1 or pos + size > end:
            raise Malformed(f"{what} runs past the end of the record")
        pos += size
        if not data[pos - 1] & 1:
            return pos
        k += 1


def skip(data: bytes, pos: int, end: int, lay: Layout, what: str) -> int:
    """The offset just after the item of layout ``lay`` that starts at ``pos``."""
    if lay.kind == "fixed":
        stop = pos + lay.sizes[0]
    elif lay.kind == "variable":
        return _variable(data, pos, end, lay.sizes, what)
    elif lay.kind == "repetitive":
        if pos >= end:
            raise Malformed(f"{what} runs past the end of the record")
        stop = pos + 1 + data[pos] * lay.sizes[0]
    elif lay.kind == "explicit":
        if pos >= end or data[pos] < 1:
            raise Malformed(f"{what} has no valid length octet")
        stop = pos + data[pos]
    else:
        return compound(data, pos, end, lay, what)[1]
    if stop > end:
        raise Malformed(f"{what} runs past the end of the record")
    return stop


def compound(
    data: bytes, pos: int, end: int, lay: Layout, what: str
) -> tuple[dict[int, tuple[int, int]], int]:
    """Spans (start, stop) of a compound item's present subitems by index, and its end."""
    head_end = _variable(data, pos, end, lay.sizes, what)
    bits = [k * 7 + b for k, o in enumerate(data[pos:head_end]) for b in range(7) if o >> 7 - b & 1]
    spans: dict[int, tuple[int, int]] = {}
    at = head_end
    for bit in bits:
        index = lay.presence[bit] if bit < len(lay.presence) else None
        sub = lay.subitems[index] if index is not None and index < len(lay.subitems) else None
        if index is None or sub is None:
            raise Malformed(f"{what} announces subfield bit {bit + 1}, which is not defined")
        stop = skip(data, at, end, sub, f"{what} subfield {index + 1}")
        spans[index] = (at, stop)
        at = stop
    return spans, at


def split_record(cat: Category, data: bytes, pos: int, end: int) -> tuple[dict[str, bytes], int]:
    """The items of the record starting at ``pos`` (id -> raw octets) and where it ends.

    FSPEC bit 7 - k of octet j (counting from 0) announces FRN 7j + k + 1.
    """
    name = f"CAT{cat.number:03d}"
    frns: list[int] = []
    j = 0
    while True:
        if pos >= end:
            raise Malformed(f"{name} FSPEC runs past the end of the block")
        octet = data[pos]
        pos += 1
        frns.extend(7 * j + k for k in range(7) if octet >> (7 - k) & 1)
        j += 1
        if not octet & 1:
            break
    if not frns:
        raise Malformed(f"{name} record announces no item")
    items: dict[str, bytes] = {}
    for frn in frns:
        item = cat.uap[frn] if frn < len(cat.uap) else None
        if item is None:
            raise Malformed(f"{name} FSPEC announces FRN {frn + 1}, which its UAP does not define")
        stop = skip(data, pos, end, cat.items[item], f"{name} I{item}")
        items[item] = data[pos:stop]
        pos = stop
    return items, pos


def subitems(lay: Layout, raw: bytes) -> dict[int, bytes]:
    """The present subitems of a compound item's octets, by subitem index (0-based)."""
    spans, _ = compound(raw, 0, len(raw), lay, "compound item")
    return {k: raw[a:b] for k, (a, b) in spans.items()}


def next_block(data: bytes, start: int, known: tuple[int, ...]) -> int:
    """Next offset after ``start`` where a plausible chain of data blocks begins."""
    for pos in range(start, len(data) - 2):
        length = int.from_bytes(data[pos + 1 : pos + 3], "big")
        nxt = pos + length
        plausible = data[pos] in known and length >= 3 and nxt <= len(data)
        if plausible and (nxt == len(data) or data[nxt] in known):
            return pos
    return len(data)
