"""Benchmark: ``airsentry scan`` rows per second per worker, local and Dask, 1 and 2 workers.

Input, built here from a package sample: a real OpenSky recording shipped in the
``traffic`` wheel (``collections/switzerland``: 139,098 state vectors over Switzerland,
one day; ``--sample quickstart`` for 284,505 over Paris, one afternoon), as OpenSky
``state_vectors_data4`` rows (SI units), multiplied ``--copies`` times in time (copy
``k`` shifted by ``k`` spans, its ICAO addresses made distinct), each copy cut in
time into four Parquet files. The default (``--copies 1``) is a short run; ``--big``
makes 80 copies of the Paris sample, 22.8 million rows ("tens of millions"), one run
of each configuration.

The **baseline**, named ``replay``, is what ``airsentry replay`` does, in this process:
the one builder over a fresh database, every file decoded and fed in 20,000-row chunks
(one core). Then ``scan`` on each engine (``local``: worker processes; ``dask``: a
``dask.distributed`` LocalCluster of single-threaded worker processes on 127.0.0.1,
started before the clock starts) with 1 and 2 workers, ``2 x workers`` partitions.
Runs are interleaved (baseline, local-1, local-2, dask-1, dask-2, again), ``--runs``
times; medians are printed: wall seconds, rows per second, rows per second per
worker, the CPU seconds (the replay's own; for a scan the workers' staging and
partitions plus this process's merge), the speed-up of 2 workers over 1, and every
configuration's ratio to the baseline's rows per wall second.

The machine this was written on has 2 cores shared with other work; a speed-up near 2
needs 2 idle cores. Figures (switzerland x1, medians of 3, shared 2-core machine) are
printed by the run; quote those, not a number kept here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SAMPLES = {
    "quickstart": "traffic/data/samples/collections/quickstart.json.gz",
    "switzerland": "traffic/data/samples/collections/switzerland.json.gz",
}
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60


def build_input(
    wheel: Path, sample: str, copies: int, folder: Path, pieces: int = 4
) -> tuple[list[Path], int]:
    """The sample as OpenSky rows, ``copies`` times in time, each copy cut in time into
    ``pieces`` Parquet files (so that decoding, too, has files to share out)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    with zipfile.ZipFile(wheel) as z:
        records = json.loads(gzip.decompress(z.read(SAMPLES[sample])))
    records.sort(key=lambda r: r["timestamp"])

    def column(name: str, factor: float = 1.0) -> Any:
        values = [r.get(name) for r in records]
        return np.array([np.nan if v is None else v * factor for v in values], dtype=np.float64)

    t = np.array([r["timestamp"] for r in records], dtype=np.float64) / 1000.0
    icao = [str(r["icao24"]) for r in records]
    base = {
        "lat": column("latitude"),
        "lon": column("longitude"),
        "velocity": column("groundspeed", KT),
        "heading": column("track"),
        "vertrate": column("vertical_rate", FPM),
        "callsign": pa.array([r.get("callsign") for r in records], pa.string()),
        "onground": pa.array([r.get("onground") for r in records], pa.bool_()),
        "baroaltitude": column("altitude", FT),
    }
    span = float(t.max() - t.min()) + 600.0
    paths, rows = [], 0
    for k in range(copies):
        ids = [
            f"{(int(a[0], 16) + k) % 16:x}{(int(a[1], 16) + k // 16) % 16:x}{a[2:]}" for a in icao
        ]
        table = pa.table(
            {
                "time": pa.array(np.floor(t + k * span).astype(np.int64)),
                "icao24": pa.array(ids, pa.string()),
                **base,
                "lastposupdate": t + k * span,
            }
        )
        n = table.num_rows
        for j in range(pieces):
            path = folder / f"{sample}-{k:03d}-{j}.parquet"
            pq.write_table(
                table.slice(j * n // pieces, (j + 1) * n // pieces - j * n // pieces), path
            )
            paths.append(path)
        rows += n
    return paths, rows


def replay(files: list[Path], folder: Path) -> dict[str, float]:
    """The baseline: ``airsentry replay``'s path, in this process."""
    from airsentry.build import open_run
    from airsentry.cli._common import chunks
    from airsentry.config import DeploymentConfig
    from airsentry.sources.base import Quarantine, read_file

    db = folder / "replay.db"
    for p in folder.glob("replay.db*"):
        p.unlink()
    cpu, wall = time.process_time(), time.perf_counter()
    quarantine = Quarantine()
    rows = 0
    with open_run(DeploymentConfig(db=db)) as run:

        def batches() -> Any:
            nonlocal rows
            for path in files:
                for batch in read_file(path, "opensky", quarantine):
                    rows += len(batch)
                    yield from chunks(batch)

        run.pipeline.run(batches())
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rows": rows,
        "workers": 1,
    }


