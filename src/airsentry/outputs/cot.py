"""Cursor on Target for TAK (ATAK, WinTAK, TAK Server): tracks and incidents as CoT events.

``cot+tcp://``, ``cot+udp://`` and ``cot+tls://`` (client certificate ``cert=``/``key=``,
server CA ``ca=``). Events are CoT XML by default; with ``?proto=1`` they are TAK
protocol version 1 (protobuf, built with ``takproto`` from the same XML): the streaming
framing (``0xbf``, varint length) over TCP and TLS, the mesh header over UDP.

Tracks go at most every ``rate`` seconds of event time per track, as ``a-<aff>-A-…``
events whose type comes from the track's class and affiliation (:func:`cot_type`), with
uid ``airsentry.track.<id>``, ``how`` ``m-g`` (machine, from sensors), a stale time
(``stale=`` seconds, default 3 × rate), course, speed, height above the ellipsoid
(the altitude as given when no geoid model is applied) and identity in remarks.
Incidents go through the outbox (delivered at least once) as ``b-m-p-s-m`` spot markers
at their last position, uid ``airsentry.incident.<id>``, with the zone, classes, status
and the recommended response in remarks.
"""

from __future__ import annotations

import json
import math
import socket
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import takproto

from airsentry.outputs.delivery import Live
from airsentry.outputs.messages import TrackRow
from airsentry.outputs.urls import OutputSpec

_AIR: dict[str, str] = {
    "drone": "A-M-F-Q",  # unmanned aerial vehicle
    "decoy_drone": "A-M-F-Q",
    "fast_jet": "A-M-F-F",  # military fixed wing, fighter
    "airliner": "A-C-F",  # civil fixed wing
    "light_aircraft": "A-C-F",
    "helicopter": "A-C-H",  # civil rotary wing
    "balloon": "A-C-L",  # lighter than air
}


def affiliation(row: TrackRow) -> str:
    """CoT affiliation: ``h`` hostile (a drone that does not broadcast Remote ID),
    ``n`` neutral (civil traffic with its own transponder identity), ``f`` friendly (a
    state aircraft's ICAO identity the operator listed; not derived here), else ``u``."""
    cls = row.target_class
    if cls in ("drone", "decoy_drone") and not row.identity.startswith("rid:"):
        return "h"
    if cls in ("airliner", "light_aircraft", "helicopter", "balloon") and row.identity:
        return "n"
    return "u"


def cot_type(row: TrackRow) -> str:
    """The CoT type of a track: ``a-<affiliation>-A[-<air function>]``."""
    function = _AIR.get(row.target_class)
    return f"a-{affiliation(row)}-" + (function or "A")


def _time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _num(x: float | None, default: float = 9999999.0) -> str:
    return f"{x:.6f}" if x is not None and math.isfinite(x) else f"{default:.1f}"


def _event(
    uid: str, kind: str, t: datetime, stale_s: float, lat: float, lon: float, hae: float | None
) -> tuple[ET.Element, ET.Element]:
    ev = ET.Element(
        "event",
        version="2.0",
        uid=uid,
        type=kind,
        how="m-g",
        time=_time(t),
        start=_time(t),
        stale=_time(t + timedelta(seconds=stale_s)),
    )
    ET.SubElement(
        ev, "point", lat=_num(lat), lon=_num(lon), hae=_num(hae), ce="9999999.0", le="9999999.0"
    )
    return ev, ET.SubElement(ev, "detail")


def track_xml(row: TrackRow, stale_s: float) -> str:
    t = datetime.fromtimestamp(row.time, UTC)
    ev, detail = _event(
        f"airsentry.track.{row.track_id}", cot_type(row), t, stale_s, row.lat, row.lon, row.alt
    )
    ET.SubElement(detail, "track", course=_num(row.course, 0.0), speed=_num(row.speed, 0.0))
    ET.SubElement(detail, "contact", callsign=row.callsign or row.identity or f"T{row.track_id}")
    remarks = ET.SubElement(detail, "remarks")
    remarks.text = f"class {row.target_class or 'unknown'}; identity {row.identity or 'none'}"
    return ET.tostring(ev, encoding="unicode")


