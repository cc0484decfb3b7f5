"""Soak: ``airsentry run`` against local SBS feeds that drop and restart, for a while.

``--feeds`` TCP servers on 127.0.0.1 each stream SBS position messages (``MSG,3``) of
``--aircraft`` aircraft, one per aircraft per second, stamped with the wall clock; every
``--drop-every`` seconds each server closes its connection and listens again after
``--down`` seconds (the run reconnects). Only whole lines are ever sent, so every line
sent must come out as a report, a reject or a skip. The default load, 2 feeds of 3,000
aircraft, is about twice the ADS-B traffic over a large European state at its busiest.
``--lifetime S`` makes the traffic turn over as real traffic does: each flight lasts S
seconds (staggered), then a new aircraft takes its place on the same route, so tracks
keep ending and starting over the same airspace; without it the same aircraft fly (and
drift north) for the whole run and every per-track history grows until it is full. The
new aircraft come from a fleet of fixed size per feed, inside one State's civil block of
ICAO addresses (:data:`FLEETS`), and an address flies again only after everything the
run keeps of its last flight is gone (:func:`fill_horizon`): the traffic is steady in who
flies too. Addresses counted up without end drifted through other States' blocks (San
Marino, Albania, ... Slovenia's air force at about 16 minutes), so which flights were
unauthorised, and which border windows the depth of an entry needed, changed with the
run's age: the soak measured its own traffic's drift as growth.

Every second the run's resident memory (``/proc/<pid>/status``) is sampled by kind:
anonymous (``RssAnon``: the heaps, what a leak grows), file-backed (``RssFile``: mapped
files such as the zone grid caches and SQLite's ``-shm`` index of the WAL; the kernel
reclaims their clean pages) and shared memory (``RssShmem``: tmpfs, SysV). At the end
the feeds stop first; the script then polls the run's metrics (``--metrics-port``,
``airsentry_feed_bytes_total``) until the run has read every byte sent (or ``--settle``
seconds pass without progress), waits out the merge window, and stops the run with
SIGINT. It prints: lines sent; *unread at stop* (lines the run never read: still in the
kernel's socket buffers when it stopped, worked out from the bytes each feed sent and
the bytes the run says it read); reports the pipeline took, rejects, skipped with a
reason (late, or held at the stop and not processed within the stop budget); and *lost*
(= sent - unread - reports - rejected - skipped: lines the run read and did not account
for, which must be 0); each kind of memory at start and end and its slope over the
last half of the run (MB per hour), and whether the anonymous memory is bounded (its
slope times the duration under 5% of its mean; file-backed and shared memory are shown,
not judged). Exit status 1 if anything was lost or memory was not bounded::

    python benchmarks/soak.py --minutes 30 --lifetime 600

``--expire S`` sets the tracks' expiry (``thresholds.expire_s``) for fast turnover in
short runs. The state kept for the traffic fills in ``lifetime + expire + 600`` s (the
picture keeps a track's path 600 s past its expiry; an hour without ``--lifetime``);
the script prints that horizon, and a slope over a last half that begins before it
includes warm-up: ``--minutes 30 --lifetime 120 --expire 60`` fills in 13 minutes,
``--lifetime 600`` (default expiry) in 25. ``--census S`` probes the child every ``S``
seconds (a thread in it): glibc's heap (in use, free inside it, mmapped), SQLite's and
pyarrow's allocators, and the size of every container reachable from the pipeline; at
the end it prints the natives' course and the containers that grew most (what grows, by
structure). ``--trace S`` adds
``tracemalloc``, and prints the allocation sites (file:line) whose live memory grew most
over the last half (the judged part: from the first snapshot in it to the last), what
grows, by place.

Measured (issue 13), ``--minutes 30 --lifetime 120 --expire 60 --census 300`` on a quiet
machine: 10,389,000 lines sent through 58 drops, lost 0, late 0; ``RssAnon`` 243 MB at
15 min, 245-249 MB to the end (+18.2 MB/h over the last half, 9.1 MB against 5% of its
232 MB mean: bounded); glibc's heap 77 MB in use, 34 MB free inside it and 77 MB mapped
at every probe from 15 min on, the depth query's window cache 4,738 segments from the
first probe. The three runs before, with addresses counted up without end, gave +62 to
+76 MB/h: their depth cache grew from 5,802 to 31,597 segments (~10 MB) between 15 and
20 minutes, when one feed's addresses reached Slovenia's air force range and its
flights' entries became violations to be measured (the fleets above).
"""

