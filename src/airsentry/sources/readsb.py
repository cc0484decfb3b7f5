"""readsb / dump1090 JSON: ``aircraft.json`` snapshots and readsb ``trace_full`` files.

``aircraft.json`` (polled over HTTP, or saved): ``{"now": epoch, "aircraft": [{...}]}``
with per aircraft ``hex`` (``~`` prefix: non-ICAO address), ``flight``, ``lat``,
``lon``, ``alt_baro`` (ft, or ``"ground"``), ``alt_geom`` (ft), ``gs`` (kt), ``track``
(deg), ``baro_rate``/``geom_rate`` (ft/min), ``squawk``, ``category``, ``seen_pos``
(s since the position), ``nac_p``, ``nic``, ``sil``, ``type`` (``adsb_icao``, ``mlat``,
``tisb_*`` ...).
Older dump1090 names (``altitude``, ``speed``, ``vert_rate``) are read too. A report's
time is ``now - seen_pos``; aircraft without a position are counted as skipped.

readsb trace files (``trace_full_<hex>.json``): ``{"icao", "timestamp", "trace":
[[dt, lat, lon, alt, gs, track, flags, vrate, details|null, type, alt_geom,
geom_rate, ias, roll], ...]}``; a point's time is ``timestamp + dt``; ``alt`` is ft or
``"ground"``; flag 8 marks ``alt`` as geometric, flag 4 ``vrate`` as geometric.
``details`` (an aircraft.json-like object, sent now and then) gives the callsign
(``flight``), squawk, category, NACp, NIC and SIL, carried onto the later points.

Reports from MLAT and TIS-B are not the target's own broadcast (``transponder``
False). Accuracy is the 95 % EPU of NACp over 2.4477 (1 sigma), NaN when unknown;
NACp, NIC and SIL themselves ride on the batch's ``nav`` (:mod:`airsentry.nav`).
These are whole JSON documents: the columns are pulled out of the parsed objects
once per field, then checked and converted as arrays. Bad records are quarantined
with their index (1-based) as ``line``.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from airsentry.errors import DecodeError
from airsentry.model import ReportBatch
from airsentry.nav import NavIntegrity
from airsentry.sources._columns import velocity_en
from airsentry.sources._lines import Document, DocumentDecoder
from airsentry.sources.base import Quarantine, register
from airsentry.sources.modes.fields import FPM, FT, KT, NACP_EPU_M, SIGMA_PER_R95

OWN = ("adsb_icao", "adsb_icao_nt", "adsr_icao", "adsb_other", "adsr_other", "mode_s")


def _num(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Numbers as float64; anything else (None, text, bool) as NaN. An integer beyond
    float64 (JSON has no limit) becomes an infinity, which the range checks refuse."""
    return np.array(
        [(_big(v) if type(v) is int else v) if type(v) in (int, float) else np.nan for v in values],
        dtype=np.float64,
    )


