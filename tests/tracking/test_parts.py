"""The fused tracker's parts are swappable, the scan runs on explicit state, and the
tracking modules import each other without a cycle."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from test_mtt import BOX, start_for, tracks_per_target
from tracking_scenes import T0, Target, observe, run

from airsentry.model import IntArray, ReportBatch
from airsentry.tracking.association import GNNAssociator, JPDAAssociator, gate
from airsentry.tracking.base import Tracker
from airsentry.tracking.cluttermap import ClutterMapConfig
from airsentry.tracking.cooperative import CooperativeConfig, CooperativeTracker
from airsentry.tracking.crosscheck import CrossCheck
from airsentry.tracking.existence import Existence
from airsentry.tracking.fusion import TrackMerger
from airsentry.tracking.initiation import PlotInitiator
from airsentry.tracking.management import Management
from airsentry.tracking.mtt import FusedConfig, FusedTracker
from airsentry.tracking.plots import ScanPlots
from airsentry.tracking.scan import ScanParts, run_scan
from airsentry.tracking.state import FusedState, ScanSettings

TRACKING = Path(__file__).resolve().parents[2] / "src/airsentry/tracking"


def crossing_scene():
    targets = [
        Target(*start_for(52.0, 21.0, 70.0, 100.0, 150.0), 100.0, 70.0),
        Target(*start_for(52.0, 21.0, 110.0, 100.0, 150.0), 100.0, 110.0),
        Target(*start_for(52.0, 21.0, 0.0, 60.0, 150.0), 60.0, 0.0),
    ]
    batch = observe(targets, 300, noise=50, p_detect=0.9, clutter=4, clutter_box=BOX, seed=5)
    return targets, batch


def assert_one_track_each(tracker: FusedTracker) -> None:
    targets, batch = crossing_scene()
    updates, _ = run(tracker, batch)
    found, spurious = tracks_per_target(updates, targets, 300)
    assert all(len(v) == 1 for v in found.values()), found
    assert sum(n for _, n in spurious) <= 3


class GreedyNearest:
    """A trivial associator: the closest pair first, each track and plot used once."""

    threshold = 20.0

    def __init__(self) -> None:
        self.calls = 0

    def gate(self, d2):
        return gate(d2, self.threshold)

    def assign(self, track: IntArray, plot: IntArray, cost) -> tuple[IntArray, IntArray]:
        self.calls += 1
        used_t: set[int] = set()
        used_p: set[int] = set()
        out_t, out_p = [], []
        for k in np.argsort(cost, kind="stable"):
            t, p = int(track[k]), int(plot[k])
            if t not in used_t and p not in used_p:
                used_t.add(t)
                used_p.add(p)
                out_t.append(t)
                out_p.append(p)
        return np.array(out_t, dtype=np.int64), np.array(out_p, dtype=np.int64)

    def weights(self, track, plot, likelihood):
        return None


class CountingInitiator:
    """Delegates to the default initiator with a wider velocity prior; counts its plots."""

    def __init__(self) -> None:
        self.inner = PlotInitiator(init_speed_sigma=250.0)
        self.plots = 0

    def initiate(self, table, plots, pj, ids, predictor):
        self.plots += len(pj)
        return self.inner.initiate(table, plots, pj, ids, predictor)


def test_default_assembly_is_the_config_default():
    a, b = FusedTracker(), FusedTracker.from_config(FusedConfig())
    for f in ("predictor", "associator", "initiator", "manager", "merger", "crosscheck"):
        assert getattr(a, f) == getattr(b, f), f
    assert a.settings == b.settings
    assert a.scan_s == b.scan_s
    jpda = FusedTracker.from_config(FusedConfig(association="jpda", gate=16.0))
    assert jpda.associator == JPDAAssociator(threshold=16.0)
    with pytest.raises(TypeError, match="from_config"):
        FusedTracker(FusedConfig())  # type: ignore[arg-type]


def test_a_hand_written_nearest_neighbour_associator_tracks_crossing_targets():
    nn = GreedyNearest()
    assert_one_track_each(FusedTracker(associator=nn))
    assert nn.calls > 50  # it really did the assignments


def test_the_jpda_associator_part_tracks_parallel_targets_and_the_crossing():
    # two targets 5.5 km apart in parallel: one track each
    targets = [Target(52.0, 21.0, 100.0, 90.0), Target(52.05, 21.0, 100.0, 90.0)]
    batch = observe(targets, 200, noise=50, p_detect=0.9, clutter=3, clutter_box=BOX, seed=9)
    found, _ = tracks_per_target(
        run(FusedTracker(associator=JPDAAssociator()), batch)[0], targets, 200
    )
    assert [len(found[0]), len(found[1])] == [1, 1]
    # crossing targets: every target followed (cheap JPDA at this crossing starts a second
    # track on one of them after the gates overlap: as before the tracker had parts)
    targets, batch = crossing_scene()
    found, spurious = tracks_per_target(
        run(FusedTracker(associator=JPDAAssociator()), batch)[0], targets, 300
    )
    assert all(1 <= len(v) <= 2 for v in found.values()), found
    assert sum(n for _, n in spurious) <= 3


def test_another_initiator_and_manager_track_crossing_targets():
    init = CountingInitiator()
    tracker = FusedTracker(initiator=init, manager=Management(m=4, n=6))
    assert_one_track_each(tracker)
    assert init.plots > 0


def test_run_scan_on_explicit_state_confirms_after_m_of_n():
    parts = ScanParts(
        predictor=FusedTracker().predictor,
        associator=GNNAssociator(),
        initiator=PlotInitiator(),
        manager=Management(m=3, n=5),
        merger=TrackMerger(),
        crosscheck=CrossCheck(),
        # M of N from the first scan: no clutter-map warm-up (ClutterMap.warm)
        settings=ScanSettings(existence=Existence(clutter=ClutterMapConfig(hold_s=0.0))),
    )
    state = FusedState.empty(parts.predictor.m)
    targets = [Target(52.0, 21.0, 100.0, 90.0), Target(52.1, 21.2, 80.0, 0.0)]
    batch = observe(targets, 16, noise=30, period=4.0, seed=3)
    rows = []
    for k, t in enumerate(np.unique(batch.t)):
        scan = batch.take(batch.t == t)
        result = run_scan(parts, state, ScanPlots.of(scan, 0, 150.0, 5.0))
        rows.append(len(result.plot_rows))
        assert len(state.table) == 2  # one track per target, no duplicates
        if k >= 2:  # third hit: confirmed, output from then on
            assert set(result.track_ids) == {1, 2}
            assert np.allclose(result.states.t, T0 + 4.0 * k)
    assert rows == [0, 0, 2, 2]
    assert state.table["confirmed"].all()
    assert state.events == []


def test_every_tracker_drains_events():
    trackers: list[Tracker] = [CooperativeTracker(CooperativeConfig()), FusedTracker()]
    for tracker in trackers:
        tracker.process(ReportBatch.empty())
        assert tracker.drain_events() == []


def test_tracking_modules_import_without_a_cycle():
    graph: dict[str, set[str]] = {}
    for path in TRACKING.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            deps |= {n.split(".")[2] for n in names if n.startswith("airsentry.tracking.")}
        graph[path.stem] = deps
    done: set[str] = set()

    def visit(mod: str, path: tuple[str, ...]) -> None:
        assert mod not in path, f"import cycle: {' -> '.join((*path, mod))}"
        if mod in done:
            return
        for dep in graph.get(mod, ()):
            visit(dep, (*path, mod))
        done.add(mod)

    for mod in graph:
        visit(mod, ())
    assert "scan" in graph["mtt"]
    assert "mtt" not in graph["scan"]


def test_parts_are_dataclass_fields_of_the_tracker():
    names = [f.name for f in dataclasses.fields(FusedTracker) if f.init]
    assert names[:6] == ["predictor", "associator", "initiator", "manager", "merger", "crosscheck"]
