"""Print the classifier's confusion table on the labelled ``traffic`` sample flights.

Usage::

    python tools/calibrate_classifier.py [PATH/TO/traffic-2.13-py3-none-any.whl]

The wheel defaults to ``$AIRSENTRY_TRAFFIC_WHEEL``. Flights and labels are those of
``tests/identify/traffic_samples.py`` (the test suite's calibration set), so the table
printed here is what ``tests/identify/test_classify_traffic.py`` holds to its floors.
Each misclassified flight is listed with the reasons the classifier gave, which is
where a threshold in ``identify/rules.py`` is tuned.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "identify"))

from traffic_samples import load_flights

from airsentry.identify.classify import TrackClassifier


def main(argv: list[str]) -> int:
    wheel = Path(argv[1] if len(argv) > 1 else os.environ.get("AIRSENTRY_TRAFFIC_WHEEL", ""))
    if not wheel.is_file():
        print("give the traffic wheel (pip download traffic==2.13 --no-deps)", file=sys.stderr)
        return 2
    flights = load_flights(wheel)
    clf = TrackClassifier()
    u = flights.updates
    for start in range(0, len(u), 5000):
        rows = np.arange(start, min(len(u), start + 5000))
        part = u.take(rows)
        result = clf.update(part)
        for i, tid in enumerate(part.track_id.tolist()):
            flights.name[tid] = (
                flights.name[tid].split(" | ")[0] + " | " + "; ".join(result.reasons[i])
            )
    tids = np.array(sorted(flights.label), dtype=np.int64)
    table: Counter[tuple[str, str]] = Counter()
    for tid, cls in zip(tids.tolist(), clf.latest(tids).tolist(), strict=True):
        table[(flights.label[tid], cls)] += 1
        if cls != flights.label[tid] and flights.label[tid] != "state":
            print(f"miss {flights.label[tid]:>15} → {cls:15} {flights.name[tid]}")
    print(f"\n{'label':15} {'classified':15} flights")
    for (label, cls), n in sorted(table.items()):
        print(f"{label:15} {cls:15} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
