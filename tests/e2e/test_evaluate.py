"""End to end: ``airsentry evaluate`` on the whole scenario library meets the bar."""

from __future__ import annotations

import json
import statistics

import pytest

from airsentry.cli import main
from airsentry.sim.scenario import library_names

PENDING = {
    "drone-wall-poland": "issue 11: 174,000 reports (border radars' plots with clutter, RF "
    "and acoustic nodes, the air picture) that today's trackers do not yet fuse into 18 "
    "objects; run it with `airsentry evaluate drone-wall-poland` (minutes, not suite time)",
}
"""Library scenarios not yet held to the bar here, each with why (remove once it passes)."""


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    import contextlib
    import io

    out = io.StringIO()
    names = [n for n in library_names() if n not in PENDING]
    with contextlib.redirect_stdout(out):
        status = main(["evaluate", "--json", *names])
    return status, json.loads(out.getvalue())


def test_whole_library_passes(scores):
    status, results = scores
    assert status == 0
    assert sorted(r["scenario"] for r in results) == sorted(set(library_names()) - set(PENDING))
    assert all(r["passed"] for r in results)
    assert set(PENDING) <= set(library_names())  # a pending name that is gone is stale


def test_recall_and_no_false_incidents_on_controls(scores):
    _, results = scores
    for r in results:
        assert r["recall"] == 1.0, r["scenario"]
        if r["control"]:
            assert r["false"] == 0, r["scenario"]
            assert not r["incidents"], r["scenario"]
        else:
            assert r["found"] >= 1, r["scenario"]
            assert all(e["met"] for e in r["expected"]), r["scenario"]


def test_time_to_alert_and_dwell_error(scores):
    _, results = scores
    found = [m for r in results for m in r["incidents"] if m["status"] == "found"]
    assert statistics.median(m["time_to_alert_s"] for m in found) < 10.0
    assert max(abs(m["dwell_error_s"]) for m in found) < 30.0
    assert all(m["count_error"] == 0 for m in found)


def test_table_and_exit_status_on_failure(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\n"
        "sensors: [{id: A, kind: adsb, period_s: 5}]\n"
        "actors:\n"
        "  - {id: a, kind: airliner, identity: 'icao:48ad04', transponder: true, sensor: A,\n"
        "     route: [{t: '2025-09-10T00:00:00Z', lat: 52.0, lon: 21.0, alt_m: 9000},\n"
        "             {lat: 52.5, lon: 21.0, speed_mps: 200}]}\n"
        "expected: [{zone: sovereign:POL, objects: 1}]\n",
        encoding="utf-8",
    )
    assert main(["evaluate", str(bad)]) == 1
    text = capsys.readouterr().out
    assert "bad: FAIL" in text
    assert "NOT MET" in text
    assert main(["evaluate", "no-such-scenario"]) == 2
