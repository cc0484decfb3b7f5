"""The demo, shared by ``airsentry demo`` and ``airsentry serve --demo``: booking the
embedded September 2025 scenario, and the console over a store it was booked into."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airsentry.cli._common import chunks
from airsentry.config import DeploymentConfig

DEMO_SCENARIO = "september-2025"


def book_demo(deployment: DeploymentConfig, seed: int = 0) -> tuple[list[Any], int, int]:
    """Run the demo scenario into the deployment's store, in the demo's own batches (so
    ``demo`` and ``serve --demo`` book the same incidents); its incidents, the number of
    reports and the number of events."""
    from airsentry.build import open_run
    from airsentry.sim.generate import generate
    from airsentry.sim.scenario import load_library

    reports = generate(load_library(DEMO_SCENARIO), seed=seed)
    with open_run(deployment) as run:
        run.pipeline.consume(chunks(reports))
        return list(run.incidents()), len(reports), run.totals.events


def demo_context(
    deployment: DeploymentConfig, *, seed: int = 0, speed: float = 30.0, user: str | None = "demo"
) -> tuple[Any, str]:
    """The console over a store the demo was run into, replaying the demo's reports.

    The store already holds the demo's incidents, so the replay books nothing twice: it
    announces each stored incident as the replay reaches it. A fresh commander token is
    issued for this run (user ``demo``): nothing is a default password; each run makes a
    new random token, shown once (none when ``user`` is None). Returns the server context
    and the token.
    """
    from airsentry.server.runner import RunnerConfig
    from airsentry.server.serving import open_context, scenario_batches

    ctx = open_context(
        replace(deployment, events_out=None),  # the demo run wrote its events already
        scenario_batches(DEMO_SCENARIO, seed),
        runner_config=RunnerConfig(speed=speed),
        booked=True,
    )
    return ctx, ctx.users.add(user, "commander", replace=True) if user else ""


def serve_demo(deployment: DeploymentConfig, *, seed: int = 0) -> None:
    """``airsentry demo --serve``: the demo in the console, opened in a browser and
    signed in through the page address."""
    import webbrowser

    from airsentry.server.serving import serve

    ctx, token = demo_context(deployment, seed=seed)

    def ready(url: str) -> None:
        address = f"{url}#token={token}"
        print(f"console: {address}  (Ctrl-C stops the server)", flush=True)
        webbrowser.open(address)

    serve(ctx, on_ready=ready)
