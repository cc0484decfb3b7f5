"""Times of SBS (BaseStation) messages: wall-clock date and time text in a configured
time zone to epoch seconds UTC, vectorised over a block (:mod:`airsentry.sources.sbs`)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from airsentry.errors import ConfigError
from airsentry.model import FloatArray
from airsentry.sources import _columns as col

_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def zone(tz: str | tzinfo) -> tzinfo:
    """The time zone the feed's clock runs in: a tzinfo, "UTC", or an IANA name."""
    if isinstance(tz, tzinfo):
        return tz
    if tz.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError):
        raise ConfigError("tz", f"unknown time zone {tz!r}") from None


def wall_seconds(date: pa.Array, clock: pa.Array, v: col.Verdicts) -> FloatArray:
    """Seconds since 1970-01-01 00:00 of wall-clock date and time text; NaN if bad."""
    d = pc.fill_null(date, "1970/01/01")
    h = pc.fill_null(clock, "00:00:00")

    def part(a: pa.Array, start: int, stop: int) -> FloatArray:
        piece = pc.utf8_slice_codeunits(a, start, stop)
        return np.asarray(
            pc.cast(piece, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )

    year, month, day = part(d, 0, 4), part(d, 5, 7), part(d, 8, 10)
    hour, minute, second = part(h, 0, 2), part(h, 3, 5), part(h, 6, 64)
    mi = np.clip(month, 1, 12).astype(np.int64)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    mdays = _DAYS_IN_MONTH[mi - 1] + ((mi == 2) & leap)
    bad_date = ~((year >= 1970) & (year <= 2099) & (month == mi) & (day >= 1) & (day <= mdays))
    v.flag(bad_date, lambda i: f"date generated {col.cell_text(d, i)!r} is not a date in 1970-2099")
    bad_time = ~((hour < 24) & (minute < 60) & (second < 60))
    v.flag(bad_time, lambda i: f"time generated {col.cell_text(h, i)!r} is not a time of day")
    # Days from the civil date (H. Hinnant's algorithm), for whole arrays at once.
    y = year.astype(np.int64) - (mi <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mi + np.where(mi > 2, -3, 9)) + 2) // 5 + day.astype(np.int64) - 1
    days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
    seconds = days * 86_400.0 + hour * 3_600.0 + minute * 60.0 + second
    return np.where(v.bad, np.nan, seconds)


def utc_seconds(wall: FloatArray, tz: tzinfo) -> FloatArray:
    """Epoch seconds of wall-clock seconds in ``tz``.

    The offset is looked up once per distinct quarter hour (time zones change offset on
    quarter hours), not once per row.
    """
    if tz is UTC:
        return wall
    ok = np.isfinite(wall)
    quarter = np.floor(wall[ok] / 900.0)
    uniq, inverse = np.unique(quarter, return_inverse=True)
    offsets = np.array([_offset(q * 900.0, tz) for q in uniq], dtype=np.float64)
    out = wall.copy()
    out[ok] = wall[ok] - offsets[inverse]
    return out


def _offset(wall: float, tz: tzinfo) -> float:
    local = datetime.fromtimestamp(wall, tz=UTC).replace(tzinfo=tz)
    delta = local.utcoffset()
    return delta.total_seconds() if delta is not None else 0.0
