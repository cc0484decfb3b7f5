"""Heat maps of approaches and violations: from a scan, from the book, and over HTTP.

Every event must land in the hexagon that contains it (checked geometrically with
shapely, not through H3's own indexing), the totals must be the replay's approach and
unauthorised-entry counts, and the three ways to ask must agree.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import shapely
from fastapi.testclient import TestClient
from scan_helpers import Replayed

from airsentry.build import deployment_zones
from airsentry.cli import main
from airsentry.config import DeploymentConfig
from airsentry.server.app import create_app
from airsentry.server.context import ServerContext


@pytest.fixture(scope="module")
def scanned(
    replayed: Replayed, tmp_path_factory: pytest.TempPathFactory, dask_scheduler: str
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("heat")
    out, db, geo = folder / "out", folder / "scan.db", folder / "heat.geojson"
    code = main(
        ["scan", *map(str, replayed.files), "--out", str(out), "--zones", str(replayed.zones),
         "--protect", "all", "--book", "--db", str(db), "--heatmap", str(geo),
         "--resolution", "6", "--engine", "dask", "--scheduler", dask_scheduler]
    )  # fmt: skip
    assert code == 0
    return {"out": out, "db": db, "geo": geo, "folder": folder}


def _totals(features: list[dict[str, Any]]) -> Counter[str]:
    c: Counter[str] = Counter()
    for f in features:
        c["approaches"] += f["properties"]["approaches"]
        c["violations"] += f["properties"]["violations"]
    return c


def test_scan_heatmap_counts_every_approach_and_violation_in_its_cell(
    replayed: Replayed, scanned: dict[str, Path]
) -> None:
    events = [json.loads(line) for line in replayed.events]
    approaches = [e for e in events if e["kind"] == "approach"]
    violations = [
        e for e in events
        if e["kind"] == "entry" and e["authorised"] is False and e["zone_kind"] != "buffer"
    ]  # fmt: skip
    assert approaches
    assert violations
    doc = json.loads(scanned["geo"].read_text(encoding="utf-8"))
    features = doc["features"]
    assert _totals(features) == {"approaches": len(approaches), "violations": len(violations)}
    # each event's position lies in a polygon of its month that counts its kind
    polys = [(f, shapely.Polygon(f["geometry"]["coordinates"][0])) for f in features]
    for e in approaches + violations:
        month = e["time"][:7]
        point = shapely.Point(e["lon"], e["lat"])
        key = "approaches" if e["kind"] == "approach" else "violations"
        hits = [f for f, poly in polys if f["properties"]["month"] == month and poly.covers(point)]
        assert hits, e
        assert any(f["properties"][key] > 0 for f in hits), e


def test_book_and_events_file_and_endpoint_agree(scanned: dict[str, Path]) -> None:
    from_file = scanned["folder"] / "from-file.parquet"
    from_book = scanned["folder"] / "from-book.parquet"
    assert main(["heatmap", "--events", str(scanned["out"] / "events.parquet"),
                 "--out", str(from_file)]) == 0  # fmt: skip
    assert main(["heatmap", "--db", str(scanned["db"]), "--out", str(from_book)]) == 0
    a, b = pq.read_table(from_file).to_pylist(), pq.read_table(from_book).to_pylist()
    assert a
    assert a == b

    ctx = ServerContext.open(scanned["db"], deployment_zones(DeploymentConfig()))
    try:
        token = ctx.users.add("viewer-user", "viewer")
        with TestClient(create_app(ctx)) as client:
            auth = {"Authorization": f"Bearer {token}"}
            r = client.get("/api/heatmap", params={"resolution": 5}, headers=auth)
            assert r.status_code == 200
            got = r.json()
            assert got["type"] == "FeatureCollection"
            assert [f["properties"] for f in got["features"]] == [
                {k: row[k] for k in ("cell", "month", "approaches", "violations", "objects")}
                for row in a
            ]
            month = a[0]["month"]
            only = client.get(
                "/api/heatmap", params={"month": month, "kind": "violations"}, headers=auth
            ).json()
            assert only["features"]
            assert all(
                f["properties"]["month"] == month and f["properties"]["violations"] > 0
                for f in only["features"]
            )
            assert (
                client.get("/api/heatmap", params={"month": "2018-13"}, headers=auth).status_code
                == 422
            )
            assert client.get("/api/heatmap").status_code == 401
    finally:
        ctx.close()
