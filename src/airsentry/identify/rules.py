"""The classification rule table: rules over the rows' cues (``identify.cues``).

Each :class:`ClassRule` names a class, the condition that makes it fire, and the
supporting cues whose agreement raises its confidence: ``base + step × (number of
supporting cues that hold)``, capped. Rules are evaluated for the whole batch at once
(one boolean mask per rule, a handful of rules) and :func:`evaluate` picks, per row,
the first rule that fires with ``np.select``. Reasons are text built from one row's
facts, and only when a class is first established for a track (see ``classify``).

Thresholds, and why (calibrated on the ``traffic`` sample flights and the September
2025 scenario; ``tools/calibrate_classifier.py`` prints the confusion table):

- ADS-B emitter category decides when present: it is what the aircraft says it is.
  Categories of the A set come from the aircraft's own configuration; a sensor may also
  put a class name in ``category`` as a hint ("drone" from a drone-detection radar),
  which counts less than the aircraft's own category.
- Remote ID is broadcast only by unmanned aircraft: an ``rid:`` identity is a drone.
- No transponder above 150 m/s (290 kt), or above 120 m/s at more than 3000 m: civil
  aircraft that fast must carry a transponder in controlled airspace, drones and light
  aircraft cannot fly so fast, so only military jets do. With a transponder, a military
  address or callsign faster than 300 m/s is a fast jet too (airliners stay below).
- Callsigns (``identify.callsign``): an air-ambulance operator flies helicopters; an
  airline designator with a flight number is an airliner once it has flown faster than
  90 m/s or above 3000 m (a survey company with a designator flying slow and low is
  not); a registration mark is general aviation up to 200 m/s and 7600 m (survey
  twins reach 190 m/s over the ground with a tailwind).
- Transponder and faster than 165 m/s (320 kt) or above 7600 m (FL250): airliner.
  Below FL100 airliners are held to 250 kt (128 m/s) and turboprop twins (King Air,
  survey aircraft) cruise at 120-150 m/s below FL250, so speed alone at 100 m/s and
  3000 m, the old rule, mistook survey twins for airliners.
- How a silent track flies (``identify.manoeuvre``; issue 14): below 3000 m, once faster
  than 30 m/s (no multirotor), hovering (< 8 m/s on two updates), a speed spread over
  35 % or tight turns (> 8 deg/s) make a helicopter, which no fixed-wing decoy can fly
  like. 95-165 m/s above 2000 m with gentle turns (< 4 deg/s) and climbs (< 30 m/s)
  make a turboprop transport (class ``airliner``: a large manned aircraft), not a
  fighter; a silent track turning at 6 deg/s or climbing at 30 m/s is no transport (a
  veto), and a military one that fast and manoeuvring is a fast jet.
- No transponder, 10-70 m/s below 4000 m, never faster than 90 m/s: a drone. A mean
  speed of 30 m/s or more makes it a fixed-wing one-way attack drone or decoy
  (Shahed/Gerbera-type cruise is 40-50 m/s), provided it never hovered and its speed
  stays steady (spread under 30 %); multirotors stay below. Above 50 m/s on average
  (``HELICOPTER_CRUISE``) a steady silent track is ambiguous: a helicopter cruising
  straight (Mi-8: 55-65 m/s) flies exactly so, and Shahed/Gerbera-type drones cruise
  at 40-50 m/s. Reports carry no radar cross-section, and no other cue separates the
  two until the helicopter hovers, changes speed or turns tightly (or a sensor
  classifies it: SAPIENT "helicopter" rules drones out). The class stays
  ``decoy_drone`` (the playbook's cautious answer: alert air defence, a human decides),
  at a low confidence (at most 0.45), and the reason says it may be a helicopter.
- Velocities of tracks from radar plots are known to 10-20 m/s (``Cues.mean_speed_sd``,
  ``identify.manoeuvre``): a silent track whose mean speed is below 30 m/s only within
  that noise is a drone at a low confidence (``slow_low_silent_vague``, at most 0.4),
  not yet a multirotor, so a decoy's cruise takes over once its mean speed shows.
- Below 15 m/s above 5000 m, never faster than 40 m/s: a balloon drifting with the wind.
- Transponder, slow and low: light aircraft (general aviation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from airsentry.identify import callsign
from airsentry.identify.cues import (
    CLASS_INDEX,
    CLASSES,
    MAX_SPEED,
    UNKNOWN,
    Cues,
    gt,
    lt,
    within,
)
from airsentry.model import BoolArray, FloatArray, IntArray, TargetClass
from airsentry.order import unique

HELICOPTER_CRUISE = 50.0
"""m/s: a steady silent track faster than this on average may be a cruising helicopter
as much as a one-way attack drone (rule ``steady_cruise_ambiguous``)."""


Mask = Callable[[Cues], BoolArray]
_SPEED_LIMIT = np.array([MAX_SPEED[k] for k in CLASSES])


# Manoeuvre thresholds (identify.manoeuvre): a fixed wing cannot hover; a decoy's speed
# spread stays within wind and tracker noise; rotorcraft vary speed and turn tightly;
# transports turn at standard rate (3 deg/s) or less and climb at 5-10 m/s.
ROTOR_SPREAD = 0.35  # speed std / mean above which a slow silent track is no cruise
STEADY_SPREAD = 0.3  # at most this for a steady cruise
TIGHT_TURN = 8.0  # deg/s, sustained
GENTLE_TURN = 4.0  # deg/s
STEEP_CLIMB = 30.0  # m/s: fighters, not transports


def _steady(c: Cues) -> BoolArray:
    """Never hovered, speed within a narrow band: a fixed-wing cruise."""
    out: BoolArray = (c.hovers() == 0) & ~gt(c.spread(), STEADY_SPREAD)
    return out


def manoeuvre_veto(
    transponder: BoolArray, turn_max: FloatArray, climb: FloatArray, manned: BoolArray
) -> BoolArray:
    """Per row and class (n, K): classes a track's cues rule out for good. A silent
    transport does not turn at 6 deg/s or climb at 30 m/s (a fighter does); a track a
    sensor classifies as a manned aircraft or a helicopter (``manned``:
    :func:`manned_hint` of its category) is no drone."""
    out = np.zeros((len(turn_max), len(CLASSES)), dtype=bool)
    hard = ~transponder & (gt(turn_max, 1.5 * GENTLE_TURN) | gt(climb, STEEP_CLIMB))
    out[:, CLASS_INDEX[TargetClass.AIRLINER]] = hard
    for k in (TargetClass.DRONE, TargetClass.DECOY_DRONE):
        out[:, CLASS_INDEX[k]] = manned
    return out


def _military_fast(c: Cues) -> BoolArray:
    """Faster than any airliner, or fast and turning or climbing like a fighter."""
    hard = gt(c.turns(), TIGHT_TURN) | gt(c.climbs(), STEEP_CLIMB)
    out: BoolArray = gt(c.vmax, 300.0) | (gt(c.vmax, 150.0) & hard)
    return out


def _silent_transport(c: Cues) -> BoolArray:
    """No transponder, 95-165 m/s high up, gentle turns and climbs: a transport."""
    return (
        ~c.transponder
        & within(c.vmax, 95.0, 165.0)
        & gt(c.alt, 2000.0)
        & ~gt(c.turns(), GENTLE_TURN)
        & ~gt(c.climbs(), STEEP_CLIMB)
        & _steady(c)
    )


def _fast_jet(c: Cues) -> BoolArray:
    fast = gt(c.vmax, 165.0) | (gt(c.vmax, 150.0) & ~gt(c.alt, 2000.0))
    fast |= gt(c.vmax, 120.0) & gt(c.alt, 3000.0)
    return ~c.transponder & fast & ~_silent_transport(c)


def _rotorcraft(c: Cues) -> BoolArray:
    """No transponder, low, once faster than a multirotor, and hovering or varying
    its speed or turning tightly: what a helicopter does and a fixed wing cannot."""
    manoeuvres = (c.hovers() >= 2) | gt(c.spread(), ROTOR_SPREAD)
    manoeuvres |= gt(c.turns(), TIGHT_TURN) & gt(c.spread(), 0.2)
    return (
        ~c.transponder
        & ~c.remote_id
        & lt(c.alt, 3000.0)
        & gt(c.vmax, 30.0)
        & ~gt(c.vmax, MAX_SPEED[TargetClass.HELICOPTER])
        & manoeuvres
    )


def _slow_low_silent(c: Cues) -> BoolArray:
    slow = ~c.transponder & within(c.speed, 10.0, 70.0) & lt(c.alt, 4000.0)
    out: BoolArray = slow & ~gt(c.vmax, 90.0) & ~c.manned_hint()
    return out


@dataclass(frozen=True, slots=True)
class ClassRule:
    """One row of the table: class (None: from the category), trigger and support."""

    name: str
    cls: TargetClass | None
    fires: Mask
    support: tuple[Mask, ...]
    base: float  # ignored for the category rule, whose base is the category's own
    step: float
    cap: float


def _cs(c: Cues, k: int) -> BoolArray:
    out: BoolArray = c.transponder & (c.cs_kind == k)
    return out


def _silent_drone(c: Cues) -> BoolArray:
    """Slow, low, silent, and slower than a fixed-wing cruise beyond the speed's noise."""
    return _slow_low_silent(c) & ~gt(c.mean_speed + c.mean_sd(), 30.0)


