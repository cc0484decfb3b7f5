"""Golden-file support: a decoded run summarised as JSON, to pin every format's output.

A summary holds the number of reports, the quarantine's rejections and skips by reason,
and per column a fingerprint (NaN count and rounded sum for numbers, a digest of the
values for text and flags) plus the first rows in full, so that a changed decoder
fails its golden test and the diff shows where.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine

DATA = Path(__file__).parent / "data"
FLOATS = ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u", "accuracy")
OTHERS = ("sensor", "identity", "track_number", "callsign", "squawk", "category")
FLAGS = ("transponder", "on_ground")
HEAD = 5


def _round(x: float, digits: int = 6) -> float | None:
    return None if not np.isfinite(x) else round(float(x), digits)


def summarise(batch: ReportBatch, q: Quarantine) -> dict[str, Any]:
    """The JSON summary of a decoded run (see the module docstring)."""
    columns: dict[str, Any] = {}
    for name in FLOATS:
        v = np.asarray(getattr(batch, name), dtype=np.float64)
        finite = v[np.isfinite(v)]
        columns[name] = {
            "nan": int(len(v) - len(finite)),
            "sum": _round(float(np.round(finite, 6).sum()), 3),
        }
    for name in (*OTHERS, *FLAGS):
        text = "\n".join(str(x) for x in getattr(batch, name).tolist())
        columns[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    head = [
        {
            **{k: _round(float(getattr(batch, k)[i])) for k in FLOATS},
            **{k: str(getattr(batch, k)[i]) for k in OTHERS},
            **{k: bool(getattr(batch, k)[i]) for k in FLAGS},
        }
        for i in range(min(HEAD, len(batch)))
    ]
    return {
        "reports": len(batch),
        "rejected": dict(sorted(q.by_reason.items())),
        "skipped": dict(sorted(q.skipped.items())),
        "columns": columns,
        "head": head,
    }


def expected(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{case}.expected.json").read_text("utf-8"))
    return data


def write_expected(case: str, summary: dict[str, Any]) -> None:
    text = json.dumps(summary, indent=1, sort_keys=True) + "\n"
    (DATA / f"{case}.expected.json").write_text(text, encoding="utf-8")


# -- the cases ---------------------------------------------------------------------------
# Each registered format has at least one case: (format, input, options). The input is a
# file committed under data/, or a member of the traffic wheel ("wheel:") or of the
# asterix-decoder sdist ("sdist:"), the real recordings the other tests use too.

WHEEL = "wheel:traffic/data/samples/"
SDIST = "sdist:asterix/sample_data/"
START = "2024-07-06T06:43:09Z"  # the traffic Beast sample's tick 0 (as in test_beast)
RADAR = {"*": {"lat": 45.8, "lon": 16.0, "alt": 150.0}}  # as in test_asterix_real

CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "beast": (
        "beast",
        WHEEL + "dump1090/sample_dump1090.bin",
        {"start": START, "receiver": (43.6293, 1.3638)},
    ),
    "raw": ("raw", "data/flight.avr", {"receiver": (49.0097, 2.5479)}),
    "sbs": ("sbs", "data/feed.sbs", {}),
    "jet1090": ("jet1090", WHEEL + "rs1090/full_flight_short.jsonl", {}),
    "aircraft_json": ("aircraft_json", "data/aircraft.json", {}),
    "readsb_trace": ("readsb_trace", WHEEL + "readsb/trace_full_ac671b.json", {}),
    "opensky": ("opensky", "data/rega.csv", {}),
    "opensky_parquet": ("opensky", "data/rega.parquet", {}),
    "detections": ("detections", "data/detections.jsonl", {}),
    "remoteid": ("remoteid", "data/remoteid.log", {}),
    "sapient": (
        "sapient",
        "data/sapient.bin",
        # sapient_sample.NODES; bearings put 2 km out (the option; by default they have
        # no position, tested in test_sapient)
        {"nodes": {"rf-1": {"lat": 52.25, "lon": 23.6, "alt": 150.0}}, "bearing_range_m": 2000.0},
    ),
    "asterix": ("asterix", SDIST + "cat048.raw", {"date": "2016-05-05", "radars": RADAR}),
    "asterix_pcap": ("asterix", SDIST + "cat_062_065.pcap", {"radars": RADAR}),
    # rega.csv as `replay --reports-out` wrote it (the JSON one with four bad lines)
    "reports_parquet": ("reports", "data/reports.parquet", {}),
    "reports_jsonl": ("reports", "data/reports.jsonl", {}),
}
