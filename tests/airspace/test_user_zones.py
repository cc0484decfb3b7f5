"""User zones from GeoJSON: valid files load, every kind of fault is reported."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from airsentry.airspace import DEFAULT_ADMITS, check_user_zones, load_user_zones
from airsentry.errors import ZoneDefinitionError
from airsentry.model import Admit, ZoneKind

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[24, 59], [25, 59], [25, 59.5], [24, 59.5], [24, 59]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[24, 59], [25, 59.5], [25, 59], [24, 59.5], [24, 59]]],
}


def feature(geometry: Any = SQUARE, **props: Any) -> dict[str, Any]:
    base = {"id": "site:x", "kind": "site", "owner": "EST"}
    base.update(props)
    return {"type": "Feature", "geometry": geometry, "properties": base}


def write(tmp_path: Path, *features: dict[str, Any]) -> Path:
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def test_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        feature(id="site:plant", name="Power plant", ceiling_m=500, operator="Eesti Energia"),
        feature(
            id="temporary:exercise",
            kind="temporary",
            floor_m=0,
            ceiling_m=3000,
            valid_from="2025-06-01T12:00:00Z",
            valid_to="2025-06-01T16:00:00+02:00",
        ),
        feature(id="site:base", admits=["state_own"], allies=["LVA", "LTU"]),
    )
    plant, exercise, base = load_user_zones(path)
    assert plant.kind is ZoneKind.SITE
    assert plant.name == "Power plant"
    assert plant.ceiling_m == 500
    assert math.isinf(plant.floor_m)
    assert plant.admits == DEFAULT_ADMITS[ZoneKind.SITE]
    assert "POL" in plant.allies  # Estonia is in NATO: allies default to NATO
    assert plant.properties == {"operator": "Eesti Energia"}
    assert exercise.admits == frozenset()
    assert exercise.valid_from is not None
    assert exercise.valid_to is not None
    assert exercise.valid_to.hour == 14  # 16:00+02:00 is 14:00 UTC
    assert exercise.active_at(exercise.valid_from.timestamp())
    assert not exercise.active_at(exercise.valid_to.timestamp())
    assert base.admits == frozenset({Admit.STATE_OWN})
    assert base.allies == frozenset({"LVA", "LTU"})


BAD_FEATURES = [
    (feature(geometry=BOWTIE, id="bad:geom"), "invalid geometry"),
    (feature(geometry={"type": "Point", "coordinates": [24, 59]}, id="bad:point"), "geometry type"),
    (feature(id="bad:kind", kind="forbidden"), "unknown kind"),
    (
        feature(id="bad:limits", floor_m=500, ceiling_m=500),
        "floor_m 500 is not below ceiling_m 500",
    ),
    (
        feature(id="bad:window", valid_from="2025-06-02T00:00Z", valid_to="2025-06-01T00:00Z"),
        "valid_to",
    ),
    (feature(id="bad:naive", valid_from="2025-06-01T12:00:00"), "naive"),
    (feature(id="bad:admit", admits=["drones_welcome"]), "unknown admit token 'drones_welcome'"),
    (feature(id="bad:owner", owner="Estonia"), "ISO 3166"),
    (feature(id="bad:floor", floor_m="low"), "floor_m 'low' is not a number"),
    (feature(id=""), "missing id"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_FEATURES)
def test_each_fault_names_the_feature_and_the_reason(
    tmp_path: Path, bad: dict[str, Any], reason: str
) -> None:
    path = write(tmp_path, feature(id="site:good"), bad)
    with pytest.raises(ZoneDefinitionError) as info:
        load_user_zones(path)
    err = info.value
    assert err.line == 1
    assert err.source == str(path)
    assert reason in err.reason
    assert err.reason.startswith("feature 1")
    if bad["properties"]["id"]:
        assert repr(bad["properties"]["id"]) in err.reason


def test_duplicate_id_is_a_fault(tmp_path: Path) -> None:
    path = write(tmp_path, feature(id="site:a"), feature(id="site:b"), feature(id="site:a"))
    zones, errors = check_user_zones(path)
    assert [z.id for z in zones] == ["site:a", "site:b"]
    assert len(errors) == 1
    assert errors[0].line == 2
    assert "duplicate id 'site:a' (also feature 0)" in errors[0].reason


def test_all_faults_are_collected(tmp_path: Path) -> None:
    path = write(tmp_path, feature(id="site:good"), *(bad for bad, _ in BAD_FEATURES))
    zones, errors = check_user_zones(path)
    assert [z.id for z in zones] == ["site:good"]
    assert [e.line for e in errors] == list(range(1, len(BAD_FEATURES) + 1))
    for err, (_, reason) in zip(errors, BAD_FEATURES, strict=True):
        assert reason in err.reason


def test_unreadable_file_is_a_zone_definition_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text("{not json")
    with pytest.raises(ZoneDefinitionError, match="cannot read GeoJSON"):
        load_user_zones(path)
    path.write_text(json.dumps({"type": "Feature"}))
    with pytest.raises(ZoneDefinitionError, match="not a GeoJSON FeatureCollection"):
        load_user_zones(path)
