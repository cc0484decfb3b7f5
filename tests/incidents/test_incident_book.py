"""The rules that turn events into incidents, against a real SQLite store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from incidents_helpers import (
    EST_AIRPORT,
    EST_BUFFER,
    LVA_SOV,
    approach,
    at,
    entry,
    exit_,
    recommend,
    swarm,
    three_jets,
)

from airsentry.incidents import BookedIncident, IncidentBook, IncidentStore, severity_of
from airsentry.model import Action, Incident, Recommendation


def test_three_jets_for_twelve_minutes_make_one_incident(
    book: IncidentBook, store: IncidentStore
) -> None:
    changed = book.add(three_jets())

    assert len(changed) == 1
    inc = changed[0]
    assert isinstance(inc, BookedIncident)
    assert inc.id == "EST-2025-0001"
    assert inc.object_count == 3
    assert inc.track_ids == [1, 2, 3]
    assert inc.identities == ["icao:150001", "icao:150002", "icao:150003"]
    assert inc.classes == ["fast_jet"]
    assert inc.dwell_s == pytest.approx(720.0)
    assert inc.depth_m == pytest.approx(6000.0)  # deepest exit report of track 3
    assert inc.start == at(1 / 60)
    assert inc.end == at(12 + 3 / 60)
    assert inc.reasons == ["no transponder", "foreign state aircraft"]
    assert inc.recommendation is not None
    assert inc.recommendation.action is Action.INTERCEPT_ESCORT
    assert inc.severity == severity_of(inc)
    assert inc.status == "open"
    assert inc.ordinal == 1
    assert store.get(inc.id, with_events=True) == inc
    assert [e.kind.value for e in inc.events] == ["entry"] * 3 + ["exit"] * 3


def test_entries_two_hours_apart_make_two_incidents(book: IncidentBook) -> None:
    book.add([entry(1, 0), exit_(1, 5)])
    changed = book.add([entry(2, 120), exit_(2, 130)])

    assert [i.id for i in changed] == ["EST-2025-0002"]
    incidents = book.store.list(owner="EST")
    assert [i.id for i in incidents] == ["EST-2025-0001", "EST-2025-0002"]
    assert [i.ordinal for i in incidents] == [1, 2]
    assert [i.track_ids for i in incidents] == [[1], [2]]
    assert incidents[0].dwell_s == pytest.approx(300.0)  # exit minus entry without dwell_s


def test_entry_within_gap_joins_the_open_incident(book: IncidentBook) -> None:
    book.add([entry(1, 0), exit_(1, 5)])
    changed = book.add([entry(2, 50, target_class="drone", reasons=("no Remote ID",))])

    assert len(changed) == 1
    inc = changed[0]
    assert inc.id == "EST-2025-0001"
    assert inc.track_ids == [1, 2]
    assert inc.classes == ["fast_jet", "drone"]
    assert inc.reasons == ["no transponder", "foreign state aircraft", "no Remote ID"]
    assert inc.end == at(50)
    assert len(book.store.list()) == 1


def test_authorised_entries_are_stored_but_make_no_incident(
    book: IncidentBook, store: IncidentStore
) -> None:
    airliners = [entry(t, t, authorised=True, target_class="airliner") for t in (1, 2, 3)]
    changed = book.add([*airliners, exit_(1, 20)])

    assert changed == []
    assert store.list() == []
    assert store.event_count() == 4


def test_unauthorised_buffer_entry_alone_is_only_an_event(
    book: IncidentBook, store: IncidentStore
) -> None:
    assert book.add([entry(7, 0, zone=EST_BUFFER)]) == []
    assert store.list() == []
    assert store.event_count() == 1


def test_swarm_starts_an_incident_and_its_tracks_attach(
    book: IncidentBook, store: IncidentStore
) -> None:
    (inc,) = book.add([swarm(0, [11, 12, 13, 14])])
    assert inc.zone_kind == "buffer"
    assert inc.object_count == 4
    assert inc.track_ids == [11, 12, 13, 14]
    assert inc.reasons == ["4 unauthorised drones within 60 s"]
    assert inc.recommendation is not None
    assert inc.recommendation.action is Action.ALERT_OPERATOR
    assert inc.ordinal is None  # not sovereign airspace

    # A buffer entry of a swarm member attaches; a stranger's does not.
    changed = book.add([entry(12, 1, zone=EST_BUFFER), entry(99, 1, zone=EST_BUFFER)])
    assert [i.id for i in changed] == [inc.id]
    assert changed[0].object_count == 4
    attached = store.events_for(inc.id)
    assert [(e.kind.value, e.track_id) for e in attached] == [
        ("swarm", None),
        ("entry", 12),
    ]
    assert store.event_count() == 3


def test_approach_is_attached_only_to_a_related_incident(
    book: IncidentBook, store: IncidentStore
) -> None:
    (inc,) = book.add([entry(1, 0)])
    book.add([approach(1, 3, zone=EST_AIRPORT), approach(2, 3, zone=EST_AIRPORT)])

    attached = store.events_for(inc.id)
    assert [(e.kind.value, e.track_id) for e in attached] == [("entry", 1), ("approach", 1)]
    assert len(store.list()) == 1  # the unrelated approach made no incident
    assert store.event_count() == 3


def test_events_of_a_track_inside_extend_the_end_and_the_dwell(book: IncidentBook) -> None:
    book.add([entry(1, 0)])
    (inc,) = book.add([approach(1, 10, zone=EST_AIRPORT)])
    assert inc.end == at(10)
    assert inc.dwell_s == pytest.approx(600.0)  # the stay in progress counts

    # After the exit, further events of the track no longer extend the incident.
    book.add([exit_(1, 12)])
    assert book.add([approach(1, 30, zone=EST_AIRPORT)]) == []  # attached, changes nothing
    assert book.add([approach(1, 31)]) == []  # coming back towards the same zone: likewise
    stored = book.store.get(inc.id)
    assert stored is not None
    assert stored.end == at(12)
    assert stored.dwell_s == pytest.approx(720.0)
    assert len(book.store.events_for(inc.id)) == 5


def test_unordered_batch_is_taken_in_time_order(book: IncidentBook) -> None:
    events = three_jets()
    changed = book.add(list(reversed(events)))
    assert len(changed) == 1
    assert changed[0].object_count == 3
    assert changed[0].dwell_s == pytest.approx(720.0)


def test_close_stale_waits_for_exits_and_the_gap(book: IncidentBook, store: IncidentStore) -> None:
    (inc,) = book.add([entry(1, 0), entry(2, 1), exit_(1, 10)])

    assert book.close_stale(at(30)) == []  # gap not passed
    assert book.close_stale(at(200)) == []  # track 2 still inside (and not lost yet)
    book.add([exit_(2, 20)])
    assert book.close_stale(at(20 + 59)) == []
    (closed,) = book.close_stale(at(20 + 60))

    assert closed.id == inc.id
    assert closed.status == "closed"
    stored = store.get(inc.id)
    assert stored is not None
    assert stored.status == "closed"
    assert book.open_incidents() == []
    # A later entry starts a new incident rather than reopening the closed one.
    (new,) = book.add([entry(3, 90)])
    assert new.id == "EST-2025-0002"


def test_a_silent_track_is_lost_after_lost_after_s(store: IncidentStore) -> None:
    book = IncidentBook(store, recommend, gap_s=600.0, lost_after_s=3600.0)
    book.add([entry(1, 0)])
    assert book.close_stale(at(59)) == []
    (closed,) = book.close_stale(at(60))
    assert closed.status == "closed"


def test_restart_resumes_the_open_incident(db: Path | str) -> None:
    with IncidentStore(db) as store:
        book = IncidentBook(store, recommend)
        book.add([entry(1, 0), exit_(1, 5)])
        book.close_stale(at(70))  # EST-2025-0001 closed
        book.add([entry(2, 100), entry(3, 101)])  # EST-2025-0002 open, tracks inside

    with IncidentStore(db) as store:
        book = IncidentBook(store, recommend)
        assert [i.id for i in book.open_incidents()] == ["EST-2025-0002"]
        (inc,) = book.add([exit_(2, 110, dwell_s=600.0), exit_(3, 112, dwell_s=660.0)])
        assert inc.id == "EST-2025-0002"
        assert inc.object_count == 2
        assert inc.dwell_s == pytest.approx(660.0)
        assert inc.ordinal == 2
        closed = store.get("EST-2025-0001")
        assert closed is not None
        assert closed.status == "closed"
        assert len(store.list()) == 2


def test_second_process_continues_the_same_incident(db: Path | str) -> None:
    with IncidentStore(db) as first, IncidentStore(db) as second:
        IncidentBook(first, recommend).add([entry(1, 0)])
        (inc,) = IncidentBook(second, recommend).add([entry(2, 10), exit_(1, 12)])
        assert inc.id == "EST-2025-0001"
        assert inc.track_ids == [1, 2]
        assert first.get(inc.id, with_events=True) == inc


def test_two_books_on_one_file_do_not_overwrite_each_other(db: Path | str) -> None:
    with IncidentStore(db) as first_store, IncidentStore(db) as second_store:
        first = IncidentBook(first_store, recommend)
        second = IncidentBook(second_store, recommend)
        first.add([entry(1, 0)])
        second.add([entry(2, 10), exit_(1, 12)])
        (inc,) = first.add([entry(3, 20)])  # first must see what second wrote

        assert inc.track_ids == [1, 2, 3]
        assert inc.dwell_s == pytest.approx(720.0)  # track 1's exit, written by second
        assert len(first_store.list()) == 1


def test_feeding_the_same_events_twice_changes_nothing(db: Path | str) -> None:
    events = [*three_jets(), *three_jets(start=180), swarm(300, [40, 41], zone=EST_BUFFER)]
    with IncidentStore(db) as store:
        book = IncidentBook(store, recommend)
        first = book.add(events)
        book.close_stale(at(600))
        before = [i.to_dict() for i in store.list()]
        n_events = store.event_count()
        assert book.add(events) == []  # same book: nothing changed

    with IncidentStore(db) as store:  # a second run of the recorded file
        assert IncidentBook(store, recommend).add(events) == []
        assert [i.to_dict() for i in store.list()] == before
        assert store.event_count() == n_events
    assert [i.id for i in first] == ["EST-2025-0001", "EST-2025-0002", "EST-2025-0003"]


def test_counts_per_owner_and_year_and_the_ordinal(
    book: IncidentBook, store: IncidentStore
) -> None:
    book.add([entry(1, 0), exit_(1, 12)])  # EST sovereign
    book.add([entry(2, 0, zone=EST_AIRPORT, target_class="drone")])  # EST airport
    book.add([entry(3, 0, zone=LVA_SOV)])  # LVA sovereign
    book.add([entry(4, 200)])  # EST sovereign, 2nd that year (the first left at 12 min)

    assert store.count_by_owner_year() == {("EST", 2025): 3, ("LVA", 2025): 1}
    assert store.count_by_owner_year(zone_kind="sovereign") == {("EST", 2025): 2, ("LVA", 2025): 1}
    est = {i.id: i for i in store.list(owner="EST")}
    assert est["EST-2025-0001"].ordinal == 1
    assert est["EST-2025-0002"].ordinal is None  # airport zone
    assert est["EST-2025-0003"].ordinal == 2
    lva = store.get("LVA-2025-0001")
    assert lva is not None
    assert lva.ordinal == 1


def test_late_recorded_earlier_incident_takes_its_place_in_the_count(book: IncidentBook) -> None:
    (later,) = book.add([entry(1, 600)])
    assert later.ordinal == 1
    (earlier,) = book.add([entry(2, 0)])  # from an older recording, fed afterwards
    assert earlier.ordinal == 1
    assert earlier.id == "EST-2025-0002"  # ids are never reused or renumbered
    refreshed = book.store.get(later.id)
    assert refreshed is not None
    assert refreshed.ordinal == 2


def test_a_failing_recommender_keeps_nothing(store: IncidentStore) -> None:
    calls = {"n": 0}

    def flaky(incident: Incident) -> Recommendation:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("rules engine unavailable")
        return recommend(incident)

    book = IncidentBook(store, flaky)
    book.add([entry(1, 0)])
    with pytest.raises(RuntimeError, match="unavailable"):
        book.add([entry(2, 1)])

    stored = store.get("EST-2025-0001")
    assert stored is not None
    assert stored.track_ids == [1]  # the failed batch left no trace
    assert store.event_count() == 1
    (inc,) = book.add([entry(2, 1)])  # and the book goes on from the stored state
    assert inc.track_ids == [1, 2]


def incident_like(action: Action | None, objects: int, cls: str, **kw: Any) -> Incident:
    rec = (
        Recommendation(action, (), "operator", False, details=kw.pop("details", {}))
        if action
        else None
    )
    return Incident(id="x", zone_id="z", zone_kind="sovereign", zone_name="z", owner="EST",
                    start=at(0), end=at(1), object_count=objects, classes=[cls],
                    recommendation=rec, **kw)  # fmt: skip


def test_severity_weighs_the_response_and_what_the_incident_is() -> None:
    swarm = incident_like(Action.ALERT_AIR_DEFENCE, 19, "decoy_drone", depth_m=208_000.0,
                          dwell_s=5200.0)  # fmt: skip
    airfield = incident_like(Action.CLOSE_AIRPORT, 1, "drone", depth_m=1700.0, dwell_s=190.0)
    assert severity_of(swarm) > severity_of(airfield)  # 19 drones 208 km deep come first
    one = incident_like(Action.ALERT_OPERATOR, 1, "unknown")
    assert severity_of(incident_like(Action.ALERT_OPERATOR, 3, "unknown")) > severity_of(one)
    assert severity_of(incident_like(Action.ALERT_OPERATOR, 1, "fast_jet")) > severity_of(one)
    near = {"threat": {"heading_to": [{"site": "EPWA", "eta_s": 300.0}]}}
    assert severity_of(incident_like(Action.ALERT_OPERATOR, 1, "unknown", details=near)) > (
        severity_of(one)
    )
    busy = {"impact": {"inbound": 3, "outbound": 1}}
    closed = incident_like(Action.CLOSE_AIRPORT, 1, "drone")
    assert severity_of(incident_like(Action.CLOSE_AIRPORT, 1, "drone", details=busy)) > (
        severity_of(closed)
    )
    assert severity_of(incident_like(None, 0, "")) == 0
    assert 0 <= severity_of(incident_like(Action.ENGAGE, 500, "fast_jet", depth_m=1e7)) <= 99


def test_the_recommender_sees_the_incident_and_its_events(db: Path | str) -> None:
    seen: list[tuple[int, list[str]]] = []

    def watching(incident: Incident) -> Recommendation:
        seen.append((incident.object_count, [e.kind.value for e in incident.events]))
        return recommend(incident)

    with IncidentStore(db) as store:
        IncidentBook(store, watching).add([entry(1, 0)])
    with IncidentStore(db) as store:  # after a restart the events are reloaded
        IncidentBook(store, watching).add([approach(1, 2, zone=EST_AIRPORT), entry(2, 3)])

    assert seen == [(1, ["entry"]), (2, ["entry", "approach", "entry"])]


def test_an_object_still_inside_keeps_the_episode_open_for_the_next(
    book: IncidentBook, store: IncidentStore
) -> None:
    """A drone loitering for hours without a new event is still the same episode: a second
    drone three hours later joins it instead of opening another incident."""
    book.add([entry(1, 0, target_class="drone")])
    assert book.close_stale(at(180)) == []  # still inside, not lost
    book.add([entry(2, 180, target_class="drone")])
    [incident] = store.list(owner="EST")
    assert incident.object_count == 2
    book.add([exit_(1, 185), exit_(2, 186)])
    book.add([entry(3, 400, target_class="drone")])  # both left long before: a new episode
    assert len(store.list(owner="EST")) == 2


def test_booking_is_idempotent_whatever_the_batching(book: IncidentBook, store: IncidentStore):
    """The same episode seen again with its first entry a few seconds apart (another
    batching of the same input) updates the stored incident; it books no copy."""
    book.add([entry(1, 0), exit_(1, 12)])
    assert len(book.close_stale(at(200))) == 1  # closed: a new book will not hold it
    replay = IncidentBook(store, recommend)
    replay.add([entry(1, 0.1), exit_(1, 12)])
    [incident] = store.list(owner="EST")
    assert incident.id == "EST-2025-0001"
