"""EUROCONTROL ASTERIX: radar plots (CAT048), system tracks (CAT062), ADS-B (CAT021).

Inputs: raw files (ASTERIX data blocks one after another), packet captures (pcap or
pcapng; every UDP payload holds whole data blocks, see :mod:`._pcap`) and single UDP
datagrams from a live feed (:func:`decode_datagram`). Structure is walked by
:mod:`._asterix_spec` from the category definitions of ``asterix-decoder``; values are
read by :mod:`._asterix_fields`. The record layout is self-describing (FSPEC), so it
is walked record by record; units, times and geodesy are converted per batch in NumPy.

What becomes a report:

* CAT048 plot: range and azimuth from the radar site configured for its SAC/SIC
  (``radars``). The slant range becomes a ground range with the Mode C altitude when
  there is one (spherical Earth, radius 6371 km), else is taken as the ground range;
  the position is the WGS84 geodesic forward from the site. Accuracy is
  ``hypot(range_sigma_m, ground_range * azimuth_sigma)``. Mode S address gives the
  identity, Mode 3/A the squawk, Mode C the altitude, I161 the track number;
  ``transponder`` is set when any of Mode A/C/S is present. The batch's ``frame``
  carries what the radar measured (slant range, azimuth, the site and the configured
  sigmas), so that a tracker can update in the radar's own frame.
* CAT062 track: I105 WGS84 when present, else I100 Cartesian from the system reference
  point configured for its SAC/SIC (``system_refs``; stereographic plane tangent at
  that point). Altitude: measured flight level (I136), else geometric (I130).
* CAT021 report: position, flight level (else geometric height), ground vector,
  callsign, emitter category, NACp as accuracy (95% bound / 2).
* CAT034 and CAT065 service messages are not reports: each becomes a
  :class:`SensorStatus` in ``status`` (north marker, sector crossing, overloads...).
  Other categories are counted as skipped.

Altitudes from flight levels are pressure altitudes (FL x 100 ft) in metres.

Times: ASTERIX carries only the time of day (UTC). ``date`` (a ``datetime.date``)
gives the day of the first record of a raw file; later records that wrap past
midnight move to the next day (a backward jump of more than 12 h is a new day). A
capture (and :func:`decode_datagram`) needs no date: each record takes the day that
puts it within 12 h of its packet's capture (reception) time. The records of a raw file
read without ``date`` cannot be placed in time: they are counted as skipped, with
that reason.

Sensors are named ``asterix:SAC/SIC``; the SAC/SIC keys of ``radars`` and
``system_refs`` are written the same way (``"25/201"``), or ``"*"`` for any.
"""

from __future__ import annotations

import datetime as dt
import math
import mmap
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa

from airsentry.errors import DecodeError
from airsentry.model import FloatArray, ReportBatch
from airsentry.sources import _asterix_fields as fields
from airsentry.sources import _asterix_geo as geo
from airsentry.sources import _asterix_spec as spec
from airsentry.sources import _pcap
from airsentry.sources._asterix_geo import Site, ground_range, stereographic
from airsentry.sources._asterix_status import SensorStatus, keep_status, why_unplaced
from airsentry.sources._lines import Document
from airsentry.sources.base import Quarantine, register

__all__ = [
    "AsterixDecoder",
    "SensorStatus",
    "Site",
    "decode_datagram",
    "ground_range",
    "stereographic",
]

DAY = 86_400.0
_KNOWN = (21, 34, 48, 62, 65)  # categories decoded here


@dataclass
class _Rows:
    """Decoded records awaiting conversion: one dict of wire values per record."""

    values: list[dict[str, Any]]
    refs: list[float]  # capture/reception time per record (NaN: use the date)
    raws: list[bytes]


