"""The one place that knows the whole flow: sources → tracking → watch → assess → book.

:class:`Pipeline` takes report batches in event-time order, whatever their origin (a
recorded file, a live feed, the simulator), and returns the events of each batch after
they have been stored. Replay and live runs share this code path.

Which zones raise anything is the deployment's choice: ``protect`` names the states
whose airspace the user watches (by default the NATO and EU members, the users this
system is made for). Zones of other states stay out of the watch: a drone flying in
Belarus towards Poland is an *approach* to Poland, not a Belarusian incident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from airsentry.airspace.index import ZoneIndex
from airsentry.assess.authority import Authority
from airsentry.assess.classify import TrackClassifier
from airsentry.assess.judge import BatchJudge
from airsentry.assess.rules import recommend
from airsentry.incidents import IncidentBook, IncidentStore
from airsentry.model import Event, Incident, ReportBatch, Zone, from_epoch
from airsentry.tracking.cooperative import CooperativeConfig, CooperativeTracker
from airsentry.watch.base import WatchConfig
from airsentry.watch.stage import Watch

# Members as of 2025 (ISO 3166 alpha-3).
NATO = frozenset(
    {
        "ALB", "BEL", "BGR", "CAN", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
        "ISL", "ITA", "LVA", "LTU", "LUX", "MNE", "NLD", "MKD", "NOR", "POL", "PRT", "ROU",
        "SVK", "SVN", "ESP", "SWE", "TUR", "GBR", "USA", "HRV",
    }
)  # fmt: skip
EU = frozenset(
    {
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
        "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK",
        "SVN", "ESP", "SWE",
    }
)  # fmt: skip
DEFAULT_PROTECTED = NATO | EU


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    tracking: CooperativeConfig = field(default_factory=CooperativeConfig)
    watch: WatchConfig = field(default_factory=WatchConfig)
    incident_gap_s: float = 3600.0
    protect: frozenset[str] | None = DEFAULT_PROTECTED  # None: every state in the catalogue


@dataclass(slots=True)
class RunStats:
    batches: int = 0
    reports: int = 0
    events: int = 0
    incidents_changed: set[str] = field(default_factory=set)


class Pipeline:
    """Tracks, watches, assesses and books; one instance per run."""

    def __init__(
        self,
        zones: Sequence[Zone],
        *,
        store: IncidentStore | None = None,
        config: PipelineConfig | None = None,
        on_events: Callable[[Sequence[Event]], None] | None = None,
    ) -> None:
        self.config = config or PipelineConfig()
        protect = self.config.protect
        self.zones = [z for z in zones if protect is None or z.owner in protect]
        self.index = ZoneIndex(self.zones)
        self.tracker = CooperativeTracker(self.config.tracking)
        self.classifier = TrackClassifier()
        self.authority = Authority(self.zones)
        self.watch = Watch(self.zones, self.index, self.config.watch)
        self.store = store
        self.book = (
            IncidentBook(store, recommend, gap_s=self.config.incident_gap_s) if store else None
        )
        self.on_events = on_events
        self.stats = RunStats()

    def process(self, batch: ReportBatch) -> list[Event]:
        """Run one batch through every stage; its events are stored before they return."""
        self.stats.batches += 1
        self.stats.reports += len(batch)
        updates, ended = self.tracker.process(batch)
        classification = self.classifier.update(updates)
        judge = BatchJudge(self.authority, updates, classification)
        events = self.watch.process(updates, ended, judge)
        self.classifier.forget([e.track.track_id for e in ended])
        out = self._emit(events)
        if self.book is not None and len(updates):
            # event time, not wall time: replay and live close incidents alike
            for inc in self.book.close_stale(from_epoch(float(updates.state.t.max()))):
                self.stats.incidents_changed.add(inc.id)
        return out

    def finish(self) -> list[Event]:
        """End of input: close every live track's stays."""
        ended = self.tracker.flush()
        events = self.watch.end_tracks(ended)
        self.classifier.forget([e.track.track_id for e in ended])
        return self._emit(events)

    def run(self, batches: Iterable[ReportBatch]) -> RunStats:
        for batch in batches:
            self.process(batch)
        self.finish()
        return self.stats

    def _emit(self, events: list[Event]) -> list[Event]:
        self.stats.events += len(events)
        if self.book is not None and events:
            for inc in self.book.add(events):
                self.stats.incidents_changed.add(inc.id)
        if self.on_events is not None and events:
            self.on_events(events)
        return events

    def incidents(self) -> list[Incident]:
        """Incidents this run created or changed, as stored."""
        if self.store is None:
            return []
        found = [self.store.get(i) for i in sorted(self.stats.incidents_changed)]
        out: list[Incident] = [inc for inc in found if inc is not None]
        out.sort(key=lambda inc: (inc.start, inc.id))
        return out
