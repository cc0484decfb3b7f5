"""The operator's reasons for a class: which rule decided and which cues held.

Built from one row's facts (a mapping of plain values) and only when a class is first
established for a track (see ``identify.classify``), so text is never made per report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from airsentry.identify.cues import CATEGORIES
from airsentry.identify.manoeuvre import describe_manoeuvres
from airsentry.identify.rules import RULES
from airsentry.model import EMERGENCY_SQUAWKS


def _m(x: float) -> str:
    return "?" if not math.isfinite(x) else f"{x:.0f}"


def reasons(rule_idx: int, facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The operator's reasons for one row's class, from the rule that decided it."""
    why = _rule_reasons(rule_idx, facts)
    extra = []
    if facts.get("military"):
        extra.append("state aircraft: military address range or air-force callsign")
    squawk = str(facts.get("squawk") or "")
    if squawk in EMERGENCY_SQUAWKS:
        extra.append(f"squawking {squawk} (emergency)")
    return (*why, *extra)


def _rule_reasons(rule_idx: int, facts: Mapping[str, Any]) -> tuple[str, ...]:
    spd, alt, vmax = float(facts["speed"]), float(facts["alt"]), float(facts["vmax"])
    kin = f"{_m(spd)} m/s at {_m(alt)} m"
    name = RULES[rule_idx].name if rule_idx < len(RULES) else "unknown"
    cs = str(facts.get("callsign") or "").strip()
    if name == "remote_id":
        return (f"broadcasts Remote ID ({facts['identity']}): only unmanned aircraft do", kin)
    if name == "category":
        cat = str(facts["category"])
        _, desc, _ = CATEGORIES[cat]
        if desc == "sensor hint":
            return (f"sensor classifies it as {cat.replace('_', ' ')}", kin)
        return (f"ADS-B emitter category {cat}: {desc}", kin)
    if name == "fast_no_transponder":
        return (
            f"no transponder, {_m(vmax)} m/s: only military jets fly so fast without a transponder",
            f"altitude {_m(alt)} m",
        )
    if name == "silent_transport":
        return (
            f"no transponder, {kin}, fastest {_m(vmax)} m/s: turboprop transport performance, "
            "too fast for a drone and too slow for a fighter",
            describe_manoeuvres(facts),
        )
    if name == "rotorcraft_manoeuvres":
        return (f"no transponder, low ({kin}): rotorcraft manoeuvres", describe_manoeuvres(facts))
    if name == "military_fast":
        return (
            f"military aircraft at {_m(vmax)} m/s: faster than any airliner, or manoeuvring "
            "like a fighter",
            kin,
            describe_manoeuvres(facts),
        )
    if name == "ambulance_callsign":
        return (f"callsign {cs}: air-ambulance / rescue helicopter operator", kin)
    if name == "airline_callsign":
        return (f"callsign {cs}: airline designator and flight number", kin)
    if name == "registration_callsign":
        return (f"callsign {cs}: a registration mark, general aviation", kin)
    if name == "airliner_cruise":
        who = f", callsign {cs}" if cs else ""
        return (f"transponder, {kin} (fastest {_m(vmax)} m/s): airliner performance{who}",)
    if name == "slow_low_silent":
        return (f"slow, low, no transponder: {kin}",)
    if name == "slow_low_silent_vague":
        mean = float(facts.get("mean_speed", math.nan))
        return (
            f"slow, low, no transponder: {kin}, {_m(mean)} m/s on average so far, within the "
            "noise of its velocity: a drone, multirotor or fixed-wing not yet known",
        )
    if name == "steady_cruise_ambiguous":
        mean = float(facts.get("mean_speed", math.nan))
        return (
            f"ambiguous: no transponder, low, steady {_m(mean)} m/s on average: a fixed-wing "
            "one-way attack drone or decoy, or a helicopter in straight cruise; nothing yet "
            "tells them apart (no hover, speed change or tight turn, no sensor class)",
            kin,
            describe_manoeuvres(facts),
        )
    if name == "one_way_attack":
        mean = float(facts.get("mean_speed", math.nan))
        return (
            f"no transponder, low, steady {_m(mean)} m/s on average: fixed-wing one-way "
            "attack drone or decoy (Shahed/Gerbera-type cruise)",
            kin,
            describe_manoeuvres(facts),
        )
    if name == "drifting_high":
        return (f"drifting at {kin}: a balloon moves with the wind",)
    if name == "cooperative_slow":
        return (f"transponder, slow and low: {kin}: light aircraft",)
    return ("too few cues to classify", kin)
