"""The map's rules on small batches: counting aircraft once, the minimum, the shares,
jumps across batches, identities that share a hash, and the picture."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from airsentry.cli import main
from airsentry.gnss import GnssConfig, GnssMap, geojson
from airsentry.gnss import flags as flags_module
from airsentry.model import ReportBatch
from airsentry.nav import NavIntegrity

T0 = 1_757_919_600.0  # 2025-09-15T07:00:00Z, an hour's start


def reports(n_aircraft: int, *, bad: int = 0, lat: float = 54.5, lon: float = 18.5,
            t0: float = T0, first: int = 0) -> ReportBatch:  # fmt: skip
    """Ten reports a second apart from each of ``n_aircraft`` aircraft, all in one cell
    (a few metres apart); the first ``bad`` of them report NACp 0."""
    k = np.repeat(np.arange(n_aircraft), 10)
    t = t0 + np.tile(np.arange(10.0), n_aircraft)
    batch = ReportBatch.build(
        t=t, lat=lat + k * 1e-5, lon=lon + t * 0.0, transponder=True,
        identity=np.array([f"icao:{0xA00000 + first + i:06x}" for i in k], dtype=object),
    )  # fmt: skip
    nacp = np.where(k < bad, 0, 10)
    return batch.replace_columns(nav=NavIntegrity.build(len(t), nacp=nacp, nic=8, sil=3))


def one(gmap: GnssMap) -> dict:
    doc = geojson(gmap.table(), gmap.config)
    assert len(doc["features"]) == 1
    return doc["features"][0]["properties"]


def test_too_few_aircraft_say_so_with_the_count() -> None:
    gmap = GnssMap(GnssConfig(min_aircraft=3))
    gmap.add(reports(2, bad=2))
    p = one(gmap)
    assert (p["status"], p["aircraft"], p["share"], p["degraded"]) == ("insufficient", 2, None, 2)


@pytest.mark.parametrize(("bad", "status"), [(0, "clean"), (1, "suspect"), (5, "degraded")])
def test_share_and_status(bad: int, status: str) -> None:
    gmap = GnssMap(GnssConfig())
    gmap.add(reports(40, bad=bad))
    gmap.add(reports(40, bad=bad, t0=T0 + 10))  # the same aircraft again: counted once
    p = one(gmap)
    assert (p["aircraft"], p["degraded"], p["status"]) == (40, bad, status)
    assert p["share"] == pytest.approx(bad / 40)
    assert p["with_nav"] == 40


def test_a_jump_across_batches_marks_both_ends() -> None:
    gmap = GnssMap(GnssConfig(min_aircraft=1))
    gmap.add(reports(1))
    gmap.add(reports(1, lat=56.0, t0=T0 + 20))  # 167 km in 11 s
    table = gmap.table()
    assert table.status.tolist() == ["degraded", "degraded"]
    assert table.jumps.tolist() == [1, 1]
    assert table.nav_low.tolist() == [0, 0]
    gmap.add(reports(1, lat=56.0, t0=T0 + 1800))  # then steady: nothing new
    assert gmap.table().jumps.tolist() == [1, 1]


def test_identities_that_share_a_hash_stay_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flags_module, "_hash", np.frompyfunc(lambda s: 7, 1, 1))
    gmap = GnssMap(GnssConfig(min_aircraft=1))
    gmap.add(reports(4, bad=1))
    p = one(gmap)
    assert (p["aircraft"], p["degraded"]) == (4, 1)


def test_the_picture(tmp_path: Path) -> None:
    batch = reports(3, bad=1)
    path = tmp_path / "in.jsonl"
    rows = [
        {"timestamp": float(t), "icao24": str(i)[5:], "df": "17", "bds": "05",
         "latitude": float(a), "longitude": float(b), "altitude": 30000, "NUCp": 7}
        for t, i, a, b in zip(batch.t, batch.identity, batch.lat, batch.lon, strict=True)
    ]  # fmt: skip
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    png = tmp_path / "map.png"
    code = main(["gnss", str(path), "--format", "jet1090", "--out", str(png)])
    if importlib.util.find_spec("matplotlib") is not None:
        assert code == 0
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert code == 2
        assert not png.exists()


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("time,icao24,lat,lon\n")
    assert main(["gnss", str(path), "--format", "opensky", "--out", str(tmp_path / "m.txt")]) == 2
    assert main(["gnss", str(path), "--format", "opensky", "--out", str(tmp_path / "m.geojson"),
                 "--resolution", "16"]) == 2  # fmt: skip
    assert main(["gnss", str(tmp_path / "missing.csv"), "--format", "opensky",
                 "--out", str(tmp_path / "m.geojson")]) == 2  # fmt: skip
    assert (
        main(["gnss", str(path), "--format", "opensky", "--out", str(tmp_path / "m.geojson")]) == 1
    )


def test_maps_of_parts_merge_into_the_map_of_the_whole() -> None:
    parts = [reports(3, bad=1), reports(4, bad=2, first=3), reports(2, first=7, lat=60.0)]
    whole, merged = GnssMap(), GnssMap()
    for p in parts:
        whole.add(p)
        part = GnssMap()
        part.add(p)
        merged.merge(part)
    a, b = whole.table(), merged.table()
    assert a.cell.tolist() == b.cell.tolist()
    rows = sorted(zip(b.aircraft.tolist(), b.degraded.tolist(), b.status.tolist(), strict=True))
    assert rows == [(2, 0, "insufficient"), (7, 3, "degraded")]
    assert a.aircraft.tolist() == b.aircraft.tolist()
    assert a.degraded.tolist() == b.degraded.tolist()
    assert a.status.tolist() == b.status.tolist()
    assert merged.reports == whole.reports