def incident_xml(message: dict[str, Any], stale_s: float) -> str | None:
    """A CoT marker for an incident message (None when the incident has no position)."""
    data = message["data"]
    pos = data.get("position")
    if not pos:
        return None
    t = datetime.fromisoformat(pos["time"].replace("Z", "+00:00"))
    ev, detail = _event(
        f"airsentry.incident.{data['id']}", "b-m-p-s-m", t, stale_s, pos["lat"], pos["lon"],
        pos.get("alt_m"),
    )  # fmt: skip
    ET.SubElement(detail, "contact", callsign=f"INCIDENT {data['id']}")
    remarks = ET.SubElement(detail, "remarks")
    rec = data.get("recommendation") or "none"
    remarks.text = (
        f"{message['type']}: {data['zone_name']} ({data['zone_kind']}, {data['owner']}); "
        f"classes {', '.join(data['classes']) or 'unknown'}; objects {data['object_count']}; "
        f"severity {data['severity']}; status {data['status']}; recommendation {rec}; "
        f"reasons: {'; '.join(data['reasons'])}"
    )
    return ET.tostring(ev, encoding="unicode")


class CotTransport:
    """Writes CoT events to one TCP, UDP or TLS endpoint."""

    wants_events = False

    def __init__(self, spec: OutputSpec) -> None:
        self.spec = spec
        self.proto = spec.flag("proto")
        self.stale_s = float(spec.options.get("stale", str(3 * spec.rate_s)))
        self._sock: socket.socket | None = None

    def connect(self) -> None:
        addr = (self.spec.host, self.spec.port)
        if self.spec.scheme == "cot+udp":
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.connect(addr)
            return
        sock = socket.create_connection(addr, timeout=10.0)
        if self.spec.scheme == "cot+tls":
            ctx = ssl.create_default_context(cafile=self.spec.options.get("ca"))
            if "ca" in self.spec.options:
                ctx.check_hostname = False  # TAK servers are named by their CA, not DNS
            ctx.load_cert_chain(self.spec.options["cert"], self.spec.options["key"])
            sock = ctx.wrap_socket(sock, server_hostname=self.spec.host)
        self._sock = sock

    def _frame(self, xml: str) -> bytes:
        if not self.proto:
            return xml.encode()
        udp = self.spec.scheme == "cot+udp"
        ver = takproto.TAKProtoVer.MESH if udp else takproto.TAKProtoVer.STREAM
        return bytes(takproto.xml2proto(xml, ver))

    def _check_open(self) -> None:
        """Raise when the receiver closed the stream: a restarted TAK server is noticed
        before anything is written into the old socket. What a server sends us (pings,
        others' events) is read and dropped, so it never fills the socket's buffer."""
        assert self._sock is not None
        self._sock.setblocking(False)
        try:
            while True:
                if self._sock.recv(65536) == b"":
                    raise ConnectionResetError("the receiver closed the connection")
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        finally:
            self._sock.settimeout(10.0)  # a stuck receiver fails the write, never hangs it

    def _write(self, payloads: Sequence[str]) -> None:
        assert self._sock is not None
        if self.spec.scheme != "cot+udp":
            self._check_open()
        if self.spec.scheme == "cot+udp":
            for xml in payloads:
                self._sock.send(self._frame(xml))
        elif payloads:
            self._sock.sendall(b"".join(self._frame(x) for x in payloads))

    def send(self, topic: str, key: str, body: str) -> None:
        if topic != "incidents":
            return  # decisions reach TAK as the incident's next update
        xml = incident_xml(json.loads(body), max(self.stale_s, 3600.0))
        if xml is not None:
            self._write([xml])

    def send_live(self, items: Sequence[Live]) -> None:
        out: list[str] = []
        for item in items:
            if item.tracks is not None:
                out += [track_xml(r, self.stale_s) for r in item.tracks.rows()]
        self._write(out)

    def disconnect(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
