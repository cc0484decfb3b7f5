"""OpenSky state vectors, one block at a time: the columns, their checks and the rows.

:mod:`.opensky` reads the files (CSV or Parquet) and hands each block's cells here;
this module finds the columns, checks every cell, quarantines bad rows with their
line and text, and turns the rest into a :class:`~airsentry.model.ReportBatch`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from airsentry.errors import DecodeError
from airsentry.model import BoolArray, FloatArray, IntArray, ReportBatch
from airsentry.sources import _columns as col
from airsentry.sources.base import Quarantine

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
UNBALANCED = 'unbalanced double quote (")'


def locate(
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


def csv_raw(
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


def parquet_raw(batch: pa.RecordBatch) -> Callable[[int], str]:
    def raw(i: int) -> str:
        row = {name: batch.column(name)[i].as_py() for name in batch.schema.names}
        return json.dumps(row, default=str)

    return raw


def decode(
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
