"""Rules of engagement as playbooks: YAML escalation ladders, user-overridable by path.

A playbook (``respond/playbooks/default.yaml``; any other file given by path) has:

- ``roles``: each role and the roles it outranks. A role may decide its own steps and
  those of every role it outranks, directly or through others.
- ``steps``: the ladder. Each step has a ``name``, an ``action`` (an
  :class:`~airsentry.model.Action` value), the ``authority`` (role) that must decide it,
  a ``reason`` template, an optional ``target`` (``airport``: the incident's airport;
  ``airport_ahead``: the airport the objects are heading for, soonest first) and
  ``when``, the trigger: every condition listed must hold.

Trigger vocabulary (facts read from the incident by :func:`facts`):

===================  =====================================================================
``zone_kind``        list: the incident's zone kind is one of them
``classes``          list: at least one object is of one of these classes
``unauthorised``     bool: some object was not admitted in the zone
``swarm``            bool: a swarm was reported
``state_aircraft``   bool: a fast jet, a foreign military aircraft or a manned aircraft
                     without transponder (helicopter, transport) is involved
``emergency``        bool: an object squawks 7500, 7600 or 7700
``min_objects``      int: at least this many objects
``min_depth_m``      number: penetrated at least this deep
``max_site_eta_s``   number: heading for a protected site, due within this many seconds
``max_airport_eta_s`` number: heading for an airport of the owner, due within this many
                     seconds (the airport ahead: ``target: airport_ahead``)
``deliberate``       bool: the threat assessment weighs "deliberate likely"
===================  =====================================================================

Of the steps that fire, the one whose action ranks highest (:attr:`Action.rank`; later in
the file on a tie) is the recommendation. Every fired step is kept in the
recommendation's ``details["ladder"]`` with its trigger, reason and authority.

**Engagement is never automatic.** A step whose action is ``engage`` always has
``needs_decision`` true (a file that says otherwise is refused), and recording it as
decided goes only through :mod:`airsentry.decisions.desk`, which checks the role.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from airsentry.errors import InputError
from airsentry.model import (
    EMERGENCY_SQUAWKS,
    Action,
    Incident,
    ObjArray,
    Recommendation,
    TrackUpdates,
    to_epoch,
)
from airsentry.respond.impact import AirportImpact, airport_impact
from airsentry.respond.picture import TrafficPicture
from airsentry.respond.situation import situation
from airsentry.respond.threat import Site, ThreatAssessment, assess

CONDITIONS: dict[str, type | tuple[type, ...]] = {
    "zone_kind": list,
    "classes": list,
    "unauthorised": bool,
    "swarm": bool,
    "state_aircraft": bool,
    "emergency": bool,
    "min_objects": int,
    "min_depth_m": (int, float),
    "max_site_eta_s": (int, float),
    "max_airport_eta_s": (int, float),
    "deliberate": bool,
}
NO_DECISION = (Action.MONITOR, Action.ALERT_OPERATOR, Action.ALERT_AIR_DEFENCE)
"""Actions that are alerts: every other action needs a named human decision."""


class PlaybookError(InputError):
    """A playbook file is malformed (names the file, the step and the reason)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One rung of the ladder."""

    name: str
    action: Action
    authority: str
    reason: str
    when: Mapping[str, Any] = field(default_factory=dict)
    target: str = ""
    needs_decision: bool = True

    def fires(self, f: Mapping[str, Any]) -> bool:
        """True when every condition of the trigger holds for facts ``f``."""
        for key, want in self.when.items():
            if key == "zone_kind" and f["zone_kind"] not in want:
                return False
            if key == "classes" and not set(want) & set(f["classes"]):
                return False
            flags = ("unauthorised", "swarm", "state_aircraft", "emergency", "deliberate")
            if key in flags and bool(f[key]) != bool(want):
                return False
            if key == "min_objects" and f["objects"] < want:
                return False
            if key == "min_depth_m" and f["depth_m"] < want:
                return False
            if key == "max_site_eta_s" and not f["site_eta_s"] <= want:
                return False
            if key == "max_airport_eta_s" and not f["airport_ahead_eta_s"] <= want:
                return False
        return True

    def trigger(self) -> str:
        """The trigger in words ("always" for an empty one)."""
        if not self.when:
            return "always"
        return ", ".join(f"{k}={v}" for k, v in self.when.items())


@dataclass(frozen=True, slots=True)
class Playbook:
    """A validated playbook: roles and the ladder of steps."""

    name: str
    roles: Mapping[str, frozenset[str]]
    steps: tuple[Step, ...]
    source: str = ""

    def outranks(self, role: str) -> frozenset[str]:
        """The roles ``role`` may decide for, itself included (transitively)."""
        seen, todo = {role}, [role]
        while todo:
            for r in self.roles.get(todo.pop(), frozenset()):
                if r not in seen:
                    seen.add(r)
                    todo.append(r)
        return frozenset(seen)

    def may_decide(self, role: str, needed: str) -> bool:
        return role in self.roles and needed in self.outranks(role)

    def fired(self, f: Mapping[str, Any]) -> list[Step]:
        return [s for s in self.steps if s.fires(f)]


def _fail(source: str, reason: str) -> PlaybookError:
    return PlaybookError(reason, source=source)


def parse(doc: Any, source: str = "<playbook>") -> Playbook:
    """Validate a loaded YAML document into a :class:`Playbook`."""
    if not isinstance(doc, dict):
        raise _fail(source, "a playbook is a mapping with 'roles' and 'steps'")
    roles_raw, steps_raw = doc.get("roles"), doc.get("steps")
    if not isinstance(roles_raw, dict) or not roles_raw:
        raise _fail(source, "'roles' must map each role to the roles it outranks")
    roles = {str(k): frozenset(str(r) for r in (v or [])) for k, v in roles_raw.items()}
    for role, below in roles.items():
        if unknown := below - roles.keys():
            raise _fail(source, f"role {role} outranks unknown roles {sorted(unknown)}")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise _fail(source, "'steps' must be a non-empty list")
    steps = []
    for i, raw in enumerate(steps_raw, start=1):
        where = f"step {i}"
        if not isinstance(raw, dict):
            raise _fail(source, f"{where}: not a mapping")
        name = str(raw.get("name") or where)
        where = f"step {i} ({name})"
        try:
            action = Action(str(raw.get("action")))
        except ValueError:
            known = ", ".join(a.value for a in Action)
            bad = raw.get("action")
            raise _fail(source, f"{where}: unknown action {bad!r} ({known})") from None
        authority = str(raw.get("authority", ""))
        if authority not in roles:
            raise _fail(source, f"{where}: authority {authority!r} is not a declared role")
        when = raw.get("when") or {}
        if not isinstance(when, dict):
            raise _fail(source, f"{where}: 'when' must be a mapping of conditions")
        for key, value in when.items():
            if key not in CONDITIONS:
                raise _fail(source, f"{where}: unknown condition {key!r} ({', '.join(CONDITIONS)})")
            negative = isinstance(value, int | float) and value < 0
            if not isinstance(value, CONDITIONS[key]) or negative:
                raise _fail(source, f"{where}: condition {key} has a bad value {value!r}")
        needs = bool(raw.get("needs_decision", action not in NO_DECISION))
        if action is Action.ENGAGE and not needs:
            raise _fail(source, f"{where}: engagement always needs a decision")
        target = str(raw.get("target", ""))
        if target not in ("", "airport", "airport_ahead"):
            raise _fail(source, f"{where}: target must be 'airport', 'airport_ahead' or absent")
        reason = str(raw.get("reason") or f"{name}")
        steps.append(Step(name, action, authority, reason, dict(when), target, needs))
    return Playbook(str(doc.get("name") or source), roles, tuple(steps), source)


def load(path: str | os.PathLike[str] | None = None) -> Playbook:
    """The playbook at ``path``, or the shipped default (``playbooks/default.yaml``)."""
    if path is None:
        ref = resources.files("airsentry.respond").joinpath("playbooks", "default.yaml")
        # libyaml's parser where PyYAML has it: every run loads this file (3.7 against
        # 0.4 ms); the same document (a test holds them equal)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(ref.read_text("utf-8"), Loader=loader)
        return parse(doc, "playbooks/default.yaml")
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise _fail(str(p), f"cannot read: {exc.strerror or exc}") from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(str(p), f"not valid YAML: {exc}") from exc
    return parse(doc, str(p))


def facts(incident: Incident, threat: ThreatAssessment) -> dict[str, Any]:
    """What the triggers and the reason templates read from an incident."""
    s = situation(incident)
    classes = set(incident.classes) | {e.target_class for e in incident.events if e.target_class}
    squawks = {r for e in incident.events for r in e.reasons if r.startswith("squawking ")}
    state = max(s.fast_jets, s.foreign_state, s.silent_manned)
    return {
        "zone_kind": s.kind,
        "label": s.label,
        "owner": s.owner,
        "airport": s.airport,
        "classes": sorted(classes),
        "objects": max(s.objects, 1),
        "drones": max(s.drones, 1) if s.drones else 0,
        "fast_jets": s.fast_jets,
        "state_aircraft": state,
        "unauthorised": s.unauthorised,
        "swarm": s.swarm,
        "emergency": any(sq.split()[1] in EMERGENCY_SQUAWKS for sq in squawks),
        "depth_m": float(incident.depth_m),
        "depth_km": round(incident.depth_m / 1000, 1),
        "dwell_min": round(incident.dwell_s / 60),
        "site_eta_s": threat.soonest_eta_s(),
        "deliberate": threat.deliberate,
        **_airport_ahead(threat),
    }


def _airport_ahead(threat: ThreatAssessment) -> dict[str, Any]:
    """The airport the objects are heading for soonest (from the threat assessment)."""
    ahead = [h for h in threat.heading_to if h.get("kind") == "airport" and h.get("code")]
    if not ahead:
        return {"airport_ahead": "", "airport_ahead_name": "", "airport_ahead_eta_s": math.inf,
                "airport_ahead_min": ""}  # fmt: skip
    first = min(ahead, key=lambda h: float(h["eta_s"]))
    return {
        "airport_ahead": str(first["code"]),
        "airport_ahead_name": str(first["site"]),
        "airport_ahead_eta_s": float(first["eta_s"]),
        "airport_ahead_min": f"{float(first['eta_s']) / 60:.0f}",
    }


class Responder:
    """The recommender the incident book calls: playbook + threat + closure impact."""

    def __init__(
        self,
        playbook: Playbook | None = None,
        *,
        sites: Sequence[Site] = (),
        picture: TrafficPicture | None = None,
    ) -> None:
        self.playbook = playbook or load()
        self.sites = list(sites)
        self.picture = picture
        self._airports = {s.code: s for s in self.sites if s.kind == "airport" and s.code}
        self._impacts: dict[tuple[str, str], AirportImpact] = {}

    def _impact(self, incident: Incident, airport: str) -> AirportImpact | None:
        """The closure's impact as of when it was first recommended.

        The book recomputes recommendations until an incident closes, an hour or more
        after the drones left; the flights that count are those a closure would stop
        when the drones came, so the traffic is taken as of the incident's start (from
        the picture's paths) and the figure is kept per incident.
        """
        key = (incident.zone_id, incident.start.isoformat())
        if key in self._impacts:
            return self._impacts[key]
        site = self._airports.get(airport)
        if site is None or self.picture is None or not len(self.picture.latest):
            return None
        t = to_epoch(incident.start)
        impact = airport_impact(self.picture.at(t), t, airport, site.lat, site.lon)
        if len(self._impacts) > 10_000:
            self._impacts.clear()
        self._impacts[key] = impact
        return impact

    def __call__(self, incident: Incident) -> Recommendation:
        return self.recommend(incident)

    def observe(self, updates: TrackUpdates, classes: ObjArray) -> None:
        """Keep the traffic picture current with one batch's updates and their classes."""
        if self.picture is not None and len(updates):
            self.picture.update(updates, classes)

    def recommend(self, incident: Incident) -> Recommendation:
        if self.picture is not None:  # its objects' paths outlive the picture's recent_s
            self.picture.pin(incident.track_ids)
        threat = assess(incident, self.sites, self.picture)
        f = facts(incident, threat)
        fired = self.playbook.fired(f)
        if not fired:  # a playbook without an unconditional step: monitor
            fired = [Step("none", Action.MONITOR, "operator", "no step fired", {}, "", False)]
        top = max(enumerate(fired), key=lambda p: (p[1].action.rank, p[0]))[1]
        text = {id(s): s.reason.format_map(_Missing(f)) for s in fired}
        reasons = [text[id(top)]]
        reasons += [text[id(s)] for s in fired if s is not top and s.action is not Action.MONITOR]
        details: dict[str, Any] = {
            "playbook": self.playbook.name,
            "step": top.name,
            "ladder": [
                {
                    "step": s.name,
                    "action": str(s.action),
                    "trigger": s.trigger(),
                    "reason": text[id(s)],
                    "authority": s.authority,
                    "needs_decision": s.needs_decision,
                }
                for s in fired
            ],
            "threat": threat.to_dict(),
        }
        target = {"airport": f["airport"], "airport_ahead": f["airport_ahead"]}.get(top.target, "")
        if top.action is Action.CLOSE_AIRPORT and target:
            impact = self._impact(incident, target)
            if impact is not None:
                details["impact"] = impact.to_dict()
                reasons.append(impact.text())
            else:
                reasons.append(f"expected impact of closing {target}: unknown (no live traffic)")
        reasons.extend(threat.lines())
        return Recommendation(
            action=top.action,
            reasons=tuple(dict.fromkeys(reasons)),
            authority=top.authority,
            needs_decision=top.needs_decision or top.action is Action.ENGAGE,
            target=target,
            details=details,
        )


class _Missing(dict[str, Any]):
    """``format_map`` mapping that leaves unknown placeholders visible."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
