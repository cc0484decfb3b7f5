"""The fuzz harness: mutated real recordings of every format through the entry points
of replay (:func:`~airsentry.sources.base.read_file`) and of live feeds (the guarded
decoder fed in random pieces, as :class:`~airsentry.sources.live.LiveRunner` feeds it).

Shared by the suite (``test_fuzz.py``: a fixed seed, a few hundred inputs) and by
``benchmarks/fuzz.py`` (any count). What is checked for each input:

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
    escapes: int = 0
    accounting: int = 0
    out_of_range: int = 0
    examples: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(what)


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


def _escaped(q: Quarantine) -> bool:
    return any(str(r).startswith("decoder failed") for r in q.by_reason)


def lines_in(data: bytes) -> int:
    """Records of a line format: lines, a last one without its newline included."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def check(
    fmt: str,
    data: bytes,
    options: dict[str, Any],
    live_options: dict[str, Any],
    rng: random.Random,
    tally: Tally,
    folder: Path,
) -> None:
    """Run one input through both entry points and tally what went wrong."""
    tally.inputs += 1
    path = folder / f"fuzz.{fmt}"
    path.write_bytes(data)
    results = []
    for entry in ("file", "live"):
        q = Quarantine(keep_in_memory=0)
        try:
            if entry == "file":
                batches = list(read_file(path, fmt, q, **options))
            else:
                batches = _pieces(fmt, data, live_options, q, rng)
        except Exception as exc:  # an escape: the harness's whole point
            tally.escapes += 1
            tally.note(f"{entry}: {type(exc).__name__}: {exc}"[:200])
            return
        if _escaped(q):
            tally.escapes += 1
            tally.note(f"{entry}: {next(r for r in q.by_reason if r.startswith('decoder'))}")
        if not all(_check_batch(b) for b in batches):
            tally.out_of_range += 1
            tally.note(f"{entry}: a report out of range")
        results.append(_totals(batches, q))
    (acc, rej, skip), (live_acc, live_rej, live_skip) = results
    if fmt in LINE_FORMATS and acc + rej + skip != lines_in(data):
        tally.accounting += 1
        tally.note(f"{acc} + {rej} + {skip} != {lines_in(data)} lines")
    elif fmt not in CLOCKED and live_acc + live_rej + live_skip != acc + rej + skip:
        tally.accounting += 1
        tally.note(f"file {acc}+{rej}+{skip}, pieces {live_acc}+{live_rej}+{live_skip}")
    elif fmt not in CLOCKED and fmt not in DEDUP and live_acc != acc:
        tally.accounting += 1
        tally.note(f"file accepted {acc}, pieces accepted {live_acc}")


def _pieces(
    fmt: str, data: bytes, options: dict[str, Any], q: Quarantine, rng: random.Random
) -> list[ReportBatch]:
    dec = Guarded(decoder(fmt, source="live", **options), "live")
    out, i = [], 0
    while i < len(data):
        n = rng.choice([1, 7, 97, 1024, 65536])
        out.append(dec.feed(data[i : i + n], q))
        i += n
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
    with tempfile.TemporaryDirectory(prefix="airsentry-fuzz-") as tmp:
        for case, (fmt, data, options) in cases.items():
            tally = tallies.setdefault(case, Tally())
            live = {k: v for k, v in options.items() if k != "start"}
            if fmt in ("beast", "raw") and "start" in options:
                live["start"] = options["start"]
            for _ in range(count):
                check(fmt, mutate(data, rng), options, live, rng, tally, Path(tmp))
            if progress is not None:
                progress(case, tally)
    return tallies


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