from __future__ import annotations

import argparse
import math
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

FLEETS = [
    (0x400040, 0x3BFC0, 0x43C000, 0x1000),
    (0x3C0000, 0x34000, 0x3F4000, 0x8000),
    (0x380000, 0x28000, 0x3A8000, 0x8000),
    (0xA00000, 0xDF7C8, 0xADF7C8, 0x20838),
]
"""ICAO address blocks (civil first address and size, state first address and size) the
feeds' fleets are drawn from: the United Kingdom between its two military ranges and
the Royal Air Force's, Germany below the Luftwaffe's and the Luftwaffe's, France below
its military ranges and its air force's, the United States below its military range
and that range (``identify/data/icao_blocks.csv``, ``icao_military.csv``)."""
STATE_SHARE = 0.01
"""Share of a feed's flights that are state aircraft (a fixed set of routes): foreign to
most zones, so the entries they make are judged, measured and recorded as violations."""


class Feed(threading.Thread):
    """One SBS server: ``aircraft`` positions a second, dropping every ``drop_every`` s."""

    def __init__(
        self, index: int, aircraft: int, drop_every: float, down: float, lifetime: float = 0.0
    ) -> None:
        super().__init__(daemon=True)
        self.lifetime = lifetime
        self.index, self.aircraft = index, aircraft
        self.drop_every, self.down = drop_every, down
        probe = socket.create_server(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.sent = 0  # lines
        self.bytes = 0
        self.drops = 0
        # Where the lines of the last chunks sent start (stream offsets), to tell how many
        # lines lie beyond the bytes the run read when it stopped.
        self.starts: deque[np.ndarray] = deque(maxlen=600)
        self.stop = threading.Event()
        rng = np.random.default_rng(index)
        self.lat = rng.uniform(47.0, 55.0, aircraft)
        self.lon = rng.uniform(5.0, 15.0, aircraft)
        civil, civil_n, state, state_n = FLEETS[index % len(FLEETS)]
        shift = index // len(FLEETS)  # more feeds than fleets: the other half of each block
        self.state = max(1, round(aircraft * STATE_SHARE))
        self.blocks = [  # (first address, size available, slots): state slots first
            (state + shift * (state_n // 2), state_n // 2, self.state),
            (civil + shift * (civil_n // 2), civil_n // 2, aircraft - self.state),
        ]
        self.phase = rng.uniform(0.0, 1.0, aircraft)  # when each flight ends, staggered
        self.generations = 1
        self.hexes = self.addresses(0)

    def recycle_after(self, horizon: float) -> None:
        """Let an address fly again only ``horizon`` seconds after its last flight
        (what the run keeps of a flight is gone by then): a fleet of ``aircraft`` times
        enough generations to cover it, which must fit in the feed's block."""
        if self.lifetime <= 0:
            return
        self.generations = math.ceil(horizon / self.lifetime) + 1
        for first, size, slots in self.blocks:
            if slots * self.generations > size:
                raise ValueError(
                    f"feed{self.index}: a fleet of {slots * self.generations:,} addresses "
                    f"from {first:06X} does not fit its block ({size:,})"
                )
        self.hexes = self.addresses(0)

    def addresses(self, second: int) -> list[str]:
        """The flying aircraft's addresses at ``second``: with a ``lifetime``, each
        flight lands after it and another aircraft (a new address) takes its place, so
        tracks end and begin all the time, as in real traffic."""
        generation = np.zeros(self.aircraft, np.int64)
        if self.lifetime > 0:
            generation = np.floor(second / self.lifetime + self.phase).astype(np.int64)
        slot = np.arange(self.aircraft)
        first = np.repeat([b[0] for b in self.blocks], [b[2] for b in self.blocks])
        slots = np.repeat([b[2] for b in self.blocks], [b[2] for b in self.blocks])
        within = np.where(slot < self.state, slot, slot - self.state)  # place in its block
        address = first + within + (generation % self.generations) * slots
        return [f"{int(a):06X}" for a in address]

    def lines(self, second: int) -> bytes:
        now = datetime.now(UTC)
        day, clock = now.strftime("%Y/%m/%d"), now.strftime("%H:%M:%S.%f")[:-3]
        lat = self.lat + 0.001 * second
        if self.lifetime > 0:
            self.hexes = self.addresses(second)
            # each flight flies its predecessor's route (a route flown over and over, as
            # airways are): the traffic is steady in space too, not drifting north into
            # cells no flight met before (the zone index settles the cells it meets)
            age = np.modf(second / self.lifetime + self.phase)[0] * self.lifetime
            lat = self.lat + 0.001 * age
        return "".join(
            f"MSG,3,1,1,{h},1,{day},{clock},{day},{clock},,35000,,,{la:.5f},{lo:.5f},,,0,0,0,0\n"
            for h, la, lo in zip(self.hexes, lat, self.lon, strict=True)
        ).encode()

    def run(self) -> None:
        second = 0
        while not self.stop.is_set():
            with socket.create_server(("127.0.0.1", self.port), reuse_port=False) as server:
                server.settimeout(0.5)
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                opened = time.monotonic()
                with conn:
                    while not self.stop.is_set() and time.monotonic() - opened < self.drop_every:
                        tick = time.monotonic()
                        data = self.lines(second)
                        try:
                            conn.sendall(data)
                        except OSError:
                            break
                        ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
                        self.starts.append(self.bytes + np.r_[0, ends[:-1] + 1])
                        self.sent += self.aircraft
                        self.bytes += len(data)
                        second += 1
                        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
            self.drops += 1
            self.stop.wait(self.down)

    def unread(self, read: int) -> int:
        """Lines that start at or after stream offset ``read`` (a line cut by the stop
        was read in part: the run counts it, as a reject)."""
        if read >= self.bytes:
            return 0
        if not self.starts or self.starts[0][0] > read:
            raise RuntimeError(f"feed{self.index}: more unread than the ledger holds")
        return sum(int((s >= read).sum()) for s in self.starts)


# The child under --trace/--census: a thread that every S seconds writes one JSON line of
# what the process holds: glibc's heap (in use, free inside the heap, mmapped), SQLite's
# own allocator, pyarrow's pool, tracemalloc's count (with --trace) and, with --census, the
# size of every container reachable from the pipeline (attribute paths, to depth 6), so
# that the parent can say which structure grew between the first probe and the last.
PROBE = """
import ctypes, gc, json, sys, threading, time
every, out, trace = float(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
census, trace_from = sys.argv[4] == "1", float(sys.argv[5])
sys.argv = ["airsentry", *sys.argv[6:]]
if trace:
    import tracemalloc
    tracemalloc.start(12)

class Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
        "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

def natives():
    out = {}
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = Mallinfo2
        m = libc.mallinfo2()
        out.update(heap_used=m.uordblks, heap_free=m.fordblks, mmapped=m.hblkhd)
    except (OSError, AttributeError):
        pass
    import _sqlite3
    try:
        lib = ctypes.CDLL(_sqlite3.__file__)
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        out["sqlite"] = lib.sqlite3_memory_used()
    except (OSError, AttributeError):
        pass
    pa = sys.modules.get("pyarrow")
    if pa:
        out["arrow"] = pa.total_allocated_bytes()
    if trace:
        out["traced"] = tracemalloc.get_traced_memory()[0]
    # module-level caches, out of the pipeline's reach (counts, not bytes: shown as is)
    depth = sys.modules.get("airsentry.airspace.depth")
    if depth is not None:
        out["depth_segments"] = depth._TREES.held_segments
        out["depth_windows"] = len(depth._TREES)
        out["projections"] = depth._projection.cache_info().currsize
    return out

def sizes(root, depth=6):
    seen, found = set(), {}
    todo = [(root, "pipeline", 0)]
    while todo:
        obj, path, d = todo.pop()
        if id(obj) in seen or d > depth:
            continue
        seen.add(id(obj))
        nbytes = getattr(obj, "nbytes", None)
        if isinstance(nbytes, int) and type(obj).__module__.startswith("numpy"):
            found[path] = nbytes
            continue
        if isinstance(obj, (str, bytes, int, float, bool, type(None))):
            continue
        if isinstance(obj, (dict, list, tuple, set, frozenset)) or hasattr(obj, "__len__"):
            try:
                found[path] = len(obj)
            except Exception:
                pass
        if isinstance(obj, dict):
            items = list(obj.items())[:3]  # a sample of values: their own growth
            todo += [(v, path + "[]", d + 1) for _, v in items]
            continue
        if isinstance(obj, (list, tuple, set, frozenset)) or type(obj).__name__ == "deque":
            todo += [(v, path + "[]", d + 1) for v in list(obj)[:3]]
            continue
        fields = getattr(obj, "__dict__", None)
        names = list(fields) if isinstance(fields, dict) else []
        for cls in type(obj).__mro__:
            names += [n for n in getattr(cls, "__slots__", ()) if isinstance(n, str)]
        for n in names:
            try:
                v = getattr(obj, n)
            except Exception:
                continue
            if callable(v) and not hasattr(v, "__len__") and not hasattr(v, "__dict__"):
                continue
            todo.append((v, f"{path}.{n}", d + 1))
    return found

def find_pipeline():
    for o in gc.get_objects():
        if type(o).__name__ == "Pipeline" and type(o).__module__ == "airsentry.pipeline":
            return o
    return None

def watch():
    t0, first, since = time.monotonic(), None, 0
    while True:
        time.sleep(every)
        row = {"t": round(time.monotonic() - t0), **natives()}
        if trace and row["t"] >= trace_from:
            snap = tracemalloc.take_snapshot()
            if first is None:
                first, since = snap, row["t"]
            top = snap.compare_to(first, "lineno")[:25]
            with open(out + ".lines", "w") as f:
                f.write(f"since {since} s\\n" + "\\n".join(str(s) for s in top))
        if census:
            p = find_pipeline()
            if p is not None:
                row["census"] = sizes(p)
        with open(out, "a") as f:
            f.write(json.dumps(row) + "\\n")
threading.Thread(target=watch, daemon=True).start()
from airsentry.cli import main
raise SystemExit(main())
"""

RSS_KINDS = ("VmRSS", "RssAnon", "RssFile", "RssShmem")
COUNTED = ("depth_segments", "depth_windows", "projections")  # probe fields that are counts


def rss_kinds(pid: int) -> dict[str, float]:
    """Resident memory by kind (MB): anonymous (the heap: what a leak grows), file-backed
    (mapped files: zone grid caches, SQLite's -shm), shared memory (tmpfs, SysV)."""
    text = Path(f"/proc/{pid}/status").read_text()
    return {k: int(re.search(rf"{k}:\s+(\d+) kB", text)[1]) / 1024 for k in RSS_KINDS}  # type: ignore[index]


def print_probes(path: Path) -> None:
    """What the child's probe saw grow: native allocators, and the containers of the
    pipeline whose size grew most between the first census and the last."""
    import json

    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if len(rows) < 2:
        return
    first, last = rows[0], rows[-1]
    mb = 2**20
    natives = [k for k in last if k not in ("t", "census")]
    counts = [k for k in natives if k in COUNTED]
    natives = [k for k in natives if k not in COUNTED]
    print(f"probe {first['t']} s -> {last['t']} s: " + ", ".join(
        f"{k} {first.get(k, 0) / mb:.0f} -> {last[k] / mb:.0f} MB" for k in natives))  # fmt: skip
    course = "; ".join(
        f"{r['t']}s " + " ".join(f"{r.get(k, 0) / mb:.0f}" for k in natives) for r in rows
    )
    print(f"probe by time ({' '.join(natives)}, MB): {course}")
    if counts:
        course = "; ".join(f"{r['t']}s " + " ".join(f"{r.get(k, 0)}" for k in counts) for r in rows)
        print(f"module caches by time ({' '.join(counts)}): {course}")
    a, b = first.get("census", {}), last.get("census", {})
    grew = sorted(((b[k] - a.get(k, 0), k) for k in b), reverse=True)[:25]
    if grew:
        print("census (len or nbytes), grew most:")
        for _, k in grew:
            print(f"  {k}: {a.get(k, 0):,} -> {b[k]:,}")


PATH_S = 3600.0  # the traffic picture keeps a track's last 180 samples, 20 s apart


def fill_horizon(lifetime: float, expire: float) -> float:
    """Seconds until the state the run keeps for its traffic is full: a flight's path
    stays in the traffic picture ``expire + 600`` s after its last report (the builder's
    ``recent_s``), so with flights of ``lifetime`` s the picture holds every flight
    begun in the last ``lifetime + expire + 600`` s; without turnover each path grows
    for an hour. Memory judged over a last half that begins earlier includes this
    warm-up, which is growth, but not a leak."""
    return lifetime + expire + 600.0 if lifetime > 0 else PATH_S


def horizon_why(lifetime: float) -> str:
    if lifetime > 0:
        return "flights plus the time the picture keeps an ended track's path"
    return "no turnover: every track's path grows to an hour of samples"


def feed_bytes(port: int) -> dict[str, int]:
    """Bytes each feed of the run has read, from its metrics endpoint."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    found = re.findall(r'airsentry_feed_bytes_total\{feed="([^"]+)"\} (\S+)', text)
    return {name: int(float(v)) for name, v in found}


def settle(feeds: list[Feed], port: int, patience: float) -> dict[str, int]:
    """Wait until the run has read all the feeds sent, or ``patience`` s without progress."""
    for f in feeds:
        f.join(timeout=5.0)
    sent = sum(f.bytes for f in feeds)
    last, since = -1, time.monotonic()
    while True:
        try:
            got = feed_bytes(port)
        except OSError:
            got = {}
        total = sum(got.values())
        if total >= sent:
            return got
        if total > last:
            last, since = total, time.monotonic()
        elif time.monotonic() - since > patience:
            return got
        time.sleep(0.25)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--feeds", type=int, default=2)
    p.add_argument("--aircraft", type=int, default=3000, help="per feed")
    p.add_argument("--drop-every", type=float, default=60.0)
    p.add_argument("--down", type=float, default=2.0)
    p.add_argument("--trace", type=float, default=0.0, help="tracemalloc every S seconds")
    p.add_argument(
        "--census",
        type=float,
        default=0.0,
        help="every S seconds, sizes of the pipeline's containers and native heaps",
    )
    p.add_argument(
        "--lifetime",
        type=float,
        default=0.0,
        help="each flight lasts S seconds, then a new aircraft replaces it (0: forever)",
    )
    p.add_argument(
        "--expire",
        type=float,
        default=0.0,
        help="a track silent this long ends (thresholds.expire_s; 0: the default, 300 s)",
    )
    p.add_argument(
        "--settle",
        type=float,
        default=30.0,
        help="at the end, wait this long without "
        "progress for the run to read what was sent before stopping it",
    )
    args = p.parse_args()
    feeds = [
        Feed(i, args.aircraft, args.drop_every, args.down, args.lifetime) for i in range(args.feeds)
    ]
    folder = Path(tempfile.mkdtemp(prefix="airsentry-soak-"))
    config = folder / "soak.yaml"
    config.write_text(
        f"db: {folder / 'soak.sqlite'}\nquarantine: {folder / 'quarantine.jsonl'}\n"
        "merge: {window_s: 2.0, emit_every_s: 0.5}\n"
        + (f"thresholds: {{expire_s: {args.expire:g}}}\n" if args.expire else "")
        + "feeds:\n"
        + "".join(
            f"  - name: feed{f.index}\n    format: sbs\n"
            f"    tcp: {{host: 127.0.0.1, port: {f.port}}}\n"
            "    reconnect: {initial_s: 0.2, max_s: 1.0}\n"
            for f in feeds
        ),
        encoding="utf-8",
    )
    horizon = fill_horizon(args.lifetime, args.expire or 300.0)
    for f in feeds:
        f.recycle_after(horizon)
        f.start()
    cmd = [sys.executable, "-m", "airsentry.cli", "run", "--config", str(config)]
    probes = folder / "probes.jsonl"
    every = args.trace or args.census
    if every:
        # tracemalloc's growth is measured over the judged last half of the run
        flags = [str(int(bool(args.trace))), str(int(bool(args.census))), str(args.minutes * 30)]
        cmd = [sys.executable, "-c", PROBE, str(every), str(probes), *flags, *cmd[3:]]
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen(
        [*cmd, "--status-every", "0", "--metrics-port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    samples: list[tuple[float, dict[str, float]]] = []
    start = time.monotonic()
    try:
        while time.monotonic() - start < args.minutes * 60:
            if proc.poll() is not None:
                print(proc.communicate()[1], file=sys.stderr)
                return 2
            samples.append((time.monotonic() - start, rss_kinds(proc.pid)))
            time.sleep(1.0)
    finally:
        for f in feeds:
            f.stop.set()
        waited = time.monotonic()
        if proc.poll() is None and args.settle >= 0:  # < 0: stop at once (tests the stop)
            settle(feeds, port, args.settle)
            time.sleep(3.0)  # the merge window (2 s) releases what it holds
        waited = time.monotonic() - waited
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    sent = sum(f.sent for f in feeds)
    read = {
        m[1]: int(m[2].replace(",", ""))
        for m in re.finditer(r"feed (\w+): .*?([\d,]+) bytes read", err)
    }
    unread = sum(f.unread(read.get(f"feed{f.index}", 0)) for f in feeds)
    reports = int(re.search(r"stopped: ([\d,]+) reports", err)[1].replace(",", ""))  # type: ignore[index]
    rejected = re.search(r"(\d[\d,]*) input records rejected", err)
    rej = int(rejected[1].replace(",", "")) if rejected else 0
    skipped: dict[str, int] = {}
    listed = re.search(r"skipped without error: (.*?); [\d,]+ late;", err)
    for m in re.finditer(r"([^,(]+) \((\d+)\)", listed[1] if listed else ""):
        skipped[m[1].strip()] = int(m[2])
    lost = sent - unread - reports - rej - sum(skipped.values())
    t = np.array([s for s, _ in samples])
    half = t >= t[-1] / 2
    slopes: dict[str, float] = {}
    for kind in RSS_KINDS:
        mb = np.array([k[kind] for _, k in samples])
        fit = np.polyfit(t[half], mb[half], 1)[0] * 3600 if half.sum() > 2 else math.nan
        slopes[kind] = float(fit)
    # Judged on the anonymous memory (the heaps: what a leak grows). File-backed memory
    # (mapped zone caches, SQLite's -shm) and shared memory are not the heap's, and the
    # kernel reclaims their clean pages; they are shown beside it.
    anon = np.array([k["RssAnon"] for _, k in samples])
    bounded = abs(slopes["RssAnon"]) * (t[-1] / 3600) < 0.05 * float(anon.mean())
    print(f"{args.minutes:g} min, {args.feeds} feeds x {args.aircraft} aircraft/s, "
          f"{sum(f.drops for f in feeds)} drops")  # fmt: skip
    print(f"sent {sent:,} lines; unread at stop {unread:,} (never read: in socket buffers "
          f"after {waited:.1f} s of waiting); reports {reports:,}; rejected {rej:,}; "
          f"skipped {sum(skipped.values()):,} "
          f"({'; '.join(f'{r}: {n:,}' for r, n in skipped.items()) or 'none'}); "
          f"lost {lost:,}")  # fmt: skip
    for kind in RSS_KINDS:
        mb = np.array([k[kind] for _, k in samples])
        print(f"{kind} {mb[0]:.0f} MB at start, {mb[-1]:.0f} MB at end, max {mb.max():.0f} "
              f"MB; slope over the last half {slopes[kind]:+.1f} MB/h")  # fmt: skip
    print(f"anonymous memory (RssAnon, the heaps) {'bounded' if bounded else 'NOT bounded'}: "
          f"{slopes['RssAnon']:+.1f} MB/h over the last half, x {t[-1] / 3600:.2f} h vs 5% "
          f"of its mean {anon.mean():.0f} MB (RssFile, mapped files, and RssShmem, shared "
          "memory, are shown but not judged)")  # fmt: skip
    print(f"the traffic's state fills in ~{horizon / 60:.0f} min ({horizon_why(args.lifetime)}); "
          f"the last half began at {t[-1] / 120:.0f} min"
          + ("" if horizon <= t[-1] / 2 else ": the slope includes that warm-up; judge a run "
             f"of at least {2 * horizon / 60:.0f} min"))  # fmt: skip
    step = max(1, len(samples) // 12)
    print("RSS MB by time (VmRSS anon/file/shmem): " + ", ".join(
        f"{s:.0f}s {k['VmRSS']:.0f} ({k['RssAnon']:.0f}/{k['RssFile']:.0f}/{k['RssShmem']:.0f})"
        for s, k in samples[::step]))  # fmt: skip
    print(err.strip().splitlines()[-1] if err.strip() else "")
    if every and probes.exists():
        print_probes(probes)
    lines = Path(f"{probes}.lines")
    if args.trace and lines.exists():
        print(f"tracemalloc: growth over the last half, by line, {lines.read_text()}")
    return 0 if lost == 0 and bounded else 1


if __name__ == "__main__":
    raise SystemExit(main())
