"""Mode S field extraction over whole arrays of frames.

Frames arrive as a ``uint8`` matrix of shape ``(n, 14)``: a long (112-bit) frame fills
the row, a short (56-bit) frame its first 7 bytes. Bit 0 is the most significant bit
of byte 0, as in ICAO Annex 10 Vol IV and pyModeS::

    bits 0-4    DF (downlink format)
    bits 5-7    CA / FS / CF (depending on DF)
    bits 8-31   AA: ICAO address (DF11/17/18); DF0/4/5/16/20/21: bits 19-31 AC or ID
    bits 32-87  ME / MB: 56-bit payload of long frames
    last 24     parity (AP or PI)

The 56-bit ME payload is packed into one ``uint64`` per frame and every field is read
with shifts and masks, for all frames at once, at the payload bit positions pyModeS
documents (``pyModeS.decoder.bds.bds05`` ...). The code tables that are fiddly to get
right (the Gillham altitude code, the interleaved squawk bits) are pyModeS's own
answers, one entry per possible code, shipped in ``data/code13.npz``
(``tools/build_modes_tables.py``), and indexed by array.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

FT = 0.3048
KT = 1852.0 / 3600.0
FPM = FT / 60.0
SIGMA_PER_R95 = 1.0 / 2.4477  # 2D Gaussian: 95 % of errors lie within 2.4477 sigma

_CRC_POLY = 0xFFF409
CALLSIGN_CHARS = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"
"""The 6-bit ICAO character set of identification messages ('#' marks invalid codes)."""

NACP_EPU_M = np.array(
    [np.nan, 18520, 7408, 3704, 1852, 926, 556, 185, 93, 30, 10, 3, *[np.nan] * 4]
)
"""NACp 0-15 → 95 % estimated position uncertainty bound (EPU, metres; DO-260B)."""

# Type code → 95 % containment radius (metres) of the position, used as an accuracy
# bound only when no NACp has been heard (NUCp/NIC tables of DO-260A/B, supplements 0).
TC_R95_M = np.full(32, np.nan)
TC_R95_M[[5, 6, 7]] = [7.5, 25.0, 185.0]
TC_R95_M[9:19] = [7.5, 25.0, 185.0, 370.0, 926.0, 1852.0, 3704.0, 14816.0, 37040.0, np.nan]
TC_R95_M[[20, 21]] = [7.5, 25.0]


def crc_table() -> npt.NDArray[np.uint32]:
    """The 256-entry byte table of the Mode S CRC-24 (generator 0xFFF409)."""
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i << 16
        for _ in range(8):
            c = ((c << 1) ^ _CRC_POLY) if c & 0x800000 else c << 1
        table[i] = c & 0xFFFFFF
    return table


_CRC = crc_table()


def crc_remainder(frames: U8, long: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint32]:
    """CRC-24 remainder of every frame: 0 for a good DF11/17/18, the address for DF4/5/20/21."""
    n = len(frames)
    crc = np.zeros(n, dtype=np.uint32)
    data = np.where(long, 11, 4)
    for k in range(11):
        byte = frames[:, k].astype(np.uint32)
        step = ((crc << np.uint32(8)) & np.uint32(0xFFFFFF)) ^ _CRC[((crc >> np.uint32(16)) ^ byte)]
        crc = np.where(k < data, step, crc)
    short_parity = _be(frames[:, 4:7])
    long_parity = _be(frames[:, 11:14])
    return crc ^ np.where(long, long_parity, short_parity).astype(np.uint32)


def _be(cols: U8) -> U64:
    """Big-endian integer of each row's bytes."""
    out = np.zeros(len(cols), dtype=np.uint64)
    for k in range(cols.shape[1]):
        out = (out << np.uint64(8)) | cols[:, k].astype(np.uint64)
    return out


def header(frames: U8) -> tuple[I64, I64, I64]:
    """DF, the 3 bits after it (CA/FS/CF), and the 24-bit address field AA."""
    df = (frames[:, 0] >> 3).astype(np.int64)
    ca = (frames[:, 0] & 7).astype(np.int64)
    aa = _be(frames[:, 1:4]).astype(np.int64)
    return df, ca, aa


