"""Register entries from a CSV table: one row per clearance, permit or own-force unit.

Some offices keep their diplomatic clearances and drone permits in a spreadsheet; this
reads its CSV export into the same entries as the YAML register
(:mod:`airsentry.identify.registers`), with the same checks. The first line names
the columns: ``kind`` (``clearance``, ``permit`` or ``own_force``) and any keys of
that kind's YAML entry (``reference``, ``state``, ``addresses``, ``callsigns``,
``zones``, ``valid_from``, ``valid_to``, ``holder``, ``remote_ids``, ``unit``,
``identities``, ``sensors``, ``source``, ``note``)::

    kind,reference,state,addresses,callsigns,zones,valid_from,valid_to
    clearance,PL-DIP-2025-0412,FRA,3b7a12,CTM1234,POL,2025-09-20T00:00:00Z,2025-09-21T00:00:00Z
    own_force,,POL,48d800-48dfff,VIPER1;VIPER2,,,

List cells hold several values separated by ``;`` (or spaces); an address range is
written ``first-last``. An empty cell is an absent key, so one table can hold every
kind. A fault is an :class:`~airsentry.errors.InputError` naming the file, the line
and the key (``registers.csv line 3: clearances[0].valid_to: ...``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any

from airsentry.errors import InputError

_KIND = {"clearance": "clearances", "permit": "permits", "own_force": "own_forces"}
_LISTS = {"addresses", "callsigns", "zones", "remote_ids", "identities", "sensors"}
_SPLIT = re.compile(r"[;\s]+")


def register_rows(
    text: str, keys: Mapping[str, frozenset[str]], source: str = "registers.csv"
) -> Iterator[tuple[str, dict[str, list[dict[str, Any]]]]]:
    """Each row of a register table as a one-entry register document, with its place
    (file and line) for the checks of :func:`~airsentry.identify.registers.parse_registers`.
    ``keys`` are the keys each register list (``clearances``...) allows."""
    reader = csv.DictReader(io.StringIO(text))
    known = {"kind"} | {k for kind in keys.values() for k in kind}
    header = reader.fieldnames or []
    if "kind" not in header:
        raise InputError("line 1: the table needs a 'kind' column", source=source)
    unknown = sorted({h for h in header if h} - known)
    if unknown:
        raise InputError(
            f"line 1: unknown column {unknown[0]!r}; known: {', '.join(sorted(known))}",
            source=source,
        )
    for row in reader:
        where = f"{source} line {reader.line_num}"
        if None in row:
            raise InputError("more cells than columns", source=where)
        kind = (row.get("kind") or "").strip().lower().replace("-", "_")
        if not kind and not any((v or "").strip() for v in row.values()):
            continue  # a blank line
        key = _KIND.get(kind) or (kind if kind in keys else None)
        if key is None:
            raise InputError(f"kind {kind!r} is not one of {', '.join(_KIND)}", source=where)
        entry = {k: _cell(k, v) for k, v in row.items() if k != "kind" and (v or "").strip()}
        yield where, {key: [entry]}


def _cell(key: str, value: str) -> Any:
    text = value.strip()
    if key not in _LISTS:
        return text
    items: list[Any] = [v for v in _SPLIT.split(text) if v]
    if key == "addresses":
        items = [
            {"first": a.split("-", 1)[0], "last": a.split("-", 1)[1]} if "-" in a else a
            for a in items
        ]
    return items
