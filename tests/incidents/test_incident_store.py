"""The incident store, on SQLite and on PostgreSQL: opening, schema, durability, reads
and decisions (and what only an SQLite file has: paths, WAL)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from incidents_helpers import EST_AIRPORT, LVA_SOV, approach, at, entry, exit_, swarm, three_jets
from platformdirs import user_data_dir

from airsentry.errors import NotFound, StoreError
from airsentry.incidents import DecisionKind, IncidentBook, IncidentStore, default_db_path
from airsentry.incidents.schema import SCHEMA_VERSION, migrate
from airsentry.model import Action, Event


def _dicts(events: list[Event]) -> list[dict[str, object]]:
    return [e.to_dict() for e in events]


def test_a_new_store_gets_every_table_of_the_schema(store: IncidentStore) -> None:
    with store.reading("list tables") as conn:
        for table in ("events", "incidents", "incident_tracks", "decisions", "users",
                      "revision", "record", "outbox"):  # fmt: skip
            assert store.dialect.has_table(conn, table), table
    assert store.schema_version == SCHEMA_VERSION


def test_a_new_file_gets_the_current_schema_in_wal_mode(db_path: Path) -> None:
    IncidentStore(db_path).close()
    assert db_path.exists()
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        raw.close()
    assert {"events", "incidents", "incident_tracks", "decisions", "users", "revision"} <= tables


def test_default_path_is_in_the_user_data_directory() -> None:
    path = default_db_path()
    assert path.name == "airsentry.sqlite"
    assert path.parent == Path(user_data_dir("airsentry"))


def test_path_below_a_file_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StoreError) as info:
        IncidentStore(blocker / "db.sqlite")
    assert info.value.path == str(blocker / "db.sqlite")
    assert "directory" in info.value.reason


def test_a_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        IncidentStore(tmp_path)


def test_a_garbage_file_raises_store_error(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not an SQLite database, just bytes\n" * 100)
    with pytest.raises(StoreError) as info:
        IncidentStore(garbage)
    assert "not a database" in info.value.reason
    assert garbage.read_bytes().startswith(b"this is not")  # left untouched


def test_a_newer_schema_is_refused(db: Path | str) -> None:
    with IncidentStore(db) as store, store.writing("set a newer version") as conn:
        store.dialect.set_schema_version(conn, SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="newer"):
        IncidentStore(db)


def test_events_round_trip_and_are_not_stored_twice(store: IncidentStore) -> None:
    events = [*three_jets(), approach(5, 1, zone=EST_AIRPORT), swarm(2, [7, 8])]
    assert store.add_events(events) == len(events)
    assert store.add_events(events) == 0
    assert store.event_count() == len(events)
    with store.writing("count changes") as conn:  # as SQLite counts them, on both
        before = conn.total_changes
        conn.execute("SELECT COUNT(*) FROM events").fetchone()
        conn.execute("UPDATE events SET kind = kind WHERE kind = 'entry'")
        assert conn.total_changes - before == 3


def test_events_linked_to_an_incident_come_back_in_time_order(
    book: IncidentBook, store: IncidentStore
) -> None:
    events = three_jets()
    (inc,) = book.add(list(reversed(events)))
    back = store.events_for(inc.id)
    assert _dicts(back) == _dicts(sorted(events, key=lambda e: e.time))
    assert back[0].time.tzinfo is not None


def test_an_accepted_event_survives_a_crash(db: Path | str) -> None:
    """A process that dies right after add_events (no close, no cleanup) loses nothing."""
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from incidents_helpers import three_jets, recommend
        from airsentry.incidents import IncidentBook, IncidentStore
        store = IncidentStore({str(db)!r})
        IncidentBook(store, recommend).add(three_jets())
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    with IncidentStore(db) as store:
        assert store.event_count() == 6
        inc = store.get("EST-2025-0001")
        assert inc is not None
        assert inc.object_count == 3


def test_a_failed_transaction_keeps_nothing(store: IncidentStore) -> None:
    def batch_that_fails() -> None:
        with store.transaction():
            store.add_events([entry(1, 0)])
            raise RuntimeError("crash in the middle of a batch")

    with pytest.raises(RuntimeError, match="crash"):
        batch_that_fails()
    assert store.event_count() == 0
    store.add_events([entry(1, 0)])  # and the store is usable afterwards
    assert store.event_count() == 1


def test_writers_on_several_threads_are_serialised(store: IncidentStore) -> None:
    def write(offset: int) -> None:
        for i in range(25):
            store.add_events([entry(offset * 100 + i, i)])

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.event_count() == 100


def test_list_filters(book: IncidentBook, store: IncidentStore) -> None:
    book.add([entry(1, 0), exit_(1, 10)])  # EST sovereign, 2025-09-19 09:58
    book.add([entry(2, 0, zone=LVA_SOV)])  # LVA sovereign
    book.add([entry(3, 0, zone=EST_AIRPORT, target_class="drone")])  # EST airport
    book.add([entry(4, 60 * 24 * 120)])  # EST sovereign, 2026-01-17
    book.close_stale(at(120))

    assert [i.id for i in store.list(owner="EST")] == [
        "EST-2025-0001",
        "EST-2025-0002",
        "EST-2026-0001",
    ]
    assert [i.id for i in store.list(year=2026)] == ["EST-2026-0001"]
    assert [i.id for i in store.list(zone_kind="airport")] == ["EST-2025-0002"]
    assert [i.id for i in store.list(status="closed")] == ["EST-2025-0001"]
    assert [i.id for i in store.list(since=at(0), until=at(60 * 24))] == [
        "EST-2025-0001",
        "LVA-2025-0001",
        "EST-2025-0002",
    ]
    # Active in the window: EST-2025-0001 lasts until minute 10, the others are instants.
    assert [i.id for i in store.list(since=at(5), until=at(60 * 24))] == ["EST-2025-0001"]
    assert store.list(since=at(11), until=at(60 * 24)) == []
    assert [i.id for i in store.list(since=at(11), owner="EST", zone_kind="sovereign")] == [
        "EST-2026-0001"
    ]
    with_events = store.list(owner="LVA", with_events=True)
    assert [len(i.events) for i in with_events] == [1]
    assert store.get("nope") is None


def test_decisions_are_recorded_and_kept(book: IncidentBook, db: Path | str) -> None:
    (inc,) = book.add([entry(1, 0)])
    store = book.store
    ack = store.record_decision(
        inc.id, time=at(1), operator="duty officer Tamm", action="acknowledge"
    )
    store.record_decision(
        inc.id,
        time=at(3),
        operator="commander Kask",
        action=Action.INTERCEPT_ESCORT,
        note="QRA scrambled from Šiauliai",
    )
    assert (ack.kind, ack.action) == (DecisionKind.ACKNOWLEDGE, None)
    with pytest.raises(NotFound) as missing:
        store.record_decision("EST-1999-0001", time=at(1), operator="x", action="acknowledge")
    assert (missing.value.kind, missing.value.key) == ("incident", "EST-1999-0001")
    with pytest.raises(ValueError, match="operator"):
        store.record_decision(inc.id, time=at(1), operator=" ", action="acknowledge")

    with IncidentStore(db) as again:
        decisions = again.decisions_for(inc.id)
    assert [(d.kind, d.action) for d in decisions] == [
        (DecisionKind.ACKNOWLEDGE, None),
        (DecisionKind.AUTHORISE, Action.INTERCEPT_ESCORT),
    ]
    assert decisions[1].note == "QRA scrambled from Šiauliai"
    assert decisions[1].time - decisions[0].time == timedelta(minutes=2)
    assert decisions[0].to_dict()["time"] == "2025-09-19T09:59:00.000Z"


def test_migrate_upgrades_an_empty_file_once(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")  # a zero-length file is an empty database at version 0
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(raw) == 0
        assert migrate(raw) == SCHEMA_VERSION  # already current: nothing to do
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        raw.close()
    with IncidentStore(path) as store:
        assert store.event_count() == 0
