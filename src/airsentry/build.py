"""The one builder: a deployment description in, a pipeline (and what it writes to) out.

Every command (``run``, ``replay``, ``demo``, ``serve``, ``evaluate``) and the
simulator's scoring build their pipeline here, from a
:class:`~airsentry.config.DeploymentConfig`, so that they agree on everything a user
relies on:

- **the database**: ``deployment.db``, else one default for every command
  (:func:`~airsentry.incidents.default_db_path`): after ``airsentry demo``,
  ``airsentry incidents list`` and ``airsentry serve`` see the same incidents;
- **the audit log**: ``deployment.audit_log``, else ``<db name>.audit.jsonl`` beside the
  database, for the pipeline's recommendations, the console's decisions and
  ``airsentry decide`` alike, and what ``airsentry audit verify`` checks by default;
- **the playbook** (rules of engagement): the pipeline's recommender and the decision
  desk read the same one;
- **the tracker**: identity-keyed (cooperative) or fused.

:func:`open_run` opens the store and assembles a :class:`Run`; :func:`build` assembles
a pipeline over a store the caller already holds (the console's server).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from airsentry.airspace import ZoneIndex, default_catalogue, load_user_zones
from airsentry.config import DeploymentConfig, PipelineConfig
from airsentry.decisions.audit import AuditLog, default_log_path
from airsentry.decisions.desk import Desk, Roster
from airsentry.decisions.trail import RecommendationTrail
from airsentry.errors import AirsentryError
from airsentry.identify.base import Identifier
from airsentry.identify.registers import Registers, load_registers
from airsentry.incidents import BookedIncident, IncidentBook, IncidentStore, local_anchor
from airsentry.incidents import default_db_path as _default_db
from airsentry.incidents.register_store import RegisterWatch
from airsentry.model import Zone, from_epoch
from airsentry.outputs.base import Sink
from airsentry.outputs.events import EventsFile
from airsentry.outputs.history import TrackHistory
from airsentry.outputs.totals import Totals
from airsentry.pipeline import Pipeline
from airsentry.respond.picture import TrafficPicture
from airsentry.respond.playbook import Playbook, Responder
from airsentry.respond.playbook import load as load_playbook
from airsentry.respond.threat import sites_from_zones
from airsentry.tracking.base import Tracker
from airsentry.tracking.combined import CombinedTracker
from airsentry.tracking.cooperative import CooperativeTracker
from airsentry.tracking.mtt import FusedTracker
from airsentry.watch.stage import Watch


def database(deployment: DeploymentConfig) -> Path | str:
    """The incident database of a deployment: a file or a ``postgresql://`` URL (the one
    default file when it names none)."""
    return deployment.db or _default_db()


def audit_log_path(deployment: DeploymentConfig) -> Path:
    """The audit log of a deployment: given, else beside its database."""
    return deployment.audit_log or default_log_path(local_anchor(database(deployment)))


def audit_log(deployment: DeploymentConfig) -> AuditLog:
    """The deployment's audit log, keyed by its ``audit_key`` (else ``<log>.key``)."""
    return AuditLog(audit_log_path(deployment), key_file=deployment.audit_key)


def playbook(deployment: DeploymentConfig) -> Playbook:
    """The rules of engagement of a deployment (the shipped default when it names none)."""
    return load_playbook(deployment.pipeline.playbook)


def deployment_zones(deployment: DeploymentConfig) -> list[Zone]:
    """Every zone of the deployment: the shipped catalogue (unless switched off) and the
    user's GeoJSON files. Raises when there is nothing to watch."""
    out = list(default_catalogue().zones) if deployment.default_zones else []
    for path in deployment.zone_files:
        out += load_user_zones(path)
    if not out:
        raise AirsentryError("no zones to watch: give zone files or keep the default zones")
    return out


def protected(all_zones: Sequence[Zone], config: PipelineConfig) -> list[Zone]:
    """The zones that raise events: those of the protected states (all when None)."""
    protect = config.protect
    return [z for z in all_zones if protect is None or z.owner in protect]


def tracker(config: PipelineConfig) -> Tracker:
    """The fused tracker (keyed and anonymous reports, the default), else the identity-keyed one."""
    if config.fused is not None:
        return CombinedTracker(
            CooperativeTracker(config.tracking), FusedTracker.from_config(config.fused)
        )
    return CooperativeTracker(config.tracking)


