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
from datetime import UTC, datetime
from pathlib import Path

from airsentry.airspace.index import ZoneIndex
from airsentry.assess.audit import AuditLog, RecommendationTrail, default_log_path
from airsentry.assess.authority import Authority
from airsentry.assess.classify import TrackClassifier
from airsentry.assess.judge import BatchJudge
from airsentry.assess.picture import TrafficPicture
from airsentry.assess.playbook import Responder
from airsentry.assess.playbook import load as load_playbook
from airsentry.assess.threat import sites_from_zones
from airsentry.incidents import IncidentBook, IncidentStore
from airsentry.model import Event, Incident, ReportBatch, Zone, from_epoch
from airsentry.tracking.base import Tracker
from airsentry.tracking.cooperative import CooperativeConfig, CooperativeTracker
from airsentry.tracking.mtt import FusedConfig, FusedTracker
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
    # None: the cooperative (identity-keyed) tracker; a FusedConfig: the fused multi-target
    # tracker, which also tracks anonymous plots and raises integrity events
    fused: FusedConfig | None = None
    watch: WatchConfig = field(default_factory=WatchConfig)
    incident_gap_s: float = 3600.0
    protect: frozenset[str] | None = DEFAULT_PROTECTED  # None: every state in the catalogue
    playbook: str | None = None  # rules-of-engagement YAML; None: the shipped default


@dataclass(slots=True)
class RunStats:
    batches: int = 0
    reports: int = 0
    events: int = 0
    incidents_changed: set[str] = field(default_factory=set)
    first_time: float = float("inf")  # event-time span of the reports seen
    last_time: float = float("-inf")


class Pipeline:
    """Tracks, watches, assesses and books; one instance per run."""

    def __init__(
        self,
        zones: Sequence[Zone],
        *,
        store: IncidentStore | None = None,
        config: PipelineConfig | None = None,
        on_events: Callable[[Sequence[Event]], None] | None = None,
        audit_log: Path | None = None,
    ) -> None:
        self.config = config or PipelineConfig()
        protect = self.config.protect
        self.zones = [z for z in zones if protect is None or z.owner in protect]
        self.index = ZoneIndex(self.zones)
        self.tracker: Tracker = (
            FusedTracker.from_config(self.config.fused)
            if self.config.fused is not None
            else CooperativeTracker(self.config.tracking)
        )
        self.classifier = TrackClassifier()
        self.authority = Authority(self.zones)
        self.watch = Watch(self.zones, self.index, self.config.watch)
        self.store = store
        self.picture = TrafficPicture()
        self.responder = Responder(
            load_playbook(self.config.playbook),
            sites=sites_from_zones(self.zones),
            picture=self.picture,
        )
        self.book = (
            IncidentBook(store, self.responder, gap_s=self.config.incident_gap_s) if store else None
        )
        self.audit = (
            RecommendationTrail(AuditLog(audit_log or default_log_path(store.path)))
            if store is not None
            else None
        )
        self.on_events = on_events
        self.stats = RunStats()

    def process(self, batch: ReportBatch) -> list[Event]:
        """Run one batch through every stage; its events are stored before they return."""
        self.stats.batches += 1
        self.stats.reports += len(batch)
        if len(batch):
            self.stats.first_time = min(self.stats.first_time, float(batch.t.min()))
            self.stats.last_time = max(self.stats.last_time, float(batch.t.max()))
        updates, ended = self.tracker.process(batch)
        classification = self.classifier.update(updates)
        self.picture.update(updates, classification.cls)
        judge = BatchJudge(self.authority, updates, classification, self.classifier)
        events = self.watch.process(updates, ended, judge)
        # ADS-B that disagrees with radar: an integrity (spoofing) event, kept and
        # stored like the others; it names a track, not a zone
        events = sorted(self.tracker.drain_events() + events, key=lambda e: e.time)
        self.classifier.forget([e.track.track_id for e in ended])
        out = self._emit(events)
        if self.book is not None and len(updates):
            # event time, not wall time: replay and live close incidents alike
            closed = self.book.close_stale(from_epoch(float(updates.state.t.max())))
            for inc in closed:
                self.stats.incidents_changed.add(inc.id)
            self._audit(closed)
        return out

    def finish(self) -> list[Event]:
        """End of input: close every live track's stays."""
        ended = self.tracker.flush()
        events = self.watch.end_tracks(ended, lambda tid: str(self.classifier.latest([tid])[0]))
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
            changed = self.book.add(events)
            for inc in changed:
                self.stats.incidents_changed.add(inc.id)
            self._audit(changed)
        if self.on_events is not None and events:
            self.on_events(events)
        return events

    def _audit(self, incidents: Sequence[Incident]) -> None:
        """Append the incidents' new recommendations to the audit log (wall-clock time:
        the log records when airsentry said it; the entry holds the event time too)."""
        if self.audit is not None and incidents:
            self.audit.record(list(incidents), time=datetime.now(UTC))

    def incidents(self) -> list[Incident]:
        """The stored incidents of this run: those it changed, and those active in the
        event-time span of its reports (a replay of the same input changes nothing, yet
        its incidents are still the run's answer)."""
        if self.store is None:
            return []
        st = self.stats
        by_id: dict[str, Incident] = {}
        if st.first_time <= st.last_time:
            span = self.store.list(
                since=from_epoch(st.first_time), until=from_epoch(st.last_time + 1)
            )
            by_id.update((inc.id, inc) for inc in span)
        for inc_id in st.incidents_changed - by_id.keys():
            if (inc := self.store.get(inc_id)) is not None:
                by_id[inc_id] = inc
        return sorted(by_id.values(), key=lambda inc: (inc.start, inc.id))