def scan(files: list[Path], folder: Path, runner: Any, workers: int) -> dict[str, float]:
    from airsentry.config import DeploymentConfig
    from airsentry.scan.engine import ScanPlan, ScanProgress
    from airsentry.scan.run import run_scan

    out = folder / "scan-out"
    shutil.rmtree(out, ignore_errors=True)
    plan = ScanPlan(tuple(files), "opensky", out, DeploymentConfig(), partitions=2 * workers)
    wall, own = time.perf_counter(), time.process_time()
    summary = run_scan(plan, runner, progress=ScanProgress(out=None))
    elapsed, own = time.perf_counter() - wall, time.process_time() - own
    manifest = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    # the workers' CPU (staging and partitions) and this process's (the reduce step)
    cpu = own + sum(float(m.get("cpu_s", m.get("stage", {}).get("cpu_s", 0.0))) for m in manifest)
    return {"wall": elapsed, "cpu": cpu, "rows": summary.accepted, "workers": workers}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", help="the traffic 2.13 wheel (else AIRSENTRY_TRAFFIC_WHEEL)")
    ap.add_argument("--sample", choices=sorted(SAMPLES), default="switzerland")
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--big", action="store_true", help="80 copies (22.8 M rows), one run each")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default="local,dask")
    args = ap.parse_args()
    if args.big:
        args.sample, args.copies, args.runs = "quickstart", 80, 1
    wheel = args.wheel or os.environ.get("AIRSENTRY_TRAFFIC_WHEEL")
    if not wheel or not Path(wheel).is_file():
        raise SystemExit("give the traffic 2.13 wheel: --wheel or AIRSENTRY_TRAFFIC_WHEEL")

    from airsentry.scan.run import runner_for

    engines = [e for e in args.engines.split(",") if e]
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        folder = Path(tmp)
        files, rows = build_input(Path(wheel), args.sample, args.copies, folder)
        print(f"input: {args.sample} x{args.copies}: {rows:,} rows in {len(files)} files")
        runners = {}
        for engine in engines:
            for workers in (1, 2):
                ctx = runner_for(engine, workers=workers)  # type: ignore[arg-type]
                runners[f"{engine}-{workers}"] = (ctx, ctx.__enter__(), workers)
        results: dict[str, list[dict[str, float]]] = {"replay": []}
        try:
            for _ in range(args.runs):
                results["replay"].append(replay(files, folder))
                for name, (_, runner, workers) in runners.items():
                    results.setdefault(name, []).append(scan(files, folder, runner, workers))
        finally:
            for ctx, _, _ in runners.values():
                ctx.__exit__(None, None, None)

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    base_rate = rows / med("replay", "wall")
    print(f"\n{'configuration':<12} {'wall s':>8} {'rows/s':>11} {'rows/s/worker':>14} "
          f"{'CPU s':>15} {'vs replay':>10}")  # fmt: skip
    for name in results:
        wall, cpu = med(name, "wall"), med(name, "cpu")
        workers = int(results[name][0]["workers"])
        rate = rows / wall
        print(f"{name:<12} {wall:>8.2f} {rate:>11,.0f} {rate / workers:>14,.0f} {cpu:>15.2f} "
              f"{rate / base_rate:>9.2f}x")  # fmt: skip
    speed: Callable[[str], str] = lambda e: (  # noqa: E731
        f"{med(f'{e}-1', 'wall') / med(f'{e}-2', 'wall'):.2f}x"
    )
    for engine in engines:
        print(f"speed-up {engine}, 2 workers over 1: {speed(engine)}")
    print(f"(medians of {args.runs}; rates in wall time; CPU s: decoding, pipeline and merge, "
          "all processes)")  # fmt: skip


if __name__ == "__main__":
    main()
