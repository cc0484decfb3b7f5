"""Benchmark: the threat assessment's geometry over an incident of many objects.

Input, built here (``tests/threat_reference.random_scene``): ``--objects`` objects near
59 N 25 E (straight, turning, circling, parked), up to 29 positions each, and
``--sites`` protected sites of the incident's owner. The **baseline**, named
``per-object``, is the loop as it was (``tests/threat_reference.reference_objects``:
a dozen small NumPy calls and one site query per object); the measured one is
:func:`airsentry.respond.threat._objects` (each question asked once over every path,
the sites in chunks). Both must give the same answer (checked). Runs alternate
(interleaved), ``--runs`` each; medians of CPU time and the ratio are printed.

The assessment runs whenever an incident changes (the recommender reads it), so a
swarm incident pays this per batch.

Run: ``python benchmarks/threat.py [--objects 2000] [--sites 100] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import numpy as np  # noqa: E402

from _timing import interleaved, medians  # noqa: E402
from airsentry.respond import threat  # noqa: E402
from threat_reference import random_scene, reference_objects  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    paths, entries, own = random_scene(args.objects, args.sites, 1)
    s_lat = np.array([s.lat for s in own], dtype=np.float64)
    s_lon = np.array([s.lon for s in own], dtype=np.float64)
    cpu, out = interleaved(
        {
            "vectorised": lambda: threat._objects(
                paths, dict(entries), own, s_lat, s_lon, 20.0, 3600.0
            ),
            "per-object": lambda: reference_objects(
                paths, entries, own, s_lat, s_lon, 20.0, 3600.0
            ),
        },
        args.runs,
    )
    got, want = out["vectorised"], out["per-object"]
    if got.heading_to != want["heading_to"] or got.headings != want["headings"]:
        raise SystemExit("the two disagree")
    print(f"{args.objects:,} objects, {args.sites} sites, medians of {args.runs}:")
    med = medians(cpu)
    for name, seconds in med.items():
        print(f"  {name:<11} {1000 * seconds:8.1f} ms CPU")
    print(f"  per-object / vectorised: {med['per-object'] / med['vectorised']:.1f}x CPU")


if __name__ == "__main__":
    main()
