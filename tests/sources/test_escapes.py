"""Decoder escapes (issue 13, failure 2): bytes that crashed a whole run are rejected,
named, and the good records around them kept; one range check of times and numbers
covers every format, for recordings and live feeds alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airsentry.model import ReportBatch, isoformat
from airsentry.sources.base import Guarded, Quarantine, decoder, read_file

NESTED = b"[" * 100_000 + b"]" * 100_000
GOOD_DETECTION = {
    "sensor": "radar-1",
    "kind": "radar",
    "time": 1_720_000_000.0,
    "lat": 47.0,
    "lon": 8.0,
}


def read(path: Path, fmt: str, q: Quarantine) -> ReportBatch:
    return ReportBatch.concat(list(read_file(path, fmt, q)))


@pytest.mark.parametrize("fmt", ["aircraft_json", "readsb_trace"])
def test_deeply_nested_json_is_rejected_not_raised(tmp_path: Path, fmt: str):
    path = tmp_path / "doc.json"
    key = "aircraft" if fmt == "aircraft_json" else "trace"
    path.write_bytes(
        b'{"now": 1720000000, "timestamp": 1720000000, "icao": "abc123", "'
        + key.encode()
        + b'": '
        + NESTED
        + b"}"
    )
    q = Quarantine()
    assert len(read(path, fmt, q)) == 0
    assert q.count == 1
    assert "RecursionError" in q.records[0]["reason"]  # type: ignore[operator]


def test_a_track_id_beyond_int64_rejects_its_line_only(tmp_path: Path):
    lines = [
        GOOD_DETECTION,
        {**GOOD_DETECTION, "track_id": 1 << 70},
        {**GOOD_DETECTION, "time": 1_720_000_001.0, "track_id": 3},
    ]
    path = tmp_path / "det.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    q = Quarantine()
    got = read(path, "detections", q)
    assert len(got) == 2
    assert got.track_number.tolist() == [-1, 3]
    assert q.count == 1
    assert q.records[0]["line"] == 2
    assert "track_id" in str(q.records[0]["reason"])


@pytest.mark.parametrize("when", [253_402_300_800.0, "10000-01-01T00:00:00+00:00", 1 << 80, -5.0])
def test_a_detection_time_out_of_range_is_rejected(tmp_path: Path, when: object):
    path = tmp_path / "det.jsonl"
    rows = [GOOD_DETECTION, {**GOOD_DETECTION, "time": when}]
    path.write_text("".join(json.dumps(x) + "\n" for x in rows), encoding="utf-8")
    q = Quarantine()
    got = read(path, "detections", q)
    assert len(got) == 1
    assert q.count == 1
    assert q.records[0]["line"] == 2


def test_an_aircraft_json_snapshot_in_the_year_10000_is_rejected(tmp_path: Path):
    path = tmp_path / "aircraft.json"
    doc = {
        "now": 253_402_300_900.0,
        "aircraft": [{"hex": "4ca1d3", "lat": 47.0, "lon": 8.0, "seen_pos": 1.0}],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    q = Quarantine()
    got = read(path, "aircraft_json", q)
    assert len(got) == 0
    assert q.by_reason["time out of range (1970 to 2200)"] == 1
    for t in got.t:
        isoformat(float(t))  # what crashed the run at its end


def test_a_jet1090_line_in_the_year_10000_is_rejected(tmp_path: Path):
    path = tmp_path / "j.jsonl"
    line = {
        "timestamp": 253_402_300_900.0,
        "icao24": "4ca1d3",
        "df": "17",
        "bds": "05",
        "latitude": 47.0,
        "longitude": 8.0,
        "altitude": 30000,
    }
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    q = Quarantine()
    assert len(read(path, "jet1090", q)) == 0


class Exploding:
    """A decoder with a bug: raises on the word 'boom'."""

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        if b"boom" in data:
            raise ZeroDivisionError("boom")
        return ReportBatch.empty()

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        return ReportBatch.empty()

    def resync(self, quarantine: Quarantine) -> None:
        pass


def test_a_decoder_that_raises_has_its_piece_quarantined():
    q = Quarantine()
    dec = Guarded(Exploding(), "feed")
    assert len(dec.feed(b"fine", q)) == 0
    assert len(dec.feed(b"boom", q)) == 0
    assert q.count == 1
    assert q.records[0]["reason"] == "decoder failed: ZeroDivisionError: boom"
    assert q.records[0]["source"] == "feed"


def test_every_format_decoder_is_guarded_the_same_way():
    dec = Guarded(decoder("detections", source="x"), "x")
    q = Quarantine()
    line = json.dumps({**GOOD_DETECTION, "lat": 47.0, "alt": 5e9}).encode() + b"\n"
    assert len(dec.feed(line, q)) == 0  # refused by the format itself or the shared check
    assert q.count == 1


def test_a_reports_line_with_a_huge_integer_is_rejected_not_raised(tmp_path: Path):
    """Found by benchmarks/fuzz.py: a number of more than 4,300 digits is beyond
    Python's int parsing limit (ValueError, not a JSONDecodeError) and escaped."""
    good = {"time": "2019-05-24T21:18:38.737000Z", "lat": 47.3, "lon": 8.5, "identity": "a"}
    path = tmp_path / "reports.jsonl"
    huge = b'{"time": 1558732718, "lat": ' + b"4" * 5000 + b', "lon": 8.5}\n'
    path.write_bytes(json.dumps(good).encode() + b"\n" + huge + json.dumps(good).encode() + b"\n")
    q = Quarantine()
    batch = read(path, "reports", q)
    assert len(batch) == 2
    assert q.count == 1
    assert not any(r.startswith("decoder failed") for r in q.by_reason)
    assert "4300" in next(iter(q.by_reason)) or "digits" in next(iter(q.by_reason))


