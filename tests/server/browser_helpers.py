"""Headless Chromium for the console tests: Debian's /usr/bin/chromium driven by
Playwright (never `playwright install`), a fresh profile, no background networking.

The console's map is MapLibre GL JS (WebGL). Without a GPU (`--disable-gpu`, which
keeps 2D canvases and compositing in the renderer's software path) Chromium renders
WebGL with SwiftShader, its software rasteriser, only when asked
(`--enable-unsafe-swiftshader`: "unsafe" because page-controlled shaders then run on
the CPU; the pages here are the project's own). Rasterising everything through
SwiftShader instead (`--use-angle=swiftshader`) made each frame of the 10,000-track
page take close to a second on two busy cores."""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import BrowserContext, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# The console is ready once MapLibre has loaded the base map (its GeoJSON parsed in a
# worker, WebGL in software): seconds alone, up to a minute on two cores shared by a
# dozen busy processes.
READY_MS = 90_000


@contextlib.contextmanager
def chromium() -> Iterator[BrowserContext]:
    """A browser context in a fresh user-data-dir, closed (and the profile removed) after."""
    with (
        tempfile.TemporaryDirectory(prefix="airsentry-chromium-") as profile,
        sync_playwright() as p,
    ):
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 850},
            timeout=60_000,
            # The console runs under its CSP (no eval); Playwright's wait_for_function
            # evaluates strings, which the CSP rightly forbids, so the tests bypass it.
            bypass_csp=True,
        )
        try:
            yield context
        finally:
            context.close()


def shot(page, name: str, locator: str | None = None) -> Path:
    """Save a screenshot (of the page, or of one element) under artifacts/ (git-ignored)
    and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    (page.locator(locator) if locator else page).screenshot(path=str(path))
    print(f"\nscreenshot: {path}")
    return path


def idle(page, timeout_ms: int = 20_000) -> None:
    """Wait until the map has drawn everything it has (MapLibre's `idle`: sources loaded,
    labels placed, no transition running)."""
    page.wait_for_function("airsentry.map && airsentry.map.loaded()", timeout=timeout_ms)
    page.evaluate(
        """() => new Promise((resolve) => {
        airsentry.map.once('idle', resolve); airsentry.map.triggerRepaint(); })"""
    )


def colour_shares(png: bytes, colours, tolerance: int = 6) -> list[float]:
    """The share of a screenshot's pixels within `tolerance` of each RGB colour."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)
    return [
        float((np.abs(rgb - np.array(c, dtype=np.int16)).max(axis=2) <= tolerance).mean())
        for c in colours
    ]
