"""Benchmark: the SBS decoder's CPU per report at live-sized feeds, against a revision.

A live SBS feed hands the decoder what one socket read returned: a few kB at low rates,
64 kB and more under load. Each ``feed`` call has a fixed cost (Arrow calls per column,
the checks' masks) besides its per-line work, so small feeds cost far more per report
than a replay's large blocks. Input: the ``traffic`` wheel's ``collections/quickstart``
(real OpenSky positions over Paris, as in ``benchmarks/live_latency.py``'s background),
``--reports`` of them rendered as SBS-1 (per report a velocity and a position line, one
identification line per aircraft), fed in pieces of each ``--sizes`` bytes.

Each measurement is its own process (``--child``): this tree's ``src`` and the
baseline's (``--baseline REF``, ``git archive``), interleaved, ``--runs`` each; CPU time
(``time.process_time``) of the ``feed`` calls only; medians and the ratio.

Figures (2026-12-04, ``--baseline b061101``, medians of 3, load ~3 from other work):
8 kB feeds 45.5 against 56.4 µs per report (1.24x), 64 kB feeds 9.2 against 11.5
(1.25x): the six numeric and the four flag fields are parsed as one column each, and
the six fields the decoder does not read are never extracted. The fixed cost per feed
(about 2 ms, some 150 Arrow calls) still dominates small feeds.

Run: ``python benchmarks/sbs_feed.py [--sizes 8192,65536] [--baseline b061101]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))


def child(size: int, reports: int, wheel: str) -> float:
    """CPU µs per report of feeding the rendered SBS in ``size``-byte pieces."""
    import numpy as np

    from _samples import quickstart_positions
    from airsentry.model import ReportBatch
    from airsentry.sim.wire import sbs_lines
    from airsentry.sources.base import Quarantine, decoder

    lat, lon, alt = quickstart_positions(wheel, reports)
    n = len(lat)
    batch = ReportBatch.build(
        t=1.7e9 + np.arange(n) * 0.02,
        lat=lat,
        lon=lon,
        alt=alt,
        vel_e=np.full(n, 120.0),
        vel_n=np.zeros(n),
        vel_u=np.zeros(n),
        identity=np.array([f"icao:{0x400000 + i % 500:06x}" for i in range(n)], dtype=object),
        callsign="AFR123",
        squawk="1000",
        transponder=True,
    )
    data = sbs_lines(batch).encode()
    pieces = [data[i : i + size] for i in range(0, len(data), size)]

    def once() -> float:
        sbs, q = decoder("sbs"), Quarantine()
        start = time.process_time()
        for piece in pieces:
            sbs.feed(piece, q)
        return time.process_time() - start

    once()
    return statistics.median(once() for _ in range(5)) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="8192,65536")
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default="b061101")
    parser.add_argument("--wheel")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.reports, args.wheel)))
        return
    import pipeline as bench

    wheel = str(bench.wheel(args.wheel))
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"current": ROOT.parent / "src", args.baseline: bench.baseline_source(
            args.baseline, Path(tmp))}  # fmt: skip
        for size in (int(s) for s in args.sizes.split(",")):
            got: dict[str, list[float]] = {name: [] for name in sources}
            for _ in range(args.runs):  # interleaved
                for name, src in sources.items():
                    out = subprocess.run(
                        [sys.executable, __file__, "--child", str(size), "--reports",
                         str(args.reports), "--wheel", wheel],
                        env=bench.child_env(src), capture_output=True, text=True, check=True,
                    )  # fmt: skip
                    got[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
            now, base = (statistics.median(got[k]) for k in sources)
            print(
                f"{size:>7,} B feeds: current {now:6.1f} µs/report, {args.baseline} "
                f"{base:6.1f} ({base / now:.2f}x; runs {got})"
            )


if __name__ == "__main__":
    main()
