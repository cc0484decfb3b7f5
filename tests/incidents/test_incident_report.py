"""The operator timeline and the JSON, CSV and GeoJSON exports."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest
from incidents_helpers import EST_AIRPORT, LAT, LON, entry, exit_, three_jets

from airsentry.errors import ConfigError
from airsentry.incidents import IncidentBook, IncidentStore, export, timeline_text
from airsentry.incidents.countries import country_adjective, country_name
from airsentry.incidents.records import BookedIncident
from airsentry.incidents.report import CSV_COLUMNS, duration_text, ordinal_text


@pytest.fixture
def booked(book: IncidentBook, store: IncidentStore) -> list[BookedIncident]:
    """Three Estonian incidents: jets (sovereign), a drone at the airport, one more jet."""
    book.add(three_jets())
    book.add([entry(9, 5, zone=EST_AIRPORT, target_class="drone", reasons=("no Remote ID",))])
    book.add([entry(4, 240, identity="icao:15abcd"), exit_(4, 250, dwell_s=595.4)])
    return store.list(with_events=True)


def test_timeline_states_the_key_facts(booked: list[BookedIncident]) -> None:
    text = timeline_text(booked)

    jets = text.split("\n\n")[1]  # the first incident's block, after the title
    assert jets.startswith("EST-2025-0001  2025-09-19 09:58:01 – 10:10:03 UTC")
    assert "Estonia national airspace — sovereign zone EST-sov, owner Estonia (EST)" in jets
    assert "3 objects (fast_jet)" in jets
    assert "longest dwell 12:00" in jets
    assert "deepest 6.0 km" in jets
    assert "intercept and escort (decision by commander)" in jets
    assert "because: 3 objects in sovereign zone; no transponder; foreign state aircraft" in jets
    assert "the 1st violation of Estonian airspace in 2025" in jets

    assert "Tallinn airport drone zone — airport zone" in text
    assert "close airport EETN (decision by airport_authority)" in text
    assert "the 2nd violation of Estonian airspace in 2025" in text
    assert "longest dwell 9:55" in text
    assert text.count("violation of") == 2  # the airport incident is not one
    assert text.startswith("Incident timeline: 3 incidents")


def test_timeline_of_nothing() -> None:
    assert timeline_text([]) == "No incidents.\n"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinal_text(n: int, text: str) -> None:
    assert ordinal_text(n) == text


def test_durations_read_as_minutes_then_hours() -> None:
    assert duration_text(720.0) == "12:00"
    assert duration_text(59.6) == "1:00"
    assert duration_text(3599.4) == "59:59"
    assert duration_text(4505.0) == "1:15:05"
    assert duration_text(7 * 3600 + 6 * 60 + 53) == "7:06:53"
    assert duration_text(float("nan")) == "0:00"


def test_country_names() -> None:
    assert country_name("EST") == "Estonia"
    assert country_adjective("pol") == "Polish"
    assert country_name("XYZ") == "XYZ"


def test_json_export_parses_back(booked: list[BookedIncident]) -> None:
    data = json.loads(export(booked, "json"))
    assert [d["id"] for d in data] == [i.id for i in booked]
    assert data[0] == booked[0].to_dict()
    assert data[0]["ordinal"] == 1
    assert data[0]["recommendation"] == "intercept_and_escort"


def test_csv_export_parses_back(booked: list[BookedIncident]) -> None:
    rows = list(csv.DictReader(io.StringIO(export(booked, "csv"))))
    assert len(rows) == len(booked)
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    jets = rows[0]
    assert jets["id"] == "EST-2025-0001"
    assert jets["track_ids"] == "1;2;3"
    assert jets["identities"] == "icao:150001;icao:150002;icao:150003"
    assert float(jets["dwell_s"]) == pytest.approx(720.0)
    assert jets["needs_decision"] == "true"
    assert jets["ordinal"] == "1"
    assert rows[1]["ordinal"] == ""  # airport
    assert rows[1]["reasons"] == "no Remote ID"


def test_geojson_export_has_one_feature_per_incident_with_lon_lat(
    booked: list[BookedIncident],
) -> None:
    fc = json.loads(export(booked, "geojson"))
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == [i.id for i in booked]
    for feature in fc["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "GeometryCollection"
        paths = feature["geometry"]["geometries"]
        assert paths
        for path in paths:
            coords = [path["coordinates"]] if path["type"] == "Point" else path["coordinates"]
            for lon, lat in coords:
                assert abs(lon - LON) < 1.0  # lon first: Vaindloo is at 26.4 E, 59.8 N
                assert abs(lat - LAT) < 1.0
    jets = fc["features"][0]
    # one path per jet, from its entry to its exit
    assert len(jets["geometry"]["geometries"]) == 3
    assert jets["properties"]["object_count"] == 3
    assert jets["properties"]["zone_kind"] == "sovereign"


def test_geojson_without_events_has_null_geometry(booked: list[BookedIncident]) -> None:
    bare = [replace(booked[0], events=[])]
    fc = json.loads(export(bare, "geojson"))
    assert fc["features"][0]["geometry"] is None


def test_unknown_format_is_refused(booked: list[BookedIncident]) -> None:
    with pytest.raises(ConfigError, match="kml"):
        export(booked, "kml")
