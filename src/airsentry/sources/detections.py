"""Generic counter-drone detections (radar, RF, acoustic, EO/IR) as JSON lines.

One detection an object a line::

    {"time": "2025-09-19T10:15:30.5Z", "sensor": "rf-north", "kind": "rf",
     "bearing_deg": 231.5, "bearing_sigma_deg": 3.0, "range_m": 1800, "range_sigma_m": 150,
     "track_id": 17, "class_hint": "drone", "identity": "rf:60:60:1f:aa:bb:cc"}

``time`` is ISO 8601 with a zone, or epoch seconds. ``kind`` is one of ``radar``,
``rf``, ``acoustic``, ``eoir``. The detection is placed in one of three ways:

* ``lat``, ``lon`` (and optional ``alt`` in metres above mean sea level) with
  ``accuracy_m`` (1-sigma horizontal): used as they are;
* ``bearing_deg`` (true, clockwise from north) and ``range_m`` from the sensor site:
  the WGS84 geodesic forward from the site. With ``elevation_deg`` the range is a
  slant range: ground range ``r cos e``, altitude ``site alt + r sin e``. Accuracy is
  ``hypot(range_sigma_m, ground range x bearing_sigma)`` from what is given;
* ``bearing_deg`` alone: a bearing-only report, with no position (``lat``, ``lon``,
  ``alt`` and ``accuracy`` NaN). The fused tracker triangulates bearings from two or
  more sensors to start a track and uses single bearings to update existing ones; the
  cooperative tracker counts them as untracked.

Every detection placed from a bearing carries what the sensor measured in the batch's
:class:`~airsentry.frame.SensorFrame`: the site, ``bearing_deg`` and ``elevation_deg`` in
radians, ``range_m`` (NaN when bearing-only) and the stated sigmas (NaN when not given).

The sensor site comes from the line (``"site": {"lat", "lon", "alt"}``), else from the
sensor table: the ``sites`` option, or a line without ``time`` that declares one
(``{"sensor": "rf-north", "site": {...}}``), valid for the lines after it.

``track_id`` (a non-negative integer) becomes the report's ``track_number``;
``class_hint`` its ``category``; ``identity`` (a string such as ``rf:<MAC>`` from an RF
detector that decodes the emitter, or ``rid:<serial>``) its ``identity``, which binds
the detection to that identity's track. Detections are non-cooperative: ``transponder``
False. Bad lines are rejected with the reason; blank lines skipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyproj

from airsentry.errors import DecodeError
from airsentry.frame import SensorFrame
from airsentry.model import ReportBatch, parse_time
from airsentry.sources._lines import Lines
from airsentry.sources._ranges import int_value, time_value
from airsentry.sources.asterix import Site
from airsentry.sources.base import Quarantine, register

KINDS = frozenset({"radar", "rf", "acoustic", "eoir"})
_GEOD = pyproj.Geod(ellps="WGS84")


class _Bad(ValueError):
    pass


@register("detections")
class DetectionDecoder:
    """Decodes counter-drone detection JSON lines, recorded or live.

    ``sites`` maps sensor name to :class:`Site` (or to a mapping of lat, lon, alt, as
    YAML gives it); sites declared by lines are added to it for the lines after them.
    """

    def __init__(
        self,
        *,
        source: str = "detections",
        recording: Path | None = None,
        sites: Mapping[str, Site | Mapping[str, float]] | None = None,
    ) -> None:
        self.sites: dict[str, Site] = {
            name: site if isinstance(site, Site) else Site(**site)
            for name, site in (sites or {}).items()
        }
        self._lines = Lines(source)

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        return self._decode(*self._lines.take(data, quarantine), quarantine)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        return self._decode(*self._lines.rest(), quarantine)

    def resync(self, quarantine: Quarantine) -> None:
        self._lines.cut(quarantine)

    def _decode(self, first: int, lines: list[bytes], quarantine: Quarantine) -> ReportBatch:
        rows: list[dict[str, Any]] = []
        for number, raw in enumerate(lines, start=first):
            self._line(raw, rows, self._lines.source, number, quarantine)
        return self._batch(rows, quarantine)

    def _line(
        self, raw: bytes, rows: list[dict[str, Any]], source: str, number: int, q: Quarantine
    ) -> None:
        if not raw.strip():
            q.skip("blank line")
            return
        try:
            obj = json.loads(raw)
            if not isinstance(obj, dict):
                raise _Bad("line is not a JSON object")
            row = self._row(obj)
        except (_Bad, ValueError, RecursionError) as exc:  # JSON nested past the limit
            reason = str(exc) if isinstance(exc, _Bad) else f"not valid JSON: {exc}"
            q.reject(DecodeError(reason, source=source, line=number), raw)
            return
        if row is None:
            q.skip("sensor site declaration")
        else:
            rows.append(row)

    def _row(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        sensor = obj.get("sensor")
        if not isinstance(sensor, str) or not sensor:
            raise _Bad("'sensor' must be a non-empty string")
        site = _site(obj["site"]) if "site" in obj else None
        if "time" not in obj:
            if site is None:
                raise _Bad("'time' is missing")
            self.sites[sensor] = site
            return None
        row: dict[str, Any] = {"t": _time(obj["time"]), "sensor": sensor}
        kind = obj.get("kind", "")
        if not isinstance(kind, str) or kind not in KINDS:
            raise _Bad(f"'kind' {kind!r} is not one of {', '.join(sorted(KINDS))}")
        row["kind"] = kind
        track = obj.get("track_id")
        if track is not None and (not int_value(track) or track < 0):
            raise _Bad(f"'track_id' {track!r} is not a non-negative integer")
        row["track_id"] = -1 if track is None else track
        hint = obj.get("class_hint", "")
        if not isinstance(hint, str):
            raise _Bad("'class_hint' must be a string")
        row["class_hint"] = hint
        identity = obj.get("identity", "")
        if not isinstance(identity, str):
            raise _Bad("'identity' must be a string")
        row["identity"] = identity
        for key, lo, hi in _NUMBERS:
            if key in obj and obj[key] is not None:
                row[key] = _number(obj, key, lo, hi)
        if "lat" in row or "lon" in row:
            if "lat" not in row or "lon" not in row:
                raise _Bad("'lat' and 'lon' go together")
            row["how"] = "position"
        elif "bearing_deg" in row:
            site = site or self.sites.get(sensor)
            if site is None:
                raise _Bad(f"bearing from sensor {sensor!r}, whose site is not known")
            row["site"] = site
            row["how"] = "range" if "range_m" in row else "bearing"
        else:
            raise _Bad("neither 'lat'/'lon' nor 'bearing_deg' is given")
        return row

    def _batch(self, rows: list[dict[str, Any]], q: Quarantine) -> ReportBatch:
        if not rows:
            return ReportBatch.empty()

        def col(key: str, default: Any = math.nan, dtype: Any = np.float64) -> Any:
            return np.array([r.get(key, default) for r in rows], dtype=dtype)

        how = col("how", "", object)
        site = [r.get("site") or Site(math.nan, math.nan, math.nan) for r in rows]
        site_lat = np.array([s.lat for s in site])
        site_lon = np.array([s.lon for s in site])
        site_alt = np.array([s.alt for s in site])
        bearing, elevation = col("bearing_deg"), col("elevation_deg")
        only = how == "bearing"
        lat, lon, alt, accuracy = col("lat"), col("lon"), col("alt"), col("accuracy_m")
        ranged = how == "range"
        if ranged.any():
            slant = col("range_m")[ranged]
            elev = np.radians(np.nan_to_num(elevation[ranged], nan=0.0))
            ground = slant * np.cos(elev)
            lon[ranged], lat[ranged], _ = _GEOD.fwd(
                site_lon[ranged], site_lat[ranged], bearing[ranged], ground
            )
            alt[ranged] = np.where(
                np.isnan(elevation[ranged]), np.nan, site_alt[ranged] + slant * np.sin(elev)
            )
            across = ground * np.radians(col("bearing_sigma_deg")[ranged])
            along = col("range_sigma_m")[ranged]
            both = np.hypot(np.nan_to_num(across), np.nan_to_num(along))
            accuracy[ranged] = np.where(np.isnan(across) & np.isnan(along), np.nan, both)
        measured = ranged | only
        frame = None
        if measured.any():
            frame = SensorFrame.build(
                len(rows),
                **{k: np.where(measured, v, np.nan) for k, v in {
                    "site_lat": site_lat, "site_lon": site_lon, "site_alt": site_alt,
                    "range_m": col("range_m"), "azimuth_rad": np.radians(bearing),
                    "elevation_rad": np.radians(elevation),
                    "sigma_range_m": col("range_sigma_m"),
                    "sigma_azimuth_rad": np.radians(col("bearing_sigma_deg")),
                    "sigma_elevation_rad": np.radians(col("elevation_sigma_deg")),
                }.items()},
            )  # fmt: skip
        return ReportBatch.build(
            t=col("t"),
            lat=lat,
            lon=lon,
            alt=alt,
            accuracy=accuracy,
            sensor=col("sensor", "", object),
            identity=col("identity", "", object),
            track_number=col("track_id", -1, np.int64),
            category=col("class_hint", "", object),
            frame=frame,
        )


_NUMBERS = (
    ("lat", -90.0, 90.0),
    ("lon", -180.0, 180.0),
    ("alt", -1_000.0, 100_000.0),
    ("accuracy_m", 0.0, 1e6),
    ("bearing_deg", 0.0, 360.0),
    ("bearing_sigma_deg", 0.0, 180.0),
    ("range_m", 0.0, 1e6),
    ("range_sigma_m", 0.0, 1e6),
    ("elevation_deg", -90.0, 90.0),
    ("elevation_sigma_deg", 0.0, 90.0),
)


def _number(obj: dict[str, Any], key: str, lo: float, hi: float) -> float:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"'{key}' {value!r} is not a number")
    if not lo <= value <= hi:  # also refuses NaN
        raise _Bad(f"'{key}' {value!r} out of range [{lo:g}, {hi:g}]")
    return float(value)


def _time(value: Any) -> float:
    if isinstance(value, str):
        try:
            t = parse_time(value).timestamp()
        except ValueError as exc:
            raise _Bad(f"'time' {value!r} is not ISO 8601 with a zone: {exc}") from None
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"'time' {value!r} is not a time")
    else:
        t = float(value) if not isinstance(value, int) or abs(value) < 1 << 62 else math.inf
    if not time_value(t):
        raise _Bad(f"'time' {value!r} out of range (1970 to 2200)")
    return t


def _site(value: Any) -> Site:
    if not isinstance(value, dict):
        raise _Bad("'site' must be an object with lat, lon and alt")
    lat = _number(value, "lat", -90.0, 90.0) if "lat" in value else None
    lon = _number(value, "lon", -180.0, 180.0) if "lon" in value else None
    if lat is None or lon is None:
        raise _Bad("'site' needs lat and lon")
    alt = _number(value, "alt", -1_000.0, 10_000.0) if "alt" in value else 0.0
    return Site(lat, lon, alt)
