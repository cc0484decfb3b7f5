"""Assessment: who is what, who may be where, and what to recommend.

- :mod:`~airsentry.assess.icao`: registering State and military ranges of ICAO addresses.
- :mod:`~airsentry.assess.classify`: rule-based classification of tracks, with reasons.
- :mod:`~airsentry.assess.authority`: which targets each zone admits, and why not.
- :mod:`~airsentry.assess.rules`: the default recommendation for an incident.
"""

from airsentry.assess.authority import Authority, explain
from airsentry.assess.classify import Classification, TrackClassifier
from airsentry.assess.icao import is_military, parse_identity, registering_state
from airsentry.assess.rules import TABLE, recommend

__all__ = [
    "TABLE",
    "Authority",
    "Classification",
    "TrackClassifier",
    "explain",
    "is_military",
    "parse_identity",
    "recommend",
    "registering_state",
]
