"""The first step of a scan: decode one input file and split its reports by identity.

A file is decoded by the same decoder, with the same checks and the same quarantine,
as ``airsentry replay`` uses (:func:`~airsentry.sources.base.read_file`), so a scan
accepts, rejects and skips exactly the records a replay does. Every accepted report
gets two numbers that fix where a replay would have processed it:

- ``batch``: the replay batch it falls in (``file index << 32 | chunk number``; a
  replay cuts every decoded batch into chunks of ``BATCH_ROWS``), so a partition can
  run its rows through the pipeline in the batches a replay makes of them;
- ``seq``: its position in the file's accepted reports (order inside a batch).

Reports are then split by tracking key (identity, else ``sensor#track_number``, as
the identity-keyed tracker keys them) with a stable hash, so an object's whole history
lands in one partition whatever file it came from; reports without a key (that the
identity-keyed tracker leaves untracked) go to partition 0. Each (file, partition)
piece is one Parquet file, written whole under a temporary name and then renamed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from airsentry.frame import FRAME_COLUMNS, SensorFrame
from airsentry.model import COLUMNS, IntArray, ObjArray, ReportBatch
from airsentry.sources.base import Quarantine, read_file
from airsentry.tracking.base import factorize
from airsentry.tracking.cooperative import CooperativeTracker

BATCH_ROWS = 20_000  # as airsentry.cli._common.BATCH_ROWS: the rows of one replay batch
FILE_SHIFT = 32  # batch number = file index << FILE_SHIFT | chunk number
_OBJECT = ("sensor", "identity", "callsign", "squawk", "category")


@dataclass(frozen=True, slots=True)
class StageResult:
    """What staging one file did: its report counts and where the pieces are."""

    file_index: int
    path: str
    accepted: int
    rejected: int
    skipped: int
    pieces: dict[int, str]  # partition -> piece file
    reasons: dict[str, int]
    cpu_s: float = 0.0  # CPU seconds the staging took (its worker's)
    keyless: int = 0  # reports without identity or sensor track number (partition 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file_index,
            "path": self.path,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "pieces": {str(k): v for k, v in self.pieces.items()},
            "reasons": self.reasons,
            "cpu_s": self.cpu_s,
            "keyless": self.keyless,
        }

    @staticmethod
    def from_json(doc: dict[str, Any]) -> StageResult:
        return StageResult(
            file_index=int(doc["file"]),
            path=str(doc["path"]),
            accepted=int(doc["accepted"]),
            rejected=int(doc["rejected"]),
            skipped=int(doc["skipped"]),
            pieces={int(k): str(v) for k, v in doc["pieces"].items()},
            reasons={str(k): int(v) for k, v in doc["reasons"].items()},
            cpu_s=float(doc.get("cpu_s", 0.0)),
            keyless=int(doc.get("keyless", 0)),
        )


def partition_of(keys: ObjArray, partitions: int) -> IntArray:
    """The partition of every tracking key: a stable hash (BLAKE2b of the key's UTF-8,
    the same in every process and on every machine) modulo ``partitions``; keyless
    rows (``""``) go to partition 0. Hashes each distinct key once."""
    if not len(keys):
        return np.empty(0, dtype=np.int64)
    uniq, inverse = factorize(keys)
    part = np.array(
        [
            int.from_bytes(hashlib.blake2b(str(k).encode(), digest_size=8).digest(), "little")
            % partitions
            if k
            else 0
            for k in uniq.tolist()
        ],
        dtype=np.int64,
    )
    return part[inverse]


def to_table(batch: ReportBatch, number: IntArray, seq: IntArray) -> pa.Table:
    """Reports as Arrow columns (times as float epoch seconds, exactly), with their
    replay batch number and sequence."""
    cols: dict[str, Any] = {"batch": pa.array(number), "seq": pa.array(seq)}
    for name in COLUMNS:
        col = getattr(batch, name)
        cols[name] = pa.array(col.tolist(), pa.string()) if name in _OBJECT else pa.array(col)
    frame = batch.frame if batch.frame is not None else SensorFrame.unmeasured(len(batch))
    for name in FRAME_COLUMNS:
        cols[f"frame_{name}"] = pa.array(getattr(frame, name))
    cols["has_frame"] = pa.array(np.full(len(batch), batch.frame is not None))
    return pa.table(cols)


def from_table(table: pa.Table) -> tuple[ReportBatch, IntArray]:
    """Reports back from :func:`to_table` columns, with their replay batch numbers."""
    cols = {name: table.column(name).to_numpy(zero_copy_only=False) for name in COLUMNS}
    for name in _OBJECT:
        cols[name] = np.asarray(cols[name], dtype=object)
    has = table.column("has_frame").to_numpy(zero_copy_only=False).astype(bool)
    frame = None
    if has.any():
        frame = SensorFrame.build(
            len(has),
            **{n: table.column(f"frame_{n}").to_numpy(zero_copy_only=False) for n in FRAME_COLUMNS},
        )
    batch = ReportBatch(**cols, frame=frame)
    return batch, table.column("batch").to_numpy(zero_copy_only=False).astype(np.int64)


def stage_file(
    path: str,
    fmt: str,
    options: dict[str, Any],
    file_index: int,
    partitions: int,
    out_dir: str,
) -> StageResult:
    """Decode ``path`` and write its reports as one Parquet piece per partition under
    ``out_dir``; rejected records go to ``out_dir/quarantine/<index>.jsonl``."""
    cpu = time.process_time()
    out = Path(out_dir)
    (out / "pieces").mkdir(parents=True, exist_ok=True)
    (out / "quarantine").mkdir(parents=True, exist_ok=True)
    qpath = out / "quarantine" / f"{file_index:06d}.jsonl"
    qpath.unlink(missing_ok=True)  # a file staged again starts its record anew
    quarantine = Quarantine(qpath)
    tables: dict[int, list[pa.Table]] = {}
    chunk = 0
    seq0 = 0
    keyless = 0
    try:
        for decoded in read_file(path, fmt, quarantine, **options):
            n = len(decoded)
            starts = range(0, n, BATCH_ROWS)
            number = np.repeat(
                (file_index << FILE_SHIFT) + chunk + np.arange(len(starts), dtype=np.int64),
                [min(BATCH_ROWS, n - s) for s in starts],
            )
            chunk += len(starts)
            seq = seq0 + np.arange(n, dtype=np.int64)
            seq0 += n
            keys = CooperativeTracker.keys_of(decoded)
            keyless += int((keys == "").sum())
            part = partition_of(keys, partitions)
            table = to_table(decoded, number, seq)
            for p in np.unique(part).tolist():
                tables.setdefault(p, []).append(table.filter(pa.array(part == p)))
    finally:
        quarantine.close()
    pieces: dict[int, str] = {}
    for p, parts in sorted(tables.items()):
        name = out / "pieces" / f"f{file_index:06d}-p{p:05d}.parquet"
        tmp = name.with_suffix(".tmp")
        pq.write_table(pa.concat_tables(parts), tmp)
        tmp.replace(name)
        pieces[p] = str(name)
    return StageResult(
        file_index=file_index,
        path=path,
        accepted=seq0,
        rejected=quarantine.count,
        skipped=sum(quarantine.skipped.values()),
        pieces=pieces,
        cpu_s=time.process_time() - cpu,
        keyless=keyless,
        reasons=dict(quarantine.by_reason)
        | {f"skipped: {k}": v for k, v in quarantine.skipped.items()},
    )


def dumps(result: StageResult) -> str:
    return json.dumps({"stage": result.to_json()})
