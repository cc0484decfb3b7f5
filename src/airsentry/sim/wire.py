"""Simulated reports through the real decoders: the wire formats the sources read.

Where a source module decodes a format, the simulator writes that format and reads it
back with the source, so scenarios exercise the real decoder (its rounding, its
carrying of callsign and velocity between messages, its quarantine). Today that is
SBS-1 text for ADS-B (:mod:`airsentry.sources.sbs`; SBS carries no emitter category,
so the category of decoded reports is empty, as it is for a real SBS feed) and ASTM
F3411 Remote ID message packs (Basic ID + Location) as receiver JSON lines
(:mod:`airsentry.sources.remoteid`), ASTERIX for radars (CAT048 plots with range and
azimuth from the site, CAT062 system tracks; :mod:`airsentry.sim.wire_asterix`, read
by :mod:`airsentry.sources.asterix`) and SAPIENT for counter-UAS nodes
(:mod:`airsentry.sim.wire_sapient`, read by :mod:`airsentry.sources.sapient`).
ADS-B can also be written as a receiver's Mode-S Beast stream of DF17 squitters
(:mod:`airsentry.sim.wire_beast`, read by :mod:`airsentry.sources.beast`; the live
latency benchmark serves it).
"""

from __future__ import annotations

import json
import math
import struct
import tempfile
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from airsentry.columns import cells
from airsentry.errors import ScenarioError
from airsentry.model import FloatArray, ObjArray, ReportBatch, as_str_array, from_epoch
from airsentry.sim import wire_asterix, wire_sapient
from airsentry.sim.routes import GEOD
from airsentry.sim.scenario import SensorSpec
from airsentry.sources.base import Quarantine, read_file

FT = 0.3048
KT = 1852.0 / 3600.0
FPM = FT / 60.0


def _fmt(pattern: str, values: FloatArray) -> ObjArray:
    """``pattern % x`` for each finite value, "" for NaN."""
    out = np.char.mod(pattern, np.nan_to_num(values))
    return np.where(np.isfinite(values), out, "").astype(object)


def _cat(*cols: npt.NDArray[Any] | str) -> ObjArray:
    out: ObjArray = as_str_array([""])
    for c in cols:
        out = np.char.add(out.astype(str), np.asarray(c, dtype=object).astype(str)).astype(object)
    return out


