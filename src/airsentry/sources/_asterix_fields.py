"""Values of the ASTERIX items airsentry uses, one small function per category.

Each function takes a record's items (item id -> raw octets, from
:func:`airsentry.sources._asterix_spec.split_record`) and returns a flat dict of values
in the units of the wire (NM, degrees, feet, flight levels, seconds of day); the
source converts whole batches to SI at once. Octets are numbered from 1 in the layouts
below, bits from 8 (most significant) to 1, as in the EUROCONTROL specifications.
"""

from __future__ import annotations

import math
from typing import Any

from airsentry.sources import _asterix_spec as spec

Values = dict[str, Any]
_ICAO_CHARS = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"
NM = 1852.0
FT = 0.3048
KT = NM / 3600.0
_NACP_95 = (math.nan, 18520, 7408, 3704, 1852, 926, 555.6, 185.2, 92.6, 30, 10, 3)
_ECAT = {1: "A1", 2: "A2", 3: "A3", 4: "A4", 5: "A5", 6: "A6", 10: "A7", 11: "B1", 12: "B2"}
_ECAT |= {13: "B6", 14: "B7", 15: "B4", 16: "B3", 20: "C1", 21: "C2", 22: "C3", 23: "C3"}


def u(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def s(raw: bytes) -> int:
    return int.from_bytes(raw, "big", signed=True)


def signed_bits(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) & 1 else value


def sac_sic(items: dict[str, bytes]) -> tuple[int, int] | None:
    """I010 data source identifier: octet 1 SAC, octet 2 SIC."""
    raw = items.get("010")
    return (raw[0], raw[1]) if raw else None


def time_of_day(raw: bytes | None) -> float:
    """Three octets, unsigned, LSB 1/128 s since midnight UTC; NaN when absent."""
    return u(raw) / 128.0 if raw else math.nan


def mode3a(raw: bytes | None) -> str:
    """Two octets: bit 16 V (not validated), 15 G (garbled), 12-1 code (4 octal digits).

    An invalid or garbled code reads as unknown ("").
    """
    if not raw or raw[0] & 0xC0:
        return ""
    return f"{u(raw) & 0x0FFF:04o}"


def callsign(raw: bytes | None) -> str:
    """Six octets holding eight 6-bit ICAO characters (IA-5 subset)."""
    if not raw:
        return ""
    bits = u(raw)
    chars = (_ICAO_CHARS[bits >> (42 - 6 * k) & 0x3F] for k in range(8))
    text = "".join(chars).strip()
    return "" if "#" in text else text


def address(raw: bytes | None) -> str:
    """Three octets: ICAO 24-bit address, as ``icao:xxxxxx``."""
    return f"icao:{u(raw):06x}" if raw else ""


def cat048(items: dict[str, bytes]) -> Values:
    """Monoradar target report.

    I140 time of day; I020 octet 1 bits 8-6 TYP (0 none, 1 PSR, 2 SSR, 3 SSR+PSR,
    4-7 Mode S all-call/roll-call, with or without PSR); I040 RHO (2 octets, LSB 1/256
    NM), THETA (2 octets, LSB 360/2^16 deg); I070 Mode 3/A; I090 bits 16 V, 15 G, 14-1
    flight level (signed, LSB 1/4 FL); I161 track number (bits 12-1); I200 ground speed
    (2 octets, LSB 2^-14 NM/s) and heading (2 octets, LSB 360/2^16 deg); I220 address;
    I240 callsign; I110 height of a 3D radar (2 octets signed, LSB 25 ft).
    """
    v: Values = {"tod": time_of_day(items.get("140")), "squawk": mode3a(items.get("070"))}
    if (pos := items.get("040")) is not None:
        v["rho_nm"] = u(pos[:2]) / 256.0
        v["theta_deg"] = u(pos[2:]) * 360.0 / 65536.0
    if (typ := items.get("020")) is not None:
        v["typ"] = typ[0] >> 5
    if (fl := items.get("090")) is not None and not fl[0] & 0xC0:
        v["fl"] = signed_bits(u(fl) & 0x3FFF, 14) / 4.0
    if (tn := items.get("161")) is not None:
        v["track"] = u(tn) & 0x0FFF
    if (vel := items.get("200")) is not None:
        v["gs_kt"] = u(vel[:2]) * 3600.0 / 16384.0
        v["track_deg"] = u(vel[2:]) * 360.0 / 65536.0
    if (height := items.get("110")) is not None:
        v["geo_ft"] = s(height) * 25.0  # a 3D radar's measured height
    v["identity"] = address(items.get("220"))
    v["callsign"] = callsign(items.get("240"))
    if "typ" in v:  # the descriptor says which radar saw it (a track may hold an address)
        v["transponder"] = v["typ"] >= 2
    else:
        v["transponder"] = bool(v["squawk"] or v["identity"] or "fl" in v)
    return v


def cat062(items: dict[str, bytes], cat: spec.Category) -> Values:
    """System track.

    I070 time of track information; I040 track number (2 octets); I105 latitude and
    longitude (4 octets each, signed, LSB 180/2^25 deg); I100 X, Y (3 octets each,
    signed, LSB 0.5 m, system stereographic plane); I185 Vx, Vy (2 octets each, signed,
    LSB 0.25 m/s); I060 Mode 3/A (bits 12-1); I136 measured flight level (signed, LSB
    1/4 FL); I130 geometric altitude (signed, LSB 6.25 ft); I220 rate of climb (signed,
    LSB 6.25 ft/min); I380 compound: subfield 1 ADR (address), 2 ID (callsign); I500
    compound: subfield 1 APC (X and Y standard deviation, 2 octets each, LSB 0.5 m).
    """
    v: Values = {"tod": time_of_day(items.get("070"))}
    if (tn := items.get("040")) is not None:
        v["track"] = u(tn)
    if (wgs := items.get("105")) is not None:
        v["lat"] = s(wgs[:4]) * 180.0 / 2**25
        v["lon"] = s(wgs[4:]) * 180.0 / 2**25
    if (xy := items.get("100")) is not None:
        v["x"], v["y"] = s(xy[:3]) * 0.5, s(xy[3:]) * 0.5
    if (vel := items.get("185")) is not None:
        v["vx"], v["vy"] = s(vel[:2]) * 0.25, s(vel[2:]) * 0.25
    if (m3a := items.get("060")) is not None:
        v["squawk"] = f"{u(m3a) & 0x0FFF:04o}"
    if (mfl := items.get("136")) is not None:
        v["fl"] = s(mfl) / 4.0
    if (geo := items.get("130")) is not None:
        v["geo_ft"] = s(geo) * 6.25
    if (roc := items.get("220")) is not None:
        v["roc_fpm"] = s(roc) * 6.25
    if (aircraft := items.get("380")) is not None:
        parts = spec.subitems(cat.items["380"], aircraft)
        v["identity"] = address(parts.get(0))
        v["callsign"] = callsign(parts.get(1))
    if (acc := items.get("500")) is not None:
        apc = spec.subitems(cat.items["500"], acc).get(0)
        if apc is not None:
            v["sigma_m"] = math.hypot(u(apc[:2]) * 0.5, u(apc[2:]) * 0.5)
    # Mode 3/A or a measured flight level: the transponder is heard now; an address
    # alone (I380) may be one the track holds from before a transponder gap.
    v["transponder"] = bool(v.get("squawk") or "fl" in v)
    return v


def cat021(items: dict[str, bytes]) -> Values:
    """ADS-B report (edition 2.x).

    Time: I071 time of applicability for position, else I073 time of reception of
    position, else I077 time of report transmission (3 octets, LSB 1/128 s). I131
    high-resolution position (4 octets each, signed, LSB 180/2^30 deg), else I130 (3
    octets each, signed, LSB 180/2^23 deg); I080 address; I145 flight level (signed,
    LSB 1/4 FL); I140 geometric height (signed, LSB 6.25 ft); I160 bit 16 RE, bits 15-1
    ground speed (LSB 2^-14 NM/s), then track angle (2 octets, LSB 360/2^16 deg); I155
    bit 16 RE, bits 15-1 barometric vertical rate (signed, LSB 6.25 ft/min); I170
    callsign; I070 Mode 3/A (bits 12-1); I020 emitter category (ECAT); I161 track number
    (bits 12-1); I090 quality: octet 2 bits 5-2 NACp (95% horizontal bound).
    """
    tod = next((items[k] for k in ("071", "073", "077") if k in items), None)
    v: Values = {"tod": time_of_day(tod), "identity": address(items.get("080"))}
    if (hi := items.get("131")) is not None:
        v["lat"], v["lon"] = s(hi[:4]) * 180.0 / 2**30, s(hi[4:]) * 180.0 / 2**30
    elif (lo := items.get("130")) is not None:
        v["lat"], v["lon"] = s(lo[:3]) * 180.0 / 2**23, s(lo[3:]) * 180.0 / 2**23
    if (fl := items.get("145")) is not None:
        v["fl"] = s(fl) / 4.0
    if (geo := items.get("140")) is not None:
        v["geo_ft"] = s(geo) * 6.25
    if (gv := items.get("160")) is not None and not gv[0] & 0x80:
        v["gs_kt"] = (u(gv[:2]) & 0x7FFF) * 3600.0 / 16384.0
        v["track_deg"] = u(gv[2:]) * 360.0 / 65536.0
    if (vr := items.get("155")) is not None and not vr[0] & 0x80:
        v["roc_fpm"] = signed_bits(u(vr) & 0x7FFF, 15) * 6.25
    v["callsign"] = callsign(items.get("170"))
    if (m3a := items.get("070")) is not None:
        v["squawk"] = f"{u(m3a) & 0x0FFF:04o}"
    if (ecat := items.get("020")) is not None:
        v["category"] = _ECAT.get(ecat[0], "")
    if (tn := items.get("161")) is not None:
        v["track"] = u(tn) & 0x0FFF
    quality = items.get("090", b"")
    if len(quality) >= 2:
        nacp = quality[1] >> 1 & 0x0F
        v["sigma_m"] = _NACP_95[nacp] / 2.0 if nacp < len(_NACP_95) else 1.5
    v["transponder"] = True
    return v


SERVICE_KINDS = {
    34: {1: "north_marker", 2: "sector_crossing", 3: "geographical_filtering", 4: "jamming_strobe"},
    65: {1: "sdps_status", 2: "end_of_batch", 3: "service_status_report"},
}


def service(items: dict[str, bytes], number: int, cat: spec.Category) -> Values:
    """Service messages (CAT034 radar, CAT065 SDPS): kind and health.

    I000 message type (1 octet); I030 time of day; CAT034 I020 sector number (1 octet,
    LSB 360/2^8 deg); I041 antenna rotation period (2 octets, LSB 1/128 s); I050
    compound, subfield 1 COM: bit 8 NOGO (system inhibited), bit 7 RDPC, bit 5 OVL RDP,
    bit 4 OVL XMT (overloads).
    """
    kind_raw = items.get("000")
    kind = SERVICE_KINDS[number].get(kind_raw[0], f"type_{kind_raw[0]}") if kind_raw else ""
    v: Values = {"tod": time_of_day(items.get("030")), "kind": kind}
    if number == 34:
        if (sector := items.get("020")) is not None:
            v["sector_deg"] = sector[0] * 360.0 / 256.0
        if (rot := items.get("041")) is not None:
            v["rotation_s"] = u(rot) / 128.0
        if (conf := items.get("050")) is not None:
            com = spec.subitems(cat.items["050"], conf).get(0)
            if com is not None:
                v["nogo"] = bool(com[0] & 0x80)
                v["overload"] = bool(com[0] & 0x18)
    return v
