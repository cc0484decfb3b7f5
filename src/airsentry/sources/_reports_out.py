"""``--reports-out FILE``: every decoded report of a replay, as Parquet or JSON lines.

What the decoders made of a recording, before any tracking: identity, time (ISO 8601
UTC in JSON, a UTC timestamp in Parquet), position, altitude, velocity, accuracy,
sensor and the rest of the :class:`~airsentry.model.ReportBatch` columns, one row a
report. The ending picks the format: ``.parquet`` (one row group per batch, written as
it comes, so the file needs no second pass) or ``.jsonl`` / ``.json`` (one object a
line). A replay that stops part-way leaves a readable JSON-lines file; a Parquet file
is completed when the writer closes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from airsentry.errors import ConfigError
from airsentry.frame import FRAME_COLUMNS, SensorFrame
from airsentry.model import COLUMNS, ReportBatch

_NAMES = list(COLUMNS)


def _table(batch: ReportBatch) -> pa.Table:
    cols: dict[str, Any] = {}
    for name in _NAMES:
        col = getattr(batch, name)
        if name == "t":
            cols["time"] = pa.array((col * 1e6).astype("int64"), pa.timestamp("us", tz="UTC"))
        elif col.dtype == object:
            cols[name] = pa.array(col.astype(str).tolist(), pa.string())
        else:
            cols[name] = pa.array(col)
    frame = batch.frame if batch.frame is not None else SensorFrame.unmeasured(len(batch))
    for name in FRAME_COLUMNS:
        cols[f"frame_{name}"] = pa.array(getattr(frame, name))
    return pa.table(cols)


class ReportsFile:
    """Writes report batches to ``path`` (Parquet or JSON lines, by its ending)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in (".parquet", ".jsonl", ".json"):
            raise ConfigError("--reports-out", f"{self.path}: end the name in .parquet or .jsonl")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._parquet = suffix == ".parquet"
        self._writer: pq.ParquetWriter | None = None
        self._fh: IO[str] | None = None if self._parquet else self.path.open("w", encoding="utf-8")
        self.rows = 0

    def write(self, batch: ReportBatch) -> None:
        if not len(batch):
            return
        table = _table(batch)
        if self._parquet:
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema)
            self._writer.write_table(table)
        else:
            assert self._fh is not None
            rows = table.to_pylist()
            for row in rows:
                row["time"] = row["time"].isoformat().replace("+00:00", "Z")
                for k, v in list(row.items()):  # NaN is not JSON: unknown is null
                    if isinstance(v, float) and not np.isfinite(v):
                        if k.startswith("frame_"):
                            del row[k]  # a report without a sensor-frame measurement
                        else:
                            row[k] = None
            self._fh.write("".join(json.dumps(r) + "\n" for r in rows))
            self._fh.flush()
        self.rows += len(batch)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        elif self._parquet:
            pq.write_table(_table(ReportBatch.empty()), self.path)  # an empty recording
        if self._fh is not None:
            self._fh.close()
