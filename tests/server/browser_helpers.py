"""Headless Chromium for the console tests: Debian's /usr/bin/chromium driven by
Playwright (never `playwright install`), a fresh profile, no background networking."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


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


def shot(page, name: str) -> Path:
    """Save a screenshot under artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"\nscreenshot: {path}")
    return path
