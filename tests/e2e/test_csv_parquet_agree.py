"""The same OpenSky rows as CSV and as Parquet give the same reports and the same events.

Real rows: the ``onground/zurich_airport`` sample of the ``traffic`` wheel (aircraft
taxiing, taking off and landing at Zürich), written back as OpenSky state vectors. The
aircraft on the ground lose their altitude and speed (as OpenSky's surface reports often
do). The Parquet file is written the way other tools write it: times as UTC timestamps,
squawks as integers, callsigns dictionary-encoded, all-empty columns typed ``null``;
the CSV file is plain text. Both go through ``read_file`` and the whole pipeline.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from airsentry.build import open_run
from airsentry.config import DeploymentConfig
from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, read_file

SAMPLE = "traffic/data/samples/onground/zurich_airport.json.gz"
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60


def _rows(wheel: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(gzip.decompress(z.read(SAMPLE)))
    if isinstance(data, dict):  # stored column-wise
        cols = list(data)
        data = [{c: data[c].get(i) for c in cols} for i in data[cols[0]]]

    def si(value: float | None, factor: float) -> float | None:
        return None if value is None else value * factor

    rows = []
    for r in sorted(data, key=lambda r: r["timestamp"]):
        ground = bool(r.get("onground"))
        rows.append(
            {
                "time": r["timestamp"] // 1000,
                "icao24": r["icao24"],
                "lat": r.get("latitude"),
                "lon": r.get("longitude"),
                "velocity": None if ground else si(r.get("groundspeed"), KT),
                "heading": r.get("track"),
                "vertrate": None if ground else si(r.get("vertical_rate"), FPM),
                "callsign": r.get("callsign"),
                "onground": ground,
                "squawk": r.get("squawk"),
                "baroaltitude": None if ground else si(r.get("altitude"), FT),
                "geoaltitude": None,
                "lastposupdate": r["timestamp"] / 1000,
            }
        )
    return rows


def _files(rows: list[dict[str, Any]], folder: Path) -> tuple[Path, Path]:
    table = pa.Table.from_pylist(rows)
    csv_path, pq_path = folder / "rows.csv", folder / "rows.parquet"
    pacsv.write_csv(table, csv_path)
    typed = table.set_column(
        table.schema.get_field_index("time"),
        "time",
        pc.cast(pc.multiply(table["time"], 1), pa.timestamp("s", tz="UTC")),
    )
    squawk = [None if s is None else int(s) for s in table["squawk"].to_pylist()]
    typed = typed.set_column(
        typed.schema.get_field_index("squawk"), "squawk", pa.array(squawk, pa.int64())
    )
    typed = typed.set_column(
        typed.schema.get_field_index("callsign"), "callsign", table["callsign"].dictionary_encode()
    )
    pq.write_table(typed, pq_path)
    return csv_path, pq_path


def _replay(path: Path, db: Path) -> tuple[ReportBatch, list[tuple[Any, ...]]]:
    quarantine = Quarantine()
    batches = list(read_file(path, "opensky", quarantine))
    assert quarantine.count == 0, quarantine.summary()
    with open_run(DeploymentConfig(db=db)) as run:
        steps = run.pipeline.run(batches)
    events = [
        (e.kind, e.time, e.identity, e.zone_id, e.authorised, e.reasons)
        for step in steps
        for e in step.events
    ]
    return ReportBatch.concat(batches), events


def test_csv_and_parquet_give_the_same_events(traffic_wheel: Path, tmp_path: Path) -> None:
    rows = _rows(traffic_wheel)
    assert any(r["onground"] and r["baroaltitude"] is None for r in rows)
    csv_path, pq_path = _files(rows, tmp_path)
    from_csv, events_csv = _replay(csv_path, tmp_path / "csv.sqlite")
    from_pq, events_pq = _replay(pq_path, tmp_path / "pq.sqlite")
    assert len(from_csv) == len(from_pq) == sum(r["lat"] is not None for r in rows)
    for name in ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u"):
        np.testing.assert_array_equal(getattr(from_csv, name), getattr(from_pq, name), name)
    for name in ("identity", "callsign", "squawk", "on_ground"):
        assert getattr(from_csv, name).tolist() == getattr(from_pq, name).tolist(), name
    assert events_csv, "the sample makes events (else the comparison proves nothing)"
    assert events_csv == events_pq
