"""The incident book: events grouped into incidents, persisted, decided on and reported.

* :mod:`~airsentry.incidents.store`: the SQLite store (events, incidents, tracks,
  decisions), one writer, durable on return.
* :mod:`~airsentry.incidents.book` and :mod:`~airsentry.incidents.grouping`: the
  rules that turn events into incidents.
* :mod:`~airsentry.incidents.report`: the operator timeline and the exports.
"""

from airsentry.incidents.book import IncidentBook, Recommender
from airsentry.incidents.grouping import natural_key, severity_of
from airsentry.incidents.records import BookedIncident, Decision, TrackState
from airsentry.incidents.report import export, timeline_text
from airsentry.incidents.store import IncidentStore, default_db_path

__all__ = [
    "BookedIncident",
    "Decision",
    "IncidentBook",
    "IncidentStore",
    "Recommender",
    "TrackState",
    "default_db_path",
    "export",
    "natural_key",
    "severity_of",
    "timeline_text",
]
