"""Scoring a run of the pipeline against the truth of a scenario.

:func:`evaluate` generates the scenario's sensor reports (:mod:`airsentry.sim.sensors`),
feeds them to a :class:`~airsentry.pipeline.Pipeline` in arrival order, in batches of
``batch_s`` seconds of arrival time, with a temporary SQLite incident store, and
compares what it booked with the truth (:mod:`airsentry.sim.truth`):

* incidents **found**, **missed** and **false**: a booked incident matches a true one in
  the same zone whose span overlaps its own (within ``match_slack_s``); precision and
  recall follow. On a control scenario every booked incident is false.
* **time to alert**: from the first real entry of the episode to the moment the alert
  reached the operator: the event time of the first incident-starting event plus the
  latency of the sensor whose report triggered it.
* **dwell error** (booked longest stay minus the true one) and **object-count error**.
* **track accuracy**: GOSPA (:mod:`airsentry.sim.gospa`) every ``gospa_step_s`` between
  the true positions of the actors alive and the tracks' positions (last update,
  dead-reckoned for at most ``track_stale_s``), in metres.
* the scenario's declared ``expected`` incidents: each must be matched by a booked
  incident of its zone (starting in its window) with the promised object count, dwell
  and recommendation.
* every actor that states ``expect_class`` / ``expect_action`` (:mod:`airsentry.sim.actors`):
  the class its tracks were given and the action recommended for its incidents.

:func:`ScenarioScore.passed` is what ``airsentry evaluate`` turns into its exit status.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from airsentry.build import open_run
from airsentry.config import DEFAULT_PROTECTED, DeploymentConfig, PipelineConfig
from airsentry.incidents.grouping import starts_incident
from airsentry.model import Event, Incident, ReportBatch, TrackUpdates, Zone, to_epoch
from airsentry.sim.actors import ActorCheck, check_actors
from airsentry.sim.gospa import track_accuracy
from airsentry.sim.scenario import ExpectedIncident, Scenario
from airsentry.sim.sensors import Feed, observe
from airsentry.sim.truth import TruthIncident, truth_incidents
from airsentry.step import Step

MAX_MEDIAN_ALERT_S = 10.0  # a scenario passes only if alerts come this soon after entry


@dataclass(frozen=True, slots=True)
class ScoreSettings:
    seed: int = 0
    batch_s: float = 600.0  # arrival-time span of one batch fed to the pipeline
    match_slack_s: float = 600.0
    truth_step_s: float = 1.0
    gospa_c: float = 1000.0  # m: beyond this a pairing counts as a miss and a false track
    gospa_p: float = 1.0
    gospa_step_s: float = 10.0
    track_stale_s: float = 30.0


@dataclass(slots=True)
class Match:
    """One true incident and the booked incident that found it (or None), or a false one."""

    zone_id: str
    truth: TruthIncident | None
    found: Incident | None
    time_to_alert_s: float | None = None
    dwell_error_s: float | None = None
    count_error: int | None = None

    def to_dict(self) -> dict[str, Any]:
        t, f = self.truth, self.found
        return {
            "zone_id": self.zone_id,
            "status": "found" if t and f else ("missed" if t else "false"),
            "incident": f.id if f else None,
            "true_start": t.start if t else None,
            "true_objects": t.objects if t else None,
            "true_dwell_s": t.dwell_s if t else None,
            "objects": f.object_count if f else None,
            "dwell_s": f.dwell_s if f else None,
            "time_to_alert_s": self.time_to_alert_s,
            "dwell_error_s": self.dwell_error_s,
            "count_error": self.count_error,
        }


@dataclass(slots=True)
class ExpectedCheck:
    expected: ExpectedIncident
    incident: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.incident is not None and not self.problems


@dataclass(slots=True)
class ScenarioScore:
    name: str
    control: bool
    reports: int
    matches: list[Match]
    expected: list[ExpectedCheck]
    gospa_mean_m: float  # mean GOSPA distance per evaluation time
    gospa_localisation_m: float  # mean distance of paired truths and tracks
    missed_fraction: float  # of true positions with no track within c
    false_fraction: float  # of track positions with no truth within c
    actors: list[ActorCheck] = field(default_factory=list)  # stated classes and actions

    @property
    def found(self) -> int:
        return sum(1 for m in self.matches if m.truth and m.found)

    @property
    def missed(self) -> int:
        return sum(1 for m in self.matches if m.truth and not m.found)

    @property
    def false(self) -> int:
        return sum(1 for m in self.matches if m.found and not m.truth)

    @property
    def recall(self) -> float:
        n = self.found + self.missed
        return self.found / n if n else 1.0

    @property
    def precision(self) -> float:
        n = self.found + self.false
        return self.found / n if n else 1.0

    def _values(self, name: str) -> list[float]:
        return [float(v) for m in self.matches if (v := getattr(m, name)) is not None]

    @property
    def median_time_to_alert_s(self) -> float | None:
        v = self._values("time_to_alert_s")
        return statistics.median(v) if v else None

    @property
    def max_dwell_error_s(self) -> float | None:
        v = self._values("dwell_error_s")
        return max(v, key=abs) if v else None

    @property
    def max_count_error(self) -> int | None:
        v = self._values("count_error")
        return int(max(v, key=abs)) if v else None

    @property
    def passed(self) -> bool:
        """No true incident missed, none false, every declared one met, object counts
        exact, and the median time to alert under ``MAX_MEDIAN_ALERT_S``."""
        alert = self.median_time_to_alert_s
        prompt = alert is None or alert < MAX_MEDIAN_ALERT_S
        exact = not self.max_count_error
        met = all(c.met for c in self.expected) and all(a.met for a in self.actors)
        return not self.missed and not self.false and met and exact and prompt

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "control": self.control,
            "passed": self.passed,
            "reports": self.reports,
            "found": self.found,
            "missed": self.missed,
            "false": self.false,
            "precision": self.precision,
            "recall": self.recall,
            "median_time_to_alert_s": self.median_time_to_alert_s,
            "max_dwell_error_s": self.max_dwell_error_s,
            "max_count_error": self.max_count_error,
            "gospa_mean_m": self.gospa_mean_m,
            "gospa_localisation_m": self.gospa_localisation_m,
            "missed_fraction": self.missed_fraction,
            "false_fraction": self.false_fraction,
            "incidents": [m.to_dict() for m in self.matches],
            "expected": [
                {
                    "zone": c.expected.zone,
                    "incident": c.incident,
                    "met": c.met,
                    "problems": c.problems,
                }
                for c in self.expected
            ],
            "actors": [a.to_dict() for a in self.actors],
        }


class _Recorder:
    """A sink of the pipeline's steps: every track update (for GOSPA) and the alert time
    of every event that starts an incident (its event time plus the sensor's latency)."""

    def __init__(self, latency: dict[str, float]) -> None:
        self.latency = latency
        self.parts: list[TrackUpdates] = []
        self.classes: list[Any] = []  # step.classes, aligned with parts
        self.events: list[Event] = []
        self.alerts: list[tuple[str, float, float]] = []  # zone id, event time, alert time

    def write(self, step: Step) -> None:
        if len(step.updates):
            self.parts.append(step.updates)
            self.classes.append(step.classes)
        worst = max(self.latency.values(), default=0.0)
        self.events.extend(step.events)
        for e in step.events:
            if starts_incident(e):
                t = to_epoch(e.time)
                self.alerts.append((e.zone_id, t, t + self.latency.get(e.sensor, worst)))

    def close(self) -> None:
        pass


def default_zones(protect: frozenset[str] | None = DEFAULT_PROTECTED) -> list[Zone]:
    from airsentry.airspace import default_catalogue

    return [z for z in default_catalogue().zones if protect is None or z.owner in protect]


def evaluate(
    scenario: Scenario,
    *,
    settings: ScoreSettings | None = None,
    zones: Sequence[Zone] | None = None,
    truth_zones: Sequence[Zone] | None = None,
    config: PipelineConfig | None = None,
    alter_feed: Callable[[Feed], Feed] | None = None,
) -> ScenarioScore:
    """Run the pipeline on the scenario's sensor data and score it against the truth.

    ``zones`` are the pipeline's zones, ``truth_zones`` those the truth is judged in
    (both default to the shipped catalogue's protected zones); ``alter_feed`` may
    change the reports before the pipeline sees them. The last three exist to break the
    system on purpose and see the scores move.
    """
    s = settings or ScoreSettings()
    reference = list(truth_zones) if truth_zones is not None else default_zones()
    used = list(zones) if zones is not None else reference
    feed = observe(scenario, s.seed)
    if alter_feed is not None:
        feed = alter_feed(feed)
    truths = truth_incidents(scenario, reference, step_s=s.truth_step_s)
    recorder = _Recorder({spec.id: spec.latency_s for spec in scenario.sensors})
    cfg = replace(config or PipelineConfig(), protect=None)
    with tempfile.TemporaryDirectory(prefix="airsentry-eval-") as tmp:
        if scenario.registers:  # the scenario's clearances, permits and own forces
            (Path(tmp) / "registers.yaml").write_text(yaml.safe_dump(dict(scenario.registers)))
            cfg = replace(cfg, registers=(*cfg.registers, Path(tmp) / "registers.yaml"))
        deployment = DeploymentConfig(pipeline=cfg, db=Path(tmp) / "book.sqlite")
        with open_run(deployment, zones=used, sinks=[recorder]) as run:
            run.pipeline.consume(_batches(feed, s.batch_s))
            booked: list[Incident] = list(run.incidents())
    alerts = recorder.alerts
    matches = _match(truths, booked, alerts, s.match_slack_s, scenario.control)
    checks = [_check(e, booked) for e in scenario.expected]
    updates = _concat(recorder.parts)
    g = track_accuracy(
        scenario, updates, step_s=s.gospa_step_s, stale_s=s.track_stale_s, c=s.gospa_c, p=s.gospa_p
    )
    classes = np.concatenate(recorder.classes) if recorder.classes else np.empty(0, object)
    actors = check_actors(scenario, updates, classes, booked, recorder.events)
    return ScenarioScore(scenario.name, scenario.control, len(feed), matches, checks, *g, actors)


def _concat(parts: list[TrackUpdates]) -> TrackUpdates:
    parts = [p for p in parts if len(p)]
    if not parts:
        return TrackUpdates.empty()
    return TrackUpdates(
        np.concatenate([p.track_id for p in parts]), ReportBatch.concat([p.state for p in parts])
    )


def _batches(feed: Feed, batch_s: float) -> list[ReportBatch]:
    if not len(feed):
        return []
    slot = np.floor((feed.arrival - feed.arrival[0]) / batch_s).astype(np.int64)
    cuts = np.flatnonzero(np.diff(slot)) + 1
    bounds = np.r_[0, cuts, len(feed)]
    return [feed.reports.take(slice(int(a), int(b))) for a, b in itertools.pairwise(bounds)]


def _match(
    truths: list[TruthIncident],
    booked: list[Incident],
    alerts: list[tuple[str, float, float]],
    slack: float,
    control: bool,
) -> list[Match]:
    out: list[Match] = []
    free = list(booked)
    for t in truths:
        best, overlap = None, -np.inf
        for inc in free:
            if inc.zone_id != t.zone_id:
                continue
            a, b = to_epoch(inc.start), to_epoch(inc.end)
            ov = min(b, t.end + slack) - max(a, t.start - slack)
            if ov >= 0 and ov > overlap:
                best, overlap = inc, ov
        m = Match(t.zone_id, t, best)
        if best is not None:
            free.remove(best)
            a, b = to_epoch(best.start), to_epoch(best.end)
            times = [al for z, et, al in alerts if z == best.zone_id and a <= et <= b]
            m.time_to_alert_s = min(times) - t.start if times else None
            m.dwell_error_s = best.dwell_s - t.dwell_s
            m.count_error = best.object_count - t.objects
        out.append(m)
    out += [Match(inc.zone_id, None, inc) for inc in free]
    return out


def _check(e: ExpectedIncident, booked: list[Incident]) -> ExpectedCheck:
    cands = [
        i for i in booked
        if i.zone_id == e.zone
        and (not e.owner or i.owner == e.owner)
        and (e.window is None or e.window[0] <= to_epoch(i.start) <= e.window[1])
    ]  # fmt: skip
    if not cands:
        return ExpectedCheck(e, None, ["no incident found"])
    inc = max(cands, key=lambda i: i.object_count)
    problems = []
    if e.objects is not None and inc.object_count != e.objects:
        problems.append(f"{inc.object_count} objects, expected {e.objects}")
    if e.objects_min is not None and inc.object_count < e.objects_min:
        problems.append(f"{inc.object_count} objects, expected at least {e.objects_min}")
    if e.dwell_s is not None and abs(inc.dwell_s - e.dwell_s) > e.dwell_tolerance_s:
        problems.append(
            f"dwell {inc.dwell_s:.0f} s, expected {e.dwell_s:.0f} ± {e.dwell_tolerance_s:.0f} s"
        )
    rec = str(inc.recommendation.action) if inc.recommendation else ""
    if e.recommendation and rec != e.recommendation:
        problems.append(f"recommends {rec or 'nothing'}, expected {e.recommendation}")
    return ExpectedCheck(e, inc.id, problems)