def build(
    deployment: DeploymentConfig,
    store: IncidentStore | None,
    *,
    all_zones: Sequence[Zone] | None = None,
    sinks: Sequence[Sink] = (),
) -> Pipeline:
    """A pipeline for ``deployment`` that books into ``store`` (none: books nothing).

    With a store, the recommendations it makes go to the deployment's audit log, and
    the events file (``events_out``) and the outputs (``outputs``, delivery threads
    that never slow the pipeline) are sinks too; ``sinks`` come after those.
    """
    cfg = deployment.pipeline
    watched = protected(all_zones if all_zones is not None else deployment_zones(deployment), cfg)
    # the picture keeps every track until well after it expired (an exit event at its
    # end still finds its path to pin), an incident's objects for hours
    picture = TrafficPicture(recent_s=cfg.tracking.expire_s + 600.0)
    responder = Responder(
        load_playbook(cfg.playbook), sites=sites_from_zones(watched), picture=picture
    )
    own: list[Sink] = []
    book = None
    if store is not None:
        book = IncidentBook(store, responder, gap_s=cfg.incident_gap_s)
        own.append(RecommendationTrail(audit_log(deployment)))
        own.append(TrackHistory(store))  # the console's replay (incidents/tracklog.py)
    if deployment.events_out is not None:
        # live deployments keep what an earlier run wrote; a replay starts the file anew
        own.append(EventsFile(deployment.events_out, append=bool(deployment.feeds)))
    if deployment.outputs:
        from airsentry.outputs.open import open_outputs

        own.append(open_outputs(deployment.outputs, store))
    return Pipeline(
        tracker=tracker(cfg),
        identifier=Identifier(
            watched,
            registers=registers(deployment, store),
            verify_cooperative=cfg.verify_cooperative,
        ),
        watch=Watch(watched, ZoneIndex(watched), cfg.watch),
        responder=responder,
        book=book,
        sinks=[*own, *sinks],
    )


def registers(deployment: DeploymentConfig, store: IncidentStore | None) -> Registers:
    """The register in force: the deployment's files, then the store's entries in force
    (added through the API or ``airsentry registers``)."""
    files = load_registers(deployment.pipeline.registers)
    return files if store is None else files + store.registers.registers()[1]


def watch_registers(
    deployment: DeploymentConfig, store: IncidentStore, pipeline: Pipeline
) -> RegisterWatch:
    """Keeps ``pipeline``'s identifier on the register in force: poll it before each
    batch (one one-row read) and it reloads when the store's register changed."""

    def apply(regs: Registers) -> None:
        pipeline.identifier.registers = regs

    return RegisterWatch(store.registers, load_registers(deployment.pipeline.registers), apply)


def decision_desk(deployment: DeploymentConfig, store: IncidentStore, roster: Roster) -> Desk:
    """The desk that records human decisions: the deployment's playbook and audit log."""
    sites = sites_from_zones(protected(deployment_zones(deployment), deployment.pipeline))
    return Desk(store, audit_log(deployment), playbook(deployment), roster, sites=sites)


@dataclass(eq=False)
class Run:
    """A pipeline over an open store, with the totals of what it did."""

    deployment: DeploymentConfig
    store: IncidentStore
    pipeline: Pipeline
    totals: Totals = field(default_factory=Totals)

    @property
    def db(self) -> Path | str:
        return database(self.deployment)

    def incidents(self) -> list[BookedIncident]:
        """The stored incidents of this run: those it changed, and those active in the
        event-time span of its reports (a replay of the same input changes nothing, yet
        its incidents are still the run's answer)."""
        t = self.totals
        by_id: dict[str, BookedIncident] = {}
        if math.isfinite(t.first_time) and t.first_time <= t.last_time:
            span = self.store.list(
                since=from_epoch(t.first_time), until=from_epoch(t.last_time + 1)
            )
            by_id.update((inc.id, inc) for inc in span)
        for inc_id in t.incidents_changed - by_id.keys():
            if (inc := self.store.get(inc_id)) is not None:
                by_id[inc_id] = inc
        return sorted(by_id.values(), key=lambda inc: (inc.start, inc.id))


@contextmanager
def open_run(
    deployment: DeploymentConfig,
    *,
    zones: Sequence[Zone] | None = None,
    sinks: Sequence[Sink] = (),
) -> Iterator[Run]:
    """Open the deployment's store and build its pipeline; close both afterwards.
    ``zones`` replaces the deployment's zones (the simulator scores in its own)."""
    all_zones = list(zones) if zones is not None else deployment_zones(deployment)
    with IncidentStore(database(deployment), record=True) as store:
        totals = Totals()
        pipeline = build(deployment, store, all_zones=all_zones, sinks=[totals, *sinks])
        try:
            yield Run(deployment, store, pipeline, totals)
        finally:
            pipeline.close()
