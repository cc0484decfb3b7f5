"""Benchmark: the OpenSky CSV decoder alone (``read_file(path, "opensky")``), in CPU-s.

The whole-replay benchmark (``pipeline.py``) times the decode stage inside a run of
every stage; on this shared 2-core machine its decode medians move by 0.1-0.2 CPU-s
between runs of unchanged code, more than a decoder change saves. Here each run is a
child process that only decodes (``time.process_time`` around the reading, imports
excluded), runs alternate between the baseline revision (``--baseline REF``, extracted
with ``git archive``) and this tree, and the medians are printed with their ratio.

Input: ``pipeline.py``'s (a package sample as OpenSky rows, ``--copies`` times, as
CSV; its text fields quoted, as pyarrow writes them).

Run: ``python benchmarks/decode_csv.py --baseline REF [--sample quickstart]
[--copies 2] [--runs 5]``; the wheel comes from ``--wheel`` or
``AIRSENTRY_TRAFFIC_WHEEL``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pipeline as bench


def child(path: Path) -> float:
    """CPU-s to decode ``path`` (every batch drawn; rows and rejects counted)."""
    from airsentry.sources.base import Quarantine, read_file

    quarantine = Quarantine()
    start = time.process_time()
    rows = sum(len(b) for b in read_file(path, "opensky", quarantine))
    spent = time.process_time() - start
    assert rows > 0
    return spent


def measure(src: Path, path: Path) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        env=bench.child_env(src),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", default="HEAD")
    parser.add_argument("--sample", choices=sorted(bench.SAMPLES), default="quickstart")
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--wheel")
    args = parser.parse_args()
    if args.child is not None:
        print(child(args.child))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, _, rows = bench.build_input(
            bench.wheel(args.wheel), args.sample, args.copies, folder
        )
        versions = {
            "current": bench.ROOT / "src",
            f"baseline {args.baseline}": bench.baseline_source(args.baseline, folder),
        }
        for src in versions.values():
            bench.compile_source(src)
        times: dict[str, list[float]] = {name: [] for name in versions}
        for _ in range(args.runs):  # interleaved
            for name, src in versions.items():
                times[name].append(measure(src, csv_path))
        print(f"decode {args.sample} x{args.copies} CSV ({rows:,} rows), medians of {args.runs}:")
        med = {name: statistics.median(t) for name, t in times.items()}
        for name, value in med.items():
            spread = ", ".join(f"{t:.3f}" for t in sorted(times[name]))
            print(f"  {name:<20} {value:.3f} CPU-s  {rows / value:>12,.0f} rows/CPU-s  ({spread})")
        cur, base = med.values()
        print(f"  ratio baseline/current: {base / cur:.2f}x")


if __name__ == "__main__":
    main()
