"""ADS-B as a receiver sends it: Mode S DF17 extended squitters framed as Mode-S Beast.

The simulator's (and the live benchmark's) writer of what :mod:`airsentry.sources.beast`
reads, so that tests and benchmarks exercise the binary decoder with real frames:

* **DF17 extended squitters** (112 bits: DF 17, CA 5, the 24-bit ICAO address, a 56-bit
  ME field, then the 24-bit CRC parity, generator 0xFFF409): TC 4 aircraft
  identification (emitter category and callsign in the 6-bit ICAO alphabet), TC 11
  airborne position (barometric altitude in 25 ft steps with the Q bit, CPR latitude
  and longitude of the even or odd format, DO-260B §A.1.7), TC 19 subtype 1 airborne
  velocity (east-west and north-south ground speed in knots, vertical rate in 64 ft/min);
* **Beast framing**: ``0x1a '3'``, the 48-bit big-endian 12 MHz counter, one signal
  byte and the 14 message bytes, every ``0x1a`` after the frame marker sent twice.

Everything is array work over the frames (one row per message). Encoding rounds as the
wire does (positions to the CPR cell, about 5 m; speeds to a knot; climb to 64 ft/min),
so a decoded report differs from what was encoded by at most that resolution.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from airsentry.model import FloatArray, ReportBatch
from airsentry.sources.modes import cpr
from airsentry.sources.modes import fields as fl

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

ESC = 0x1A
LONG_FRAME = 0x33  # Beast type '3': a 112-bit Mode S frame
TICKS_PER_S = 12e6
FT = 0.3048
KT = 1852.0 / 3600.0
FPM = FT / 60.0
# The ICAO 6-bit character set of callsigns: A-Z are 1-26, space 32, digits 48-57.
_CHARS = np.full(256, 32, dtype=np.uint64)
_CHARS[np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)] = np.arange(1, 27)
_CHARS[np.frombuffer(b"0123456789", np.uint8)] = np.arange(48, 58)


def icao_numbers(identity: npt.NDArray[Any]) -> I64:
    """24-bit addresses of identities written ``icao:xxxxxx``."""
    text = np.char.replace(np.asarray(identity, dtype=str), "icao:", "")
    return np.array([int(h, 16) for h in text.tolist()], dtype=np.int64)


def _frames(icao: I64, me: npt.NDArray[np.uint64]) -> U8:
    """DF17 frames (n, 14) of addresses and ME fields, the CRC parity filled in."""
    n = len(icao)
    word = (np.uint64(17 << 3 | 5) << np.uint64(24)) | icao.astype(np.uint64)
    out = np.zeros((n, 14), dtype=np.uint8)
    for k in range(4):
        out[:, k] = (word >> np.uint64(8 * (3 - k))) & np.uint64(0xFF)
    for k in range(7):
        out[:, 4 + k] = (me >> np.uint64(8 * (6 - k))) & np.uint64(0xFF)
    # With zero parity bytes the remainder is the CRC of the first 88 bits itself.
    crc = fl.crc_remainder(out, np.ones(n, dtype=np.bool_)).astype(np.uint64)
    for k in range(3):
        out[:, 11 + k] = (crc >> np.uint64(8 * (2 - k))) & np.uint64(0xFF)
    return out


def identification(icao: I64, callsign: npt.NDArray[Any], category: npt.NDArray[Any]) -> U8:
    """TC 1-4 frames: emitter category (``"A3"``: set A = TC 4 ... D = TC 1, category
    3; empty: A0, no information) and up to 8 callsign characters."""
    n = len(icao)
    cat = np.char.upper(np.asarray(category, dtype=str))
    two = np.frombuffer(np.char.ljust(cat, 2, "?").astype("S2").tobytes(), np.uint8)
    two = two.reshape(n, 2).astype(np.int64)
    valid = (np.char.str_len(cat) == 2) & np.isin(two[:, 0], np.frombuffer(b"ABCD", np.uint8))
    valid &= (two[:, 1] >= ord("0")) & (two[:, 1] <= ord("7"))
    tc = np.where(valid, 4 - (two[:, 0] - ord("A")), 4)
    sub = np.where(valid, two[:, 1] - ord("0"), 0)
    text = np.char.upper(np.char.ljust(np.asarray(callsign, dtype=str), 8)).astype("S8")
    codes = _CHARS[np.frombuffer(text.tobytes(), np.uint8).reshape(n, 8)]
    me = (tc.astype(np.uint64) << np.uint64(51)) | (sub.astype(np.uint64) << np.uint64(48))
    for k in range(8):
        me |= codes[:, k] << np.uint64(6 * (7 - k))
    return _frames(icao, me)


def cpr_encode(lat: FloatArray, lon: FloatArray, odd: npt.NDArray[np.bool_]) -> tuple[I64, I64]:
    """17-bit airborne CPR latitude and longitude of the even (``odd`` False) or odd
    format (DO-260B §A.1.7.3)."""
    i = odd.astype(np.float64)
    dlat = 360.0 / (4 * cpr.NZ - i)
    yz = np.floor(cpr.CPR_SCALE * np.mod(lat, dlat) / dlat + 0.5)
    rlat = dlat * (yz / cpr.CPR_SCALE + np.floor(lat / dlat))
    zones = cpr.nl(rlat) - i
    dlon = np.where(zones > 0, 360.0 / np.maximum(zones, 1), 360.0)
    xz = np.floor(cpr.CPR_SCALE * np.mod(lon, dlon) / dlon + 0.5)
    mask = int(cpr.CPR_SCALE) - 1
    return yz.astype(np.int64) & mask, xz.astype(np.int64) & mask


def airborne_position(
    icao: I64, lat: FloatArray, lon: FloatArray, alt_m: FloatArray, odd: npt.NDArray[np.bool_]
) -> U8:
    """TC 11 frames: barometric altitude (25 ft steps, Q bit set; 0 where NaN: not
    available) and the CPR position of the given format."""
    n_ft = np.round((alt_m / FT + 1000.0) / 25.0)
    ok = np.isfinite(n_ft) & (n_ft >= 0) & (n_ft <= 2047)
    n = np.where(ok, n_ft, 0).astype(np.int64)
    ac12 = np.where(ok, ((n >> 4) << 5) | 0x10 | (n & 0xF), 0)
    yz, xz = cpr_encode(lat, lon, odd)
    me = (
        (np.uint64(11) << np.uint64(51))
        | (ac12.astype(np.uint64) << np.uint64(36))
        | (odd.astype(np.uint64) << np.uint64(34))
        | (yz.astype(np.uint64) << np.uint64(17))
        | xz.astype(np.uint64)
    )
    return _frames(icao, me)


def _signed(value: FloatArray, unit: float, limit: int) -> tuple[I64, I64]:
    """Sign bit and ``|value| / unit + 1`` (0 where NaN: not available), capped."""
    steps = np.round(np.abs(np.nan_to_num(value)) / unit) + 1
    mag: I64 = np.where(np.isfinite(value), np.minimum(steps, limit), 0).astype(np.int64)
    return (np.nan_to_num(value) < 0).astype(np.int64), mag


def airborne_velocity(icao: I64, ve: FloatArray, vn: FloatArray, vu: FloatArray) -> U8:
    """TC 19 subtype 1 frames: ground velocity east/north (kt), vertical rate (64 ft/min)."""
    horizontal = np.isfinite(ve) & np.isfinite(vn)
    ew_sign, ew = _signed(np.where(horizontal, ve, np.nan), KT, 1023)
    ns_sign, ns = _signed(np.where(horizontal, vn, np.nan), KT, 1023)
    vr_sign, vr = _signed(vu, 64 * FPM, 511)
    fields_ = [(19, 51), (1, 48), (ew_sign, 42), (ew, 32), (ns_sign, 31), (ns, 21)]
    fields_ += [(vr_sign, 19), (vr, 10)]
    me = np.zeros(len(icao), dtype=np.uint64)
    for value, shift in fields_:
        me |= np.asarray(value, dtype=np.int64).astype(np.uint64) << np.uint64(shift)
    return _frames(icao, me)


def beast_frames(frames: U8, ticks: npt.NDArray[Any], signal: int = 0x80) -> U8:
    """The unescaped Beast records (n, 23) of long frames: marker, type, counter,
    signal, message. :func:`escape` makes them a byte stream."""
    n = len(frames)
    out = np.empty((n, 23), dtype=np.uint8)
    out[:, 0], out[:, 1], out[:, 8] = ESC, LONG_FRAME, signal
    set_ticks(out, ticks)
    out[:, 9:] = frames
    return out


def set_ticks(records: U8, ticks: npt.NDArray[Any]) -> None:
    """Write 48-bit counters into the records of :func:`beast_frames` (in place)."""
    t = np.asarray(ticks).astype(np.uint64) & np.uint64((1 << 48) - 1)
    for k in range(6):
        records[:, 2 + k] = (t >> np.uint64(8 * (5 - k))) & np.uint64(0xFF)


def escape(records: U8) -> bytes:
    """The byte stream of Beast records: every 0x1a after a record's marker doubled."""
    flat = records.reshape(-1)
    times = 1 + (flat == ESC)
    times.reshape(records.shape)[:, 0] = 1
    return np.repeat(flat, times).tobytes()


