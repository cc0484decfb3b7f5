"""Helpers of the server tests: a demo store, users of each role, a live uvicorn server
on 127.0.0.1 (ephemeral port) in a thread, and a synthetic feed of many tracks."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from airsentry.model import ReportBatch
from airsentry.server.context import ServerContext
from airsentry.server.serving import bind, make_server

ROLES = ("viewer", "operator", "commander")


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of an SQLite store (the backup API, safe under WAL)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


def add_users(ctx: ServerContext) -> dict[str, str]:
    """One user per role; returns the token of each role."""
    return {role: ctx.users.add(f"{role}-user", role) for role in ROLES}


def wait_for(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class LiveServer:
    """uvicorn serving ``ctx`` on 127.0.0.1:<ephemeral> in a thread; stops on exit."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server(ctx, self.sock)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        wait_for(lambda: self.server.started, 20.0, "uvicorn to start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15.0)
        self.sock.close()
        assert not self.thread.is_alive(), "server thread did not stop"


def swarm_feed(
    n_tracks: int, seconds: int, *, t0: float = 1_758_600_000.0, seed: int = 0
) -> Iterator[ReportBatch]:
    """``n_tracks`` cooperative aircraft over central Europe, one report each per second,
    one batch per second of event time (the load of a busy live picture)."""
    rng = np.random.default_rng(seed)
    lat0 = rng.uniform(47.0, 56.0, n_tracks)
    lon0 = rng.uniform(5.0, 25.0, n_tracks)
    heading = rng.uniform(0, 2 * np.pi, n_tracks)
    speed = rng.uniform(60.0, 250.0, n_tracks)
    ve, vn = speed * np.sin(heading), speed * np.cos(heading)
    ident = np.array([f"icao:{0x3C0000 + i:06x}" for i in range(n_tracks)], dtype=object)
    call = np.array([f"TST{i:04d}" for i in range(n_tracks)], dtype=object)
    for k in range(seconds):
        lat = lat0 + vn * k / 111_195.0
        lon = lon0 + ve * k / (111_195.0 * np.cos(np.radians(lat0)))
        yield ReportBatch.build(
            t=t0 + k + rng.uniform(0, 0.9, n_tracks),
            lat=lat,
            lon=lon,
            alt=np.full(n_tracks, 9000.0),
            vel_e=ve,
            vel_n=vn,
            vel_u=0.0,
            accuracy=30.0,
            sensor="adsb-test",
            identity=ident,
            callsign=call,
            squawk="1000",
            category="A3",
            transponder=True,
        ).sorted_by_time()
