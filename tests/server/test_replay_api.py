"""The track log behind the replay: what the demo recorded, read back by time and area
through the API; sampling, retention and the incident's paths and dossier."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from server_helpers import add_users, copy_db

from airsentry.config import DeploymentConfig
from airsentry.incidents import IncidentStore
from airsentry.incidents.tracklog import TrackLog
from airsentry.model import ReportBatch, TrackUpdates
from airsentry.outputs.history import TrackHistory
from airsentry.server import create_app
from airsentry.server.serving import open_context
from airsentry.step import Step

KASTRUP_BBOX = "12.55,55.56,12.72,55.67"


@pytest.fixture(scope="module")
def api(demo_db, tmp_path_factory):
    db = copy_db(demo_db, tmp_path_factory.mktemp("replay") / "replay.sqlite")
    ctx = open_context(DeploymentConfig(db=db), None)
    tokens = add_users(ctx)
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        yield client, {"Authorization": f"Bearer {tokens['viewer']}"}, ctx


def test_the_demo_recorded_three_drones_inside_kastrup_at_1900(api):
    client, auth, ctx = api
    res = client.get(
        "/api/tracks/at",
        params={"t": "2025-09-22T19:00:00Z", "bbox": KASTRUP_BBOX, "trail": 120},
        headers=auth,
    )
    assert res.status_code == 200, res.text
    found = res.json()["tracks"]
    kastrup = ctx.zones.by_id["airport:EKCH"].geometry
    drones = [t for t in found if t["target_class"] == "drone"]
    assert len(drones) == 3
    for t in drones:
        assert shapely.contains_xy(kastrup, t["lon"], t["lat"])
        assert t["violator"]
        # the trail covers the last two minutes, ends at the position, never after t
        assert len(t["trail"]) >= 10
        assert t["trail"][-1] == [t["lon"], t["lat"]]
        assert t["t"] <= datetime(2025, 9, 22, 19, tzinfo=UTC).timestamp()
    # another area at the same time holds none of them
    elsewhere = client.get(
        "/api/tracks/at",
        params={"t": "2025-09-22T19:00:00Z", "bbox": "20,50,21,51"},
        headers=auth,
    ).json()["tracks"]
    assert not {t["id"] for t in elsewhere} & {t["id"] for t in drones}


def test_span_and_bad_queries(api):
    client, auth, _ = api
    span = client.get("/api/tracks/span", headers=auth).json()
    assert span["first"] < "2025-09-22T19:00:00" < span["last"]
    assert span["states"] > 1000
    for params in (
        {"t": "2025-09-22T19:00:00"},  # no zone: refused, not guessed
        {"t": "2025-09-22T19:00:00Z", "bbox": "1,2,3"},
        {"t": "2025-09-22T19:00:00Z", "bbox": "30,50,20,60"},
        {"t": "2025-09-22T19:00:00Z", "trail": -1},
    ):
        assert client.get("/api/tracks/at", params=params, headers=auth).status_code == 422


def test_incident_paths_dossier_and_acknowledged_flag(api):
    client, auth, ctx = api
    inc = next(i for i in ctx.store.list() if i.zone_id == "airport:EKCH")
    paths = client.get(f"/api/incidents/{inc.id}/paths", headers=auth).json()["paths"]
    assert len(paths) == inc.object_count
    for rows in paths.values():
        times = [r[2] for r in rows]
        assert times == sorted(times)
        assert len(rows) > 10
    page = client.get(f"/api/incidents/{inc.id}/dossier", headers=auth)
    assert page.status_code == 200
    assert inc.id in page.text
    assert "attachment" in page.headers["content-disposition"]
    assert client.get("/api/incidents/NOPE-1/paths", headers=auth).status_code == 404
    listed = client.get("/api/incidents", headers=auth).json()
    assert all(i["acknowledged"] is False for i in listed)


def _step(t: np.ndarray, tid: np.ndarray) -> Step:
    n = len(t)
    state = ReportBatch.build(
        t=t, lat=55.0 + tid * 0.01, lon=12.0 + t * 1e-4, alt=100.0, vel_e=10.0, vel_n=0.0,
        vel_u=0.0, accuracy=10.0, sensor="s", identity="", callsign="", squawk="",
        category="", transponder=False,
    )  # fmt: skip
    return Step(
        reports=n,
        updates=TrackUpdates(tid.astype(np.int64), state),
        classes=np.array(["drone"] * n, dtype=object),
    )


def test_sampling_keeps_one_state_per_track_per_slot_and_retention_prunes(tmp_path: Path):
    store = IncidentStore(tmp_path / "log.sqlite")
    sink = TrackHistory(store, interval_s=5.0)
    t0 = 1_758_560_000.0
    for k in range(60):  # two tracks, one update a second for a minute
        sink.write(_step(np.array([t0 + k, t0 + k]), np.array([1, 2])))
    first, _last, rows = TrackLog(store).span()
    assert rows in range(24, 27)  # 12 or 13 slots of 5 s per track in 60 s
    assert first is not None
    assert first <= t0 + 5
    found = TrackLog(store).at(t0 + 59, trail_s=30.0)
    assert sorted(t["id"] for t in found) == [1, 2]
    assert all(5 <= len(t["trail"]) <= 8 for t in found)
    assert TrackLog(store).at(t0 + 59 + 120) == []  # nothing sampled for two minutes
    # rows fall out once the log is more than the retention ahead of them
    log = TrackLog(store, retention_s=30.0)
    log.put([(10**9, 3, t0 + 100, 55.0, 12.0, None, None, None, "", "", "drone", 0)])
    first, _, _ = log.span()
    assert first is not None
    assert first >= t0 + 70
    store.close()


def test_the_history_sink_remembers_recent_track_ids_not_every_id_of_a_long_run(
    tmp_path: Path,
) -> None:
    store = IncidentStore(tmp_path / "log.sqlite")
    sink = TrackHistory(store, interval_s=5.0)
    t0 = 1_758_560_000.0
    for k in range(600):  # ten hours, ten new tracks a minute, each seen for a minute
        ids = np.arange(10 * k, 10 * k + 10)
        sink.write(_step(np.full(10, t0 + 60.0 * k), ids))
    # 6,000 ids seen; about the last hour's (600) are remembered, within a doubling
    assert len(sink._last_slot) <= 2 * 700
    _, _, rows = TrackLog(store).span()
    assert rows == 6000  # every track's state, the old ones' included
    store.close()
