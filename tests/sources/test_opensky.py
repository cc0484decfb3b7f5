"""OpenSky state vectors (CSV, CSV.gz, Parquet): values, column handling, bad rows."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, decoder, formats, read_file
from airsentry.sources.opensky import OpenSkyDecoder

FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # each example rewrites its file

HEADER = (
    "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
    "baroaltitude,geoaltitude,lastposupdate,lastcontact"
)
# As in OpenSky's hourly state-vector dumps: callsigns padded to 8, empty cells for null.
ROWS = [
    "1590364800,4b1803,46.75233,7.93470,195.51,219.98,0.0,SWR10K  ,False,False,False,3034,"
    "10972.8,11247.12,1590364799.651,1590364799.936",
    "1590364800,4B1A2D,47.45120,8.56231,70.2,90.0,-3.9,EDW12   ,False,False,False,1000,"
    "685.8,,,1590364799.101",  # no geometric altitude, no position-update time
    "1590364800,3c6586,,,231.4,45.0,0.0,DLH4AB  ,False,False,False,,11582.4,11887.2,,"
    "1590364798.2",  # seen, but no position yet
    "1590364800,4b1803,46.75233,7.93470,195.51,219.98,0.0,SWR10K  ,False,False,False,3034,"
    "10972.8,11247.12,1590364799.651,1590364799.936",  # repeated state: kept
    "1590364810,440172,47.45871,8.55511,5.0,90.0,,,True,False,False,,,,1590364809.5,"
    "1590364809.9",  # taxiing, no callsign
]


def write_csv(path: Path, header: str = HEADER, rows: list[str] = ROWS) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def decode(path: Path, q: Quarantine | None = None, **options: int) -> ReportBatch:
    return ReportBatch.concat(read_file(path, "opensky", q or Quarantine(), **options))


def assert_same(a: ReportBatch, b: ReportBatch) -> None:
    for name in ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), equal_nan=True)
    for name in ("identity", "callsign", "squawk", "on_ground", "sensor", "transponder"):
        assert list(getattr(a, name)) == list(getattr(b, name)), name


def test_registered_under_its_format_name() -> None:
    assert "opensky" in formats()
    assert isinstance(decoder("opensky"), OpenSkyDecoder)


def test_csv_rows_become_reports(tmp_path: Path) -> None:
    q = Quarantine()
    b = decode(write_csv(tmp_path / "states.csv"), q)
    assert q.count == 0
    assert q.skipped == {"no position": 1}
    assert len(b) == 4
    assert list(b.identity) == ["icao:4b1803", "icao:4b1a2d", "icao:4b1803", "icao:440172"]
    assert list(b.callsign) == ["SWR10K", "EDW12", "SWR10K", ""]
    assert list(b.squawk) == ["3034", "1000", "3034", ""]
    assert b.on_ground.tolist() == [False, False, False, True]
    assert b.transponder.all()
    assert set(b.sensor) == {"opensky"}
    # t is when the position was updated, else the state's time.
    np.testing.assert_allclose(b.t, [1590364799.651, 1590364800, 1590364799.651, 1590364809.5])
    # Geometric altitude, else barometric.
    np.testing.assert_allclose(b.alt, [11247.12, 685.8, 11247.12, np.nan])
    # Heading 90: all the speed goes east.
    assert b.vel_e[1] == pytest.approx(70.2)
    assert b.vel_n[1] == pytest.approx(0.0, abs=1e-9)
    assert b.vel_u[1] == pytest.approx(-3.9)
    assert b.speed()[0] == pytest.approx(195.51)
    assert b.vel_e[0] < 0  # 220°: south-west
    assert b.vel_n[0] < 0
    assert math.isnan(b.vel_u[3])


def test_columns_in_any_order_with_extras(tmp_path: Path) -> None:
    names = HEADER.split(",")
    order = [15, 3, 0, 14, 9, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 13]
    header = ",".join(["serials", *[names[i] for i in order], "hour"])
    rows = []
    for row in ROWS:
        cells = row.split(",")
        rows.append(",".join(['"[1402, 1780]"', *[cells[i] for i in order], "1590364800"]))
    q = Quarantine()
    shuffled = decode(write_csv(tmp_path / "shuffled.csv", header, rows), q)
    assert q.count == 0
    assert_same(shuffled, decode(write_csv(tmp_path / "states.csv")))


def test_missing_required_column_rejects_the_file_once(tmp_path: Path) -> None:
    header = HEADER.replace("icao24,", "")
    rows = [",".join(r.split(",")[:1] + r.split(",")[2:]) for r in ROWS]
    q = Quarantine()
    batches = list(read_file(write_csv(tmp_path / "noicao.csv", header, rows), "opensky", q))
    assert batches == []
    assert q.count == 1
    assert q.records[0]["line"] == 1
    assert q.records[0]["reason"] == "missing required column(s): icao24"
    assert q.records[0]["raw"] == header


def test_gzipped_csv(tmp_path: Path) -> None:
    path = tmp_path / "states.csv.gz"
    path.write_bytes(gzip.compress(("\n".join([HEADER, *ROWS]) + "\n").encode()))
    assert_same(decode(path), decode(write_csv(tmp_path / "states.csv")))


def test_the_content_not_the_suffix_tells_csv_from_parquet(tmp_path: Path) -> None:
    q = Quarantine()
    as_text = decode(write_csv(tmp_path / "states.txt"), q)
    assert_same(as_text, decode(write_csv(tmp_path / "states.csv"), q))
    assert len(as_text)
    assert q.count == 0


def bad_rows() -> tuple[list[str], dict[int, str]]:
    """ROWS with corrupt rows between them, and the reason expected on each line."""
    good = ROWS[0].split(",")

    def edit(i: int, value: str) -> str:
        cells = list(good)
        cells[i] = value
        return ",".join(cells)

    bad = [
        (edit(4, "fast"), "velocity 'fast' is not a number"),
        (",".join(good[:9]), "expected 16 fields, got 9"),
        (edit(2, "123.4"), "lat 123.4 out of range [-90, 90]"),
        (edit(1, ""), "icao24 is missing"),
        (edit(1, "zz12"), "icao24 'zz12' is not 6 hex digits"),
        (edit(0, "abc"), "time 'abc' is not a number"),
        (edit(8, "maybe"), "onground 'maybe' is not one of 'true', 'True', 'TRUE', '1', "
         "'false', 'False', 'FALSE', '0'"),
        (edit(11, "7800"), "squawk '7800' is not a 4-digit octal code"),
        (edit(3, ""), "lat given without lon"),
        (",".join(good) + ",extra", "expected 16 fields, got 17"),
    ]  # fmt: skip
    rows = [ROWS[0], *[r for r, _ in bad], *ROWS[1:]]
    return rows, {3 + i: reason for i, (_, reason) in enumerate(bad)}


def test_bad_rows_are_quarantined_with_line_and_reason(tmp_path: Path) -> None:
    rows, expected = bad_rows()
    path = tmp_path / "bad.csv"
    garbage = b"\x00\xff\xfe,\x81\xc3(,,\n"
    path.write_bytes("\n".join([HEADER, *rows]).encode() + b"\n" + garbage)
    out = tmp_path / "q" / "quarantine.jsonl"
    with Quarantine(out) as q:
        b = decode(path, q)
    records = [json.loads(x) for x in out.read_text().splitlines()]
    got = {r["line"]: r["reason"] for r in records}
    garbage_line = len(rows) + 2
    assert got.pop(garbage_line) == "expected 16 fields, got 4"
    assert got == expected
    assert q.count == len(expected) + 1
    assert q.by_reason["expected 16 fields, got 9"] == 1
    assert {r["source"] for r in records} == {str(path)}
    by_line = {r["line"]: r for r in records}
    assert by_line[3]["raw"] == rows[1]
    assert by_line[5]["raw"] == rows[3]
    # The good rows all come out, as if the bad ones were not there.
    assert_same(b, decode(write_csv(tmp_path / "states.csv")))


def places(q: Quarantine) -> list[tuple[object, object]]:
    return sorted((r["line"], r["reason"]) for r in q.records)  # type: ignore[type-var]


def test_blocks_and_chunks_do_not_change_anything(tmp_path: Path) -> None:
    rows, expected = bad_rows()
    path = write_csv(tmp_path / "bad.csv", HEADER, [*rows, "", *ROWS * 3])
    q_whole = Quarantine()
    whole = decode(path, q_whole)
    for block in (200, 300, 1000):  # a block holds at least one line
        q = Quarantine()
        batches = list(read_file(path, "opensky", q, chunk_rows=2, block_bytes=block))
        assert_same(ReportBatch.concat(batches), whole)
        assert places(q) == places(q_whole)
        assert dict(places(q)) == expected
        assert q.skipped == q_whole.skipped == {"no position": 4, "blank line": 1}


def test_unpaired_quote_rejects_only_its_line(tmp_path: Path) -> None:
    broken = ROWS[0].replace("SWR10K  ", '"SWR10K')
    quoted = ROWS[1].replace("EDW12   ", '"EDW12, the ""second"""')  # CSV quoting, valid
    q = Quarantine()
    b = decode(write_csv(tmp_path / "q.csv", HEADER, [broken, *ROWS[1:], quoted]), q)
    assert [(r["line"], r["reason"], r["raw"]) for r in q.records] == [
        (2, 'unbalanced double quote (")', broken)
    ]
    assert len(b) == 4  # the three good positions after it, and the quoted one
    assert b.callsign[-1] == 'EDW12, the "second"'


