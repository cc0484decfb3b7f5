"""airsentry's own report files (``--reports-out``), read back: Parquet or JSON lines.

What ``airsentry replay --reports-out FILE`` wrote (:mod:`airsentry.sources._reports_out`)
can be replayed or scanned again without the original decoder: one report a row, the
:class:`~airsentry.model.ReportBatch` columns by name (``time`` for ``t``: a UTC
timestamp in Parquet, ISO 8601 with a zone in JSON, or epoch seconds), and the
``frame_*`` sensor-frame columns. Parquet is recognised by its ``PAR1`` magic and read
batch by batch, every check vectorised; anything else is read as JSON lines (one object
a line, parsed line by line: the slow path).

``time`` is required; ``lat``/``lon`` may be null only together (a bearing-only row,
which then needs its ``frame_azimuth_rad``); every other column may be missing (its
"unknown" value). Numbers are range-checked as every format's are. A bad row is
quarantined with its row (Parquet) or line (JSON) number and the reason; blank lines
are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from airsentry.errors import ConfigError, DecodeError
from airsentry.frame import FRAME_COLUMNS, SensorFrame
from airsentry.model import ReportBatch
from airsentry.sources import _columns as col
from airsentry.sources._lines import Document, DocumentDecoder
from airsentry.sources.base import Quarantine, register

_FLOATS: dict[str, tuple[float, float]] = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "alt": (-2_000.0, 100_000.0),
    "vel_e": (-2_000.0, 2_000.0),
    "vel_n": (-2_000.0, 2_000.0),
    "vel_u": (-1_000.0, 1_000.0),
    "accuracy": (0.0, 1e7),
}
_TEXT = ("sensor", "identity", "callsign", "squawk", "category")
_FLAGS = ("transponder", "on_ground")
_ISO = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$"


@register("reports")
class ReportsDecoder(DocumentDecoder):
    """airsentry report files (``--reports-out``): Parquet, or JSON lines."""

    def __init__(
        self, *, source: str = "reports", recording: Path | None = None, chunk_rows: int = 100_000
    ) -> None:
        if chunk_rows < 1:
            raise ConfigError("reports", "chunk_rows must be positive")
        self.chunk_rows = chunk_rows
        self._doc = Document(source)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        source, data = self._doc.source, self._doc.take()
        if data[:4] == b"PAR1":
            out = list(self._parquet(pa.BufferReader(data), source, quarantine))
        else:
            out = [_json_lines(data, source, quarantine)]
        return ReportBatch.concat(out)

    def read_path(
        self, path: Path, quarantine: Quarantine, block_bytes: int
    ) -> Iterator[ReportBatch]:
        """A file read as it goes, never whole: Parquet batch by batch from disk (only a
        compressed Parquet file is read into memory), JSON lines ``block_bytes`` of whole
        lines at a time. Same reports and rejects as ``feed``-ing it and ``flush`` (for
        the files ``--reports-out`` writes: every JSON line names the same columns)."""
        where, source = str(path), self._doc.source
        with pa.input_stream(where, compression="detect") as probe:
            head = probe.read(4)
        with open(where, "rb") as fh:
            on_disk = fh.read(4) == head
        if head == b"PAR1":
            if on_disk:
                opened: Any = pa.OSFile(where)
            else:
                with pa.input_stream(where, compression="detect") as stream:
                    opened = pa.BufferReader(stream.read())
            yield from self._parquet(opened, source, quarantine)
            return
        line, tail = 1, b""
        with pa.input_stream(where, compression="detect") as stream:
            while True:
                data = stream.read(block_bytes)
                buf = tail + data
                cut = len(buf) if not data else buf.rfind(b"\n") + 1
                block, tail = buf[:cut], buf[cut:]
                if block:
                    batch = _json_lines(block, source, quarantine, line)
                    line += len(block.splitlines())
                    if len(batch):
                        yield batch
                if not data:
                    return

    def _parquet(self, opened: Any, source: str, quarantine: Quarantine) -> Iterator[ReportBatch]:
        try:
            with pq.ParquetFile(opened) as pf:
                done = 0
                for batch in pf.iter_batches(batch_size=self.chunk_rows):
                    table = pa.Table.from_batches([batch])
                    rows = np.arange(done + 1, done + batch.num_rows + 1, dtype=np.int64)
                    yield _decode(table, rows, source, quarantine, _json_raw(table))
                    done += batch.num_rows
        except (OSError, pa.ArrowException, UnicodeError) as exc:
            # UnicodeError: a column name in the footer that is not UTF-8
            err = DecodeError(f"Parquet unreadable: {exc}", source=source)
            quarantine.reject(err, "")


def _json_lines(
    data: bytes, source: str, quarantine: Quarantine, first_line: int = 1
) -> ReportBatch:
    objects: list[dict[str, Any]] = []
    lines: list[int] = []
    blank = 0
    for n, raw in enumerate(data.splitlines(), start=first_line):
        if not raw.strip():
            blank += 1
            continue
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            # ValueError: not UTF-8, not JSON, or an integer of more than 4,300 digits
            # (Python's limit); RecursionError: JSON nested past the interpreter's limit
            quarantine.reject(DecodeError(f"not JSON: {exc}", source=source, line=n), raw)
            continue
        if not isinstance(obj, dict):
            quarantine.reject(DecodeError("not a JSON object", source=source, line=n), raw)
            continue
        objects.append({k: (json.dumps(v) if isinstance(v, dict | list) else v)
                        for k, v in obj.items()})  # fmt: skip
        lines.append(n)
    quarantine.skip("blank line", blank)
    if not objects:
        return ReportBatch.empty()
    names = sorted({k for o in objects for k in o})
    # every cell as text (or null): one table, whatever mix of types the lines hold
    table = pa.table(
        {k: pa.array([None if o.get(k) is None else _text(o[k]) for o in objects], pa.string())
         for k in names}
    )  # fmt: skip
    return _decode(table, np.array(lines, dtype=np.int64), source, quarantine,
                   lambda i: json.dumps(objects[i]))  # fmt: skip


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_raw(table: pa.Table) -> Any:
    def raw(i: int) -> str:
        row = {name: table.column(name)[i].as_py() for name in table.column_names}
        return json.dumps(row, default=str)

    return raw


def _times(cells: pa.Array, v: col.Verdicts) -> np.ndarray:
    """Epoch seconds of ``time`` cells: timestamps, numbers, or ISO 8601 text."""
    cells = col.plain(cells)
    if pa.types.is_timestamp(cells.type) or not col.is_text(cells):
        return col.parse_float(cells, "time", v, col.EPOCH_RANGE, required=True)
    text = col.as_bytes(cells)
    iso = col.matches(text, _ISO)
    numeric = col.matches(text, col.NUMBER)
    out = np.full(len(cells), np.nan)
    if iso.any():
        picked = pc.if_else(pa.array(iso), text, pa.scalar(None, pa.binary()))
        out[iso] = _iso_seconds(pc.cast(picked, pa.string()), iso, text, v)[iso]
    if numeric.any():
        nums = col.parse_float(
            pc.if_else(pa.array(numeric), text, pa.scalar(None, pa.binary())),
            "time", v, col.EPOCH_RANGE,
        )  # fmt: skip
        out[numeric] = nums[numeric]
    has = col.present(text)
    v.flag(has & ~iso & ~numeric,
           lambda i: f"time {col.cell_text(text, i)!r} is not ISO 8601 with a zone")  # fmt: skip
    v.flag(~has, lambda i: "time is missing")
    return out


def _iso_seconds(strings: pa.Array, iso: np.ndarray, text: pa.Array, v: col.Verdicts) -> np.ndarray:
    """Epoch seconds of ISO 8601 cells, in one cast; if a cell shaped like a date is no
    date (day 34, hour 61), Arrow refuses the whole cast: then cell by cell, for this
    block only, rejecting the ones that are not dates."""
    stamp = pa.timestamp("us", tz="UTC")
    try:
        us = pc.cast(strings, stamp).cast(pa.int64()).to_numpy(zero_copy_only=False)
        return np.asarray(us, dtype=np.float64) / 1e6
    except pa.ArrowInvalid:
        pass
    out = np.full(len(strings), np.nan)
    bad = np.zeros(len(strings), dtype=np.bool_)
    for i in np.flatnonzero(iso):
        try:
            out[i] = pc.cast(strings[int(i) : int(i) + 1], stamp).cast(pa.int64())[0].as_py() / 1e6
        except pa.ArrowInvalid:
            bad[i] = True
    v.flag(bad, lambda i: f"time {col.cell_text(text, i)!r} is not a valid date and time")
    return out


def _decode(
    table: pa.Table, rows: np.ndarray, source: str, quarantine: Quarantine, raw: Any
) -> ReportBatch:
    n = table.num_rows
    v = col.Verdicts(n)
    nothing = pa.nulls(n, pa.binary())

    def cells(name: str) -> pa.Array:
        if name not in table.column_names:
            return nothing
        return table.column(name).combine_chunks()

    if "time" in table.column_names:
        t = _times(cells("time"), v)
    else:
        t = col.parse_float(cells("t"), "t", v, col.EPOCH_RANGE, required=True)
    floats = {k: col.parse_float(cells(k), k, v, b) for k, b in _FLOATS.items()}
    lat, lon = floats["lat"], floats["lon"]
    v.flag(np.isnan(lon) & ~np.isnan(lat), lambda i: "lat given without lon")
    v.flag(np.isnan(lat) & ~np.isnan(lon), lambda i: "lon given without lat")
    text = {k: col.to_objects(col.parse_text(cells(k), k, v, col.PRINTABLE, "printable text"))
            for k in _TEXT}  # fmt: skip
    tn = col.parse_float(cells("track_number"), "track_number", v, (-1.0, 2.0**62))
    flags = {k: col.parse_flag(cells(k), k, v, ("true", "True", "1"), ("false", "False", "0"))
             for k in _FLAGS}  # fmt: skip
    frame_cols = {k: col.parse_float(cells(f"frame_{k}"), f"frame_{k}", v, (-1e9, 1e9))
                  for k in FRAME_COLUMNS}  # fmt: skip
    measured = np.isfinite(frame_cols["azimuth_rad"])
    v.flag(np.isnan(lat) & ~measured, lambda i: "no position and no sensor-frame bearing")
    for i in np.flatnonzero(v.bad):
        err = DecodeError(v.reasons[int(i)], source=source, line=int(rows[i]))
        quarantine.reject(err, raw(int(i)))
    keep = ~v.bad
    frame = None
    if (measured & keep).any():
        frame = SensorFrame.build(int(keep.sum()), **{k: c[keep] for k, c in frame_cols.items()})
    return ReportBatch.build(
        t=t[keep],
        **{k: c[keep] for k, c in floats.items()},
        **{k: c[keep] for k, c in text.items()},
        track_number=np.where(np.isnan(tn), -1, tn)[keep].astype(np.int64),
        **{k: c[keep] for k, c in flags.items()},
        frame=frame,
    )
