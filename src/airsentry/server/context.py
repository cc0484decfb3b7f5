"""Everything the routes read and write, in one record: :class:`ServerContext`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from airsentry.gnss import GnssLayer
from airsentry.incidents import IncidentStore
from airsentry.model import Zone
from airsentry.outputs.metrics import PipelineMetrics
from airsentry.server.auth import UserBook
from airsentry.server.console_desk import DecisionDesk
from airsentry.server.geo import ZoneLayer
from airsentry.server.live import Hub, LivePicture
from airsentry.server.runner import PipelineRunner


@dataclass(slots=True)
class ServerContext:
    """Everything the routes read and write. The store is the one owner of the database:
    the users, the console's reads and every write go through it."""

    store: IncidentStore
    users: UserBook
    zones: ZoneLayer
    picture: LivePicture = field(default_factory=LivePicture)
    hub: Hub = field(default_factory=Hub)
    runner: PipelineRunner | None = None
    desk: DecisionDesk | None = None  # decisions through the playbook and audit log
    metrics: PipelineMetrics = field(default_factory=PipelineMetrics)  # served at /metrics
    gnss: GnssLayer = field(default_factory=GnssLayer)  # GNSS-interference map, /api/gnss

    @classmethod
    def open(cls, db: str | Path, zones: Sequence[Zone]) -> ServerContext:
        """Open the store at ``db`` (created when missing), users included."""
        store = IncidentStore(db, record=True)  # the public record counts from the start
        ctx = cls(store=store, users=UserBook(store), zones=ZoneLayer(zones))
        ctx.metrics.watch((), store)
        return ctx

    def close(self) -> None:
        if self.runner is not None:
            self.runner.stop()
        self.users.close()
        self.store.close()
