"""Receivers restarted in the middle of a run: nothing is lost, the pipeline never waits."""

from __future__ import annotations

import time
from pathlib import Path

from output_receivers import (
    Broker,
    CotListener,
    Subscriber,
    WebhookReceiver,
    cot_events,
    wait_until,
)

from airsentry.build import open_run
from airsentry.cli._common import chunks
from airsentry.cli._demo import DEMO_SCENARIO
from airsentry.config import DeploymentConfig
from airsentry.incidents.outbox import Outbox
from airsentry.outputs.urls import parse_output
from airsentry.sim.generate import generate
from airsentry.sim.scenario import load_library


def test_mqtt_cot_and_webhook_restarted_mid_run_lose_nothing(
    tmp_path: Path, broker: Broker, cot: CotListener, webhook: WebhookReceiver
) -> None:
    sub = Subscriber(broker, "mid")
    urls = [
        f"mqtt://127.0.0.1:{broker.port}/mid?tracks=0",
        f"cot+tcp://127.0.0.1:{cot.port}?proto=1&tracks=0",
        f"http://127.0.0.1:{webhook.port}/hook?secret_env=AIRSENTRY_TEST_WHSEC",
    ]
    dep = DeploymentConfig(db=tmp_path / "mid.sqlite", outputs=tuple(map(parse_output, urls)))
    batches = list(chunks(generate(load_library(DEMO_SCENARIO), seed=0), 2000))
    half = len(batches) // 2
    with open_run(dep) as run:
        for batch in batches[:half]:
            run.pipeline.process(batch)
        # the subscriber's persistent session exists before the broker goes (its first
        # incident arrived), so the broker keeps what comes for it while it is away
        assert wait_until(lambda: sub.keys("mid/incidents"), 30)
        # every receiver goes away in the middle of the run
        broker.stop()
        cot.stop()
        webhook.failing = True
        t0 = time.process_time()
        for batch in batches[half:]:
            run.pipeline.process(batch)
        run.pipeline.finish()
        assert time.process_time() - t0 < 30  # the pipeline went on without them
        outbox = Outbox(run.store)
        names = [o.name for o in dep.outputs]
        assert all(outbox.counts(n)[0] > 0 for n in names)  # waiting, durably
        # and comes back
        broker.start()
        cot.start()
        webhook.failing = False
        assert wait_until(lambda: all(outbox.counts(n)[0] == 0 for n in names), 30)
        ids = {inc.id for inc in run.incidents()}
        with run.store.reading("keys") as conn:
            keys = {
                k for (k,) in conn.execute("SELECT key FROM outbox WHERE output = ?", (names[0],))
            }
    assert {m[0]["data"]["id"] for m in webhook.accepted.values()} == ids
    assert all(len(v) == 1 for v in webhook.accepted.values())
    arrived = wait_until(lambda: sub.keys("mid/incidents") >= keys, 60)
    missing = keys - sub.keys("mid/incidents")
    assert arrived, f"{len(missing)} of {len(keys)} never reached the subscriber: {missing}"
    uids = {e.uid for e in cot_events(cot.snapshot())}
    assert {f"airsentry.incident.{i}" for i in ids} <= uids
    sub.close()
