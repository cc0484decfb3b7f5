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
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from airsentry.errors import ConfigError, DecodeError
from airsentry.model import IntArray, ReportBatch
from airsentry.sources import _columns as col
from airsentry.sources import _opensky_rows as checks
from airsentry.sources._cleantext import CleanText
from airsentry.sources._lines import Document, DocumentDecoder
from airsentry.sources.base import Quarantine, register

_NULLS = ["", "NULL", "null", "None", "NaN", "nan"]


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
        columns = checks.locate(names, source, quarantine, header_line)
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
                reason = checks.UNBALANCED
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
                raw = checks.csv_raw(batch, lines, stream.unbalanced)
                yield checks.decode(cells, lines, blank, broken, source, quarantine, raw)

    # -- Parquet ---------------------------------------------------------------------

    def _read_parquet(
        self, opened: Any, source: str, quarantine: Quarantine, progress: _Progress
    ) -> Iterator[ReportBatch]:
        import pyarrow.parquet as pq  # here: a CSV replay's start-up does without it

        with pq.ParquetFile(opened) as pf:
            names = list(pf.schema_arrow.names)
            columns = checks.locate(names, source, quarantine, ",".join(names))
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
                raw = checks.parquet_raw(batch)
                out = checks.decode(cells, lines, nothing, nothing, source, quarantine, raw)
                done += n
                progress.line = done
                yield out


def _first_line(raw: Any) -> tuple[str, bool]:
    """The header (the first line, ended by ``\n``, ``\r\n`` or ``\r``) of the
    stream ``raw`` (closed after), and whether anything follows it.

    Read in small steps (a header is short) up to 1 MiB: cleaning a whole MiB to find
    a line of a hundred bytes cost 16 ms of every start-up."""
    step, limit = 1 << 14, 1 << 20
    head = b""
    with CleanText(raw, block=step) as fh:
        while len(head) < limit:
            chunk = fh.read(step) or b""
            head += chunk
            # a break seen with a byte after it (a "\r" may begin "\r\n"), or the end
            brk = re.search(rb"\r\n|\r|\n", head)
            if not chunk or (brk is not None and brk.end() < len(head)):
                break
    parts = re.split(r"\r\n|\r|\n", head.decode("utf-8"), maxsplit=1)
    return parts[0], (len(parts) > 1 and bool(parts[1])) or len(head) >= limit
