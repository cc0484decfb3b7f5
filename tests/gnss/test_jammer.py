"""A GNSS jammer in the simulator: aircraft inside its radius lose NACp and NIC, and the
map marks the jammed area, live (the pipeline's sink, the server's ``/api/gnss``) and
offline alike.

The scenario is the library's dense airline traffic (40 airliners over the Baltic)
with a jammer added near Kaliningrad, its ADS-B kept as reports (SBS-1 text has no
integrity fields).
"""

from __future__ import annotations

import math
import time

import h3
import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient

from airsentry.config import DeploymentConfig
from airsentry.errors import ScenarioError
from airsentry.gnss import GnssConfig, GnssLayer, GnssMap, geojson
from airsentry.sim.scenario import LIBRARY, parse_scenario
from airsentry.sim.sensors import generate
from airsentry.step import Step

JAMMER = {"lat": 54.9, "lon": 20.6}
RADIUS_M = 120_000.0
CELL_M = 30_000.0  # a resolution-4 cell reaches this far from any of its points


def scenario(**jammer: object) -> object:
    doc = yaml.safe_load((LIBRARY / "control-airline-traffic.yaml").read_text())
    for s in doc["sensors"]:
        if s["kind"] == "adsb":
            s["format"] = "reports"
    doc["jammers"] = [{"id": "kaliningrad", "site": JAMMER, "radius_m": RADIUS_M, **jammer}]
    return parse_scenario(doc, source="test")


def distance_m(lat: float, lon: float) -> float:
    return h3.great_circle_distance((lat, lon), (JAMMER["lat"], JAMMER["lon"]), unit="m")


def check_map(doc: dict) -> None:
    """Degraded cells near the jammer only; clean cells beyond its reach; some of each."""
    seen = {"degraded": 0, "clean": 0}
    for f in doc["features"]:
        p = f["properties"]
        d = distance_m(*h3.cell_to_latlng(p["cell"]))
        if p["status"] in ("degraded", "suspect"):
            assert d < RADIUS_M + CELL_M, p
            assert p["nav_low"] >= 1
            seen["degraded"] += p["status"] == "degraded"
        if d > RADIUS_M + CELL_M and p["status"] != "insufficient":
            assert p["status"] == "clean", p
            seen["clean"] += 1
    assert seen["degraded"] >= 3
    assert seen["clean"] >= 10


def test_aircraft_inside_the_jammer_lose_nacp() -> None:
    reports = generate(scenario(), seed=3)
    adsb = reports.take(reports.sensor == "adsb-net")
    assert adsb.nav is not None
    near = np.array([distance_m(a, b) for a, b in zip(adsb.lat, adsb.lon, strict=True)])
    inside, outside = near < RADIUS_M - 1000, near > RADIUS_M + 1000
    assert inside.any()
    assert set(adsb.nav.nacp[inside].tolist()) == {0}
    assert set(adsb.nav.nic[inside].tolist()) == {0}
    assert set(adsb.nav.nacp[outside].tolist()) == {10}


def test_a_jammer_switched_off_jams_nobody() -> None:
    reports = generate(scenario(active=[["2020-01-01T00:00:00Z", "2020-01-01T01:00:00Z"]]))
    assert reports.nav is not None
    assert set(reports.nav.nacp[reports.sensor == "adsb-net"].tolist()) == {10}


def test_a_bad_jammer_is_refused_with_its_place() -> None:
    doc = yaml.safe_load((LIBRARY / "control-airline-traffic.yaml").read_text())
    doc["jammers"] = [{"id": "j", "site": JAMMER, "radius_m": -5}]
    with pytest.raises(ScenarioError, match=r"jammer j\.radius_m"):
        parse_scenario(doc, source="test")


def test_offline_map_and_the_pipelines_sink_agree_and_mark_the_jammer(tmp_path) -> None:
    from airsentry.build import open_run
    from airsentry.cli._common import chunks

    reports = generate(scenario(), seed=1)
    config = GnssConfig(min_aircraft=3)
    offline = GnssMap(config)
    for part in chunks(reports):
        offline.add(part)
    table = offline.table(merge_hours=True)
    check_map(geojson(table, config))

    layer = GnssLayer(config)
    with open_run(DeploymentConfig(db=tmp_path / "run.sqlite"), sinks=[layer]) as run:
        run.pipeline.run(chunks(reports))
    live = layer.map.table(merge_hours=True)
    assert live.cell.tolist() == table.cell.tolist()
    assert live.status.tolist() == table.status.tolist()
    assert live.aircraft.tolist() == table.aircraft.tolist()
    layer.write(Step(final=True))  # the end-of-input step carries no batch


def test_the_console_layer_endpoint(tmp_path) -> None:
    from airsentry.cli._common import chunks
    from airsentry.server import create_app
    from airsentry.server.serving import open_context

    reports = generate(scenario(), seed=2)
    ctx = open_context(DeploymentConfig(db=tmp_path / "srv.sqlite"), list(chunks(reports)))
    token = ctx.users.add("viewer-user", "viewer")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        deadline = time.monotonic() + 60
        while not ctx.runner.done and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.05)
        assert client.get("/api/gnss").status_code == 401
        doc = client.get("/api/gnss?hours=6&merge=true", headers=headers).json()
        assert doc["type"] == "FeatureCollection"
        assert doc["properties"]["min_aircraft"] == 3
        check_map(doc)
        hourly = client.get("/api/gnss?hours=1", headers=headers).json()
        hours = {f["properties"]["hour"] for f in hourly["features"]}
        assert 1 <= len(hours) <= 2  # the newest hour (and the one it began in)
        ring = hourly["features"][0]["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        assert all(math.isfinite(x) for pt in ring for x in pt)
        assert client.get("/api/gnss?to=2025-09-15T07:00:00", headers=headers).status_code == 422
