"""The incident book's vocabulary: an incident's status and the kinds of human decision.

Both are stored as their string values (``"open"``, ``"refuse"``), so the database reads
plainly and any SQL engine can hold them; the code compares enum members, never text.
A decision's kind says what the person did; the :class:`~airsentry.model.Action` it
concerns (for an authorisation or a refusal) is a field of its own, so a refusal of an
engagement is ``(REFUSE, engage)`` and never confused with an authorisation of one.
"""

from __future__ import annotations

import enum

from airsentry.model import Action


class IncidentStatus(enum.StrEnum):
    """Whether an incident is still going on (``OPEN``) or has gone quiet (``CLOSED``)."""

    OPEN = "open"
    CLOSED = "closed"


class DecisionKind(enum.StrEnum):
    """What a person did about an incident.

    ``ACKNOWLEDGE`` and ``NOTE`` concern no action; ``AUTHORISE`` and ``REFUSE`` always
    name the action authorised or refused.
    """

    ACKNOWLEDGE = "acknowledge"
    NOTE = "note"
    AUTHORISE = "authorise"
    REFUSE = "refuse"

    @property
    def needs_action(self) -> bool:
        """True for the kinds that decide on an action (authorise, refuse)."""
        return self in (DecisionKind.AUTHORISE, DecisionKind.REFUSE)


def decision_of(
    kind: DecisionKind | str | None, action: Action | str | None
) -> tuple[DecisionKind, Action | None]:
    """The (kind, action) a decision is stored as; ``ValueError`` when they do not fit.

    With ``kind`` given, ``action`` must be given for authorise and refuse and must not
    be for acknowledge and note. Without it, ``action`` alone says it, as callers wrote
    it before kinds existed: ``"acknowledge"`` or ``"note"``, ``"refuse:<action>"``, or
    an action (an authorisation).
    """
    if kind is None:
        if action is None:
            raise ValueError("a decision needs a kind or an action")
        text = str(action)
        if text in (DecisionKind.ACKNOWLEDGE, DecisionKind.NOTE):
            return DecisionKind(text), None
        refused = text.removeprefix("refuse:")
        if refused != text:
            return DecisionKind.REFUSE, Action(refused)
        return DecisionKind.AUTHORISE, Action(text)
    kind = DecisionKind(kind)
    if kind.needs_action:
        if action is None:
            raise ValueError(f"a decision to {kind} names the action")
        return kind, Action(action)
    if action is not None and str(action) != kind:
        raise ValueError(f"{kind} concerns no action, got {action!r}")
    return kind, None
