"""SBS-1 (BaseStation, port 30003) decoding: values, units, carried state, bad input."""

from __future__ import annotations

import gzip
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airsentry.errors import ConfigError
from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, decoder, formats, read_file
from airsentry.sources.sbs import SbsDecoder

FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # each example rewrites its file

DAY = "2025/09/19"


def msg(tt: int, hexid: str, clock: str, rest: str) -> str:
    """One MSG line as dump1090 writes it: generated and logged stamps, then 12 fields."""
    logged = clock[:-3] + f"{(int(clock[-3:]) + 30) % 1000:03d}"
    return f"MSG,{tt},1,1,{hexid},1,{DAY},{clock},{DAY},{logged},{rest}"


# A Ryanair 737 cruising east at FL350, then a slower aircraft, interleaved as a
# receiver hears them; plus the session/aircraft announcements dump1090 emits.
RECORDING = [
    "AIR,,333,1,4CA1D3,101,2025/09/19,10:15:29.100,2025/09/19,10:15:29.100",
    "ID,,333,1,4CA1D3,101,2025/09/19,10:15:29.100,2025/09/19,10:15:29.100,RYR1AB",
    msg(8, "4CA1D3", "10:15:29.200", ",,,,,,,,,,,0"),
    msg(3, "4CA1D3", "10:15:29.400", ",35000,,,59.80000,26.30000,,,0,0,0,0"),  # 4: no cs yet
    msg(1, "4CA1D3", "10:15:29.600", "RYR1AB  ,,,,,,,,,,,0"),
    msg(4, "4CA1D3", "10:15:29.800", ",,450,90.0,,,-1000,,,,,0"),
    msg(5, "3C6586", "10:15:29.900", ",3000,,,,,,,0,,0,0"),
    msg(6, "4CA1D3", "10:15:30.000", ",35000,,,,,,7700,0,1,0,0"),
    "",
    msg(3, "4CA1D3", "10:15:30.123", ",35000,,,59.81000,26.35000,,,0,0,0,0"),  # 10: filled
    msg(4, "3C6586", "10:15:30.200", ",,120,180.0,,,640,,,,,0"),
    msg(3, "3C6586", "10:15:30.300", ",3025,,,50.03000,8.57000,,,0,0,0,0"),  # 12
    msg(3, "4CA1D3", "10:15:31.000", ",34975,,,59.81100,26.36000,,,0,0,0,0"),  # 13
    "STA,,333,1,4CA1D3,101,2025/09/19,10:16:31.000,2025/09/19,10:16:31.000,RM",
]


