"""The console in headless Chromium against the demo: the offline base map shows
coastlines and place names around Copenhagen; the replay at 2025-09-22T19:00Z shows the
three drones inside the Kastrup zone with their trails; the track table filters to the
three Estonian fast jets; an operator acknowledges from the list; a commander's decision
is recorded under the authority the recommendation names; a viewer is offered no
decision at all. Screenshots of each view go to artifacts/ (the path is printed)."""

from __future__ import annotations

import json

import httpx
import pytest
import shapely
from browser_helpers import READY_MS, chromium, colour_shares, idle, shot
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


def open_console(console, role: str, requests: list[str] | None = None):
    server, browser, tokens, _ = console
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if requests is not None:
        page.on("request", lambda r: requests.append(r.url) if "/glyphs/" in r.url else None)
    page.goto(f"{server.url}/#token={tokens[role]}")
    page.wait_for_selector("body[data-ready=true]", timeout=READY_MS)
    assert not errors, errors
    return page


def incident_id(ctx, zone_id: str) -> str:
    return next(i.id for i in ctx.store.list() if i.zone_id == zone_id)


def replay_at(page, when: str) -> None:
    page.locator("input[name=mode][value=replay]").check()
    page.wait_for_function("!document.getElementById('replay-at').disabled")
    page.fill("#replay-at", when)
    page.click("#replay-go")
    page.wait_for_function(
        f"airsentry.replay.shownAt === Date.parse('{when}') && !airsentry.replay.loading"
    )


def test_base_map_shows_coastlines_and_city_names_around_copenhagen(console):
    glyphs: list[str] = []
    page = open_console(console, "viewer", requests=glyphs)
    page.evaluate("() => airsentry.map.jumpTo({center: [12.62, 55.66], zoom: 8})")
    idle(page)
    # the names MapLibre placed (after its collision detection), drawn with the glyphs
    # the console serves itself
    placed = page.evaluate(
        """() => airsentry.map.queryRenderedFeatures({layers: ['places']}).map((f) => {
          const p = airsentry.map.project(f.geometry.coordinates);
          return [f.properties.name, p.x, p.y]; })"""
    )
    width, height = page.evaluate(
        "(e => [e.clientWidth, e.clientHeight])(airsentry.map.getContainer())"
    )
    names = {name: (x, y) for name, x, y in placed}
    for name in ("Copenhagen", "Malmö", "Roskilde", "Lund"):
        assert name in names, sorted(names)
        x, y = names[name]
        assert 0 <= x <= width, (name, x, y)
        assert 0 <= y <= height, (name, x, y)
    assert any("/static/vendor/glyphs/DejaVu%20Sans/" in url for url in glyphs), glyphs
    assert all(url.startswith(console[0].url) for url in glyphs)
    # Land, sea and the coastline between them are all in view (WebGL: read back from a
    # screenshot of the map)
    png = shot(page, "console-basemap-copenhagen", locator="#map").read_bytes()
    (land, sea), (coast,) = (
        colour_shares(png, ((0xF2, 0xEF, 0xE6), (0xB9, 0xD3, 0xE6))),
        colour_shares(png, ((0x6D, 0x7F, 0x91),), tolerance=40),  # stroked, antialiased
    )
    assert land > 0.2, (land, sea, coast)
    assert sea > 0.1, (land, sea, coast)
    assert coast > 0.001, (land, sea, coast)
    # the layers offered: the zones always; the heat map and GNSS map when the server
    # has their endpoints (they come with the scan and gnss packages)
    server = console[0]
    paths = httpx.get(f"{server.url}/api/openapi.json").json()["paths"]
    page.locator("nav button[data-tab=layers]").click()
    for layer in ("sovereign", "buffer", "airport", "temporary"):
        assert page.locator(f"input[data-layer={layer}]").count() == 1, layer
    for layer in ("heatmap", "gnss"):
        offered = page.locator(f"input[data-layer={layer}]").count() == 1
        assert offered == (f"/api/{layer}" in paths), layer
    shot(page, "console-layers")
    page.close()


def test_replay_shows_the_three_drones_inside_kastrup_with_trails(console):
    _, _, _, ctx = console
    page = open_console(console, "viewer")
    replay_at(page, "2025-09-22T19:00:00Z")
    page.evaluate("() => airsentry.map.jumpTo({center: [12.65, 55.618], zoom: 11})")
    shown = page.evaluate(
        "[...airsentry.tracks.tracks.values()].map(t => [t.cls, t.lat, t.lon, t.violator, t.trail])"
    )
    kastrup = ctx.zones.by_id["airport:EKCH"].geometry
    inside = [t for t in shown if t[0] == "drone" and shapely.contains_xy(kastrup, t[2], t[1])]
    assert len(inside) == 3, shown
    for _, _, _, violator, trail in inside:
        assert violator
        assert len(trail) >= 10
        assert len({tuple(p) for p in trail}) >= 5  # a trail, not a dot
    assert "2025-09-22 19:00:00Z" in page.locator("#clock").inner_text()
    shot(page, "console-replay-kastrup")
    page.close()


