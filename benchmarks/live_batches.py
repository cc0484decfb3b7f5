"""Benchmark: the pipeline's CPU per report in live-sized batches against replay-sized.

A live run hands the pipeline what arrived in the last ``emit_every_s`` (50 ms by
default in ``benchmarks/live_latency.py``): about 1,000 reports at 20,000 reports/s,
where a replay hands it 20,000 rows at a time. Any work per batch that grows with the
number of *live tracks* rather than with the batch (a sweep over every track, a
dictionary rebuilt per batch) costs nothing much in replay and dominates live. This
benchmark measures exactly that, without sockets or decoding: the same real reports
(the ``traffic`` wheel's ``collections/quickstart``, 284,505 OpenSky state vectors over
Paris, as in ``benchmarks/pipeline.py``, flown ``--overlay`` times at once with distinct
addresses so that thousands of tracks are live together, as in a national picture) go
through the one builder's pipeline in batches of ``--replay-rows`` (the named baseline:
replay) and of ``--live-rows`` (live), each run its own process, interleaved, ``--runs``
each, CPU time (``time.process_time``) of ``Pipeline.run`` only, medians.
``--baseline REF`` adds the same two measurements of another revision (``git
archive``), interleaved as well.

Printed per mode: microseconds of CPU per report, in total and per stage (tracker,
identify, respond, watch, book, sinks), and the ratio live / replay: the target of
issue 12 is a live path as cheap as replay (ratio 1).

Figures (2026-12-04, medians of 3, load ~7, quickstart x4): live 11.0 against replay
4.6 CPU µs per report (2.39x); ``a62ff72`` live 12.4 against 4.4 (2.80x). Per stage the
gap is identify (3.1 against 1.6) and watch (3.3 against 1.2): many small NumPy calls
per batch.

Against ``c725a68`` (December 2026, issue 12 fourth round: no approach path for targets
every zone admits, events keyed by time; medians of 3): live 8.4 against 8.8 CPU µs per
report (watch 2.6 against 2.9), replay-sized 3.2 against 3.4; live / replay 2.61x. With
text cells shared per distinct value as well: live 7.9 against 8.7 (1.10x; watch 2.4
against 2.8, identify 1.9 against 2.0), replay-sized 3.0 against 3.3; live / replay 2.66x.

Against ``2316c60`` (2026-12-05, issue 12 sixth round, medians of 3, quiet machine). The
overlaid copies' addresses now stay in their ICAO block and military status (they
cycled the top hex digit: foreign state aircraft over Paris, whose depth the watch
measured); on that input, live 6.7 against 7.1 CPU µs per report (1.06x; watch 1.5,
identify 1.7, tracker 1.5, sinks 0.9), replay-sized 2.1 against 2.6 (1.24x: radix
track orders, the classifier's running maxima, the tracker's kept rows); live / replay
3.18x, the per-batch work unchanged while the per-row work fell.

Run: ``python benchmarks/live_batches.py [--runs 3] [--live-rows 1000] [--baseline REF]``.
The wheel is found via ``--wheel`` or ``AIRSENTRY_TRAFFIC_WHEEL``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import (
    baseline_source,
    build_input,
    copy_addresses,
    run_child,
    time_stages,
    wheel,
)

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("tracker", "identify", "respond", "watch", "book", "sinks")


def child(path: Path, db: Path, rows: int) -> dict[str, Any]:
    """Decode ``path`` whole (untimed), then time the pipeline over ``rows``-row batches."""
    from airsentry.build import open_run
    from airsentry.config import DeploymentConfig
    from airsentry.model import ReportBatch
    from airsentry.sources.base import Quarantine, read_file

    batch = ReportBatch.concat(list(read_file(path, "opensky", Quarantine()))).sorted_by_time()
    clock = dict.fromkeys(STAGES, 0.0)
    events = 0
    with open_run(DeploymentConfig(db=db)) as run:
        p = run.pipeline
        time_stages(p, clock)
        pieces = (batch.take(slice(i, i + rows)) for i in range(0, len(batch), rows))
        start = time.process_time()
        for step in p.run(pieces):
            events += len(step.events)
        total = time.process_time() - start
    return {"reports": len(batch), "events": events, "cpu": total, "stages": clock}


def overlay(path: Path, copies: int) -> tuple[Path, int]:
    """The recording ``copies`` times over the same hours: copy ``k`` with its ICAO
    addresses made distinct (in their block and military status, as ``pipeline.py``'s
    copies; they cycled the top hex digit before December 2026, which made foreign
    state aircraft over Paris) and its positions moved 0.05 degrees north per copy, so
    that ``copies`` times as many tracks are live at once (a national picture has
    thousands; the Paris afternoon a few hundred)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path)
    icao = [int(a, 16) for a in table["icao24"].to_pylist()]
    renamed = copy_addresses(sorted(set(icao)), copies)  # each in its block and status
    parts = []
    for k in range(copies):
        ids = pa.array([f"{renamed[k][a]:06x}" for a in icao], pa.string())
        moved = table.set_column(table.schema.get_field_index("icao24"), "icao24", ids)
        lat = pc.add(moved["lat"], 0.05 * k)
        parts.append(moved.set_column(moved.schema.get_field_index("lat"), "lat", lat))
    out = path.with_name(f"overlay-{copies}.csv")
    merged = pa.concat_tables(parts)
    merged = merged.take(pc.sort_indices(merged, [("time", "ascending")]))
    pacsv.write_csv(merged, out)
    return out, merged.num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--wheel")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--replay-rows", type=int, default=20_000)
    parser.add_argument("--live-rows", type=int, default=1_000)
    parser.add_argument(
        "--overlay", type=int, default=4, help="copies flown at once (concurrent tracks x K)"
    )
    parser.add_argument("--baseline", help="another revision to measure too (git ref)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.db, args.rows)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, _, n = build_input(wheel(args.wheel), "quickstart", 1, folder)
        if args.overlay > 1:
            csv_path, n = overlay(csv_path, args.overlay)
        sources = {"current": ROOT / "src"}
        if args.baseline:
            sources[args.baseline] = baseline_source(args.baseline, folder)
        modes = [
            (name, kind, rows)
            for name in sources
            for kind, rows in (("replay", args.replay_rows), ("live", args.live_rows))
        ]
        results: dict[tuple[str, str], list[dict[str, Any]]] = {m[:2]: [] for m in modes}
        for _ in range(args.runs):
            for name, kind, rows in modes:  # interleaved
                results[name, kind].append(
                    run_child(
                        sources[name],
                        csv_path,
                        folder,
                        script=__file__,
                        extra=["--rows", str(rows)],
                    )
                )
        print(
            f"{n:,} reports (quickstart x{args.overlay} at once), medians of {args.runs}, "
            "CPU µs per report"
        )
        print(f"{'revision':<12}{'batches':<16}{'total':>8}" + "".join(f"{s:>10}" for s in STAGES))
        for name in sources:
            med = {}
            for kind, rows in (("replay", args.replay_rows), ("live", args.live_rows)):
                runs = results[name, kind]
                per = {s: 1e6 * statistics.median(r["stages"][s] for r in runs) / n for s in STAGES}
                med[kind] = 1e6 * statistics.median(r["cpu"] for r in runs) / n
                print(
                    f"{name:<12}{kind + f' ({rows:,})':<16}{med[kind]:>8.1f}"
                    + "".join(f"{per[s]:>10.1f}" for s in STAGES)
                )
            print(f"{name:<12}live / replay: {med['live'] / med['replay']:.2f}x")


if __name__ == "__main__":
    main()
