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
