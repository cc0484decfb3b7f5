"""UDP payloads out of pcap and pcapng captures, read with :mod:`struct` alone.

Radar networks deliver ASTERIX as UDP datagrams (usually multicast), and recordings of
them are packet captures. This reader understands the two capture containers:

* pcap: 24-octet global header (magic ``a1b2c3d4`` in micro- or ``a1b23c4d`` in
  nanoseconds, either byte order; link type in octets 21-24), then per packet a
  16-octet header (seconds, sub-seconds, captured length, original length);
* pcapng: blocks of ``type (4) | length (4) | body | length (4)``; Interface
  Description blocks (type 1) give each interface's link type and ``if_tsresol``;
  Enhanced Packet blocks (type 6) carry interface id, a 64-bit timestamp and the packet;
  Simple Packet blocks (type 3) carry a packet without a time.

and these link layers: Ethernet (1, with 802.1Q/802.1ad VLAN tags), raw IP (101, 228,
229), Linux cooked capture v1 (113) and v2 (276), BSD loopback (0). Inside, IPv4 and
IPv6 carrying UDP. Packets that are not UDP (ARP, TCP, ...) are counted as skipped, not
rejected; truncated or malformed ones are rejected with the reason. IPv4 fragments
other than the first-and-only one are rejected: ASTERIX datagrams fit one frame.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


@dataclass(frozen=True, slots=True)
class Packet:
    """One captured packet: its number (1-based), capture time and what it holds.

    ``payload`` is the UDP payload; when the packet cannot be used, ``payload`` is None
    and ``problem`` says why, with ``rejected`` telling a malformed packet (True) from
    one that is merely not UDP (False). ``raw`` is the captured frame.
    """

    number: int
    time: float  # epoch seconds, NaN when the capture gives none
    payload: bytes | None
    raw: bytes
    problem: str = ""
    rejected: bool = False


def is_capture(head: bytes) -> bool:
    """Whether ``head`` (the first octets of a file) starts a pcap or pcapng capture."""
    return head[:4] in PCAP_MAGICS or head[:4] == PCAPNG_MAGIC


def packets(data: bytes) -> Iterator[Packet]:
    """The packets of a pcap or pcapng capture, in file order.

    A capture that ends inside a packet yields a rejected :class:`Packet` with the
    remaining octets and stops.
    """
    if data[:4] == PCAPNG_MAGIC:
        yield from _pcapng(data)
    else:
        yield from _pcap(data)


def _pcap(data: bytes) -> Iterator[Packet]:
    order, unit = PCAP_MAGICS[data[:4]]
    if len(data) < 24:
        yield Packet(1, float("nan"), None, data, "pcap global header is truncated", True)
        return
    (link,) = struct.unpack_from(order + "I", data, 20)
    pos, number = 24, 0
    while pos < len(data):
        number += 1
        if pos + 16 > len(data):
            yield Packet(number, float("nan"), None, data[pos:], "packet header truncated", True)
            return
        sec, frac, incl, _orig = struct.unpack_from(order + "IIII", data, pos)
        frame = data[pos + 16 : pos + 16 + incl]
        if len(frame) < incl:
            yield Packet(number, sec + frac * unit, None, data[pos:], "packet truncated", True)
            return
        pos += 16 + incl
        yield _udp(number, sec + frac * unit, link & 0x0FFFFFFF, frame)


def _pcapng(data: bytes) -> Iterator[Packet]:
    pos, number = 0, 0
    order = "<"
    interfaces: list[tuple[int, float]] = []  # (link type, seconds per tick)
    while pos < len(data):
        if pos + 12 > len(data):
            yield Packet(number + 1, float("nan"), None, data[pos:], "block truncated", True)
            return
        if data[pos : pos + 4] == PCAPNG_MAGIC:
            order = "<" if data[pos + 8 : pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            interfaces = []
        btype, blen = struct.unpack_from(order + "II", data, pos)
        if blen < 12 or blen % 4 or pos + blen > len(data):
            yield Packet(number + 1, float("nan"), None, data[pos:], "bad block length", True)
            return
        body = data[pos + 8 : pos + blen - 4]
        pos += blen
        if btype == 1 and len(body) >= 8:
            interfaces.append((struct.unpack_from(order + "H", body)[0], _tsresol(body, order)))
        elif btype == 6 and len(body) >= 20:
            number += 1
            iface, high, low, incl = struct.unpack_from(order + "IIII", body)
            if iface >= len(interfaces) or 20 + incl > len(body):
                yield Packet(number, float("nan"), None, body, "bad enhanced packet block", True)
                continue
            link, tick = interfaces[iface]
            yield _udp(number, ((high << 32) | low) * tick, link, body[20 : 20 + incl])
        elif btype == 3 and len(body) >= 4 and interfaces:
            number += 1
            yield _udp(number, float("nan"), interfaces[0][0], body[4:])


def _tsresol(body: bytes, order: str) -> float:
    """Seconds per timestamp tick of an Interface Description block (default 1 µs)."""
    pos = 8
    while pos + 4 <= len(body):
        code, length = struct.unpack_from(order + "HH", body, pos)
        if code == 0:
            break
        if code == 9 and length >= 1 and pos + 5 <= len(body):
            v = body[pos + 4]
            return float(2.0 ** -(v & 0x7F) if v & 0x80 else 10.0 ** -(v & 0x7F))
        pos += 4 + (length + 3) // 4 * 4
    return 1e-6


def _udp(number: int, time: float, link: int, frame: bytes) -> Packet:
    """The UDP payload of one link-layer frame."""

    def fail(why: str, rejected: bool = True) -> Packet:
        return Packet(number, time, None, frame, why, rejected)

    if link == 1:  # Ethernet
        pos, ethertype = 14, frame[12:14]
        while ethertype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= pos + 4:
            ethertype, pos = frame[pos + 2 : pos + 4], pos + 4
        if len(frame) < pos:
            return fail("Ethernet header truncated")
    elif link in (0, 101, 228, 229):  # BSD loopback (4-octet family), raw IP
        pos = 4 if link == 0 else 0
        version = frame[pos] >> 4 if len(frame) > pos else 0
        ethertype = b"\x86\xdd" if version == 6 else b"\x08\x00"
    elif link == 113:  # Linux cooked v1
        pos, ethertype = 16, frame[14:16]
    elif link == 276:  # Linux cooked v2
        pos, ethertype = 20, frame[0:2]
    else:
        return fail(f"link type {link} is not supported")
    if ethertype == b"\x08\x00":
        ip = frame[pos:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or (ip[0] & 0x0F) < 5:
            return fail("IPv4 header malformed")
        if ip[9] != 17:
            return fail(f"IP protocol {ip[9]} is not UDP", rejected=False)
        if struct.unpack_from(">H", ip, 6)[0] & 0x3FFF:
            return fail("IPv4 fragment: ASTERIX datagrams are expected unfragmented")
        udp = ip[(ip[0] & 0x0F) * 4 :]
    elif ethertype == b"\x86\xdd":
        ip = frame[pos:]
        if len(ip) < 40 or ip[0] >> 4 != 6:
            return fail("IPv6 header malformed")
        if ip[6] != 17:
            return fail(f"IPv6 next header {ip[6]} is not UDP", rejected=False)
        udp = ip[40:]
    else:
        return fail(f"ethertype 0x{ethertype.hex()} is not IP", rejected=False)
    if len(udp) < 8:
        return fail("UDP header truncated")
    length = struct.unpack_from(">H", udp, 4)[0]
    if length < 8 or length > len(udp):
        return fail(f"UDP length {length} does not fit the {len(udp)} octets captured")
    return Packet(number, time, bytes(udp[8:length]), frame)
