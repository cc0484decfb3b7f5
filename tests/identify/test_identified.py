"""What the identify stage hands the watch: Identified, one batch of updates."""

from __future__ import annotations

import numpy as np
from shapely.geometry import box

from airsentry.identify.base import Identified, Identifier
from airsentry.model import Admit, ReportBatch, TrackUpdates, Zone, ZoneKind

ESTONIA = Zone(
    id="sovereign:EST",
    name="Estonia",
    kind=ZoneKind.SOVEREIGN,
    owner="EST",
    geometry=box(21.5, 57.5, 28.2, 59.8),
    admits=frozenset({Admit.CIVIL_COOPERATIVE, Admit.STATE_OWN, Admit.STATE_ALLIED}),
    allies=frozenset({"DEU", "USA"}),
)
KASTRUP = Zone(
    id="airport:EKCH",
    name="Copenhagen Kastrup (EKCH)",
    kind=ZoneKind.AIRPORT,
    owner="DNK",
    geometry=box(12.55, 55.57, 12.7, 55.66),
    admits=frozenset({Admit.NON_DRONE}),
)


def make() -> Identified:
    state = ReportBatch.build(
        t=np.zeros(3),
        lat=59.0,
        lon=25.0,
        alt=[11000.0, 9000.0, 300.0],
        vel_e=[230.0, 250.0, 30.0],
        vel_n=0.0,
        identity=["icao:4ca1d3", "", ""],
        transponder=[True, False, False],
        squawk=["2000", "", ""],
        category=["A3", "", ""],
    )
    updates = TrackUpdates(np.array([1, 2, 3]), state)
    return Identifier([ESTONIA, KASTRUP]).identify(updates)


def test_authorise_pairs() -> None:
    judge = make()
    rows = np.array([0, 1, 2, 0, 1, 2])
    zones = np.array([0, 0, 0, 1, 1, 1])
    assert judge.admitted(rows, zones).tolist() == [True, False, False, True, True, False]


def test_describe_gives_admission_and_classification_reasons() -> None:
    why, cls = make().describe(1, 0, False)
    assert cls == "fast_jet"
    assert "fast jet (250 m/s) without transponder" in why
    assert any(r.startswith("not admitted in Estonia airspace") for r in why)
    assert any(r.startswith("classified fast jet (") for r in why)
    assert any("only military jets" in r for r in why)
    why, cls = make().describe(2, 1, False)
    assert cls == "drone"
    assert "drone inside the drone zone of Copenhagen Kastrup (EKCH)" in why


def test_held_class_covers_ended_tracks_and_nothing_else() -> None:
    identifier = Identifier([ESTONIA, KASTRUP])
    first = make().updates
    identifier.identify(first)
    later = identifier.identify(first.take([0]), ended=[3])
    assert later.track_class(1) == "airliner"
    assert later.track_class(3) == "drone"  # ended with this batch: its class is still known
    assert later.track_class(2) == "unknown"  # neither updated nor ended here
    assert later.track_class(99) == "unknown"


def test_describe_many_gives_describe_s_text_event_for_event() -> None:
    """Entries of a batch are described together (columns read once); each gets the
    text :meth:`Identified.describe` gives it alone: admitted, refused, named by a
    permit, a cooperative state aircraft to verify, an emergency."""
    from airsentry.identify.registers import parse_registers

    t0 = 1_758_300_000.0  # inside the permit's validity
    state = ReportBatch.build(
        t=np.full(6, t0),
        lat=59.0,
        lon=25.0,
        alt=[11000.0, 9000.0, 300.0, 60.0, 8000.0, 10000.0],
        vel_e=[230.0, 250.0, 30.0, 3.0, 200.0, 220.0],
        vel_n=[0.0, 0.0, 0.0, 1.0, 20.0, 0.0],
        identity=[
            "icao:4ca1d3",
            "",
            "",
            "rid:1581F5FKD229400G0000",
            "icao:010075",
            "icao:4ca1d4",
        ],
        transponder=[True, False, False, True, True, True],
        squawk=["2000", "", "", "", "1000", "7700"],
        callsign=["RYR12", "", "", "", "EGY1071", "DLH4"],
        category=["A3", "", "", "", "", "A5"],
    )
    permit = {"permits": [{"reference": "DK-UAS-0007", "holder": "Copenhagen Police",
                           "remote_ids": ["1581F5FKD229400G0000"], "zones": ["airport:EKCH"],
                           "valid_from": "2025-09-19T00:00:00Z",
                           "valid_to": "2025-09-20T00:00:00Z"}]}  # fmt: skip
    judge = Identifier([ESTONIA, KASTRUP], registers=parse_registers(permit, "p.yaml")).identify(
        TrackUpdates(np.arange(1, 7), state)
    )
    rows = np.repeat(np.arange(6), 2)
    zones = np.tile([0, 1], 6)
    ok = judge.admitted(rows, zones)
    assert ok.any()
    assert not ok.all()
    many = judge.describe_many(rows, zones, ok)
    alone = [
        judge.describe(int(r), int(z), bool(a)) for r, z, a in zip(rows, zones, ok, strict=True)
    ]
    assert many == alone
    text = [r for why, _ in many for r in why]
    assert any("DK-UAS-0007" in r for r in text)  # named by the permit
    assert any(r.startswith("verify clearance") for r in text)
    assert any("squawking 7700" in r for r in text)
    assert judge.describe_many(rows[:0], zones[:0], ok[:0]) == []
