"""Benchmark: Beast decoding (vectorised) against pyModeS's own per-message decoding.

Input: the 57,793 real Mode S frames of one Air France flight (rs1090 recording shipped
in the ``traffic`` wheel, ``traffic/data/samples/rs1090/full_flight_short.jsonl``),
with their times, encoded as a Beast stream (escaped, 12 MHz counter), repeated
``--repeat`` times (the copies shifted in time so that CPR state stays valid).

* **airsentry**: ``BeastStream.feed`` of the whole stream (escape removal, framing,
  CRC, all fields, CPR pairing, carried state, the ReportBatch), median of ``--runs``;
* **baseline**: pyModeS 3, the same frames as hex strings (the Beast framing already
  done for it), one ``pyModeS.decode(msg)`` call per message, and, as the stateful
  equivalent of what airsentry does, ``PipeDecoder.decode(msg, timestamp=t)`` (even/odd
  pairing and local CPR), median of ``--baseline-runs``.

Messages per second are printed for each, with the ratio. Run on one core:
``python benchmarks/decode.py`` (thread pools pinned to 1). The wheel is found via
``--wheel`` or ``AIRSENTRY_TRAFFIC_WHEEL``, else downloaded with pip.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import pyModeS  # noqa: E402

from airsentry.model import ReportBatch  # noqa: E402
from airsentry.sources.base import Quarantine  # noqa: E402
from airsentry.sources.beast import BeastStream  # noqa: E402

SAMPLE = "traffic/data/samples/rs1090/full_flight_short.jsonl"
CDG = (49.0097, 2.5479)


def wheel(given: str | None) -> Path:
    path = given or os.environ.get("AIRSENTRY_TRAFFIC_WHEEL")
    if path and Path(path).is_file():
        return Path(path)
    folder = Path(tempfile.mkdtemp())
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "traffic==2.13",
            "--no-deps",
            "--only-binary=:all:",
            "-q",
            "-d",
            str(folder),
        ],
        check=True,
    )
    return next(folder.glob("traffic-*.whl"))


def frames(path: Path, repeat: int) -> tuple[list[tuple[float, str]], float]:
    """(time, hex) of every frame (short frames cut to 56 bits), and tick 0's time."""
    with zipfile.ZipFile(path) as z:
        rows = [json.loads(line) for line in z.read(SAMPLE).splitlines()]
    t0 = float(int(rows[0]["timestamp"]))
    span = rows[-1]["timestamp"] - t0 + 3600.0
    out = []
    for k in range(repeat):
        for r in rows:
            h = r["frame"] if int(r["frame"][:2], 16) >> 3 >= 16 else r["frame"][:14]
            out.append((r["timestamp"] + k * span, h))
    return out, t0


def beast(msgs: list[tuple[float, str]], t0: float) -> bytes:
    parts = []
    for t, h in msgs:
        raw = bytes.fromhex(h)
        body = round((t - t0) * 12e6).to_bytes(6, "big") + b"\x80" + raw
        parts.append(
            b"\x1a" + (b"3" if len(raw) == 14 else b"2") + body.replace(b"\x1a", b"\x1a\x1a")
        )
    return b"".join(parts)


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-runs", type=int, default=3)
    args = parser.parse_args()
    msgs, t0 = frames(wheel(args.wheel), args.repeat)
    data = beast(msgs, t0)
    start = datetime.fromtimestamp(t0, UTC)
    n = len(msgs)

    def ours() -> ReportBatch:
        stream, q = BeastStream(start=start, clock=None, receiver=CDG), Quarantine()
        return ReportBatch.concat([stream.feed(data, q), stream.flush(q)])

    ours()  # builds the code tables once (from pyModeS), as any long-running feed does
    positions = len(ours())
    hexes = [h for _, h in msgs]
    stamps = [t for t, _ in msgs]

    def per_message() -> None:
        for h in hexes:
            pyModeS.decode(h)

    def pipe() -> None:
        decoder = pyModeS.PipeDecoder(surface_ref=CDG)
        for h, t in zip(hexes, stamps, strict=True):
            decoder.decode(h, timestamp=t)

    t_ours = median_time(ours, args.runs)
    t_msg = median_time(per_message, args.baseline_runs)
    t_pipe = median_time(pipe, args.baseline_runs)
    print(f"frames: {n:,} real Mode S frames ({len(data):,} Beast bytes), {positions:,} positions")
    print(f"airsentry BeastStream (vectorised): {n / t_ours:12,.0f} msg/s  (median of {args.runs})")
    print(f"pyModeS {pyModeS.__version__} decode() per message: {n / t_msg:12,.0f} msg/s")
    print(f"pyModeS {pyModeS.__version__} PipeDecoder (CPR pairs): {n / t_pipe:12,.0f} msg/s")
    print(f"ratio vs decode(): {t_msg / t_ours:.1f}x   vs PipeDecoder: {t_pipe / t_ours:.1f}x")


if __name__ == "__main__":
    main()
