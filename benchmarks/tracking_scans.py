"""Benchmark: the fused tracker's cost per sensor scan, against a named baseline revision.

The default tracker spends almost all of a plots scenario in the anonymous part's sensor
scans: ``airsentry evaluate september-2025 --variant plots`` runs some 17,000 scans of a
few plots each, and a scan's cost is fixed overhead (NumPy calls on tiny arrays), not
work per plot. This measures that cost where it arises.

Input: a library scenario's plots variant (default ``oslo-2025-09-22``, seed 0: radars
sending ASTERIX CAT048 plots with clutter, decoded by airsentry's own decoder), observed
once in this process and cut into the batches ``airsentry evaluate`` feeds its pipeline;
pickled to a temporary folder so that every measured run gets the same reports.

Each measured run is its own process (``--child``) that feeds those batches to the
default tracker (:class:`~airsentry.tracking.combined.CombinedTracker`, built as the
pipeline builds it) and times, in CPU time (``time.process_time``), every sensor scan
(each call of the fused tracker's per-scan function) and the whole tracker. It also
prints a digest of everything the tracker output (track ids, filtered states, ended
tracks): equal digests mean the two revisions gave bit-identical results.

The **baseline** is the same run against another revision of the source (``--baseline
REF``, default ``b061101``, the commit before the latest per-scan work), extracted with
``git archive``: runs alternate between current and baseline (interleaved), ``--runs``
each, and medians are printed with their ratio.

Latest figures (``oslo-2025-09-22`` plots, seed 0, 4,936 scans; 2 cores shared with two
other sessions, a soak and a niced ``evaluate``, load average ~4; medians of 3
interleaved runs): the crowd count of the point/extended test
(:mod:`~airsentry.tracking.clutterextent`) without its fixed cost (pair rows found by
one ``searchsorted``, a distance matrix instead of a k-d tree for a scan's few plots,
the clutter-map lookup only for tracks whose crowd it can change, the frame's four
columns read at the plots' rows instead of a ``SensorFrame.take``):

=================  ============  ===========  ===========  =============
revision           us/scan mean  us/scan p50  scans CPU-s  tracker CPU-s
=================  ============  ===========  ===========  =============
current            1,090         1,163        5.38         6.01
baseline b061101   1,298         1,369        6.41         7.02
=================  ============  ===========  ===========  =============

1.19x per scan (mean), 1.18x (median), 1.17x for the whole default tracker, identical
output digests (``c45ee2d86224479e``): some 0.2 ms less per scan, about 5 CPU-minutes
of ``evaluate september-2025 --variant plots`` (~1.5 M scans).

The per-scan work before that, against ``a62ff72`` (same input: 19,174 reports, 4,936
scans of 3.9 plots on average against some 10 live tracks; 2 cores shared with four
other sessions at load average ~9, so quote the ratios; medians of 3 interleaved runs):

=================  ============  ===========  ===========  =============
revision           us/scan mean  us/scan p50  scans CPU-s  tracker CPU-s
=================  ============  ===========  ===========  =============
then               1,121         1,083        5.53         6.47
baseline a62ff72   1,560         1,539        7.70         8.76
=================  ============  ===========  ===========  =============

1.39x per scan (mean), 1.42x (median), 1.35x for the whole default tracker, identical
output digests. At load ~5 the same comparison gave 1.54x (1,359 against 880 us per
scan); on ``estonia-2025-09-19`` 1.47x. What a scan still costs: the IMM prediction
(~13 %), the polar EKF update (~15 %), initiation of tentative tracks (~11 %), the
clutter map and existence (~13 %), gating, bookkeeping and output (the rest), each a
few dozen NumPy calls on arrays of one to ten rows.

Run: ``python benchmarks/tracking_scans.py [--scenario NAME] [--runs 3]``; also run by
``benchmarks/tracking.py`` (skip with ``--no-scans``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import baseline_source, run_child  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "b061101"
FIGURES = ("scan_us_median", "scan_us_mean", "scans_cpu_s", "tracker_cpu_s")


def build_input(scenario: str, seed: int, path: Path) -> int:
    """Observe the scenario's plots variant and pickle the evaluate batches to ``path``."""
    import itertools

    import numpy as np

    from airsentry.sim.scenario import resolve
    from airsentry.sim.score import ScoreSettings
    from airsentry.sim.sensors import observe
    from airsentry.sim.variants import variant

    feed = observe(variant(resolve(scenario), "plots"), seed)
    slot = np.floor((feed.arrival - feed.arrival[0]) / ScoreSettings().batch_s).astype(np.int64)
    bounds = np.r_[0, np.flatnonzero(np.diff(slot)) + 1, len(feed)]
    batches = [feed.reports.take(slice(int(a), int(b))) for a, b in itertools.pairwise(bounds)]
    path.write_bytes(pickle.dumps(batches))
    return len(feed)


