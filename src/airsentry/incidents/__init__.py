"""The incident book: events grouped into incidents, persisted, decided on and reported.

* :mod:`~airsentry.incidents.store`: the store (events, incidents, tracks,
  decisions, users) on SQLite or PostgreSQL (:mod:`~airsentry.incidents.dialect`),
  one writer and per-thread readers
  (:mod:`~airsentry.incidents.database`), durable on return; its console reads in
  :mod:`~airsentry.incidents.queries`, its users in :mod:`~airsentry.incidents.users`,
  every table in :mod:`~airsentry.incidents.schema`.
* :mod:`~airsentry.incidents.kinds`: :class:`IncidentStatus` and :class:`DecisionKind`.
* :mod:`~airsentry.incidents.book` and :mod:`~airsentry.incidents.grouping`: the
  rules that turn events into incidents.
* :mod:`~airsentry.incidents.report`: the operator timeline and the exports.
"""

from airsentry.incidents.book import IncidentBook, Recommender
from airsentry.incidents.dialect import db_target, shown
from airsentry.incidents.grouping import natural_key, severity_of
from airsentry.incidents.kinds import DecisionKind, IncidentStatus
from airsentry.incidents.queries import EventSpan
from airsentry.incidents.records import BookedIncident, Decision, TrackState
from airsentry.incidents.report import export, timeline_text
from airsentry.incidents.store import IncidentStore, default_db_path, local_anchor, store_exists
from airsentry.incidents.users import StoredUser, UserStore

__all__ = [
    "BookedIncident",
    "Decision",
    "DecisionKind",
    "EventSpan",
    "IncidentBook",
    "IncidentStatus",
    "IncidentStore",
    "Recommender",
    "StoredUser",
    "TrackState",
    "UserStore",
    "db_target",
    "default_db_path",
    "export",
    "local_anchor",
    "natural_key",
    "severity_of",
    "shown",
    "store_exists",
    "timeline_text",
]
