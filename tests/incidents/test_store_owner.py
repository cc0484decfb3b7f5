"""The store as the one owner of the database: one writer, readers that never wait for
it, every table (users included) from the schema, decision kinds, NotFound, and a book
that notices another writer through the store's revision, not SQLite's data version."""

from __future__ import annotations

import ast
import gc
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from incidents_helpers import LVA_SOV, at, entry, recommend

from airsentry.errors import NotFound
from airsentry.incidents import (
    DecisionKind,
    IncidentBook,
    IncidentStatus,
    IncidentStore,
    StoredUser,
)
from airsentry.incidents.dialect import POSTGRES
from airsentry.incidents.kinds import decision_of
from airsentry.incidents.schema import MIGRATIONS, SCHEMA_VERSION
from airsentry.model import Action

V1_DUMP = Path(__file__).parent / "data" / "store_v1.sql"
SRC = Path(__file__).resolve().parents[2] / "src" / "airsentry"


def test_a_reader_on_another_thread_is_not_blocked_by_a_long_write(
    book: IncidentBook, store: IncidentStore
) -> None:
    (inc,) = book.add([entry(1, 0)])
    writer_in, reader_done = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def long_write() -> None:
        with store.transaction():
            store.add_events([entry(2, 1)])
            store.record_decision(inc.id, time=at(1), operator="Tamm", action="acknowledge")
            writer_in.set()
            reader_done.wait(10.0)  # hold the write transaction until the reader is done

    def read() -> None:
        writer_in.wait(10.0)
        t0 = time.monotonic()
        seen["incident"] = store.get(inc.id)
        seen["events"] = store.event_count()
        seen["decisions"] = store.decisions_for(inc.id)
        seen["elapsed"] = time.monotonic() - t0
        reader_done.set()

    threads = [threading.Thread(target=long_write), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20.0)
    assert reader_done.is_set(), "the reader waited for the writer"
    assert seen["elapsed"] < 2.0
    # It read the last committed state, not the writer's transaction in progress.
    assert seen["events"] == 1
    assert seen["decisions"] == []
    assert store.event_count() == 2  # and the write committed afterwards
    assert len(store.decisions_for(inc.id)) == 1


def test_reads_inside_a_write_transaction_see_its_writes(store: IncidentStore) -> None:
    with store.transaction():
        store.add_events([entry(1, 0)])
        assert store.event_count() == 1


def test_the_users_table_comes_from_the_schema(store: IncidentStore) -> None:
    with store.reading("read the users' columns") as conn:
        cols = [c[0] for c in conn.execute("SELECT * FROM users LIMIT 0").description]
    assert cols == ["name", "role", "token_sha256", "created"]
    users = store.users
    assert users.put("kask", "commander", "a" * 64)
    assert not users.put("kask", "viewer", "b" * 64)  # taken, and nothing changed
    assert users.put("kask", "operator", "c" * 64, replace=True)
    (only,) = users.all()
    assert (only.name, only.role, only.token_sha256) == ("kask", "operator", "c" * 64)
    assert users.by_token_hash("c" * 64) == only
    assert users.by_token_hash("a" * 64) is None


def test_a_refusal_is_kind_refuse_with_its_action(book: IncidentBook, db: Path | str) -> None:
    (inc,) = book.add([entry(1, 0)])
    store = book.store
    store.record_decision(
        inc.id, time=at(1), operator="Kask", kind=DecisionKind.REFUSE, action=Action.ENGAGE
    )
    store.record_decision(inc.id, time=at(2), operator="Kask", action="refuse:intercept_and_escort")
    store.record_decision(inc.id, time=at(3), operator="Tamm", kind=DecisionKind.NOTE, note="hm")
    with IncidentStore(db) as again:
        back = again.decisions_for(inc.id)
    assert [(d.kind, d.action) for d in back] == [
        (DecisionKind.REFUSE, Action.ENGAGE),
        (DecisionKind.REFUSE, Action.INTERCEPT_ESCORT),
        (DecisionKind.NOTE, None),
    ]
    assert back[0].to_dict()["kind"] == "refuse"
    assert back[0].to_dict()["action"] == "engage"
    assert str(back[0]) == "refuse engage"
    with store.reading("read decisions") as conn:
        rows = [tuple(r) for r in conn.execute("SELECT kind, action FROM decisions ORDER BY id")]
    assert rows == [("refuse", "engage"), ("refuse", "intercept_and_escort"), ("note", None)]