def sbs_lines(batch: ReportBatch) -> str:
    """SBS-1 text for ADS-B reports: per report an MSG,4 velocity line, then an MSG,3
    position line (with squawk), after one MSG,1 identification line per aircraft."""
    n = len(batch)
    hexid = np.char.upper(np.char.replace(batch.identity.astype(str), "icao:", ""))
    day = np.floor(batch.t / 86400.0)
    days, inverse = np.unique(day, return_inverse=True)
    names = np.array([from_epoch(d * 86400.0).strftime("%Y/%m/%d") for d in days], dtype=object)
    date = names[inverse]
    sec = batch.t - day * 86400.0
    ms = np.round(sec * 1000).astype(np.int64)
    clock = _cat(
        np.char.zfill((ms // 3_600_000).astype(str), 2), ":",
        np.char.zfill((ms // 60_000 % 60).astype(str), 2), ":",
        np.char.zfill((ms // 1000 % 60).astype(str), 2), ".",
        np.char.zfill((ms % 1000).astype(str), 3),
    )  # fmt: skip
    when = _cat(date, ",", clock, ",", date, ",", clock)
    gs = np.hypot(batch.vel_e, batch.vel_n) / KT
    track = np.degrees(np.arctan2(batch.vel_e, batch.vel_n)) % 360.0
    head = _cat("MSG,", "{tt}", ",1,1,", hexid.astype(object), ",1,", when, ",")
    vel = _cat(
        np.char.replace(head.astype(str), "{tt}", "4"), ",,", _fmt("%.0f", gs), ",",
        _fmt("%.1f", track), ",,,", _fmt("%.0f", batch.vel_u / FPM), ",,0,0,0,0",
    )  # fmt: skip
    pos = _cat(
        np.char.replace(head.astype(str), "{tt}", "3"), ",", _fmt("%.0f", batch.alt / FT),
        ",,,", _fmt("%.5f", batch.lat), ",", _fmt("%.5f", batch.lon), ",,",
        batch.squawk, ",0,0,0,0",
    )  # fmt: skip
    _, first = np.unique(hexid, return_index=True)
    ident = _cat(
        np.char.replace(head[first].astype(str), "{tt}", "1"),
        batch.callsign[first],
        ",,,,,,,,,,,",
    )
    lines = np.empty(2 * n, dtype=object)
    lines[0::2], lines[1::2] = vel, pos
    return "\n".join([*ident.tolist(), *lines.tolist()]) + "\n"


def through_sbs(batch: ReportBatch, sensor_id: str) -> ReportBatch:
    """Encode ADS-B reports as SBS-1 text and decode them with the SBS source."""
    return _round_trip(batch, sensor_id, "sbs", sbs_lines(batch))


def _round_trip(
    batch: ReportBatch, sensor_id: str, fmt: str, data: str | bytes, **options: Any
) -> ReportBatch:
    """Decode ``data`` with the ``fmt`` source; the reports must all come back."""
    with tempfile.TemporaryDirectory(prefix="airsentry-sim-") as tmp:
        path = Path(tmp) / f"{sensor_id}.{fmt}"
        raw = data.encode("ascii") if isinstance(data, str) else data
        path.write_bytes(raw)
        quarantine = Quarantine(keep_in_memory=10)
        decoded = ReportBatch.concat(list(read_file(path, fmt, quarantine, **options)))
    if len(decoded) != len(batch) or quarantine.count:
        raise ScenarioError(
            f"sensor {sensor_id}: {fmt} round trip gave {len(decoded)} of {len(batch)} "
            f"reports ({quarantine.summary()})"
        )
    return ReportBatch(
        **{
            f.name: getattr(decoded, f.name)
            for f in fields(decoded)
            if f.name not in ("sensor", "accuracy", "track_number")
        },
        sensor=cells(len(decoded), sensor_id),
        accuracy=batch.accuracy,
        track_number=batch.track_number,
    )


def _rid_location(
    t: float, lat: float, lon: float, alt: float, ve: float, vn: float, vu: float
) -> bytes:
    """A Location/Vector message (type 0x1, version 2); layout in ``_remoteid_messages``."""
    speed = math.hypot(ve, vn)
    track = round(math.degrees(math.atan2(ve, vn))) % 360
    mult = speed > 63.75
    raw_speed = round((speed - 63.75) / 0.75) if mult else round(speed / 0.25)
    flags = (2 << 4) | (0x02 if track >= 180 else 0) | (0x01 if mult else 0)
    alt_raw = max(1, min(0xFFFF, round((alt + 1000.0) * 2.0)))
    vs = max(-62, min(62, round(vu / 0.5))) if math.isfinite(vu) else 126
    tenths = int((t % 3600.0) * 10.0)
    return struct.pack(
        "<BBBBbiiHHHBBHBB", 0x12, flags, track % 180, min(raw_speed, 254), vs,
        round(lat * 1e7), round(lon * 1e7), alt_raw, alt_raw, 0, (4 << 4) | 10, 0, tenths, 1, 0,
    )  # fmt: skip


def remoteid_lines(batch: ReportBatch, receiver: str) -> str:
    """Receiver JSON lines, one message pack (Basic ID, Location) per report."""
    lines = []
    cols = zip(batch.t.tolist(), batch.lat.tolist(), batch.lon.tolist(), batch.alt.tolist(),
               batch.vel_e.tolist(), batch.vel_n.tolist(), batch.vel_u.tolist(),
               batch.identity.tolist(), strict=True)  # fmt: skip
    for t, lat, lon, alt, ve, vn, vu, ident in cols:
        uas = str(ident).removeprefix("rid:").encode("ascii")[:20].ljust(20, b"\0")
        basic = bytes([0x02, (1 << 4) | 2]) + uas + bytes(3)
        pack = bytes([0xF2, 25, 2]) + basic + _rid_location(t, lat, lon, alt, ve, vn, vu)
        lines.append(json.dumps({"time": t, "receiver": receiver, "payload": pack.hex()}))
    return "\n".join(lines) + "\n"


def through_remoteid(batch: ReportBatch, sensor_id: str) -> ReportBatch:
    """Encode Remote ID reports as receiver log lines and decode them with the source."""
    return _round_trip(batch, sensor_id, "remoteid", remoteid_lines(batch, sensor_id))


def _polar(batch: ReportBatch, site: tuple[float, float, float]) -> tuple[FloatArray, FloatArray]:
    """Ground distance (m) and true azimuth (deg) of each report from ``site``."""
    n = len(batch)
    az, _, dist = GEOD.inv(np.full(n, site[1]), np.full(n, site[0]), batch.lon, batch.lat)
    return np.asarray(dist, dtype=np.float64), np.asarray(az, dtype=np.float64) % 360.0


SAC = 0x30  # the System Area Code of the simulated radars (SIC: the sensor's number)


def through_asterix(batch: ReportBatch, spec: SensorSpec, sic: int) -> ReportBatch:
    """Encode a radar's reports as ASTERIX (SAC/SIC :data:`SAC`/``sic``) and decode them
    with the ASTERIX source.

    A radar with a site whose output is plots, or a secondary radar with a site, sends
    CAT048 target reports (range and azimuth from the site); a radar tracker sends
    CAT062 system tracks (WGS-84 positions)."""
    options: dict[str, Any] = {"date": wire_asterix.day_of(batch.t)}
    if spec.site is not None and (spec.output == "plots" or spec.kind == "ssr"):
        ground, az = _polar(batch, spec.site)
        data = wire_asterix.cat048(batch, (SAC, sic % 256), ground, az, spec.site[2])
        site = {"lat": spec.site[0], "lon": spec.site[1], "alt": spec.site[2]}
        options.update(
            radars={"*": site},
            range_sigma_m=spec.range_noise_m,
            azimuth_sigma_deg=spec.azimuth_noise_deg,
            height_sigma_m=spec.alt_noise_m if spec.alt_noise_m > 0 else None,
        )
    else:
        data = wire_asterix.cat062(batch, (SAC, sic % 256))
    return _round_trip(batch, spec.id, "asterix", data, **options)


def through_sapient(batch: ReportBatch, spec: SensorSpec, range_fraction: float) -> ReportBatch:
    """Encode a counter-UAS node's reports as SAPIENT and decode them with its source.

    A node with a site reports range and bearing (a passive node's range is the rough
    one its model gives, its error ``range_fraction`` of the range); a passive RF
    detector only ever hears drone control links, so it classifies what it reports as a
    drone."""
    hinted = batch
    if spec.kind == "passive_rf":
        hinted = replace(batch, category=np.where(batch.category == "", "drone", batch.category))
    if spec.site is None:
        data = wire_sapient.detections(hinted, spec.id, site=None)
    else:
        ground, az = _polar(batch, spec.site)
        passive = spec.kind in ("passive_rf", "acoustic")
        bearing = spec.bearing_noise_deg if passive else spec.azimuth_noise_deg
        # a passive node's range is the rough one of its model, known to a fraction
        sigma_r = ground * range_fraction if passive else np.full(len(batch), spec.range_noise_m)
        data = wire_sapient.detections(
            hinted, spec.id, site=spec.site, ground_m=ground, azimuth_deg=az,
            range_sigma_m=sigma_r, azimuth_sigma_deg=bearing,
        )  # fmt: skip
    return _round_trip(batch, spec.id, "sapient", data)
