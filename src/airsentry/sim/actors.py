"""Checking what the system made of each actor: its class and its recommendation.

An actor of a scenario may state ``expect_class`` (the :class:`~airsentry.model.TargetClass`
the system must give it) and ``expect_action`` (the action recommended for the incidents
that name it, or ``none``: no incident may name it) and ``expect_reason`` (text some event
about one of its tracks must carry: "verify clearance", "own forces: ..."; see
``docs/scenarios.md``).

Tracks are tied to actors by position: every track update within ``gate_m`` of an
actor's true position at the update's time belongs to the nearest such actor (a loop
over actors, whole columns of rows each). The actor's class is the class its latest
update carried (classes are sticky, so the latest is the best informed); the share of
its updates that agree is reported too. Its action is the highest-ranked recommendation
of the booked incidents that name one of its tracks (a track with at least
``min_rows`` updates tied to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.model import Action, Event, Incident, IntArray, ObjArray, TrackUpdates
from airsentry.sim.gospa import ecef
from airsentry.sim.scenario import Actor, Scenario
from airsentry.sim.sensors import truth


@dataclass(slots=True)
class ActorCheck:
    """One actor's stated expectations against what the run gave it."""

    actor: str
    expect_class: str
    expect_action: str
    expect_reason: str = ""
    cls: str = ""  # the class of its latest tied update ("" when no track was tied)
    agree: float = 0.0  # share of its tied updates of the expected class
    action: str = "none"  # the highest recommendation of its incidents
    incidents: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "expect_class": self.expect_class or None,
            "class": self.cls or None,
            "class_agreement": round(self.agree, 3),
            "expect_action": self.expect_action or None,
            "action": self.action,
            "expect_reason": self.expect_reason or None,
            "incidents": list(self.incidents),
            "met": self.met,
            "problems": list(self.problems),
        }


def check_actors(
    scenario: Scenario,
    updates: TrackUpdates,
    classes: ObjArray,
    booked: Sequence[Incident],
    events: Sequence[Event] = (),
    *,
    gate_m: float = 2000.0,
    min_rows: int = 3,
) -> list[ActorCheck]:
    """The checks of every actor of ``scenario`` that states an expectation."""
    wanted = [a for a in scenario.actors if a.expect_class or a.expect_action or a.expect_reason]
    if not wanted:
        return []
    owner = _tie(scenario.actors, updates, gate_m)
    index = {a.id: i for i, a in enumerate(scenario.actors)}
    out = []
    for actor in wanted:
        rows = np.flatnonzero(owner == index[actor.id])
        rows = rows[np.argsort(updates.state.t[rows], kind="stable")]
        check = ActorCheck(actor.id, actor.expect_class, actor.expect_action, actor.expect_reason)
        if len(rows):
            got = classes[rows]
            check.cls = str(got[-1])
            if actor.expect_class:
                check.agree = float(np.mean(got == actor.expect_class))
        ids, counts = np.unique(updates.track_id[rows], return_counts=True)
        tracks = set(ids[counts >= min_rows].tolist())
        mine = [i for i in booked if tracks & set(i.track_ids)]
        check.incidents = [i.id for i in mine]
        acts = [i.recommendation.action for i in mine if i.recommendation is not None]
        check.action = str(max(acts, key=lambda a: Action(a).rank)) if acts else "none"
        if actor.expect_reason and not any(
            e.track_id in tracks and actor.expect_reason in " | ".join(e.reasons) for e in events
        ):
            check.problems.append(f"no event about it says {actor.expect_reason!r}")
        if actor.expect_class and check.cls != actor.expect_class:
            got_cls = check.cls or "no track"
            check.problems.append(f"classed {got_cls}, expected {actor.expect_class}")
        if actor.expect_action and check.action != actor.expect_action:
            check.problems.append(f"recommends {check.action}, expected {actor.expect_action}")
        out.append(check)
    return out


def _tie(actors: Sequence[Actor], updates: TrackUpdates, gate_m: float) -> IntArray:
    """Index of the actor each update row belongs to (-1: none within the gate)."""
    st = updates.state
    n = len(updates)
    best = np.full(n, gate_m)
    owner = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return owner
    for i, a in enumerate(actors):
        alive = (st.t >= a.start) & (st.t <= a.end)
        if not alive.any():
            continue
        rows = np.flatnonzero(alive)
        lat, lon, alt = truth(a, st.t[rows])
        # heights a sensor does not give (NaN) are compared at the truth's height
        alt_e = np.where(np.isnan(st.alt[rows]), alt, st.alt[rows])
        d = np.linalg.norm(ecef(st.lat[rows], st.lon[rows], alt_e) - ecef(lat, lon, alt), axis=1)
        closer = d < best[rows]
        best[rows[closer]] = d[closer]
        owner[rows[closer]] = i
    return owner
