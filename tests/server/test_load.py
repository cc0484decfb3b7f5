"""1,000 simultaneous live tracks: the pipeline keeps up, the WebSocket delivers every
snapshot, and the console keeps drawing smoothly. Prints the figures measured."""

from __future__ import annotations

import json
import statistics
import time

import pytest
from browser_helpers import chromium, shot
from server_helpers import LiveServer, add_users, swarm_feed, wait_for
from websockets.sync.client import connect

from airsentry.config import DeploymentConfig, PipelineConfig
from airsentry.server.runner import RunnerConfig
from airsentry.server.serving import open_context

pytestmark = pytest.mark.slow

TRACKS, SECONDS, SPEED = 1000, 1200, 4.0  # runs until the server stops it


def test_thousand_live_tracks(tmp_path):
    ctx = open_context(
        DeploymentConfig(db=tmp_path / "load.sqlite", pipeline=PipelineConfig(protect=None)),
        swarm_feed(TRACKS, SECONDS),
        runner_config=RunnerConfig(speed=SPEED, publish_s=0.25),
    )
    tokens = add_users(ctx)
    with LiveServer(ctx) as server, chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/#token={tokens['viewer']}")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        ws_url = f"ws://127.0.0.1:{server.port}/api/stream?token={tokens['viewer']}"
        with connect(ws_url, max_size=None, open_timeout=10) as ws:
            wait_for(lambda: ctx.picture.status()["tracks"] == TRACKS, 30, "1000 live tracks")
            t_start = time.perf_counter() - (ctx.picture.time - 1_758_600_000.0) / SPEED
            page.evaluate("airsentry.tracks.perf.frames = []; airsentry.tracks.perf.draws = []")
            n_msgs = n_rows = n_bytes = 0
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < 4.0:
                text = ws.recv(timeout=5)
                msg = json.loads(text)
                n_msgs += 1
                n_bytes += len(text)
                if msg["type"] == "tracks":
                    n_rows += len(msg["tracks"])
                    assert len(msg["tracks"]) == TRACKS
            elapsed = time.perf_counter() - t0
            # how far the pipeline's event time trails the feed's pace (wall time)
            status = ctx.picture.status()
            t_event = ctx.picture.time - 1_758_600_000.0
            lag_s = (time.perf_counter() - t_start) - t_event / SPEED
            t_click = time.perf_counter()
            page.locator("nav button[data-tab=stats]").click()
            page.locator("#tab-stats.active").wait_for()
            click_ms = (time.perf_counter() - t_click) * 1000
            perf = page.evaluate("airsentry.tracks.perf")
            on_page = page.evaluate("airsentry.tracks.tracks.size")
            shot(page, "console-1000-tracks")
        page.close()
    frames, draws = sorted(perf["frames"]), sorted(perf["draws"])
    p = lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))]  # noqa: E731
    print(
        f"\n1000 tracks: websocket {n_msgs / elapsed:.1f} msg/s, {n_rows / elapsed:,.0f} track "
        f"updates/s, {n_bytes / elapsed / 1e6:.2f} MB/s; page frame time median "
        f"{statistics.median(frames):.1f} ms, p95 {p(frames, 0.95):.1f} ms, "
        f"max {frames[-1]:.1f} ms "
        f"over {len(frames)} frames; draw median {statistics.median(draws):.1f} ms, "
        f"p95 {p(draws, 0.95):.1f} ms over {len(draws)} draws; tab switch {click_ms:.0f} ms; "
        f"pipeline {status['reports']:,} reports, lag {lag_s:.2f} s behind the feed"
    )
    assert on_page == TRACKS
    assert n_rows / elapsed >= TRACKS * SPEED / 2  # a snapshot for at least every other batch
    assert lag_s < 2.0, "the pipeline falls behind the feed"
    assert p(frames, 0.95) < 100.0, "the console drops below 10 frames per second"
    assert statistics.median(draws) < 50.0  # a redraw of 1000 tracks fits in a frame or three
    assert click_ms < 1000
    assert ctx.runner.error is None
