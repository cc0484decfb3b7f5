"""The default catalogue: what it holds, how it is configured, the shipped data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from airsentry.airspace import AirportRadius, AirspaceConfig, Catalogue, default_catalogue
from airsentry.airspace.airports import load_airports
from airsentry.airspace.borders import NATO_MEMBERS, data_dir, load_states
from airsentry.errors import ConfigError, ZoneDefinitionError
from airsentry.model import Admit, ZoneKind

REQUIRED = [
    "ALB",
    "AND",
    "ARM",
    "AUT",
    "AZE",
    "BEL",
    "BGR",
    "BIH",
    "BLR",
    "CHE",
    "CYP",
    "CZE",
    "DEU",
    "DNK",
    "ESP",
    "EST",
    "FIN",
    "FRA",
    "FRO",
    "GBR",
    "GEO",
    "GGY",
    "GIB",
    "GRC",
    "HRV",
    "HUN",
    "IMN",
    "IRL",
    "ISL",
    "ITA",
    "JEY",
    "LIE",
    "LTU",
    "LUX",
    "LVA",
    "MCO",
    "MDA",
    "MKD",
    "MLT",
    "MNE",
    "NLD",
    "NOR",
    "POL",
    "PRT",
    "ROU",
    "RUS",
    "SMR",
    "SRB",
    "SVK",
    "SVN",
    "SWE",
    "TUR",
    "UKR",
    "VAT",
    "XKX",
    "ALA",
    "SJM",
    "MAR",
    "DZA",
    "TUN",
    "LBY",
    "EGY",
    "ISR",
    "PSE",
    "LBN",
    "SYR",
    "JOR",
    "IRQ",
    "IRN",
    "KAZ",
    "GRL",
]


def test_every_required_state_has_sovereign_and_buffer_zones(catalogue: Catalogue) -> None:
    for code in REQUIRED:
        sovereign = catalogue[f"sovereign:{code}"]
        band = catalogue[f"buffer:{code}"]
        assert sovereign.owner == band.owner == code
        assert sovereign.geometry.is_valid
        assert band.geometry.is_valid
        assert not shapely.intersects(
            shapely.Point(sovereign.geometry.representative_point()), band.geometry
        )


def test_sovereign_zone_fields(catalogue: Catalogue) -> None:
    est = catalogue["sovereign:EST"]
    assert est.name == "Estonia airspace"
    assert est.kind is ZoneKind.SOVEREIGN
    assert math.isinf(est.floor_m)
    assert est.floor_m < 0
    assert math.isinf(est.ceiling_m)
    assert est.admits == frozenset(
        {Admit.CIVIL_COOPERATIVE, Admit.STATE_OWN, Admit.STATE_ALLIED, Admit.DRONE_REMOTE_ID}
    )
    assert est.allies == NATO_MEMBERS
    assert len(NATO_MEMBERS) == 32
    assert catalogue["sovereign:BLR"].allies == frozenset()
    assert catalogue["sovereign:GRL"].allies == NATO_MEMBERS  # Danish territory
    band = catalogue["buffer:EST"]
    assert band.admits == est.admits
    assert band.allies == est.allies
    assert band.properties["width_m"] == 30_000.0


def test_airport_zones(catalogue: Catalogue) -> None:
    ekch = catalogue["airport:EKCH"]
    assert ekch.kind is ZoneKind.AIRPORT
    assert ekch.owner == "DNK"
    assert ekch.name == "Copenhagen Kastrup Airport"
    assert ekch.admits == frozenset({Admit.NON_DRONE})
    assert ekch.ceiling_m == 1_500.0
    assert math.isinf(ekch.floor_m)
    props = ekch.properties
    assert props["icao"] == "EKCH"
    assert props["iata"] == "CPH"
    assert props["radius_m"] == 5_000.0
    assert props["military"] is False
    for icao in ("EKSP", "EKKA", "EKYT"):
        base = catalogue[f"airport:{icao}"]
        assert base.properties["military"] is True
        assert base.properties["radius_m"] == 8_000.0
    assert catalogue["airport:ENGM"].properties["radius_m"] == 5_000.0
    # The circle is a geodesic circle of the stated radius (inscribed 64-gon).
    circle = ekch.geometry
    assert circle.area == pytest.approx(math.pi * 0.045**2 / math.cos(math.radians(55.6)), rel=0.05)


def test_catalogue_order_lookup_and_filters(catalogue: Catalogue) -> None:
    kinds = [z.kind for z in catalogue.zones]
    first_buffer = kinds.index(ZoneKind.BUFFER)
    first_airport = kinds.index(ZoneKind.AIRPORT)
    assert set(kinds[:first_buffer]) == {ZoneKind.SOVEREIGN}
    assert set(kinds[first_buffer:first_airport]) == {ZoneKind.BUFFER}
    icaos = [z.properties["icao"] for z in catalogue.zones[first_airport:]]
    assert icaos == sorted(icaos)
    assert catalogue.position("sovereign:ALA") == 0
    assert catalogue.get("airport:NOPE") is None
    assert "airport:EKCH" in catalogue
    danish = catalogue.filter(owner="DNK")
    assert {z.kind for z in danish} == {ZoneKind.SOVEREIGN, ZoneKind.BUFFER, ZoneKind.AIRPORT}
    assert len(catalogue.of_kind(ZoneKind.SOVEREIGN)) == len(load_states())
    assert all(z.owner == "NOR" for z in catalogue.of_owner("NOR"))
    with pytest.raises(ZoneDefinitionError, match="duplicate zone id"):
        catalogue.extended([catalogue["sovereign:EST"]])


def test_configured_catalogue() -> None:
    config = AirspaceConfig(
        states=frozenset({"EST", "LVA"}),
        airport_radii=(AirportRadius("EST", 3_000.0, 6_000.0),),
        airport_ceiling_m=1_000.0,
        include_buffers=False,
    )
    small = default_catalogue(config)
    assert small is default_catalogue(config)  # cached per configuration
    assert {z.owner for z in small} == {"EST", "LVA"}
    assert not small.of_kind(ZoneKind.BUFFER)
    eetn = small["airport:EETN"]
    assert eetn.properties["radius_m"] == 3_000.0
    assert eetn.ceiling_m == 1_000.0
    assert config.airport_radius_m("EST", military=True) == 6_000.0
    assert config.airport_radius_m("LVA", military=True) == 5_000.0
    assert {z.id for z in small.index.zones_at(59.437, 24.754)} == {"sovereign:EST"}
    assert not default_catalogue(AirspaceConfig(include_airports=False)).of_kind(ZoneKind.AIRPORT)


def test_other_band_widths_are_computed() -> None:
    config = AirspaceConfig(states=frozenset({"LIE"}), buffer_width_m=5_000.0)
    band = default_catalogue(config)["buffer:LIE"]
    assert band.properties["width_m"] == 5_000.0
    vaduz_west = default_catalogue(config).index  # Liechtenstein's western border is the Rhine
    assert "buffer:LIE" in {z.id for z in vaduz_west.zones_at(47.14, 9.47)}
    assert "buffer:LIE" not in {z.id for z in vaduz_west.zones_at(47.14, 9.35)}


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"buffer_width_m": -1.0}, "buffer_width_m"),
        ({"airport_ceiling_m": 0.0}, "airport_ceiling_m"),
        ({"airport_radii": (AirportRadius("DNK", 0.0, 8_000.0),)}, "airport_radii"),
        ({"states": frozenset({"ATL"})}, "states"),
    ],
)
def test_bad_config_is_refused(kwargs: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        AirspaceConfig(**kwargs)  # type: ignore[arg-type]
    assert info.value.key == key


def test_shipped_data_is_compact_and_attributed() -> None:
    files = {p.name: p.stat().st_size for p in data_dir().iterdir()}
    assert {"borders.npz", "buffer_30km.npz", "airports.csv.gz", "ATTRIBUTION.txt"} <= set(files)
    assert sum(files.values()) < 8_000_000
    text = (data_dir() / "ATTRIBUTION.txt").read_text()
    for needle in ("OpenStreetMap contributors", "ODbL", "Simone Primarosa", "airportsdata", "MIT"):
        assert needle in text


def test_airports_cover_the_catalogue_states() -> None:
    airports = load_airports()
    states = set(load_states())
    assert {a.country for a in airports} <= states
    danish = {a.icao: a for a in airports if a.country == "DNK"}
    assert {"EKCH", "EKBI", "EKSP", "EKKA", "EKYT"} <= set(danish)
    assert not danish["EKCH"].military
    lat = np.array([a.lat for a in airports])
    assert np.all((lat > -60) & (lat < 85))
