"""ICAO address blocks: registering State, military ranges, identity parsing."""

from __future__ import annotations

import csv
import io
from importlib import resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airsentry.identify import icao


@pytest.mark.parametrize(
    ("address", "iso3"),
    [
        (0x4CA1D3, "IRL"),
        (0x3C6444, "DEU"),
        (0x511000, "EST"),
        (0x5113FF, "EST"),
        (0x488123, "POL"),
        (0x48FFFF, "POL"),
        (0x150000, "RUS"),
        (0x1FFFFF, "RUS"),
        (0xA00001, "USA"),
        (0xADF800, "USA"),
        (0x43C123, "GBR"),
        (0x4B8001, "TUR"),
        (0x738123, "ISR"),
        (0x780123, "CHN"),
        (0xC01234, "CAN"),
        (0x508100, "UKR"),
        (0x510100, "BLR"),
        (0x502C10, "LVA"),
        (0x503C10, "LTU"),
        (0x460100, "FIN"),
    ],
)
def test_known_addresses_resolve_to_their_state(address: int, iso3: str) -> None:
    assert icao.registering_state([address]).tolist() == [iso3]


def test_addresses_outside_every_block_have_no_state() -> None:
    # 0x511400 is just past Estonia's 1024 addresses; 0x000000 and 0xF00000 are not States.
    out = icao.registering_state([0x511400, 0x000000, 0xF00001, -1])
    assert out.tolist() == ["", "", "", ""]


def test_military_ranges() -> None:
    mil = icao.is_military([0xADF800, 0xADF7C7, 0x43C010, 0x3AA001, 0x3B7001, 0x3EA001, 0x3F5000])
    assert mil.tolist() == [True, False, True, True, True, True, True]
    assert not icao.is_military([0x4CA1D3, 0x3C6444, 0x511000, -1]).any()


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("airsentry.identify").joinpath("data", name).read_text("utf-8")
    body = "\n".join(ln for ln in text.splitlines() if ln and not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("table", [icao.blocks(), icao.military_ranges()])
def test_ranges_are_sorted_and_do_not_overlap(table: icao.RangeTable) -> None:
    assert len(table.start) > 30
    assert np.all(table.start <= table.end)
    assert np.all(np.diff(table.start) > 0)
    assert np.all(table.start[1:] > table.end[:-1])
    assert np.all((table.start >= 0) & (table.end <= 0xFFFFFF))


def test_blocks_cover_europe_and_neighbours() -> None:
    codes = set(icao.blocks().iso3.tolist())
    europe = {"ALB", "AND", "AUT", "BEL", "BGR", "BIH", "BLR", "CHE", "CYP", "CZE", "DEU", "DNK"}
    europe |= {"ESP", "EST", "FIN", "FRA", "GBR", "GEO", "GRC", "HRV", "HUN", "IRL", "ISL", "ITA"}
    europe |= {"LTU", "LUX", "LVA", "MCO", "MDA", "MKD", "MLT", "MNE", "NLD", "NOR", "POL", "PRT"}
    europe |= {"ROU", "RUS", "SMR", "SRB", "SVK", "SVN", "SWE", "TUR", "UKR", "ARM", "AZE"}
    assert europe <= codes
    assert {"USA", "CAN", "CHN", "ISR", "JPN", "IND", "AUS", "BRA"} <= codes


def test_military_ranges_lie_inside_their_states_block() -> None:
    mil = icao.military_ranges()
    assert icao.registering_state(mil.start).tolist() == mil.iso3.tolist()
    assert icao.registering_state(mil.end).tolist() == mil.iso3.tolist()


@given(st.lists(st.integers(min_value=-5, max_value=0x1000005), max_size=200))
def test_lookup_agrees_with_a_linear_scan_of_the_csv(addresses: list[int]) -> None:
    rows = [(int(r["start"], 16), int(r["end"], 16), r["iso3"]) for r in _rows("icao_blocks.csv")]
    expected = [next((iso for lo, hi, iso in rows if lo <= a <= hi), "") for a in addresses]
    assert icao.registering_state(np.array(addresses, dtype=np.int64)).tolist() == expected


def test_parse_identity() -> None:
    ids = np.array(
        [
            "icao:4ca1d3",
            "icao:4CA1D3",
            "rid:1581F5FJ",
            "",
            "icao:4ca1d",
            "icao:4ca1d3x",
            "icao:4ca1dg",
            "ICAO:4ca1d3",
            None,
            "icao:4ca1dé",
            "x" * 40,
        ],
        dtype=object,
    )
    assert icao.parse_identity(ids).tolist() == [
        0x4CA1D3,
        0x4CA1D3,
        -1,
        -1,
        -1,
        -1,
        -1,
        -1,
        -1,
        -1,
        -1,
    ]
    assert icao.parse_identity(np.array([], dtype=object)).tolist() == []
    assert icao.parse_identity(np.array(["", "rid:x"], dtype=object)).tolist() == [-1, -1]


@given(st.lists(st.integers(min_value=0, max_value=0xFFFFFF), max_size=100))
def test_parse_identity_round_trips_format_identity(addresses: list[int]) -> None:
    ids = np.array([icao.format_identity(a) for a in addresses], dtype=object)
    assert icao.parse_identity(ids).tolist() == addresses


def test_state_names_and_indexes() -> None:
    assert icao.state_name("IRL") == "Ireland"
    assert icao.state_name("XYZ") == "XYZ"
    idx = icao.state_index([0x4CA1D3, 0x511000, -1])
    assert [icao.states()[i] for i in idx[:2]] == ["IRL", "EST"]
    assert idx[2] == -1
