"""A real recording for scan tests: the ``traffic`` wheel's Switzerland collection
(842 aircraft over Switzerland on 2018-08-01, recorded by the OpenSky Network) written
back as OpenSky state vectors (SI units, Impala column names), split by time into
several files, with a few broken rows, and a temporary restricted zone over the Zürich
area that admits nobody, so entries, approaches, exits, swarms and incidents happen.

The wheel is read with :mod:`zipfile`; ``traffic`` is never imported.
"""

from __future__ import annotations

import csv
import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

SAMPLE = "traffic/data/samples/collections/switzerland.json.gz"
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60
HEADER = ["time", "icao24", "lat", "lon", "velocity", "heading", "vertrate", "callsign",
          "onground", "squawk", "baroaltitude", "geoaltitude", "lastposupdate"]  # fmt: skip
# a temporary restriction (admits nothing) over Zürich and the lake, 2018-08-01 all day
ZONE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "id": "zrh-tra",
                "name": "Zurich TRA",
                "kind": "temporary",
                "owner": "CHE",
                "valid_from": "2018-08-01T00:00:00Z",
                "valid_to": "2018-08-02T00:00:00Z",
            },
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[8.35, 47.30], [8.75, 47.30], [8.75, 47.55], [8.35, 47.55], [8.35, 47.30]]
                ],
            },
        }
    ],
}


def rows(wheel: Path, *, every: int = 4, limit_s: float = 3 * 3600.0) -> list[dict[str, Any]]:
    """Every ``every``-th state vector of the first ``limit_s`` seconds, time-ordered,
    with a 10-minute hole (all aircraft) in the middle: the feed's silence."""
    with zipfile.ZipFile(wheel) as z:
        recs = json.loads(gzip.decompress(z.read(SAMPLE)))
    recs.sort(key=lambda r: (r["timestamp"], r["icao24"]))
    t0 = recs[0]["timestamp"] / 1000
    hole = (t0 + limit_s / 2, t0 + limit_s / 2 + 600)
    out = []
    for r in recs[::every]:
        t = r["timestamp"] / 1000
        if t - t0 > limit_s or hole[0] <= t < hole[1]:
            continue

        def si(key: str, factor: float, r: dict[str, Any] = r) -> float | None:
            v = r.get(key)
            return None if v is None else v * factor

        out.append({
            "time": int(t), "icao24": r["icao24"], "lat": r.get("latitude"),
            "lon": r.get("longitude"), "velocity": si("groundspeed", KT),
            "heading": r.get("track"), "vertrate": si("vertical_rate", FPM),
            "callsign": (r.get("callsign") or "").strip(), "onground": False, "squawk": None,
            "baroaltitude": si("altitude", FT), "geoaltitude": None, "lastposupdate": t,
        })  # fmt: skip
    return out


def write_csv(path: Path, part: list[dict[str, Any]], *, broken: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, HEADER)
        w.writeheader()
        for i, row in enumerate(part):
            w.writerow(row)
            if broken and i == 10:
                fh.write("not,a,state,vector\n")  # wrong width: quarantined with its line
                w.writerow(row | {"lat": 123.0})  # out of range: quarantined


def write_parquet(path: Path, part: list[dict[str, Any]]) -> None:
    pq.write_table(pa.Table.from_pylist(part), path)


def recording(wheel: Path, folder: Path, files: int = 3) -> list[Path]:
    """The recording split by time into ``files`` files (CSV, Parquet alternately)."""
    data = rows(wheel)
    n = len(data)
    paths = []
    for k in range(files):
        part = data[k * n // files : (k + 1) * n // files]
        if k % 2 == 0:
            path = folder / f"states-{k}.csv"
            write_csv(path, part, broken=k == 0)
        else:
            path = folder / f"states-{k}.parquet"
            write_parquet(path, part)
        paths.append(path)
    return paths


def zone_file(folder: Path) -> Path:
    path = folder / "zrh.geojson"
    path.write_text(json.dumps(ZONE), encoding="utf-8")
    return path