def me_field(frames: U8) -> U64:
    """The 56-bit ME/MB payload (message bits 32-87) of long frames as uint64."""
    return _be(frames[:, 4:11])


def bits(word: U64, shift: int, width: int) -> I64:
    """``width`` bits of ``word`` ending ``shift`` bits above its least significant bit."""
    return ((word >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int64)


def code13(frames: U8) -> I64:
    """The 13-bit AC (DF0/4/16/20) or ID (DF5/21) field, message bits 19-31."""
    return (((frames[:, 2].astype(np.int64) & 0x1F) << 8) | frames[:, 3]).astype(np.int64)


@cache
def _tables() -> dict[str, npt.NDArray[Any]]:
    """The shipped code tables (``data/code13.npz``, made from pyModeS by
    ``tools/build_modes_tables.py``): read once, in well under a millisecond."""
    raw = resources.files("airsentry.sources.modes").joinpath("data", "code13.npz")
    with np.load(io.BytesIO(raw.read_bytes())) as npz:
        tables = {
            "altitude_ft": npz["altitude_ft"],
            "squawk": npz["squawk"].astype(str).astype(object),
        }
    for table in tables.values():
        table.flags.writeable = False  # shared by every decoder
    return tables


def _altitude_table() -> F64:
    """Feet of each 13-bit altitude code, as pyModeS's DF4 decoder gives it (NaN: none
    or metric)."""
    out: F64 = _tables()["altitude_ft"]
    return out


def _squawk_table() -> npt.NDArray[np.object_]:
    """Squawk text of each 13-bit identity code, as pyModeS's DF5 decoder gives it."""
    out: npt.NDArray[np.object_] = _tables()["squawk"]
    return out


def altitude_ft(code: I64) -> F64:
    """Altitude (ft) of 13-bit AC codes (Gillham 100 ft or 25 ft steps); NaN when absent."""
    out: F64 = _altitude_table()[code & 0x1FFF]
    return out


def squawk(code: I64) -> npt.NDArray[np.object_]:
    """Four octal digits of 13-bit ID codes."""
    out: npt.NDArray[np.object_] = _squawk_table()[code & 0x1FFF]
    return out


def ac12_to_ac13(ac12: I64) -> I64:
    """Insert the M bit (0) into the 12-bit AC of an airborne position (TC 9-18)."""
    return ((ac12 >> 6) << 7) | (ac12 & 0x3F)


def callsign_codes(me: U64) -> U64:
    """The 48 callsign bits of identification messages (TC 1-4), kept packed."""
    return me & np.uint64((1 << 48) - 1)


def callsign_text(packed: U64) -> npt.NDArray[np.object_]:
    """Callsign strings of packed 6-bit codes, trailing spaces removed."""
    table = np.frombuffer(CALLSIGN_CHARS.encode("ascii"), dtype=np.uint8)
    chars = np.stack(
        [
            table[((packed >> np.uint64(42 - 6 * i)) & np.uint64(0x3F)).astype(np.int64)]
            for i in range(8)
        ],
        axis=1,
    )
    text = np.ascontiguousarray(chars).view("S8").reshape(-1)
    return np.char.strip(text.astype("U8")).astype(object)


def category_text(tc: I64, cat: I64) -> npt.NDArray[np.object_]:
    """Emitter category as ADS-B names it: set letter D/C/B/A for TC 1/2/3/4, then 0-7.

    Category 0 means "no information" and becomes ``""``.
    """
    letters = np.array(["", "D", "C", "B", "A"], dtype=object)
    names = letters[np.clip(tc, 0, 4)] + np.char.mod("%d", cat).astype(object)
    return np.where((cat == 0) | (tc < 1) | (tc > 4), "", names).astype(object)


def surface_speed_kt(mov: I64) -> F64:
    """Ground speed (kt) of the 7-bit movement field of surface positions; NaN if unknown."""
    lb = np.array([2, 9, 13, 39, 94, 109, 124])
    kt_lb = np.array([0.125, 1, 2, 15, 70, 100, 175])
    step = np.array([0.125, 0.25, 0.5, 1, 2, 5, 0])
    i = np.clip(np.searchsorted(lb, mov, side="right") - 1, 0, 6)
    speed = kt_lb[i] + (mov - lb[i]) * step[i]
    speed = np.where(mov == 1, 0.0, speed)
    return np.where((mov == 0) | (mov > 124), np.nan, speed)


def airborne_velocity(me: U64) -> tuple[F64, F64, F64]:
    """East, north and up velocity (m/s) of TC 19 messages; NaN where not given.

    Subtypes 1 and 2 (ground speed, 2 = supersonic x4) give the east and north
    components directly. Subtypes 3 and 4 (air speed and heading) give no ground
    velocity and are left NaN horizontally; every subtype gives the vertical rate.
    """
    st = bits(me, 48, 3)
    ew_sign, ew = bits(me, 42, 1), bits(me, 32, 10)
    ns_sign, ns = bits(me, 31, 1), bits(me, 21, 10)
    vr_sign, vr = bits(me, 19, 1), bits(me, 10, 9)
    scale = np.where(st == 2, 4.0, 1.0)
    ground = ((st == 1) | (st == 2)) & (ew > 0) & (ns > 0)
    ve = np.where(ew_sign == 1, -1.0, 1.0) * (ew - 1) * scale * KT
    vn = np.where(ns_sign == 1, -1.0, 1.0) * (ns - 1) * scale * KT
    vu = np.where(vr_sign == 1, -1.0, 1.0) * (vr - 1) * 64.0 * FPM
    nan = np.nan
    return np.where(ground, ve, nan), np.where(ground, vn, nan), np.where(vr > 0, vu, nan)


def nacp(me: U64, tc: I64) -> F64:
    """NACp (0-15) of TC 29 subtype 1 and TC 31 (operational status); NaN elsewhere."""
    out = np.full(len(me), np.nan)
    tss = (tc == 29) & (bits(me, 49, 2) == 1)
    out[tss] = bits(me[tss], 13, 4)
    ops = (tc == 31) & (bits(me, 48, 3) <= 1)
    out[ops] = bits(me[ops], 8, 4)
    return out


def sil(me: U64, tc: I64) -> F64:
    """SIL (0-3) of TC 29 subtype 1 and TC 31 (DO-260B); NaN elsewhere."""
    out = np.full(len(me), np.nan)
    tss = (tc == 29) & (bits(me, 49, 2) == 1)
    out[tss] = bits(me[tss], 16, 2)
    ops = (tc == 31) & (bits(me, 48, 3) <= 1)
    out[ops] = bits(me[ops], 4, 2)
    return out


_TC_NIC = np.full(32, np.nan)
_TC_NIC[[5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22]] = [
    11,
    10,
    8,
    11,
    10,
    8,
    7,
    6,
    5,
    4,
    2,
    1,
    0,
    11,
    10,
    0,
]


def nic(tc: I64) -> F64:
    """NIC of a position's type code, the lower value where the NIC supplements would
    decide (DO-260B 2.2.3.2.3); NaN for TC 8 (0, 6 or 7) and non-positions. TC 18/22
    (NIC 0: containment unknown) is what a receiver without a GNSS fix sends."""
    return np.asarray(_TC_NIC[np.clip(tc, 0, 31)], dtype=np.float64)


def accuracy_m(nacp_values: F64, tc: I64) -> F64:
    """1-sigma horizontal accuracy (m): from NACp when known, else from the type code."""
    known = np.isfinite(nacp_values)
    r95 = np.where(known, NACP_EPU_M[np.where(known, nacp_values, 0).astype(np.int64)], np.nan)
    r95 = np.where(np.isnan(r95), TC_R95_M[np.clip(tc, 0, 31)], r95)
    result: Any = r95 * SIGMA_PER_R95
    return np.asarray(result, dtype=np.float64)
