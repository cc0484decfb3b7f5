"""The ``traffic`` wheel's noisy flights, written as OpenSky state-vector CSV.

The samples (real OpenSky recordings, MIT, Xavier Olive) are pandas JSON; airsentry
reads OpenSky state vectors, so the test writes the same records in that format
(units converted to SI) and the command reads them through the real decoder.
"""

from __future__ import annotations

import csv
import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

KT, FT, FPM = 1852 / 3600, 0.3048, 0.3048 / 60
ROOT = "traffic/data/samples/noisy/"


def records(wheel: Path, name: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(gzip.decompress(z.read(f"{ROOT}{name}.json.gz")))
    if isinstance(data, dict):  # stored column-wise
        cols = list(data)
        return [{c: data[c].get(i) for c in cols} for i in data[cols[0]]]
    return list(data)


def _ms(v: Any) -> float | None:
    """Epoch seconds of a sample's time (milliseconds, or ISO text in some samples)."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v) / 1e3
    from airsentry.model import parse_time, to_epoch

    return to_epoch(parse_time(str(v)))


def write_opensky_csv(wheel: Path, name: str, path: Path) -> list[dict[str, Any]]:
    """Write sample ``name`` as OpenSky CSV at ``path``; returns its records."""
    recs = records(wheel, name)

    def scaled(r: dict[str, Any], key: str, k: float) -> Any:
        return "" if r.get(key) is None else float(r[key]) * k

    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time", "icao24", "lat", "lon", "velocity", "heading", "vertrate",
                    "callsign", "onground", "baroaltitude", "lastposupdate"])  # fmt: skip
        for r in recs:
            last = _ms(r.get("last_position"))
            w.writerow([
                _ms(r["timestamp"]), r["icao24"],
                "" if r.get("latitude") is None else r["latitude"],
                "" if r.get("longitude") is None else r["longitude"],
                scaled(r, "groundspeed", KT), "" if r.get("track") is None else r["track"],
                scaled(r, "vertical_rate", FPM), (r.get("callsign") or "").strip(),
                "true" if r.get("onground") else "false", scaled(r, "altitude", FT),
                "" if last is None else last,
            ])  # fmt: skip
    return recs
