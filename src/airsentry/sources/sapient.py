"""SAPIENT (BSI Flex 335): detection and status reports of counter-UAS sensor nodes.

SAPIENT is the UK/NATO interface between autonomous sensor nodes (radars, RF
detectors, acoustic arrays, cameras) and a fusion node. Every message is a protobuf
``SapientMessage`` (the Apache-2.0 .proto files are vendored in ``sapient_proto/`` and
compiled at build, see :mod:`~airsentry.sources._sapient_proto`); on a TCP stream or in
a recording each is preceded by its length as a 4-byte little-endian unsigned integer.
That is the framing of Dstl's Apex SAPIENT middleware, the reference fusion node for BSI
Flex 335 (its TCP reader takes "a 4 byte, little endian" size prefix before every binary
message, and its writer and recorder pack ``<I``; XML-era SAPIENT v6 messages were
NUL-terminated text instead, which this decoder does not read).

What is read:

* ``detection_report``: one report per message. A ``location`` in latitude/longitude
  (degrees or radians, metres) is used as is; a ``range_bearing`` (azimuth from true
  north, elevation, range; degrees or radians, metres or kilometres) is placed from the
  node's site and kept exactly on :attr:`~airsentry.model.ReportBatch.frame`. Without
  a range it is a bearing-only detection (an RF direction finder, an acoustic array):
  the frame has no range and the row no position (the fused tracker crosses bearings
  of several nodes and updates tracks with single ones); the ``bearing_range_m`` option
  puts it that far out along the bearing instead, with that distance as its accuracy,
  for a consumer that needs a position. The node's site is the ``node_location`` of its latest
  status report, else the ``nodes`` option (node id to lat, lon, alt). The object id
  becomes the report's ``track_number`` (numbered in order of appearance across the
  stream's nodes, so that a live feed, whose reports carry the feed's name as their
  sensor, keeps two nodes' objects apart), the node id its ``sensor``, the most
  confident classification its ``category``
  (``drone``, ``bird``, ``helicopter``... see :data:`CLASSES`), ``enu_velocity`` its
  velocity.
* ``status_report``: the node's health (system OK/warning/error/goodbye), mode and
  location, kept in :attr:`SapientDecoder.nodes` and :attr:`SapientDecoder.status`;
  counted as skipped (sensor health, not a report).
* Every other message (registration, tasks, alerts, acknowledgements, errors) is
  counted as skipped, by kind.

A message that does not parse, a length beyond ``max_message_bytes`` (its four octets
are rejected and the stream read on from the next), a detection
without a time, a position or a usable coordinate system, a range-bearing from a node
whose site is unknown: each is rejected to the quarantine naming the byte offset of
its frame and the reason. A stream that ends inside a frame rejects the tail.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
from google.protobuf.message import DecodeError as ProtoDecodeError
from google.protobuf.message import Message

from airsentry.errors import DecodeError
from airsentry.frame import SensorFrame
from airsentry.model import ReportBatch
from airsentry.sources import _sapient_proto as proto
from airsentry.sources._asterix_geo import Site, sites
from airsentry.sources._ranges import time_value
from airsentry.sources.base import Quarantine, register

__all__ = ["CLASSES", "NodeStatus", "SapientDecoder"]

_GEOD = pyproj.Geod(ellps="WGS84")
M_PER_DEG = 111_320.0
MAX_MESSAGE = 1 << 20

CLASSES: dict[str, str] = {
    "uav": "drone", "uas": "drone", "drone": "drone", "suas": "drone",
    "quadcopter": "drone", "multirotor": "drone", "multi-rotor": "drone",
    "fixed wing uav": "drone", "rotary wing uav": "drone", "one way attack uav": "decoy_drone",
    "bird": "bird", "birds": "bird", "helicopter": "helicopter",
    "manned aircraft": "aircraft", "aircraft": "aircraft", "fixed wing": "aircraft",
    "balloon": "balloon", "person": "person", "human": "person", "vehicle": "vehicle",
}  # fmt: skip
"""SAPIENT classification types (case-insensitive) to airsentry's category hints; a type
not listed is kept lower-cased, spaces as underscores. A "one way attack uav" is the
class airsentry calls ``decoy_drone``: the fixed-wing one-way attack drone and its decoy
(Shahed/Geran, Gerbera) that the playbook sends to air defence (identify/rules.py's
``one_way_attack`` rule reaches the same class from the flight alone); a sensor cannot
tell the warhead from the decoy, and neither does the playbook."""

_SYSTEM = {0: "unspecified", 1: "ok", 2: "warning", 3: "error", 5: "goodbye"}


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """One status report of a node: its health and, when it said, its location."""

    t: float  # epoch seconds of the message
    node: str
    system: str  # "ok", "warning", "error", "goodbye", "unspecified"
    mode: str
    site: Site | None


@dataclass
class _Rows:
    """Columns of the detections of one ``feed``, one list entry per report."""

    cols: dict[str, list[Any]]

    @classmethod
    def new(cls) -> _Rows:
        names = ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u", "accuracy", "sensor")
        frame = tuple(f.name for f in fields(SensorFrame))
        return cls({n: [] for n in (*names, "track_number", "category", *frame)})

    def add(self, **values: Any) -> None:
        for name, col in self.cols.items():
            col.append(values.get(name, math.nan))


@register("sapient")
class SapientDecoder:
    """Decodes a stream of length-prefixed SAPIENT messages (a TCP feed or a recording).

    ``nodes``: node id to site (a mapping of lat, lon, alt, or a Site) for nodes whose
    status reports carry no location. ``range_sigma_m``, ``azimuth_sigma_deg``,
    ``elevation_sigma_deg``: the measurement errors assumed when a range-bearing gives
    none. ``bearing_range_m``: where a bearing-only detection is put on its bearing (None: it
    has no position, only its frame, for a tracker that takes bearing-only rows).
    ``status_keep``: how many status reports :attr:`status` keeps.
    """

    def __init__(
        self,
        *,
        source: str = "sapient",
        recording: Path | None = None,
        nodes: Mapping[str, Site | Mapping[str, float]] | None = None,
        range_sigma_m: float = 10.0,
        azimuth_sigma_deg: float = 1.0,
        elevation_sigma_deg: float = 2.0,
        bearing_range_m: float | None = None,
        max_message_bytes: int = MAX_MESSAGE,
        status_keep: int = 10_000,
    ) -> None:
        del recording  # a recording is the same stream of frames
        self.source = source
        self.sites: dict[str, Site] = sites(nodes)
        self.range_sigma_m = range_sigma_m
        self.azimuth_sigma_rad = math.radians(azimuth_sigma_deg)
        self.elevation_sigma_rad = math.radians(elevation_sigma_deg)
        self.bearing_range_m = bearing_range_m
        self.max_message_bytes = max_message_bytes
        self.nodes: dict[str, NodeStatus] = {}
        self.status: deque[NodeStatus] = deque(maxlen=status_keep)
        self._objects: dict[tuple[str, str], int] = {}
        self._tail = b""
        self._offset = 0  # stream offset of the first byte of the tail
        self._cls = proto.message_class("SapientMessage")

    # -- the decoder contract ---------------------------------------------------------
    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        buf = self._tail + data
        rows = _Rows.new()
        pos = 0
        while len(buf) - pos >= proto.LENGTH.size:
            (size,) = proto.LENGTH.unpack_from(buf, pos)
            if size > self.max_message_bytes:
                # Not a length a node sends: reject these four octets and read on (the
                # same rejects whatever pieces the stream came in).
                reason = f"frame length {size} beyond {self.max_message_bytes} bytes"
                err = DecodeError(reason, source=self.source, line=self._offset + pos)
                quarantine.reject(err, buf[pos : pos + proto.LENGTH.size])
                pos += proto.LENGTH.size
                continue
            end = pos + proto.LENGTH.size + size
            if end > len(buf):
                break
            self._message(buf[pos + proto.LENGTH.size : end], self._offset + pos, rows, quarantine)
            pos = end
        self._tail = buf[pos:]
        self._offset += pos
        return self._batch(rows)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        self.resync(quarantine)
        return ReportBatch.empty()

    def resync(self, quarantine: Quarantine) -> None:
        if self._tail:
            err = DecodeError("stream ended inside a frame", source=self.source, line=self._offset)
            quarantine.reject(err, self._tail)
        self._offset += len(self._tail)
        self._tail = b""

    # -- one message ------------------------------------------------------------------
    def _message(self, body: bytes, offset: int, rows: _Rows, quarantine: Quarantine) -> None:
        def reject(reason: str) -> None:
            err = DecodeError(reason, source=self.source, line=offset)
            quarantine.reject(err, proto.LENGTH.pack(len(body)) + body)

        try:
            msg = self._cls.FromString(body)
        except (ProtoDecodeError, RuntimeError, ValueError) as exc:
            reject(f"not a SapientMessage: {exc}")
            return
        kind = msg.WhichOneof("content")
        if kind is None:
            reject("SapientMessage without content")
            return
        t = _time(msg.timestamp) if msg.HasField("timestamp") else math.nan
        node = str(msg.node_id)
        if kind == "status_report":
            self._status(t, node, msg.status_report)
            quarantine.skip("SAPIENT status report: sensor health, not a report")
            return
        if kind != "detection_report":
            quarantine.skip(f"SAPIENT {kind} message: not a report")
            return
        if not time_value(t):
            reject("detection report without a valid timestamp")
            return
        if not node:
            reject("detection report without a node id")
            return
        problem = self._detection(t, node, msg.detection_report, rows)
        if problem:
            reject(problem)

    def _status(self, t: float, node: str, report: Message) -> None:
        site = None
        if report.HasField("node_location"):
            site = _site(report.node_location)
            if site is not None:
                self.sites[node] = site
        system = _SYSTEM.get(int(report.system), "unspecified")
        status = NodeStatus(t, node, system, str(report.mode), site)
        self.nodes[node] = status
        self.status.append(status)

    def _detection(self, t: float, node: str, det: Message, rows: _Rows) -> str:
        """Add one detection's row; return why it cannot be placed ("" when it can)."""
        where = det.WhichOneof("location_oneof")
        values: dict[str, Any] = {"t": t, "sensor": node}
        if where == "location":
            problem = _location(det.location, values)
        elif where == "range_bearing":
            problem = self._range_bearing(node, det.range_bearing, values)
        else:
            problem = "detection report without a location or range-bearing"
        if problem:
            return problem
        if det.HasField("enu_velocity"):
            vel = det.enu_velocity
            values["vel_e"], values["vel_n"] = float(vel.east_rate), float(vel.north_rate)
            values["vel_u"] = float(vel.up_rate) if vel.HasField("up_rate") else math.nan
        object_id = str(det.object_id)
        values["track_number"] = self._number(node, object_id) if object_id else -1
        values["category"] = _category(det.classification)
        rows.add(**values)
        return ""

    def _range_bearing(self, node: str, rb: Message, values: dict[str, Any]) -> str:
        system = int(rb.coordinate_system)
        if system not in (1, 2, 3, 4):
            return f"range-bearing coordinate system {system} not supported"
        if int(rb.datum) not in (0, 1):
            return f"range-bearing datum {int(rb.datum)} is not true north"
        if not rb.HasField("azimuth"):
            return "range-bearing without an azimuth"
        site = self.sites.get(node)
        if site is None:
            return f"no site known for node {node!r} (no status report location, no nodes option)"
        angle = 1.0 if system in (2, 4) else math.pi / 180.0
        metres = 1000.0 if system in (3, 4) else 1.0

        def opt(name: str, scale: float, default: float) -> float:
            return float(getattr(rb, name)) * scale if rb.HasField(name) else default

        az = opt("azimuth", angle, math.nan) % (2 * math.pi)
        el = opt("elevation", angle, math.nan)
        rng = opt("range", metres, math.nan)
        sig_r = opt("range_error", metres, self.range_sigma_m)
        sig_az = opt("azimuth_error", angle, self.azimuth_sigma_rad)
        sig_el = opt("elevation_error", angle, self.elevation_sigma_rad)
        if not (math.isfinite(az) and (math.isnan(rng) or 0 <= rng < 1e7)):
            return f"range-bearing out of range (azimuth {az}, range {rng})"
        bearing_only = math.isnan(rng)
        if bearing_only and self.bearing_range_m is None:  # no position: the frame says it
            values.update(
                site_lat=site.lat, site_lon=site.lon, site_alt=site.alt, azimuth_rad=az,
                elevation_rad=el, sigma_azimuth_rad=sig_az, sigma_elevation_rad=sig_el,
            )  # fmt: skip
            return ""
        placeholder = self.bearing_range_m or 0.0
        ground = placeholder if bearing_only else rng
        if math.isfinite(el) and not bearing_only:
            ground = rng * math.cos(el)
            values["alt"] = site.alt + rng * math.sin(el) + ground**2 / (2 * 6_371_000.0)
        lon, lat, _ = _GEOD.fwd(site.lon, site.lat, math.degrees(az), ground)
        values.update(lat=lat, lon=lon)
        values["accuracy"] = (
            placeholder if bearing_only else math.sqrt(0.5 * (sig_r**2 + (ground * sig_az) ** 2))
        )
        values.update(
            site_lat=site.lat, site_lon=site.lon, site_alt=site.alt, range_m=rng,
            azimuth_rad=az, elevation_rad=el, sigma_range_m=sig_r,
            sigma_azimuth_rad=sig_az, sigma_elevation_rad=sig_el,
        )  # fmt: skip
        return ""

    def _number(self, node: str, object_id: str) -> int:
        # numbered across all nodes of the stream: a live feed names its reports after
        # the feed, and two nodes' objects must not then share a track number
        key = (node, object_id)
        number = self._objects.get(key)
        if number is None:
            number = self._objects[key] = len(self._objects) + 1
        return number

    def _batch(self, rows: _Rows) -> ReportBatch:
        c = rows.cols
        n = len(c["t"])
        if n == 0:
            return ReportBatch.empty()
        floats = {k: np.asarray(v, dtype=np.float64) for k, v in c.items()
                  if k not in ("sensor", "category", "track_number")}  # fmt: skip
        frame_cols = {k: floats.pop(k) for k in list(floats) if k.startswith(("site_", "sigma_"))}
        for k in ("range_m", "azimuth_rad", "elevation_rad"):
            frame_cols[k] = floats.pop(k)
        measured = np.isfinite(frame_cols["azimuth_rad"]).any()
        return ReportBatch.build(
            **floats,
            sensor=np.asarray(c["sensor"], dtype=object),
            category=np.asarray([x if isinstance(x, str) else "" for x in c["category"]], object),
            track_number=np.asarray(c["track_number"], dtype=np.int64),
            frame=SensorFrame.build(n, **frame_cols) if measured else None,
        )