def write(tmp_path: Path, lines: list[str], name: str = "feed.sbs", *, crlf: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n" if crlf else "\n").join(lines).encode() + b"\n")
    return path


def decode(path: Path, q: Quarantine | None = None, **options: object) -> ReportBatch:
    q = q if q is not None else Quarantine()
    return ReportBatch.concat(read_file(path, "sbs", q, **options))


def epoch(clock: str) -> float:
    h, m, s = clock.split(":")
    sec = float(s)
    dt = datetime(2025, 9, 19, int(h), int(m), int(sec), round((sec % 1) * 1e6), tzinfo=UTC)
    return dt.timestamp()


def test_registered_under_its_format_name() -> None:
    assert "sbs" in formats()
    assert isinstance(decoder("sbs"), SbsDecoder)


def test_positions_are_decoded_in_si_units(tmp_path: Path) -> None:
    b = decode(write(tmp_path, RECORDING))
    assert len(b) == 4
    ryr = b.take(b.identity == "icao:4ca1d3")
    np.testing.assert_allclose(ryr.lat, [59.8, 59.81, 59.811])
    np.testing.assert_allclose(ryr.lon, [26.3, 26.35, 26.36])
    np.testing.assert_allclose(ryr.alt, [10668.0, 10668.0, 34975 * 0.3048])  # 35000 ft
    # 450 kt along track 090: all east, none north; -1000 ft/min is -5.08 m/s.
    assert ryr.vel_e[1] == pytest.approx(231.5, abs=0.05)
    assert ryr.vel_n[1] == pytest.approx(0.0, abs=1e-9)
    assert ryr.vel_u[1] == pytest.approx(-5.08)
    assert set(b.sensor) == {"sbs"}
    assert b.transponder.all()
    assert not b.on_ground.any()
    slow = b.take(b.identity == "icao:3c6586")
    assert slow.vel_n[0] == pytest.approx(-120 * 1852 / 3600)  # track 180: due south
    assert slow.vel_u[0] == pytest.approx(640 * 0.00508)


def test_times_are_utc_epoch_of_the_generated_stamp(tmp_path: Path) -> None:
    b = decode(write(tmp_path, RECORDING))
    expected = [epoch(c) for c in ("10:15:29.400", "10:15:30.123", "10:15:30.300", "10:15:31.000")]
    np.testing.assert_allclose(b.t, expected)
    assert datetime.fromtimestamp(b.t[1], tz=UTC) == datetime(
        2025, 9, 19, 10, 15, 30, 123000, tzinfo=UTC
    )


def test_local_time_recordings_are_converted_with_tz(tmp_path: Path) -> None:
    summer = decode(write(tmp_path, RECORDING), tz="Europe/Helsinki")
    utc = decode(write(tmp_path, RECORDING))
    np.testing.assert_allclose(utc.t - summer.t, 3 * 3600)  # EEST is UTC+3
    winter = [line.replace("2025/09/19", "2025/01/15") for line in RECORDING]
    w_local = decode(write(tmp_path, winter, "w.sbs"), tz="Europe/Helsinki")
    w_utc = decode(write(tmp_path, winter, "w.sbs"))
    np.testing.assert_allclose(w_utc.t - w_local.t, 2 * 3600)  # EET is UTC+2


def test_unknown_time_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        SbsDecoder(tz="Mars/Olympus")


def test_callsign_squawk_and_velocity_are_carried_to_later_positions(tmp_path: Path) -> None:
    b = decode(write(tmp_path, RECORDING))
    ryr = b.take(b.identity == "icao:4ca1d3")
    # The first position came before the callsign, velocity and squawk were heard.
    assert list(ryr.callsign) == ["", "RYR1AB", "RYR1AB"]
    assert list(ryr.squawk) == ["", "7700", "7700"]
    assert math.isnan(ryr.vel_e[0])
    assert ryr.speed()[2] == pytest.approx(450 * 1852 / 3600)
    # Nothing leaks from one aircraft to another.
    slow = b.take(b.identity == "icao:3c6586")
    assert list(slow.callsign) == [""]
    assert list(slow.squawk) == [""]


def test_state_is_carried_across_chunks(tmp_path: Path) -> None:
    path = write(tmp_path, RECORDING)
    whole = decode(path)
    for block in (40, 97, 300):
        q = Quarantine()
        batches = list(read_file(path, "sbs", q, block_bytes=block))
        parts = ReportBatch.concat(batches)
        for name in ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u"):
            np.testing.assert_array_equal(getattr(parts, name), getattr(whole, name))
        for name in ("identity", "callsign", "squawk", "on_ground"):
            assert list(getattr(parts, name)) == list(getattr(whole, name))
        assert q.count == 0


def test_stale_velocity_is_not_carried(tmp_path: Path) -> None:
    lines = [
        msg(4, "4CA1D3", "10:00:00.000", ",,450,90.0,,,0,,,,,0"),
        msg(1, "4CA1D3", "10:00:00.500", "RYR1AB,,,,,,,,,,,0"),
        msg(3, "4CA1D3", "10:00:30.000", ",35000,,,59.8,26.3,,,0,0,0,0"),
        msg(3, "4CA1D3", "10:02:00.000", ",35000,,,59.9,26.9,,,0,0,0,0"),
    ]
    b = decode(write(tmp_path, lines), max_age=60.0)
    assert b.speed()[0] == pytest.approx(231.5, abs=0.05)
    assert math.isnan(b.speed()[1])  # 120 s old by then
    assert list(b.callsign) == ["RYR1AB", "RYR1AB"]  # identity does not go stale


def test_surface_positions_are_on_the_ground(tmp_path: Path) -> None:
    lines = [
        msg(5, "4CA1D3", "10:00:00.000", ",1500,,,,,,,0,,0,0"),
        msg(2, "4CA1D3", "10:00:10.000", ",,12,270.0,60.3172,24.9633,,,,,,-1"),
    ]
    b = decode(write(tmp_path, lines))
    assert b.on_ground.tolist() == [True]
    assert math.isnan(b.alt[0])  # the airborne altitude is not carried onto the ground
    assert b.vel_e[0] == pytest.approx(-12 * 1852 / 3600)


def test_non_icao_addresses_keep_their_tilde(tmp_path: Path) -> None:
    lines = [msg(3, "~2A0F1B", "10:00:00.000", ",1200,,,40.1,-75.2,,,0,0,0,0")]
    b = decode(write(tmp_path, lines))
    assert list(b.identity) == ["icao:~2a0f1b"]


def test_crlf_gzip_and_missing_final_newline(tmp_path: Path) -> None:
    plain = decode(write(tmp_path, RECORDING))
    crlf = decode(write(tmp_path, RECORDING, "crlf.sbs", crlf=True))
    np.testing.assert_array_equal(crlf.t, plain.t)
    zipped = tmp_path / "feed.sbs.gz"
    zipped.write_bytes(gzip.compress("\n".join(RECORDING).encode()))  # no final newline
    q = Quarantine()
    z = decode(zipped, q)
    np.testing.assert_array_equal(z.lat, plain.lat)
    assert q.count == 0


def test_lines_without_position_are_counted_not_rejected(tmp_path: Path) -> None:
    q = Quarantine()
    b = decode(write(tmp_path, RECORDING), q)
    assert q.count == 0
    assert q.skipped["blank line"] == 1
    assert q.skipped["AIR message: no position"] == 1
    assert q.skipped["ID message: no position"] == 1
    assert q.skipped["STA message: no position"] == 1
    assert q.skipped["MSG,4: no position"] == 2
    assert q.skipped["MSG,8: no position"] == 1
    assert len(b) + sum(q.skipped.values()) == len(RECORDING)


BAD = {
    # line content: reason
    "MSG,3,1,1,4CA1D3,1,2025/09/19,10:15:30.1": "expected 22 fields, got 8",
    msg(
        3, "4CA1D3", "10:15:31.000", ",35000,,,5x.81,26.35,,,0,0,0,0"
    ): "lat '5x.81' is not a number",
    msg(3, "ZZ12", "10:15:31.000", ",35000,,,59.81,26.35,,,0,0,0,0"): (
        "hex ident 'ZZ12' is not 6 hex digits"
    ),
    msg(3, "4CA1D3", "10:15:31.000", ",35000,,,123.4,26.35,,,0,0,0,0"): (
        "lat 123.4 out of range [-90, 90]"
    ),
    msg(9, "4CA1D3", "10:15:31.000", ",35000,,,59.81,26.35,,,0,0,0,0"): (
        "transmission type '9' is not 1 to 8"
    ),
    msg(3, "4CA1D3", "10:15:31.000", ",35000,,,59.81,,,,0,0,0,0"): "lat given without lon",
    msg(6, "4CA1D3", "10:15:31.000", ",35000,,,,,,7780,0,0,0,0"): (
        "squawk '7780' is not a 4-digit octal code"
    ),
    msg(3, "4CA1D3", "10:15:31.000", ",35000,,,59.81,26.35,,,0,0,0,2"): (
        "is-on-ground '2' is not one of '-1', '1', '0'"
    ),
    "FOO,1,2,3": "message type 'FOO' is not one of MSG, SEL, ID, AIR, STA, CLK",
}


def test_malformed_lines_are_quarantined_with_line_and_reason(tmp_path: Path) -> None:
    bad_date = RECORDING[9].replace("2025/09/19,10:15:30.123", "2025/02/30,10:15:30.123", 1)
    bad_clock = RECORDING[9].replace("10:15:30.123", "25:15:30.123", 1)
    lines = [*RECORDING[:9], *BAD, bad_date, bad_clock, *RECORDING[9:]]
    path = tmp_path / "bad.sbs"
    garbage = b"\x00\xff\xfe\x81MSG,\xc3\x28,,,\x9f"
    path.write_bytes("\n".join(lines).encode() + b"\n" + garbage + b"\n")
    out = tmp_path / "quarantine.jsonl"
    with Quarantine(out) as q:
        b = decode(path, q)
    expected = {10 + i: reason for i, reason in enumerate(BAD.values())}
    expected[10 + len(BAD)] = "date generated '2025/02/30' is not a date in 1970-2099"
    expected[11 + len(BAD)] = "time generated '25:15:30.123' is not a time of day"
    garbage_line = len(lines) + 1
    records = [json.loads(x) for x in out.read_text().splitlines()]
    got = {r["line"]: r["reason"] for r in records}
    assert got.pop(garbage_line).startswith("message type ")
    assert got == expected
    assert q.count == len(expected) + 1
    assert q.by_reason["lat 123.4 out of range [-90, 90]"] == 1
    assert all(r["source"] == str(path) for r in records)
    by_line = {r["line"]: r for r in records}
    assert by_line[10]["raw"] == next(iter(BAD))
    assert by_line[garbage_line]["raw_b64"]  # undecodable bytes are kept as base64
    # Every good position still comes out, with its carried state.
    assert len(b) == 4
    assert list(b.callsign) == ["", "RYR1AB", "", "RYR1AB"]


def test_over_long_lines_are_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "long.sbs"
    path.write_bytes(RECORDING[3].encode() + b"\n" + b"x" * 5000 + b"\n" + RECORDING[9].encode())
    q = Quarantine()
    b = decode(path, q, block_bytes=256, max_line_bytes=1000)
    assert len(b) == 2
    assert [(r["line"], r["reason"]) for r in q.records] == [(2, "line longer than 1000 bytes")]


def test_unreadable_file_is_quarantined_not_raised(tmp_path: Path) -> None:
    q = Quarantine()
    assert len(decode(tmp_path / "absent.sbs", q)) == 0
    assert q.count == 1
    assert q.records[0]["reason"].startswith("file unreadable")  # type: ignore[union-attr]


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def accounted(path: Path) -> tuple[int, int, int]:
    q = Quarantine()
    reports = sum(len(b) for b in read_file(path, "sbs", q, block_bytes=128))
    return reports, q.count, sum(q.skipped.values())


_GOOD = [line for line in RECORDING if line]


@st.composite
def mutated_lines(draw: st.DrawFn) -> str:
    """A recorded line with a few fields replaced, cut short, or pure noise."""
    kind = draw(st.sampled_from(["keep", "field", "cut", "noise"]))
    line = draw(st.sampled_from(_GOOD))
    if kind == "cut":
        return line[: draw(st.integers(0, len(line)))]
    if kind == "noise":
        return draw(st.text(st.characters(exclude_characters="\n"), max_size=60))
    if kind == "field":
        parts = line.split(",")
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(parts) - 1))
            parts[i] = draw(
                st.one_of(
                    st.text(st.characters(exclude_characters="\n,"), max_size=12),
                    st.sampled_from(["", "-1", "1e999", "nan", "~", "99:99:99", "0000/00/00"]),
                )
            )
        return ",".join(parts)
    return line


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE_OK)
@given(st.lists(mutated_lines(), max_size=30), st.booleans())
def test_any_input_is_fully_accounted_for(tmp_path: Path, lines: list[str], final: bool) -> None:
    path = tmp_path / "fuzz.sbs"
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + (b"\n" if final else b"")
    path.write_bytes(data)
    reports, rejected, skipped = accounted(path)
    assert reports + rejected + skipped == count_lines(data)


