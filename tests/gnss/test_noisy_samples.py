"""Done-when: the GNSS map of the ``traffic`` wheel's noisy samples marks the degraded
area and leaves clean areas clean.

``noisy_spoofing`` is a real Istanbul - Scandinavia flight (THY, 17 September 2024)
whose GNSS was spoofed over eastern Europe: for about half an hour it reports 38,000 ft
at under 150 kt (no airliner flies so) from positions around Lviv, far off its path,
before its positions come back 550 km away over northern Poland. That slow-at-cruise
state is the test's own ground truth, taken from the recording's fields, not from the
map. The landing, take-off and ground samples are noisy but not interfered with.
"""

from __future__ import annotations

import json
from pathlib import Path

import h3
import numpy as np
import pyarrow.parquet as pq
import shapely.geometry
from gnss_samples import write_opensky_csv

from airsentry.cli import main


def _map(tmp_path: Path, wheel: Path, name: str, *extra: str) -> tuple[dict, list[dict]]:
    csv_path = tmp_path / f"{name}.csv"
    recs = write_opensky_csv(wheel, name, csv_path)
    out = tmp_path / f"{name}.geojson"
    args = ["gnss", str(csv_path), "--format", "opensky", "--out", str(out), *extra]
    assert main(args) == 0
    return json.loads(out.read_text()), recs


def _key(lat: float, lon: float, t: float) -> tuple[str, int]:
    return h3.latlng_to_cell(lat, lon, 4), int(t // 3600 * 3600)


def test_spoofed_flight_marks_the_spoofed_area_and_leaves_the_rest_clean(
    tmp_path: Path, traffic_wheel: Path
) -> None:
    doc, recs = _map(tmp_path, traffic_wheel, "noisy_spoofing", "--min-aircraft", "1")
    status = {}
    for f in doc["features"]:
        p = f["properties"]
        hour = int(np.datetime64(p["hour"].rstrip("Z"), "s").astype(np.int64))
        status[(p["cell"], hour)] = p["status"]
    # Ground truth from the recording: airborne at cruise level and under 150 kt.
    slow = [r for r in recs
            if (r["groundspeed"] or 999) < 150 and (r["altitude"] or 0) > 20_000]  # fmt: skip
    start, end = min(r["timestamp"] for r in slow) / 1e3, max(r["timestamp"] for r in slow) / 1e3
    placed = [r for r in recs if r["latitude"] is not None and r["last_position"] is not None]
    spoofed = {_key(r["latitude"], r["longitude"], r["timestamp"] / 1e3)
               for r in placed if start <= r["last_position"] / 1e3 <= end}  # fmt: skip
    far = [r for r in placed if not start - 900 <= r["last_position"] / 1e3 <= end + 900]
    honest = {_key(r["latitude"], r["longitude"], r["timestamp"] / 1e3) for r in far}
    assert spoofed
    assert len(honest) > 20
    assert {status[k] for k in spoofed} == {"degraded"}, "a spoofed position's cell is not marked"
    assert {status[k] for k in honest} == {"clean"}, "an honest stretch of the flight is marked"
    # Nothing else is marked but the spoofed positions and where the flight came back.
    marked = {k for k, s in status.items() if s == "degraded"}
    back = [r for r in placed if r["last_position"] / 1e3 > end]
    assert marked - spoofed <= {
        _key(back[0]["latitude"], back[0]["longitude"], back[0]["timestamp"] / 1e3)
    }
    shapes = [shapely.geometry.shape(f["geometry"]) for f in doc["features"]]
    assert all(g.is_valid and g.exterior.is_ccw for g in shapes)  # RFC 7946 rings
    assert all(f["properties"]["jumps"] >= 1 for f in doc["features"]
               if f["properties"]["status"] == "degraded")  # fmt: skip


def test_noisy_but_honest_flights_map_clean(tmp_path: Path, traffic_wheel: Path) -> None:
    for name in ("noisy_landing", "noisy_takeoff"):
        doc, _ = _map(tmp_path, traffic_wheel, name, "--min-aircraft", "1")
        statuses = {f["properties"]["status"] for f in doc["features"]}
        assert statuses == {"clean"}, name


def test_one_aircraft_is_not_enough_to_call_a_cell(tmp_path: Path, traffic_wheel: Path) -> None:
    """With the default minimum (3 aircraft) a single flight's cells say so, with the
    count, and give no share; the Parquet output says the same."""
    csv_path = tmp_path / "spoof.csv"
    write_opensky_csv(traffic_wheel, "noisy_spoofing", csv_path)
    gj, pq_path = tmp_path / "m.geojson", tmp_path / "m.parquet"
    assert main(["gnss", str(csv_path), "--format", "opensky", "--out", str(gj),
                 "--out", str(pq_path)]) == 0  # fmt: skip
    props = [f["properties"] for f in json.loads(gj.read_text())["features"]]
    assert props
    assert all(p["status"] == "insufficient" for p in props)
    assert all(p["share"] is None and p["aircraft"] == 1 for p in props)
    table = pq.read_table(pq_path).to_pydict()
    assert set(table["status"]) == {"insufficient"}
    assert set(table["share"]) == {None}
    assert sorted(table["cell"]) == sorted(p["cell"] for p in props)