def _time(ts: Any) -> float:
    return float(ts.seconds) + float(ts.nanos) * 1e-9


def _site(loc: Any) -> Site | None:
    """A node's location as a Site, when in latitude/longitude (degrees or radians)."""
    values: dict[str, Any] = {}
    if _location(loc, values):
        return None
    alt = values.get("alt", math.nan)
    return Site(float(values["lat"]), float(values["lon"]), alt if math.isfinite(alt) else 0.0)


def _location(loc: Any, values: dict[str, Any]) -> str:
    """Fill lat, lon, alt, accuracy from a Location; return why not ("" when done)."""
    system = int(loc.coordinate_system)
    if system not in (1, 2):
        return f"location coordinate system {system} not supported (latitude/longitude only)"
    scale = 1.0 if system == 1 else 180.0 / math.pi
    lat, lon = float(loc.y) * scale, float(loc.x) * scale
    if not (abs(lat) <= 90 and abs(lon) <= 180):
        return f"location {lat}, {lon} out of range"
    values.update(lat=lat, lon=lon, alt=float(loc.z) if loc.HasField("z") else math.nan)
    if loc.HasField("x_error") and loc.HasField("y_error"):
        ey = float(loc.y_error) * scale * M_PER_DEG
        ex = float(loc.x_error) * scale * M_PER_DEG * math.cos(math.radians(lat))
        values["accuracy"] = math.sqrt(0.5 * (ex**2 + ey**2))
    return ""


def _category(classes: Any) -> str:
    """The most confident classification as a category hint ("" when none)."""
    best, conf = "", -1.0
    for c in classes:
        value = float(c.confidence) if c.HasField("confidence") else 0.0
        if value > conf and c.type:
            best, conf = str(c.type), value
    key = best.strip().lower()
    return CLASSES.get(key, key.replace(" ", "_"))
