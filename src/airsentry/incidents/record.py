"""The public record of violations: what happened before airsentry saw anything.

"The 1st violation of Estonian airspace in 2025" is wrong when the September MiG-31s
were the fourth that year. The record holds violations and airport drone closures
from public reports, so that ordinals and per-state counts are right from the first
run. airsentry ships one (``data/record_2025.csv``, every row citing its sources) and
imports it into every new store; ``airsentry incidents import FILE`` adds others.

A row (CSV with these columns, or a JSON array of objects with these keys):

==============  ======================================================================
``date``        when: a day ``2025-09-19``, a month ``2025-08`` or a year ``2025``
``until``       optional last day, when it spans days (``2025-09-10`` for a night)
``state``       ISO3 owner of the airspace (or of the airport)
``kind``        ``sovereign`` (a violation of national airspace) or ``airport``
``count``       how many violations the row stands for (default 1): a report that
                says "the fourth this year" records the three earlier ones as one row
``objects``     how many objects, when the sources say
``duration_s``  how long, in seconds, when the sources say
``description`` what happened, in words
``sources``     the public reports it rests on (``;``-separated in CSV)
==============  ======================================================================

A row's place in time is the span from the start of ``date`` to the end of ``until``
(or of ``date``). Each row has a key from its state, kind, span and description, so
importing the same file again adds nothing. A booked incident of the same state and
kind starting inside a row's span *is* that row: it is counted once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from airsentry.errors import InputError

KINDS = ("sovereign", "airport")
COLUMNS = ("date", "until", "state", "kind", "count", "objects", "duration_s", "description",
           "sources")  # fmt: skip


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One row of the record, checked."""

    first_time: float  # epoch s: the start of the row's span
    last_time: float  # epoch s: the end of the row's span
    state: str
    kind: str
    count: int
    objects: int | None
    duration_s: float | None
    description: str
    sources: tuple[str, ...]

    @property
    def year(self) -> int:
        return datetime.fromtimestamp(self.first_time, UTC).year

    @property
    def key(self) -> str:
        text = f"{self.state}|{self.kind}|{self.first_time}|{self.last_time}|{self.description}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def shipped() -> list[RecordRow]:
    """The record airsentry ships (``incidents/data/record_2025.csv``)."""
    ref = resources.files("airsentry.incidents").joinpath("data", "record_2025.csv")
    return parse_csv(ref.read_text("utf-8"), "record_2025.csv")


def load(path: str | Path) -> list[RecordRow]:
    """A record file, CSV or JSON by its ending; InputError names the file and row."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=str(p)) from None
    if p.suffix.lower() == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}", source=str(p)) from None
        if not isinstance(doc, list):
            raise InputError("expected a JSON array of rows", source=str(p))
        return [_row(item, str(p), i + 1) for i, item in enumerate(doc)]
    return parse_csv(text, str(p))


def parse_csv(text: str, source: str) -> list[RecordRow]:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    missing = [c for c in ("date", "state", "kind", "description", "sources")
               if c not in (reader.fieldnames or [])]  # fmt: skip
    if missing:
        raise InputError(f"missing columns: {', '.join(missing)}", source=source)
    rows = []
    for i, item in enumerate(reader, start=2):
        item["sources"] = [s.strip() for s in (item.get("sources") or "").split(";")]
        rows.append(_row(item, source, i))
    return rows


def _row(item: Any, source: str, line: int) -> RecordRow:
    def fail(reason: str) -> InputError:
        return InputError(reason, source=source, line=line)

    if not isinstance(item, dict):
        raise fail("expected an object with the record's columns")
    unknown = sorted(set(item) - set(COLUMNS))
    if unknown:
        raise fail(f"unknown column {unknown[0]!r}; known: {', '.join(COLUMNS)}")
    start, end = _span(str(item.get("date") or ""), fail)
    until = str(item.get("until") or "").strip()
    if until:
        _, end = _span(until, fail)
        if end <= start:
            raise fail(f"until {until} is before date {item.get('date')}")
    state = str(item.get("state") or "").strip().upper()
    if len(state) != 3 or not state.isalpha():
        raise fail(f"state {state!r} is not an ISO 3166 alpha-3 code")
    kind = str(item.get("kind") or "").strip()
    if kind not in KINDS:
        raise fail(f"kind {kind!r}: expected one of {', '.join(KINDS)}")
    sources = item.get("sources")
    if not isinstance(sources, list) or not [s for s in sources if str(s).strip()]:
        raise fail("a row must cite at least one source")
    description = str(item.get("description") or "").strip()
    if not description:
        raise fail("description is required")
    return RecordRow(
        first_time=start.timestamp(),
        last_time=end.timestamp() - 1e-3,
        state=state,
        kind=kind,
        count=_int(item.get("count"), "count", fail, default=1, least=1) or 1,
        objects=_int(item.get("objects"), "objects", fail, default=None, least=1),
        duration_s=_float(item.get("duration_s"), fail),
        description=description,
        sources=tuple(str(s).strip() for s in sources if str(s).strip()),
    )


def _span(text: str, fail: Any) -> tuple[datetime, datetime]:
    """The [start, end) of a day ``YYYY-MM-DD``, month ``YYYY-MM`` or year ``YYYY``."""
    parts = text.strip().split("-")
    try:
        nums = [int(p) for p in parts]
        if len(nums) == 3:
            d = date(*nums)
            return _utc(d), _utc(d + timedelta(days=1))
        if len(nums) == 2:
            first = date(nums[0], nums[1], 1)
            nxt = date(nums[0] + nums[1] // 12, nums[1] % 12 + 1, 1)
            return _utc(first), _utc(nxt)
        if len(nums) == 1 and len(parts[0]) == 4:
            return _utc(date(nums[0], 1, 1)), _utc(date(nums[0] + 1, 1, 1))
    except ValueError:
        pass
    raise fail(f"date {text!r}: expected YYYY-MM-DD, YYYY-MM or YYYY")


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _int(value: Any, name: str, fail: Any, *, default: int | None, least: int) -> int | None:
    if value is None or str(value).strip() == "":
        return default
    try:
        n = int(str(value).strip())
    except ValueError:
        raise fail(f"{name} {value!r} is not a whole number") from None
    if n < least:
        raise fail(f"{name} must be at least {least}")
    return n


def _float(value: Any, fail: Any) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        x = float(str(value).strip())
    except ValueError:
        raise fail(f"duration_s {value!r} is not a number") from None
    if not x >= 0:
        raise fail("duration_s must not be negative")
    return x
