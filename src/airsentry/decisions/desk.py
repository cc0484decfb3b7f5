"""Human decisions on recommendations: the one door for acknowledgements and authorisations.

airsentry recommends; people decide. :class:`Desk` is the only code path that records a
decision, and it refuses unless all of these hold:

- the operator is named, and the roster (a YAML file ``operators: {name: [roles]}``)
  says the operator holds the role claimed;
- the action is one the playbook's ladder currently recommends *for that incident*
  (a step with that action fires on the incident's facts): nobody can authorise an
  engagement the rules of engagement do not put on the table;
- the role claimed may decide that step (it is the step's authority or outranks it);
- reasons are given.

An accepted decision goes into the store's ``decisions`` table (action, operator, time;
the note holds role, step, playbook and reasons as JSON) and into the audit log; a
refused attempt is written to the audit log too. :meth:`Desk.engagement_authorised` is
what any consumer must ask before treating an engagement as authorised: it needs an
``engage`` decision in the store *and* its entry in an intact audit log, so a row
written into the database behind the desk's back does not count.

A decision and its audit entry are written together or not at all: the decision row is
inserted inside a store transaction, the audit entry appended (and fsynced) inside it,
then the transaction commits. If the append fails (a torn log, a missing key or head, a
full disk) the row is rolled back and the error raised: no decision without its trail.
The one remaining window, a crash after the append but before the commit, leaves an
audit entry whose decision is not stored: the safe side, since an audit entry alone
authorises nothing (:meth:`Desk.engagement_authorised` needs both), whereas writing the
row first and auditing after would leave a stored decision nobody can account for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from airsentry.decisions.audit import AuditLog
from airsentry.errors import AirsentryError, InputError
from airsentry.incidents import Decision, IncidentStore
from airsentry.incidents.kinds import DecisionKind
from airsentry.model import Action
from airsentry.respond.playbook import Playbook, facts
from airsentry.respond.threat import Site, assess

ACKNOWLEDGE = "acknowledge"
AUTHORISE = "authorise"
REFUSE = "refuse"


class AuthorisationError(AirsentryError):
    """A decision was refused: names the incident, the action, the operator and why."""

    def __init__(self, incident_id: str, action: str, operator: str, reason: str) -> None:
        self.incident_id = incident_id
        self.action = action
        self.operator = operator
        self.reason = reason
        who = operator or "an unnamed operator"
        super().__init__(f"{incident_id}: {action} by {who} refused: {reason}")


@dataclass(frozen=True, slots=True)
class Roster:
    """Who holds which roles."""

    holders: Mapping[str, frozenset[str]]

    def roles_of(self, operator: str) -> frozenset[str]:
        return self.holders.get(operator.strip(), frozenset())


def load_roster(path: str | os.PathLike[str]) -> Roster:
    """Read a roster file (``operators: {name: [role, ...]}``); malformed → InputError."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=str(p)) from exc
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", source=str(p)) from exc
    ops = doc.get("operators") if isinstance(doc, dict) else None
    if not isinstance(ops, dict):
        raise InputError("a roster maps 'operators' to their lists of roles", source=str(p))
    holders = {}
    for name, roles in ops.items():
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InputError(f"operator {name!r}: roles must be a list of names", source=str(p))
        holders[str(name).strip()] = frozenset(roles)
    return Roster(holders)


