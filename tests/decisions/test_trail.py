"""A torn or unwritable audit log holds the recommendation trail back without stopping
the watch: the recommendations wait in a backlog and reach the log, in order, once the
log is repaired (issue 13: a log in doubt used to stop the pipeline and the console)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airsentry.decisions.audit import AuditLog, verify
from airsentry.decisions.audit_repair import repair
from airsentry.decisions.trail import RecommendationTrail
from airsentry.incidents import IncidentBook, IncidentStore
from airsentry.model import Incident
from airsentry.respond.playbook import Responder, load
from airsentry.step import Step
from incident_builders import make_incident

NOW = datetime(2025, 9, 22, 18, 30, tzinfo=UTC)


@pytest.fixture
def booked(tmp_path: Path) -> Iterator[list[Incident]]:
    with IncidentStore(tmp_path / "book.db") as store:
        book = IncidentBook(store, Responder(load()))
        changed = book.add(make_incident("sovereign", ["fast_jet"] * 3).events)
        changed += book.add(make_incident("airport", ["drone"]).events)
        yield changed


def logged(log: AuditLog) -> list[str]:
    return [e["data"]["incident_id"] for e in log.entries() if e["kind"] == "recommendation"]


def test_a_torn_log_keeps_the_recommendations_until_it_is_repaired(
    tmp_path: Path, booked: list[Incident], caplog: pytest.LogCaptureFixture
):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append("note", {"text": "start"}, time=NOW)
    with log.path.open("ab") as fh:
        fh.write(b'{"seq":2,"time":"2025-')  # a crash mid-write
    trail = RecommendationTrail(log)
    with caplog.at_level(logging.ERROR, logger="airsentry.audit"):
        trail.write(Step(incidents=booked))  # does not raise: the watch goes on
        trail.write(Step(incidents=booked[:1]))
    assert trail.pending == len({i.id for i in booked}) > 0
    assert trail.failures == 2
    assert sum("held back" in r.message for r in caplog.records) == 1  # said once
    assert logged(log) == []

    repair(log, time=NOW)
    trail.write(Step())  # the next step, with nothing new, drains the backlog
    assert trail.pending == 0
    ids = logged(log)
    assert sorted(ids) == sorted({i.id for i in booked})
    assert ids[-1] == booked[0].id  # the one seen again last goes last
    assert verify(log.path) == []


def test_closing_with_a_backlog_says_what_is_missing(
    tmp_path: Path, booked: list[Incident], caplog: pytest.LogCaptureFixture
):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append("note", {"text": "start"}, time=NOW)
    log.path.write_bytes(log.path.read_bytes() + b'{"seq"')
    trail = RecommendationTrail(log)
    trail.write(Step(incidents=booked))
    with caplog.at_level(logging.ERROR, logger="airsentry.audit"):
        trail.close()
    assert "never reached the audit log" in caplog.text
    assert "audit repair" in caplog.text


def test_a_whole_log_gets_each_distinct_recommendation_once(tmp_path: Path, booked: list[Incident]):
    log = AuditLog(tmp_path / "audit.jsonl")
    trail = RecommendationTrail(log)
    trail.write(Step(incidents=booked))
    trail.write(Step(incidents=booked))
    assert sorted(logged(log)) == sorted({i.id for i in booked})
    again = RecommendationTrail(log)  # a restart reads what was logged
    again.write(Step(incidents=booked))
    assert len(logged(log)) == len({i.id for i in booked})
    assert trail.pending == again.pending == 0
