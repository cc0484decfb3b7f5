"""NACp, NIC and SIL from the real recordings of the ``traffic`` wheel, through the
decoders, onto ``ReportBatch.nav``; and a readsb trace whose aircraft lost GNSS for a
while (its own ``nac_p``/``nic`` set to 0 there) is mapped as degraded there only."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from airsentry.gnss import GnssConfig, GnssMap
from airsentry.gnss.cells import CellIndex
from airsentry.model import ReportBatch
from airsentry.nav import NavIntegrity
from airsentry.sources.base import Quarantine, read_file

ROOT = "traffic/data/samples/"


def extract(wheel: Path, name: str, tmp_path: Path) -> Path:
    with zipfile.ZipFile(wheel) as z:
        out = tmp_path / Path(name).name
        out.write_bytes(z.read(ROOT + name))
    return out


def read(path: Path, fmt: str, **options: object) -> ReportBatch:
    q = Quarantine(keep_in_memory=10)
    return ReportBatch.concat(list(read_file(path, fmt, q, **options)))


def test_readsb_trace_carries_nacp_nic_sil(tmp_path: Path, traffic_wheel: Path) -> None:
    batch = read(extract(traffic_wheel, "readsb/trace_full_ac671b.json", tmp_path), "readsb_trace")
    assert batch.nav is not None
    known = batch.nav.nacp >= 0
    assert known.mean() > 0.99  # carried from the first details object on
    assert set(batch.nav.nacp[known].tolist()) <= {8, 10}
    assert set(batch.nav.nic[batch.nav.nic >= 0].tolist()) == {8}
    assert set(batch.nav.sil[batch.nav.sil >= 0].tolist()) <= {2, 3}
    assert not batch.nav.degraded().any()


def test_beast_and_jet1090_carry_what_they_have(tmp_path: Path, traffic_wheel: Path) -> None:
    beast = read(extract(traffic_wheel, "dump1090/sample_dump1090.bin", tmp_path), "beast",
                 start="2020-01-01T00:00:00Z")  # fmt: skip
    assert beast.nav is not None
    assert len(beast)
    assert (beast.nav.nic >= 0).all()  # every airborne position's type code gives a NIC
    jet = read(extract(traffic_wheel, "rs1090/full_flight_short.jsonl", tmp_path), "jet1090")
    assert jet.nav is not None
    assert set(jet.nav.nic.tolist()) <= {7, 8}  # NUCp 6 and 7 in this flight
    assert (jet.nav.nacp == -1).all()  # rs1090's position lines have no NACp


def test_nav_survives_take_and_concat() -> None:
    a = ReportBatch.build(t=[1.0, 2.0], lat=[50, 50], lon=[20, 20])
    a = a.replace_columns(nav=NavIntegrity.build(2, nacp=[9, 0], nic=[8, np.nan]))
    b = ReportBatch.build(t=[3.0], lat=[51], lon=[21])
    both = ReportBatch.concat([a, b])
    assert both.nav is not None
    assert both.nav.nacp.tolist() == [9, 0, -1]
    assert both.nav.nic.tolist() == [8, -1, -1]
    assert both.take([1]).nav.degraded().tolist() == [True]  # type: ignore[union-attr]
    assert ReportBatch.concat([b, b]).nav is None


def test_a_trace_that_lost_gnss_is_degraded_there_only(tmp_path: Path, traffic_wheel: Path) -> None:
    path = extract(traffic_wheel, "readsb/trace_full_ac671b.json", tmp_path)
    doc = json.loads(path.read_text())
    trace = doc["trace"]
    lost = range(len(trace) // 2, len(trace) // 2 + 200)
    for i in [*lost, lost.stop]:  # the details sent meanwhile: no GNSS; then healthy again
        if i in (lost.start, lost.stop) or trace[i][8]:
            healthy = i == lost.stop
            details = dict(trace[i][8] or {"type": "adsb_icao"})
            details.update({"nac_p": 10 if healthy else 0, "nic": 8 if healthy else 0})
            trace[i][8] = details
    path.write_text(json.dumps(doc))
    gmap = GnssMap(GnssConfig(min_aircraft=1))
    batch = read(path, "readsb_trace")
    gmap.add(batch)
    table = gmap.table(merge_hours=True)
    assert set(table.status.tolist()) == {"clean", "degraded"}
    t0, t1 = doc["timestamp"] + trace[lost.start][0], doc["timestamp"] + trace[lost.stop][0]
    inside = (batch.t >= t0) & (batch.t < t1)
    cells = CellIndex(4).cells(batch.lat, batch.lon)
    degraded = set(table.cell[table.status == "degraded"].tolist())
    assert degraded == set(cells[inside].tolist())
    assert (table.nav_low[table.status == "degraded"] == 1).all()
