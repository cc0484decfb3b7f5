"""ASTM F3411 / ASD-STAN prEN 4709-002 Remote ID messages: one pure function per type.

Every message is 25 octets. Octet 0 (numbered from 0 here, as in the standard's
tables) is the header: message type in bits 7-4, protocol version in bits 3-0 (0, 1
and 2 are F3411-19, -20 and -22a). Multi-octet integers are little-endian. Altitudes
and heights are encoded ``(metres + 1000) * 2`` in an unsigned 16-bit field (0 =
unknown). Latitude and longitude are signed 32-bit, 1e-7 degree (0 and 0 = unknown).

A message pack (type 0xF) is ``header | message size (25) | count (1-9) | messages``.
Each function raises :class:`RidError` with the reason when a message is malformed.
"""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime
from typing import Any

SIZE = 25
VERSIONS = (0, 1, 2)
EPOCH_2019 = datetime(2019, 1, 1, tzinfo=UTC).timestamp()
UA_TYPES = (
    "none", "aeroplane", "helicopter_multirotor", "gyroplane", "hybrid_lift", "ornithopter",
    "glider", "kite", "free_balloon", "captive_balloon", "airship", "parachute", "rocket",
    "tethered_powered_aircraft", "ground_obstacle", "other",
)  # fmt: skip
ID_TYPES = ("none", "serial", "caa_registration", "utm_uuid", "session_id")
# 95 % horizontal accuracy bounds (m) by code; 0 and reserved codes: unknown.
H_ACCURACY = (math.nan, 18520, 7408, 3704, 1852, 926, 555.6, 185.2, 92.6, 30, 10, 3, 1)
STATUS = ("undeclared", "ground", "airborne", "emergency", "system_failure")
Message = dict[str, Any]


class RidError(ValueError):
    """A Remote ID message that does not follow the layout."""


def _text(raw: bytes) -> str:
    """Null-padded ASCII; anything else is malformed."""
    text = raw.rstrip(b"\0 ")
    if any(c < 0x20 or c > 0x7E for c in text):
        raise RidError("text field holds non-printable octets")
    return text.decode("ascii")


def _alt(raw: int) -> float:
    return math.nan if raw == 0 else raw / 2.0 - 1000.0


def _latlon(lat_raw: int, lon_raw: int) -> tuple[float, float]:
    lat, lon = lat_raw * 1e-7, lon_raw * 1e-7
    if lat_raw == 0 and lon_raw == 0:
        return math.nan, math.nan
    if abs(lat) > 90 or abs(lon) > 180:
        raise RidError(f"position {lat:.7f}, {lon:.7f} out of range")
    return lat, lon


def basic_id(m: bytes) -> Message:
    """Type 0x0, Basic ID.

    Octet 1: ID type (bits 7-4: 0 none, 1 serial number ANSI/CTA-2063-A, 2 CAA
    registration, 3 UTM UUID, 4 specific session ID) and UA type (bits 3-0, see
    ``UA_TYPES``). Octets 2-21: UAS ID, 20 ASCII characters, null padded. 22-24 reserved.
    """
    id_type = m[1] >> 4
    return {
        "id_type": ID_TYPES[id_type] if id_type < len(ID_TYPES) else f"id_type_{id_type}",
        "ua_type": UA_TYPES[m[1] & 0x0F],
        "uas_id": _text(m[2:22]),
    }


def location(m: bytes) -> Message:
    """Type 0x1, Location/Vector.

    Octet 1: status (bits 7-4), reserved (3), height type (2: 0 above take-off, 1 above
    ground), E/W direction segment (1: add 180 to the track), speed multiplier (0).
    Octet 2: track direction, degrees 0-179 (361 = unknown). Octet 3: speed, 0.25 m/s,
    or with the multiplier 0.75 m/s above 63.75 m/s (255 with multiplier: unknown).
    Octet 4: vertical speed, signed, 0.5 m/s (63 m/s = unknown). Octets 5-8 latitude,
    9-12 longitude. 13-14 pressure altitude, 15-16 geodetic altitude, 17-18 height.
    Octet 19: vertical accuracy (bits 7-4), horizontal accuracy (3-0). Octet 20:
    barometric altitude accuracy (7-4), speed accuracy (3-0). 21-22: timestamp, tenths
    of seconds since the start of the hour (0xFFFF unknown). Octet 23: bits 3-0
    timestamp accuracy, 0.1 s. Octet 24 reserved.
    """
    flags = m[1]
    track = m[2] + (180 if flags & 0x02 else 0)
    speed_raw = m[3]
    if flags & 0x01:
        speed = math.nan if speed_raw == 255 else speed_raw * 0.75 + 63.75
    else:
        speed = speed_raw * 0.25
    vspeed_raw = struct.unpack_from("<b", m, 4)[0]
    lat_raw, lon_raw, p_alt, g_alt, height = struct.unpack_from("<iiHHH", m, 5)
    lat, lon = _latlon(lat_raw, lon_raw)
    stamp = struct.unpack_from("<H", m, 21)[0]
    if stamp != 0xFFFF and stamp > 36_000:
        raise RidError(f"timestamp {stamp / 10} s is past the end of the hour")
    h_code = m[19] & 0x0F
    return {
        "status": STATUS[flags >> 4] if flags >> 4 < len(STATUS) else f"status_{flags >> 4}",
        "height_type": "agl" if flags & 0x04 else "takeoff",
        "track_deg": math.nan if track > 359 else float(track),
        "speed": speed,
        "vspeed": math.nan if vspeed_raw == 126 else vspeed_raw * 0.5,
        "lat": lat,
        "lon": lon,
        "pressure_alt": _alt(p_alt),
        "geodetic_alt": _alt(g_alt),
        "height": _alt(height),
        "h_accuracy_95": H_ACCURACY[h_code] if h_code < len(H_ACCURACY) else math.nan,
        "tenths_in_hour": math.nan if stamp == 0xFFFF else float(stamp),
    }


