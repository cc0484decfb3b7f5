"""Benchmark: decoding a live feed's bytes, CPU per report by the size of the pieces.

A live TCP feed hands its decoder what the session holds, up to
``sources._live_transports.READ_BYTES`` at a time, and every piece costs a fixed
number of Arrow and NumPy calls besides its reports (SBS: splitting into lines and
fields, the column checks; Beast: unescaping, framing, CRC). At a high rate the pieces
are full, and their size sets the CPU per report. The input is what
``benchmarks/live_latency.py`` sends: 2,000 aircraft at real positions (the ``traffic``
wheel's Paris sample), each report an SBS identification, velocity and position line
(~270 bytes), or a Beast identification, velocity and CPR position frame; 40,000
reports per format, fed to a fresh decoder in pieces of each size.

The **baseline** is 64 kB, the read size before December 2026, measured in the same
process, interleaved with the other sizes, medians of ``--runs``.

Figures (2026-12-05, the full test suite running on the other core), CPU µs per report:
SBS 46.8 (16 kB), 15.6 (64 kB), 8.0 (256 kB), 6.2 (1 MB); Beast 13.7, 6.1, 4.6, 5.0.
So the sessions now hand on up to 256 kB: SBS decodes 1.95x and Beast 1.3x cheaper
per report when a feed is busy, and a quiet feed's pieces are what arrived anyway.
Once the SBS carry sorted only a piece's identities (``f9db4ec``; medians of 3, quiet
machine): SBS 37.2, 13.5 (baseline), 7.4 (x1.82), 6.4 (x2.10); Beast 12.7, 5.7, 4.6
(x1.24), 5.7 (x1.01).

Run: ``python benchmarks/live_pieces.py [--runs 5]``; the wheel via ``--wheel`` or
``AIRSENTRY_TRAFFIC_WHEEL``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import live_latency
from airsentry.sim import wire_beast
from airsentry.sources._live_transports import READ_BYTES
from airsentry.sources.base import Quarantine, decoder

BASELINE_BYTES = 1 << 16
SIZES = (1 << 14, BASELINE_BYTES, 1 << 18, 1 << 20)
COPIES = 20  # visits of the 2,000 aircraft: 40,000 reports


def sbs_bytes(bg: tuple[np.ndarray, ...]) -> bytes:
    lines, _ = live_latency.prerender(bg)
    return "".join(lines.tolist()).encode() * COPIES


def beast_bytes(bg: tuple[np.ndarray, ...]) -> bytes:
    frames = live_latency.prerender_beast(bg)  # (aircraft, parity, 3, 23)
    records = np.concatenate(
        [frames[:, parity].reshape(-1, 23) for parity in (0, 1)] * (COPIES // 2)
    )
    wire_beast.set_ticks(records, 12e6 + 100.0 * np.arange(len(records)))
    return wire_beast.escape(records)


def cpu_per_report(fmt: str, data: bytes, piece: int, reports: int) -> float:
    """CPU µs per report of one fresh decoder fed ``data`` in ``piece``-byte pieces."""
    dec, q = decoder(fmt), Quarantine()
    start = time.process_time()
    for k in range(0, len(data), piece):
        dec.feed(data[k : k + piece], q)
    dec.flush(q)
    return (time.process_time() - start) / reports * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--wheel", default=os.environ.get("AIRSENTRY_TRAFFIC_WHEEL"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.wheel:
        raise SystemExit("give --wheel or set AIRSENTRY_TRAFFIC_WHEEL")
    bg = live_latency.background_positions(Path(args.wheel), 2000)
    reports = 2000 * COPIES
    inputs = {"sbs": sbs_bytes(bg), "beast": beast_bytes(bg)}
    print(f"{reports:,} reports per format; the sessions read up to {READ_BYTES >> 10} kB")
    for fmt, data in inputs.items():
        times: dict[int, list[float]] = {size: [] for size in SIZES}
        for _ in range(args.runs):  # interleaved
            for size in SIZES:
                times[size].append(cpu_per_report(fmt, data, size, reports))
        base = statistics.median(times[BASELINE_BYTES])
        cells = []
        for size in SIZES:
            med = statistics.median(times[size])
            named = " (baseline)" if size == BASELINE_BYTES else f" x{base / med:.2f}"
            cells.append(f"{size >> 10} kB {med:.2f} us{named}")
        print(f"{fmt:>5}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
