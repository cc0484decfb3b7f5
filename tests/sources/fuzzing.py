"""The fuzz harness: mutated real recordings of every format through the entry points
of replay (:func:`~airsentry.sources.base.read_file`) and of live feeds (the guarded
decoder fed in random pieces, as :class:`~airsentry.sources.live.LiveRunner` feeds it,
and a dropped session: a prefix, ``resync``, the stream again).

Shared by the suite (``test_fuzz.py``: a fixed seed) and by ``benchmarks/fuzz.py`` (any
count). An *input* is small: a few records (1-8) cut from the real recording at record
boundaries (:class:`Cutter`: lines, Beast frames, ASTERIX blocks, pcap packets,
SAPIENT length-prefixed messages; for document formats a small document built from a few
of the recording's aircraft, trace points or table rows), then mutated. Decoding has a
fixed cost per call far above the cost per record, so the inputs of a stream format go
through the entry points in *rounds* of :data:`ROUND` inputs, one after the other in one
stream (each line input ends with a newline, so its lines stay its own); a round with a
finding is re-run input by input to name the culprit. Document inputs (a JSON document,
a Parquet file) go one by one. One input in :data:`FULL_EVERY` is the whole recording,
mutated. What is checked:

- **no escape**: nothing raises out of either entry point, and no decoder raised into
  its guard (a quarantine reason ``decoder failed: …`` is a decoder bug caught late);
- **nothing out of range** reaches the pipeline (times, positions);
- **exact accounting**: for the line formats whose record is the line, every line is a
  report, a reject or a skip: ``accepted + rejected + skipped == lines``; for the other
  formats, the whole file and the same bytes fed piecewise give the same totals and the
  same accepted count (except where live decoding differs by design: :data:`CLOCKED`,
  :data:`DEDUP`).
"""

from __future__ import annotations

import itertools
import os
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from airsentry.model import ReportBatch
from airsentry.sources._ranges import T_MAX, T_MIN
from airsentry.sources.base import Guarded, Quarantine, decoder, read_file

LINE_FORMATS = ("raw", "sbs", "jet1090", "detections")  # one record per line
# Live and recorded decoding differ by design for these: Beast and AVR times come from
# the clock on a live feed, an ASTERIX live piece is one datagram dated on arrival.
CLOCKED = ("beast", "raw", "asterix")
# A live aircraft.json feed skips positions it has already passed on (repeat_s).
DEDUP = ("aircraft_json",)
SPECIAL = [b"\x1a", b"\n", b"\r\n", b",", b"{", b"[", b"\x00", b"\xff", b'"', b"9" * 30]