def _big(v: int) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _str(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    return np.array([v.strip() if isinstance(v, str) else "" for v in values], dtype=object)


def _accuracy(nacp: np.ndarray) -> np.ndarray:
    ok = np.isfinite(nacp) & (nacp >= 0) & (nacp <= 15)
    out: np.ndarray = np.where(ok, NACP_EPU_M[np.where(ok, nacp, 0).astype(np.int64)], np.nan)
    return out * SIGMA_PER_R95


def _checked(
    lat: np.ndarray, lon: np.ndarray, source: str, raws: Sequence[Any], q: Quarantine
) -> np.ndarray:
    """Mask of rows with a position in range; out-of-range rows are quarantined.

    Callers count as skipped only the rows that are neither good nor rejected.
    """
    has = ~np.isnan(lat) & ~np.isnan(lon)
    bad = has & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    for i in np.flatnonzero(bad):
        err = DecodeError("position out of range", source=source, line=int(i) + 1)
        q.reject(err, json.dumps(raws[int(i)])[:2000])
    out: np.ndarray = has & ~bad
    return out


def decode_aircraft_json(doc: bytes, source: str, quarantine: Quarantine) -> ReportBatch:
    """Position reports of one ``aircraft.json`` snapshot (for files and HTTP polling)."""
    try:
        data = json.loads(doc)
        now = float(data["now"])
        aircraft = data["aircraft"]
        if not isinstance(aircraft, list) or not np.isfinite(now):
            raise TypeError("'aircraft' is not a list")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # nested too deep
        reason = f"not an aircraft.json snapshot: {type(exc).__name__}: {exc}"
        quarantine.reject(DecodeError(reason, source=source), doc[:2000])
        return ReportBatch.empty()
    ac = [a if isinstance(a, dict) else {} for a in aircraft]
    for i in (i for i, a in enumerate(aircraft) if not isinstance(a, dict)):
        err = DecodeError("aircraft entry is not an object", source=source, line=i + 1)
        quarantine.reject(err, json.dumps(aircraft[i])[:2000])

    def col(*names: str) -> list[Any]:
        return [next((a[k] for k in names if k in a), None) for a in ac]

    hexes = _str(col("hex"))
    lat, lon = _num(col("lat")), _num(col("lon"))
    is_obj = np.array([isinstance(a, dict) for a in aircraft], dtype=np.bool_)
    placed = _checked(lat, lon, source, aircraft, quarantine)
    out_of_range = ~np.isnan(lat) & ~np.isnan(lon) & ~placed
    good = placed & (hexes != "") & is_obj
    skipped = ~good & ~out_of_range & is_obj
    quarantine.skip("aircraft.json entry without a position", int(skipped.sum()))
    alt_raw = col("alt_baro", "altitude")
    ground = np.array([v == "ground" for v in alt_raw], dtype=np.bool_)
    alt = _num(alt_raw)
    alt = np.where(np.isnan(alt), _num(col("alt_geom")), alt)
    seen = np.nan_to_num(_num(col("seen_pos")), nan=0.0)
    ve, vn = velocity_en(_num(col("gs", "speed")) * KT, _num(col("track")))
    vr = _num(col("baro_rate", "vert_rate"))
    vr = np.where(np.isnan(vr), _num(col("geom_rate")), vr)
    kind = _str(col("type"))
    ident = np.where(np.char.startswith(hexes.astype(str), "~"), "icao:~", "icao:") + np.char.lower(
        np.char.lstrip(hexes.astype(str), "~")
    ).astype(object)
    return ReportBatch.build(
        t=(now - seen)[good],
        lat=lat[good],
        lon=lon[good],
        alt=np.where(ground, np.nan, alt * FT)[good],
        vel_e=ve[good],
        vel_n=vn[good],
        vel_u=(vr * FPM)[good],
        accuracy=_accuracy(_num(col("nac_p")))[good],
        sensor="aircraft_json",
        identity=ident[good],
        callsign=_str(col("flight"))[good],
        squawk=_str(col("squawk"))[good],
        category=_str(col("category"))[good],
        transponder=(np.isin(kind, OWN) | (kind == ""))[good],
        on_ground=ground[good],
    ).replace_columns(nav=_nav(col("nac_p"), col("nic"), col("sil"), good))


def _nav(nacp: Any, nic: Any, sil: Any, good: Any) -> NavIntegrity:
    """NACp, NIC and SIL of the kept rows (see :mod:`airsentry.nav`)."""
    n = int(np.count_nonzero(good))
    return NavIntegrity.build(n, nacp=_num(nacp)[good], nic=_num(nic)[good], sil=_num(sil)[good])


@register("aircraft_json")
class AircraftJsonDecoder(DocumentDecoder):
    """``aircraft.json`` snapshots: one document, or one per line; a live poll each.

    A snapshot lists every aircraft the receiver knows, with the age of its last
    position (``seen_pos``); polled every second, most entries repeat the position of
    the poll before. With ``repeat_s`` (the default on a live feed: 0.05 s; off for a
    recording) only positions newer by more than ``repeat_s`` than the last one taken
    from the same aircraft are passed on, the others counted as skipped, so the
    pipeline sees each position once.
    """

    def __init__(
        self,
        *,
        source: str = "aircraft_json",
        recording: Path | None = None,
        repeat_s: float | None = None,
    ) -> None:
        self.repeat_s = repeat_s if repeat_s is not None or recording else 0.05
        self._doc = Document(source)
        self._ids = np.empty(0, dtype=object)  # sorted identities
        self._last = np.empty(0)  # time of the last position passed on, per identity

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        text = self._doc.take()
        docs = text.splitlines() if text.count(b'"now"') > 1 else [text]
        out = [self._snapshot(doc, quarantine) for doc in docs if doc.strip()]
        return ReportBatch.concat(out) if out else ReportBatch.empty()

    def _snapshot(self, doc: bytes, quarantine: Quarantine) -> ReportBatch:
        batch = decode_aircraft_json(doc, self._doc.source, quarantine)
        if self.repeat_s is None or not len(batch):
            return batch
        ids = batch.identity.astype(str)
        at = np.minimum(np.searchsorted(self._ids.astype(str), ids), max(len(self._ids) - 1, 0))
        known = len(self._ids) > 0
        seen = (self._ids[at] == batch.identity) if known else np.zeros(len(ids), np.bool_)
        before = np.where(seen, self._last[at] if known else 0.0, -np.inf)
        fresh = batch.t > before + self.repeat_s
        quarantine.skip("aircraft.json position already seen", int((~fresh).sum()))
        batch = batch.take(fresh)
        every = np.concatenate([self._ids, batch.identity])
        times = np.concatenate([self._last, batch.t])
        order = np.lexsort((times, every.astype(str)))
        every, times = every[order], times[order]
        last = np.r_[every[1:] != every[:-1], True] if len(every) else np.zeros(0, np.bool_)
        self._ids, self._last = every[last], times[last]
        return batch


@register("readsb_trace")
class ReadsbTraceDecoder(DocumentDecoder):
    """readsb ``trace_full_<hex>.json`` documents (plain or gzipped)."""

    def __init__(self, *, source: str = "readsb_trace", recording: Path | None = None) -> None:
        self._doc = Document(source)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        source, raw = self._doc.source, self._doc.take()
        if not raw:
            return ReportBatch.empty()
        try:
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            data = json.loads(raw)
            base = float(data["timestamp"])
            icao = str(data["icao"]).lower()
            trace = data["trace"]
            if not isinstance(trace, list):
                raise TypeError("'trace' is not a list")
        except (OSError, ValueError, KeyError, TypeError, EOFError, RecursionError) as exc:
            quarantine.reject(
                DecodeError(f"not a readsb trace: {type(exc).__name__}: {exc}", source=source), b""
            )
            return ReportBatch.empty()
        rows = [r if isinstance(r, list) and len(r) >= 8 else None for r in trace]
        for i in (i for i, r in enumerate(rows) if r is None):
            err = DecodeError("trace point is not a list of 8+ fields", source=source, line=i + 1)
            quarantine.reject(err, json.dumps(trace[i])[:2000])
        pts = [r if r is not None else [None] * 14 for r in rows]
        width = max(14, *(len(r) for r in pts)) if pts else 14
        cols = list(zip(*(r + [None] * (width - len(r)) for r in pts), strict=True)) if pts else []
        if not cols:
            return ReportBatch.empty()
        return self._batch(icao, base, cols, source, trace, quarantine)

    def _batch(
        self,
        icao: str,
        base: float,
        c: list[tuple[Any, ...]],
        source: str,
        trace: list[Any],
        q: Quarantine,
    ) -> ReportBatch:
        t = base + _num(c[0])
        lat, lon = _num(c[1]), _num(c[2])
        placed = _checked(lat, lon, source, trace, q)
        out_of_range = ~np.isnan(lat) & ~np.isnan(lon) & ~placed
        good = placed & ~np.isnan(t)
        listed = np.array([isinstance(r, list) and len(r) >= 8 for r in trace], dtype=np.bool_)
        q.skip("trace point without a position", int((~good & ~out_of_range & listed).sum()))
        ground = np.array([v == "ground" for v in c[3]], dtype=np.bool_)
        alt = _num(c[3])
        details = [d if isinstance(d, dict) else {} for d in c[8]]
        n = len(t)
        carried = {}
        for name in ("flight", "squawk", "category", "nac_p", "nic", "sil"):
            vals = [d.get(name) for d in details]
            has = np.array([v is not None for v in vals], dtype=np.bool_)
            idx = np.maximum.accumulate(np.where(has, np.arange(n), -1))
            arr = np.array(vals, dtype=object)
            carried[name] = np.where(idx >= 0, arr[np.maximum(idx, 0)], np.array(None))
        kind = _str(c[9])
        ve, vn = velocity_en(_num(c[4]) * KT, _num(c[5]))
        ident = f"icao:~{icao[1:]}" if icao.startswith("~") else f"icao:{icao}"
        return ReportBatch.build(
            t=t[good],
            lat=lat[good],
            lon=lon[good],
            alt=np.where(ground, np.nan, alt * FT)[good],
            vel_e=ve[good],
            vel_n=vn[good],
            vel_u=(_num(c[7]) * FPM)[good],
            accuracy=_accuracy(_num(carried["nac_p"]))[good],
            sensor="readsb_trace",
            identity=ident,
            callsign=_str(carried["flight"])[good],
            squawk=_str(carried["squawk"])[good],
            category=_str(carried["category"])[good],
            transponder=(np.isin(kind, OWN) | (kind == ""))[good],
            on_ground=ground[good],
        ).replace_columns(nav=_nav(carried["nac_p"], carried["nic"], carried["sil"], good))