def child(path: Path) -> dict[str, Any]:
    """One measured run of the source on ``PYTHONPATH``: per-scan and total CPU, digest."""
    import numpy as np

    from airsentry.config import PipelineConfig
    from airsentry.tracking import mtt
    from airsentry.tracking.combined import CombinedTracker
    from airsentry.tracking.cooperative import CooperativeTracker

    batches = pickle.loads(path.read_bytes())
    scan_cpu: list[float] = []
    per_scan = mtt.run_any_scan  # the function the fused tracker calls once per scan

    def timed(*args: Any) -> Any:
        start = time.process_time()
        out = per_scan(*args)
        scan_cpu.append(time.process_time() - start)
        return out

    mtt.run_any_scan = timed  # type: ignore[assignment]
    cfg = PipelineConfig()
    tracker = CombinedTracker(
        CooperativeTracker(cfg.tracking), mtt.FusedTracker.from_config(cfg.fused)
    )
    digest = hashlib.sha256()
    start = time.process_time()
    for batch in batches:
        updates, ended = tracker.process(batch)
        digest.update(updates.track_id.tobytes())
        for col in ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u", "accuracy"):
            digest.update(np.ascontiguousarray(getattr(updates.state, col)).tobytes())
        digest.update(repr(sorted((e.track.track_id, e.reason) for e in ended)).encode())
    ended = tracker.flush()
    digest.update(repr(sorted((e.track.track_id, e.reason) for e in ended)).encode())
    total = time.process_time() - start
    return {
        "scans": len(scan_cpu),
        "scan_us_median": 1e6 * float(np.median(scan_cpu)),
        "scan_us_mean": 1e6 * float(np.mean(scan_cpu)),
        "scans_cpu_s": float(np.sum(scan_cpu)),
        "tracker_cpu_s": total,
        "digest": digest.hexdigest()[:16],
    }


def compare(scenario: str, seed: int, runs: int, baseline: str | None) -> None:
    """Per-scan CPU of the current source against ``baseline`` (interleaved runs)."""
    with tempfile.TemporaryDirectory(prefix="airsentry-scans-") as tmp:
        folder = Path(tmp)
        path = folder / "batches.pickle"
        reports = build_input(scenario, seed, path)
        versions = {"current": ROOT / "src"}
        if baseline:
            versions[f"baseline {baseline}"] = baseline_source(baseline, folder)
        results: dict[str, list[dict[str, Any]]] = {v: [] for v in versions}
        for _ in range(runs):  # interleaved: one run of each version in turn
            for name, src in versions.items():
                results[name].append(run_child(src, path, folder, script=__file__))
        first = next(iter(results.values()))[0]
        print(f"\nper sensor scan: {scenario} plots, seed {seed}, {reports:,} reports, "
              f"{first['scans']:,} scans; CPU, medians of {runs} interleaved runs")  # fmt: skip
        med: dict[str, dict[str, float]] = {}
        for name, rs in results.items():
            med[name] = {k: statistics.median(r[k] for r in rs) for k in FIGURES}
            m = med[name]
            print(f"  {name:<18} {m['scan_us_median']:7.0f} us/scan (median)  "
                  f"{m['scan_us_mean']:7.0f} us/scan (mean)  scans {m['scans_cpu_s']:6.2f} CPU-s  "
                  f"tracker {m['tracker_cpu_s']:6.2f} CPU-s  digest {rs[0]['digest']}")  # fmt: skip
        if len(med) == 2:
            cur, base = med.values()
            digests = {r["digest"] for rs in results.values() for r in rs}
            same = "identical outputs" if len(digests) == 1 else "OUTPUTS DIFFER"
            print(f"  ratio baseline/current: {base['scan_us_mean'] / cur['scan_us_mean']:.2f}x "
                  f"per scan (mean), {base['scan_us_median'] / cur['scan_us_median']:.2f}x "
                  f"(median), tracker {base['tracker_cpu_s'] / cur['tracker_cpu_s']:.2f}x; "
                  f"{same}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)  # given by run_child, unused
    ap.add_argument("--scenario", default="oslo-2025-09-22", help="library scenario (plots)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return
    compare(args.scenario, args.seed, args.runs, None if args.no_baseline else args.baseline)


if __name__ == "__main__":
    main()
