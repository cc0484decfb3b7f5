"""SAPIENT messages built from the compiled protos, for the decoder's tests and its golden
recording (``python tests/sources/sapient_sample.py`` rewrites ``data/sapient.bin``).

Two nodes: a radar that reports range, azimuth and elevation from the location in its
status reports, and an RF detector whose status report gives no location (its site comes
from the ``nodes`` option) that reports bearings only; a camera that reports latitude
and longitude; a registration, an alert and a detection from an unknown node mixed in.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from airsentry.sources import _sapient_proto as proto

T0 = 1_757_462_400.0  # 2025-09-10T00:00:00Z
RADAR = ("radar-1", 52.20, 23.50, 160.0)
RF = ("rf-1", 52.25, 23.60, 150.0)


def message(node: str, t: float | None, **content: Any) -> Any:
    msg = proto.new("SapientMessage", node_id=node)
    if t is not None:
        msg.timestamp.seconds = math.floor(t)
        msg.timestamp.nanos = round((t - math.floor(t)) * 1e9)
    for name, fields in content.items():
        getattr(msg, name).CopyFrom(proto.new(_TYPES[name], **fields))
    return msg


_TYPES = {
    "status_report": "StatusReport",
    "detection_report": "DetectionReport",
    "registration": "Registration",
    "alert": "Alert",
}


def location(lat: float, lon: float, alt: float | None = None, **extra: Any) -> Any:
    system = proto.enum_value(
        "LocationCoordinateSystem", "LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M"
    )
    z = {} if alt is None else {"z": alt}
    return proto.new("Location", x=lon, y=lat, coordinate_system=system, **z, **extra)


def range_bearing(**fields: Any) -> Any:
    fields.setdefault(
        "coordinate_system",
        proto.enum_value(
            "RangeBearingCoordinateSystem", "RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M"
        ),
    )
    fields.setdefault("datum", proto.enum_value("RangeBearingDatum", "RANGE_BEARING_DATUM_TRUE"))
    return proto.new("RangeBearing", **fields)


def status(
    node: str, t: float, site: tuple[float, float, float] | None, system: str = "SYSTEM_OK"
) -> Any:
    fields: dict[str, Any] = {
        "report_id": f"{node}-s-{t}",
        "system": proto.enum_value("StatusReport.System", system),
        "mode": "surveillance",
    }
    if site is not None:
        fields["node_location"] = location(*site)
    return message(node, t, status_report=fields)


def detection(node: str, t: float, obj: str, cls: str = "", **where: Any) -> Any:
    fields: dict[str, Any] = {"report_id": f"{node}-{t}", "object_id": obj, **where}
    if cls:
        fields["classification"] = [
            proto.new("DetectionReport.DetectionReportClassification", type=cls, confidence=0.8)
        ]
    return message(node, t, detection_report=fields)


def sample() -> bytes:
    """The golden recording: 16 messages, 10 detections of which 1 is unplaceable."""
    radar, rf = RADAR[0], RF[0]
    msgs = [
        message(radar, T0, registration={"icd_version": "BSI Flex 335 v1.0", "name": "radar"}),
        status(radar, T0 + 0.5, RADAR[1:]),
        status(rf, T0 + 0.7, None),
        detection(
            "stranger",
            T0 + 0.8,
            "s1",
            "UAV",
            range_bearing=range_bearing(azimuth=10.0, range=900.0),
        ),
    ]
    for k in range(5):
        t = T0 + 1.0 + 2.0 * k
        rb = range_bearing(
            azimuth=80.0 + k,
            range=3000.0 - 50 * k,
            elevation=2.0,
            range_error=8.0,
            azimuth_error=0.5,
        )
        vel = proto.new("ENUVelocity", east_rate=-20.0, north_rate=3.0, up_rate=0.0)
        msgs.append(detection(radar, t, "obj-A", "Quadcopter", range_bearing=rb, enu_velocity=vel))
        msgs.append(
            detection(
                rf,
                t + 0.3,
                "rf-7",
                "UAV",
                range_bearing=range_bearing(azimuth=200.0 + k, azimuth_error=3.0),
            )
        )
    msgs.append(detection("cam-1", T0 + 12.0, "b9", "Bird", location=location(52.3, 23.7, 120.0)))
    msgs.append(message(radar, T0 + 13.0, alert={"alert_id": "a1", "description": "intruder"}))
    msgs.append(status(radar, T0 + 14.0, RADAR[1:], "SYSTEM_GOODBYE"))
    return b"".join(proto.frame(m) for m in msgs)


NODES = {RF[0]: {"lat": RF[1], "lon": RF[2], "alt": RF[3]}}

if __name__ == "__main__":
    out = Path(__file__).parent / "data" / "sapient.bin"
    out.write_bytes(sample())
    print(out, out.stat().st_size)
