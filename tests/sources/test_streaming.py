"""Reading a recording takes memory bounded by the block, not by the file's length.

A real OpenSky recording (the golden ``rega`` sample, repeated into a 1x file of a
megabyte or so) and the same rows ten times over are read through :func:`read_file`
with the batches dropped as they come, as ``replay`` does: the peak of Python-traced
memory (NumPy arrays included) for the 10x file stays near that of the 1x file, and
the 10x file accounts for exactly ten times the 1x file's reports, rejects and skips.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from golden import DATA, RADAR

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, read_file

OPTIONS = {"block_bytes": 32 << 10, "chunk_rows": 5_000}
"""Small blocks: pyarrow's CSV reader reads a few dozen blocks ahead, so the bound is
that window, which must be well under the 1x file for the comparison to mean much."""


def csv_copies(path: Path, copies: int) -> None:
    header, _, body = (DATA / "rega.csv").read_bytes().partition(b"\n")
    body = body if body.endswith(b"\n") else body + b"\n"
    with path.open("wb") as fh:
        fh.write(header + b"\n")
        for _ in range(copies):
            fh.write(body)


def parquet_copies(path: Path, copies: int, group: int) -> None:
    table = pq.read_table(DATA / "rega.parquet")
    with pq.ParquetWriter(path, table.schema) as writer:
        for _ in range(copies):
            writer.write_table(table, row_group_size=group)


def peak(path: Path) -> tuple[int, tuple[int, int, int]]:
    """Peak traced bytes of reading ``path``, and (reports, rejected, skipped)."""
    q = Quarantine()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        n = 0
        for batch in read_file(path, "opensky", q, **OPTIONS):
            n += len(batch)
            del batch
        top = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return top, (n, q.count, sum(q.skipped.values()))


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_peak_memory_does_not_grow_with_the_file(kind: str, tmp_path: Path) -> None:
    one, ten = tmp_path / f"one.{kind}", tmp_path / f"ten.{kind}"
    if kind == "csv":
        csv_copies(one, 25)
        csv_copies(ten, 250)
    else:
        rows = pq.read_metadata(DATA / "rega.parquet").num_rows
        parquet_copies(one, 25, rows)
        parquet_copies(ten, 250, rows)
    peak(one)  # warm up: imports and caches are not the file's
    small, counts = peak(one)
    large, counts10 = peak(ten)
    assert counts[0] > 0
    assert counts10 == tuple(10 * c for c in counts)
    assert large < 1.5 * small, (small, large)


def test_gzipped_csv_streams_with_the_same_result(tmp_path: Path) -> None:
    plain, packed = tmp_path / "r.csv", tmp_path / "r.csv.gz"
    csv_copies(plain, 3)
    with pa.output_stream(str(packed), compression="gzip") as fh:
        fh.write(plain.read_bytes())
    a, b = Quarantine(), Quarantine()
    n_plain = sum(len(x) for x in read_file(plain, "opensky", a))
    n_packed = sum(len(x) for x in read_file(packed, "opensky", b))
    assert n_plain == n_packed > 0
    assert a.by_reason == b.by_reason
    assert a.skipped == b.skipped


def test_asterix_recording_peak_memory_does_not_grow(asterix_sdist: Path, tmp_path: Path) -> None:
    """A raw ASTERIX recording (the sdist's CAT048 sample, repeated) is walked from a
    mapping of the file and its reports come out ``chunk_records`` at a time."""
    with tarfile.open(asterix_sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("sample_data/cat048.raw"))
        fh = tar.extractfile(member)
        assert fh is not None
        sample = fh.read()
    one, ten = tmp_path / "one.raw", tmp_path / "ten.raw"
    one.write_bytes(sample * 1_000)
    ten.write_bytes(sample * 10_000)
    options = {"date": "2016-05-05", "radars": RADAR, "chunk_records": 100}
    # Measured in a fresh interpreter: in a long test session, state other tests leave
    # behind (warning registries, caches) was seen to move this peak by hundreds of kB.
    script = f"""
import json, tracemalloc
from airsentry.sources.base import Quarantine, read_file
def measure(path):
    q = Quarantine()
    tracemalloc.start()
    n = sum(len(b) for b in read_file(path, "asterix", q, **{options!r}))
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return top, (n, q.count, sum(q.skipped.values()))
measure({str(one)!r})
print(json.dumps([measure({str(one)!r}), measure({str(ten)!r})]))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    (small, counts), (large, counts10) = json.loads(out)
    assert counts[0] > 0
    assert counts10 == [10 * c for c in counts]
    assert large < 1.5 * small, (small, large)


@pytest.mark.parametrize("name", ["reports.jsonl", "reports.parquet", "rega.csv"])
def test_small_blocks_read_as_the_whole_file(name: str) -> None:
    """Reading in small blocks (lines cut across them) changes nothing: the same
    reports, and the same rejects at the same lines."""
    fmt = "opensky" if name.endswith(".csv") else "reports"
    results = []
    for block in (1 << 20, 997):
        q = Quarantine()
        batches = list(read_file(DATA / name, fmt, q, block_bytes=block))
        got = ReportBatch.concat(batches)
        places = [(r["line"], r["reason"]) for r in q.records]
        results.append((got.t.tolist(), got.identity.tolist(), places, dict(q.skipped)))
    assert results[0] == results[1]
    assert results[0][0]