def _silent_drone_vague(c: Cues) -> BoolArray:
    """Slow on average so far, but not beyond the noise of plot-level velocities: a
    drone, whether a multirotor or a decoy is not known yet (a low confidence, so a
    decoy's later evidence takes over)."""
    return _slow_low_silent(c) & ~gt(c.mean_speed, 30.0)


def _silent_decoy(c: Cues) -> BoolArray:
    return _slow_low_silent(c) & gt(c.mean_speed, 30.0) & _steady(c)


_DRONE_SUPPORT: tuple[Mask, ...] = (
    lambda c: lt(c.alt, 1000.0),
    lambda c: ~gt(c.speed, 50.0),
    lambda c: ~c.has_identity,
    lambda c: c.count >= 3,
)

RULES: tuple[ClassRule, ...] = (
    ClassRule(
        "remote_id",
        TargetClass.DRONE,
        lambda c: c.remote_id,
        (lambda c: ~gt(c.vmax, 70.0),),
        base=0.9,
        step=0.05,
        cap=0.95,
    ),
    ClassRule(
        "category",
        None,
        lambda c: c.cat_cls >= 0,
        (lambda c: ~gt(c.vmax, _SPEED_LIMIT[np.maximum(c.cat_cls, 0)]),),
        base=0.0,
        step=0.05,
        cap=0.95,
    ),
    ClassRule(
        "fast_no_transponder",
        TargetClass.FAST_JET,
        _fast_jet,
        (
            lambda c: gt(c.vmax, 200.0),
            lambda c: ~c.has_identity,
            lambda c: gt(c.alt, 3000.0),
            lambda c: c.count >= 3,
        ),
        base=0.5,
        step=0.1,
        cap=0.85,
    ),
    ClassRule(
        "silent_transport",
        TargetClass.AIRLINER,
        _silent_transport,
        (
            lambda c: c.count >= 3,
            lambda c: gt(c.alt, 3000.0),
            lambda c: lt(c.spread(), 0.15),
            lambda c: gt(c.mean_speed, 100.0),
        ),
        base=0.6,
        step=0.06,
        cap=0.85,
    ),
    ClassRule(
        "rotorcraft_manoeuvres",
        TargetClass.HELICOPTER,
        _rotorcraft,
        (
            lambda c: c.hovers() >= 2,
            lambda c: gt(c.spread(), ROTOR_SPREAD),
            lambda c: gt(c.turns(), TIGHT_TURN),
            lambda c: c.count >= 3,
        ),
        base=0.6,
        step=0.1,
        cap=0.9,
    ),
    ClassRule(
        "military_fast",
        TargetClass.FAST_JET,
        lambda c: c.transponder & c.military & _military_fast(c),
        (lambda c: c.count >= 3,),
        base=0.6,
        step=0.1,
        cap=0.7,
    ),
    ClassRule(
        "ambulance_callsign",
        TargetClass.HELICOPTER,
        lambda c: _cs(c, callsign.AMBULANCE) & ~gt(c.vmax, 100.0),
        (lambda c: lt(c.alt, 3000.0), lambda c: c.count >= 3),
        base=0.6,
        step=0.1,
        cap=0.8,
    ),
    ClassRule(
        "airline_callsign",
        TargetClass.AIRLINER,
        lambda c: _cs(c, callsign.AIRLINE) & (gt(c.vmax, 90.0) | gt(c.alt, 3000.0)),
        (lambda c: c.squawk, lambda c: gt(c.vmax, 165.0), lambda c: gt(c.alt, 7600.0)),
        base=0.6,
        step=0.1,
        cap=0.9,
    ),
    ClassRule(
        "registration_callsign",
        TargetClass.LIGHT_AIRCRAFT,
        lambda c: _cs(c, callsign.REGISTRATION) & ~gt(c.vmax, 200.0) & ~gt(c.alt, 7600.0),
        (lambda c: ~gt(c.vmax, 90.0), lambda c: lt(c.alt, 3000.0)),
        base=0.5,
        step=0.1,
        cap=0.7,
    ),
    ClassRule(
        "airliner_cruise",
        TargetClass.AIRLINER,
        lambda c: c.transponder & gt(c.speed, 60.0) & (gt(c.vmax, 165.0) | gt(c.alt, 7600.0)),
        (
            lambda c: c.callsign,
            lambda c: c.squawk,
            lambda c: gt(c.speed, 180.0),
            lambda c: gt(c.alt, 8000.0),
        ),
        base=0.5,
        step=0.08,
        cap=0.85,
    ),
    ClassRule(
        "slow_low_silent",
        TargetClass.DRONE,
        _silent_drone,
        _DRONE_SUPPORT,
        base=0.4,
        step=0.1,
        cap=0.8,
    ),
    ClassRule(
        "steady_cruise_ambiguous",
        TargetClass.DECOY_DRONE,
        lambda c: _silent_decoy(c) & gt(c.mean_speed, HELICOPTER_CRUISE),
        (*_DRONE_SUPPORT[2:], lambda c: gt(c.mean_speed, 35.0)),
        base=0.3,
        step=0.05,
        cap=0.45,
    ),
    ClassRule(
        "one_way_attack",
        TargetClass.DECOY_DRONE,
        _silent_decoy,
        (*_DRONE_SUPPORT[2:], lambda c: gt(c.mean_speed, 35.0)),
        base=0.4,
        step=0.1,
        cap=0.7,
    ),
    ClassRule(
        "slow_low_silent_vague",
        TargetClass.DRONE,
        _silent_drone_vague,
        _DRONE_SUPPORT[2:],
        base=0.3,
        step=0.05,
        cap=0.4,
    ),
    ClassRule(
        "drifting_high",
        TargetClass.BALLOON,
        lambda c: lt(c.speed, 15.0) & gt(c.alt, 5000.0) & ~gt(c.vmax, 40.0),
        (lambda c: ~c.transponder, lambda c: gt(c.alt, 10000.0), lambda c: c.count >= 3),
        base=0.5,
        step=0.1,
        cap=0.8,
    ),
    ClassRule(
        "cooperative_slow",
        TargetClass.LIGHT_AIRCRAFT,
        lambda c: c.transponder & gt(c.speed, 15.0) & ~gt(c.vmax, 165.0) & ~gt(c.alt, 7600.0),
        (lambda c: c.callsign, lambda c: ~gt(c.speed, 80.0)),
        base=0.4,
        step=0.1,
        cap=0.6,
    ),
)
UNKNOWN_RULE = len(RULES)  # rule index of "no rule fired"
UNKNOWN_LEVEL = 200