@register("asterix")
class AsterixDecoder:
    """Decodes ASTERIX: a recorded raw file or capture (one document), or live datagrams.

    On a live feed (no ``recording``) each ``feed`` is one UDP datagram, decoded at
    once and dated by its arrival (``clock``); a recording is kept until ``flush`` and
    decoded whole. ``date``: UTC day of a raw file's first record (a date or ISO
    text). ``radars``: CAT048 radar site per SAC/SIC (or one :class:`Site` for all; a
    site may be a mapping of lat, lon, alt as YAML gives it). ``system_refs``: CAT062
    system reference point per SAC/SIC. ``range_sigma_m``, ``azimuth_sigma_deg``: radar
    measurement errors behind a plot's accuracy; ``height_sigma_m``: a 3D radar's height
    error (I110), stated in the frame as an elevation noise (unset: unstated).
    ``status`` keeps the latest ``status_keep`` service messages; ``status_counts``
    counts them all by category and kind.
    """

    def __init__(
        self,
        *,
        source: str = "asterix",
        recording: Path | None = None,
        clock: Callable[[], float] = time.time,
        date: date | str | None = None,
        radars: Mapping[str, Site | Mapping[str, float]] | Site | None = None,
        system_refs: Mapping[str, Site | Mapping[str, float]] | Site | None = None,
        range_sigma_m: float = 70.0,
        azimuth_sigma_deg: float = 0.08,
        height_sigma_m: float | None = None,
        chunk_records: int = 50_000,
        status_keep: int = 10_000,
    ) -> None:
        self.date = dt.date.fromisoformat(date) if isinstance(date, str) else date
        self.radars = geo.sites(radars)
        self.system_refs = geo.sites(system_refs)
        self.range_sigma_m = range_sigma_m
        self.azimuth_sigma_deg = azimuth_sigma_deg
        self.height_sigma_m = height_sigma_m
        self.chunk_records = chunk_records
        self.status: deque[SensorStatus] = deque(maxlen=status_keep)
        self.status_counts: Counter[str] = Counter()
        self._last_day_s: float | None = None  # unwrapped seconds since ``date``
        self.live = recording is None
        self.clock = clock
        self._doc = Document(source)

    # -- the decoder contract ---------------------------------------------------------
    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        if not self.live:
            self._doc.add(data)
            return ReportBatch.empty()
        if not data:
            return ReportBatch.empty()
        return self.decode_datagram(
            data, received=self.clock(), quarantine=quarantine, source=self._doc.source
        )

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        out = list(self._document(self._doc.take(), quarantine))
        return ReportBatch.concat(out) if out else ReportBatch.empty()

    def resync(self, quarantine: Quarantine) -> None:
        self._doc.cut(quarantine)

    def read_path(
        self, path: Path, quarantine: Quarantine, block_bytes: int
    ) -> Iterator[ReportBatch]:
        """A recording read from disk without copying it into memory: the file is mapped
        (pages are read as the walk reaches them and stay reclaimable page cache), and
        its reports come out ``chunk_records`` at a time instead of as one batch. Only a
        compressed file is decompressed into memory first. Same reports and rejects as
        ``feed``-ing the file's bytes and ``flush``."""
        where = str(path)
        with pa.input_stream(where, compression="detect") as probe:
            head = probe.read(8)
        with open(where, "rb") as fh:
            if fh.read(8) != head:  # decompressed on the way
                with pa.input_stream(where, compression="detect") as stream:
                    data: Any = stream.read()
                yield from self._document(data, quarantine)
                return
            if not head:
                return
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                # A mapping reads as bytes do (len, index, slice, struct.unpack_from).
                yield from self._document(cast(bytes, mapped), quarantine)

    def _document(self, data: bytes, quarantine: Quarantine) -> Iterator[ReportBatch]:
        """Reports of a raw file or capture, in file order."""
        source = self._doc.source
        self._last_day_s = None
        if _pcap.is_capture(data[:4]):
            rows = _Rows([], [], [])
            for packet in _pcap.packets(data):
                if packet.payload is None:
                    if packet.rejected:
                        err = DecodeError(packet.problem, source=source, line=packet.number)
                        quarantine.reject(err, packet.raw)
                    else:
                        quarantine.skip(f"capture packet: {packet.problem}")
                    continue
                self._blocks(packet.payload, packet.time, rows, source, packet.number, quarantine)
                if len(rows.values) >= self.chunk_records:
                    yield self._batch(rows, source, quarantine)
                    rows = _Rows([], [], [])
            yield self._batch(rows, source, quarantine)
            return
        pos = 0
        while pos < len(data):
            rows = _Rows([], [], [])
            pos = self._blocks(data, math.nan, rows, source, None, quarantine, pos)
            yield self._batch(rows, source, quarantine)

    def decode_datagram(
        self, data: bytes, *, received: float, quarantine: Quarantine, source: str = "udp"
    ) -> ReportBatch:
        """Reports of one UDP datagram received at epoch ``received`` (its date source)."""
        rows = _Rows([], [], [])
        self._blocks(bytes(data), received, rows, source, None, quarantine)
        return self._batch(rows, source, quarantine)

    # -- structure --------------------------------------------------------------------
    def _blocks(
        self,
        data: bytes,
        ref: float,
        rows: _Rows,
        source: str,
        packet: int | None,
        quarantine: Quarantine,
        pos: int = 0,
    ) -> int:
        """Walk data blocks and records from ``pos``; malformed parts go to ``quarantine``.

        Stops after the block that fills ``rows`` to ``chunk_records`` and returns where
        the next block starts (the end of ``data`` when all is read).
        """
        while pos < len(data) and len(rows.values) < self.chunk_records:
            where = f"{source}@{pos}"
            if pos + 3 > len(data):
                reason = "data block header truncated"
                quarantine.reject(DecodeError(reason, source=where, line=packet), data[pos:])
                return len(data)
            number, length = data[pos], int.from_bytes(data[pos + 1 : pos + 3], "big")
            if length < 3 or pos + length > len(data):
                reason = f"CAT{number:03d} block length {length} does not fit the data"
                resync = spec.next_block(data, pos + 1, _KNOWN)
                err = DecodeError(reason, source=where, line=packet)
                quarantine.reject(err, data[pos:resync])
                pos = resync
                continue
            end = pos + length
            cat = spec.category(number) if number in _KNOWN else None
            if cat is None:
                quarantine.skip(f"ASTERIX CAT{number:03d}: not used by airsentry")
                pos = end
                continue
            at = pos + 3
            while at < end:
                try:
                    items, stop = spec.split_record(cat, data, at, end)
                    values = self._values(number, cat, items)
                except (spec.Malformed, IndexError, KeyError, ValueError) as exc:
                    err = DecodeError(str(exc), source=f"{source}@{at}", line=packet)
                    quarantine.reject(err, data[at:end])
                    break
                raw = data[at:stop]
                at = stop
                if values is None:
                    continue
                rows.values.append(values)
                rows.refs.append(ref)
                rows.raws.append(raw)
            pos = end
        return pos

    def _values(self, number: int, cat: spec.Category, items: dict[str, bytes]) -> Any:
        ident = fields.sac_sic(items)
        if ident is None:
            raise ValueError(f"CAT{number:03d} record without I010 (SAC/SIC)")
        if number == 48:
            v = fields.cat048(items)
        elif number == 62:
            v = fields.cat062(items, cat)
        elif number == 21:
            v = fields.cat021(items)
        else:
            v = fields.service(items, number, cat)
        v["cat"], v["sensor"] = number, f"asterix:{ident[0]}/{ident[1]}"
        return v

    # -- conversion -------------------------------------------------------------------
    def _times(self, tod: FloatArray, refs: FloatArray) -> FloatArray:
        """Epoch seconds from time of day and a reference time per record (or the date)."""
        out = np.full(len(tod), np.nan)
        has_ref = np.isfinite(refs)
        if has_ref.any():
            ref_tod = np.mod(refs[has_ref], DAY)
            out[has_ref] = refs[has_ref] + np.mod(tod[has_ref] - ref_tod + DAY / 2, DAY) - DAY / 2
        rest = ~has_ref & np.isfinite(tod)
        if rest.any() and self.date is not None:
            midnight = datetime(self.date.year, self.date.month, self.date.day, tzinfo=UTC)
            last = self._last_day_s if self._last_day_s is not None else float(tod[rest][0])
            unwrapped = np.unwrap(np.r_[last, tod[rest]], period=DAY)
            unwrapped += last - unwrapped[0]
            self._last_day_s = float(unwrapped[-1])
            out[rest] = midnight.timestamp() + unwrapped[1:]
        return out

    def _batch(self, rows: _Rows, source: str, quarantine: Quarantine) -> ReportBatch:
        if not rows.values:
            return ReportBatch.empty()
        vals = rows.values

        def col(key: str, default: Any = math.nan, dtype: Any = np.float64) -> Any:
            return np.array([v.get(key, default) for v in vals], dtype=dtype)

        cat = col("cat", 0, np.int64)
        sensor = col("sensor", "", object)
        t = self._times(col("tod"), np.array(rows.refs, dtype=np.float64))
        service = (cat == 34) | (cat == 65)
        keep_status(vals, t, cat, service, self.status, self.status_counts)
        quarantine.skip("ASTERIX service message: sensor health, not a report", int(service.sum()))

        lat, lon = col("lat"), col("lon")
        alt = col("fl") * 100.0 * fields.FT
        height3d = np.where(np.isnan(alt) & (cat == 48), col("geo_ft") * fields.FT, np.nan)
        alt = np.where(np.isnan(alt), col("geo_ft") * fields.FT, alt)
        gs, trk = col("gs_kt") * fields.KT, np.radians(col("track_deg"))
        vel_e, vel_n = gs * np.sin(trk), gs * np.cos(trk)
        vx, vy = col("vx"), col("vy")
        vel_e = np.where(np.isnan(vx), vel_e, vx)
        vel_n = np.where(np.isnan(vy), vel_n, vy)
        accuracy = col("sigma_m")
        site = np.full((3, len(vals)), np.nan)  # CAT048 radar site lat, lon, alt: the frame
        sigmas = (self.range_sigma_m, self.azimuth_sigma_deg)
        rho = col("rho_nm")
        geo.place_plots(self.radars, sigmas, cat == 48, sensor, rho, col("theta_deg"),
                        alt, (lat, lon, accuracy), site)  # fmt: skip
        geo.place_cartesian(self.system_refs, cat == 62, sensor, col("x"), col("y"), lat, lon)

        report = ~service
        bad = report & (~np.isfinite(t) | ~np.isfinite(lat) | ~np.isfinite(lon))
        for i in np.flatnonzero(bad):
            reason = why_unplaced(vals[i], t[i])
            where = f"{source} CAT{cat[i]:03d} {sensor[i]}"
            if reason.startswith("no "):
                quarantine.skip(f"ASTERIX CAT{cat[i]:03d}: {reason}")
            else:
                quarantine.reject(DecodeError(reason, source=where), rows.raws[i])
        keep = report & ~bad
        with np.errstate(invalid="ignore"):
            ok_range = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        for i in np.flatnonzero(keep & ~ok_range):
            err = DecodeError(f"position {lat[i]}, {lon[i]} out of range", source=source)
            quarantine.reject(err, rows.raws[i])
        keep &= ok_range
        return ReportBatch.build(
            t=t[keep],
            lat=lat[keep],
            lon=lon[keep],
            alt=alt[keep],
            vel_e=vel_e[keep],
            vel_n=vel_n[keep],
            vel_u=(col("roc_fpm") * fields.FT / 60.0)[keep],
            accuracy=accuracy[keep],
            sensor=sensor[keep],
            identity=col("identity", "", object)[keep],
            track_number=col("track", -1, np.int64)[keep],
            callsign=col("callsign", "", object)[keep],
            squawk=col("squawk", "", object)[keep],
            category=col("category", "", object)[keep],
            transponder=col("transponder", False, np.bool_)[keep],
            frame=geo.plot_frame(
                site[:, keep],
                rho[keep],
                col("theta_deg")[keep],
                sigmas,
                height3d[keep],
                self.height_sigma_m,
            ),
        )


def decode_datagram(
    data: bytes,
    *,
    received: float,
    quarantine: Quarantine,
    source: str = "udp",
    decoder: AsterixDecoder | None = None,
) -> ReportBatch:
    """Reports of one UDP datagram of ASTERIX blocks; ``decoder`` holds the sites.

    Service messages land in ``decoder.status``; pass the same decoder every time.
    """
    dec = decoder if decoder is not None else AsterixDecoder()
    return dec.decode_datagram(data, received=received, quarantine=quarantine, source=source)
