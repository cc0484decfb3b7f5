"""CPR pairing state per aircraft, carried across chunks, resolved a chunk at a time.

Rules (DO-260B §A.1.7, as dump1090/readsb and pyModeS apply them):

* a frame is decoded **globally** with the latest earlier frame of the other format
  from the same aircraft and the same kind (airborne or surface) when the two are at
  most ``pair_window`` (10 s) apart and fall in the same longitude-zone band; a
  surface pair needs a reference to choose the quadrant: the aircraft's last
  position, else the receiver position (``receiver``);
* otherwise it is decoded **locally** from the aircraft's last position if that is
  at most ``local_max_age`` seconds old (30 s, as pyModeS), and the result is kept
  only if it lies within 180 NM (airborne) or 45 NM (surface) of that reference. A
  surface frame may also use the receiver position as reference, within 45 NM;
* a surface pair with no reference at all is resolved at the aerodrome among its
  candidates (:mod:`~airsentry.sources.modes.aerodromes`: an aircraft on the ground is
  at one), when exactly one candidate is near one;
* the first frame of an aircraft has no partner and no reference: it only waits to
  pair with the next one.

Within a chunk the local reference is the latest *global* fix (or the position carried
from the previous chunk): local decoding gives the same answer for any reference
within half a zone, so this keeps the chunk free of row-by-row recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airsentry.sources.modes import aerodromes, cpr
from airsentry.sources.modes.fields import F64, I64
from airsentry.sources.modes.state import Groups, take

AIRBORNE_LOCAL_M = 180 * cpr.NM
SURFACE_LOCAL_M = 45 * cpr.NM


def _empty_f() -> F64:
    return np.empty(0)


def _empty_i() -> I64:
    return np.empty(0, dtype=np.int64)


@dataclass
class Positions:
    """Last even and odd CPR frame per (aircraft, kind) and last position per aircraft."""

    pair_window: float = 10.0
    local_max_age: float = 30.0
    receiver: tuple[float, float] | None = None
    # memory rows: key = icao * 2 + surface, fmt, cpr lat/lon, time
    m_key: I64 = field(default_factory=_empty_i)
    m_fmt: I64 = field(default_factory=_empty_i)
    m_lat: I64 = field(default_factory=_empty_i)
    m_lon: I64 = field(default_factory=_empty_i)
    m_t: F64 = field(default_factory=_empty_f)
    # last fix per aircraft
    f_icao: I64 = field(default_factory=_empty_i)
    f_lat: F64 = field(default_factory=_empty_f)
    f_lon: F64 = field(default_factory=_empty_f)
    f_t: F64 = field(default_factory=_empty_f)

    def resolve(
        self, icao: I64, surface: np.ndarray, fmt: I64, lat_cpr: I64, lon_cpr: I64, t: F64
    ) -> tuple[F64, F64, np.ndarray]:
        """Latitude, longitude and success of each CPR frame (rows in arrival order)."""
        n, m = len(icao), len(self.m_key)
        key = np.r_[self.m_key, icao * 2 + surface]
        f = np.r_[self.m_fmt, fmt]
        y = np.r_[self.m_lat, lat_cpr]
        x = np.r_[self.m_lon, lon_cpr]
        tt = np.r_[self.m_t, t]
        groups = Groups.of(key)
        partner = np.where(
            f == 0, groups.last(f == 1, strict=True), groups.last(f == 0, strict=True)
        )[m:]
        p = np.maximum(partner, 0)
        dt = t - tt[p]
        paired = (partner >= 0) & (dt >= 0) & (dt <= self.pair_window)
        odd = fmt == 1
        ye, xe = np.where(odd, y[p], lat_cpr), np.where(odd, x[p], lon_cpr)
        yo, xo = np.where(odd, lat_cpr, y[p]), np.where(odd, lon_cpr, x[p])

        lat = np.full(n, np.nan)
        lon = np.full(n, np.nan)
        air = paired & ~surface
        a_lat, a_lon, a_ok = cpr.global_airborne(ye[air], xe[air], yo[air], xo[air], odd[air])
        lat[air], lon[air] = np.where(a_ok, a_lat, np.nan), np.where(a_ok, a_lon, np.nan)

        # Reference per row: the latest earlier global fix of the aircraft, else the
        # position carried from before this chunk.
        ref_lat, ref_lon, ref_t = self._references(icao, t, lat, lon)
        gnd = paired & surface
        if gnd.any():
            r_lat, r_lon = self._with_receiver(ref_lat[gnd], ref_lon[gnd])
            s_lat, s_lon, s_ok = cpr.global_surface(
                ye[gnd], xe[gnd], yo[gnd], xo[gnd], odd[gnd], r_lat, r_lon
            )
            lat[gnd], lon[gnd] = np.where(s_ok, s_lat, np.nan), np.where(s_ok, s_lon, np.nan)
            blind = np.flatnonzero(gnd)[~s_ok & np.isnan(r_lat)]
            if len(blind):  # no reference at all: the one candidate at an aerodrome
                c_lat, c_lon, c_ok = cpr.surface_candidates(
                    ye[blind], xe[blind], yo[blind], xo[blind], odd[blind]
                )
                a_lat, a_lon, hit = aerodromes.resolve(c_lat, c_lon, c_ok)
                lat[blind[hit]], lon[blind[hit]] = a_lat[hit], a_lon[hit]
            ref_lat, ref_lon, ref_t = self._references(icao, t, lat, lon)

        todo = np.isnan(lat)
        fresh = todo & (t - ref_t <= self.local_max_age) & (t >= ref_t)
        use_rx = todo & ~fresh & surface & (self.receiver is not None)
        if self.receiver is not None:
            ref_lat = np.where(use_rx, self.receiver[0], ref_lat)
            ref_lon = np.where(use_rx, self.receiver[1], ref_lon)
        go = fresh | use_rx
        l_lat, l_lon = cpr.local(
            fmt[go], lat_cpr[go], lon_cpr[go], ref_lat[go], ref_lon[go], surface[go]
        )
        near = cpr.distance_m(l_lat, l_lon, ref_lat[go], ref_lon[go])
        limit = np.where(surface[go], SURFACE_LOCAL_M, AIRBORNE_LOCAL_M)
        ok = (near <= limit) & (np.abs(l_lat) <= 90)
        lat[go] = np.where(ok, l_lat, np.nan)
        lon[go] = np.where(ok, (l_lon + 180.0) % 360.0 - 180.0, np.nan)

        done = ~np.isnan(lat)
        self._remember(key, f, y, x, tt, groups, icao, lat, lon, t, done)
        return lat, lon, done

    def _references(self, icao: I64, t: F64, lat: F64, lon: F64) -> tuple[F64, F64, F64]:
        """Latest fix at or before each row: this chunk's, else the carried one."""
        k = len(self.f_icao)
        groups = Groups.of(np.r_[self.f_icao, icao])
        src = groups.last(np.r_[np.ones(k, dtype=np.bool_), ~np.isnan(lat)])[k:]
        return (
            take(np.r_[self.f_lat, lat], src),
            take(np.r_[self.f_lon, lon], src),
            take(np.r_[self.f_t, t], src),
        )

    def _with_receiver(self, lat: F64, lon: F64) -> tuple[F64, F64]:
        if self.receiver is None:
            return lat, lon
        miss = np.isnan(lat)
        return np.where(miss, self.receiver[0], lat), np.where(miss, self.receiver[1], lon)

    def _remember(
        self,
        key: I64,
        f: I64,
        y: I64,
        x: I64,
        tt: F64,
        groups: Groups,
        icao: I64,
        lat: F64,
        lon: F64,
        t: F64,
        done: np.ndarray,
    ) -> None:
        rows = np.r_[groups.last_of_group(f == 0), groups.last_of_group(f == 1)]
        rows = np.sort(rows[rows >= 0])
        self.m_key, self.m_fmt, self.m_lat = key[rows], f[rows], y[rows]
        self.m_lon, self.m_t = x[rows], tt[rows]
        k = len(self.f_icao)
        every = np.r_[self.f_icao, icao]
        g = Groups.of(every)
        last = g.last_of_group(np.r_[np.ones(k, dtype=np.bool_), done])
        self.f_icao = every[g.first_rows]
        self.f_lat = np.r_[self.f_lat, lat][last]
        self.f_lon = np.r_[self.f_lon, lon][last]
        self.f_t = np.r_[self.f_t, t][last]

    def forget_before(self, t: float) -> None:
        """Drop frames and fixes older than ``t`` (bounded memory on live feeds)."""
        keep = self.m_t >= t
        self.m_key, self.m_fmt = self.m_key[keep], self.m_fmt[keep]
        self.m_lat, self.m_lon, self.m_t = self.m_lat[keep], self.m_lon[keep], self.m_t[keep]
        keep = self.f_t >= t
        self.f_icao, self.f_lat = self.f_icao[keep], self.f_lat[keep]
        self.f_lon, self.f_t = self.f_lon[keep], self.f_t[keep]