def evaluate(cues: Cues) -> tuple[IntArray, IntArray, IntArray]:
    """Per row: index of the first rule that fires, its class index and its level.

    Every rule's trigger is evaluated for every row; the supporting cues only of the
    rules that decide some row, and their level only on those rows (a batch of
    airliners decides by one or two rules of the table)."""
    n = len(cues.speed)
    fires = [rule.fires(cues) for rule in RULES]
    rule_idx = np.select(fires, [np.full(n, i) for i in range(len(RULES))], UNKNOWN_RULE)
    rule_idx = rule_idx.astype(np.int64)
    cls = np.full(n, UNKNOWN, dtype=np.int64)
    level = np.full(n, UNKNOWN_LEVEL, dtype=np.int64)
    for i in unique(rule_idx).tolist():
        if i == UNKNOWN_RULE:
            continue
        rule, sel = RULES[i], rule_idx == i
        support = sum((m(cues).astype(np.int64) for m in rule.support), np.zeros(n, np.int64))
        base = cues.cat_conf[sel] if rule.cls is None else rule.base
        conf = np.minimum(base + rule.step * support[sel], rule.cap)
        level[sel] = np.rint(conf * 1000).astype(np.int64)
        cls[sel] = cues.cat_cls[sel] if rule.cls is None else CLASS_INDEX[rule.cls]
    return rule_idx, cls, level