def test_track_table_filters_to_the_three_estonian_fast_jets(console):
    page = open_console(console, "viewer")
    replay_at(page, "2025-09-19T07:00:00Z")
    page.locator("nav button[data-tab=tracks]").click()
    page.select_option("#f-class", "fast_jet")
    page.select_option("#f-zone", "sovereign:EST")
    rows = page.locator("#track-table tbody tr")
    page.wait_for_function("document.querySelectorAll('#track-table tbody tr').length === 3")
    texts = rows.all_inner_texts()
    assert all("fast_jet" in t for t in texts), texts
    # the jets inside are violators; a click centres the map on the track
    assert page.locator("#track-table tbody tr.violator").count() == 3
    rows.first.click()
    centre = page.evaluate("[airsentry.map.getCenter().lat, airsentry.map.getCenter().lng]")
    assert 57 < centre[0] < 61
    assert 21 < centre[1] < 29
    # a search by callsign or identity narrows the table; clearing it brings them back
    page.fill("#track-search", "no-such-callsign")
    page.wait_for_function("document.querySelectorAll('#track-table tbody tr').length === 0")
    page.fill("#track-search", "")
    page.wait_for_function("document.querySelectorAll('#track-table tbody tr').length === 3")
    shot(page, "console-track-table-estonia")
    # metric units and local time, remembered for this user across a reload
    assert "FL" in rows.first.inner_text()
    page.select_option("#units", "metric")
    page.select_option("#tz", "local")
    page.wait_for_function(
        "document.querySelector('#track-table tbody tr').innerText.includes('km/h')"
    )
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=READY_MS)
    assert page.input_value("#units") == "metric"
    assert page.input_value("#tz") == "local"
    shown = page.evaluate("fmtTime('2025-09-22T19:00:00Z')")
    assert not shown.endswith("Z")  # the browser's own zone, named
    assert shown.startswith("2025-09-22")
    page.close()


def test_alerts_open_first_and_acknowledged_from_the_list(console):
    _, _, _, ctx = console
    page = open_console(console, "operator")
    page.check("input[name=alert-status][value=closed]")
    items = page.locator("#alerts .alert")
    states = [t.strip() for t in page.locator("#alerts .alert .badge").all_inner_texts()]
    assert len(states) >= 9
    rank = {"open": 0, "acknowledged": 1, "closed": 2}
    assert [rank[s] for s in states] == sorted(rank[s] for s in states)  # open first
    # acknowledge the first open alert from the list; it moves below the open ones
    first = items.first
    inc = first.get_attribute("data-id")
    assert states[0] == "open"
    first.locator("button.ack-one").click()
    page.locator("#message.ok", has_text="acknowledged").wait_for()
    page.locator(f"#alerts .alert[data-id='{inc}'] .badge", has_text="acknowledged").wait_for()
    assert [d.kind for d in ctx.store.decisions_for(inc)] == ["acknowledge"]
    # the filter hides closed incidents again
    page.uncheck("input[name=alert-status][value=closed]")
    assert "closed" not in page.locator("#alerts").inner_text().split()
    shot(page, "console-alerts")
    page.close()


def test_viewer_sees_no_authorise_buttons(console):
    _, _, _, ctx = console
    pol = incident_id(ctx, "sovereign:POL")
    page = open_console(console, "viewer")
    page.evaluate(f"openIncident('{pol}')")
    page.locator("#incident h2", has_text=pol).wait_for()
    assert page.locator("#incident #timeline tr").count() > 3
    for selector in ("#approve", "#refuse", "#ack", "#annotate", ".authorise", "#engage"):
        assert page.locator(selector).count() == 0, selector
    assert page.locator("#dossier").count() == 1  # a viewer may still export the dossier
    shot(page, "console-incident-viewer")
    # jump to the replay at the incident's start: its drones are on the map
    start = ctx.store.get(pol).start.timestamp() * 1000
    page.locator("#replay-incident").click()
    page.wait_for_function(
        f"Math.abs(airsentry.replay.shownAt - {start}) < 1000 && !airsentry.replay.loading"
    )
    drones = "[...airsentry.tracks.tracks.values()].filter(t => t.cls.includes('drone'))"
    try:  # the replay's tracks are drawn as their snapshot arrives (parsed in a worker)
        page.wait_for_function(f"{drones}.length >= 3", timeout=20_000)
    finally:
        classes = page.evaluate("[...airsentry.tracks.tracks.values()].map(t => t.cls)")
    assert sum("drone" in c for c in classes) >= 3, classes  # drones and decoys
    shot(page, "console-incident-replay")
    page.close()


def test_commander_decides_as_the_named_authority(console):
    _, _, _, ctx = console
    ekch = incident_id(ctx, "airport:EKCH")
    page = open_console(console, "commander")
    page.evaluate(f"openIncident('{ekch}')")
    page.locator("#incident h2", has_text=ekch).wait_for()
    assert "decision by airport_authority" in page.locator("#incident").inner_text()
    page.fill("#note", "runway clear of traffic; closing for the drones")
    page.locator("#approve").click()
    page.locator("#message.ok", has_text="authorised").wait_for()
    line = page.locator("#decisions li", has_text="authorised close_airport")
    line.wait_for()
    assert "as airport_authority" in line.inner_text()
    assert "runway clear" in line.inner_text()
    decision = next(d for d in ctx.store.decisions_for(ekch) if d.action == "close_airport")
    assert json.loads(decision.note)["role"] == "airport_authority"
    with page.expect_download() as download:
        page.locator("#dossier").click()
    assert ekch in download.value.suggested_filename
    shot(page, "console-incident-commander")
    page.close()