def authentication(m: bytes) -> Message:
    """Type 0x2, Authentication, one page of up to 16.

    Octet 1: authentication type (bits 7-4), page number (3-0). Page 0: octet 2 last
    page index, octet 3 length of the whole authentication data, 4-7 timestamp (s since
    2019-01-01 UTC), 8-24 data (17 octets). Pages 1-15: octets 2-24 data (23 octets).
    """
    page = m[1] & 0x0F
    out: Message = {"auth_type": m[1] >> 4, "page": page}
    if page == 0:
        out |= {"last_page": m[2] & 0x0F, "length": m[3], "data": m[8:25]}
        out["time"] = EPOCH_2019 + struct.unpack_from("<I", m, 4)[0]
    else:
        out["data"] = m[2:25]
    return out


def self_id(m: bytes) -> Message:
    """Type 0x3, Self-ID: octet 1 description type (0 text, 1 emergency, 2 extended
    status, 201-255 private), octets 2-24 description (23 ASCII characters)."""
    return {"description_type": m[1], "description": _text(m[2:25])}


def system(m: bytes) -> Message:
    """Type 0x4, System.

    Octet 1: classification type (bits 4-2: 0 undeclared, 1 EU) and operator location
    type (bits 1-0: 0 take-off, 1 live GNSS, 2 fixed). Octets 2-5 operator latitude,
    6-9 operator longitude. 10-11 area count, 12 area radius (x 10 m), 13-14 area
    ceiling, 15-16 area floor (altitude encoding). Octet 17: UA category (bits 7-4)
    and class (3-0). 18-19 operator geodetic altitude. 20-23 timestamp, seconds since
    2019-01-01 00:00 UTC. Octet 24 reserved.
    """
    lat_raw, lon_raw, count, radius, ceiling, floor = struct.unpack_from("<iiHBHH", m, 2)
    lat, lon = _latlon(lat_raw, lon_raw)
    op_alt, stamp = struct.unpack_from("<HI", m, 18)
    return {
        "classification_type": m[1] >> 2 & 0x07,
        "operator_location_type": ("takeoff", "live_gnss", "fixed", "reserved")[m[1] & 0x03],
        "operator_lat": lat,
        "operator_lon": lon,
        "area_count": count,
        "area_radius_m": radius * 10.0,
        "area_ceiling": _alt(ceiling),
        "area_floor": _alt(floor),
        "ua_category": m[17] >> 4,
        "ua_class": m[17] & 0x0F,
        "operator_alt": _alt(op_alt),
        "time": EPOCH_2019 + stamp,
    }


def operator_id(m: bytes) -> Message:
    """Type 0x5, Operator ID: octet 1 ID type (0 operator ID), 2-21 the ID (20 ASCII
    characters, null padded), 22-24 reserved."""
    return {"operator_id_type": m[1], "operator_id": _text(m[2:22])}


DECODERS = {0: basic_id, 1: location, 2: authentication, 3: self_id, 4: system, 5: operator_id}
NAMES = {0: "basic_id", 1: "location", 2: "authentication", 3: "self_id", 4: "system"}
NAMES |= {5: "operator_id"}


def decode(m: bytes) -> Message:
    """One 25-octet message: its fields plus ``type`` (name) and ``version``."""
    if len(m) != SIZE:
        raise RidError(f"message is {len(m)} octets, expected {SIZE}")
    kind, version = m[0] >> 4, m[0] & 0x0F
    if version not in VERSIONS:
        raise RidError(f"protocol version {version} is not 0, 1 or 2")
    if kind not in DECODERS:
        raise RidError(f"message type 0x{kind:X} is not defined (pack 0xF only as outer)")
    return {"type": NAMES[kind], "version": version, **DECODERS[kind](m)}


def unpack(payload: bytes) -> list[Message]:
    """The messages of a payload: one message, or a message pack (type 0xF).

    Pack: octet 0 header, 1 message size (must be 25), 2 count (1-9), then the
    messages; the payload may be longer than the pack (Wi-Fi/BT padding) but not
    shorter.
    """
    if not payload:
        raise RidError("empty payload")
    if payload[0] >> 4 != 0xF:
        return [decode(payload)]
    if payload[0] & 0x0F not in VERSIONS:
        raise RidError(f"message pack protocol version {payload[0] & 0x0F} is not 0, 1 or 2")
    if len(payload) < 3:
        raise RidError("message pack header truncated")
    size, count = payload[1], payload[2]
    if size != SIZE:
        raise RidError(f"message pack declares message size {size}, expected {SIZE}")
    if not 1 <= count <= 9:
        raise RidError(f"message pack declares {count} messages, expected 1 to 9")
    if len(payload) < 3 + count * SIZE:
        raise RidError(f"message pack of {count} messages needs {3 + count * SIZE} octets")
    return [decode(payload[3 + k * SIZE : 3 + (k + 1) * SIZE]) for k in range(count)]


def strip_transport(payload: bytes) -> bytes:
    """The Remote ID octets inside what a receiver logged.

    Accepted around them: a Bluetooth AD structure (length, 0x16 service data, UUID
    0xFFFA little-endian) and the ASTM application code 0x0D with its message counter,
    as Bluetooth and Wi-Fi receivers log them. A header octet 0x0D is never a valid
    message (version 13), so the prefix is unambiguous.
    """
    if len(payload) > 4 and payload[1:4] == b"\x16\xfa\xff" and payload[0] == len(payload) - 1:
        payload = payload[4:]
    if len(payload) > 2 and payload[0] == 0x0D:
        payload = payload[2:]
    return payload
