"""The incidents a scenario's truth contains, by the same rules the pipeline applies.

The scorer needs to know, independently of any sensor or tracker, which incidents
really happened: when each real object entered which zone it was not admitted in, how
long it stayed, and how many objects each episode had. This module samples every
actor's true path every ``step_s`` seconds, asks the zone index which zones each
sample lies in, judges admission with the *true* attributes (the actor's kind as its
class, its identity and squawk only while its transponder or Remote ID is on) by the
same :class:`~airsentry.identify.authority.Authority` rules, and groups the unauthorised
stays per zone the way the incident book does (stays within ``gap_s`` of an episode
join it; buffer zones never start one). Who may be where is policy, not perception:
the scorer measures how well the system *sees*, under the policy it enforces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from airsentry.airspace.index import ZoneIndex
from airsentry.identify.authority import Authority, target_facts
from airsentry.identify.registers import Targets, parse_registers
from airsentry.model import FloatArray, IntArray, Zone, ZoneKind
from airsentry.sim.scenario import Scenario
from airsentry.sim.sensors import truth


@dataclass(frozen=True, slots=True)
class TruthStay:
    actor: str
    entry: float  # epoch s of the first sample inside
    exit: float  # epoch s of the last sample inside

    @property
    def dwell_s(self) -> float:
        return self.exit - self.entry


@dataclass(slots=True)
class TruthIncident:
    zone_id: str
    zone_kind: str
    owner: str
    start: float
    end: float
    stays: list[TruthStay] = field(default_factory=list)

    @property
    def objects(self) -> int:
        return len({s.actor for s in self.stays})

    @property
    def dwell_s(self) -> float:
        return max(s.dwell_s for s in self.stays)


@dataclass(frozen=True, slots=True)
class Samples:
    """Every actor's true path sampled on one time grid, as flat columns."""

    actor: IntArray
    t: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray


def sample(scenario: Scenario, step_s: float) -> Samples:
    parts = []
    for i, a in enumerate(scenario.actors):
        t = np.append(np.arange(a.start, a.end, step_s), a.end)
        lat, lon, alt = truth(a, t)
        parts.append((np.full(len(t), i, dtype=np.int64), t, lat, lon, alt))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    return Samples(*cols)


def truth_incidents(
    scenario: Scenario, zones: Sequence[Zone], *, step_s: float = 1.0, gap_s: float = 3600.0
) -> list[TruthIncident]:
    """The incidents the truth of ``scenario`` contains in ``zones``, by zone and start."""
    s = sample(scenario, step_s)
    index = ZoneIndex(zones)
    m = index.query(s.lat, s.lon, s.alt, s.t)
    if not len(m.point):
        return []
    actors = scenario.actors
    xpdr = np.concatenate([a.transponding(s.t[s.actor == i]) for i, a in enumerate(actors)])
    rid = np.concatenate([a.broadcasting_rid(s.t[s.actor == i]) for i, a in enumerate(actors)])
    heard = xpdr | rid
    ident = np.array([a.identity for a in actors], dtype=object)[s.actor]
    squawk = np.array([a.squawk for a in actors], dtype=object)[s.actor]
    kind = np.array([str(a.kind) for a in actors], dtype=object)[s.actor]
    p = m.point
    facts = target_facts(
        np.where(heard[p], ident[p], ""), heard[p], np.where(xpdr[p], squawk[p], ""), kind[p]
    )
    admitted = Authority(zones).admit(m.zone, facts)
    registers = parse_registers(scenario.registers, scenario.source)
    if registers:  # admitted by name: clearances, permits, own forces
        callsign = np.array([a.callsign for a in actors], dtype=object)[s.actor]
        on = Targets(s.t[p], np.where(heard[p], facts.address, -1),
                     np.where(heard[p], callsign[p], ""), np.where(heard[p], ident[p], ""),
                     np.full(len(p), "", dtype=object))  # fmt: skip
        admitted |= registers.match(zones, m.zone, on) != ""
        # own forces are ours whether or not their transponder is heard yet (an
        # interceptor first plotted by primary radar alone is still no violator)
        true_address = target_facts(ident[p], np.ones(len(p), bool), squawk[p], kind[p]).address
        own = Targets(s.t[p], true_address, callsign[p], ident[p], np.full(len(p), "", object))
        admitted |= registers.own_force(own) != ""
    # a cooperative state aircraft is "verify clearance", not a violation (the policy the
    # pipeline enforces by default)
    admitted |= (
        facts.state_aircraft & heard[p] & (facts.address >= 0) & ~facts.emergency & ~facts.drone
    )
    # runs of consecutive samples of one actor inside one zone
    order = np.lexsort((p, m.zone))
    pp, zz, ok = p[order], m.zone[order], admitted[order]
    new = np.r_[
        True, (zz[1:] != zz[:-1]) | (pp[1:] != pp[:-1] + 1) | (s.actor[pp[1:]] != s.actor[pp[:-1]])
    ]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:] - 1, len(pp) - 1]
    bad = ~ok[starts]
    stays: dict[int, list[TruthStay]] = {}
    for k0, k1 in zip(starts[bad].tolist(), ends[bad].tolist(), strict=True):
        z = int(zz[k0])
        if zones[z].kind is ZoneKind.BUFFER:
            continue
        actor = actors[int(s.actor[pp[k0]])].id
        stays.setdefault(z, []).append(TruthStay(actor, float(s.t[pp[k0]]), float(s.t[pp[k1]])))
    out: list[TruthIncident] = []
    for z, zone_stays in stays.items():
        zone = zones[z]
        current: TruthIncident | None = None
        for st in sorted(zone_stays, key=lambda x: x.entry):
            if current is None or st.entry > current.end + gap_s:
                current = TruthIncident(zone.id, str(zone.kind), zone.owner, st.entry, st.exit)
                out.append(current)
            current.stays.append(st)
            current.end = max(current.end, st.exit)
    return sorted(out, key=lambda inc: (inc.start, inc.zone_id))