@dataclass
class Tally:
    """What the runs of one format found."""

    inputs: int = 0
    full: int = 0  # of which whole recordings
    escapes: int = 0
    accounting: int = 0
    out_of_range: int = 0
    examples: list[str] = field(default_factory=list)
    culprits: list[bytes] = field(default_factory=list)  # inputs that showed a finding

    def note(self, what: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(what)

    def add(self, kind: str, what: str, data: bytes) -> None:
        """Count one finding of ``kind`` (escape, range, accounting) on input ``data``."""
        if kind == "escape":
            self.escapes += 1
        elif kind == "range":
            self.out_of_range += 1
        else:
            self.accounting += 1
        self.note(what)
        if len(self.culprits) < 5:
            self.culprits.append(data)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random mutation of ``data`` (several edits of one of a few kinds)."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        n = len(buf)
        op = rng.randrange(7)
        i = rng.randrange(n + 1) if n else 0
        if op == 0 and n:  # flip bytes
            for _ in range(rng.randint(1, 16)):
                buf[rng.randrange(n)] = rng.randrange(256)
        elif op == 1:  # insert random bytes
            buf[i:i] = rng.randbytes(rng.randint(1, 64))
        elif op == 2 and n:  # delete a range
            del buf[i : i + rng.randint(1, 256)]
        elif op == 3 and n:  # duplicate a range
            j = rng.randrange(n)
            buf[i:i] = buf[j : j + rng.randint(1, 512)]
        elif op == 4:  # truncate
            del buf[i:]
        elif op == 5:  # a run of a byte that matters to some framing
            buf[i:i] = rng.choice(SPECIAL) * rng.randint(1, 2000)
        else:  # a digit run (numbers beyond int64, years beyond 9999)
            buf[i:i] = str(rng.randint(10**18, 10**30)).encode()
    return bytes(buf)


ROUND = 128  # inputs of a stream format decoded together
FULL_EVERY = 400  # one input in this many is the whole recording, mutated
MAX_RECORDS = 8  # records cut per input
FULL_BYTES = 1 << 18  # a whole-recording input is at most this long a stretch


class Cutter:
    """Small inputs cut from one recording: ``cut`` a few records (mutation comes later);
    ``stream`` joins inputs into what the entry points read (after ``prefix``: a CSV
    header, a pcap file header); ``docs`` (document formats) are whole small documents,
    one per input, and ``stream`` is then None."""

    def __init__(self, case: str, fmt: str, data: bytes, rng: random.Random) -> None:
        self.whole = data
        self.prefix = b""
        self.lines = False
        self.docs: list[bytes] = []
        starts: list[int] = []
        if (
            case == "opensky"
            or fmt in ("sbs", "raw", "jet1090", "detections", "remoteid")
            or (case == "reports_jsonl")
        ):
            self.lines = True
            if case == "opensky":  # the header names the columns: every stream has it
                self.prefix = data[: data.index(b"\n") + 1]
                data = data[len(self.prefix) :]
            starts = [0, *(np.flatnonzero(np.frombuffer(data, np.uint8) == 10) + 1).tolist()]
        elif fmt == "beast":
            starts = _beast_frames(data)
        elif case == "asterix":
            starts = _walk(data, 0, lambda i: int.from_bytes(data[i + 1 : i + 3], "big"), 3)
        elif case == "asterix_pcap":
            self.prefix = data[:24]
            data = data[24:]
            starts = _walk(
                data, 0, lambda i: 16 + int.from_bytes(data[i + 8 : i + 12], "little"), 16
            )
        elif fmt == "sapient":
            starts = _walk(data, 0, lambda i: 4 + int.from_bytes(data[i : i + 4], "little"), 4)
        else:  # one JSON document per line (aircraft.json polls) streams as lines
            self.docs = _small_documents(case, data, rng)
            self.lines = fmt == "aircraft_json"
        self.data = data
        self.starts = np.unique(np.asarray([*starts, len(data)], dtype=np.int64))

    def full(self, rng: random.Random) -> bytes:
        """The whole recording; for a long one, a stretch of :data:`FULL_BYTES` of it
        from a record boundary (a 10 MB recording would cost seconds an input)."""
        if len(self.data) <= FULL_BYTES or len(self.starts) < 3:
            return self.whole
        return self.prefix + self._records(rng, lambda i: self._last_within(i, FULL_BYTES))

    def cut(self, rng: random.Random) -> bytes:
        """A few (1 to :data:`MAX_RECORDS`) records from a random one on."""
        if self.docs:
            return rng.choice(self.docs)
        return self._records(rng, lambda i: i + rng.randint(1, MAX_RECORDS))

    def _records(self, rng: random.Random, end: Callable[[int], int]) -> bytes:
        """Whole records from a random first record ``i`` up to record ``end(i)``
        (exclusive, at least one, at most to the end): the one cutter of both inputs."""
        n = len(self.starts) - 1
        i = rng.randrange(max(n, 1))
        j = min(n, max(end(i), i + 1))
        return self.data[int(self.starts[i]) : int(self.starts[j])]

    def _last_within(self, i: int, size: int) -> int:
        """The last record boundary at most ``size`` bytes after record ``i``'s start."""
        limit = int(self.starts[i]) + size
        return int(np.searchsorted(self.starts, limit, side="right")) - 1

    def stream(self, inputs: list[bytes]) -> bytes | None:
        if self.docs and not self.lines:
            return None
        if self.lines:
            inputs = [x if x.endswith(b"\n") else x + b"\n" for x in inputs]
        return self.prefix + b"".join(inputs)


def _walk(data: bytes, i: int, size: Callable[[int], int], least: int) -> list[int]:
    """Record starts of a length-prefixed stream (stops at a length that cannot be)."""
    out = []
    while i + least <= len(data):
        n = size(i)
        if n < least:
            break
        out.append(i)
        i += n
    return out


def _beast_frames(data: bytes) -> list[int]:
    """Where Beast frames start: an unescaped 0x1a followed by a type byte."""
    out, i = [], 0
    while i < len(data) - 1:
        if data[i] == 0x1A:
            if data[i + 1] == 0x1A:
                i += 2
                continue
            if data[i + 1] in b"1234":
                out.append(i)
        i += 1
    return out


def _small_documents(case: str, data: bytes, rng: random.Random, n: int = 200) -> list[bytes]:
    """Small documents made of a few of the recording's own entries."""
    import io
    import json

    import pyarrow.parquet as pq

    out = []
    if data.startswith(b"PAR1"):
        table = pq.read_table(io.BytesIO(data))
        for _ in range(n):
            i = rng.randrange(table.num_rows)
            sink = io.BytesIO()
            pq.write_table(table.slice(i, rng.randint(1, MAX_RECORDS)), sink)
            out.append(sink.getvalue())
        return out
    try:
        docs = [json.loads(data)]
    except json.JSONDecodeError:  # one document per line
        docs = [json.loads(line) for line in data.splitlines() if line.strip()]
    key = "aircraft" if "aircraft" in docs[0] else "trace"
    for _ in range(n):
        doc = rng.choice(docs)
        i = rng.randrange(len(doc[key]))
        small = {**doc, key: doc[key][i : i + rng.randint(1, MAX_RECORDS)]}
        out.append(json.dumps(small).encode())
    return out


def _totals(batches: list[ReportBatch], q: Quarantine) -> tuple[int, int, int]:
    return sum(len(b) for b in batches), q.count, sum(q.skipped.values())


def _check_batch(b: ReportBatch) -> bool:
    ok_t = bool(((b.t >= T_MIN) & (b.t < T_MAX)).all())
    placed = (np.abs(b.lat) <= 90) & (np.abs(b.lon) <= 180)
    if b.frame is not None:  # a bearing-only row has no position, but a site and an azimuth
        f = b.frame
        sited = (np.abs(f.site_lat) <= 90) & (np.abs(f.site_lon) <= 180)
        placed |= f.bearing_only & sited & (np.abs(f.azimuth_rad) <= 2 * np.pi)
    return ok_t and bool(placed.all())


def _escaped(q: Quarantine) -> str | None:
    return next((str(r) for r in q.by_reason if str(r).startswith("decoder failed")), None)


def lines_in(data: bytes) -> int:
    """Records of a line format: lines, a last one without its newline included."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def findings(
    fmt: str,
    data: bytes,
    options: dict[str, Any],
    live_options: dict[str, Any],
    rng: random.Random,
    folder: Path,
) -> list[tuple[str, str]]:
    """Run ``data`` through replay, live pieces and a dropped session; what went wrong,
    as (kind, what) with kind ``escape``, ``range`` or ``accounting``."""
    path = folder / f"fuzz.{fmt}"
    path.write_bytes(data)
    found: list[tuple[str, str]] = []
    results = []
    cut = rng.randrange(len(data) + 1)
    for entry in ("file", "live", "reconnect"):
        q = Quarantine(keep_in_memory=0)
        try:
            if entry == "file":
                batches = list(read_file(path, fmt, q, **options))
            elif entry == "live":
                batches = _pieces(fmt, data, live_options, q, rng)
            else:
                batches = _pieces(fmt, data, live_options, q, rng, dropped=data[:cut])
        except Exception as exc:  # an escape: the harness's whole point
            found.append(("escape", f"{entry}: {type(exc).__name__}: {exc}"[:200]))
            return found
        if (reason := _escaped(q)) is not None:
            found.append(("escape", f"{entry}: {reason}"[:200]))
        if not all(_check_batch(b) for b in batches):
            found.append(("range", f"{entry}: a report out of range"))
        results.append(_totals(batches, q))
    (acc, rej, skip), (live_acc, live_rej, live_skip), again = results
    if fmt in LINE_FORMATS:
        if acc + rej + skip != lines_in(data):
            found.append(("accounting", f"{acc} + {rej} + {skip} != {lines_in(data)} lines"))
        if sum(again) != lines_in(data[:cut]) + lines_in(data):
            found.append(("accounting", f"reconnect: {again} != lines of prefix + stream"))
    elif fmt not in CLOCKED and live_acc + live_rej + live_skip != acc + rej + skip:
        found.append(
            ("accounting", f"file {acc}+{rej}+{skip}, pieces {live_acc}+{live_rej}+{live_skip}")
        )
    elif fmt not in CLOCKED and fmt not in DEDUP and live_acc != acc:
        found.append(("accounting", f"file accepted {acc}, pieces accepted {live_acc}"))
    return found


def check(
    fmt: str,
    data: bytes,
    options: dict[str, Any],
    live_options: dict[str, Any],
    rng: random.Random,
    tally: Tally,
    folder: Path,
) -> None:
    """Run one input through the entry points and tally what went wrong."""
    tally.inputs += 1
    for kind, what in findings(fmt, data, options, live_options, rng, folder):
        tally.add(kind, what, data)


def _pieces(
    fmt: str,
    data: bytes,
    options: dict[str, Any],
    q: Quarantine,
    rng: random.Random,
    *,
    dropped: bytes | None = None,
) -> list[ReportBatch]:
    """Feed ``data`` in pieces cut at random places, then flush, as a live feed does;
    with ``dropped``, a session that delivered those bytes and dropped (``resync``) first."""
    dec = Guarded(decoder(fmt, source="live", **options), "live")
    out = []
    if dropped is not None:
        out.append(dec.feed(dropped, q))
        dec.resync(q)
    cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randint(0, 6)))
    if rng.random() < 0.2 and len(data) > 1:  # a few one-byte pieces at one place
        i = rng.randrange(len(data) - 1)
        cuts = sorted([*cuts, i, i + 1, min(len(data), i + 2)])
    for lo, hi in itertools.pairwise([0, *cuts, len(data)]):
        if hi > lo:
            out.append(dec.feed(data[lo:hi], q))
    out.append(dec.flush(q))
    return [b for b in out if len(b)]


def fuzz(
    cases: dict[str, tuple[str, bytes, dict[str, Any]]],
    count: int,
    seed: int,
    *,
    progress: Callable[[str, Tally], None] | None = None,
) -> dict[str, Tally]:
    """``count`` mutated inputs of each case (format, seed bytes, options)."""
    rng = random.Random(seed)
    tallies: dict[str, Tally] = {}
    with tempfile.TemporaryDirectory(prefix="airsentry-fuzz-", dir=_scratch()) as tmp:
        folder = Path(tmp)
        for case, (fmt, data, options) in cases.items():
            tally = tallies.setdefault(case, Tally())
            live = {k: v for k, v in options.items() if k != "start"}
            if fmt in ("beast", "raw") and "start" in options:
                live["start"] = options["start"]
            cutter = Cutter(case, fmt, data, rng)
            done = 0
            while done < count:
                # every FULL_EVERY-th input, and the last one if none was yet
                if done % FULL_EVERY == FULL_EVERY - 1 or (done == count - 1 and not tally.full):
                    check(fmt, mutate(cutter.full(rng), rng), options, live, rng, tally, folder)
                    tally.full += 1
                    done += 1
                    continue
                left = count - done - (not tally.full)
                n = min(ROUND, left, FULL_EVERY - 1 - done % FULL_EVERY)
                inputs = [mutate(cutter.cut(rng), rng) for _ in range(n)]
                stream = cutter.stream(inputs)
                if stream is None:
                    for x in inputs:
                        check(fmt, x, options, live, rng, tally, folder)
                else:
                    _round(fmt, cutter, inputs, stream, options, live, rng, tally, folder)
                done += n
            if progress is not None:
                progress(case, tally)
    return tallies


def _round(
    fmt: str,
    cutter: Cutter,
    inputs: list[bytes],
    stream: bytes,
    options: dict[str, Any],
    live: dict[str, Any],
    rng: random.Random,
    tally: Tally,
    folder: Path,
) -> None:
    """Inputs of a stream format decoded together; on a finding, one by one."""
    tally.inputs += len(inputs)
    found = findings(fmt, stream, options, live, rng, folder)
    if not found:
        return
    named = False
    for x in inputs:
        alone = cutter.stream([x])
        assert alone is not None
        for kind, what in findings(fmt, alone, options, live, rng, folder):
            tally.add(kind, what, alone)
            named = True
    if not named:  # only the inputs together show it
        for kind, what in found:
            tally.add(kind, f"(a round of {len(inputs)} inputs) {what}", stream)


def _scratch() -> str | None:
    """A memory-backed folder for the replay entry's files when there is one."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def seed_cases(wheel: Path, sdist: Path) -> dict[str, tuple[str, bytes, dict[str, Any]]]:
    """The golden cases (a real recording of every registered format) as seed bytes."""
    import tarfile
    import zipfile

    from golden import CASES, DATA

    out: dict[str, tuple[str, bytes, dict[str, Any]]] = {}
    with zipfile.ZipFile(wheel) as z, tarfile.open(sdist) as tar:
        for case, (fmt, spec, options) in CASES.items():
            if spec.startswith("data/"):
                data = (DATA / spec.removeprefix("data/")).read_bytes()
            elif spec.startswith("wheel:"):
                data = z.read(spec.removeprefix("wheel:"))
            else:
                member = spec.removeprefix("sdist:")
                found = next(m for m in tar.getmembers() if m.name.endswith("/" + member))
                fh = tar.extractfile(found)
                assert fh is not None
                data = fh.read()
            out[case] = (fmt, data, options)
    return out
