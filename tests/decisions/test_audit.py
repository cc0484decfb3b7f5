"""The audit log: any edited, deleted, reordered, forged or truncated entry is detected."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airsentry.cli import main
from airsentry.decisions.audit import AuditLog, canonical, verify

NOW = datetime(2025, 9, 22, 18, 30, tzinfo=UTC)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(5):
        log.append("recommendation", {"incident_id": f"DNK-2025-000{i}", "n": i}, time=NOW)
    return log


def lines(log: AuditLog) -> list[str]:
    return log.path.read_text().splitlines(keepends=True)


def rewrite(log: AuditLog, new: list[str]) -> None:
    log.path.write_text("".join(new))


def seqs(log: AuditLog) -> set[int | None]:
    return {p.seq for p in verify(log.path)}


def test_an_untouched_log_verifies(log: AuditLog) -> None:
    assert verify(log.path) == []
    entries = list(log.entries())
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert all(e["prev"] == p["hash"] for p, e in itertools.pairwise(entries))


def test_an_edited_entry_is_named(log: AuditLog) -> None:
    ls = lines(log)
    ls[2] = ls[2].replace('"n":2', '"n":7')
    rewrite(log, ls)
    problems = verify(log.path)
    assert [p.seq for p in problems] == [3]
    assert "edited or forged" in problems[0].reason


def test_a_deleted_entry_is_detected(log: AuditLog) -> None:
    ls = lines(log)
    del ls[1]
    rewrite(log, ls)
    assert 3 in seqs(log)


def test_reordered_entries_are_detected(log: AuditLog) -> None:
    ls = lines(log)
    ls[1], ls[2] = ls[2], ls[1]
    rewrite(log, ls)
    assert {2, 3} <= seqs(log)


def test_a_forged_entry_with_a_recomputed_plain_hash_is_detected(log: AuditLog) -> None:
    last = json.loads(lines(log)[-1])
    forged = {
        "seq": 6,
        "time": "2025-09-22T18:31:00.000Z",
        "kind": "decision",
        "data": {"incident_id": "DNK-2025-0001", "action": "engage", "operator": "mallory"},
        "prev": last["hash"],
        "mac": "sha256",
    }
    forged["hash"] = hashlib.sha256(canonical(forged)).hexdigest()
    rewrite(log, [*lines(log), json.dumps(forged) + "\n"])
    problems = verify(log.path)
    assert 6 in {p.seq for p in problems}
    assert any("forged" in p.reason for p in problems)


def test_a_forged_entry_under_another_key_is_detected(log: AuditLog, tmp_path: Path) -> None:
    other = AuditLog(tmp_path / "other.jsonl")
    for i in range(5):
        other.append("recommendation", {"incident_id": f"DNK-2025-000{i}", "n": i}, time=NOW)
    other.append("decision", {"action": "engage", "operator": "mallory"}, time=NOW)
    forged = other.path.read_text().splitlines(keepends=True)[-1]
    rewrite(log, [*lines(log), forged])
    assert 6 in seqs(log)


def test_removing_the_last_entries_is_detected(log: AuditLog) -> None:
    rewrite(log, lines(log)[:-2])
    problems = verify(log.path)
    assert problems
    assert "removed from the end" in problems[-1].reason


def test_appending_continues_the_chain_across_instances(log: AuditLog) -> None:
    again = AuditLog(log.path)
    entry = again.append("acknowledgement", {"operator": "anna"}, time=NOW)
    assert entry["seq"] == 6
    assert verify(log.path) == []


def test_cli_verify_exit_status_names_the_entry(
    log: AuditLog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "verify", "--log", str(log.path)]) == 0
    assert "5 entries, chain intact" in capsys.readouterr().out
    ls = lines(log)
    ls[3] = ls[3].replace("recommendation", "acknowledgement")
    rewrite(log, ls)
    assert main(["audit", "verify", "--log", str(log.path)]) == 1
    err = capsys.readouterr().err
    assert "line 4 (entry 4)" in err
    assert "edited or forged" in err
    assert main(["audit", "verify", "--log", str(log.path.with_name("none.jsonl"))]) == 2