def beast_records(batch: ReportBatch, epoch: float, odd: npt.NDArray[np.bool_] | None = None) -> U8:
    """Beast records of ADS-B reports in time order, counter tick 0 at epoch time
    ``epoch``: per report its velocity then its position, each aircraft's positions
    alternating even and odd CPR (even first), its first report preceded by its
    identification. ``odd`` (per report of ``batch``) chooses the CPR formats instead,
    for a caller that sends an aircraft's reports over several calls."""
    order = np.argsort(batch.t, kind="stable")
    b = batch.take(order)
    icao = icao_numbers(b.identity)
    _, first, inverse = np.unique(icao, return_index=True, return_inverse=True)
    nth = np.empty(len(b), dtype=np.int64)  # occurrence number of each report per aircraft
    count = np.bincount(inverse, minlength=len(first))
    starts = np.r_[0, np.cumsum(count)[:-1]]
    by_aircraft = np.argsort(inverse, kind="stable")
    nth[by_aircraft] = np.arange(len(b)) - np.repeat(starts, count)
    odd = nth % 2 == 1 if odd is None else np.asarray(odd, dtype=np.bool_)[order]
    ticks = np.round((b.t - epoch) * TICKS_PER_S)
    ident = identification(icao[first], b.callsign[first], b.category[first])
    vel = airborne_velocity(icao, b.vel_e, b.vel_n, b.vel_u)
    pos = airborne_position(icao, b.lat, b.lon, b.alt, odd)
    records = np.concatenate(
        [beast_frames(ident, ticks[first]), beast_frames(vel, ticks), beast_frames(pos, ticks)]
    )
    # each aircraft's identification just before its first report: the counter never
    # steps back (the decoder reads a step back of over a second as a receiver restart)
    place = np.r_[3 * first, 3 * np.arange(len(b)) + 1, 3 * np.arange(len(b)) + 2]
    out: U8 = records[np.argsort(place, kind="stable")]
    return out


def beast_bytes(batch: ReportBatch, epoch: float) -> bytes:
    """:func:`beast_records` as the byte stream a receiver's port 30005 sends."""
    return escape(beast_records(batch, epoch))
