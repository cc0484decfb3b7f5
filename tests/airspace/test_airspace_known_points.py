"""Known places land in the zones they should (and not in the ones they should not)."""

from __future__ import annotations

import pyproj
import pytest

from airsentry.airspace import ZoneIndex

GEOD = pyproj.Geod(ellps="WGS84")


def ids(index: ZoneIndex, lat: float, lon: float) -> set[str]:
    return {z.id for z in index.zones_at(lat, lon)}


@pytest.mark.parametrize(
    ("place", "lat", "lon", "zone"),
    [
        ("Tallinn", 59.437, 24.754, "sovereign:EST"),
        ("Warsaw", 52.230, 21.011, "sovereign:POL"),
        ("Minsk", 53.900, 27.567, "sovereign:BLR"),
        ("Kaliningrad", 54.710, 20.511, "sovereign:RUS"),
        ("Copenhagen Kastrup", 55.618, 12.656, "airport:EKCH"),
        ("Oslo Gardermoen", 60.194, 11.100, "airport:ENGM"),
        ("Vaindloo island", 59.817, 26.358, "sovereign:EST"),
        ("Chukotka east of 180", 66.0, -179.9, "sovereign:RUS"),
        ("Chukotka west of 180", 66.0, 179.9, "sovereign:RUS"),
    ],
)
def test_place_is_in_zone(index: ZoneIndex, place: str, lat: float, lon: float, zone: str) -> None:
    assert zone in ids(index, lat, lon), place


def test_cities_are_in_one_state_only(index: ZoneIndex) -> None:
    assert {i for i in ids(index, 52.230, 21.011) if i.startswith("sovereign:")} == {
        "sovereign:POL"
    }
    assert {i for i in ids(index, 53.900, 27.567) if i.startswith("sovereign:")} == {
        "sovereign:BLR"
    }


def test_seven_km_from_kastrup_is_outside_its_circle(index: ZoneIndex) -> None:
    lon, lat, _ = GEOD.fwd(12.656, 55.6179, 45.0, 7_000.0)
    assert "airport:EKCH" not in ids(index, lat, lon)
    lon, lat, _ = GEOD.fwd(12.656, 55.6179, 45.0, 4_500.0)
    assert "airport:EKCH" in ids(index, lat, lon)


def test_estonian_territorial_sea(index: ZoneIndex) -> None:
    # West of Ristna (Hiiumaa): 10 km out is inside the 12 NM sea, 40 km out is not.
    lon, lat, _ = GEOD.fwd(22.0567, 58.9206, 270.0, 10_000.0)
    assert "sovereign:EST" in ids(index, lat, lon)
    lon, lat, _ = GEOD.fwd(22.0567, 58.9206, 270.0, 40_000.0)
    near = ids(index, lat, lon)
    assert "sovereign:EST" not in near
    assert "buffer:EST" in near


def test_gulf_of_finland_high_seas_corridor(index: ZoneIndex) -> None:
    # International waters between the Finnish and Estonian territorial seas.
    for lat, lon in [(59.82, 24.80), (59.85, 25.20)]:
        here = ids(index, lat, lon)
        assert "sovereign:FIN" not in here
        assert "sovereign:EST" not in here
        assert {"buffer:FIN", "buffer:EST"} <= here


def test_ten_km_into_belarus_is_in_the_polish_band(index: ZoneIndex) -> None:
    lat, lon = 52.1, 23.8
    here = ids(index, lat, lon)
    assert {"sovereign:BLR", "buffer:POL"} <= here
    assert "sovereign:POL" not in here
    depth = index.depth_m("sovereign:POL", [lat], [lon])[0]
    assert 9_000 < depth < 12_000


def test_points_outside_the_world_are_in_no_zone(index: ZoneIndex) -> None:
    m = index.query([float("nan"), 95.0, 59.4, -91.0], [24.7, 24.7, 200.0, 0.0])
    assert len(m) == 0
