"""The audit log cannot be rewritten without detection (issue 13, failures 5 and 6): a
missing key or head is an error, never a fallback; the key lives where the deployment
says; a head recorded elsewhere is checked; a decision and its audit entry are written
together or not at all; a torn last line is reported and mended only by `audit repair`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airsentry.cli import main
from airsentry.decisions.audit import (
    GENESIS,
    AuditError,
    AuditLog,
    canonical,
    head_path,
    key_path,
    verify,
)
from airsentry.decisions.audit_repair import repair
from airsentry.decisions.desk import Desk, Roster
from airsentry.incidents import IncidentBook, IncidentStore
from airsentry.respond.playbook import Responder, load
from incident_builders import make_incident

NOW = datetime(2025, 9, 22, 18, 30, tzinfo=UTC)


def filled(path: Path, n: int = 4, **kw: object) -> AuditLog:
    log = AuditLog(path, **kw)  # type: ignore[arg-type]
    for i in range(n):
        log.append("decision", {"incident_id": f"X-{i}", "action": "engage"}, time=NOW)
    return log


def plain_chain(entries: list[dict[str, object]]) -> str:
    """The log rewritten as a plain SHA-256 chain, as a forger without the key would."""
    prev, out = GENESIS, []
    for e in entries:
        e = {k: v for k, v in e.items() if k not in ("hash",)}
        e["prev"], e["mac"] = prev, "sha256"
        e["hash"] = prev = hashlib.sha256(canonical(e)).hexdigest()
        out.append(canonical(e).decode() + "\n")
    return "".join(out)


def test_a_log_rewritten_without_its_key_is_not_intact(tmp_path: Path):
    log = filled(tmp_path / "audit.jsonl")
    entries = list(log.entries())
    entries[1]["data"]["action"] = "monitor"  # type: ignore[index]
    key_path(log.path).unlink()
    head_path(log.path).unlink()
    log.path.write_text(plain_chain(entries))
    with pytest.raises(AuditError, match="audit key missing"):
        verify(log.path)  # no key: an error, not "chain intact"
    assert main(["audit", "verify", "--log", str(log.path)]) == 2
    with pytest.raises(AuditError, match="audit key missing"):
        AuditLog(log.path)  # nor is anything written to it unkeyed


def test_the_key_can_live_apart_from_the_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    secure = tmp_path / "secure" / "airsentry.key"
    log = filled(tmp_path / "logs" / "audit.jsonl", key_file=secure)
    assert secure.exists()
    assert not key_path(log.path).exists()
    assert secure.stat().st_mode & 0o077 == 0
    assert verify(log.path, key_file=secure) == []
    args = ["audit", "verify", "--log", str(log.path), "--audit-key", str(secure)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"head 4 {list(log.entries())[-1]['hash']}" in out
    # Even a forger who rewrites the log with a key of their own is caught.
    entries = list(log.entries())
    forged = AuditLog(tmp_path / "forged.jsonl")
    for e in entries:
        forged.append(str(e["kind"]), e["data"], time=NOW)  # type: ignore[arg-type]
    log.path.write_bytes(forged.path.read_bytes())
    assert main(args) == 1


def test_the_key_flag_and_config_key_reach_every_command(tmp_path: Path):
    secure = tmp_path / "vault" / "k"
    config = tmp_path / "dep.yaml"
    config.write_text(f"db: {tmp_path / 'db.sqlite'}\naudit_key: {secure}\n", encoding="utf-8")
    from airsentry.build import audit_log
    from airsentry.config import load_config

    log = audit_log(load_config(config))
    log.append("note", {"x": 1}, time=NOW)
    assert log.key_file == secure
    assert secure.exists()
    assert main(["audit", "verify", "--config", str(config)]) == 0


def test_a_missing_head_is_a_problem(tmp_path: Path):
    log = filled(tmp_path / "audit.jsonl")
    lines = log.path.read_text().splitlines(keepends=True)
    head_path(log.path).unlink()
    log.path.write_text("".join(lines[:2]))  # truncated, and the head removed
    assert any("head missing" in p.reason for p in verify(log.path))
    with pytest.raises(AuditError, match="head missing"):
        log.append("decision", {}, time=NOW)


def test_a_head_recorded_elsewhere_catches_a_consistent_truncation(tmp_path: Path):
    log = filled(tmp_path / "audit.jsonl")
    recorded = list(log.entries())[-1]["hash"]
    lines = log.path.read_text().splitlines(keepends=True)
    log.path.write_text("".join(lines[:2]))
    last = json.loads(lines[1])
    head_path(log.path).write_text(json.dumps({"seq": 2, "hash": last["hash"]}) + "\n")
    assert verify(log.path) == []  # consistent with its own head ...
    problems = verify(log.path, head=str(recorded))  # ... not with the one kept elsewhere
    assert any("recorded elsewhere" in p.reason for p in problems)
    assert main(["audit", "verify", "--log", str(log.path), "--head", str(recorded)]) == 1
    # A head from before later appends is still in the log: fine.
    filled(log.path, 1)
    assert verify(log.path, head=str(last["hash"])) == []


@pytest.fixture
def desk(tmp_path: Path, store_target: Path | str) -> Iterator[tuple[Desk, IncidentStore, str]]:
    with IncidentStore(store_target) as store:
        book = IncidentBook(store, Responder(load()))
        book.add(make_incident("sovereign", ["fast_jet"] * 3).events)
        log = AuditLog(tmp_path / "audit.jsonl")
        yield (
            Desk(store, log, load(), Roster({"Mari": frozenset({"operator"})})),
            store,
            (store.list()[0].id),
        )


def test_a_torn_log_stores_no_decision_until_repaired(
    desk: tuple[Desk, IncidentStore, str], capsys: pytest.CaptureFixture[str]
):
    d, store, incident = desk
    d.acknowledge(incident, "Mari", time=NOW)
    with d.log.path.open("ab") as fh:
        fh.write(b'{"seq":2,"time":"2025-09-22T18:3')  # a crash mid-write
    problems = verify(d.log.path)
    assert [p.line for p in problems] == [2]
    assert "torn" in problems[0].reason
    with pytest.raises(AuditError, match="torn"):
        d.acknowledge(incident, "Mari", time=NOW)
    assert len(store.decisions_for(incident)) == 1  # not stored without its audit entry
    assert main(["audit", "verify", "--log", str(d.log.path)]) == 1
    assert main(["audit", "repair", "--log", str(d.log.path)]) == 0
    assert "32 torn bytes removed" in capsys.readouterr().out
    saved = list(d.log.path.parent.glob("audit.jsonl.torn-*"))
    assert saved[0].read_bytes().startswith(b'{"seq":2')
    assert verify(d.log.path) == []
    assert [e["kind"] for e in d.log.entries()] == ["acknowledgement", "repair"]
    d.acknowledge(incident, "Mari", time=NOW)
    assert len(store.decisions_for(incident)) == 2
    assert verify(d.log.path) == []


def test_repair_refuses_a_log_that_was_edited(tmp_path: Path):
    log = filled(tmp_path / "audit.jsonl")
    text = log.path.read_text().replace('"X-1"', '"X-9"')
    log.path.write_text(text + '{"seq":5')
    with pytest.raises(AuditError, match="not repairable"):
        repair(log, time=NOW)
    assert log.path.read_text().endswith('{"seq":5')  # left as it was
    with pytest.raises(AuditError, match="nothing to repair"):
        repair(filled(tmp_path / "clean.jsonl"), time=NOW)


def test_a_crash_between_entry_and_head_is_repaired_explicitly(tmp_path: Path):
    log = filled(tmp_path / "audit.jsonl")
    head = head_path(log.path).read_text()
    log.append("decision", {"incident_id": "X-9"}, time=NOW)
    head_path(log.path).write_text(head)  # the head write never happened
    assert any("goes past its recorded head" in p.reason for p in verify(log.path))
    with pytest.raises(AuditError):
        log.append("decision", {}, time=NOW)
    assert repair(log, time=NOW).head_advanced
    assert verify(log.path) == []
