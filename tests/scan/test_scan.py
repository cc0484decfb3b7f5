"""``airsentry scan`` equals ``airsentry replay``, on every engine and partitioning.

The recording is real (the ``traffic`` wheel's Switzerland collection as OpenSky state
vectors, CSV and Parquet, three files, a few broken rows) with a restricted zone over
Zürich, so it raises entries, exits, approaches, a swarm (many unauthorised entries
within an hour), sensor silence (a ten-minute hole in the feed) and an incident. The
events file lines must be byte-identical to the replay's, and the incidents (with
their events and recommendations) equal, whether the scan runs on local processes or
on a real Dask cluster, with 1, 3 or 5 identity partitions.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from scan_helpers import Replayed, incidents_of

from airsentry.cli import main
from airsentry.scan.results import read_events


def scan(replayed: Replayed, out: Path, *extra: str) -> tuple[list[str], Path]:
    db = out.parent / f"{out.name}.db"
    events = out.parent / f"{out.name}.jsonl"
    code = main(
        ["scan", *map(str, replayed.files), "--out", str(out), "--zones", str(replayed.zones),
         "--protect", "all", "--book", "--db", str(db), "--events-out", str(events), *extra]
    )  # fmt: skip
    assert code == 0
    return events.read_text(encoding="utf-8").splitlines(), db


def test_the_recording_exercises_every_detector(replayed: Replayed) -> None:
    kinds = Counter(json.loads(line)["kind"] for line in replayed.events)
    for kind in ("entry", "exit", "approach", "swarm", "sensor_silent", "sensor_back"):
        assert kinds[kind] > 0, kind
    assert replayed.incidents


@pytest.mark.parametrize(
    "engine",
    [
        ("local", "--partitions", "3", "--workers", "2"),
        ("local", "--partitions", "1", "--workers", "1"),
    ],
    ids=["local-3", "local-1"],
)
def test_local_scan_equals_replay(
    replayed: Replayed, tmp_path: Path, engine: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    lines, db = scan(replayed, tmp_path / "out", "--engine", *engine)
    assert lines == replayed.events
    assert incidents_of(db) == replayed.incidents
    progress = capsys.readouterr().err
    parts = engine[engine.index("--partitions") + 1]
    assert "read 3/3 files" in progress
    assert f"partitions {parts}/{parts} done" in progress
    assert "rows/s" in progress


def test_dask_scan_equals_local_and_replay(
    replayed: Replayed, tmp_path: Path, dask_scheduler: str
) -> None:
    lines, db = scan(
        replayed, tmp_path / "out", "--engine", "dask", "--scheduler", dask_scheduler,
        "--partitions", "5",
    )  # fmt: skip
    assert lines == replayed.events
    assert incidents_of(db) == replayed.incidents
    # the Parquet results: one row per event, the fields of the events file
    rows = read_events(tmp_path / "out" / "events.parquet")
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines, strict=True):
        want = json.loads(line)
        got = {k: row[k] for k in want if k != "time"}
        assert got == {k: v for k, v in want.items() if k != "time"}
        assert row["time"] == datetime.fromisoformat(want["time"].replace("Z", "+00:00"))


def test_bad_rows_are_quarantined_with_their_place(
    replayed: Replayed, tmp_path: Path, dask_scheduler: str
) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\xffnot a header\n1,2,3\n")
    out = tmp_path / "out"
    quarantine = tmp_path / "q.jsonl"
    code = main(
        ["scan", *map(str, replayed.files), str(junk), "--out", str(out), "--zones",
         str(replayed.zones), "--protect", "all", "--quarantine", str(quarantine),
         "--engine", "dask", "--scheduler", dask_scheduler]
    )  # fmt: skip
    assert code == 0
    records = [json.loads(x) for x in quarantine.read_text(encoding="utf-8").splitlines()]
    # the recording's broken rows, as replay found them, and the junk file as a whole
    assert [r for r in records if r["source"] != str(junk)] == replayed.quarantine
    assert any(r["source"] == str(junk) for r in records)
    assert all(r["line"] is not None for r in records if r["source"] != str(junk))
    # the scan went on: the events are still the replay's
    assert len(read_events(out / "events.parquet")) == len(replayed.events)


def test_scan_of_reports_out_files_equals_their_replay(
    replayed: Replayed, tmp_path: Path, dask_scheduler: str
) -> None:
    """airsentry's own --reports-out files scan as they replay (format ``reports``)."""
    events = tmp_path / "replay.jsonl"
    common = ["--format", "reports", "--zones", str(replayed.zones), "--protect", "all"]
    assert main(["replay", str(replayed.reports), *common, "--db", str(tmp_path / "r.db"),
                 "--events-out", str(events)]) == 0  # fmt: skip
    want = events.read_text(encoding="utf-8").splitlines()
    assert want
    scanned = tmp_path / "scan.jsonl"
    assert main(["scan", str(replayed.reports), *common, "--out", str(tmp_path / "out"),
                 "--engine", "dask", "--scheduler", dask_scheduler, "--partitions", "4",
                 "--events-out", str(scanned)]) == 0  # fmt: skip
    assert scanned.read_text(encoding="utf-8").splitlines() == want
