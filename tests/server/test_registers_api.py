"""The register through the API: commanders add and withdraw clearances, permits and own
forces, every role reads them, each write is audited, and the running pipeline admits by
the new entry from its next batch on, without a restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from server_helpers import add_users, wait_for

from airsentry.config import DeploymentConfig
from airsentry.model import ReportBatch
from airsentry.server import create_app
from airsentry.server.runner import time_slices
from airsentry.server.serving import open_context

T0 = 1_758_300_000.0  # 2025-09-19 16:40 UTC
SERIAL_A, SERIAL_B = "1581F5FKD229400A0000", "1581F5FKD229400B0000"
PERMIT_B = {
    "reference": "DK-UAS-0042",
    "holder": "Copenhagen Police drone unit",
    "remote_ids": [SERIAL_B],
    "valid_from": "2025-09-19T00:00:00Z",
    "valid_to": "2025-09-20T00:00:00Z",
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def drone(serial: str, t0: float) -> ReportBatch:
    """A drone broadcasting Remote ID, circling over Copenhagen Kastrup for 4 minutes."""
    k = np.arange(120)
    return ReportBatch.build(
        t=t0 + 2.0 * k,
        lat=55.62 + 0.005 * np.sin(k / 10),
        lon=12.65 + 0.005 * np.cos(k / 10),
        alt=120.0,
        identity=f"rid:{serial}",
        transponder=True,
        category="drone",
        sensor="rid-ekch",
        track_number=-1,
    )


@pytest.fixture
def console(tmp_path):
    """A console whose feed flies drone A, waits at a gate, then flies drone B."""
    gate = threading.Event()

    def feed() -> Iterator[ReportBatch]:
        yield from time_slices(drone(SERIAL_A, T0))
        gate.wait(60)
        yield from time_slices(drone(SERIAL_B, T0 + 900))

    dep = DeploymentConfig(db=tmp_path / "c.sqlite", audit_log=tmp_path / "audit.jsonl")
    ctx = open_context(dep, feed())
    tokens = add_users(ctx)
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        yield client, tokens, ctx, gate
        gate.set()


def identities(ctx) -> set[str]:
    return {i for inc in ctx.store.list() for i in inc.identities}


def test_a_permit_added_at_the_console_admits_the_next_drone_without_a_restart(console):
    client, tokens, ctx, gate = console
    wait_for(lambda: f"rid:{SERIAL_A}" in identities(ctx), 60, "drone A to be booked")
    res = client.post("/api/registers/permits", json=PERMIT_B, headers=auth(tokens["commander"]))
    assert res.status_code == 201, res.text
    assert res.json()["reference"] == "DK-UAS-0042"
    gate.set()
    wait_for(lambda: ctx.runner.done, 60, "the feed to finish")
    assert ctx.runner.error is None
    booked = identities(ctx)
    assert f"rid:{SERIAL_A}" in booked  # no permit: booked
    assert f"rid:{SERIAL_B}" not in booked  # permitted while running: admitted


def test_only_a_commander_writes_and_every_write_is_audited(console):
    client, tokens, ctx, gate = console
    gate.set()
    for role in ("viewer", "operator"):
        res = client.post("/api/registers/permits", json=PERMIT_B, headers=auth(tokens[role]))
        assert res.status_code == 403, res.text
    assert ctx.store.registers.entries() == []
    res = client.post("/api/registers/permits", json=PERMIT_B, headers=auth(tokens["commander"]))
    entry_id = res.json()["id"]
    again = client.post("/api/registers/permits", json=PERMIT_B, headers=auth(tokens["commander"]))
    assert again.status_code == 409
    for role in ("viewer", "operator", "commander"):
        listed = client.get("/api/registers", headers=auth(tokens[role])).json()
        assert [e["reference"] for e in listed["entries"]] == ["DK-UAS-0042"]
    withdraw = f"/api/registers/entries/{entry_id}/withdraw"
    assert client.post(withdraw, json={}, headers=auth(tokens["operator"])).status_code == 403
    res = client.post(withdraw, json={"note": "operation over"}, headers=auth(tokens["commander"]))
    assert res.status_code == 200, res.text
    assert res.json()["withdrawn_by"] == "commander-user"
    assert client.post(withdraw, json={}, headers=auth(tokens["commander"])).status_code == 409
    missing = "/api/registers/entries/999/withdraw"
    assert client.post(missing, json={}, headers=auth(tokens["commander"])).status_code == 404
    everything = client.get("/api/registers?all=true", headers=auth(tokens["viewer"])).json()
    assert [e["in_force"] for e in everything["entries"]] == [False]
    assert client.get("/api/registers", headers=auth(tokens["viewer"])).json()["entries"] == []

    log = list(ctx.desk.log.entries())
    kinds = [e["kind"] for e in log]
    assert kinds.count("register_add") == 1
    assert kinds.count("register_withdraw") == 1
    assert kinds.count("denied") == 3  # viewer and operator adds, the operator's withdrawal
    added = next(e["data"] for e in log if e["kind"] == "register_add")
    assert (added["operator"], added["reference"]) == ("commander-user", "DK-UAS-0042")
    assert ctx.desk.log.verify() == []


def test_a_faulty_entry_is_refused_naming_the_field(console):
    client, tokens, ctx, gate = console
    gate.set()
    bad = PERMIT_B | {"valid_to": "2025-09-18T00:00:00Z"}
    res = client.post("/api/registers/permits", json=bad, headers=auth(tokens["commander"]))
    assert res.status_code == 422
    assert "permits[0].valid_to" in res.json()["detail"]
    res = client.post("/api/registers/passes", json=PERMIT_B, headers=auth(tokens["commander"]))
    assert res.status_code == 422
    assert ctx.store.registers.entries(in_force_only=False) == []


@pytest.mark.parametrize(
    "path", ["/api/registers", "/api/registers/permits", "/api/registers/entries/1/withdraw"]
)
def test_without_a_valid_token_the_register_is_401(console, path):
    client, _, ctx, gate = console
    gate.set()
    res = client.get(path) if path == "/api/registers" else client.post(path, json=PERMIT_B)
    assert res.status_code == 401
    assert ctx.store.registers.entries(in_force_only=False) == []


def test_the_command_line_adds_lists_and_withdraws_on_the_audited_record(tmp_path, capsys):
    import yaml

    from airsentry.cli import main
    from airsentry.decisions.audit import AuditLog

    db, log = tmp_path / "r.sqlite", tmp_path / "r.audit.jsonl"
    where = ["--db", str(db)]
    (tmp_path / "reg.yaml").write_text(yaml.safe_dump({"permits": [PERMIT_B]}))
    add = ["registers", "add", str(tmp_path / "reg.yaml"), "--operator", "duty", *where]
    assert main([*add, "--audit-log", str(log)]) == 0
    assert main(["registers", "list", *where]) == 0
    out = capsys.readouterr().out
    assert "DK-UAS-0042" in out.splitlines()[-1]
    assert main([*add, "--audit-log", str(log)]) == 2  # in force already: refused
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"permits": [{"reference": "x"}]}))
    bad = ["registers", "add", str(tmp_path / "bad.yaml"), "--operator", "duty", *where]
    assert main(bad) == 2
    assert "bad.yaml" in capsys.readouterr().err
    withdraw = ["registers", "withdraw", "1", "--operator", "duty", "--note", "done"]
    assert main([*withdraw, *where, "--audit-log", str(log)]) == 0
    assert main(["registers", "list", *where]) == 0
    assert "DK-UAS-0042" not in capsys.readouterr().out.split("withdrawn\n", 1)[1]
    kinds = [e["kind"] for e in AuditLog(log).entries()]
    assert kinds == ["register_add", "register_withdraw"]
    assert AuditLog(log).verify() == []
