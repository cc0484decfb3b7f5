"""ASTERIX encoders for the simulator: CAT048 monoradar target reports, CAT062 system tracks.

Written from the EUROCONTROL specifications (CAT048 "Monoradar Target Reports" part 4,
CAT062 "SDPS Track Messages" part 9), item by item, for what a simulated radar knows:

* CAT048 (a radar with a site): I010 SAC/SIC; I140 time of day (3 octets, LSB 1/128 s);
  I020 target report descriptor, octet 1 bits 8-6 TYP (1 single PSR detection, 3 SSR +
  PSR, 5 Mode S roll-call + PSR); I040 measured position in polar co-ordinates, RHO
  (2 octets, LSB 1/256 NM, the slant range) and THETA (2 octets, LSB 360/2^16 deg);
  I070 Mode-3/A code (bits 12-1, octal digits A4..D1; V, G, L zero); I090 flight level
  (bits 14-1 signed, LSB 1/4 FL; V, G zero); I110 height measured by a 3D radar (2
  octets signed, LSB 25 ft); I220 aircraft address (3 octets); I240 aircraft
  identification (6 octets, eight 6-bit IA-5 characters); I161 track number (bits
  12-1); I170 track status (1 octet, confirmed). UAP: FRN 1 I010, 2 I140, 3 I020, 4
  I040, 5 I070, 6 I090, 7 I130, 8 I220, 9 I240, 10 I250, 11 I161, 12 I042, 13 I200,
  14 I170, 15 I210, 16 I030, 17 I080, 18 I100, 19 I110.
* CAT062: I010; I070 time of track information (3 octets, LSB 1/128 s); I105
  calculated position in WGS-84 (4 + 4 octets signed, LSB 180/2^25 deg); I185
  calculated velocity (Vx, Vy, 2 + 2 octets signed, LSB 0.25 m/s); I060 track Mode 3/A
  (bits 12-1); I380 aircraft derived data (compound: ADR 3 octets, ID 6 octets); I040
  track number (2 octets); I080 track status (1 octet: MON mono-sensor); I136 measured
  flight level (2 octets signed, LSB 1/4 FL); I130 calculated geometric altitude (2
  octets signed, LSB 6.25 ft); I500 estimated accuracies (compound: APC, X and Y
  components, 2 + 2 octets, LSB 0.5 m). UAP: FRN 1 I010, 2 spare, 3 I015, 4 I070, 5
  I105, 6 I100, 7 I185, 8 I210, 9 I060, 10 I245, 11 I380, 12 I040, 13 I080, 14 I290,
  15 I200, 16 I295, 17 I136, 18 I130, 19 I135, 20 I220, 21 I390, 22 I270, 23 I300, 24
  I110, 25 I120, 26 I510, 27 I500.

A data block is CAT (1 octet), LEN (2 octets, big-endian, the whole block) and records;
blocks are cut at :data:`BLOCK_BYTES`. Reports must be in time order within one UTC day
of :func:`day_of` (as a radar's output is), since the time of day wraps at midnight.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence

import numpy as np

from airsentry.model import FloatArray, ReportBatch

FT = 0.3048
NM = 1852.0
EARTH_RADIUS = 6_371_000.0  # as the decoder's ground-range conversion
BLOCK_BYTES = 8192
MAX_RHO_M = 0xFFFF / 256.0 * NM  # I040 RHO: 16 bits of 1/256 NM, just under 256 NM
_IA5 = {
    c: i for i, c in enumerate("#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######")
}
_IA5.pop("#")


def fspec(frns: Iterable[int]) -> bytes:
    """The FSPEC octets for the present FRNs (1-based): 7 per octet, FX in bit 1."""
    present = sorted(set(frns))
    octets = bytearray((present[-1] + 6) // 7)
    for frn in present:
        octets[(frn - 1) // 7] |= 0x80 >> ((frn - 1) % 7)
    for i in range(len(octets) - 1):
        octets[i] |= 0x01
    return bytes(octets)


def block(category: int, records: Sequence[bytes]) -> bytes:
    """Data blocks of ``records``, each at most :data:`BLOCK_BYTES` long."""
    out, part, size = bytearray(), list[bytes](), 3
    for rec in [*records, None]:
        if rec is None or (size + len(rec) > BLOCK_BYTES and part):
            if part:
                out += struct.pack(">BH", category, size) + b"".join(part)
            part, size = [], 3
        if rec is not None:
            part.append(rec)
            size += len(rec)
    return bytes(out)


def _tod(t: float) -> bytes:
    return (round((t % 86_400.0) * 128.0) % (86_400 * 128)).to_bytes(3, "big")


def _mode3a(squawk: str) -> bytes | None:
    if len(squawk) != 4 or any(c not in "01234567" for c in squawk):
        return None
    return int(squawk, 8).to_bytes(2, "big")


def _address(identity: str) -> bytes | None:
    if not identity.startswith("icao:"):
        return None
    return int(identity[5:], 16).to_bytes(3, "big")


def _callsign(text: str) -> bytes | None:
    chars = text.upper()[:8].ljust(8)
    if not text or any(c not in _IA5 for c in chars):
        return None
    bits = 0
    for c in chars:
        bits = (bits << 6) | _IA5[c]
    return bits.to_bytes(6, "big")


def _signed(value: float, octets: int) -> bytes:
    lim = 1 << (8 * octets - 1)
    return max(-lim, min(lim - 1, round(value))).to_bytes(octets, "big", signed=True)


def _fl_quarters(alt_m: float) -> int:
    return max(-(1 << 13), min((1 << 13) - 1, round(alt_m / FT / 100.0 * 4.0)))


def slant_range(ground_m: float, alt_m: float, site_alt_m: float) -> float:
    """Slant range to a target at ``alt_m``, ``ground_m`` along the Earth from the site
    (spherical Earth, the inverse of the decoder's ground-range conversion)."""
    if not math.isfinite(alt_m):
        return ground_m
    r1, r2 = EARTH_RADIUS + site_alt_m, EARTH_RADIUS + alt_m
    return math.sqrt(max(0.0, r1**2 + r2**2 - 2 * r1 * r2 * math.cos(ground_m / EARTH_RADIUS)))


def cat048(
    batch: ReportBatch,
    sac_sic: tuple[int, int],
    ground_m: FloatArray,
    azimuth_deg: FloatArray,
    site_alt_m: float,
) -> bytes:
    """CAT048 blocks of ``batch`` (plots of one radar); ``ground_m``, ``azimuth_deg``:
    each report's great-circle distance and true azimuth from the radar site."""
    records = []
    head = struct.pack(">BB", *sac_sic)
    for i in range(len(batch)):
        xpdr = bool(batch.transponder[i])
        identity, alt = str(batch.identity[i]), float(batch.alt[i])
        items: dict[int, bytes] = {1: head, 2: _tod(float(batch.t[i]))}
        typ = (5 if identity.startswith("icao:") else 3) if xpdr else 1
        items[3] = bytes([typ << 5])
        slant = slant_range(float(ground_m[i]), alt, site_alt_m)
        if slant > MAX_RHO_M:
            raise ValueError(f"CAT048 cannot carry a range of {slant:.0f} m (at most 256 NM)")
        rho = min(0xFFFF, round(slant / NM * 256.0))
        theta = round((float(azimuth_deg[i]) % 360.0) / 360.0 * 65536.0) % 65536
        items[4] = struct.pack(">HH", rho, theta)
        if xpdr and (code := _mode3a(str(batch.squawk[i]))) is not None:
            items[5] = code
        if xpdr and math.isfinite(alt):
            items[6] = (_fl_quarters(alt) & 0x3FFF).to_bytes(2, "big")
        elif math.isfinite(alt):
            items[19] = _signed(alt / FT / 25.0, 2)  # I110: the 3D radar's own height
        if (adr := _address(identity)) is not None:
            items[8] = adr
        if (ident := _callsign(str(batch.callsign[i]))) is not None:
            items[9] = ident
        if int(batch.track_number[i]) >= 0:
            items[11] = (int(batch.track_number[i]) & 0x0FFF).to_bytes(2, "big")
            items[14] = b"\x00"  # I170: confirmed track, no FX
        records.append(fspec(items) + b"".join(items[k] for k in sorted(items)))
    return block(48, records)


def cat062(batch: ReportBatch, sac_sic: tuple[int, int]) -> bytes:
    """CAT062 blocks of ``batch`` (system tracks of one tracker; positions in WGS-84)."""
    records = []
    head = struct.pack(">BB", *sac_sic)
    scale = 2**25 / 180.0
    for i in range(len(batch)):
        xpdr = bool(batch.transponder[i])
        identity, alt = str(batch.identity[i]), float(batch.alt[i])
        items: dict[int, bytes] = {1: head, 4: _tod(float(batch.t[i]))}
        items[5] = _signed(float(batch.lat[i]) * scale, 4) + _signed(float(batch.lon[i]) * scale, 4)
        ve, vn = float(batch.vel_e[i]), float(batch.vel_n[i])
        if math.isfinite(ve) and math.isfinite(vn):
            items[7] = _signed(ve * 4.0, 2) + _signed(vn * 4.0, 2)
        if xpdr and (code := _mode3a(str(batch.squawk[i]))) is not None:
            items[9] = code
        adr, ident = _address(identity), _callsign(str(batch.callsign[i]))
        if adr is not None or ident is not None:
            primary = (0x80 if adr is not None else 0) | (0x40 if ident is not None else 0)
            items[11] = bytes([primary]) + (adr or b"") + (ident or b"")
        items[12] = (max(0, int(batch.track_number[i])) & 0xFFFF).to_bytes(2, "big")
        items[13] = b"\x80"  # I080: MON, a mono-sensor track; confirmed; no FX
        if xpdr and math.isfinite(alt):
            items[17] = _signed(_fl_quarters(alt), 2)
        if math.isfinite(alt):
            items[18] = _signed(alt / FT / 6.25, 2)
        acc = float(batch.accuracy[i])
        if math.isfinite(acc):
            # APC X and Y, per axis; the decoder reads hypot(X, Y) as the accuracy
            per_axis = min(0xFFFF, round(acc / math.sqrt(2.0) / 0.5))
            items[27] = b"\x80" + struct.pack(">HH", per_axis, per_axis)
        records.append(fspec(items) + b"".join(items[k] for k in sorted(items)))
    return block(62, records)


def day_of(t: np.ndarray) -> str:
    """The UTC date (ISO) of the first time, the date a decoder reads times of day from."""
    from airsentry.model import from_epoch

    return from_epoch(float(np.min(t)) // 86_400.0 * 86_400.0).date().isoformat()