def test_decision_kinds_and_actions_must_fit() -> None:
    assert decision_of(None, "engage") == (DecisionKind.AUTHORISE, Action.ENGAGE)
    assert decision_of(None, "note") == (DecisionKind.NOTE, None)
    assert decision_of(DecisionKind.ACKNOWLEDGE, "acknowledge") == (DecisionKind.ACKNOWLEDGE, None)
    for kind, action in [
        (DecisionKind.REFUSE, None),
        (DecisionKind.NOTE, Action.ENGAGE),
        (None, "refuse:launch_the_moon"),
        (None, None),
    ]:
        with pytest.raises(ValueError):  # noqa: PT011 - each message differs
            decision_of(kind, action)


def test_not_found_names_the_kind_and_the_key(store: IncidentStore) -> None:
    with pytest.raises(NotFound, match="no incident 'EST-2025-0009'") as info:
        store.record_decision("EST-2025-0009", time=at(0), operator="x", action="note")
    assert (info.value.kind, info.value.key) == ("incident", "EST-2025-0009")
    assert not isinstance(info.value, KeyError)


def test_a_book_sees_another_writer_without_data_version(
    book: IncidentBook, db: Path | str
) -> None:
    (inc,) = book.add([entry(1, 0)])
    assert [i.id for i in book.open_incidents()] == [inc.id]
    # Another "process": its own store instance, its own writer connection.
    with IncidentStore(db) as other:
        state = other.state_by_natural_key(other.open_states()[0].natural_key)
        assert state is not None
        state.incident.status = IncidentStatus.CLOSED
        other.save_incident(state.incident, state.tracks.values(), natural_key=state.natural_key)
    book.add([entry(2, 5, zone=LVA_SOV)])  # the next batch notices and reloads
    assert [i.id for i in book.open_incidents()] == ["LVA-2025-0001"]
    assert book.store.get(inc.id) is not None
    assert book.store.get(inc.id).status is IncidentStatus.CLOSED  # type: ignore[union-attr]


