"""Benchmark: the whole replay path (``airsentry replay``) in reports per CPU-second.

Input, built here from a package sample: a real OpenSky recording shipped in the
``traffic`` wheel (``collections/quickstart``: 284,505 state vectors over Paris, one
afternoon, ordinary event density; ``--sample switzerland`` for 139,098 vectors over
Switzerland, event-dense), converted to OpenSky ``state_vectors_data4`` rows (SI
units), multiplied ``--copies`` times in time (copy ``k`` shifted by ``k`` spans, its
ICAO addresses made distinct within their block and military status:
``copy_addresses``), and written to CSV and to Parquet in a temporary folder.

Each measured run is its own process (``--child``) that does what ``airsentry replay``
does: the one builder (:func:`airsentry.build.open_run`) over a fresh database, then
:func:`airsentry.sources.base.read_file` in 20,000-row chunks through
``Pipeline.run``. It reports, in CPU time (``time.process_time``):

* **start-up**: CPU-s from interpreter start to the pipeline built (imports, zone
  catalogue, builder), and to the first batch entering it (the reader decodes a whole
  file before it hands over its first batch);
* **reports per CPU-second** end to end (start-up included), and per stage: decode,
  tracker, identify, respond (observe), watch, book (incidents and store) and sinks,
  timed by wrapping the pipeline's parts in the child;
* **peak RSS**: the child's own high-water mark (``VmHWM``). Not ``ru_maxrss``:
  Linux carries that over ``exec`` from the parent's memory at the ``fork``, so the
  children of a parent holding the built input (~480 MB for four copies) reported the
  parent's size, not theirs.

The **baseline** is the same measurement against another revision of the source
(``--baseline REF``, default ``b061101``, where the fifth wave started),
extracted with ``git archive`` into a temporary folder: runs alternate between
baseline and current (interleaved), ``--runs`` each, and medians are printed with the
ratio.

Today's figure (the baseline, ``8cdc5e4``, measured when this benchmark was written on
this 2-core machine shared with other work; medians of 3, CPU time, start-up included):

==========================  ============  ============  ===========  =============
input                       CSV rep/CPU-s Parquet       start-up     peak RSS
==========================  ============  ============  ===========  =============
quickstart x4 (1.14M rows)  85,700        182,000       0.66-0.70 s  ~900-990 MB
switzerland x4 (556k rows)  42,500        (see run)     0.71 s       ~650 MB
==========================  ============  ============  ===========  =============

where it went (quickstart x4, CSV, CPU-s): decode 7.8, tracker 0.88, identify 1.37,
respond 0.50, watch 1.57, book 0.25; (switzerland x4, 64,516 events: watch 4.2 and
book 2.5, i.e. per-event work). ``airsentry --help`` cost 0.63 CPU-s (scipy, pyproj,
shapely imported while the parser was built).

Against ``8117fa4`` (``--baseline 8117fa4 --copies 2``, medians of 3, load average ~12;
both versions byte-compiled, as installed): quickstart x2 111,500 against 90,500
reports/CPU-s on CSV (1.23x; watch 0.83 against 1.59 CPU-s; identify 1.31 and decode 1.01
are now the largest stages); switzerland x2 51,600 against 40,200 on CSV (1.28x) and
55,900 against 44,600 on Parquet (1.25x; watch 1.11-1.14 against 2.04; book and sinks,
i.e. the store's per-event JSON and inserts, 1.0 and 1.4 CPU-s each); a second session
at load ~12 gave 1.09x (CSV) and 1.19x (Parquet), watch 1.31 against 2.16-2.23. Start-up 0.44-0.48
against 0.67-0.72 CPU-s to the pipeline built (see ``benchmarks/startup.py``).

Against ``a62ff72`` (``--baseline a62ff72 --copies 2``, medians of 3, load average 6-8
from other work; fourth wave: the track log as columnar chunks, the book saving only
changed objects, the decoders' byte-table checks): switzerland x2 69,500 against
58,700 reports/CPU-s on CSV (1.18x) and 68,400 against 55,400 on Parquet (1.23x; sinks,
i.e. the track log, 0.30-0.34 against 1.24-1.38 CPU-s); quickstart x2 126,900 against
120,700 on CSV (1.05x; decode 0.82 against 0.91, sinks 0.25 against 0.57) and 201,600
against 175,400 on Parquet (1.15x). Identify (1.2 CPU-s on quickstart x2 CSV), watch
(0.8-1.3) and the book's per-event JSON (0.9 on switzerland x2) are now the largest
stages. The same input as CSV and as Parquet gives slightly different events
(quickstart x2: 2,446 against 2,438; switzerland x2: 32,173 against 32,119), in the
baseline as well: results depended on where batches were cut. Since the fifth wave
they do not (``tests/e2e/test_batch_cuts.py``): 2,446 and 32,190 events from either
format and any batch size.

Against ``b061101`` (``--baseline b061101 --copies 2 --runs 3``, medians of 3, two
sessions, load average 3-4 from the other engineers and a soak; fifth wave: text cues
judged once per run of a value along a track, supporting cues only for the rules that
decide a row, a batch's entries described together, one transaction per step with the
track log inside it; the stage ``commit`` is that transaction's begin and commit, which
the baseline counts in ``book`` and ``sinks``): quickstart x2 149,600-157,900 against
139,800-150,400 reports/CPU-s on CSV (1.05-1.07x) and 223,600-242,700 against
210,400-226,100 on Parquet (1.06-1.07x); identify 0.81-0.86 against 1.09-1.20 CPU-s on
CSV (1.3-1.4x), 0.55-0.56 against 0.80-0.87 on Parquet (1.45-1.55x). Switzerland x2
76,900-84,800 against 73,200-77,300 on CSV (1.05-1.10x) and 94,600-98,700 against
82,200-86,900 on Parquet (1.14-1.15x); watch 0.87-0.92 against 0.99-1.05, book, sinks
and commit together 1.13-1.15 against 1.19-1.22 (the commits' fsyncs are mostly I/O
wait, not CPU: one commit per step instead of two saves wall time more than CPU).
Decode medians moved by up to 0.2 CPU-s between runs of unchanged code: quote ratios of
the stages that changed. Far from the issue's targets (1,000,000 and 500,000): what is
left is spread over decode (CSV 0.8), the tracker (0.5), identify (0.8, dozens of
array passes over every row), watch (0.7) and, on event-dense input, per-event Python
(building, describing, encoding and inserting 32,000 ``Event`` objects: watch, book,
sinks and commit are 2.1 of Switzerland x2's 3.6 CPU-s).

Fifth wave, second round (``--copies 2 --runs 3``, medians of 3, load average 2.2-2.3
from the other engineers and a soak): the track log's texts built by column (cells
converted once per run, chunk runs' JSON by column, the retention prune through
the index), depth windows no point of a cell can take its answer from not queried
(Paris x2: 15.4k points queried instead of 28.8k, depths bit-identical) and the events'
JSON written field by field (7.6 to 6.1 us per event). Against ``b061101``: quickstart
x2 157,400 against 150,700 reports/CPU-s on CSV (1.04x) and 245,800 against 214,700 on
Parquet (1.14x); switzerland x2 87,300 against 80,500 on CSV (1.08x) and 107,200 against
95,600 on Parquet (1.12x). Against the first round's tip ``b43a5a0`` (the stages this
round changed): switzerland x2 sinks 0.15-0.18 against 0.24-0.27 CPU-s (1.5-1.6x), book
0.54-0.60 against 0.56-0.61; quickstart x2 watch 0.47 against 0.50 (Parquet) and 0.63
against 0.66 (CSV), sinks 0.09-0.11 against 0.11-0.12; whole runs 1.01-1.04x, within
the noise of decode (0.32 against 0.70 CPU-s in one Swiss CSV session, unchanged code).

Issue 12, first round (``--baseline 2d21bff --copies 2 --runs 3``, medians of 3, load
average 1.6-2.8 from the lead and a soak). The CSV cleaner (``sources/_cleantext.py``)
numbered every byte's line with a cumulative sum to place the quotes (the benchmark's
CSV quotes its text fields: ~6 quotes a row); the quotes' lines are now bisected from
the line breaks. Cleaning quickstart x2 alone: 0.64 to 0.31 CPU-s. Quickstart x2 CSV
157,700 against 134,500 reports/CPU-s (1.17x; decode 0.82 against 0.98); Parquet,
which does not go through the cleaner, 211,000 against 211,300 (1.00x).

The approach detector samples every checked row's path at 12 points (Switzerland x2:
all 278,196 rows checked, 3.3M samples, 1.4M (sample, zone) pairs outside buffers):
the samples are now computed as (rows, steps) arrays broadcast from the rows' columns
(the same arithmetic, value for value) instead of from eight repeated columns, and the
earliest step per (row, zone) found with one sort of a single integer key instead of
a three-key ``lexsort``. Approach detection alone on Switzerland x2: 0.51 to 0.40 CPU-s
(0.23 of it the zone index). Against ``fa104ad`` (the cleaner's commit; load average
1.8-2.5): switzerland x2 83,600 against 74,600 reports/CPU-s on CSV (1.12x; watch
0.97 against 1.17) and 93,400 against 86,600 on Parquet (1.08x; watch 0.93 against 1.07).

Then the decoder alone (``benchmarks/decode_csv.py``, interleaved children, medians of
5, load average 3.3-4.6): the cleaner tells the common block (its quotes pairing up
into whole fields) in a few passes over half its quotes and passes ASCII through
without decoding it; squawks are rewritten (``7100.0``, ``17``) only in blocks that
hold such a cell. Quickstart x2 CSV decodes in 0.79 CPU-s against 0.99 at ``1b7ae22``
(1.24x) and 1.51 at ``2d21bff`` (1.89x: 718,000 against 378,000 rows/CPU-s). In the
whole run (against ``1b7ae22``, load average 2.9-3.7) the decode stage did not show it
(0.88 against 0.82, within its noise); quickstart x2 155,800 against 150,500 reports/CPU-s
on CSV (1.04x).

``factorize`` (the tracker's and the silence detector's keys by hashing) converted every
row's text to Arrow, four times a batch, though a batch's sensor is one value and keys
often come in runs: the runs' first keys only are converted when the runs are few (a
20,000-row column of one sensor: 0.68 to 0.22 ms; a column changing every row, told by
a glance at its first 64 rows: unchanged, 1.4 ms). Whole runs against ``fb611a3``
(load average 4.1-5.2): quickstart x2 160,100 against 157,500 reports/CPU-s on CSV
(1.02x) and 202,800 against 194,900 on Parquet (1.04x), the tracker and watch stages
within their noise.

Two per-call savings, each below the whole run's noise: the rules' ``gt``/``lt``
(thousands of calls a run) compare in one pass instead of a NaN mask and a masked
comparison (same answers: IEEE comparisons with NaN are False, silently), and
``event_json`` tells that an event's texts are ``str`` with one ``str.join`` (0.1 us)
instead of a generator of ``isinstance`` calls (0.6 us; 7.2 to 5.9 us per event,
medians of 15). Against ``a3d54b3`` (load average 3.8-3.9): switzerland x2 79,900
against 79,400 reports/CPU-s on CSV (1.01x; identify 0.39 against 0.42, book 0.59
against 0.61) and 88,700 against 88,600 on Parquet (1.00x).

The cooperative tracker carried callsign, squawk and category forward with a sort and
five passes over object columns each, even for a column given on every row or on none
(OpenSky has no category): such a column is now kept as it is, or taken from what each
track knew in one gather. The cooperative tracker alone over quickstart x2's batches
(interleaved children, medians of 5): 0.387 against 0.425 CPU-s at ``8d9b563`` (1.10x);
in whole runs (load average 3.8-4.2) the tracker stage 0.50-0.52 against 0.55 CPU-s,
the runs within their noise (0.96x on CSV, 1.00x on Parquet).

The round against its start, ``2d21bff`` (``--copies 2 --runs 3``, medians of 3, load
average 1.6-3.1): quickstart x2 177,600 against 140,800 reports/CPU-s on CSV (1.26x;
decode 0.72 against 0.93, tracker 0.48 against 0.67, identify 0.75 against 0.95, watch
0.59 against 0.72) and 218,000 against 207,900 on Parquet (1.05x); switzerland x2
84,700 against 74,300 on CSV (1.14x; watch 0.96 against 1.12) and 95,300 against
88,800 on Parquet (1.07x; watch 0.89 against 1.02). Still far from the targets: what is
left is the pyarrow parse and the cells' checks (CSV decode ~0.7 CPU-s), identify (~0.7,
dozens of passes over every row), the zone index under the approach samples (~0.23 on
Switzerland x2: every row is checked there, 3.3M samples) and per-event Python
(building, describing, encoding and inserting 32,000 ``Event`` objects).

Issue 12, second round (``--baseline f2a7e04 --copies 2 --runs 3``, medians of 3, three
sessions, load average 2.2-3.8 from the lead and a soak; the first two before the last
commit, the longitude remainder). Profiled with cProfile on a ``--child`` run with
``time.process_time`` as its clock: the default clock is wall time, and there the
commits' fsyncs look like 0.4 s of ``execute``. The approach detector no longer puts to
the zone index the samples of a path that lie in a settled cell of the same zone set as
the row's own position, a set without altitude limits or validity windows
(``ZoneIndex.same_plain_cells``: they are in exactly the zones the row is in;
Switzerland x2: 2.06M of 3.34M samples), computes altitudes and times for the others
only, and takes the longitude remainder only where a path crosses the antimeridian:
approach detection alone on Switzerland x2 0.259 against 0.378 CPU-s (1.46x).
``ReportBatch.take`` of every row in order is the batch itself: the trackers' four takes
a batch that kept every ADS-B row copied all 19 columns (tracker 0.40-0.45 against
0.48-0.55 CPU-s on quickstart x2). Whole runs: switzerland x2 86,500-92,100 against
82,000-87,100 reports/CPU-s on CSV (1.04-1.06x; watch 0.86-0.90 against 0.94-1.01) and
95,800-102,400 against 91,700-97,400 on Parquet (1.04-1.05x); quickstart x2
171,100-180,900 against 163,300-174,200 on CSV (1.02-1.07x) and 205,400-229,500 against
199,000-224,500 on Parquet (1.02-1.03x). Identify read 0.03-0.05 CPU-s more on Parquet
in every session: its own take now gathers from the decoded arrays instead of freshly
copied ones. Tried and not kept: decoding a CSV's 1 MiB blocks together up to 100,000
rows (pipeline batches of 20,000 rows instead of ~7,600: identify -12%, watch -17%,
commits halved, but decode +0.13-0.19 CPU-s in a fresh process though not in a warm one;
whole run ~1.02x), caching the encoded reasons and sensor of events (6.3 us per event
either way) and a fast path of ``isoformat`` for UTC datetimes (``datetime.isoformat``
itself is 1.1 of its 1.3 us). Per event on Switzerland x2 (32,190 events, CPU):
``event_json`` 0.23 s (time 1.3 us, coordinates 1.2, details 1.1, texts 0.8 of its 7
us), ``event_row`` 0.06, the dedup hash 0.02, the inserts 0.16.

Issue 12, third round: memory and start-up. The peak RSS printed before this round was
the parent's: Linux carries ``ru_maxrss`` over ``exec`` from the memory the parent had
at the ``fork`` (the built input); the child now reads its own ``VmHWM``. Measured so,
a replay's peak still grew with its input (quickstart Parquet x1/x2/x4: 362, 494 and
744 MB): ``Pipeline.run`` kept every step with events together with its batch's whole
track-update columns (the commands now call ``Pipeline.consume``, which keeps nothing),
and the depth query's cache of projected border windows was bounded by count (2,048
windows of up to thousands of segments: 191,000 segments, ~70 MB, after x4; now a budget
of 150,000 segments). After: 321, 353 and 390 MB at x1/x2/x4, and over x16 (4.55M rows,
``VmHWM`` by row) 394 MB at 1.2M rows, 419 at 2.4M and 423 from 3.6M to the end;
tracemalloc from 2.2M to 4.4M rows: +0.1 MB. Throughput unchanged (x4, two interleaved
runs against ``f814c32``: 160,900 against 152,800 reports/CPU-s on CSV, 216,700 against
214,600 on Parquet). Start-up: ``scipy.special`` (0.1 CPU-s with its array-API
imports) was imported with the tracker for the crowd test's Poisson tail; imported on
first use, the first report comes at 0.396 against 0.477 CPU-s (``benchmarks/startup.py``,
medians of 5), under the 0.4 target. Pipeline batches of 100,000 rows instead of 20,000
(quickstart x2 Parquet, three interleaved pairs): 2.76-2.81 against 2.60-2.84 CPU-s,
identify 0.86-0.89 against 0.70-0.72 (no gain: per-batch overhead is not what is left;
the profile is flat, no function over 4 % of the run).

Issue 12, fourth round (``--baseline c725a68 --copies 2``, December 2026, the machine
shared with one niced evaluation; medians of 5 on Switzerland, of 3 on quickstart): the
approach detector predicts no path for a target admitted in every zone by a token that
does not depend on the zone's owner (``Authority.everywhere``: with the default
catalogue, every civil cooperative aircraft; approach detection on Switzerland x2 0.075
against 0.336 CPU-s), and the store keys events by ``(time, dedup)`` (schema 8: the
unique index on the sha256 alone took every insert somewhere random in its B-tree;
``events_time`` and the unused ``events_track`` are gone; inserting Switzerland's
32,190 events 0.17 against 0.34 CPU-s, the database 15 % smaller). Switzerland x2
100,200 against 88,100 reports/CPU-s on CSV (1.14x; watch 0.63 against 0.87, book 0.49
against 0.58, commit 0.10 against 0.16) and 112,500 against 97,800 on Parquet (1.15x);
quickstart x2 175,500 against 171,800 on CSV (1.02x; watch 0.56 against 0.66) and
220,200 against 212,900 on Parquet (1.03x). Every event and incident identical
(``tools/replay_equivalence.py``). Then the decoders' text columns became one shared
``str`` per distinct value (``_columns.to_objects``: a dictionary encoding, then a
gather; 1.5x cheaper per column, and equal cells, one object, compare by identity in
the tracker's and classifier's runs along a track): against the commit before, quickstart
x2 190,700 against 183,500 on CSV (1.04x) and 253,400 against 235,500 on Parquet (1.08x,
medians of 5; identify 0.62 against 0.67, peak RSS 15-42 MB lower). All three against
``c725a68`` (medians of 3, a test run on the other core): Switzerland x2 109,600 against
94,100 on CSV (1.16x) and 123,300 against 103,900 on Parquet (1.19x); quickstart x2
192,900 against 180,000 on CSV (1.07x) and 237,500 against 217,000 on Parquet (1.09x).
Looked at and left: building events faster (a frozen ``Event`` costs 4 us to make, 1.1
us unfrozen; ``_entry`` and ``_exit`` together 0.16 CPU-s of Switzerland x2, ~5 us an
event) and the depth of the few cooperative state aircraft inside France on
quickstart (0.28 CPU-s of x2, once per run: 108 projected border windows for 28 cells,
the largest 8 degrees wide).

Fifth round (``--baseline e64e87d --copies 2 --runs 3``, 2026-12-05, nothing else
running, a day on which both revisions ran ~10 % slower than the figures above): events
bound to the insert as tuples (1.2 us less per event than names), the CSV cleaner's
carriage-return test by byte search and its quote pairing checked once per line break
(1.15-1.22x less CPU per file), start-up 1.05-1.10x less (see ``startup.py``). Every
event and incident identical (``tools/replay_equivalence.py``). Switzerland x2 99,600
against 96,200 reports/CPU-s on CSV (1.04x; book 0.47 against 0.52) and 111,200
against 108,000 on Parquet (1.03x); quickstart x2 173,100 against 168,600 on CSV (1.03x)
and 230,100 against 226,900 on Parquet (1.01x).

Sixth round (``--baseline 2316c60 --runs 3``, 2026-12-05, quiet machine). First the
input: the copies no longer cycle the address's top hex digit, which made foreign
state aircraft of French and Swiss airliners (Australian and Austrian military ranges;
174 of them in copy 3 of Switzerland, which recorded none), whose entries ask to verify
a clearance and whose depth is measured. On the same code (``2316c60``), quickstart x8
Parquet took 7.57 CPU-s on the new input against 7.93-8.48 on the old, Switzerland x2
2.29 against 2.57-2.66: figures before and after this change are not comparable; the
ratios below are, both revisions running the new input. Then the code, with every
event and incident identical: rows put in track order by radix sorts
(``airsentry.order``: one stable sort of 16-bit digits, the times already rising along
each track), the classifier's running maxima without a sort and its group starts once
per batch, the tracker's kept rows scattered as whole items and its keys factorized
once, velocities estimated over the tracks that lack one, constant text columns filled
rather than converted (``np.full`` of an object: 25x), the decoders' byte checks by
range, event times and reasons encoded once per distinct value (figures of each in
``batch_primitives.py``). Quickstart x2 231,600 against 204,900 reports/CPU-s on CSV
(1.13x) and 317,500 against 273,400 on Parquet (1.16x; tracker 0.30 against 0.42,
identify 0.45 against 0.52); quickstart x8 (2.28M rows, the issue's "few million")
265,100 against 232,100 on CSV (1.14x) and 400,200 against 326,700 on Parquet (1.22x);
Switzerland x2 123,700 against 117,100 on CSV (1.06x) and 144,100 against 133,500 on
Parquet (1.08x; its per-event work, book 0.40 and watch 0.38 CPU-s, is unchanged).
CSV decode (2.63 of quickstart x8's 8.6 CPU-s) is now the largest stage on CSV. With
the admission facts taken from the classifier's per-run judgements (a second
session, both revisions ~7 % slower): quickstart x8 373,700 against 305,300 on
Parquet (1.22x) and 249,400 against 216,700 on CSV (1.15x); x2 1.18x and 1.12x;
Switzerland x2 1.08x on both.

Run: ``python benchmarks/pipeline.py [--copies 4] [--runs 3] [--sample quickstart]``.
The wheel is found via ``--wheel`` or ``AIRSENTRY_TRAFFIC_WHEEL``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

# only what the measured child needs is imported here (its start-up is measured from
# interpreter start; argparse as the command line has it); the parent's own modules
# are imported where it uses them
import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {
    "quickstart": "traffic/data/samples/collections/quickstart.json.gz",
    "switzerland": "traffic/data/samples/collections/switzerland.json.gz",
}
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60
BASELINE = "b061101"
STAGES = ("decode", "tracker", "identify", "respond", "watch", "book", "sinks", "commit")


# -- input ---------------------------------------------------------------------------


def copy_addresses(addresses: list[int], copies: int) -> list[dict[int, int]]:
    """Per copy, the ICAO address each of the recording's aircraft takes: copy 0 keeps
    the recorded ones; in every other copy each address is another of the same ICAO
    block and the same military sub-range (or none), used by no other aircraft of any
    copy. Each copy then holds the recording's States and state aircraft, no more.

    (Until December 2026 the copies cycled the address's top hex digit: a French
    airliner of copy 3 became an Australian, some of them in military ranges, so that
    quickstart x8 held foreign state aircraft over Paris whose entries ask to verify a
    clearance and whose depth is measured: 8.7 % of that replay's CPU. Switzerland,
    with no state aircraft recorded, had 24 in copy 1 and 174 in copy 3.)
    """
    from airsentry.identify import icao

    blocks, military = icao.blocks(), icao.military_ranges()
    used = set(addresses)
    out = [{a: a for a in addresses}]
    for k in range(1, copies):
        mapping = {}
        for a in addresses:
            block = blocks.lookup([a])[0]
            mil = military.lookup([a])[0]
            # the low 12 bits XOR-ed: a block is 1,024 addresses or more, aligned
            for step in range(1, 4096):
                b = a ^ ((16 * k + step - 1) % 4095 + 1)
                if b in used or blocks.lookup([b])[0] != block:
                    continue
                if military.lookup([b])[0] == mil:
                    break
            else:
                raise ValueError(f"no free address like {a:06x} for copy {k}")
            mapping[a] = b
            used.add(b)
        out.append(mapping)
    return out


def build_input(wheel: Path, sample: str, copies: int, folder: Path) -> tuple[Path, Path, int]:
    """The sample as OpenSky rows, ``copies`` times in time, as CSV and Parquet."""
    import gzip
    import zipfile

    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    with zipfile.ZipFile(wheel) as z:
        records = json.loads(gzip.decompress(z.read(SAMPLES[sample])))
    # in event time, as OpenSky's own dumps are (the sample is stored flight by flight)
    records.sort(key=lambda r: r["timestamp"])

    def column(name: str, factor: float = 1.0) -> Any:
        values = [r.get(name) for r in records]
        return np.array([np.nan if v is None else v * factor for v in values], dtype=np.float64)

    t = np.array([r["timestamp"] for r in records], dtype=np.float64) / 1000.0
    icao = np.array([str(r["icao24"]) for r in records], dtype=object)
    callsign = [r.get("callsign") for r in records]
    squawk = [r.get("squawk") for r in records]
    onground = [r.get("onground") for r in records]
    alt = column("altitude", FT)
    span = float(t.max() - t.min()) + 600.0
    tables = []
    renamed = copy_addresses(sorted({int(a, 16) for a in icao}), copies)
    for k in range(copies):
        ids = [f"{renamed[k][int(a, 16)]:06x}" for a in icao]
        tk = np.floor(t + k * span)
        tables.append(
            pa.table(
                {
                    "time": pa.array(tk.astype(np.int64)),
                    "icao24": pa.array(ids, pa.string()),
                    "lat": column("latitude"),
                    "lon": column("longitude"),
                    "velocity": column("groundspeed", KT),
                    "heading": column("track"),
                    "vertrate": column("vertical_rate", FPM),
                    "callsign": pa.array(callsign, pa.string()),
                    "onground": pa.array(onground, pa.bool_()),
                    "squawk": pa.array(squawk, pa.string()),
                    "baroaltitude": alt,
                    "geoaltitude": alt,
                    "lastposupdate": t + k * span,
                }
            )
        )
    table = pa.concat_tables(tables)
    csv_path, pq_path = folder / f"{sample}.csv", folder / f"{sample}.parquet"
    pacsv.write_csv(table, csv_path)
    pq.write_table(table, pq_path)
    return csv_path, pq_path, table.num_rows


# -- one measured run (child process) ------------------------------------------------


def _timed(clock: dict[str, float], stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            clock[stage] += time.process_time() - start

    return wrapper


def time_stages(p: Any, clock: dict[str, float]) -> None:
    """Wrap the pipeline's parts so that their CPU time adds up in ``clock`` by stage
    (tracker, identify, respond, watch, book, sinks)."""
    p.tracker.process = _timed(clock, "tracker", p.tracker.process)
    p.tracker.flush = _timed(clock, "tracker", p.tracker.flush)
    p.identifier.identify = _timed(clock, "identify", p.identifier.identify)
    p.responder.observe = _timed(clock, "respond", p.responder.observe)
    p.watch.process = _timed(clock, "watch", p.watch.process)
    p.watch.finish = _timed(clock, "watch", p.watch.finish)
    p._book = _timed(clock, "book", p._book)
    p._write = _timed(clock, "sinks", p._write)
    if hasattr(p, "_step_transaction"):  # one transaction per step: its begin and commit
        p._step_transaction = _timed_context(clock, "commit", p._step_transaction)


def _timed_context(clock: dict[str, float], stage: str, fn: Callable[..., Any]) -> Any:
    """``fn`` (a context manager factory) with its entry and exit timed in ``clock`` (the
    stage added when the caller's clock has none: ``live_batches.py`` keeps its own
    list); what is timed inside its block is not counted (the step's commit is at its
    exit)."""
    from contextlib import contextmanager

    @contextmanager
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[None]:
        start = time.process_time()
        cm = fn(*args, **kwargs)
        cm.__enter__()
        clock[stage] = clock.get(stage, 0.0) + time.process_time() - start
        try:
            yield
        except BaseException as exc:
            if not cm.__exit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            start = time.process_time()
            cm.__exit__(None, None, None)
            clock[stage] = clock.get(stage, 0.0) + time.process_time() - start

    return wrapper


def child(path: Path, db: Path, dump: Path | None = None) -> dict[str, Any]:
    """Replay ``path`` as ``airsentry replay`` does; the figures as a dict. With ``dump``,
    every event (canonical JSON, one a line) and every incident as last saved go there
    (``tools/replay_equivalence.py`` compares them between revisions)."""
    from airsentry.build import open_run
    from airsentry.cli._common import chunks
    from airsentry.config import DeploymentConfig
    from airsentry.sources.base import Quarantine, read_file

    clock = dict.fromkeys(STAGES, 0.0)
    first: list[float] = []
    reports = 0
    events = 0
    deployment = DeploymentConfig(db=db)
    quarantine = Quarantine()

    def batches() -> Iterator[Any]:
        nonlocal reports
        it = iter(read_file(path, "opensky", quarantine))
        while True:
            start = time.process_time()
            batch = next(it, None)
            clock["decode"] += time.process_time() - start
            if batch is None:
                return
            for piece in chunks(batch):
                if not first:
                    first.append(time.process_time())
                reports += len(piece)
                yield piece

    with open_run(deployment) as run:
        ready = time.process_time()
        p = run.pipeline
        time_stages(p, clock)
        if dump is None:  # as ``airsentry replay`` runs: nothing kept
            p.consume(batches())
            kept = []
        else:
            kept = p.run(batches())
        events = run.totals.events
        booked = run.incidents()
        incidents = len(booked)
    total = time.process_time()
    if dump is not None:
        _dump(dump, [e for step in kept for e in step.events], booked)
    return {
        "reports": reports,
        "events": events,
        "incidents": incidents,
        "startup": ready,
        "first": first[0] if first else total,
        "total": total,
        "rss_mb": peak_rss_mb(),
        "stages": clock,
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def _dump(path: Path, events: Sequence[Any], incidents: Sequence[Any]) -> None:
    """Events as canonical JSON lines, then the incidents with their events."""
    from airsentry.incidents.codec import dumps

    lines = [dumps(e.to_dict()) for e in events]
    lines += [dumps(i.to_dict(with_events=True)) for i in incidents]
    path.write_text("\n".join(lines) + "\n")


def run_child(
    src: Path, path: Path, folder: Path, *, script: str = __file__, extra: Sequence[str] = ()
) -> dict[str, Any]:
    """Run ``script --child PATH --db NEW_DB [extra]`` with ``src`` on the path; its last
    line of output, JSON, as a dict (``script``: another benchmark's own child)."""
    import subprocess
    import tempfile

    db = Path(tempfile.mkdtemp(dir=folder)) / "bench.sqlite"
    out = subprocess.run(
        [sys.executable, script, "--child", str(path), "--db", str(db), *extra],
        env=child_env(src),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"run failed ({src}):\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def child_env(src: Path) -> dict[str, str]:
    """The environment of a measured child: ``src`` on the path, bytecode written."""
    return dict(_with_bytecode(), PYTHONPATH=str(src))


def _with_bytecode() -> dict[str, str]:
    """The environment without ``PYTHONDONTWRITEBYTECODE``: start-up is measured as an
    installed package runs, from compiled bytecode (compiling costs 0.3+ CPU-s)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_source(src: Path) -> None:
    """Byte-compile ``src`` (a fresh ``git archive`` has no ``__pycache__``)."""
    import subprocess

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(src)],
        env=_with_bytecode(),
        check=True,
        capture_output=True,
    )


def baseline_source(ref: str, folder: Path) -> Path:
    """The ``src`` folder of revision ``ref``, extracted with ``git archive``."""
    import subprocess

    target = folder / f"baseline-{ref}"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def wheel(given: str | None) -> Path:
    path = given or os.environ.get("AIRSENTRY_TRAFFIC_WHEEL")
    if not path or not Path(path).is_file():
        raise SystemExit("give the traffic 2.13 wheel: --wheel or AIRSENTRY_TRAFFIC_WHEEL")
    return Path(path)


def summarise(name: str, runs: list[dict[str, Any]]) -> dict[str, float]:
    import statistics

    med = {
        k: statistics.median(r[k] for r in runs) for k in ("total", "startup", "first", "rss_mb")
    }
    reports = runs[0]["reports"]
    stages = {s: statistics.median(r["stages"][s] for r in runs) for s in STAGES}
    rate = reports / med["total"]
    split = "  ".join(f"{s} {v:.2f}" for s, v in stages.items())
    print(
        f"  {name:<10} {rate:>12,.0f} reports/CPU-s  start-up {med['startup']:.2f} CPU-s  "
        f"first report {med['first']:.2f} CPU-s  peak RSS {med['rss_mb']:.0f} MB  "
        f"events {runs[0]['events']:,}  incidents {runs[0]['incidents']}"
    )
    print(f"  {'':<10} CPU-s per stage: {split}")
    return {"rate": rate, **med}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--wheel")
    parser.add_argument("--sample", choices=sorted(SAMPLES), default="quickstart")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.db, args.dump)))
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, pq_path, rows = build_input(wheel(args.wheel), args.sample, args.copies, folder)
        versions = {"current": ROOT / "src"}
        if not args.no_baseline:
            versions[f"baseline {args.baseline}"] = baseline_source(args.baseline, folder)
        for src in versions.values():
            compile_source(src)
        print(f"input: {args.sample} x{args.copies} = {rows:,} OpenSky rows")
        for label, path in (("CSV", csv_path), ("Parquet", pq_path)):
            results: dict[str, list[dict[str, Any]]] = {v: [] for v in versions}
            for _ in range(args.runs):  # interleaved: one run of each version in turn
                for name, src in versions.items():
                    results[name].append(run_child(src, path, folder))
            print(f"{label} (medians of {args.runs}):")
            figures = {name: summarise(name.split()[0], runs) for name, runs in results.items()}
            if len(figures) == 2:
                cur, base = figures.values()
                print(
                    f"  ratio current/baseline: {cur['rate'] / base['rate']:.2f}x throughput, "
                    f"start-up {base['startup'] / cur['startup']:.2f}x less CPU"
                )


if __name__ == "__main__":
    main()
