"""Mode S frames (with their times) to position reports, a chunk of frames at a time.

What each downlink format contributes:

* DF17 (ADS-B) and DF18 (non-transponder ADS-B, TIS-B, ADS-R), checked by CRC:
  TC 1-4 identification (callsign, emitter category ``"A3"``), TC 5-8 surface and
  TC 9-18/20-22 airborne positions (CPR, see :mod:`.positions`), TC 19 velocity,
  TC 29/31 NACp and SIL. DF18 control field 1/3/5 marks a non-ICAO address: the identity is
  written ``icao:~xxxxxx`` as the SBS source does; TIS-B (CF 2, 3, 5) is radar
  derived, so its reports have ``transponder=False``.
* DF11 (all-call reply) confirms an address (CRC remainder holds only the
  interrogator code).
* DF0/4/16/20 (altitude) and DF5/21 (squawk) carry their address in the parity, so
  they are trusted only for an address confirmed by DF11/17/18 within
  ``address_ttl`` seconds (dump1090's rule); unconfirmed ones are counted as skipped.

One report per decoded position, with its NIC (from its type code) and the carried
NACp and SIL on the batch's ``nav``. Callsign, category, squawk, NACp, SIL (for all time),
barometric altitude and velocity (while younger than ``max_age``) are carried from
other messages onto each aircraft's later positions, across chunks.

Malformed frames (wrong length for the DF, unassigned DF, bad CRC) go to the
quarantine with their bytes; well-formed frames without a position are counted as
skipped, so that accepted + rejected + skipped always equals the frames fed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airsentry.columns import cells
from airsentry.errors import DecodeError
from airsentry.model import ReportBatch
from airsentry.nav import NavIntegrity
from airsentry.sources.base import Quarantine
from airsentry.sources.modes import fields as fl
from airsentry.sources.modes.fields import F64, I64, U8
from airsentry.sources.modes.positions import Positions
from airsentry.sources.modes.state import Carry

DECODED_DF = frozenset({0, 4, 5, 11, 16, 17, 18, 20, 21})
KNOWN_DF = frozenset({19, 22, 24, 25, 26, 27, 28, 29, 30, 31})  # assigned, not decoded here
_CARRIED = ("callsign", "category", "squawk", "alt_ft", "vel_e", "vel_n", "vel_u", "nacp", "sil")
_KINEMATIC = ("alt_ft", "vel_e", "vel_n", "vel_u")


@dataclass
class ModeSDecoder:
    """Stateful decoder of Mode S frames; one per receiver (feed)."""

    sensor: str = "modes"
    receiver: tuple[float, float] | None = None
    max_age: float = 60.0
    address_ttl: float = 60.0
    forget_after: float = 600.0
    positions: Positions = field(init=False)
    carry: Carry = field(init=False)
    confirmed: Carry = field(init=False)

    def __post_init__(self) -> None:
        self.positions = Positions(receiver=self.receiver)
        self.carry = Carry(_CARRIED)
        self.confirmed = Carry(("seen",))

    def decode(
        self,
        frames: U8,
        long: np.ndarray,
        t: F64,
        offsets: I64,
        quarantine: Quarantine,
        source: str,
    ) -> ReportBatch:
        """Decode frames (``(n, 14)`` bytes, ``long`` per row) received at times ``t``.

        ``offsets`` locate each frame in its input (byte offset or line number) for the
        quarantine records.
        """
        if len(frames) == 0:
            return ReportBatch.empty()
        df, ca, aa = fl.header(frames)
        rem = fl.crc_remainder(frames, long).astype(np.int64)
        bad = np.zeros(len(frames), dtype=np.bool_)

        def reject(mask: np.ndarray, reason: str) -> None:
            new = mask & ~bad
            for i in np.flatnonzero(new):  # rejected frames only
                err = DecodeError(reason.format(df=df[i]), source=source, line=int(offsets[i]))
                raw = frames[i, : 14 if long[i] else 7].tobytes()
                quarantine.reject(err, raw)
            bad[:] |= new

        unassigned = ~np.isin(df, list(DECODED_DF | KNOWN_DF))
        reject(unassigned, "unassigned downlink format DF{df}")
        reject((df >= 16) != long, "DF{df} frame has the wrong length")
        es = (df == 17) | (df == 18)
        reject(es & (rem != 0), "DF{df} CRC mismatch")
        reject((df == 11) & ((rem & 0xFFFF80) != 0), "DF11 parity mismatch")
        reject(es & (df == 18) & (ca == 7), "DF18 reserved control field 7")
        ok = ~bad & np.isin(df, list(DECODED_DF))
        undecoded = ~bad & ~ok
        quarantine.skip("Mode S DF not decoded (military, Comm-D)", int(undecoded.sum()))
        if not ok.any():
            return ReportBatch.empty()
        return self._reports(frames[ok], df[ok], ca[ok], aa[ok], rem[ok], t[ok], quarantine)

    def _reports(
        self, frames: U8, df: I64, ca: I64, aa: I64, rem: I64, t: F64, quarantine: Quarantine
    ) -> ReportBatch:
        n = len(frames)
        es = (df == 17) | (df == 18)
        confirms = es | (df == 11)
        parity = np.isin(df, (0, 4, 5, 16, 20, 21))
        address = np.where(parity, rem, aa)
        seen = self.confirmed.fill(address, t, {"seen": np.where(confirms, t, np.nan)})["seen"][0]
        trusted = confirms | (parity & (t - seen <= self.address_ttl))
        unconfirmed = int((parity & ~trusted).sum())
        quarantine.skip("Mode S address not confirmed by DF11/17/18", unconfirmed)
        # DF18 CF 1, 3, 5: non-ICAO address; kept apart from ICAO addresses by bit 24.
        anon = (df == 18) & np.isin(ca, (1, 3, 5))
        key = address + np.where(anon, 1 << 24, 0)
        me = np.where(es, fl.me_field(frames), np.uint64(0)).astype(np.uint64)
        tc = np.where(es, fl.bits(me, 51, 5), 0)

        nan = np.full(n, np.nan)
        code = fl.code13(frames)
        ident = es & (tc >= 1) & (tc <= 4)
        airborne = es & (((tc >= 9) & (tc <= 18)) | ((tc >= 20) & (tc <= 22)))
        surface = es & (tc >= 5) & (tc <= 8)
        alt_frame = trusted & np.isin(df, (0, 4, 16, 20))
        baro_pos = es & (tc >= 9) & (tc <= 18)
        ac12 = fl.bits(me, 36, 12)
        alt_ft = np.where(alt_frame, fl.altitude_ft(code), nan)
        alt_ft = np.where(baro_pos, fl.altitude_ft(fl.ac12_to_ac13(ac12)), alt_ft)
        velocity = es & (tc == 19)
        ve, vn, vu = fl.airborne_velocity(me)
        columns = {
            "callsign": np.where(ident, fl.callsign_codes(me).astype(np.float64), nan),
            "category": np.where(ident, tc * 8 + fl.bits(me, 48, 3), nan),
            "squawk": np.where(trusted & np.isin(df, (5, 21)), code, nan),
            "alt_ft": alt_ft,
            "vel_e": np.where(velocity, ve, nan),
            "vel_n": np.where(velocity, vn, nan),
            "vel_u": np.where(velocity, vu, nan),
            "nacp": np.where(es, fl.nacp(me, tc), nan),
            "sil": np.where(es, fl.sil(me, tc), nan),
        }
        filled = self.carry.fill(key, t, columns)

        pos = airborne | surface
        rows = np.flatnonzero(pos)
        lat, lon, done = self.positions.resolve(
            key[rows],
            surface[rows],
            fl.bits(me[rows], 34, 1),
            fl.bits(me[rows], 17, 17),
            fl.bits(me[rows], 0, 17),
            t[rows],
        )
        without = int(n - len(rows) - unconfirmed)  # unconfirmed frames are never positions
        quarantine.skip("Mode S frame without a position", without)
        quarantine.skip("CPR frame waiting for its pair or reference", int((~done).sum()))
        horizon = float(t.max()) - self.forget_after
        self.positions.forget_before(horizon)
        self.carry.forget_before(horizon)
        self.confirmed.forget_before(horizon)
        return self._batch(rows[done], lat[done], lon[done], t, tc, me, df, ca, key, anon, filled)

    def _batch(
        self,
        rows: I64,
        lat: F64,
        lon: F64,
        t: F64,
        tc: I64,
        me: np.ndarray,
        df: I64,
        ca: I64,
        key: I64,
        anon: np.ndarray,
        filled: dict[str, tuple[F64, F64]],
    ) -> ReportBatch:
        tr = t[rows]
        value = {}
        for name, (v, when) in filled.items():
            v = v[rows]
            if name in _KINEMATIC:
                v = np.where(tr - when[rows] > self.max_age, np.nan, v)
            value[name] = v
        on_ground = (tc[rows] >= 5) & (tc[rows] <= 8)
        me_r = me[rows]
        # A surface position carries its own speed and track, and has no altitude.
        speed = fl.surface_speed_kt(fl.bits(me_r, 44, 7)) * fl.KT
        track = np.where(fl.bits(me_r, 43, 1) == 1, fl.bits(me_r, 36, 7) * 360.0 / 128, np.nan)
        ve = np.where(on_ground, speed * np.sin(np.radians(track)), value["vel_e"])
        vn = np.where(on_ground, speed * np.cos(np.radians(track)), value["vel_n"])
        vu = np.where(on_ground, 0.0, value["vel_u"])
        gnss = (tc[rows] >= 20) & (tc[rows] <= 22)
        alt = np.where(gnss, fl.bits(me_r, 36, 12).astype(np.float64), value["alt_ft"] * fl.FT)
        alt = np.where(on_ground, np.nan, alt)
        cs = value["callsign"]
        callsign = cells(len(rows))
        has_cs = ~np.isnan(cs)
        callsign[has_cs] = fl.callsign_text(cs[has_cs].astype(np.uint64))
        cat = value["category"]
        has_cat = ~np.isnan(cat)
        category = cells(len(rows))
        c = cat[has_cat].astype(np.int64)
        category[has_cat] = fl.category_text(c // 8, c % 8)
        sq = value["squawk"]
        squawk = cells(len(rows))
        squawk[~np.isnan(sq)] = fl.squawk(sq[~np.isnan(sq)].astype(np.int64))
        tisb = (df[rows] == 18) & np.isin(ca[rows], (2, 3, 5))
        hexes = np.char.mod("%06x", key[rows] & 0xFFFFFF).astype(object)
        identity = np.where(anon[rows], "icao:~" + hexes, "icao:" + hexes).astype(object)
        return ReportBatch.build(
            t=tr,
            lat=lat,
            lon=lon,
            alt=alt,
            vel_e=ve,
            vel_n=vn,
            vel_u=vu,
            accuracy=fl.accuracy_m(value["nacp"], tc[rows]),
            sensor=self.sensor,
            identity=identity,
            callsign=callsign,
            squawk=squawk,
            category=category,
            transponder=~tisb,
            on_ground=on_ground,
        ).replace_columns(
            nav=NavIntegrity.build(
                len(rows), nacp=value["nacp"], nic=fl.nic(tc[rows]), sil=value["sil"]
            )
        )