class Desk:
    """Records acknowledgements and decisions, after checking who may take them."""

    def __init__(
        self,
        store: IncidentStore,
        log: AuditLog,
        playbook: Playbook,
        roster: Roster,
        *,
        sites: Sequence[Site] = (),
    ) -> None:
        self.store = store
        self.log = log
        self.playbook = playbook
        self.roster = roster
        self.sites = list(sites)

    def acknowledge(
        self, incident_id: str, operator: str, *, time: datetime, note: str = ""
    ) -> Decision:
        """Record that a named operator has seen the incident's recommendation."""
        if not operator.strip():
            raise AuthorisationError(incident_id, ACKNOWLEDGE, operator, "operator not named")
        incident = self.store.get(incident_id)
        if incident is None:
            raise AuthorisationError(incident_id, ACKNOWLEDGE, operator, "no such incident")
        rec = incident.recommendation
        with self.store.transaction():  # stored and audited together, or neither
            decision = self.store.record_decision(
                incident_id,
                time=time,
                operator=operator.strip(),
                kind=DecisionKind.ACKNOWLEDGE,
                note=note,
            )
            self.log.append(
                "acknowledgement",
                {
                    "decision_id": decision.id,
                    "incident_id": incident_id,
                    "operator": decision.operator,
                    "recommendation": str(rec.action) if rec else None,
                    "note": note,
                },
                time=time,
            )
        return decision

    def authorise(
        self,
        incident_id: str,
        action: Action | str,
        *,
        operator: str,
        role: str,
        reasons: Sequence[str],
        time: datetime,
    ) -> Decision:
        """Record an authorisation of ``action``, or raise :class:`AuthorisationError`."""
        return self._decide(AUTHORISE, incident_id, action, operator, role, reasons, time)

    def refuse(
        self,
        incident_id: str,
        action: Action | str,
        *,
        operator: str,
        role: str,
        reasons: Sequence[str],
        time: datetime,
    ) -> Decision:
        """Record that the competent authority refused a recommended ``action``.

        A refusal is a decision like an authorisation, under the same checks (a named
        operator holding a role that may decide the step the playbook recommends,
        reasons given), and is audited the same way; it never counts as authorising.
        """
        return self._decide(REFUSE, incident_id, action, operator, role, reasons, time)

    def _decide(
        self,
        verdict: str,
        incident_id: str,
        action: Action | str,
        operator: str,
        role: str,
        reasons: Sequence[str],
        time: datetime,
    ) -> Decision:
        name = operator.strip()
        act = str(action)
        reason, step = self._refusal(incident_id, act, name, role, reasons)
        if reason:
            self.log.append(
                "refusal",
                {"incident_id": incident_id, "action": act, "verdict": verdict,
                 "operator": name, "role": role, "reasons": list(reasons),
                 "refused_because": reason},
                time=time,
            )  # fmt: skip
            raise AuthorisationError(incident_id, act, name, reason)
        note: dict[str, Any] = {
            "role": role,
            "step": step or "",
            "playbook": self.playbook.name,
            "reasons": [r.strip() for r in reasons],
        }
        kind = DecisionKind.AUTHORISE if verdict == AUTHORISE else DecisionKind.REFUSE
        with self.store.transaction():  # see the module doc: audit inside, then commit
            decision = self.store.record_decision(
                incident_id, time=time, operator=name, kind=kind, action=act, note=json.dumps(note)
            )
            self.log.append(
                "decision",
                {"decision_id": decision.id, "incident_id": incident_id, "action": act,
                 "verdict": verdict, "operator": name, **note},
                time=time,
            )  # fmt: skip
        return decision

    def _refusal(
        self, incident_id: str, act: str, name: str, role: str, reasons: Sequence[str]
    ) -> tuple[str, str | None]:
        """Why the decision must be refused ("" when it may be taken) and its step."""
        if act not in {a.value for a in Action}:
            return f"unknown action {act!r}", None
        if not name:
            return "operator not named", None
        if role not in self.roster.roles_of(name):
            return f"{name} does not hold the role {role!r} in the roster", None
        if not [r for r in reasons if r.strip()]:
            return "no reasons given", None
        incident = self.store.get(incident_id, with_events=True)
        if incident is None:
            return "no such incident", None
        f = facts(incident, assess(incident, self.sites))
        steps = [s for s in self.playbook.fired(f) if str(s.action) == act]
        if not steps:
            return f"playbook {self.playbook.name!r} does not recommend {act} here", None
        allowed = [s for s in steps if self.playbook.may_decide(role, s.authority)]
        if not allowed:
            need = ", ".join(sorted({s.authority for s in steps}))
            return f"{act} needs the authority of {need}; {role!r} does not have it", None
        return "", allowed[-1].name

    def engagement_authorised(self, incident_id: str) -> Decision | None:
        """The engagement decision on record for the incident, or None.

        Counts only a decision that the audit log, verified intact, shows was taken
        through this desk.
        """
        engaged = [
            d
            for d in self.store.decisions_for(incident_id)
            if d.kind == DecisionKind.AUTHORISE and d.action == Action.ENGAGE.value
        ]
        if not engaged or not self.log.path.exists() or self.log.verify():
            return None
        logged = {
            int(e["data"]["decision_id"])
            for e in self.log.entries()
            if e.get("kind") == "decision"
            and e["data"].get("incident_id") == incident_id
            and e["data"].get("action") == Action.ENGAGE.value
            and e["data"].get("verdict", AUTHORISE) == AUTHORISE
        }
        found = [d for d in engaged if d.id in logged]
        return found[-1] if found else None
