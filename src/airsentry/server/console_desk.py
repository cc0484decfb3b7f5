"""Decisions taken at the console, through the assessment's decision desk when there is one.

With a :class:`DecisionDesk` (a playbook and an audit log), acknowledgements and
authorisations go through :class:`airsentry.decisions.desk.Desk`: the playbook must
recommend the action for that incident, the user's role must be allowed to decide its
step, and every attempt lands in the tamper-evident audit log: acceptances, refusals,
notes, and attempts denied by the console's own role check (:meth:`DecisionDesk.denied`).
Without one, the store records them directly after the console's own role check.

Console roles map onto the playbook's roles: an operator holds the playbook's
``operator`` role; a commander holds every role of the playbook (the console's
commander is the duty officer with the authority the playbook names); a viewer holds none.
An approval is recorded as a decision of kind ``authorise`` naming its action
(``engage``), a refusal as kind ``refuse`` with the action, so
:meth:`Desk.engagement_authorised` reads them alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from airsentry.decisions.audit import AuditLog
from airsentry.decisions.desk import AuthorisationError, Desk, Roster
from airsentry.incidents import Decision, DecisionKind, IncidentStore
from airsentry.model import Action
from airsentry.respond.playbook import Playbook, load
from airsentry.server.auth import Role, User

__all__ = ["AuthorisationError", "DecisionDesk"]


@dataclass(slots=True)
class DecisionDesk:
    """The playbook and audit log the console's decisions go through."""

    playbook: Playbook
    log: AuditLog

    @classmethod
    def open(cls, audit_log: Path, playbook: Path | None = None) -> DecisionDesk:
        """The desk over ``audit_log`` (created with its key when missing) and a playbook
        (the shipped default when None)."""
        return cls(load(playbook), AuditLog(audit_log))

    def roles_of(self, user: User) -> frozenset[str]:
        if user.role is Role.COMMANDER:
            return frozenset(self.playbook.roles)
        if user.role is Role.OPERATOR and "operator" in self.playbook.roles:
            return frozenset({"operator"})
        return frozenset()

    def desk(self, store: IncidentStore, user: User) -> Desk:
        return Desk(store, self.log, self.playbook, Roster({user.name: self.roles_of(user)}))

    def role_for(self, user: User, authority: str | None = None) -> str:
        """The role the user decides under: the ``authority`` the recommendation names
        when the user holds it (a commander closing an airport decides as the airport
        authority, not under their most senior role), else the user's most senior
        playbook role (the one that outranks the most)."""
        if authority and authority in self.roles_of(user):
            return authority
        roles = sorted(self.roles_of(user), key=lambda r: (len(self.playbook.outranks(r)), r))
        return roles[-1] if roles else ""

    def acknowledge(
        self, store: IncidentStore, user: User, incident_id: str, *, time: datetime, note: str
    ) -> Decision:
        try:
            return self.desk(store, user).acknowledge(incident_id, user.name, time=time, note=note)
        except AuthorisationError as exc:
            self.denied(user, f"acknowledge {incident_id}", exc.reason, time=time)
            raise

    def note(
        self, store: IncidentStore, user: User, incident_id: str, *, time: datetime, text: str
    ) -> Decision:
        """A note on an incident: stored and audited together, or neither."""
        with store.transaction():
            decision = store.record_decision(
                incident_id, time=time, operator=user.name, kind=DecisionKind.NOTE, note=text
            )
            self.log.append(
                "note",
                {"decision_id": decision.id, "incident_id": incident_id,
                 "operator": user.name, "role": str(user.role), "note": text},
                time=time,
            )  # fmt: skip
        return decision

    def denied(self, user: User, attempt: str, reason: str, *, time: datetime) -> None:
        """Audit an attempt the console refused before it reached the desk (a 403)."""
        self.log.append(
            "denied",
            {"operator": user.name, "role": str(user.role), "attempt": attempt,
             "refused_because": reason},
            time=time,
        )  # fmt: skip

    def decide(
        self,
        store: IncidentStore,
        user: User,
        incident_id: str,
        action: Action,
        *,
        refuse: bool,
        time: datetime,
        reasons: Sequence[str],
        authority: str | None = None,
    ) -> Decision:
        """Authorise (or refuse) ``action`` through the desk, under the ``authority`` the
        recommendation names when the user holds it (:meth:`role_for`); raises
        AuthorisationError when the desk will not record it."""
        desk = self.desk(store, user)
        decide_by = desk.refuse if refuse else desk.authorise
        return decide_by(
            incident_id,
            action,
            operator=user.name,
            role=self.role_for(user, authority),
            reasons=reasons,
            time=time,
        )
