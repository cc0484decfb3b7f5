"""Where the batches are cut changes nothing: the same rows give the same events.

Real rows: two OpenSky recordings of the ``traffic`` wheel (``collections/quickstart``,
an afternoon over Paris, and ``collections/switzerland``, a night and day over
Switzerland with one event per ~9 reports), written as OpenSky state vectors to CSV
and to Parquet. The CSV reader hands over batches of ~8,000 rows, the Parquet reader of
100,000; the Parquet rows are also cut into batches of 997. Every replay must give the
same events, to the track id and the reasons.

What used to differ (issue 12; each a fix with this test):

* a key silent for longer than the tracker's ``expire_s`` *inside* a batch kept its
  track (Paris: an aircraft parked at Le Bourget, silent for 7 minutes, made an exit and
  a re-entry only when the cut fell in its silence), and new tracks of one batch took
  their ids in key order rather than in order of appearance;
* an approach warning re-armed by an entry only after the batch, so a second approach
  after an entry in the same batch was not reported (Switzerland);
* the classifier's altitude before a batch's first known altitude came from the
  filtered altitude, not the last reported one, so a class's reasons quoted a
  different row (Paris).
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from airsentry.build import open_run
from airsentry.config import DeploymentConfig
from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, read_file

SAMPLES = ("quickstart", "switzerland")
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60


def _files(wheel: Path, sample: str, folder: Path) -> tuple[Path, Path]:
    """The sample as OpenSky state vectors (SI units), in time order, CSV and Parquet."""
    with zipfile.ZipFile(wheel) as z:
        records = json.loads(
            gzip.decompress(z.read(f"traffic/data/samples/collections/{sample}.json.gz"))
        )
    records.sort(key=lambda r: r["timestamp"])

    def col(name: str, factor: float = 1.0) -> np.ndarray:
        return np.array(
            [np.nan if r.get(name) is None else r[name] * factor for r in records], dtype=float
        )

    t = np.array([r["timestamp"] for r in records], dtype=np.int64) // 1000
    alt = col("altitude", FT)
    table = pa.table(
        {
            "time": t,
            "icao24": pa.array([str(r["icao24"]) for r in records], pa.string()),
            "lat": col("latitude"),
            "lon": col("longitude"),
            "velocity": col("groundspeed", KT),
            "heading": col("track"),
            "vertrate": col("vertical_rate", FPM),
            "callsign": pa.array([r.get("callsign") for r in records], pa.string()),
            "onground": pa.array([r.get("onground") for r in records], pa.bool_()),
            "squawk": pa.array([r.get("squawk") for r in records], pa.string()),
            "baroaltitude": alt,
            "geoaltitude": alt,
            "lastposupdate": t.astype(float),
        }
    )
    csv_path, pq_path = folder / f"{sample}.csv", folder / f"{sample}.parquet"
    pacsv.write_csv(table, csv_path)
    pq.write_table(table, pq_path)
    return csv_path, pq_path


def _read(path: Path) -> list[ReportBatch]:
    quarantine = Quarantine()
    batches = list(read_file(path, "opensky", quarantine))
    assert quarantine.count == 0, quarantine.summary()
    return batches


def _events(batches: list[ReportBatch], db: Path) -> list[tuple[Any, ...]]:
    with open_run(DeploymentConfig(db=db)) as run:
        steps = run.pipeline.run(batches)
        events = [
            (e.kind, e.time, e.track_id, e.identity, e.zone_id, e.authorised, e.reasons)
            for step in steps
            for e in step.events
        ]
    return sorted(events, key=repr)


def _cut(batches: list[ReportBatch], size: int) -> list[ReportBatch]:
    rows = ReportBatch.concat(batches)
    return [rows.take(np.arange(i, min(i + size, len(rows)))) for i in range(0, len(rows), size)]


@pytest.mark.parametrize("sample", SAMPLES)
def test_csv_parquet_and_any_cut_give_the_same_events(
    sample: str, traffic_wheel: Path, tmp_path: Path
) -> None:
    csv_path, pq_path = _files(traffic_wheel, sample, tmp_path)
    from_csv, from_pq = _read(csv_path), _read(pq_path)
    assert max(map(len, from_csv)) < 20_000 < max(map(len, from_pq))  # cut differently
    want = _events(from_pq, tmp_path / "pq.sqlite")
    assert len(want) > 1000  # the recordings make events, else this proves nothing
    assert _events(from_csv, tmp_path / "csv.sqlite") == want
    assert _events(_cut(from_pq, 997), tmp_path / "997.sqlite") == want
