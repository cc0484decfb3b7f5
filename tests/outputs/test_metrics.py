"""Prometheus metrics: the server's /metrics over a run of the demo, with an output attached."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from output_receivers import CotListener, wait_until
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from airsentry.build import open_run
from airsentry.cli._common import chunks
from airsentry.cli._demo import DEMO_SCENARIO
from airsentry.config import DeploymentConfig
from airsentry.outputs.metrics import PipelineMetrics
from airsentry.outputs.urls import parse_output
from airsentry.server import create_app
from airsentry.server.serving import open_context
from airsentry.sim.generate import generate
from airsentry.sim.scenario import load_library


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_server_metrics_report_tracks_events_incidents_and_outputs(
    tmp_path: Path, cot: CotListener
) -> None:
    url = f"cot+tcp://127.0.0.1:{cot.port}"
    dep = DeploymentConfig(db=tmp_path / "m.sqlite", outputs=(parse_output(url),))
    reports = generate(load_library(DEMO_SCENARIO), seed=0)
    ctx = open_context(dep, list(chunks(reports, 2000)))
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        assert ctx.runner is not None
        assert wait_until(lambda: ctx.runner is not None and ctx.runner.done, 60)
        got = samples(client.get("/metrics").text)  # no token: Prometheus scrapes openly
    assert got[("airsentry_reports_total", ())] == len(reports)
    events = {dict(k[1])["kind"]: v for k, v in got.items() if k[0] == "airsentry_events_total"}
    assert events
    assert all(v > 0 for v in events.values())
    assert ("airsentry_incidents_open", ()) in got
    lag = got[("airsentry_step_lag_seconds_count", ())]
    assert lag > 0
    out = (("output", url),)
    assert got[("airsentry_output_delivered_total", out)] > 0
    assert ("airsentry_output_shed_total", out) in got
    assert ("airsentry_output_queue_depth", out) in got


def test_live_tracks_by_class_follow_the_steps(tmp_path: Path) -> None:
    metrics = PipelineMetrics()
    reports = generate(load_library(DEMO_SCENARIO), seed=0)
    with open_run(DeploymentConfig(db=tmp_path / "t.sqlite"), sinks=[metrics]) as run:
        metrics.watch(run.pipeline.sinks, run.store)
        for batch in chunks(reports, 5000):
            run.pipeline.process(batch)
        live = samples(generate_latest(metrics.registry).decode())
        by_class = {
            dict(k[1])["class"]: v for k, v in live.items() if k[0] == "airsentry_tracks_live"
        }
        assert by_class.get("decoy_drone", 0) + by_class.get("drone", 0) > 0
        run.pipeline.finish()  # the end of input ends every track
        done = samples(generate_latest(metrics.registry).decode())
    assert not [k for k in done if k[0] == "airsentry_tracks_live"]
    assert done[("airsentry_steps_total", ())] == len(list(chunks(reports, 5000)))