def test_stray_quote_inside_a_field_rejects_only_its_line(tmp_path: Path) -> None:
    """Paired quotes in the middle of a field (found by the fuzz test) made pyarrow join
    the next line to this one, so that line vanished inside the other's rejection."""
    stray = '0",' + '"' + ROWS[0][ROWS[0].index(",", 11) :]
    q = Quarantine()
    b = decode(write_csv(tmp_path / "s.csv", HEADER, [*ROWS[:2], stray, *ROWS[2:]]), q)
    assert [(r["line"], r["raw"]) for r in q.records] == [(4, stray)]
    assert len(b) + sum(q.skipped.values()) == len(ROWS)  # every other line accounted for
    assert len(b) == 4  # one fixture row has no position yet


def parquet_table() -> pa.Table:
    """ROWS as OpenSky's Parquet exports type them."""
    cells = [r.split(",") for r in ROWS]
    names = HEADER.split(",")

    def column(name: str) -> list[str | None]:
        i = names.index(name)
        return [c[i] or None for c in cells]

    def floats(name: str) -> pa.Array:
        return pa.array([float(x) if x else None for x in column(name)], pa.float64())

    data: dict[str, pa.Array] = {
        "time": pa.array([int(x or 0) for x in column("time")], pa.int64()),
        "icao24": pa.array(column("icao24")),
        "callsign": pa.array(column("callsign")).dictionary_encode(),  # as pandas writes
        "onground": pa.array([x == "True" for x in column("onground")]),
        "squawk": pa.array(column("squawk")),
    }
    for name in ("lat", "lon", "velocity", "heading", "vertrate", "baroaltitude"):
        data[name] = floats(name)
    for name in ("geoaltitude", "lastposupdate", "lastcontact"):
        data[name] = floats(name)
    return pa.table(data)


