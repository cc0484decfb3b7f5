"""Each sink's failure policy (issue 13): a best-effort sink (the events file) that
fails with a real OS error does not stop the watch; it is counted, logged once per
reason, held in a bounded backlog and retried in order; a critical sink's failure stops
the run with an error naming the sink and the reason.

The failures are the operating system's own: ``/dev/full`` (every write: ENOSPC, a
full disk) and an events file replaced by a directory (reopening it: EISDIR).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from airsentry.build import open_run
from airsentry.cli._common import chunks
from airsentry.cli._demo import DEMO_SCENARIO
from airsentry.config import DeploymentConfig
from airsentry.model import ReportBatch
from airsentry.outputs.base import SinkError, SinkPolicy, SinkRunner
from airsentry.outputs.events import EventsFile
from airsentry.sim.generate import generate
from airsentry.sim.scenario import load_library
from airsentry.step import Step

FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full")


@pytest.fixture(scope="module")
def demo_reports() -> ReportBatch:
    return generate(load_library(DEMO_SCENARIO), seed=0)


@pytest.fixture(scope="module")
def steps_with_events(demo_reports: ReportBatch, tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("steps") / "db.sqlite"
    with open_run(DeploymentConfig(db=db)) as run:
        kept = run.pipeline.run(chunks(demo_reports, rows=500))
    steps = [replace(s, batch=None) for s in kept]
    steps = [s for s in steps if s.events]
    assert len(steps) >= 6
    return steps


@needs_dev_full
def test_a_full_disk_under_the_events_file_does_not_stop_the_watch(
    tmp_path: Path, demo_reports: ReportBatch, caplog: pytest.LogCaptureFixture
):
    dep = DeploymentConfig(db=tmp_path / "db.sqlite", events_out=FULL)
    with caplog.at_level(logging.ERROR, logger="airsentry.sinks"), open_run(dep) as run:
        run.pipeline.run(chunks(demo_reports))
        health = {h.name: h for h in run.pipeline.sink_health()}
        incidents = run.incidents()
        totals = run.totals
    events = health[f"EventsFile({FULL})"]
    assert events.policy == "best_effort"
    assert events.failures > 0
    assert "No space left on device" in events.last_error
    assert events.backlog + events.dropped_steps > 0  # nothing written, all counted
    assert totals.reports == len(demo_reports)  # the watch went on to the end
    assert totals.events > 0
    assert incidents
    said = [r for r in caplog.records if "failed, the run goes on" in r.getMessage()]
    assert len(said) == 1  # once per reason, not once per step
    others = [h for name, h in health.items() if name != events.name]
    assert all(h.failures == 0 for h in others)


def test_a_replaced_events_file_is_retried_and_caught_up_in_order(
    tmp_path: Path, steps_with_events: list[Step]
):
    path = tmp_path / "events.jsonl"
    sink = EventsFile(path)
    runner = SinkRunner([sink])
    first, broken, after = steps_with_events[:2], steps_with_events[2:5], steps_with_events[5:]
    for s in first:
        runner.write(s)
    path.rename(tmp_path / "events.jsonl.1")  # rotated away ...
    path.mkdir()  # ... and something else took the name: reopening fails (EISDIR)
    for s in broken:
        runner.write(s)
    (h,) = runner.health()
    assert h.failures == len(broken)
    assert h.backlog == len(broken)
    assert "IsADirectoryError" in h.last_error
    path.rmdir()
    for s in after:
        runner.write(s)
    runner.close()
    (h,) = runner.health()
    assert h.backlog == 0
    assert h.last_error == ""
    assert h.dropped_steps == 0

    def kinds(file: Path) -> list[tuple[str, str]]:
        return [(d["kind"], d["time"]) for d in map(json.loads, file.read_text().splitlines())]

    def expected(steps: list[Step]) -> list[tuple[str, str]]:
        return [(e.to_dict()["kind"], e.to_dict()["time"]) for s in steps for e in s.events]

    assert kinds(tmp_path / "events.jsonl.1") == expected(first)
    assert kinds(path) == expected(broken + after)  # the backlog first, in order, once


@needs_dev_full
def test_a_best_effort_backlog_is_bounded_and_counts_what_it_drops(
    steps_with_events: list[Step],
):
    runner = SinkRunner([EventsFile(FULL)], backlog_steps=3)
    for s in steps_with_events:
        runner.write(s)
    (h,) = runner.health()
    assert h.backlog == 3
    assert h.dropped_steps == len(steps_with_events) - 3
    assert h.dropped_events == sum(len(s.events) for s in steps_with_events[:-3])


@needs_dev_full
def test_a_critical_sink_failure_stops_the_run_naming_the_sink(steps_with_events: list[Step]):
    sink = EventsFile(FULL)
    sink.policy = SinkPolicy.CRITICAL  # type: ignore[misc]  # declared critical here
    runner = SinkRunner([sink])
    with pytest.raises(SinkError) as caught:
        runner.write(steps_with_events[0])
    assert caught.value.sink == f"EventsFile({FULL})"
    assert "No space left on device" in str(caught.value)
