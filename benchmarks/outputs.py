"""Benchmark: the demo replay with three outputs attached against the same replay without.

The outputs are the done-when set of issue 15: MQTT (a real ``mosquitto`` on a free
port), CoT over TCP in TAK protocol v1 (``?proto=1``) and a signed webhook; tracks at
the default rate (every 5 s of event time per track). The receivers run in a child
process (mosquitto in its own), so their work is not counted here.

Each run replays the demo's reports (generated once) into a fresh database; the two
variants alternate (none, outputs, none, ...), ``--repeat`` times each, and the medians
are printed for:

- **pipeline CPU**: CPU time of the thread that runs the pipeline (``time.thread_time``),
  i.e. what the outputs cost the pipeline itself (queueing, the outbox transaction);
- **process CPU**: CPU time of the whole process (``time.process_time``), delivery
  threads included (message encoding, MQTT, protobuf), the cost on the machine.

The figure the issue asks for is the throughput drop, ``1 - none / outputs`` of the
pipeline CPU; both ratios are printed.

Run: ``python benchmarks/outputs.py [--repeat 7]`` (needs ``mosquitto``).
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from airsentry.build import open_run
from airsentry.cli._common import chunks
from airsentry.cli._demo import DEMO_SCENARIO
from airsentry.config import DeploymentConfig
from airsentry.outputs.urls import parse_output
from airsentry.sim.generate import generate
from airsentry.sim.scenario import load_library


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _receivers(cot_port: int, hook_port: int) -> None:
    """A TCP sink and an HTTP server answering 200 (the child process)."""

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(200)
            self.end_headers()

    def drain(conn: socket.socket) -> None:
        while conn.recv(65536):
            pass

    server = socket.socket()
    server.bind(("127.0.0.1", cot_port))
    server.listen()

    def accept() -> None:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=drain, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    ThreadingHTTPServer(("127.0.0.1", hook_port), Hook).serve_forever()


def _one(reports: Any, folder: Path, outputs: tuple[Any, ...], n: int) -> tuple[float, float]:
    dep = DeploymentConfig(db=folder / f"run{n}.sqlite", outputs=outputs)
    p0, t0 = time.process_time(), time.thread_time()
    with open_run(dep) as run:
        run.pipeline.run(chunks(reports))
    return time.thread_time() - t0, time.process_time() - p0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    folder = Path(tempfile.mkdtemp(prefix="airsentry-bench-outputs-"))
    mq, cot, hook = _free_port(), _free_port(), _free_port()
    (folder / "m.conf").write_text(f"listener {mq} 127.0.0.1\nallow_anonymous true\n")
    broker = subprocess.Popen([exe, "-c", str(folder / "m.conf")], stderr=subprocess.DEVNULL)
    child = mp.get_context("spawn").Process(target=_receivers, args=(cot, hook), daemon=True)
    child.start()
    os.environ["AIRSENTRY_BENCH_WHSEC"] = "whsec_" + base64.b64encode(b"bench").decode()
    time.sleep(1.0)
    outputs = tuple(
        parse_output(u)
        for u in (
            f"mqtt://127.0.0.1:{mq}/bench",
            f"cot+tcp://127.0.0.1:{cot}?proto=1",
            f"http://127.0.0.1:{hook}/in?secret_env=AIRSENTRY_BENCH_WHSEC",
        )
    )
    try:
        reports = generate(load_library(DEMO_SCENARIO), seed=0)
        _one(reports, folder, (), -1)  # warm-up: imports, caches
        _one(reports, folder, outputs, -2)
        none: list[tuple[float, float]] = []
        some: list[tuple[float, float]] = []
        for i in range(args.repeat):
            none.append(_one(reports, folder, (), 2 * i))
            some.append(_one(reports, folder, outputs, 2 * i + 1))
        print(f"demo replay: {len(reports)} reports, {args.repeat} runs each, interleaved")
        for label, k in (("pipeline CPU", 0), ("process CPU", 1)):
            a = statistics.median(r[k] for r in none)
            b = statistics.median(r[k] for r in some)
            print(
                f"{label:13s} no outputs {a:.3f} s | three outputs {b:.3f} s | "
                f"ratio {b / a:.3f} | throughput drop {100 * (1 - a / b):.1f} %"
            )
    finally:
        broker.terminate()
        child.terminate()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
