"""Text cues are judged once per run of equal values along a track, not per row: a track
whose identity or category changes mid-batch, interleaved with another track, still
gets each row's own class and admission facts, exactly as row by row."""

from __future__ import annotations

import numpy as np

from airsentry.identify.authority import target_facts
from airsentry.identify.classify import TrackClassifier
from airsentry.identify.icao import parse_identity
from airsentry.model import ReportBatch, TrackUpdates

T0 = 1_758_265_200.0


def _batch() -> TrackUpdates:
    # track 1: a heavy airliner that turns out to be a Remote ID drone halfway (its
    # identity and category change inside the run of its rows); track 2, interleaved:
    # a silent slow target that starts to broadcast a helicopter category
    ids = np.array([1, 2, 1, 2, 1, 2, 1, 2, 1, 2])
    identity = ["icao:4ca1d3", "", "icao:4ca1d3", "", "rid:1581F5FJD229", "",
                "rid:1581F5FJD229", "icao:ae1234", "icao:4ca1d3", "icao:ae1234"]  # fmt: skip
    category = ["A5", "", "A5", "", "B6", "", "", "A7", "A5", "A7"]
    # squawks that declare an emergency and stop (or change) within a track's rows
    squawk = ["7700", "", "7700", "7500", "1000", "7500", "", "7600", "7700", "1200"]
    state = ReportBatch.build(
        t=T0 + np.arange(10) // 2,
        lat=59.0,
        lon=25.0,
        alt=[11000, 400, 11000, 400, 120, 400, 120, 400, 11000, 400],
        vel_e=[240, 20, 240, 20, 12, 20, 12, 30, 240, 30],
        vel_n=0.0,
        transponder=[True, False, True, False, True, False, True, True, True, True],
        identity=identity,
        category=category,
        squawk=squawk,
    )
    return TrackUpdates(ids, state)


def test_classes_and_facts_follow_changes_inside_a_batch() -> None:
    u = _batch()
    squawk = u.state.squawk.tolist()
    whole = TrackClassifier().update(u)
    # the same rows one batch each: per-row evaluation, no runs to share
    one_by_one = TrackClassifier()
    rows = [one_by_one.update(TrackUpdates(u.track_id[[i]], u.state.take([i]))) for i in range(10)]
    assert whole.cls.tolist() == [r.cls[0] for r in rows]
    assert whole.confidence.tolist() == [r.confidence[0] for r in rows]
    assert [tuple(w) for w in whole.reasons] == [tuple(r.reasons[0]) for r in rows]
    # the identity facts handed on to the admission facts are each row's own
    assert whole.address is not None
    assert whole.remote_id is not None
    assert whole.address.tolist() == parse_identity(u.state.identity).tolist()
    assert whole.remote_id.tolist() == [s.startswith("rid:") for s in u.state.identity]
    assert "drone" in whole.cls.tolist()  # the change of identity changed the class
    given = target_facts(u.state.identity, u.state.transponder, u.state.squawk, whole.cls,
                         address=whole.address, remote_id=whole.remote_id,
                         has_identity=whole.has_identity, emergency=whole.emergency,
                         class_code=whole.code)  # fmt: skip
    assert given.emergency.tolist() == [q in ("7500", "7600", "7700") for q in squawk]
    own = target_facts(u.state.identity, u.state.transponder, u.state.squawk, whole.cls)
    for name in ("address", "state_idx", "state_aircraft", "emergency", "drone", "remote_id",
                 "civil"):  # fmt: skip
        assert getattr(given, name).tolist() == getattr(own, name).tolist(), name


def test_rule_levels_of_a_mixed_batch_are_each_rows_own() -> None:
    """Supporting cues are evaluated only for the rules that decide some row: each row's
    rule, class and level are those it gets alone."""
    from airsentry.identify.rules import evaluate

    u = _batch()
    clf = TrackClassifier()
    s = u.state
    g = np.arange(len(u), dtype=np.int64)  # every row its own track
    slot = clf._mem.slots(np.arange(len(u), dtype=np.int64))
    cues = clf._cues(s, g, slot)[0]
    rule, cls, level = evaluate(cues)
    assert len(set(rule.tolist())) >= 3  # the batch mixes rules
    for i in range(len(u)):
        alone = TrackClassifier()
        one = alone._cues(
            s.take([i]), np.zeros(1, np.int64), alone._mem.slots(np.zeros(1, np.int64))
        )
        r1, c1, l1 = evaluate(one[0])
        assert (int(r1[0]), int(c1[0]), int(l1[0])) == (int(rule[i]), int(cls[i]), int(level[i]))


def test_callsign_kinds_alike_short_and_long() -> None:
    """Short columns are looked up entry by entry in a memo, long ones factorised: the
    same kind either way."""
    from airsentry.identify.callsign import kind, kinds

    some = ["AFR1234", "F-GKXA", "", "SAMU31", "RCH871", "NATO01", "DLH4AB", "  ", "BAW1"]
    long = np.array(some * 600, dtype=object)  # over the memo's 4,096
    want = [kind(c) for c in some]
    assert kinds(np.array(some, dtype=object)).tolist() == want
    assert kinds(long).tolist() == want * 600
    assert len(set(want)) >= 4
