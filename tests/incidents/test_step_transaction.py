"""One transaction per step: the book's events and incidents and the track log of a step
are committed together (one commit, one fsync), and a failure rolls the whole step back."""

from __future__ import annotations

from pathlib import Path

import pytest

from airsentry.build import open_run
from airsentry.config import DeploymentConfig
from airsentry.incidents.store import IncidentStore
from airsentry.incidents.tracklog import TrackLog
from airsentry.model import ReportBatch
from airsentry.server.runner import time_slices
from airsentry.sim.generate import generate
from airsentry.sim.scenario import load_library
from airsentry.step import Step


@pytest.fixture(scope="module")
def reports() -> ReportBatch:
    return generate(load_library("estonia-2025-09-19"), seed=0)


def test_a_step_with_events_and_track_states_commits_once(
    tmp_path: Path, reports: ReportBatch
) -> None:
    with open_run(DeploymentConfig(db=tmp_path / "a.sqlite")) as run:
        store, p = run.store, run.pipeline
        busy = 0
        for batch in time_slices(reports, 60.0):
            before = store.revision()
            step = p.process(batch)
            # every write transaction bumps the revision: one per step at most
            assert store.revision() - before <= 1
            busy += bool(step.events) and len(step.updates) > 0
        assert busy >= 2  # steps that booked events and logged track states alike
        p.finish()
        assert store.event_count() > 0
        assert store.list()  # the incidents are there
        assert TrackLog(store).span()[2] > 0  # and the track log


class _Failing:
    """A critical sink writing into the book's store that fails on its first step with
    events (the track log failing, say)."""

    def __init__(self, store: IncidentStore) -> None:
        self.writes_to = store
        self.failed = 0

    def write(self, step: Step) -> None:
        if step.events and not self.failed:
            self.failed += 1
            raise RuntimeError("disk full")

    def close(self) -> None:
        pass


def test_a_failing_joined_sink_rolls_the_step_back(tmp_path: Path, reports: ReportBatch) -> None:
    with open_run(DeploymentConfig(db=tmp_path / "b.sqlite")) as run:
        store, p = run.store, run.pipeline
        assert p.book is not None
        failing = _Failing(store)
        p.sinks.append(failing)
        batches = list(time_slices(reports, 60.0))
        done = 0
        for batch in batches:
            before = (store.event_count(), sorted(i.id for i in store.list()))
            try:
                p.process(batch)
            except Exception:
                # nothing of the failed step is stored, and the book holds what the
                # store holds (it reloaded), not what it booked in the rolled-back step
                assert (store.event_count(), sorted(i.id for i in store.list())) == before
                held = sorted(i.id for i in p.book.open_incidents())
                assert held == sorted(i.id for i in store.list() if i.status == "open")
                break
            done += 1
        assert failing.failed == 1
        # the run goes on from there: later steps book as before
        for batch in batches[done + 1 :]:
            p.process(batch)
        p.finish()
        assert store.event_count() > 0
