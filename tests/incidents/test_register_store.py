"""The register kept in the store: clearances, permits and own forces added and withdrawn
while running, on SQLite and PostgreSQL (the ``store`` fixture runs both)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from airsentry.errors import InputError, NotFound
from airsentry.identify.registers import Registers, Targets
from airsentry.incidents import IncidentStore
from airsentry.incidents.register_store import RegisterConflict, RegisterWatch
from airsentry.model import Zone, ZoneKind

CLEARANCE = {
    "reference": "PL-DIP-2025-0412",
    "state": "FRA",
    "addresses": ["3b7a12"],
    "callsigns": ["CTM1234"],
    "zones": ["POL"],
    "valid_from": "2025-09-20T00:00:00Z",
    "valid_to": "2025-09-21T00:00:00Z",
}


def cleared(regs: Registers, address: int) -> str:
    zone = Zone("sovereign:POL", "Poland", ZoneKind.SOVEREIGN, "POL", None)
    on = Targets(
        np.array([1758369600.0]),  # 2025-09-20T12:00Z
        np.array([address]),
        np.array([""], dtype=object),
        np.array([""], dtype=object),
        np.array(["adsb"], dtype=object),
    )
    return str(regs.match([zone], np.array([0]), on)[0])


def test_an_entry_added_is_in_force_until_withdrawn_and_each_write_moves_the_version(
    store: IncidentStore,
) -> None:
    reg = store.registers
    v0 = reg.version()
    added = reg.add("clearances", CLEARANCE, by="cmdr", time=1.0e9)
    assert reg.version() > v0
    version, regs = reg.registers()
    assert version == reg.version()
    assert cleared(regs, 0x3B7A12).startswith("cleared: diplomatic clearance PL-DIP-2025-0412")
    assert [e.reference for e in reg.entries()] == ["PL-DIP-2025-0412"]

    gone = reg.withdraw(added.id, by="cmdr2", time=1.0e9 + 60, note="flight cancelled")
    assert (gone.withdrawn_by, gone.withdraw_note, gone.in_force) == (
        "cmdr2",
        "flight cancelled",
        False,
    )
    assert reg.version() > version
    assert cleared(reg.registers()[1], 0x3B7A12) == ""
    assert reg.entries() == []
    kept = reg.entries(in_force_only=False)
    assert [e.to_dict()["withdrawn"] for e in kept] == ["2001-09-09T01:47:40.000Z"]


def test_a_faulty_entry_is_refused_naming_the_field_and_nothing_is_stored(
    store: IncidentStore,
) -> None:
    reg = store.registers
    v0 = reg.version()
    with pytest.raises(InputError, match=r"clearances\[0\]\.valid_to"):
        reg.add("clearances", CLEARANCE | {"valid_to": "2025-09-19T00:00:00Z"}, by="c", time=1.0)
    with pytest.raises(InputError, match="unknown register"):
        reg.add("passes", CLEARANCE, by="c", time=1.0)
    assert reg.entries(in_force_only=False) == []
    assert reg.version() == v0


def test_one_entry_per_reference_is_in_force(store: IncidentStore) -> None:
    reg = store.registers
    first = reg.add("clearances", CLEARANCE, by="c", time=1.0)
    with pytest.raises(RegisterConflict, match="in force"):
        reg.add("clearances", CLEARANCE, by="c", time=2.0)
    reg.withdraw(first.id, by="c", time=3.0)
    with pytest.raises(RegisterConflict, match="withdrawn"):
        reg.withdraw(first.id, by="c", time=4.0)
    with pytest.raises(NotFound):
        reg.withdraw(9999, by="c", time=4.0)
    again = reg.add("clearances", CLEARANCE | {"valid_to": "2025-09-22T00:00:00Z"}, by="c", time=5)
    assert [e.id for e in reg.entries()] == [again.id]


def test_a_register_watch_reloads_only_when_the_version_moves(store: IncidentStore) -> None:
    seen: list[Registers] = []
    file_regs = Registers()
    watch = RegisterWatch(store.registers, file_regs, seen.append)
    assert watch.poll()  # the first poll loads
    assert seen[-1] == file_regs
    assert not watch.poll()  # nothing changed: nothing reloaded
    store.registers.add("clearances", CLEARANCE, by="c", time=1.0)
    assert watch.poll()
    assert cleared(seen[-1], 0x3B7A12) != ""
    assert len(seen) == 2


def test_the_register_survives_reopening(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    with IncidentStore(db) as s:
        s.registers.add("permits", {"reference": "DK-UAS-7", "holder": "police",
                                    "remote_ids": ["1581F5"]}, by="c", time=1.0)  # fmt: skip
    with IncidentStore(db) as s:
        assert [e.entry["holder"] for e in s.registers.entries()] == ["police"]