@settings(max_examples=100, deadline=None, suppress_health_check=FIXTURE_OK)
@given(st.binary(max_size=400))
def test_binary_garbage_never_raises(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "garbage.sbs"
    path.write_bytes(data)
    reports, rejected, skipped = accounted(path)
    assert reports + rejected + skipped == count_lines(data)


def test_an_aircraft_silent_for_ten_minutes_is_forgotten_wherever_chunks_are_cut(
    tmp_path: Path,
) -> None:
    """Callsign and squawk are carried while the aircraft is heard; after ten minutes
    of silence (``_carry.FORGET_S``) its next positions start afresh, in one chunk or
    in many (the decision is per row, from the gap, not from where a chunk ends)."""
    lines = [
        msg(1, "4CA1D3", "10:00:00.000", "RYR1AB,,,,,,,,,,,0"),
        msg(3, "4CA1D3", "10:00:05.000", ",35000,,,59.8,26.3,,,0,0,0,0"),
        msg(3, "4CA1D3", "10:09:00.000", ",35000,,,59.9,26.9,,,0,0,0,0"),  # 535 s: carried
        msg(3, "3C6586", "10:15:00.000", ",3000,,,50.0,8.5,,,0,0,0,0"),
        msg(3, "4CA1D3", "10:19:30.000", ",35000,,,60.0,27.5,,,0,0,0,0"),  # 630 s silent
        msg(1, "4CA1D3", "10:19:31.000", "RYR9ZZ,,,,,,,,,,,0"),
        msg(3, "4CA1D3", "10:19:32.000", ",35000,,,60.0,27.6,,,0,0,0,0"),
    ]
    path = write(tmp_path, lines)
    for block in (None, 60, 150, 400):
        options = {} if block is None else {"block_bytes": block}
        b = decode(path, **options)
        ryr = b.identity == "icao:4ca1d3"
        assert list(b.callsign[ryr]) == ["RYR1AB", "RYR1AB", "", "RYR9ZZ"], block


def test_a_live_feed_remembers_the_aircraft_of_the_last_ten_minutes_not_all_it_heard() -> None:
    """A feed whose traffic turns over (a new aircraft every second, each heard for a
    minute) for two hours: the decoder's memory holds the last ten minutes' aircraft,
    not the 7,200 it heard (issue 13: the soak's heap grew with every aircraft ever heard,
    and each chunk sorted them all again)."""
    dec, q = SbsDecoder(), Quarantine()
    for minute in range(120):
        lines = []
        for sec in range(0, 60, 5):
            for k in range(minute * 60 + sec - 55, minute * 60 + sec + 1):  # aircraft k
                if k >= 0:  # heard from second k to second k + 55
                    clock = f"{10 + minute // 60:02d}:{minute % 60:02d}:{sec:02d}.000"
                    lines.append(msg(3, f"{k:06X}", clock, ",3000,,,50.0,8.5,,,0,0,0,0"))
        dec.feed(("\n".join(lines) + "\n").encode(), q)
    held = len(dec._carry.keys)
    assert 0 < held <= 11 * 60 + 60  # heard within the last 10 minutes, plus a chunk
    assert q.count == 0


def test_a_line_stamped_ahead_of_the_others_makes_no_aircraft_look_silent(
    tmp_path: Path,
) -> None:
    """A file need not be in time order (the simulator writes every identification
    first, each at its aircraft's first report): an aircraft first heard 30 minutes
    later must not make the others' memory look ten minutes silent."""
    lines = [
        msg(1, "4CA1D3", "10:00:00.000", "RYR1AB,,,,,,,,,,,0"),
        msg(1, "3C6586", "10:30:00.000", "DLH4X,,,,,,,,,,,0"),
        *(
            msg(3, "4CA1D3", f"10:{m:02d}:05.000", ",35000,,,59.8,26.3,,,0,0,0,0")
            for m in range(0, 20)
        ),
    ]
    for block in (None, 90, 200):
        options = {} if block is None else {"block_bytes": block}
        b = decode(write(tmp_path, lines), **options)
        assert list(b.callsign) == ["RYR1AB"] * 20, block
