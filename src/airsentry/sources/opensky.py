"""OpenSky Network historical state vectors, from CSV (optionally gzipped) or Parquet.

The columns are those of OpenSky's Impala table ``state_vectors_data4``::

    time icao24 lat lon velocity heading vertrate callsign onground alert spi squawk
    baroaltitude geoaltitude lastposupdate lastcontact

in any order, with any extra columns (ignored). ``time``, ``icao24``, ``lat`` and
``lon`` are required: a file without one of them is quarantined as a whole, with the
header, and yields nothing. Units are already SI (m, m/s, degrees, epoch seconds).

Mapping onto :class:`~airsentry.model.ReportBatch`:

* ``t`` is ``lastposupdate`` (when the position was last updated) where known, else
  ``time``: OpenSky repeats a state every few seconds, and the position in it may be
  older than the row's ``time``. A repeated position therefore reports the same
  ``t``; such duplicates are legitimate and kept.
* ``alt`` is ``geoaltitude`` (GNSS height), falling back to ``baroaltitude``: zones
  have geometric floors and ceilings, and barometric (pressure) altitude departs from
  the geometric height by hundreds of metres as the weather changes, while GNSS height
  stays within tens of metres of it.
* ``vel_e``/``vel_n`` come from ``velocity`` (ground speed) along ``heading`` (true
  track), ``vel_u`` from ``vertrate``.
* ``alert`` and ``spi`` and ``lastcontact`` are not used (and not checked).

Rows whose ``lat`` and ``lon`` are both empty are valid (OpenSky saw the aircraft but
had no position yet): they are counted as skipped, "no position". Empty lines are
counted as skipped too. Every other bad row is quarantined with its 1-based line
number (the header is line 1; for Parquet, the row number).

CSV text is read with pyarrow as bytes, column by column, so that a bad cell rejects
its row and never the block; rows with a wrong number of fields reach pyarrow's
invalid-row handler. Lines are ended by ``\\n``, ``\\r\\n`` or ``\\r``; values may
be quoted but may not contain line breaks, so a line whose quotes do not pair up is
rejected on its own instead of swallowing the lines after it.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from airsentry.errors import ConfigError, DecodeError
from airsentry.model import BoolArray, FloatArray, IntArray, ReportBatch
from airsentry.sources import _columns as col
from airsentry.sources._cleantext import CleanText
from airsentry.sources._lines import Document, DocumentDecoder
from airsentry.sources.base import Quarantine, register

REQUIRED = ("time", "icao24", "lat", "lon")
OPTIONAL = (
    "velocity",
    "heading",
    "vertrate",
    "callsign",
    "onground",
    "squawk",
    "baroaltitude",
    "geoaltitude",
    "lastposupdate",
)

_BOUNDS: dict[str, tuple[float, float]] = {
    "time": col.EPOCH_RANGE,
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "velocity": (0.0, 2_000.0),
    "heading": (0.0, 360.0),
    "vertrate": (-1_000.0, 1_000.0),
    "baroaltitude": (-2_000.0, 100_000.0),
    "geoaltitude": (-2_000.0, 100_000.0),
    "lastposupdate": col.EPOCH_RANGE,
}
_TRUE = ("true", "True", "TRUE", "1")
_FALSE = ("false", "False", "FALSE", "0")
_NULLS = ["", "NULL", "null", "None", "NaN", "nan"]
UNBALANCED = 'unbalanced double quote (")'


@dataclass
class _Progress:
    """Where a reader is, so a failure mid-file can say where it stopped."""

    line: int = 1
    invalid: list[int] = field(default_factory=list)  # lines of wrong-width rows, sorted
    folded: int = 0  # wrong-width rows before the current block, dropped from ``invalid``

    def lines(self, seen: int, n: int) -> IntArray:
        """File line numbers of the next ``n`` good rows, ``seen`` good rows in.

        Rows and lines correspond one to one (blank lines are kept as rows); the
        wrong-width rows pyarrow dropped are put back by counting, for each good row,
        the dropped rows before it: the j-th dropped row has ``row_j - j`` good rows
        before it.
        """
        k = np.arange(seen, seen + n, dtype=np.int64)
        dropped = np.asarray(self.invalid, dtype=np.int64) - 2  # 0-based data rows
        j = self.folded + np.arange(len(dropped), dtype=np.int64)
        rows = k + self.folded + np.searchsorted(dropped - j, k, side="right")
        lines = rows + 2
        if n:  # forget the dropped rows behind us, keeping their count
            done = bisect.bisect_left(self.invalid, int(lines[-1]))
            self.folded += done
            del self.invalid[:done]
            self.line = int(lines[-1])
        return lines


@register("opensky")
class OpenSkyDecoder(DocumentDecoder):
    """OpenSky state vectors: a document of CSV (plain or gzipped) or Parquet.

    The document is kept until ``flush`` and decoded from memory: Parquet (recognised
    by its ``PAR1`` magic) with pyarrow batch by batch, CSV text ``block_bytes`` at a
    time by pyarrow's streaming reader (a line must fit in a block); ``chunk_rows``
    caps the rows pyarrow hands over at a time.
    """

    def __init__(
        self,
        *,
        source: str = "opensky",
        recording: Path | None = None,
        chunk_rows: int = 100_000,
        block_bytes: int = 4 << 20,
    ) -> None:
        if chunk_rows < 1 or block_bytes < 1:
            raise ConfigError("opensky", "chunk_rows and block_bytes must be positive")
        self.chunk_rows = chunk_rows
        self.block_bytes = block_bytes
        self._doc = Document(source)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        """Decode the document; bad rows go to ``quarantine``."""
        data = self._doc.take()
        out = list(self._read(lambda: pa.BufferReader(data), quarantine))
        return ReportBatch.concat(out) if out else ReportBatch.empty()

    def read_path(
        self, path: Path, quarantine: Quarantine, block_bytes: int
    ) -> Iterator[ReportBatch]:
        """Decode a file as it is read, one bounded block at a time (never whole).

        CSV streams through pyarrow's reader ``block_bytes`` (this decoder's option, or
        the reader's when smaller) at a time; a Parquet file
        is read row group by row group from disk. Only a compressed Parquet file (rare:
        Parquet compresses its own pages) is decompressed into memory first. The
        reports and rejects are those of ``feed``-ing the file's bytes and ``flush``.
        """
        where = str(path)
        with pa.input_stream(where, compression="detect") as probe:
            head = probe.read(4)
        with pa.OSFile(where) as raw:
            on_disk = raw.read(4) == head  # not decompressed on the way: seekable
        yield from self._read(
            lambda: pa.input_stream(where, compression="detect"),
            quarantine,
            block_bytes=min(block_bytes, self.block_bytes),
            seekable=lambda: pa.OSFile(where) if on_disk else None,
        )

    def _read(
        self,
        open_stream: Callable[[], Any],
        quarantine: Quarantine,
        *,
        seekable: Callable[[], Any] | None = None,
        block_bytes: int | None = None,
    ) -> Iterator[ReportBatch]:
        """The reports of a document, whose bytes ``open_stream`` opens afresh each time
        (gzip magic: decompressed as read); ``seekable`` opens it for random access
        (Parquet), when it can (else a Parquet document is read into memory)."""
        source = self._doc.source
        progress = _Progress()
        try:
            with open_stream() as fh:
                head = fh.read(4)
            if head[:2] == b"\x1f\x8b":
                first = open_stream

                def open_stream() -> Any:
                    return pa.CompressedInputStream(first(), "gzip")

                seekable = None
                with open_stream() as fh:
                    head = fh.read(4)
            if head == b"PAR1":
                opened = seekable() if seekable is not None else None
                if opened is None:
                    with open_stream() as fh:
                        opened = pa.BufferReader(fh.read())
                yield from self._read_parquet(opened, source, quarantine, progress)
            else:
                block = block_bytes or self.block_bytes
                yield from self._read_csv(open_stream, source, quarantine, progress, block)
        except (OSError, EOFError, pa.ArrowException, UnicodeError, csv.Error) as exc:
            reason = f"file unreadable after line {progress.line}: {exc}"
            quarantine.reject(DecodeError(reason, source=source, line=progress.line), "")

    # -- CSV -------------------------------------------------------------------------

    def _read_csv(
        self,
        open_stream: Callable[[], Any],
        source: str,
        quarantine: Quarantine,
        progress: _Progress,
        block_bytes: int,
    ) -> Iterator[ReportBatch]:
        header_line, more = _first_line(open_stream())
        if not header_line and not more:
            quarantine.reject(DecodeError("empty file: no header", source=source, line=1), "")
            return
        try:
            names = next(csv.reader([header_line]), [])
        except csv.Error:
            names = header_line.split(",")
        columns = _locate(names, source, quarantine, header_line)
        if columns is None or not more:
            return
        width = len(names)
        internal = [f"c{i}" for i in range(width)]

        def on_invalid(row: Any) -> str:
            # pyarrow numbers rows from the header (line 1), blank lines included.
            line = int(row.number) if row.number is not None else -1
            progress.invalid.append(line)
            reason = f"expected {width} fields, got {row.actual_columns}"
            if line in stream.unbalanced:
                reason = UNBALANCED
            raw = stream.unbalanced.get(line, str(row.text))
            quarantine.reject(DecodeError(reason, source=source, line=line), raw)
            return "skip"

        stream = CleanText(open_stream(), block=block_bytes)
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(
                use_threads=False,  # row numbers reach the handler only when serial
                block_size=block_bytes,
                column_names=internal,
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(
                invalid_row_handler=on_invalid, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.binary() for c in internal},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=_NULLS,
            ),
        )
        seen = 0
        with reader:
            for batch in reader:
                n = batch.num_rows
                lines = progress.lines(seen, n)
                seen += n
                cells = {key: batch.column(internal[i]) for key, i in columns.items()}
                blank = ~np.logical_or.reduce([col.present(c) for c in batch.columns])
                broken = np.isin(lines, np.fromiter(stream.unbalanced, np.int64))
                raw = _csv_raw(batch, lines, stream.unbalanced)
                yield _decode(cells, lines, blank, broken, source, quarantine, raw)

    # -- Parquet ---------------------------------------------------------------------

    def _read_parquet(
        self, opened: Any, source: str, quarantine: Quarantine, progress: _Progress
    ) -> Iterator[ReportBatch]:
        with pq.ParquetFile(opened) as pf:
            names = list(pf.schema_arrow.names)
            columns = _locate(names, source, quarantine, ",".join(names))
            if columns is None:
                return
            wanted = sorted(columns.values())
            done = 0
            for batch in pf.iter_batches(
                batch_size=self.chunk_rows, columns=[names[i] for i in wanted], use_threads=False
            ):
                n = batch.num_rows
                lines = np.arange(done + 1, done + n + 1, dtype=np.int64)
                cells = {key: batch.column(names[i]) for key, i in columns.items()}
                nothing = np.zeros(n, dtype=np.bool_)
                raw = _parquet_raw(batch)
                out = _decode(cells, lines, nothing, nothing, source, quarantine, raw)
                done += n
                progress.line = done
                yield out


def _first_line(raw: Any) -> tuple[str, bool]:
    """The header (the first line, ended by ``\\n``, ``\\r\\n`` or ``\\r``) of the
    stream ``raw`` (closed after), and whether anything follows it."""
    with CleanText(raw) as fh:
        head = fh.read(1 << 20) or b""
    parts = re.split(r"\r\n|\r|\n", head.decode("utf-8"), maxsplit=1)
    return parts[0], (len(parts) > 1 and bool(parts[1])) or len(head) >= 1 << 20


def _locate(
    names: list[str], source: str, quarantine: Quarantine, header: str
) -> dict[str, int] | None:
    """Column positions by canonical name; None (and a quarantined file) if unusable."""
    positions: dict[str, int] = {}
    duplicated: list[str] = []
    for i, name in enumerate(names):
        key = name.strip().lower()
        if key in positions and key in (*REQUIRED, *OPTIONAL):
            duplicated.append(key)
        positions.setdefault(key, i)
    missing = [c for c in REQUIRED if c not in positions]
    reason = ""
    if missing:
        reason = "missing required column(s): " + ", ".join(missing)
    elif duplicated:
        reason = "column(s) appear more than once: " + ", ".join(sorted(set(duplicated)))
    if reason:
        quarantine.reject(DecodeError(reason, source=source, line=1), header)
        return None
    return {k: i for k, i in positions.items() if k in (*REQUIRED, *OPTIONAL)}


def _csv_raw(
    batch: pa.RecordBatch, lines: IntArray, originals: dict[int, str]
) -> Callable[[int], str]:
    """The text of row ``i``: rebuilt from its cells (pyarrow does not keep the line),
    or as it was when the cleaner had to change it."""

    def raw(i: int) -> str:
        if int(lines[i]) in originals:
            return originals[int(lines[i])]
        cells = [c[i].as_py() for c in batch.columns]
        out = io.StringIO()
        text = [c.decode("utf-8", "backslashreplace") if c is not None else "" for c in cells]
        csv.writer(out, lineterminator="").writerow(text)
        return out.getvalue()

    return raw


def _parquet_raw(batch: pa.RecordBatch) -> Callable[[int], str]:
    def raw(i: int) -> str:
        row = {name: batch.column(name)[i].as_py() for name in batch.schema.names}
        return json.dumps(row, default=str)

    return raw


def _decode(
    cells: dict[str, pa.Array],
    lines: IntArray,
    blank: BoolArray,
    broken: BoolArray,
    source: str,
    quarantine: Quarantine,
    raw: Callable[[int], str],
) -> ReportBatch:
    """Check and convert one block; quarantine and count what does not become a report.

    ``blank`` rows are empty lines; ``broken`` rows had unpaired quotes.
    """
    n = len(lines)
    v = col.Verdicts(n)
    v.flag(broken, lambda i: UNBALANCED)
    blank = blank & ~broken
    nothing = pa.nulls(n, pa.binary())

    def number(name: str, required: bool = False) -> FloatArray:
        return col.parse_float(cells.get(name, nothing), name, v, _BOUNDS[name], required=required)

    time = number("time", required=True)
    icao = col.parse_text(
        cells["icao24"], "icao24", v, r"^[0-9a-fA-F]{6}$", "6 hex digits", required=True
    )
    lat, lon = number("lat"), number("lon")
    v.flag(np.isnan(lon) & ~np.isnan(lat), lambda i: "lat given without lon")
    v.flag(np.isnan(lat) & ~np.isnan(lon), lambda i: "lon given without lat")
    speed, heading, vertrate = number("velocity"), number("heading"), number("vertrate")
    callsign = col.parse_text(
        cells.get("callsign", nothing), "callsign", v, col.PRINTABLE, "printable ASCII"
    )
    on_ground = col.parse_flag(cells.get("onground", nothing), "onground", v, _TRUE, _FALSE)
    squawk = col.parse_squawk(cells.get("squawk", nothing), "squawk", v)
    baro, geo = number("baroaltitude"), number("geoaltitude")
    lastpos = number("lastposupdate")

    rejected = v.bad & ~blank
    for i in np.flatnonzero(rejected):  # rejected rows only
        err = DecodeError(v.reasons[int(i)], source=source, line=int(lines[i]))
        quarantine.reject(err, raw(int(i)))
    quarantine.skip("blank line", int(blank.sum()))
    good = ~v.bad & ~blank
    keep = good & ~np.isnan(lat)
    quarantine.skip("no position", int((good & np.isnan(lat)).sum()))

    idx = pa.array(np.flatnonzero(keep))
    vel_e, vel_n = col.velocity_en(speed[keep], heading[keep])
    identity = col.to_objects(pc.binary_join_element_wise("icao:", pc.utf8_lower(icao), ""))
    return ReportBatch.build(
        t=np.where(np.isfinite(lastpos), lastpos, time)[keep],
        lat=lat[keep],
        lon=lon[keep],
        alt=np.where(np.isnan(geo), baro, geo)[keep],
        vel_e=vel_e,
        vel_n=vel_n,
        vel_u=vertrate[keep],
        sensor="opensky",
        identity=identity[keep],
        callsign=col.to_objects(pc.utf8_trim_whitespace(callsign.take(idx))),
        squawk=squawk[keep],
        transponder=True,
        on_ground=on_ground[keep],
    )
