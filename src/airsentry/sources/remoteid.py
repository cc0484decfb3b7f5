"""Drone Remote ID (ASTM F3411 / ASD-STAN prEN 4709-002) as receivers log it.

One received payload a line, in either of two forms:

* text: ``<ISO 8601 time> <receiver> [<transmitter address>] <hex payload>``, fields
  separated by white space, e.g.
  ``2025-09-19T10:15:30.120Z rx-north 60:60:1f:aa:bb:cc 0d01 1012...``
  (the hex may not contain spaces);
* JSON: ``{"time": "2025-09-19T10:15:30.120Z" | epoch seconds, "receiver": "rx-north",
  "address": "60:60:1f:aa:bb:cc", "payload": "0d0110..."}`` (``address`` optional).

The payload is one 25-octet message or a message pack, optionally behind the Bluetooth
AD header and the ASTM application code and counter (see
:func:`._remoteid_messages.strip_transport`). The reception time is required: the
Location message only carries tenths of seconds within the hour, which are placed in
the hour nearest the reception time. Blank lines and lines starting with ``#`` are
skipped.

Two kinds of reports come out, both ``transponder=True`` (a cooperative broadcast):

* the drone (Location/Vector): identity ``rid:<UAS ID>`` (serial number preferred to
  the other ID types), category ``rid:<UA type>`` (``rid:helicopter_multirotor``),
  geodetic altitude (else pressure altitude), velocity from speed and track, accuracy
  half the 95% horizontal bound, ``on_ground`` when the status says so;
* its operator (System message): identity ``rid:<UAS ID>#operator``, category
  ``rid:operator``, on the ground, at the reception time.

Bluetooth 4 transmitters send one message per advertisement, so the Basic ID and the
Location arrive separately; they are tied together by the transmitter address when
the line gives one (the latest Basic ID and UA type of each address are remembered
across the file). A Location whose drone has no known ID is still reported, with an
empty identity. Authentication, Self-ID and Operator ID messages carry no position and
are counted as skipped.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from airsentry.errors import DecodeError
from airsentry.model import ReportBatch, parse_time
from airsentry.sources import _remoteid_messages as rid
from airsentry.sources._lines import Lines
from airsentry.sources._ranges import time_value
from airsentry.sources.base import Quarantine, register

HOUR = 3600.0


@dataclass
class _Drone:
    uas_id: str = ""
    id_type: str = ""
    ua_type: str = ""


@dataclass
class _Out:
    rows: list[dict[str, Any]] = field(default_factory=list)


@register("remoteid")
class RemoteIdDecoder:
    """Decodes Remote ID receiver logs (text or JSON lines), recorded or live.

    The latest Basic ID and UA type of each transmitter address are remembered for the
    life of the decoder. A line longer than ``max_line_bytes`` is rejected.
    """

    def __init__(
        self, *, source: str = "remoteid", recording: Path | None = None, max_line_bytes: int = 4096
    ) -> None:
        self.max_line_bytes = max_line_bytes
        self.drones: dict[str, _Drone] = {}
        self._lines = Lines(source)

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        return self._decode(*self._lines.take(data, quarantine), quarantine)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        return self._decode(*self._lines.rest(), quarantine)

    def resync(self, quarantine: Quarantine) -> None:
        self._lines.cut(quarantine)

    def _decode(self, first: int, lines: list[bytes], quarantine: Quarantine) -> ReportBatch:
        out = _Out()
        for number, raw in enumerate(lines, start=first):
            self.decode_line(raw, out, self._lines.source, number, quarantine)
        return _batch(out.rows) if out.rows else ReportBatch.empty()

    def decode_line(
        self, raw: bytes, out: _Out, source: str, number: int, quarantine: Quarantine
    ) -> None:
        """Decode one line into ``out``; a bad line goes to ``quarantine``."""
        line = raw.strip()
        if not line or line.startswith(b"#"):
            quarantine.skip("blank or comment line")
            return
        try:
            if len(line) > self.max_line_bytes:
                raise rid.RidError(f"line longer than {self.max_line_bytes} octets")
            t, receiver, address, payload = _fields(line)
            messages = rid.unpack(rid.strip_transport(payload))
        except (ValueError, RecursionError) as exc:  # RidError, JSON and UTF-8 errors too
            quarantine.reject(DecodeError(str(exc), source=source, line=number), raw)
            return
        self._reports(messages, t, receiver, address, out, quarantine)

    def _reports(
        self,
        messages: list[rid.Message],
        t: float,
        receiver: str,
        address: str,
        out: _Out,
        quarantine: Quarantine,
    ) -> None:
        drone = self.drones.setdefault(address, _Drone()) if address else _Drone()
        for m in messages:
            if m["type"] == "basic_id" and m["uas_id"]:
                better = drone.id_type != "serial" or m["id_type"] == "serial"
                if better:
                    drone.uas_id, drone.id_type = m["uas_id"], m["id_type"]
                if m["ua_type"] != "none" or not drone.ua_type:
                    drone.ua_type = m["ua_type"]
        identity = f"rid:{drone.uas_id}" if drone.uas_id else ""
        sensor = f"rid:{receiver}"
        for m in messages:
            if m["type"] == "location":
                if math.isnan(m["lat"]):
                    quarantine.skip("Remote ID location without a position")
                    continue
                out.rows.append(_drone_row(m, t, sensor, identity, drone.ua_type))
            elif m["type"] == "system":
                if math.isnan(m["operator_lat"]):
                    quarantine.skip("Remote ID system message without operator position")
                    continue
                out.rows.append(
                    {
                        "t": t,
                        "lat": m["operator_lat"],
                        "lon": m["operator_lon"],
                        "alt": m["operator_alt"],
                        "sensor": sensor,
                        "identity": f"{identity}#operator" if identity else "",
                        "category": "rid:operator",
                        "on_ground": True,
                    }
                )
            elif m["type"] == "basic_id":  # its identity is kept for the positions
                quarantine.skip("Remote ID basic ID message: no position")
            else:
                quarantine.skip(f"Remote ID {m['type']} message: no position")
        if not messages:
            quarantine.skip("Remote ID message pack without messages")


def _fields(line: bytes) -> tuple[float, str, str, bytes]:
    """Reception time, receiver, transmitter address and payload octets of a line."""
    text = line.decode("utf-8")
    if text.startswith("{"):
        obj = json.loads(text)
        if not isinstance(obj, dict):
            raise ValueError("JSON line is not an object")
        when, receiver = obj.get("time"), str(obj.get("receiver", ""))
        address, payload = str(obj.get("address", "") or ""), obj.get("payload")
        if not isinstance(payload, str):
            raise ValueError("JSON line has no hex 'payload'")
        if isinstance(when, bool) or not isinstance(when, (int, float, str)):
            raise ValueError("JSON line has no 'time'")
        t = float(when) if not isinstance(when, str) else parse_time(when).timestamp()
    else:
        parts = text.split()
        if len(parts) not in (3, 4):
            raise ValueError(
                f"expected '<time> <receiver> [<address>] <hex>', got {len(parts)} fields"
            )
        t = parse_time(parts[0]).timestamp()
        receiver, address, payload = parts[1], parts[2] if len(parts) == 4 else "", parts[-1]
    if not time_value(t):
        raise ValueError("reception time out of range (1970 to 2200)")
    try:
        octets = bytes.fromhex(payload)
    except ValueError:
        raise ValueError("payload is not hexadecimal") from None
    return t, receiver, address.lower(), octets


def _drone_row(
    m: rid.Message, t: float, sensor: str, identity: str, ua_type: str
) -> dict[str, Any]:
    tenths = m["tenths_in_hour"]
    when = t
    if not math.isnan(tenths):  # the hour nearest the reception time
        when = math.floor(t / HOUR) * HOUR + tenths / 10.0
        when += HOUR * round((t - when) / HOUR)
    alt = m["geodetic_alt"] if not math.isnan(m["geodetic_alt"]) else m["pressure_alt"]
    track = math.radians(m["track_deg"])
    return {
        "t": when,
        "lat": m["lat"],
        "lon": m["lon"],
        "alt": alt,
        "vel_e": m["speed"] * math.sin(track),
        "vel_n": m["speed"] * math.cos(track),
        "vel_u": m["vspeed"],
        "accuracy": m["h_accuracy_95"] / 2.0,
        "sensor": sensor,
        "identity": identity,
        "category": f"rid:{ua_type}" if ua_type else "rid:none",
        "on_ground": m["status"] == "ground",
    }


def _batch(rows: list[dict[str, Any]]) -> ReportBatch:
    if not rows:
        return ReportBatch.empty()

    def col(key: str, default: Any = math.nan, dtype: Any = np.float64) -> Any:
        return np.array([r.get(key, default) for r in rows], dtype=dtype)

    return ReportBatch.build(
        t=col("t"),
        lat=col("lat"),
        lon=col("lon"),
        alt=col("alt"),
        vel_e=col("vel_e"),
        vel_n=col("vel_n"),
        vel_u=col("vel_u"),
        accuracy=col("accuracy"),
        sensor=col("sensor", "", object),
        identity=col("identity", "", object),
        category=col("category", "", object),
        transponder=True,
        on_ground=col("on_ground", False, np.bool_),
    )
