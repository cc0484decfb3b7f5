"""SAPIENT encoder for the simulator: a counter-UAS node's status and detection reports.

A node (``node_id``) first sends a status report (system OK, its location), then one
detection report per measurement, and a status report again every ``status_every_s``
(SAPIENT nodes report status periodically). With a site each detection is a
``range_bearing`` (azimuth from true north, ground range, elevation; degrees and metres)
with its errors; without one it is a ``location`` (latitude, longitude, altitude in
degrees and metres). The object id is the detector's own track per actor, the
classification the hint the sensor gives (``drone``, ``bird``...). Messages are
length-prefixed as the decoder (:mod:`airsentry.sources.sapient`) reads them.
"""

from __future__ import annotations

import math
from typing import Any

from airsentry.model import FloatArray, ReportBatch
from airsentry.sources import _sapient_proto as proto

STATUS_EVERY_S = 60.0


def _stamp(message: Any, t: float) -> None:
    seconds = math.floor(t)
    message.timestamp.seconds = seconds
    message.timestamp.nanos = min(999_999_999, round((t - seconds) * 1e9))


def status_message(node_id: str, t: float, site: tuple[float, float, float] | None) -> bytes:
    """A framed status report: system OK, the node's location when it has one."""
    msg = proto.new("SapientMessage", node_id=node_id)
    _stamp(msg, t)
    report = msg.status_report
    report.report_id = f"{node_id}-status-{round(t * 1000)}"
    report.system = proto.enum_value("StatusReport.System", "SYSTEM_OK")
    report.info = proto.enum_value("StatusReport.Info", "INFO_NEW")
    report.mode = "default"
    if site is not None:
        loc = report.node_location
        loc.y, loc.x, loc.z = site
        loc.coordinate_system = proto.enum_value(
            "LocationCoordinateSystem", "LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M"
        )
        loc.datum = proto.enum_value("LocationDatum", "LOCATION_DATUM_WGS84_E")
    return proto.frame(msg)


def detections(
    batch: ReportBatch,
    node_id: str,
    *,
    site: tuple[float, float, float] | None,
    ground_m: FloatArray | None = None,
    azimuth_deg: FloatArray | None = None,
    range_sigma_m: FloatArray | None = None,
    azimuth_sigma_deg: float = 1.0,
    status_every_s: float = STATUS_EVERY_S,
) -> bytes:
    """The framed messages of one node: status reports and a detection per report."""
    deg_m = proto.enum_value(
        "RangeBearingCoordinateSystem", "RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M"
    )
    true_north = proto.enum_value("RangeBearingDatum", "RANGE_BEARING_DATUM_TRUE")
    lat_lng = proto.enum_value(
        "LocationCoordinateSystem", "LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M"
    )
    out = bytearray()
    next_status = -math.inf
    for i in range(len(batch)):
        t = float(batch.t[i])
        if t >= next_status:
            out += status_message(node_id, t, site)
            next_status = t + status_every_s
        msg = proto.new("SapientMessage", node_id=node_id)
        _stamp(msg, t)
        det = msg.detection_report
        det.report_id = f"{node_id}-{i}"
        if int(batch.track_number[i]) >= 0:  # a plot of no detector track has no object id
            det.object_id = f"{node_id}-obj-{int(batch.track_number[i])}"
        alt = float(batch.alt[i])
        if site is not None:
            assert ground_m is not None
            assert azimuth_deg is not None
            assert range_sigma_m is not None
            rb = det.range_bearing
            rb.azimuth = float(azimuth_deg[i]) % 360.0
            rb.azimuth_error = azimuth_sigma_deg
            ground = float(ground_m[i])
            if math.isfinite(alt):
                rise = alt - site[2] - ground**2 / (2 * 6_371_000.0)
                rb.elevation = math.degrees(math.atan2(rise, ground))
                rb.range = math.hypot(ground, rise)
            else:
                rb.range = ground
            rb.range_error = float(range_sigma_m[i])
            rb.coordinate_system, rb.datum = deg_m, true_north
        else:
            loc = det.location
            loc.y, loc.x = float(batch.lat[i]), float(batch.lon[i])
            if math.isfinite(alt):
                loc.z = alt
            loc.coordinate_system = lat_lng
        hint = str(batch.category[i])
        if hint:
            cls = det.classification.add()
            cls.type, cls.confidence = hint, 0.9
        out += proto.frame(msg)
    return bytes(out)