def test_a_reports_parquet_with_a_column_name_not_utf8_is_rejected_not_raised(tmp_path: Path):
    """Found by benchmarks/fuzz.py: a footer whose column name is not UTF-8 raised
    UnicodeDecodeError out of pyarrow's ParquetFile."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "reports.parquet"
    table = pa.table({"time": [1_720_000_000.0], "lat": [47.0], "lon": [8.0], "zqxjkw": ["a"]})
    pq.write_table(table, path)
    data = path.read_bytes()
    assert b"zqxjkw" in data
    path.write_bytes(data.replace(b"zqxjkw", b"zq\xdf\xffkw"))  # same length: still parses
    q = Quarantine()
    batch = read(path, "reports", q)
    assert len(batch) == 0
    assert q.count == 1
    assert not any(r.startswith("decoder failed") for r in q.by_reason)
    assert "Parquet unreadable" in next(iter(q.by_reason))


def test_an_aircraft_json_number_beyond_float64_is_rejected_not_raised(tmp_path: Path):
    """Found by benchmarks/fuzz.py: an integer of 400 digits (valid JSON, beyond float64)
    raised OverflowError out of the aircraft.json decoder."""
    good = {"hex": "4ca1d3", "lat": 59.8, "lon": 26.3, "alt_baro": 35000, "gs": 450}
    doc = b'{"now": 1758275730.5, "aircraft": [' + json.dumps(good).encode()
    doc += b', {"hex": "4ca1d4", "lat": 59.8, "lon": 26.3, "track": 90, "gs": '
    doc += b"9" * 400 + b"}]}\n"
    path = tmp_path / "aircraft.json"
    path.write_bytes(doc)
    q = Quarantine()
    batch = read(path, "aircraft_json", q)
    assert len(batch) == 1
    assert q.count == 1
    assert not any(r.startswith("decoder failed") for r in q.by_reason)


def test_a_detection_kind_that_is_an_object_is_rejected_not_raised(tmp_path: Path):
    """Found by benchmarks/fuzz.py: ``"kind": {...}`` raised TypeError (unhashable) out
    of the detections decoder, and its piece's other lines went with it."""
    bad = {**GOOD_DETECTION, "kind": {"radar": 1}}
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in (GOOD_DETECTION, bad, GOOD_DETECTION)))
    q = Quarantine()
    batch = read(path, "detections", q)
    assert len(batch) == 2
    assert q.count == 1
    assert any("'kind'" in r for r in q.by_reason)


def test_a_jet1090_line_that_is_null_is_rejected_and_does_not_crash_the_process(tmp_path: Path):
    """Found by benchmarks/fuzz.py: pyarrow 26's JSON reader dies with SIGSEGV on a block
    whose first value is ``null`` (a live jet1090 feed could kill airsentry). Run in a
    child process, so that a crash fails this test instead of ending the suite."""
    import os
    import subprocess
    import sys

    path = tmp_path / "feed.jsonl"
    good = b'{"timestamp": 1720248189.5, "icao24": "393322", "latitude": 48.1, "longitude": 2.3}'
    path.write_bytes(b'null,"TAS":316,"icao24":"393322"}\nnull\n' + good + b"\n")
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from airsentry.sources.base import Quarantine, read_file\n"
        "q = Quarantine()\n"
        "n = sum(len(b) for b in read_file(Path(sys.argv[1]), 'jet1090', q))\n"
        "print(n, q.count, sum(q.skipped.values()))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-500:]
    accepted, rejected, skipped = map(int, done.stdout.split())
    assert (accepted, rejected) == (1, 2)
    assert skipped == 0


def test_a_reports_time_shaped_like_iso_but_no_date_is_rejected_not_raised(tmp_path: Path):
    """Found by benchmarks/fuzz.py: day 34 or hour 61 matched the ISO 8601 pattern, and
    Arrow refused the whole block's cast (ArrowInvalid escaped, the block was lost)."""
    good = {"time": "2019-05-24T21:18:38.737000Z", "lat": 47.3, "lon": 8.5}
    bad = [
        {**good, "time": "2019-05-34T21:19:14.452000Z"},
        {**good, "time": "2019-05-24T61:20:25Z"},
    ]
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in [good, *bad, good]) + "\n")
    q = Quarantine()
    batch = read(path, "reports", q)
    assert len(batch) == 2
    assert q.count == 2
    assert all("not a valid date" in r for r in q.by_reason)
    assert batch.t[0] == pytest.approx(1558732718.737)