def test_the_book_and_the_store_use_no_sqlite_data_version() -> None:
    assert not hasattr(IncidentStore, "data_version")
    for path in (SRC / "incidents").glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        queried = [
            arg.value
            for call in ast.walk(tree)
            if isinstance(call, ast.Call)
            for arg in call.args
            if isinstance(arg, ast.Constant) and "data_version" in str(arg.value)
        ]
        assert not queried, path
    assert "data_version" not in (SRC / "incidents" / "book.py").read_text("utf-8")
    book = ast.parse((SRC / "incidents" / "book.py").read_text("utf-8"))
    imported = {
        a.name
        for n in ast.walk(book)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert "sqlite3" not in imported


def _load_v1(target: Path | str) -> None:
    """The version-1 store of ``V1_DUMP`` at ``target``: the SQLite dump itself, or on
    PostgreSQL the same migration 1 and the same rows (parents first: PostgreSQL checks
    references at once)."""
    dump = V1_DUMP.read_text("utf-8")
    if not isinstance(target, str):
        target.parent.mkdir(parents=True, exist_ok=True)
        raw = sqlite3.connect(target)
        try:
            raw.executescript(dump)
            assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
        finally:
            raw.close()
        return
    conn = POSTGRES.connect(target, 10.0, reader=False)
    try:
        POSTGRES.begin_migration(conn)
        MIGRATIONS[0](conn, POSTGRES)
        POSTGRES.set_schema_version(conn, 1)
        users = dump[dump.index("CREATE TABLE server_users") :]
        conn.execute(users[: users.index(");") + 1])
        for table in ("incidents", "incident_tracks", "events", "decisions", "server_users"):
            for line in dump.splitlines():
                if line.startswith(f'INSERT INTO "{table}" '):
                    conn.execute(line.rstrip(";"))
        for table in ("events", "decisions"):  # as rows numbered by the database itself
            POSTGRES.reset_identity(conn, table)
        conn.execute("COMMIT")
        assert POSTGRES.schema_version(conn) == 1
    finally:
        conn.close()


def test_a_version_1_store_migrates_without_loss(db: Path | str) -> None:
    """A store written by the code of schema version 1 (users made by the server then)."""
    _load_v1(db)
    path = db
    with IncidentStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        incidents = store.list()
        assert [(i.id, i.status) for i in incidents] == [
            ("EST-2025-0001", IncidentStatus.OPEN),  # its jet never left
            ("LVA-2025-0001", IncidentStatus.CLOSED),
        ]
        assert [i.ordinal for i in incidents] == [1, 1]
        assert len(store.events_for("EST-2025-0001")) == 1
        assert store.event_count() == 3
        # Since schema 8 events are keyed by (time, dedup): the events carried over are
        # still recognised when a replay gives them again.
        carried = [e for i in incidents for e in store.events_for(i.id)]
        assert len(carried) == 3
        assert store.add_events(carried) == 0
        assert store.event_count() == 3
        assert [(d.kind, d.action, d.note) for d in store.decisions_for("EST-2025-0001")] == [
            (DecisionKind.ACKNOWLEDGE, None, "seen"),
            (DecisionKind.NOTE, None, "QRA warned"),
            (DecisionKind.AUTHORISE, Action.INTERCEPT_ESCORT, "go"),
        ]
        assert [(d.kind, d.action) for d in store.decisions_for("LVA-2025-0001")] == [
            (DecisionKind.REFUSE, Action.ENGAGE)
        ]
        users = store.users.all()
        assert [(u.name, u.role) for u in users] == [("kask", "commander"), ("tamm", "operator")]
        assert all(isinstance(u, StoredUser) and len(u.token_sha256) == 64 for u in users)
        assert store.users.by_token_hash(users[0].token_sha256) == users[0]
        # The migrated store takes new writes, and a book resumes on it.
        book = IncidentBook(store, recommend)
        (new,) = book.add([entry(7, 60 * 24)])
        assert new.id == "EST-2025-0002"
        later = store.record_decision(
            new.id, time=at(60 * 24), operator="Tamm", kind=DecisionKind.NOTE, note="new"
        )
        assert later.id == 5  # after the four carried over
        with store.reading("list tables") as conn:
            assert not store.dialect.has_table(conn, "server_users")
            assert store.dialect.has_table(conn, "users")


def test_a_finished_thread_leaves_no_read_connection_behind(store: IncidentStore) -> None:
    threads = [threading.Thread(target=store.event_count) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gc.collect()
    assert len(store._readers) == 0
    assert store.event_count() == 0  # this thread's reader
    assert len(store._readers) == 1


def test_readers_cannot_write(store: IncidentStore) -> None:
    with store.reading("try to write") as conn, pytest.raises(store.dialect.errors()):
        conn.execute("DELETE FROM events")


def test_the_book_reloads_only_when_someone_else_wrote(
    book: IncidentBook, store: IncidentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = store.open_states

    def counting() -> list[object]:
        calls.append(1)
        return real()  # type: ignore[return-value]

    monkeypatch.setattr(store, "open_states", counting)
    (inc,) = book.add([entry(1, 0)])
    book.add([entry(2, 1)])
    assert calls == []  # only its own writes: no reload
    store.record_decision(inc.id, time=at(2), operator="Tamm", action="acknowledge")
    book.add([entry(3, 2)])
    assert calls == [1]  # a decision by someone else: one reload, then quiet again
    book.add([entry(4, 3)])
    assert calls == [1]
