"""A replay's memory does not grow with its input (issue 12).

The commands run :meth:`Pipeline.consume`, which keeps nothing: the events and incidents
are in the store and every sink had every step. :meth:`Pipeline.run`, for callers that
want the steps with events, keeps them without their rows (each used to hold its
batch's whole track-update columns: a replay of 569,000 OpenSky rows peaked at 495 MB
where streaming it needed 350).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from airsentry.build import open_run
from airsentry.cli._common import chunks
from airsentry.cli._demo import DEMO_SCENARIO
from airsentry.config import DeploymentConfig
from airsentry.model import ReportBatch
from airsentry.sim.generate import generate
from airsentry.sim.scenario import load_library


@pytest.fixture(scope="module")
def demo_reports() -> ReportBatch:
    return generate(load_library(DEMO_SCENARIO), seed=0)


def test_consume_keeps_nothing_and_books_what_run_books(
    tmp_path: Path, demo_reports: ReportBatch
) -> None:
    with open_run(DeploymentConfig(db=tmp_path / "a.sqlite")) as run:
        final = run.pipeline.consume(chunks(demo_reports, rows=500))
        consumed = (run.totals.events, run.store.event_count(), len(run.incidents()))
    assert final.final
    with open_run(DeploymentConfig(db=tmp_path / "b.sqlite")) as run:
        kept = run.pipeline.run(chunks(demo_reports, rows=500))
        ran = (sum(len(s.events) for s in kept), run.store.event_count(), len(run.incidents()))
    assert consumed[0] > 0
    assert consumed[2] > 0
    assert consumed == ran
    assert consumed[0] == consumed[1]  # every event counted is in the store


def test_the_steps_run_keeps_carry_their_events_but_not_their_rows(
    tmp_path: Path, demo_reports: ReportBatch
) -> None:
    with open_run(DeploymentConfig(db=tmp_path / "c.sqlite")) as run:
        kept = run.pipeline.run(chunks(demo_reports, rows=500))
    assert len(kept) >= 6
    assert all(s.events or s.incidents for s in kept)
    assert all(s.batch is None and len(s.updates) == 0 and len(s.classes) == 0 for s in kept)
    assert sum(s.reports for s in kept) > 0  # what a step was is still told