def test_parquet_matches_csv(tmp_path: Path) -> None:
    pq.write_table(parquet_table(), tmp_path / "states.parquet")
    q = Quarantine()
    b = decode(tmp_path / "states.parquet", q)
    assert q.count == 0
    assert q.skipped == {"no position": 1}
    assert_same(b, decode(write_csv(tmp_path / "states.csv")))


def test_parquet_timestamps_and_bad_rows_by_row_number(tmp_path: Path) -> None:
    table = parquet_table()
    seconds = table.column("time").to_numpy()
    table = table.set_column(0, "time", pa.array(seconds * 1000, pa.timestamp("ms", tz="UTC")))
    lat = table.column("lat").to_pylist()
    lat[1] = 123.4  # row 2
    table = table.set_column(table.schema.get_field_index("lat"), "lat", pa.array(lat))
    pq.write_table(table, tmp_path / "states.parquet")
    q = Quarantine()
    b = decode(tmp_path / "states.parquet", q, chunk_rows=2)
    assert [(r["line"], r["reason"]) for r in q.records] == [
        (2, "lat 123.4 out of range [-90, 90]")
    ]
    assert json.loads(str(q.records[0]["raw"]))["icao24"] == "4B1A2D"
    assert b.t[-1] == pytest.approx(1590364809.5)
    assert b.t[0] == pytest.approx(1590364799.651)
    assert len(b) == 3


def test_parquet_without_required_column(tmp_path: Path) -> None:
    pq.write_table(parquet_table().drop_columns(["lat", "lon"]), tmp_path / "s.parquet")
    q = Quarantine()
    assert list(read_file(tmp_path / "s.parquet", "opensky", q)) == []
    assert q.records[0]["reason"] == "missing required column(s): lat, lon"


def test_corrupt_parquet_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    q = Quarantine()
    assert list(read_file(path, "opensky", q)) == []
    assert q.count == 1
    assert str(q.records[0]["reason"]).startswith("file unreadable")


@st.composite
def mutated_rows(draw: st.DrawFn) -> str:
    """A real row with cells replaced, cut short, or noise (never a line break)."""
    row = draw(st.sampled_from(ROWS))
    kind = draw(st.sampled_from(["keep", "cell", "cut", "noise"]))
    text = st.text(st.characters(exclude_characters="\r\n"), max_size=20)
    if kind == "cut":
        return row[: draw(st.integers(0, len(row)))]
    if kind == "noise":
        return draw(text)
    if kind == "cell":
        cells = row.split(",")
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(cells) - 1))
            cells[i] = draw(st.one_of(text, st.sampled_from(["", "nan", "-1", "1e999", '"'])))
        return ",".join(cells)
    return row


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE_OK)
@given(st.lists(mutated_rows(), max_size=25))
def test_any_csv_rows_are_fully_accounted_for(tmp_path: Path, rows: list[str]) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("utf-8", "surrogatepass"))
    q = Quarantine()
    reports = sum(len(b) for b in read_file(path, "opensky", q, block_bytes=256))
    assert reports + q.count + sum(q.skipped.values()) == len(rows)
