"""The console in headless Chromium against the demo: the map shows the Estonian and
Polish incidents, an operator acknowledges one, a viewer cannot authorise engagement,
and the replay control brings stored events back onto the map. Screenshots go to
artifacts/."""

from __future__ import annotations

import pytest
from browser_helpers import chromium, shot
from server_helpers import LiveServer, add_users, copy_db

from airsentry.cli._demo import demo_context
from airsentry.config import DeploymentConfig

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def console(demo_db, tmp_path_factory):
    db = copy_db(demo_db, tmp_path_factory.mktemp("browser") / "console.sqlite")
    ctx, demo_token = demo_context(DeploymentConfig(db=db), speed=3600.0)
    tokens = add_users(ctx)
    tokens["demo"] = demo_token
    with LiveServer(ctx) as server, chromium() as browser:
        yield server, browser, tokens, ctx
    ctx.close()


def open_console(console, role: str):
    server, browser, tokens, _ = console
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.url}/#token={tokens[role]}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    assert not errors, errors
    return page


def incident_id(ctx, zone_id: str) -> str:
    return next(i.id for i in ctx.store.list() if i.zone_id == zone_id)


def test_map_shows_the_estonian_and_polish_incidents(console):
    _, _, _, ctx = console
    page = open_console(console, "viewer")
    est, pol = incident_id(ctx, "sovereign:EST"), incident_id(ctx, "sovereign:POL")
    map_box = page.locator("#map").bounding_box()
    for inc in (est, pol):
        label = page.locator(".incident-label", has_text=inc)
        label.wait_for(state="visible")
        box = label.bounding_box()
        assert map_box["x"] <= box["x"] <= map_box["x"] + map_box["width"]
        assert map_box["y"] <= box["y"] <= map_box["y"] + map_box["height"]
    # the alert panel lists them, most severe first
    severities = [
        int(t.split()[-1])
        for t in page.locator("#alerts .alert .head span:last-child").all_inner_texts()
    ]
    assert severities == sorted(severities, reverse=True)
    assert len(severities) >= 9
    # the map is drawn from the package's borders: sovereign polygons are on the canvas
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    shot(page, "console-map")
    page.close()


def test_operator_opens_and_acknowledges_an_incident(console):
    _, _, _, ctx = console
    page = open_console(console, "operator")
    est = incident_id(ctx, "sovereign:EST")
    page.locator(f"#alerts .alert[data-id='{est}']").click()
    page.locator("#incident h2", has_text=est).wait_for()
    assert "intercept_and_escort" in page.locator("#incident").inner_text()
    assert page.locator("#timeline tr").count() > 3  # header + events
    page.locator("#ack").click()
    page.locator("#message.ok", has_text="acknowledged").wait_for()
    page.locator("#decisions li", has_text="operator-user: acknowledge").wait_for()
    assert [(d.kind, d.action) for d in ctx.store.decisions_for(est)] == [("acknowledge", None)]
    shot(page, "console-incident-acknowledged")
    page.close()


def test_viewer_cannot_authorise_engagement(console):
    _, _, _, ctx = console
    page = open_console(console, "viewer")
    pol = incident_id(ctx, "sovereign:POL")
    page.locator(f"#alerts .alert[data-id='{pol}']").click()
    page.locator("#incident h2", has_text=pol).wait_for()
    page.locator("#engage").click()
    message = page.locator("#message.error")
    message.wait_for()
    assert "403" in message.inner_text()
    assert not [d for d in ctx.store.decisions_for(pol) if d.action == "engage"]
    shot(page, "console-viewer-refused")
    page.close()


def test_replay_brings_stored_events_back(console):
    page = open_console(console, "viewer")
    page.locator("input[name=mode][value=replay]").check()
    page.wait_for_function("!document.getElementById('slider').disabled")
    # seek to 2025-09-19 07:00Z, when the three jets were inside Estonian airspace
    page.evaluate(
        """() => { const r = airsentry.replay, s = document.getElementById('slider');
        s.value = Math.round((Date.parse('2025-09-19T07:00:00Z') - r.t0) / (r.t1 - r.t0) * s.max);
        s.dispatchEvent(new Event('input')); }"""
    )
    shown = page.evaluate(
        "[...airsentry.tracks.tracks.values()].map(t => [t.cls, t.lat, t.lon, t.violator])"
    )
    jets = [t[:3] for t in shown if t[0] == "fast_jet"]
    assert all(t[3] for t in shown if t[0] == "fast_jet"), "the jets inside are violators"
    assert len(jets) == 3
    assert all(57 < lat < 61 and 21 < lon < 29 for _, lat, lon in jets)
    sought = page.evaluate("airsentry.replay.now")
    assert abs(sought - page.evaluate("Date.parse('2025-09-19T07:00:00Z')")) < 60_000
    page.locator("#play").click()
    page.wait_for_function(f"airsentry.replay.now > {sought} + 10000")  # 60x: 10 s in 1/6 s
    shot(page, "console-replay")
    page.close()
