"""Assessment: who is what, who may be where, how threatening, and what to recommend.

- :mod:`~airsentry.assess.icao` and :mod:`~airsentry.assess.callsign`: registering State,
  military ranges and what a callsign says about its operator.
- :mod:`~airsentry.assess.classify` (rules in :mod:`~airsentry.assess.cues`):
  classification of tracks, with confidence and reasons.
- :mod:`~airsentry.assess.authority`: which targets each zone admits, and why not.
- :mod:`~airsentry.assess.picture`, :mod:`~airsentry.assess.threat`,
  :mod:`~airsentry.assess.impact`: the live traffic picture, the threat assessment of an
  incident, and the expected impact of closing an airport.
- :mod:`~airsentry.assess.playbook`: rules of engagement as YAML escalation ladders
  (``playbooks/default.yaml``); :class:`Responder` is the pipeline's recommender.
- :mod:`~airsentry.assess.decide` and :mod:`~airsentry.assess.audit`: human decisions
  (never automatic engagement) and the tamper-evident audit log.
- :mod:`~airsentry.assess.rules`: the situation an incident presents, and the original
  fixed recommendation table (kept as a reference; the pipeline uses the playbook).
"""

from airsentry.assess.audit import AuditLog, verify
from airsentry.assess.authority import Authority, explain
from airsentry.assess.classify import Classification, TrackClassifier
from airsentry.assess.decide import AuthorisationError, Desk, Roster
from airsentry.assess.icao import is_military, parse_identity, registering_state
from airsentry.assess.playbook import Playbook, Responder
from airsentry.assess.playbook import load as load_playbook
from airsentry.assess.rules import TABLE, recommend
from airsentry.assess.threat import ThreatAssessment, assess

__all__ = [
    "TABLE",
    "AuditLog",
    "AuthorisationError",
    "Authority",
    "Classification",
    "Desk",
    "Playbook",
    "Responder",
    "Roster",
    "ThreatAssessment",
    "TrackClassifier",
    "assess",
    "explain",
    "is_military",
    "load_playbook",
    "parse_identity",
    "recommend",
    "registering_state",
    "verify",
]
