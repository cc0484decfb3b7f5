"""A new incident raises a browser notification (and the alert list shows it open).

The console is opened on an empty store whose pipeline is held until the page is
ready; then the demo scenario runs through the real pipeline, which books new
incidents and pushes them as alerts over the WebSocket. The page's Notification
constructor is wrapped (the real one still runs) to record what was shown."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

import pytest
from browser_helpers import READY_MS, chromium, shot
from server_helpers import LiveServer, add_users

from airsentry.cli._demo import DEMO_SCENARIO
from airsentry.config import DeploymentConfig
from airsentry.model import ReportBatch
from airsentry.server.runner import RunnerConfig
from airsentry.server.serving import open_context, scenario_batches

pytestmark = pytest.mark.slow

SPY = """
window.__notifications = [];
const RealNotification = window.Notification;
class SpyNotification extends RealNotification {
  constructor(title, options) { window.__notifications.push(title); super(title, options); }
}
Object.defineProperty(SpyNotification, "permission", { get: () => RealNotification.permission });
SpyNotification.requestPermission = (...a) => RealNotification.requestPermission(...a);
window.Notification = SpyNotification;
"""


def held(batches: Iterable[ReportBatch], gate: threading.Event) -> Iterator[ReportBatch]:
    """``batches`` once ``gate`` is set (an empty batch now and then meanwhile, so the
    runner can notice a stop)."""
    while not gate.wait(0.2):
        yield ReportBatch.empty()
    yield from batches


def test_a_new_incident_raises_a_notification(tmp_path):
    gate = threading.Event()
    ctx = open_context(
        DeploymentConfig(db=tmp_path / "fresh.sqlite"),
        held(scenario_batches(DEMO_SCENARIO, 0), gate),
        runner_config=RunnerConfig(speed=0.0),
    )
    tokens = add_users(ctx)
    try:
        with LiveServer(ctx) as server, chromium() as browser:
            browser.grant_permissions(["notifications"], origin=server.url)
            page = browser.new_page()
            page.add_init_script(SPY)
            page.goto(f"{server.url}/#token={tokens['operator']}")
            page.wait_for_selector("body[data-ready=true]", timeout=READY_MS)
            assert page.evaluate("Notification.permission") == "granted"
            assert page.locator("#alerts .alert").count() == 0  # nothing booked yet
            page.fill("#alert-min", "0")
            page.dispatch_event("#alert-min", "change")
            gate.set()
            page.wait_for_function("window.__notifications.length > 0", timeout=60_000)
            title = page.evaluate("window.__notifications[0]")
            booked = {i.id for i in ctx.store.list()}
            assert any(inc in title for inc in booked), (title, booked)
            page.locator("#alerts .alert").first.wait_for()
            assert page.evaluate("airsentry.notified.length") >= 1
            # the threshold is remembered for this user
            page.reload()
            page.wait_for_selector("body[data-ready=true]", timeout=READY_MS)
            assert page.input_value("#alert-min") == "0"
            shot(page, "console-new-incident-notified")
            page.close()
    finally:
        gate.set()
        ctx.close()
